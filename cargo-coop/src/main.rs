//! `cargo coop`: find every loop of a crate that can hold its thread without yielding, with the
//! rules of `#[cooperative]` itself (coop-analysis), and fix them in one command.
//!
//! - `cargo coop check` reports each loop in async context that never awaits and is neither
//!   instrumented by `#[cooperative]` nor opted out by `#[unconstrained]`. Exit status: 0 none,
//!   1 findings, 2 the tool could not run (or a file did not parse; the rest is still checked).
//! - `cargo coop fix` adds `#[coop_core::cooperative]` to each fn with a finding it fixes, and a
//!   coop-core dependency to a manifest without one.

#![forbid(unsafe_code)]

mod files;
mod fix;
mod packages;
mod render;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::files::{FileScan, scan_tree};
use crate::packages::{Selected, Selection, select};

#[derive(Parser)]
#[command(name = "cargo", bin_name = "cargo")]
enum Cargo {
    /// Find and fix loops without a yield point in async code.
    #[command(version, about)]
    Coop(Coop),
}

#[derive(Args)]
struct Coop {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report each loop in async context that never awaits and has no yield point.
    ///
    /// Exit status: 0 no finding, 1 findings, 2 could not run (or a file did not parse).
    Check {
        #[command(flatten)]
        packages: PackageArgs,
        /// `human` (rustc-style) or `json` (one object per finding per line).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Add `#[coop_core::cooperative]` to each fn with a finding it fixes.
    ///
    /// Exit status: 0 nothing left to report, 1 findings left that need a hand-written yield
    /// point, 2 could not run.
    Fix {
        #[command(flatten)]
        packages: PackageArgs,
        /// Print the diff; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The path the attribute is written with, for a re-exported coop-core
        /// (`--crate-path my_crate::coop` writes `#[my_crate::coop::cooperative]`); no
        /// coop-core dependency is added then.
        #[arg(long, value_name = "PATH")]
        crate_path: Option<String>,
        /// The coop-core dependency to add where there is none: a version, or the inside of
        /// an inline table (`'path = "../coop/coop-core"'`, `'git = "…"'`). Default: this
        /// tool's own version.
        #[arg(long, value_name = "SPEC")]
        dependency: Option<String>,
    },
}

#[derive(Args)]
struct PackageArgs {
    /// Path to Cargo.toml.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Every member of the workspace.
    #[arg(long, conflicts_with = "package")]
    workspace: bool,
    /// Only this package (repeatable).
    #[arg(short, long = "package", value_name = "NAME")]
    package: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

/// Exit status: nothing to report.
const CLEAN: u8 = 0;
/// Exit status: findings.
const FINDINGS: u8 = 1;
/// Exit status: the tool could not run, or a file could not be parsed.
const COULD_NOT_RUN: u8 = 2;

fn main() -> ExitCode {
    let Cargo::Coop(coop) = Cargo::parse();
    let status = match coop.command {
        Command::Check { packages, format } => check(&packages, format),
        Command::Fix {
            packages,
            dry_run,
            crate_path,
            dependency,
        } => fix(
            &packages,
            dry_run,
            crate_path.as_deref(),
            dependency.as_deref(),
        ),
    };
    ExitCode::from(status.unwrap_or_else(|message| {
        let _ = writeln!(std::io::stderr(), "error: {message}");
        COULD_NOT_RUN
    }))
}

/// The selected packages, each with its scanned files.
struct Scanned {
    workspace_root: PathBuf,
    packages: Vec<(Selected, Vec<FileScan>)>,
}

fn scan(args: &PackageArgs) -> Result<Scanned, String> {
    let (metadata, selected) = select(&Selection {
        manifest_path: args.manifest_path.clone(),
        workspace: args.workspace,
        packages: args.package.clone(),
    })?;
    let mut packages = Vec::new();
    for package in selected {
        let files = scan_tree(&package.roots)?;
        packages.push((package, files));
    }
    Ok(Scanned {
        workspace_root: metadata.workspace_root.into_std_path_buf(),
        packages,
    })
}

/// A path as shown: relative to the workspace root when inside it.
fn shown<'a>(root: &Path, path: &'a Path) -> &'a Path {
    path.strip_prefix(root).unwrap_or(path)
}

fn check(args: &PackageArgs, format: Format) -> Result<u8, String> {
    let scanned = scan(args)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut totals = render::Totals::default();
    let mut seen = std::collections::HashSet::new();
    for (package, scans) in &scanned.packages {
        let krate = package.coop_core.as_deref().unwrap_or("coop_core");
        let names = render::Names { krate };
        for file in scans {
            // A file shared by two packages' targets is reported once.
            if !seen.insert(file.path.clone()) {
                continue;
            }
            totals.files += 1;
            totals.lines += file.lines;
            totals.async_loops += file.async_loops;
            totals.async_fns += file.async_fns;
            let path = shown(&scanned.workspace_root, &file.path);
            if file.error.is_some() {
                totals.unparsed += 1;
                let _ = writeln!(std::io::stderr(), "{}\n", render::parse_error(file, path));
            }
            let mut fn_names = std::collections::HashSet::new();
            for finding in &file.findings {
                totals.findings += 1;
                if fn_names.insert(&finding.function) {
                    totals.fns_with_findings += 1;
                }
                let line = match format {
                    Format::Human => format!("{}\n", render::human(file, path, finding, &names)),
                    Format::Json => render::json(&package.name, path, finding),
                };
                writeln!(out, "{line}").map_err(|err| err.to_string())?;
            }
        }
    }
    let summary = render::summary(&totals);
    match format {
        Format::Human => writeln!(out, "{summary}").map_err(|err| err.to_string())?,
        Format::Json => {
            let _ = writeln!(std::io::stderr(), "{summary}");
        }
    }
    Ok(if totals.unparsed > 0 {
        COULD_NOT_RUN
    } else if totals.findings > 0 {
        FINDINGS
    } else {
        CLEAN
    })
}

fn fix(
    args: &PackageArgs,
    dry_run: bool,
    crate_path: Option<&str>,
    dependency: Option<&str>,
) -> Result<u8, String> {
    // A bad `--dependency` is refused before any file is written.
    if let Some(spec) = dependency {
        fix::dependency_value(spec)?;
    }
    let scanned = scan(args)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut added, mut left, mut unparsed) = (0, 0, 0);
    let mut seen = std::collections::HashSet::new();
    for (package, scans) in &scanned.packages {
        // Through a re-export (`--crate-path`), the attribute must also be told where coop-core
        // is: its expansion names it.
        let attribute = match crate_path {
            Some(path) => format!("#[{path}::cooperative(crate = \"{path}\")]"),
            None => {
                let krate = package
                    .coop_core
                    .clone()
                    .or_else(|| {
                        let key = package.coop_core_key_elsewhere.as_deref()?;
                        Some(key.replace('-', "_"))
                    })
                    .unwrap_or_else(|| "coop_core".to_owned());
                format!("#[{krate}::cooperative]")
            }
        };
        let mut package_added = 0;
        for file in scans {
            if !seen.insert(file.path.clone()) {
                continue;
            }
            let path = shown(&scanned.workspace_root, &file.path);
            if file.error.is_some() {
                unparsed += 1;
                let _ = writeln!(std::io::stderr(), "{}\n", render::parse_error(file, path));
            }
            left += file
                .findings
                .iter()
                .filter(|f| f.fix_offset.is_none())
                .count();
            let Some((fixed, count)) = fix::fix_source(file, &attribute) else {
                continue;
            };
            package_added += count;
            if dry_run {
                write!(out, "{}", fix::diff(path, &file.source, &fixed))
                    .map_err(|err| err.to_string())?;
            } else {
                std::fs::write(&file.path, fixed)
                    .map_err(|err| format!("cannot write {}: {err}", file.path.display()))?;
            }
        }
        added += package_added;
        if package_added > 0 && package.coop_core.is_none() && crate_path.is_none() {
            let manifest = std::fs::read_to_string(&package.manifest_path)
                .map_err(|err| format!("cannot read {}: {err}", package.manifest_path.display()))?;
            let version = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
            let key = package
                .coop_core_key_elsewhere
                .as_deref()
                .unwrap_or("coop-core");
            let fixed = fix::add_dependency_as(&manifest, key, dependency.unwrap_or(&version))?;
            let path = shown(&scanned.workspace_root, &package.manifest_path);
            if dry_run {
                write!(out, "{}", fix::diff(path, &manifest, &fixed))
                    .map_err(|err| err.to_string())?;
            } else {
                std::fs::write(&package.manifest_path, fixed).map_err(|err| {
                    format!("cannot write {}: {err}", package.manifest_path.display())
                })?;
            }
        }
    }
    let verb = if dry_run { "would add" } else { "added" };
    writeln!(
        out,
        "cargo coop: {verb} `#[cooperative]` to {added} item{}; {left} finding{} \
         need{} a hand-written yield point (see `cargo coop check`)",
        if added == 1 { "" } else { "s" },
        if left == 1 { "" } else { "s" },
        if left == 1 { "s" } else { "" },
    )
    .map_err(|err| err.to_string())?;
    Ok(if unparsed > 0 {
        COULD_NOT_RUN
    } else if left > 0 {
        FINDINGS
    } else {
        CLEAN
    })
}
