//! `cargo coop check`: every selected package scanned, each finding (of its sources and of its
//! manifest) collected into one report, written whole at the end.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use coop_analysis::lints;

use crate::entry::Report;
use crate::lines::LineIndex;
use crate::packages::{Condition, Packages, Selected, Tokio};
use crate::report::{self, ManifestFinding, Reach, manifest_entry, source_entry, unreadable_entry};
use crate::scan::{FileScan, scan_tree};

/// Exit status: nothing to report.
pub(crate) const CLEAN: u8 = 0;
/// Exit status: findings.
pub(crate) const FINDINGS: u8 = 1;
/// Exit status: the tool could not run, or a file could not be read or parsed.
pub(crate) const COULD_NOT_RUN: u8 = 2;

/// A path as shown: relative to the workspace root when inside it, with `/`.
pub(crate) fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
        .replace('\\', "/")
}

/// Each selected package with its scanned files; a file shared by two packages' targets is
/// kept once, with the first.
pub(crate) fn scan_packages(packages: &Packages) -> Result<Vec<(&Selected, Vec<FileScan>)>> {
    Ok(scan_shared(packages)?.0)
}

/// [`scan_packages`], and for each file kept with one package, the other selected packages
/// (indexes into `packages.selected`) whose targets compile it too.
pub(crate) fn scan_shared(packages: &Packages) -> Result<(Scanned<'_>, SharedWith)> {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut shared: SharedWith = HashMap::new();
    let mut out = Vec::new();
    for (index, package) in packages.selected.iter().enumerate() {
        let mut files = scan_tree(&package.roots)?;
        files.retain(|file| {
            let first = seen.insert(file.path.clone());
            if !first {
                shared.entry(file.path.clone()).or_default().push(index);
            }
            first
        });
        out.push((package, files));
    }
    Ok((out, shared))
}

/// The selected packages with their files, each file once.
pub(crate) type Scanned<'a> = Vec<(&'a Selected, Vec<FileScan>)>;
/// A file's other selected packages.
pub(crate) type SharedWith = HashMap<PathBuf, Vec<usize>>;

/// The report of the selected packages.
pub(crate) fn report(packages: &Packages) -> Result<Report> {
    let mut report = Report::default();
    for (package, files) in scan_packages(packages)? {
        let name = package
            .any_coop_core()
            .map_or_else(|| "coop_core".to_owned(), |dep| dep.crate_name());
        let unspellable = matches!(
            package.coop_core.as_ref().map(|dep| &dep.condition),
            Some(Condition::Triple(_))
        );
        let krate = Reach {
            name: &name,
            condition: match package.coop_core.as_ref().map(|dep| &dep.condition) {
                Some(Condition::Cfg(predicate)) => Some(predicate),
                _ => None,
            },
        };
        let mut uses_attributes = false;
        for file in &files {
            let totals = &mut report.totals;
            // A file that could not be read or parsed is counted once, as not checked.
            if file.error.is_none() {
                totals.files += 1;
                totals.lines += file.lines;
            }
            totals.async_loops += file.async_loops;
            totals.async_fns += file.async_fns;
            totals.unchecked.included_files += file.unchecked.included_files;
            totals.unchecked.macro_rules_fns += file.unchecked.macro_rules_fns;
            totals.unchecked.macro_rules_loops += file.unchecked.macro_rules_loops;
            uses_attributes |= file.uses_attributes;
            let path = shown(&packages.workspace_root, &file.path);
            report
                .entries
                .extend(unreadable_entry(&package.name, file, &path));
            // In a file with an item or import of the crate's name, the help's paths start
            // from the root, as `fix` writes the attribute there.
            let rooted;
            let reach = if file.shadows(krate.name) {
                rooted = format!("::{}", krate.name);
                Reach {
                    name: &rooted,
                    condition: krate.condition,
                }
            } else {
                krate
            };
            let mut fns = HashSet::new();
            for finding in &file.findings {
                if finding.kind.is_a_loop_without_yield_point() && fns.insert(&finding.function) {
                    report.totals.fns_with_findings += 1;
                }
                let mut finding = finding.clone();
                if unspellable {
                    // `fix` cannot write an attribute that resolves on that target alone.
                    finding.fix_offset = None;
                }
                report
                    .entries
                    .push(source_entry(&package.name, file, &path, &finding, &reach));
            }
        }
        manifest_findings(packages, package, uses_attributes, &mut report)?;
    }
    Ok(report)
}

/// The coop-core features a package needs and its dependency leaves off: `tokio` when it
/// depends on tokio, `macros` when it writes coop's attributes.
pub(crate) fn missing_features(package: &Selected, uses_attributes: bool) -> Vec<&'static str> {
    let Some(dep) = package.coop_core.as_ref() else {
        return Vec::new();
    };
    let mut missing = Vec::new();
    if uses_attributes && !dep.has_macros() {
        missing.push("macros");
    }
    if !package.has_the_bridge(dep) {
        missing.push("tokio");
    }
    missing
}

fn manifest_findings(
    packages: &Packages,
    package: &Selected,
    uses_attributes: bool,
    report: &mut Report,
) -> Result<()> {
    let mut missing = missing_features(package, uses_attributes);
    let dev_bridge = package.needs_the_dev_bridge();
    let Some(dep) = package.any_coop_core() else {
        return Ok(());
    };
    if dev_bridge {
        missing.push("tokio");
    }
    if missing.is_empty() {
        return Ok(());
    }
    let text = std::fs::read_to_string(&package.manifest_path)
        .with_context(|| format!("cannot read {}", package.manifest_path.display()))?;
    let lines = LineIndex::new(&text);
    let span = crate::manifest::dependency_span(&text, &dep.key).unwrap_or(0..0);
    let (line, line_range) = lines.locate_bytes(&text, span);
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let file = shown(&packages.workspace_root, &package.manifest_path);
    for feature in missing {
        let lint = if feature == "tokio" {
            lints::TOKIO_WITHOUT_BRIDGE
        } else {
            lints::MISSING_MACROS_FEATURE
        };
        let help = match &package.tokio {
            Tokio::None if feature == "tokio" => Some(format!(
                "tokio runs the tests: add `features = [\"tokio\"]` to a coop-core \
                 dev-dependency `{}` from the same source (`cargo coop fix` does)",
                dep.key
            )),
            Tokio::Optional { features, .. } if feature == "tokio" => Some(format!(
                "add `\"{}\"` to the features that turn tokio on (`{}`) (`cargo coop fix` does)",
                dep.tokio_path(),
                features.join("`, `")
            )),
            _ => None,
        };
        report.entries.push(manifest_entry(ManifestFinding {
            lint,
            help,
            package: &package.name,
            file: &file,
            line,
            line_text,
            line_range: line_range.clone(),
        }));
    }
    Ok(())
}

/// `cargo coop check`: prints the report in `format`, returns the exit status.
pub(crate) fn run(packages: &Packages, format: report::Format, color: bool) -> Result<u8> {
    let report = report(packages)?;
    // Written, not printed: a reader that went away is an error to return, not a panic.
    std::io::Write::write_all(
        &mut std::io::stdout().lock(),
        report::render(&report, format, color).as_bytes(),
    )?;
    Ok(if !report.every_file_checked() {
        COULD_NOT_RUN
    } else if report.findings() > 0 {
        FINDINGS
    } else {
        CLEAN
    })
}
