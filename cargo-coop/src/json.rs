//! The JSON format: one document, `{"findings": [..], "summary": {..}}`, fields documented in
//! the README.

use serde::Serialize;

use crate::entry::{Entry, Report};

#[derive(Serialize)]
struct Document<'a> {
    findings: Vec<Finding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Finding<'a> {
    /// `coop::loop_without_yield_point`, ..
    lint: String,
    package: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    function: Option<&'a str>,
    loop_kind: Option<&'a str>,
    #[serde(rename = "macro")]
    macro_name: Option<&'a str>,
    fn_is_async: bool,
    fn_holds_async_blocks: bool,
    fixable: bool,
    message: &'a str,
    help: &'a str,
    doc: String,
}

#[derive(Serialize)]
struct Summary {
    findings: usize,
    unreadable_files: usize,
    files: usize,
    lines: usize,
    async_loops: usize,
    async_fns: usize,
    unchecked_included_files: usize,
    unchecked_macro_rules_fns: usize,
    unchecked_macro_rules_loops: usize,
    message: String,
}

fn finding(entry: &Entry) -> Finding<'_> {
    Finding {
        lint: entry.lint.to_string(),
        package: &entry.package,
        file: &entry.file,
        line: entry.line,
        column: entry.column,
        function: entry.function.as_deref(),
        loop_kind: entry.loop_kind,
        macro_name: entry.macro_name.as_deref(),
        fn_is_async: entry.fn_is_async,
        fn_holds_async_blocks: entry.fn_holds_async_blocks,
        fixable: entry.fixable,
        message: &entry.title,
        help: &entry.help,
        doc: entry.lint.doc_url(),
    }
}

/// The whole report, as one JSON document.
pub(crate) fn render(report: &Report) -> String {
    let totals = &report.totals;
    let document = Document {
        findings: report.entries.iter().map(finding).collect(),
        summary: Summary {
            findings: report.findings(),
            unreadable_files: report.unreadable(),
            files: totals.files,
            lines: totals.lines,
            async_loops: totals.async_loops,
            async_fns: totals.async_fns,
            unchecked_included_files: totals.unchecked.included_files,
            unchecked_macro_rules_fns: totals.unchecked.macro_rules_fns,
            unchecked_macro_rules_loops: totals.unchecked.macro_rules_loops,
            message: report.summary(),
        },
    };
    let mut out = serde_json::to_string_pretty(&document).expect("a report serializes");
    out.push('\n');
    out
}
