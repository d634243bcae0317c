//! The SARIF 2.1.0 format, with the `serde-sarif` types, as clippy-sarif writes it: one run of
//! the `cargo-coop` tool, a rule per lint, a result per finding.

use coop_analysis::lints;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, PhysicalLocation,
    PropertyBag, Region, ReportingDescriptor, Result as SarifResult, ResultColumnKind, ResultLevel,
    Run, Sarif, Tool, ToolComponent,
};

use crate::entry::{Entry, Report};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The tool's page: the `documentation` of its manifest, where its README is.
const TOOL_PAGE: &str = "https://docs.rs/cargo-coop";

fn rule(lint: &coop_analysis::Lint) -> ReportingDescriptor {
    ReportingDescriptor::builder()
        .id(lint.to_string())
        .name(lint.name)
        .short_description(
            MultiformatMessageString::builder()
                .text(lint.explanation)
                .build(),
        )
        .help_uri(lint.doc_url())
        .build()
}

fn result(entry: &Entry) -> SarifResult {
    let region = Region::builder()
        .start_line(entry.line as i64)
        .start_column(entry.column as i64)
        .build();
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(entry.file.clone()).build())
                .region(region)
                .build(),
        )
        .build();
    let rule_index = lints::ALL
        .iter()
        .position(|lint| *lint == entry.lint)
        .expect("every lint is in the list");
    SarifResult::builder()
        .rule_id(entry.lint.to_string())
        .rule_index(rule_index as i64)
        .level(ResultLevel::Error)
        .message(
            Message::builder()
                .text(format!("{}\nhelp: {}", entry.title, entry.help))
                .build(),
        )
        .locations(vec![location])
        .build()
}

/// The whole report, as one SARIF log.
pub(crate) fn render(report: &Report) -> String {
    let driver = ToolComponent::builder()
        .name("cargo-coop")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri(TOOL_PAGE)
        .rules(lints::ALL.iter().map(rule).collect::<Vec<_>>())
        .build();
    let mut properties = std::collections::BTreeMap::new();
    properties.insert(
        "summary".to_owned(),
        serde_json::Value::from(report.summary()),
    );
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        // Columns are counted in characters, as rustc prints them; SARIF's default unit is
        // UTF-16 code units, which differ after any character beyond U+FFFF.
        .column_kind(serde_json::Value::from(
            ResultColumnKind::UnicodeCodePoints.to_string(),
        ))
        .results(report.entries.iter().map(result).collect::<Vec<_>>())
        // A file that could not be read or parsed is exit status 2: the run did not check all
        // it was asked to.
        .invocations(vec![
            Invocation::builder()
                .execution_successful(report.every_file_checked())
                .build(),
        ])
        .properties(
            PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build();
    let sarif = Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build();
    let mut out = serde_json::to_string_pretty(&sarif).expect("a SARIF log serializes");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tool_page_is_the_manifest_s_documentation() {
        let manifest: toml_edit::DocumentMut = include_str!("../Cargo.toml").parse().unwrap();
        assert_eq!(
            manifest["package"]["documentation"].as_str(),
            Some(super::TOOL_PAGE)
        );
    }
}
