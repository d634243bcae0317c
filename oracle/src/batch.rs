//! One batch: many fns written to one temporary crate, built twice with cargo (plain, and with
//! feature `coop`, which puts `#[cooperative]` on every fn: the same tokens otherwise), each
//! binary run once, and the two runs compared fn by fn.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::generate::Edition;

const RUNTIME: &str = include_str!("runtime.rs");

/// What differed for one fn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Difference {
    /// The annotated fn does not compile; the plain one does. The compiler's message.
    Compile(String),
    /// A user could tell the runs apart: return value or panic message, probe log, what was
    /// written or printed, or whether the future is `Send`.
    Behaviour {
        /// The plain run's report.
        plain: String,
        /// The annotated run's report.
        coop: String,
    },
    /// At a `Pending` of the annotated fn, a probe the code never named was alive.
    UnnamedAliveAtYield(String),
}

impl Difference {
    /// The kind, for matching a shrunk case against the original failure.
    pub fn kind(&self) -> &'static str {
        match self {
            Difference::Compile(_) => "compile",
            Difference::Behaviour { .. } => "behaviour",
            Difference::UnnamedAliveAtYield(_) => "unnamed-alive",
        }
    }
}

/// The result of a batch.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Differences, by index of the fn in the batch.
    pub differences: BTreeMap<usize, Difference>,
    /// Fns the plain build rejected (a grammar bug, not a coop one), with rustc's message: left
    /// out.
    pub plain_rejected: Vec<(usize, String)>,
    /// Fns compared.
    pub compared: usize,
    /// Of those, fns whose annotated run yielded at least once.
    pub yielded: usize,
}

/// Where batches are written and built: one target directory shared by every batch, so the
/// dependencies are built once.
pub struct Workdir {
    root: PathBuf,
    workspace: PathBuf,
    edition: Edition,
}

impl Workdir {
    /// Under the workspace's target directory (or `CARGO_TARGET_DIR`). The batches depend on
    /// this workspace's coop-core, or on the one under `COOP_ORACLE_WORKSPACE` (a snapshot, so
    /// a long run is not disturbed by edits).
    pub fn new() -> Self {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace")
            .to_owned();
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| here.join("target"));
        let workspace = std::env::var_os("COOP_ORACLE_WORKSPACE").map_or(here, PathBuf::from);
        Workdir {
            root: target.join("oracle"),
            workspace,
            edition: Edition::E2024,
        }
    }

    /// The same, compiling batches on `edition`.
    pub fn with_edition(self, edition: Edition) -> Self {
        Workdir { edition, ..self }
    }

    /// Writes, builds, runs and compares `bodies` (fn body sources) in the crate `name`.
    pub fn run(&self, name: &str, bodies: &[String]) -> Outcome {
        let name = format!("{name}-{}", self.edition.as_str());
        let dir = self.root.join(&name);
        let name = format!("oracle-{name}");
        let mut outcome = Outcome::default();
        let mut live: Vec<usize> = (0..bodies.len()).collect();
        let plain = self.build_dropping(&dir, &name, bodies, &mut live, false, |index, message| {
            outcome.plain_rejected.push((index, message));
        });
        let mut compile_errors = Vec::new();
        let coop = self.build_dropping(&dir, &name, bodies, &mut live, true, |index, message| {
            compile_errors.push((index, message));
        });
        for (index, message) in compile_errors {
            outcome
                .differences
                .insert(index, Difference::Compile(message));
        }
        let plain = sections(&plain);
        let coop = sections(&coop);
        for (index, coop_text) in &coop {
            let Some(plain_text) = plain.get(index) else {
                continue;
            };
            outcome.compared += 1;
            let concurrent = is_concurrent(&bodies[*index]);
            let (coop_seen, notes) = split_notes(coop_text, concurrent);
            let (plain_seen, _) = split_notes(plain_text, concurrent);
            if notes
                .iter()
                .any(|note| note.contains("pendings") && !note.ends_with("pendings 0"))
            {
                outcome.yielded += 1;
            }
            if let Some(alive) = notes
                .iter()
                .find(|note| note.contains("alive at a Pending"))
            {
                outcome
                    .differences
                    .insert(*index, Difference::UnnamedAliveAtYield(alive.clone()));
            } else if plain_seen != coop_seen {
                outcome.differences.insert(
                    *index,
                    Difference::Behaviour {
                        plain: plain_seen,
                        coop: coop_seen,
                    },
                );
            }
        }
        outcome
    }

    /// Builds (with `coop` or not) and runs the batch, leaving out each fn the build rejects
    /// (reported to `rejected`) and building again. Returns stdout and stderr, tagged.
    fn build_dropping(
        &self,
        dir: &Path,
        name: &str,
        bodies: &[String],
        live: &mut Vec<usize>,
        coop: bool,
        mut rejected: impl FnMut(usize, String),
    ) -> String {
        for _attempt in 0..4 {
            let lines = self.write(dir, name, bodies, live);
            let mut build = self.cargo(dir);
            build.args(["build", "--quiet", "--message-format", "short"]);
            build.env("CARGO_INCREMENTAL", "0");
            if coop {
                build.args(["--features", "coop"]);
            }
            let out = build.output().expect("cargo runs");
            if out.status.success() {
                return self.execute(name);
            }
            let stderr = String::from_utf8_lossy(&out.stderr);
            let mut dropped = BTreeMap::new();
            for line in stderr.lines() {
                let Some(rest) = line.strip_prefix("src/fns.rs:") else {
                    continue;
                };
                let Some(number) = rest.split(':').next().and_then(|n| n.parse::<usize>().ok())
                else {
                    continue;
                };
                if !line.contains("error") {
                    continue;
                }
                if let Some(&(_, index)) = lines.iter().rev().find(|(start, _)| *start <= number) {
                    dropped.entry(index).or_insert_with(|| line.to_owned());
                }
            }
            assert!(
                !dropped.is_empty(),
                "the batch in {} failed to build outside the generated fns:\n{stderr}",
                dir.display()
            );
            live.retain(|index| !dropped.contains_key(index));
            for (index, message) in dropped {
                rejected(index, message);
            }
        }
        panic!("the batch in {} kept failing to build", dir.display());
    }

    fn cargo(&self, dir: &Path) -> Command {
        let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cargo
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", self.root.join("target"))
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        cargo
    }

    fn execute(&self, name: &str) -> String {
        let binary = self.root.join("target/debug").join(name);
        let out = Command::new(&binary)
            .output()
            .expect("the batch binary runs");
        let mut text = String::new();
        for (stream, bytes) in [("out", &out.stdout), ("err", &out.stderr)] {
            for line in String::from_utf8_lossy(bytes).lines() {
                let _ = writeln!(text, "{stream} {line}");
            }
        }
        if !out.status.success() {
            let _ = writeln!(text, "err exit {:?}", out.status.code());
        }
        text
    }

    /// Writes the crate; returns each fn's first line in `src/fns.rs`, with its index.
    fn write(
        &self,
        dir: &Path,
        name: &str,
        bodies: &[String],
        live: &[usize],
    ) -> Vec<(usize, usize)> {
        std::fs::create_dir_all(dir.join("src")).expect("create the batch crate");
        let core = self.workspace.join("coop-core");
        let edition = self.edition.as_str();
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"{edition}\"\npublish = false\n\n\
             [workspace]\n\n[features]\ncoop = []\n\n[dependencies]\n\
             coop-core = {{ path = {core:?}, features = [\"macros\"] }}\nfutures = \"0.3.31\"\n\n\
             [profile.dev]\ndebug = false\n\n\
             [profile.dev.build-override]\nopt-level = 3\n"
        );
        write_if_changed(&dir.join("Cargo.toml"), &manifest);
        let lock = dir.join("Cargo.lock");
        if !lock.exists() {
            let _ = std::fs::copy(self.workspace.join("Cargo.lock"), &lock);
        }
        let mut fns = String::from(
            "#![allow(warnings)]\nuse crate::*;\nuse futures::FutureExt as _;\nuse std::fmt::Write as _;\n",
        );
        let mut lines = Vec::new();
        let mut calls = String::new();
        for &index in live {
            lines.push((fns.lines().count() + 1, index));
            let _ = writeln!(
                fns,
                "#[cfg_attr(feature = \"coop\", coop_core::cooperative)]\npub async fn f_{index}() -> u32 {{\n{}\n}}",
                bodies[index]
            );
            let _ = writeln!(
                calls,
                "    {{ let fut = fns::f_{index}(); let send = (&send_probe(&fut)).is_send(); run({index}, fut, send, {}); }}",
                is_concurrent(&bodies[index])
            );
        }
        let main = format!(
            "#![allow(warnings)]\n{RUNTIME}\nmod fns;\n\nfn main() {{\n    std::panic::set_hook(Box::new(|_| {{}}));\n    \
             std::thread::Builder::new().stack_size(1 << 28).spawn(all).unwrap().join().unwrap();\n}}\n\n\
             fn all() {{\n{calls}}}\n"
        );
        write_if_changed(&dir.join("src/fns.rs"), &fns);
        write_if_changed(&dir.join("src/main.rs"), &main);
        lines
    }
}

impl Default for Workdir {
    fn default() -> Self {
        Self::new()
    }
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).expect("write the batch crate");
    }
}

/// Splits a run's tagged output into sections by fn index (`@@ i` lines).
fn sections(text: &str) -> BTreeMap<usize, String> {
    let mut out: BTreeMap<usize, String> = BTreeMap::new();
    let mut current = [None, None];
    for line in text.lines() {
        let (stream, rest) = line.split_at(3);
        let slot = usize::from(stream == "err");
        let rest = rest.trim_start();
        if let Some(index) = rest.strip_prefix("@@ ").and_then(|i| i.parse().ok()) {
            current[slot] = Some(index);
            out.entry(index).or_default();
            continue;
        }
        let index = current[slot].or(current[0]);
        if let Some(index) = index {
            let _ = writeln!(out.entry(index).or_default(), "{line}");
        }
    }
    out
}

/// Whether a fn runs futures side by side (`join!`): a yield point in one lets the others run,
/// as it lets other tasks run, so the order of their events is not compared, only the events;
/// and where one panics, only the panic.
fn is_concurrent(body: &str) -> bool {
    body.contains("join!")
}

/// Separates the `!!` notes (only the annotated run's checks) from what a user sees; a
/// concurrent fn's lines are sorted.
fn split_notes(section: &str, concurrent: bool) -> (String, Vec<String>) {
    let mut seen = Vec::new();
    let mut notes = Vec::new();
    for line in section.lines() {
        match line.strip_prefix("out !! ") {
            Some(note) => notes.push(note.to_owned()),
            None => seen.push(line),
        }
    }
    if concurrent {
        // A branch that panics ends the others wherever they are: only the outcome is compared.
        if seen.iter().any(|line| line.starts_with("out = Err")) {
            seen.retain(|line| line.starts_with("out = "));
        }
        seen.sort_unstable();
    }
    (seen.join("\n"), notes)
}
