//! Which files a package is made of: every target's root, then every `mod name;` it declares
//! (`name.rs`, `name/mod.rs`, its `#[path]`, or each `#[cfg_attr(pred, path = "..")]`: predicates
//! are not evaluated, so each is a file the module may be, but for those settled in every build,
//! `all()`, `any()`, `true`, `false`; a module under a `cfg` that fails in every build has none).

use std::path::{Path, PathBuf};

use syn::visit::{self, Visit};
use syn::{Attribute, Expr, ItemMod, Lit, Meta};

/// The files of the `mod name;` declarations of `file` (at `path`), each with whether it owns
/// its directory (loaded through `#[path]`) and whether only tests compile it (`#[cfg(test)]`
/// on it or on an inline module around it). `owns_dir`: `file`'s own `mod` declarations look in
/// its directory, as a `mod.rs`'s, a target root's or a `#[path]` file's do.
pub(crate) fn child_modules(path: &Path, file: &syn::File, owns_dir: bool) -> Vec<Child> {
    let mod_rs = owns_dir
        || path
            .file_name()
            .is_some_and(|name| name == "mod.rs" || name == "lib.rs" || name == "main.rs");
    let dir = path.parent().unwrap_or(Path::new("."));
    let own_dir = if mod_rs {
        dir.to_path_buf()
    } else {
        dir.join(path.file_stem().unwrap_or_default())
    };
    let mut mods = FindMods {
        file_dir: dir.to_path_buf(),
        dir: own_dir,
        inline_depth: 0,
        in_tests: false,
        found: Vec::new(),
    };
    mods.visit_file(file);
    mods.found
}

/// `a/b/../c.rs` as `a/c.rs`, without touching the file system (a `#[path = "../x.rs"]`
/// module is shown and counted once, under its plain path).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                ) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The files of a file's `mod name;` declarations.
struct FindMods {
    /// The directory of the file itself: `#[path]` on an outer `mod` is relative to it.
    file_dir: PathBuf,
    /// Where `mod name;` looks for `name.rs` and `name/mod.rs`.
    dir: PathBuf,
    inline_depth: usize,
    /// Inside an inline module only tests compile.
    in_tests: bool,
    found: Vec<Child>,
}

/// A module's file, from the `mod name;` that declares it.
#[derive(Clone, Debug)]
pub(crate) struct Child {
    pub(crate) path: PathBuf,
    /// It owns its directory (loaded through `#[path]`).
    pub(crate) owns_dir: bool,
    /// Only tests compile it: `#[cfg(test)]` on its `mod` or on an inline module around it.
    pub(crate) tests_only: bool,
}

/// Whether `attrs` hold a `#[cfg(test)]`, or a `#[cfg(all(test, ..))]`: what only `cargo test`
/// compiles.
pub(crate) fn only_in_tests(attrs: &[Attribute]) -> bool {
    fn is_test(meta: &Meta) -> bool {
        match meta {
            Meta::Path(path) => path.is_ident("test"),
            Meta::List(list) if list.path.is_ident("all") => list
                .parse_args_with(
                    syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|metas| metas.iter().any(is_test)),
            _ => false,
        }
    }
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg") && attr.parse_args::<Meta>().is_ok_and(|meta| is_test(&meta))
    })
}

fn path_value(meta: &Meta) -> Option<String> {
    match meta {
        Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Str(s) => Some(s.value()),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// `#[path = ".."]` as written, and the paths of every `#[cfg_attr(pred, path = "..")]`.
fn paths(attrs: &[Attribute]) -> (Option<String>, Vec<String>) {
    let mut plain = None;
    let mut conditional = Vec::new();
    for attr in attrs {
        for (pred, applied) in coop_analysis::cfg_attr::applied(attr) {
            if let Some(path) = path_value(&applied.meta) {
                // A predicate settled in every build is settled as rustc settles it.
                match coop_analysis::cfg_attr::holds(&pred) {
                    Some(false) => {}
                    None if !pred.is_empty() => conditional.push(path),
                    _ => {
                        plain.get_or_insert(path);
                    }
                }
            }
        }
    }
    (plain, conditional)
}

impl<'ast> Visit<'ast> for FindMods {
    fn visit_item_mod(&mut self, module: &'ast ItemMod) {
        // Under a `cfg` that fails in every build, its file is never compiled.
        if coop_analysis::never_compiled(&module.attrs) {
            return;
        }
        let name = module.ident.to_string();
        let (path, conditional) = paths(&module.attrs);
        let tests_only = self.in_tests || only_in_tests(&module.attrs);
        match &module.content {
            None => {
                for other in conditional {
                    let file = if self.inline_depth == 0 {
                        self.file_dir.join(other)
                    } else {
                        self.dir.join(other)
                    };
                    self.found.push(Child {
                        path: normalize(&file),
                        owns_dir: true,
                        tests_only,
                    });
                }
                let owns_dir = path.is_some();
                let file = match path {
                    // Outside inline modules `#[path]` is relative to the file's directory,
                    // inside them to the inline module's directory.
                    Some(path) if self.inline_depth == 0 => self.file_dir.join(path),
                    Some(path) => self.dir.join(path),
                    None => {
                        let flat = self.dir.join(format!("{name}.rs"));
                        // There, even as a link that does not resolve (read as unreadable).
                        if std::fs::symlink_metadata(&flat).is_ok() {
                            flat
                        } else {
                            self.dir.join(&name).join("mod.rs")
                        }
                    }
                };
                self.found.push(Child {
                    path: normalize(&file),
                    owns_dir,
                    tests_only,
                });
            }
            Some(_) => {
                let saved = self.dir.clone();
                self.dir = match path {
                    Some(path) => self.dir.join(path),
                    None => self.dir.join(&name),
                };
                self.inline_depth += 1;
                let in_tests = std::mem::replace(&mut self.in_tests, tests_only);
                visit::visit_item_mod(self, module);
                self.in_tests = in_tests;
                self.inline_depth -= 1;
                self.dir = saved;
            }
        }
    }

    /// `mod` declarations inside an item-position macro call (`cfg_if! { mod unix; }`,
    /// tokio's `cfg_rt! { pub mod runtime; }`), when its tokens parse as items.
    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        if item.ident.is_some() {
            return;
        }
        if let Some(items) = coop_analysis::macro_items(&item.mac) {
            for nested in &items {
                self.visit_item(nested);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_a_cfg_removes_in_every_build_have_no_file() {
        let file: syn::File = syn::parse_quote! {
            #[cfg(any())] mod gone;
            #[cfg_attr(all(), cfg(false))] mod gone2;
            #[cfg(any())] mod inline { mod gone3; }
            #[cfg_attr(any(), path = "bad.rs")] mod good;
            #[cfg_attr(all(), path = "always.rs")] mod always;
            #[cfg_attr(unix, path = "unix.rs")] mod maybe;
        };
        let found: Vec<PathBuf> = child_modules(Path::new("/nowhere/src/lib.rs"), &file, false)
            .into_iter()
            .map(|child| child.path)
            .collect();
        assert_eq!(
            found,
            [
                PathBuf::from("/nowhere/src/good/mod.rs"),
                PathBuf::from("/nowhere/src/always.rs"),
                PathBuf::from("/nowhere/src/unix.rs"),
                PathBuf::from("/nowhere/src/maybe/mod.rs"),
            ]
        );
    }
}
