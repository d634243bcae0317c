//! What `cargo coop fix` writes into a source file: `#[PATH::cooperative]` inserted before each
//! fixable fn (or `#[async_trait]` block), every other byte of the file unchanged; and the
//! unified diff `--dry-run` prints instead (from `similar`).

use std::collections::BTreeSet;
use std::path::Path;

use crate::scan::FileScan;

/// The file with `attribute` (`#[coop_core::cooperative]`) inserted at each fixable finding's
/// offset; `None` when nothing in it is fixable. The second value counts insertions.
pub(crate) fn fix_source(file: &FileScan, attribute: &str) -> Option<(String, usize)> {
    let offsets: BTreeSet<usize> = file.findings.iter().filter_map(|f| f.fix_offset).collect();
    if offsets.is_empty() {
        return None;
    }
    let (fixed, _) = insert_at(&file.source, &offsets, attribute);
    Some((fixed, offsets.len()))
}

/// Where [`insert_at`] put one attribute.
pub(crate) struct Placed {
    /// The offset asked for, in the source.
    pub(crate) offset: usize,
    /// Where the attribute starts in the result.
    pub(crate) at: usize,
    /// It got a line of its own (the item starts its line), one more line above what follows.
    pub(crate) own_line: bool,
}

/// `source` with `attribute` inserted at each of `offsets`, and where each went.
pub(crate) fn insert_at(
    source: &str,
    offsets: &BTreeSet<usize>,
    attribute: &str,
) -> (String, Vec<Placed>) {
    let newline = if source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut fixed = String::with_capacity(source.len() + offsets.len() * 40);
    let mut placed = Vec::with_capacity(offsets.len());
    let mut from = 0;
    // A byte-order mark stays the file's first character.
    let bom = if source.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    for &requested in offsets {
        let offset = requested.max(bom);
        fixed.push_str(&source[from..offset]);
        let line_start = source[..offset].rfind('\n').map_or(bom, |i| i + 1);
        let before = &source[line_start..offset];
        let own_line = before.chars().all(char::is_whitespace);
        placed.push(Placed {
            offset: requested,
            at: fixed.len(),
            own_line,
        });
        if own_line {
            // The item starts its line: the attribute gets a line of its own, indented alike.
            fixed.push_str(&format!("{attribute}{newline}{before}"));
        } else {
            fixed.push_str(&format!("{attribute} "));
        }
        from = offset;
    }
    fixed.push_str(&source[from..]);
    (fixed, placed)
}

/// A unified diff of `old` to `new` with three lines of context, headed `a/path`, `b/path`.
pub(crate) fn diff(path: &Path, old: &str, new: &str) -> String {
    let shown = path.display().to_string().replace('\\', "/");
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{shown}"), &format!("b/{shown}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_shows_inserted_lines_in_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nX\ne\nf\ng\nh\n";
        assert_eq!(
            diff(Path::new("f.rs"), old, new),
            "--- a/f.rs\n+++ b/f.rs\n@@ -2,6 +2,7 @@\n b\n c\n d\n+X\n e\n f\n g\n"
        );
    }

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
        let scan = crate::scan::scan_one(&path, true, true).unwrap().unwrap();
        let (fixed, count) = fix_source(&scan, "#[coop_core::cooperative]").unwrap();
        assert_eq!(count, 1);
        assert!(
            fixed.starts_with("\u{feff}#[coop_core::cooperative]\npub async fn b()"),
            "{fixed:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
