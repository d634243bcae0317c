//! The one reporter: findings collected into an [`Entry`] list, then the whole document
//! written at the end in the format asked for.

use coop_analysis::lints::{self, Place};
use coop_analysis::{Coverage, FindingKind, FixTarget, Lint};

use crate::entry::{Entry, Report};
use crate::scan::{FileScan, Located};

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// rustc-style diagnostics and a summary line.
    Human,
    /// One JSON document: `{"findings": [..], "summary": {..}}`.
    Json,
    /// A SARIF 2.1.0 log, for code-scanning dashboards.
    Sarif,
}

/// The report as `format` writes it; `color` styles the human format.
pub(crate) fn render(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Human => crate::human::render(report, color),
        Format::Json => crate::json::render(report),
        Format::Sarif => crate::sarif::render(report),
    }
}

/// How a package reaches coop-core: by `name`, when `condition` (a `cfg` predicate) holds.
#[derive(Clone, Copy)]
pub(crate) struct Reach<'a> {
    pub(crate) name: &'a str,
    pub(crate) condition: Option<&'a str>,
}

/// A finding of a source file, in the vocabulary's words.
pub(crate) fn source_entry(
    package: &str,
    file: &FileScan,
    shown: &str,
    finding: &Located,
    krate: &Reach<'_>,
) -> Entry {
    let fix_on = match finding.fix_target {
        Some(FixTarget::Block) => "its `#[async_trait]` block".to_owned(),
        _ => format!("`{}`", finding.function),
    };
    let place = match finding.coverage {
        Coverage::None | Coverage::OptedOut => Place::Uncovered {
            fix_on: finding.fix_offset.map(|_| fix_on.as_str()),
        },
        Coverage::Instrumented => Place::Instrumented,
        Coverage::Checked => Place::Check,
    };
    let label = if finding.kind.is_on_an_item() {
        format!("on `{}`", finding.function)
    } else if finding.fn_is_async {
        format!("in `async fn {}`", finding.function)
    } else if finding.kind.is_a_loop_without_yield_point() {
        format!("in an async block of `fn {}`", finding.function)
    } else {
        format!("in `fn {}`", finding.function)
    };
    Entry {
        lint: finding.kind.lint(),
        title: finding.kind.title(),
        help: finding.kind.help_where(krate.name, krate.condition, &place),
        label,
        package: package.to_owned(),
        file: shown.to_owned(),
        line: finding.line,
        column: finding.column,
        line_text: file.line_text(finding.line).to_owned(),
        line_range: finding.line_range.clone(),
        function: Some(finding.function.clone()),
        loop_kind: finding.loop_kind.map(|kind| kind.keyword()),
        macro_name: match &finding.kind {
            FindingKind::InsideMacro(name) => Some(name.clone()),
            _ => None,
        },
        fn_is_async: finding.fn_is_async,
        fn_holds_async_blocks: finding.fn_holds_async_blocks,
        fixable: finding.fix_offset.is_some(),
        loop_without_yield_point: finding.kind.is_a_loop_without_yield_point(),
    }
}

/// A file that could not be read or parsed, as one finding.
pub(crate) fn unreadable_entry(package: &str, file: &FileScan, shown: &str) -> Option<Entry> {
    let error = file.error.as_ref()?;
    let line_text = file.line_text(error.line);
    Some(Entry {
        lint: lints::UNREADABLE_FILE,
        title: format!("{}: {}", lints::UNREADABLE_FILE.title, error.message),
        help: lints::UNREADABLE_FILE.help.to_owned(),
        label: "here".to_owned(),
        package: package.to_owned(),
        file: shown.to_owned(),
        line: error.line,
        column: line_text[..error.line_range.start.min(line_text.len())]
            .chars()
            .count()
            + 1,
        line_text: line_text.to_owned(),
        line_range: error.line_range.clone(),
        function: None,
        loop_kind: None,
        macro_name: None,
        fn_is_async: false,
        fn_holds_async_blocks: false,
        fixable: false,
        loop_without_yield_point: false,
    })
}

/// A finding on a package's manifest (a feature of its coop-core dependency), at `line`.
pub(crate) struct ManifestFinding<'a> {
    pub(crate) lint: Lint,
    pub(crate) package: &'a str,
    pub(crate) file: &'a str,
    pub(crate) line: usize,
    pub(crate) line_text: &'a str,
    pub(crate) line_range: std::ops::Range<usize>,
    /// The help, when the lint's own does not fit this manifest.
    pub(crate) help: Option<String>,
}

/// A finding on a manifest, in the vocabulary's words.
pub(crate) fn manifest_entry(finding: ManifestFinding<'_>) -> Entry {
    Entry {
        lint: finding.lint,
        title: finding.lint.title.to_owned(),
        help: finding.help.unwrap_or_else(|| finding.lint.help.to_owned()),
        label: format!("the coop-core dependency of `{}`", finding.package),
        package: finding.package.to_owned(),
        file: finding.file.to_owned(),
        line: finding.line,
        column: finding.line_text[..finding.line_range.start]
            .chars()
            .count()
            + 1,
        line_text: finding.line_text.to_owned(),
        line_range: finding.line_range,
        function: None,
        loop_kind: None,
        macro_name: None,
        fn_is_async: false,
        fn_holds_async_blocks: false,
        fixable: true,
        loop_without_yield_point: false,
    }
}
