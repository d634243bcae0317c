//! The loop rules applied to every file of a package: files found by [`crate::discover`],
//! read, parsed and scanned on every core (`std::thread::scope`), a wave of module files at a
//! time. Spans are turned into lines and byte offsets on the thread that parsed the file
//! (proc-macro2 keeps its source map per thread).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use coop_analysis::{Coverage, FindingKind, FixTarget, LoopKind, Unchecked, scan_file};

use crate::discover::{Child, child_modules, only_in_tests};
use crate::lines::LineIndex;

/// One finding, located.
#[derive(Clone, Debug)]
pub(crate) struct Located {
    pub(crate) kind: FindingKind,
    pub(crate) loop_kind: Option<LoopKind>,
    /// 1-based line.
    pub(crate) line: usize,
    /// 1-based column, in characters, as rustc prints it.
    pub(crate) column: usize,
    /// Byte range of the offending token within its line.
    pub(crate) line_range: std::ops::Range<usize>,
    pub(crate) function: String,
    pub(crate) fn_is_async: bool,
    pub(crate) fn_holds_async_blocks: bool,
    pub(crate) coverage: Coverage,
    /// Byte offset in the file where `#[cooperative]` goes, when it fixes this finding.
    pub(crate) fix_offset: Option<usize>,
    /// It is in an item under `#[cfg(test)]` (or in a module that is): only tests compile it.
    pub(crate) in_tests: bool,
    pub(crate) fix_target: Option<FixTarget>,
}

/// A file that could not be read as text, or not parsed.
#[derive(Clone, Debug)]
pub(crate) struct FileError {
    pub(crate) line: usize,
    pub(crate) line_range: std::ops::Range<usize>,
    pub(crate) message: String,
}

/// One file, scanned.
#[derive(Clone, Debug)]
pub(crate) struct FileScan {
    pub(crate) path: PathBuf,
    pub(crate) source: String,
    pub(crate) async_fns: usize,
    pub(crate) async_loops: usize,
    pub(crate) lines: usize,
    pub(crate) findings: Vec<Located>,
    pub(crate) error: Option<FileError>,
    /// A coop attribute is written on one of its items.
    pub(crate) uses_attributes: bool,
    pub(crate) unchecked: Unchecked,
    /// Files of the `mod name;` declarations in this one.
    children: Vec<Child>,
    /// Only tests compile it: every `mod` on the way to it from the roots scanned, or one, is
    /// `#[cfg(test)]`.
    pub(crate) tests_only: bool,
    /// Names its items and imports take in the type namespace (see [`FileScan::shadows`]).
    type_names: HashSet<String>,
    /// It says `#![no_std]` (the attribute itself, not under `cfg_attr`, which leaves `std` to
    /// a feature).
    pub(crate) no_std: bool,
    /// It says `#![cfg_attr(not(feature = "name"), no_std)]`: `std` only with that feature.
    pub(crate) std_feature: Option<String>,
}

impl FileScan {
    /// Whether an item or import of this file takes `name` in the type namespace, where a path
    /// `name::cooperative` would find it before the crate of that name: attributes and help
    /// then start from the root (`::name::cooperative`).
    pub(crate) fn shadows(&self, name: &str) -> bool {
        self.type_names.contains(name)
    }

    /// The text of 1-based line `line`.
    pub(crate) fn line_text(&self, line: usize) -> &str {
        self.source.lines().nth(line - 1).unwrap_or("")
    }
}

/// Scans every file reachable from `roots` (target roots), each once, in parallel; results come
/// back sorted by path. A root that cannot be found is an error.
pub(crate) fn scan_tree(roots: &[PathBuf]) -> Result<Vec<FileScan>> {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    // (file, is a target root, owns its directory like a `mod.rs`)
    let mut wave: Vec<(PathBuf, bool, bool)> = Vec::new();
    for root in roots {
        if seen.insert(root.clone()) {
            wave.push((root.clone(), true, true));
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut scanned = Vec::new();
    while !wave.is_empty() {
        let chunk = wave.len().div_ceil(threads);
        let results: Vec<Result<Option<FileScan>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = wave
                .chunks(chunk)
                .map(|files| {
                    scope.spawn(move || {
                        files
                            .iter()
                            .map(|(path, is_root, owns_dir)| scan_one(path, *is_root, *owns_dir))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| handle.join().expect("a scan thread panicked"))
                .collect()
        });
        wave = Vec::new();
        for result in results {
            let Some(file) = result? else { continue };
            for child in &file.children {
                if seen.insert(child.path.clone()) {
                    wave.push((child.path.clone(), false, child.owns_dir));
                }
            }
            scanned.push(file);
        }
    }
    mark_tests_only(roots, &mut scanned);
    scanned.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(scanned)
}

/// Marks the files only tests compile: those no chain of `mod` declarations from `roots`
/// reaches without a `#[cfg(test)]` on the way, however many chains reach them.
fn mark_tests_only(roots: &[PathBuf], scanned: &mut [FileScan]) {
    let index: std::collections::HashMap<PathBuf, usize> = scanned
        .iter()
        .enumerate()
        .map(|(at, file)| (file.path.clone(), at))
        .collect();
    let mut outside: HashSet<PathBuf> = roots.iter().cloned().collect();
    let mut wave: Vec<PathBuf> = roots.to_vec();
    while let Some(path) = wave.pop() {
        let Some(&at) = index.get(&path) else {
            continue;
        };
        for child in &scanned[at].children {
            if !child.tests_only && outside.insert(child.path.clone()) {
                wave.push(child.path.clone());
            }
        }
    }
    for file in scanned {
        file.tests_only = !outside.contains(&file.path);
    }
}

/// The names an item or import of `file` takes in the type namespace, where a path
/// `name::cooperative` would find it before a crate of that name.
fn type_names(file: &syn::File) -> HashSet<String> {
    struct Collect(HashSet<String>);
    impl<'ast> syn::visit::Visit<'ast> for Collect {
        fn visit_item(&mut self, item: &'ast syn::Item) {
            let ident = match item {
                syn::Item::Mod(item) => Some(&item.ident),
                syn::Item::Struct(item) => Some(&item.ident),
                syn::Item::Enum(item) => Some(&item.ident),
                syn::Item::Union(item) => Some(&item.ident),
                syn::Item::Trait(item) => Some(&item.ident),
                syn::Item::Type(item) => Some(&item.ident),
                syn::Item::ExternCrate(item) => item.rename.as_ref().map(|(_, rename)| rename),
                _ => None,
            };
            if let Some(ident) = ident {
                self.0.insert(ident.to_string());
            }
            syn::visit::visit_item(self, item);
        }
        fn visit_use_rename(&mut self, rename: &'ast syn::UseRename) {
            self.0.insert(rename.rename.to_string());
        }
        // A path's last name is what a `use` takes (`use a::coop_core;` imports another
        // `coop_core`); `use coop_core::..` reaches into the crate and takes nothing of its name.
        fn visit_use_name(&mut self, used: &'ast syn::UseName) {
            self.0.insert(used.ident.to_string());
        }
    }
    let mut collect = Collect(HashSet::new());
    syn::visit::Visit::visit_file(&mut collect, file);
    collect.0
}

/// Reads, parses and scans one file. A module file that does not exist (a `mod` behind a `cfg`
/// for another platform, a generated file) is skipped; a root that does not is an error. A file
/// that cannot be read otherwise (a directory, a symlink loop, no permission), is not UTF-8, or
/// does not parse, is scanned as a [`FileError`]: one finding, and the other files are still
/// checked.
pub(crate) fn scan_one(path: &Path, is_root: bool, owns_dir: bool) -> Result<Option<FileScan>> {
    let read = std::fs::read(path);
    let mut scan = FileScan {
        path: path.to_path_buf(),
        source: String::new(),
        async_fns: 0,
        async_loops: 0,
        lines: 0,
        findings: Vec::new(),
        error: None,
        uses_attributes: false,
        unchecked: Unchecked::default(),
        children: Vec::new(),
        tests_only: false,
        type_names: HashSet::new(),
        no_std: false,
        std_feature: None,
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        // Not there at all; a link to nothing is there, and unreadable.
        Err(err)
            if err.kind() == std::io::ErrorKind::NotFound
                && std::fs::symlink_metadata(path).is_err() =>
        {
            if is_root {
                return Err(err).with_context(|| format!("cannot read {}", path.display()));
            }
            return Ok(None);
        }
        Err(err) => {
            scan.error = Some(FileError {
                line: 1,
                line_range: 0..0,
                message: format!("it cannot be read ({err})"),
            });
            return Ok(Some(scan));
        }
    };
    let source = match String::from_utf8(bytes) {
        Ok(source) => source,
        Err(err) => {
            // The line of the first invalid byte, shown with the invalid bytes replaced.
            let valid = err.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(err.as_bytes()).into_owned();
            let line = err.as_bytes()[..valid]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            let start = err.as_bytes()[..valid]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&err.as_bytes()[start..valid]).len();
            scan.lines = lossy.lines().count();
            scan.error = Some(FileError {
                line,
                line_range: column..column + '\u{fffd}'.len_utf8(),
                message: format!("it is not UTF-8 text ({})", err.utf8_error()),
            });
            scan.source = lossy;
            return Ok(Some(scan));
        }
    };
    scan.lines = source.lines().count();
    let lines = LineIndex::new(&source);
    match syn::parse_file(&source) {
        Err(err) => {
            let (line, _, line_range) = lines.locate(&source, err.span());
            // The lexer's own words say nothing of where or what: rustc's do.
            let message = match err.to_string().as_str() {
                "cannot parse string into token stream" => {
                    "a delimiter is not closed, or a token is malformed".to_owned()
                }
                other => other.to_owned(),
            };
            scan.error = Some(FileError {
                line,
                line_range,
                message: format!("it does not parse: {message}"),
            });
        }
        Ok(file) => {
            scan.children = child_modules(path, &file, is_root || owns_dir);
            scan.type_names = type_names(&file);
            scan.no_std = file.attrs.iter().any(|attr| {
                matches!(attr.style, syn::AttrStyle::Inner(_)) && attr.path().is_ident("no_std")
            });
            scan.std_feature = file.attrs.iter().find_map(std_feature);
            let in_tests = lines_in_tests(&file);
            let scanned = scan_file(file);
            scan.async_fns = scanned.async_fns;
            scan.async_loops = scanned.async_loops;
            scan.uses_attributes = scanned.uses_attributes;
            scan.unchecked = scanned.unchecked;
            for finding in scanned.findings {
                let (line, column, line_range) = lines.locate(&source, finding.keyword);
                let fix_offset = finding.fix.map(|fix| lines.offset(&source, fix.before));
                scan.findings.push(Located {
                    kind: finding.kind,
                    loop_kind: finding.loop_kind,
                    line,
                    column,
                    line_range,
                    function: finding.function,
                    fn_is_async: finding.fn_is_async,
                    fn_holds_async_blocks: finding.fn_holds_async_blocks,
                    coverage: finding.coverage,
                    fix_offset,
                    in_tests: in_tests.iter().any(|lines| lines.contains(&line)),
                    fix_target: finding.fix.map(|fix| fix.target),
                });
            }
            scan.findings.sort_by_key(|f| (f.line, f.column));
        }
    }
    scan.source = source;
    Ok(Some(scan))
}

/// The lines of each item of `file` only tests compile (`#[cfg(test)]` on it), and all of
/// them under an inner `#![cfg(test)]`.
fn lines_in_tests(file: &syn::File) -> Vec<std::ops::RangeInclusive<usize>> {
    use syn::spanned::Spanned;
    struct Collect(Vec<std::ops::RangeInclusive<usize>>);
    impl Collect {
        fn note(&mut self, attrs: &[syn::Attribute], span: proc_macro2::Span) -> bool {
            let tests = only_in_tests(attrs);
            if tests {
                self.0.push(span.start().line..=span.end().line);
            }
            tests
        }
    }
    impl<'ast> syn::visit::Visit<'ast> for Collect {
        fn visit_item(&mut self, item: &'ast syn::Item) {
            let attrs = match item {
                syn::Item::Fn(item) => &item.attrs,
                syn::Item::Mod(item) => &item.attrs,
                syn::Item::Impl(item) => &item.attrs,
                syn::Item::Trait(item) => &item.attrs,
                syn::Item::Const(item) => &item.attrs,
                syn::Item::Static(item) => &item.attrs,
                _ => return syn::visit::visit_item(self, item),
            };
            if !self.note(attrs, item.span()) {
                syn::visit::visit_item(self, item);
            }
        }
        fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
            if !self.note(&item.attrs, item.span()) {
                syn::visit::visit_impl_item_fn(self, item);
            }
        }
        fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
            if !self.note(&item.attrs, item.span()) {
                syn::visit::visit_trait_item_fn(self, item);
            }
        }
    }
    let inner: Vec<syn::Attribute> = file
        .attrs
        .iter()
        .filter(|attr| matches!(attr.style, syn::AttrStyle::Inner(_)))
        .cloned()
        .collect();
    if only_in_tests(&inner) {
        return vec![1..=usize::MAX];
    }
    let mut collect = Collect(Vec::new());
    syn::visit::Visit::visit_file(&mut collect, file);
    collect.0
}

/// `name` of an inner `#![cfg_attr(not(feature = "name"), no_std)]`: the idiom of a crate that
/// is `no_std` unless its feature turns `std` on.
fn std_feature(attr: &syn::Attribute) -> Option<String> {
    if !matches!(attr.style, syn::AttrStyle::Inner(_)) {
        return None;
    }
    // The `no_std` a `cfg_attr` applies, and the predicate it applies under.
    let (pred, _) = coop_analysis::cfg_attr::applied(attr)
        .into_iter()
        .find(|(pred, applied)| !pred.is_empty() && applied.path().is_ident("no_std"))?;
    let syn::Meta::List(not) = syn::parse2::<syn::Meta>(pred).ok()? else {
        return None;
    };
    let syn::Meta::NameValue(feature) = not.parse_args::<syn::Meta>().ok()? else {
        return None;
    };
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(name),
        ..
    }) = &feature.value
    else {
        return None;
    };
    (not.path.is_ident("not") && feature.path.is_ident("feature")).then(|| name.value())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_or_import_named_as_the_crate_shadows_it() {
        let shadows =
            |source: &str, name: &str| type_names(&syn::parse_file(source).unwrap()).contains(name);
        assert!(shadows("mod coop_core { pub fn helper() {} }", "coop_core"));
        assert!(shadows("use other::thing as coop;", "coop"));
        assert!(shadows("mod a { use b::coop_core; }", "coop_core"));
        assert!(!shadows("use coop_core::cooperative;", "coop_core"));
        assert!(!shadows("fn coop_core() {}", "coop_core"));
    }

    #[test]
    fn an_unclosed_delimiter_is_named() {
        let path = std::env::temp_dir().join(format!("coop-unclosed-{}.rs", std::process::id()));
        std::fs::write(&path, "pub async fn bad( { loop {} }\n").unwrap();
        let scan = scan_one(&path, true, true).unwrap().unwrap();
        std::fs::remove_file(&path).unwrap();
        let error = scan.error.unwrap();
        assert_eq!(
            error.message,
            "it does not parse: a delimiter is not closed, or a token is malformed"
        );
        assert_eq!(error.line, 1);
    }
}
