//! What `cargo coop fix` writes: `#[PATH::cooperative]` inserted before each fixable fn (or
//! `#[async_trait]` block), every other byte of the file unchanged; a coop-core dependency added
//! to a manifest that has none, with toml_edit keeping the manifest's formatting; and the diff
//! `--dry-run` prints instead.

use std::collections::BTreeSet;
use std::path::Path;

use toml_edit::{DocumentMut, Item, Value};

use crate::files::FileScan;

/// The file with `attribute` (`#[coop_core::cooperative]`) inserted at each fixable finding's
/// offset; `None` when nothing in it is fixable. The second value counts insertions.
pub(crate) fn fix_source(file: &FileScan, attribute: &str) -> Option<(String, usize)> {
    let offsets: BTreeSet<usize> = file.findings.iter().filter_map(|f| f.fix_offset).collect();
    if offsets.is_empty() {
        return None;
    }
    let source = &file.source;
    let newline = if source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut fixed = String::with_capacity(source.len() + offsets.len() * 40);
    let mut from = 0;
    // A byte-order mark stays the file's first character.
    let bom = if source.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    for &offset in &offsets {
        let offset = offset.max(bom);
        fixed.push_str(&source[from..offset]);
        let line_start = source[..offset].rfind('\n').map_or(bom, |i| i + 1);
        let before = &source[line_start..offset];
        if before.chars().all(char::is_whitespace) {
            // The item starts its line: the attribute gets a line of its own, indented alike.
            fixed.push_str(&format!("{attribute}{newline}{before}"));
        } else {
            fixed.push_str(&format!("{attribute} "));
        }
        from = offset;
    }
    fixed.push_str(&source[from..]);
    Some((fixed, offsets.len()))
}

/// The manifest with a `coop-core` dependency added under `[dependencies]`: `spec` is a
/// version (`"0.1.0"`, quoted or not) or the inside of an inline table (`path = "../coop"`).
#[cfg(test)]
fn add_dependency(manifest: &str, spec: &str) -> Result<String, String> {
    add_dependency_as(manifest, "coop-core", spec)
}

/// The manifest with a coop-core dependency added under `[dependencies]` as `key`: `spec` is a
/// version (`"0.1.0"`, quoted or not) or the inside of an inline table (`path = "../coop"`);
/// `package = "coop-core"` is added when the key is another name (the one a dev-dependency
/// already gives coop-core).
pub(crate) fn add_dependency_as(manifest: &str, key: &str, spec: &str) -> Result<String, String> {
    let mut doc: DocumentMut = manifest
        .parse()
        .map_err(|err| format!("cannot parse the manifest: {err}"))?;
    let value = dependency_value(spec)?;
    let deps = doc
        .entry("dependencies")
        .or_insert_with(|| Item::Table(toml_edit::Table::new()));
    let Some(deps) = deps.as_table_like_mut() else {
        return Err("`dependencies` in the manifest is not a table".to_owned());
    };
    let value = if key == "coop-core" {
        value
    } else {
        let mut table = match value {
            Value::InlineTable(table) => table,
            version => {
                let mut table = toml_edit::InlineTable::new();
                table.insert("version", version);
                table
            }
        };
        table.insert("package", Value::from("coop-core"));
        table.fmt();
        Value::InlineTable(table)
    };
    deps.insert(key, Item::Value(value));
    Ok(doc.to_string())
}

pub(crate) fn dependency_value(spec: &str) -> Result<Value, String> {
    let spec = spec.trim();
    if let Ok(value) = spec.parse::<Value>()
        && (value.is_str() || value.is_inline_table())
    {
        return Ok(value);
    }
    if spec
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || "^=~<>*".contains(c))
    {
        return Ok(Value::from(spec));
    }
    format!("{{ {spec} }}")
        .parse::<Value>()
        .ok()
        .filter(Value::is_inline_table)
        .ok_or_else(|| {
            format!(
                "--dependency `{spec}` is neither a version nor the inside of an inline table \
                 (`path = \"../coop/coop-core\"`)"
            )
        })
}

/// A unified diff of `old` to `new`, for changes that insert lines or change a line in place
/// (what `fix` does), with three lines of context.
pub(crate) fn diff(path: &Path, old: &str, new: &str) -> String {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    // Each entry: (old index, new index, tag) where tag is ' ', '-' or '+'.
    let mut ops: Vec<(usize, usize, char)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old_lines.len() || j < new_lines.len() {
        if i < old_lines.len() && j < new_lines.len() && old_lines[i] == new_lines[j] {
            ops.push((i, j, ' '));
            i += 1;
            j += 1;
        } else if i < old_lines.len()
            && let Some(k) = (1..=8).find(|k| new_lines.get(j + k) == Some(&old_lines[i]))
        {
            for n in 0..k {
                ops.push((i, j + n, '+'));
            }
            j += k;
        } else if i < old_lines.len() && j < new_lines.len() {
            ops.push((i, j, '-'));
            ops.push((i, j, '+'));
            i += 1;
            j += 1;
        } else if j < new_lines.len() {
            ops.push((i, j, '+'));
            j += 1;
        } else {
            ops.push((i, j, '-'));
            i += 1;
        }
    }
    let changed: Vec<usize> = (0..ops.len()).filter(|&n| ops[n].2 != ' ').collect();
    if changed.is_empty() {
        return String::new();
    }
    let shown = path.display().to_string().replace('\\', "/");
    let mut out = format!("--- a/{shown}\n+++ b/{shown}\n");
    let mut n = 0;
    while n < changed.len() {
        let start = changed[n].saturating_sub(3);
        let mut end = changed[n];
        while n < changed.len() && changed[n] <= end + 7 {
            end = changed[n];
            n += 1;
        }
        let end = (end + 4).min(ops.len());
        let hunk = &ops[start..end];
        let old_count = hunk.iter().filter(|op| op.2 != '+').count();
        let new_count = hunk.iter().filter(|op| op.2 != '-').count();
        let old_start = hunk
            .iter()
            .find(|op| op.2 != '+')
            .map_or(hunk[0].0, |op| op.0)
            + 1;
        let new_start = hunk
            .iter()
            .find(|op| op.2 != '-')
            .map_or(hunk[0].1, |op| op.1)
            + 1;
        out.push_str(&format!(
            "@@ -{old_start},{old_count} +{new_start},{new_count} @@\n"
        ));
        for &(i, j, tag) in hunk {
            let line = if tag == '+' {
                new_lines[j]
            } else {
                old_lines[i]
            };
            out.push(tag);
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dependency_spec_is_a_version_or_an_inline_table() {
        let manifest = "[package]\nname = \"a\" # keep me\n\n[dependencies]\nserde = \"1\"\n";
        assert_eq!(
            add_dependency(manifest, "0.1.0").unwrap(),
            "[package]\nname = \"a\" # keep me\n\n[dependencies]\nserde = \"1\"\ncoop-core = \"0.1.0\"\n"
        );
        assert!(
            add_dependency(manifest, "path = \"../coop/coop-core\"")
                .unwrap()
                .ends_with("coop-core = { path = \"../coop/coop-core\" }\n")
        );
        assert!(
            add_dependency("[package]\nname = \"a\"\n", "git = \"https://x\"")
                .unwrap()
                .contains("[dependencies]\ncoop-core = { git = \"https://x\" }\n")
        );
        assert!(add_dependency(manifest, "path = ").is_err());
    }

    #[test]
    fn a_dependency_takes_the_name_a_dev_dependency_gave_coop_core() {
        let manifest = "[package]\nname = \"a\"\n\n[dev-dependencies]\ncoop = { package = \"coop-core\", path = \"../coop\" }\n";
        let fixed = add_dependency_as(manifest, "coop", "path = \"../coop\"").unwrap();
        assert!(
            fixed.contains(
                "[dependencies]\ncoop = { path = \"../coop\", package = \"coop-core\" }\n"
            ),
            "{fixed}"
        );
        let versioned = add_dependency_as(manifest, "coop", "0.1.0").unwrap();
        assert!(
            versioned.contains("coop = { version = \"0.1.0\", package = \"coop-core\" }"),
            "{versioned}"
        );
    }

    #[test]
    fn the_diff_shows_inserted_lines_in_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nX\ne\nf\ng\nh\n";
        assert_eq!(
            diff(Path::new("f.rs"), old, new),
            "--- a/f.rs\n+++ b/f.rs\n@@ -2,6 +2,7 @@\n b\n c\n d\n+X\n e\n f\n g\n"
        );
    }
}
