//! What `cargo coop check` prints: rustc-style diagnostics rendered by annotate-snippets, or one
//! JSON object per finding; and the summary line.

use std::path::Path;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use coop_analysis::FindingKind;
use serde::Serialize;

use crate::files::{FileScan, Located};

/// The attribute path a help line names (`coop_core`, or the package's rename).
pub(crate) struct Names<'a> {
    pub(crate) krate: &'a str,
}

fn context(finding: &Located) -> String {
    if finding.fn_is_async {
        format!("in `async fn {}`", finding.function)
    } else {
        format!("in an async block of `fn {}`", finding.function)
    }
}

fn title(finding: &Located) -> String {
    match &finding.kind {
        FindingKind::InsideMacro(name) => format!(
            "this loop is inside `{name}!`, which `#[cooperative]` cannot instrument: it may \
             hold its thread without ever yielding"
        ),
        FindingKind::YieldPointNotAwaited => "this loop never awaits: the `consume_budget()` \
                                              future in its body is created and dropped"
            .to_owned(),
        FindingKind::NeverAwaits | FindingKind::UnderTemporary => {
            "this loop never awaits: it can hold its thread without ever yielding".to_owned()
        }
    }
}

fn help(finding: &Located, names: &Names<'_>) -> String {
    let krate = names.krate;
    match &finding.kind {
        FindingKind::NeverAwaits if finding.fix_offset.is_some() => {
            let on = match finding.fix_target {
                Some(coop_analysis::FixTarget::Block) => "its `#[async_trait]` block".to_owned(),
                _ => format!("`{}`", finding.function),
            };
            format!(
                "add `#[{krate}::cooperative]` to {on} (`cargo coop fix` does), add \
                 `{krate}::consume_budget().await;` to the loop's body, or mark the loop \
                 `#[unconstrained]`"
            )
        }
        FindingKind::NeverAwaits => format!(
            "add `{krate}::consume_budget().await;` to the loop's body, or mark the loop \
             `#[unconstrained]`"
        ),
        FindingKind::UnderTemporary => format!(
            "a temporary of a header (this `for`, an enclosing `match`, `if let` or `while \
             let`, or an earlier part of the same statement) is alive in this loop, so \
             `#[cooperative]` puts no yield point here: bind that value with `let` before the \
             loop and add `{krate}::consume_budget().await;` to its body, or mark the loop \
             `#[unconstrained]`"
        ),
        FindingKind::YieldPointNotAwaited => {
            "add `.await` after the `consume_budget()` call".to_owned()
        }
        FindingKind::InsideMacro(_) => format!(
            "move the loop out of the macro call, add `{krate}::consume_budget().await;` to its \
             body, or mark the fn `#[unconstrained]`"
        ),
    }
}

/// One finding, as rustc would print it.
pub(crate) fn human(file: &FileScan, shown: &Path, finding: &Located, names: &Names<'_>) -> String {
    let path = shown.display().to_string();
    let title = title(finding);
    let help = help(finding, names);
    let report = &[Level::ERROR
        .primary_title(&title)
        .element(
            Snippet::source(file.line_text(finding.line))
                .line_start(finding.line)
                .path(&path)
                .annotation(
                    AnnotationKind::Primary
                        .span(finding.line_range.clone())
                        .label(context(finding)),
                ),
        )
        .element(Level::HELP.message(&help))];
    Renderer::plain().render(report)
}

/// A file that does not parse, as rustc would print it.
pub(crate) fn parse_error(file: &FileScan, shown: &Path) -> String {
    let Some(error) = &file.error else {
        return String::new();
    };
    let path = shown.display().to_string();
    let title = format!("could not parse this file: {}", error.message);
    let report = &[Group::with_title(Level::ERROR.primary_title(&title))
        .element(
            Snippet::source(file.line_text(error.line))
                .line_start(error.line)
                .path(&path)
                .annotation(AnnotationKind::Primary.span(error.line_range.clone())),
        )
        .element(Level::NOTE.message("its loops were not checked; the other files were"))];
    Renderer::plain().render(report)
}

/// One finding in `--format json`: one object per line, fields documented in the README.
#[derive(Serialize)]
pub(crate) struct Json<'a> {
    /// The package the file belongs to.
    pub(crate) package: &'a str,
    /// Relative to the workspace root when inside it.
    pub(crate) file: String,
    /// 1-based.
    pub(crate) line: usize,
    /// 1-based, in characters.
    pub(crate) column: usize,
    /// `module::Type::method` within the file.
    pub(crate) function: &'a str,
    /// `loop`, `while` or `for`.
    pub(crate) loop_kind: &'static str,
    /// `never_awaits`, `under_temporary`, `yield_point_not_awaited` or `inside_macro`.
    pub(crate) kind: &'static str,
    /// The macro's name for `inside_macro`, else null.
    #[serde(rename = "macro")]
    pub(crate) macro_name: Option<&'a str>,
    pub(crate) fn_is_async: bool,
    pub(crate) fn_holds_async_blocks: bool,
    /// `cargo coop fix` fixes it.
    pub(crate) fixable: bool,
    /// The first line of the human message.
    pub(crate) message: String,
}

pub(crate) fn json<'a>(package: &'a str, shown: &Path, finding: &'a Located) -> String {
    let (kind, macro_name) = match &finding.kind {
        FindingKind::NeverAwaits => ("never_awaits", None),
        FindingKind::UnderTemporary => ("under_temporary", None),
        FindingKind::YieldPointNotAwaited => ("yield_point_not_awaited", None),
        FindingKind::InsideMacro(name) => ("inside_macro", Some(name.as_str())),
    };
    let object = Json {
        package,
        file: shown.display().to_string().replace('\\', "/"),
        line: finding.line,
        column: finding.column,
        function: &finding.function,
        loop_kind: finding.loop_kind.keyword(),
        kind,
        macro_name,
        fn_is_async: finding.fn_is_async,
        fn_holds_async_blocks: finding.fn_holds_async_blocks,
        fixable: finding.fix_offset.is_some(),
        message: title(finding),
    };
    serde_json::to_string(&object).expect("a finding serializes")
}

/// What `check` counted, for its closing line.
#[derive(Default)]
pub(crate) struct Totals {
    /// Loops reported.
    pub(crate) findings: usize,
    /// Fns with at least one finding.
    pub(crate) fns_with_findings: usize,
    pub(crate) files: usize,
    pub(crate) lines: usize,
    /// Loops that run in async context.
    pub(crate) async_loops: usize,
    /// Fns with async code.
    pub(crate) async_fns: usize,
    /// Files that did not parse.
    pub(crate) unparsed: usize,
}

/// The closing line of `check`.
pub(crate) fn summary(totals: &Totals) -> String {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let checked = format!(
        "checked {} in async context, {} with async code, {} of {}",
        plural(totals.async_loops, "loop", "loops"),
        plural(totals.async_fns, "fn", "fns"),
        plural(totals.files, "file", "files"),
        plural(totals.lines, "line", "lines"),
    );
    let unparsed = if totals.unparsed == 0 {
        String::new()
    } else {
        format!(
            "; {} could not be parsed",
            plural(totals.unparsed, "file", "files")
        )
    };
    if totals.findings == 0 {
        format!("cargo coop: no loop without a yield point ({checked}{unparsed})")
    } else {
        format!(
            "cargo coop: {} without a yield point, in {} ({checked}{unparsed})",
            plural(totals.findings, "loop", "loops"),
            plural(totals.fns_with_findings, "fn", "fns"),
        )
    }
}
