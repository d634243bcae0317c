//! `cargo coop`: find every loop of a crate that can hold its thread without yielding, with the
//! rules of `#[cooperative]` itself (coop-analysis), and fix them in one command.
//!
//! - `cargo coop check` reports each loop in async context that never awaits and is neither
//!   instrumented by `#[cooperative]` nor opted out by `#[unconstrained]`, each coop attribute
//!   that does not compile, and each coop-core dependency that leaves a needed feature off.
//!   Exit status: 0 none, 1 findings, 2 the tool could not run (or a file could not be read or
//!   parsed; the rest is still checked).
//! - `cargo coop fix` adds `#[coop_core::cooperative]` to each fn with a finding it fixes, and
//!   the coop-core dependency and features the package needs, then checks the crate
//!   (`cargo check`) and takes back out an attribute whose fn does not build with it.
//!
//! This file parses the command line and dispatches.

#![forbid(unsafe_code)]

mod check;
mod discover;
mod entry;
mod fix;
mod human;
mod insert;
mod json;
mod lines;
mod manifest;
mod packages;
mod report;
mod sarif;
mod scan;
mod vcs;
mod verify;

use std::io::IsTerminal;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::fix::FixOptions;
use crate::packages::{Selection, select};
use crate::report::Format;

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
    /// Exit status: 0 no finding, 1 findings, 2 could not run (or a file could not be read).
    Check {
        #[command(flatten)]
        packages: PackageArgs,
        /// `human` (rustc-style), `json` (one document) or `sarif` (SARIF 2.1.0).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Color the human format: `auto` (when stdout is a terminal), `always` or `never`.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Add `#[coop_core::cooperative]` to each fn with a finding it fixes, and the coop-core
    /// dependency and features the package needs; then check the crate (`cargo check`) and take
    /// the attribute back out of a fn that does not build with it.
    ///
    /// Exit status: 0 nothing left to report, 1 findings left that need a hand-written change,
    /// 2 could not run (nothing is written then), cargo could not check the crate with the fix
    /// or without it (the fix is kept, nothing verified), or a file could not be read or
    /// parsed (the others are fixed).
    Fix {
        #[command(flatten)]
        packages: PackageArgs,
        /// Print the diff; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write even when the files to change have uncommitted changes.
        #[arg(long)]
        allow_dirty: bool,
        /// Write even when the package is not under version control.
        #[arg(long)]
        allow_no_vcs: bool,
        /// The path the attribute is written with, for a re-exported coop-core
        /// (`--crate-path my_crate::coop` writes `#[my_crate::coop::cooperative(crate =
        /// "my_crate::coop")]`); no coop-core dependency is added then.
        #[arg(long, value_name = "PATH")]
        crate_path: Option<String>,
        /// The coop-core dependency to add where there is none: a version, or the inside of
        /// an inline table (`'path = "../coop/coop-core"'`, `'git = "…"'`; a relative path is
        /// read from the current directory and written relative to each manifest). Default: the
        /// package's dev-dependency on coop-core, the workspace's, or the coop-core next to the
        /// sources this tool was installed from.
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

impl PackageArgs {
    fn selection(self) -> Selection {
        Selection {
            manifest_path: self.manifest_path,
            workspace: self.workspace,
            packages: self.package,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn run(command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Check {
            packages,
            format,
            color,
        } => {
            let color = match color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal(),
            };
            check::run(&select(&packages.selection())?, format, color)
        }
        Command::Fix {
            packages,
            dry_run,
            allow_dirty,
            allow_no_vcs,
            crate_path,
            dependency,
        } => fix::run(
            &select(&packages.selection())?,
            &FixOptions {
                dry_run,
                crate_path,
                dependency,
                allow: vcs::Allow {
                    dirty: allow_dirty,
                    no_vcs: allow_no_vcs,
                },
            },
        ),
    }
}

fn main() -> ExitCode {
    let Cargo::Coop(coop) = Cargo::parse();
    ExitCode::from(run(coop.command).unwrap_or_else(|err| {
        // A reader that went away (`cargo coop fix --dry-run | head`) wants no more output,
        // as for any command-line tool; the status says the output was cut.
        if err
            .chain()
            .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
            .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return check::COULD_NOT_RUN;
        }
        let _ = writeln!(std::io::stderr(), "error: {err:#}");
        check::COULD_NOT_RUN
    }))
}
