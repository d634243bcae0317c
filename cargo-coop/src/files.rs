//! Which files a package is made of, and the loop rules applied to each: every target's root,
//! then every `mod name;` it declares (`name.rs`, `name/mod.rs`, or its `#[path]`), parsed and
//! scanned on every core. Spans are turned into lines and byte offsets on the thread that parsed
//! the file (proc-macro2 keeps its source map per thread).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use coop_analysis::{FindingKind, FixTarget, LoopKind, scan_file};
use proc_macro2::Span;
use syn::visit::{self, Visit};
use syn::{Attribute, Expr, ItemMod, Lit, Meta};

/// One finding, located.
#[derive(Clone, Debug)]
pub(crate) struct Located {
    pub(crate) kind: FindingKind,
    pub(crate) loop_kind: LoopKind,
    /// 1-based line of the loop keyword.
    pub(crate) line: usize,
    /// 1-based column, in characters, as rustc prints it.
    pub(crate) column: usize,
    /// Byte range of the keyword within its line.
    pub(crate) line_range: std::ops::Range<usize>,
    pub(crate) function: String,
    pub(crate) fn_is_async: bool,
    pub(crate) fn_holds_async_blocks: bool,
    /// Byte offset in the file where `#[cooperative]` goes, when it fixes this finding.
    pub(crate) fix_offset: Option<usize>,
    pub(crate) fix_target: Option<FixTarget>,
}

/// A file that does not parse.
#[derive(Clone, Debug)]
pub(crate) struct ParseError {
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
    pub(crate) error: Option<ParseError>,
    /// Files of the `mod name;` declarations in this one.
    children: Vec<(PathBuf, bool)>,
}

impl FileScan {
    /// The text of 1-based line `line`.
    pub(crate) fn line_text(&self, line: usize) -> &str {
        self.source.lines().nth(line - 1).unwrap_or("")
    }
}

/// Scans every file reachable from `roots` (target roots), each once, in parallel; results come
/// back sorted by path. A root that cannot be read is an error.
pub(crate) fn scan_tree(roots: &[PathBuf]) -> Result<Vec<FileScan>, String> {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    // (file, is a target root, owns its directory like a `mod.rs`)
    let mut frontier: Vec<(PathBuf, bool, bool)> = Vec::new();
    for root in roots {
        if seen.insert(root.clone()) {
            frontier.push((root.clone(), true, true));
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut scanned = Vec::new();
    while !frontier.is_empty() {
        let chunk = frontier.len().div_ceil(threads);
        let results: Vec<Result<Option<FileScan>, String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = frontier
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
        frontier = Vec::new();
        for result in results {
            let Some(file) = result? else { continue };
            for (child, owns_dir) in &file.children {
                if seen.insert(child.clone()) {
                    frontier.push((child.clone(), false, *owns_dir));
                }
            }
            scanned.push(file);
        }
    }
    scanned.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(scanned)
}

/// Reads, parses and scans one file. A module file that does not exist (a `mod` behind a `cfg`
/// for another platform, a generated file) is skipped; a root that does not, or any file that
/// exists and cannot be read (not UTF-8, no permission), is an error. `owns_dir`: its `mod`
/// declarations look in its own directory, as a `mod.rs`, a target root or a `#[path]` file's do.
fn scan_one(path: &Path, is_root: bool, owns_dir: bool) -> Result<Option<FileScan>, String> {
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(err) if !is_root && err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
    };
    let lines = LineIndex::new(&source);
    let mut scan = FileScan {
        path: path.to_path_buf(),
        source: String::new(),
        async_fns: 0,
        async_loops: 0,
        lines: source.lines().count(),
        findings: Vec::new(),
        error: None,
        children: Vec::new(),
    };
    match syn::parse_file(&source) {
        Err(err) => {
            let (line, _, line_range) = lines.locate(&source, err.span());
            scan.error = Some(ParseError {
                line,
                line_range,
                message: err.to_string(),
            });
        }
        Ok(file) => {
            let mod_rs = is_root
                || owns_dir
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
                found: Vec::new(),
            };
            mods.visit_file(&file);
            scan.children = mods.found;
            let scanned = scan_file(file);
            scan.async_fns = scanned.async_fns;
            scan.async_loops = scanned.async_loops;
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
                    fix_offset,
                    fix_target: finding.fix.map(|fix| fix.target),
                });
            }
            scan.findings.sort_by_key(|f| (f.line, f.column));
        }
    }
    scan.source = source;
    Ok(Some(scan))
}

/// Byte offsets of line starts, to turn proc-macro2's line/column into offsets.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(source: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex(starts)
    }

    /// Byte offset of a span's start.
    fn offset(&self, source: &str, span: Span) -> usize {
        let start = span.start();
        let line_start = self
            .0
            .get(start.line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let line = &source[line_start..];
        line_start
            + line
                .char_indices()
                .nth(start.column)
                .map_or(line.len(), |(i, _)| i)
    }

    /// 1-based line, 1-based character column, and the span's byte range within its line
    /// (to the end of the line if it spans several).
    fn locate(&self, source: &str, span: Span) -> (usize, usize, std::ops::Range<usize>) {
        let start = span.start();
        let end = span.end();
        let line = start.line.max(1);
        let line_start = self.0.get(line - 1).copied().unwrap_or(0);
        let text = source[line_start..].lines().next().unwrap_or("");
        let byte = |column: usize| {
            text.char_indices()
                .nth(column)
                .map_or(text.len(), |(i, _)| i)
        };
        let from = byte(start.column);
        let to = if end.line == start.line {
            byte(end.column).max(from + 1).min(text.len().max(from))
        } else {
            text.len()
        };
        (line, start.column + 1, from..to)
    }
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
    /// Each file, and whether it owns its directory (loaded through `#[path]`).
    found: Vec<(PathBuf, bool)>,
}

fn path_attr(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| path_value(&attr.meta))
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

/// The paths of `#[cfg_attr(pred, path = "..")]`: predicates are not evaluated, so each is a
/// file the module may be, beside the one without it.
fn cfg_attr_paths(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg_attr"))
        .filter_map(|attr| {
            attr.parse_args_with(
                syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated,
            )
            .ok()
        })
        .flat_map(|nested| {
            nested
                .into_iter()
                .skip(1)
                .filter_map(|meta| path_value(&meta))
        })
        .collect()
}

impl<'ast> Visit<'ast> for FindMods {
    fn visit_item_mod(&mut self, module: &'ast ItemMod) {
        let name = module.ident.to_string();
        let path = path_attr(&module.attrs);
        match &module.content {
            None => {
                for other in cfg_attr_paths(&module.attrs) {
                    let file = if self.inline_depth == 0 {
                        self.file_dir.join(other)
                    } else {
                        self.dir.join(other)
                    };
                    self.found.push((normalize(&file), true));
                }
                let owns_dir = path.is_some();
                let file = match path {
                    // Outside inline modules `#[path]` is relative to the file's directory,
                    // inside them to the inline module's directory.
                    Some(path) if self.inline_depth == 0 => self.file_dir.join(path),
                    Some(path) => self.dir.join(path),
                    None => {
                        let flat = self.dir.join(format!("{name}.rs"));
                        if flat.exists() {
                            flat
                        } else {
                            self.dir.join(&name).join("mod.rs")
                        }
                    }
                };
                self.found.push((normalize(&file), owns_dir));
            }
            Some(_) => {
                let saved = self.dir.clone();
                self.dir = match path {
                    Some(path) => self.dir.join(path),
                    None => self.dir.join(&name),
                };
                self.inline_depth += 1;
                visit::visit_item_mod(self, module);
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
    fn a_fix_keeps_the_byte_order_mark_first() {
        let dir = std::env::temp_dir().join(format!("coop-bom-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lib.rs");
        std::fs::write(
            &path,
            "\u{feff}pub async fn b() {\n    loop {\n        break;\n    }\n}\n",
        )
        .unwrap();
        let scan = scan_one(&path, true, true).unwrap().unwrap();
        let (fixed, count) = crate::fix::fix_source(&scan, "#[coop_core::cooperative]").unwrap();
        assert_eq!(count, 1);
        assert!(
            fixed.starts_with("\u{feff}#[coop_core::cooperative]\npub async fn b()"),
            "{fixed:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
