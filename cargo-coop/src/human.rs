//! The human format: each finding as rustc prints a diagnostic (annotate-snippets, plain or
//! styled for `--color`), with its lint name, a one-line `= help` and a link to its docs; then
//! the summary line.

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

use crate::entry::{Entry, Report};

/// The whole report, as printed.
pub(crate) fn render(report: &Report, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for entry in &report.entries {
        out.push_str(&diagnostic(entry, &renderer));
        out.push_str("\n\n");
    }
    out.push_str(&report.summary());
    out.push('\n');
    out
}

fn diagnostic(entry: &Entry, renderer: &Renderer) -> String {
    let name = entry.lint.to_string();
    let url = entry.lint.doc_url();
    let note = format!("for more about `{name}`, see {url}");
    let report = &[Level::ERROR
        .primary_title(&entry.title)
        .id(&name)
        .element(
            Snippet::source(&entry.line_text)
                .line_start(entry.line)
                .path(&entry.file)
                .annotation(
                    AnnotationKind::Primary
                        .span(entry.line_range.clone())
                        .label(&entry.label),
                ),
        )
        .element(Level::HELP.message(&entry.help))
        .element(Level::NOTE.message(&note))];
    renderer.render(report)
}
