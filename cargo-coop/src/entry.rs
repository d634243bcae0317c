//! What a report is made of, whatever its format: one [`Entry`] per finding, each in the words
//! of coop-analysis's [`lints`], and the [`Totals`] of the run.

use coop_analysis::{Lint, Unchecked, lints};

/// One finding, located and worded.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) lint: Lint,
    pub(crate) title: String,
    pub(crate) help: String,
    /// The label under the underlined token.
    pub(crate) label: String,
    pub(crate) package: String,
    /// Relative to the workspace root when inside it, with `/`.
    pub(crate) file: String,
    /// 1-based.
    pub(crate) line: usize,
    /// 1-based, in characters.
    pub(crate) column: usize,
    pub(crate) line_text: String,
    /// Byte range within `line_text`.
    pub(crate) line_range: std::ops::Range<usize>,
    pub(crate) function: Option<String>,
    pub(crate) loop_kind: Option<&'static str>,
    pub(crate) macro_name: Option<String>,
    pub(crate) fn_is_async: bool,
    pub(crate) fn_holds_async_blocks: bool,
    /// `cargo coop fix` fixes it.
    pub(crate) fixable: bool,
    /// It reports a loop that can hold its thread.
    pub(crate) loop_without_yield_point: bool,
}

/// What a run counted.
#[derive(Clone, Debug, Default)]
pub(crate) struct Totals {
    /// Fns with at least one finding.
    pub(crate) fns_with_findings: usize,
    pub(crate) files: usize,
    pub(crate) lines: usize,
    /// Loops that run in async context.
    pub(crate) async_loops: usize,
    /// Fns with async code.
    pub(crate) async_fns: usize,
    pub(crate) unchecked: Unchecked,
}

/// A whole report: its entries and totals.
#[derive(Clone, Debug, Default)]
pub(crate) struct Report {
    pub(crate) entries: Vec<Entry>,
    pub(crate) totals: Totals,
}

impl Entry {
    /// The file could not be read or parsed: the run could not check it.
    fn unreadable(&self) -> bool {
        self.lint == lints::UNREADABLE_FILE
    }
}

impl Report {
    /// Every finding, files that could not be read or parsed included: one per entry.
    pub(crate) fn findings(&self) -> usize {
        self.entries.len()
    }

    /// Files that could not be read or parsed.
    pub(crate) fn unreadable(&self) -> usize {
        self.entries.iter().filter(|e| e.unreadable()).count()
    }

    /// Every file was read and parsed: the run checked all it was asked to.
    pub(crate) fn every_file_checked(&self) -> bool {
        self.unreadable() == 0
    }

    /// The closing line: what was found, and what was and was not checked.
    pub(crate) fn summary(&self) -> String {
        let totals = &self.totals;
        let checked = format!(
            "checked {} in async context, {} with async code, {} of {}",
            plural(totals.async_loops, "loop", "loops"),
            plural(totals.async_fns, "fn", "fns"),
            plural(totals.files, "file", "files"),
            plural(totals.lines, "line", "lines"),
        );
        let mut not_checked = Vec::new();
        if self.unreadable() > 0 {
            not_checked.push(format!(
                "{} that could not be read or parsed",
                plural(self.unreadable(), "file", "files")
            ));
        }
        let unchecked = totals.unchecked;
        if unchecked.included_files > 0 {
            not_checked.push(plural(
                unchecked.included_files,
                "`include!`d file",
                "`include!`d files",
            ));
        }
        // A `macro_rules!` body is tokens until it expands: its loops are counted whether the
        // code they expand into is sync or async.
        let in_macro_rules = [
            (unchecked.macro_rules_fns > 0)
                .then(|| plural(unchecked.macro_rules_fns, "async fn", "async fns")),
            (unchecked.macro_rules_loops > 0).then(|| {
                plural(
                    unchecked.macro_rules_loops,
                    "loop (sync or async)",
                    "loops (sync or async)",
                )
            }),
        ];
        let in_macro_rules: Vec<String> = in_macro_rules.into_iter().flatten().collect();
        if !in_macro_rules.is_empty() {
            not_checked.push(format!(
                "{} inside `macro_rules!` bodies",
                in_macro_rules.join(" and ")
            ));
        }
        let not_checked = if not_checked.is_empty() {
            String::new()
        } else {
            format!("; not checked: {}", not_checked.join(", "))
        };
        let findings = self.findings();
        if findings == 0 {
            format!("cargo coop: no loop without a yield point ({checked}{not_checked})")
        } else if findings == self.unreadable() {
            format!("cargo coop: no finding in the files it could check ({checked}{not_checked})")
        } else {
            let loops = self
                .entries
                .iter()
                .filter(|e| e.loop_without_yield_point)
                .count();
            let loops = if loops == 0 {
                String::new()
            } else {
                format!(
                    ": {} without a yield point, in {}",
                    plural(loops, "loop", "loops"),
                    plural(totals.fns_with_findings, "fn", "fns"),
                )
            };
            format!(
                "cargo coop: {}{loops} ({checked}{not_checked})",
                plural(findings, "finding", "findings"),
            )
        }
    }
}

/// `1 loop`, `2 loops`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_rules_counts_name_only_what_was_found_and_say_loops_are_of_any_code() {
        let mut report = Report::default();
        report.totals.unchecked.macro_rules_loops = 1;
        assert!(
            report
                .summary()
                .ends_with("; not checked: 1 loop (sync or async) inside `macro_rules!` bodies)"),
            "{}",
            report.summary()
        );
        report.totals.unchecked = Unchecked {
            macro_rules_fns: 2,
            ..Unchecked::default()
        };
        assert!(
            report
                .summary()
                .ends_with("; not checked: 2 async fns inside `macro_rules!` bodies)"),
            "{}",
            report.summary()
        );
    }
}
