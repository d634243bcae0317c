//! A differential fuzzer for `#[cooperative]` whose oracle is rustc: random async fns, each
//! compiled and run plain and annotated (the same tokens, `#[cooperative]` added by a cargo
//! feature), on a one-thread executor that gives every poll a budget of zero units, so every
//! yield point yields.
//!
//! The fns are built from [`grammar`]'s templates: every loop form (`loop` with `break` values,
//! `while`, `while let`, let-chains, `for`, labelled, `continue`, jumps to outer labels) in
//! every expression position (statements, `let` initializers with and without `else`, `if` and
//! `match` scrutinees, arms and guards, call and method arguments first and later, receivers,
//! struct, tuple and array fields, binary operands, block tails, `unsafe` blocks, sync closures,
//! async blocks and async closures, the operands of `format!`, `write!`, `println!`, `vec!`,
//! `assert!`, `assert_eq!`, `assert_ne!`, `debug_assert!`, `dbg!`, `matches!`, `select_biased!`,
//! `join!` and of local `macro_rules!`), beside probes: values whose construction and drop are
//! logged, built unnamed (temporaries, extended or not) or bound to a name.
//!
//! A fn passes when the two runs show the same return value or panic message, the same probe
//! log, the same output (stdout, stderr, what `write!` wrote) and the same `Send`-ness, and no
//! unnamed probe is alive at any `Pending` of the annotated run: a forced yield while rustc
//! keeps a temporary alive is a suspension plain code never had. A fn the annotated build
//! rejects and the plain build accepts fails too.
//!
//! ```no_run
//! let summary = coop_oracle::fuzz(7, 200, 200, coop_oracle::Edition::E2024);
//! assert!(summary.failures.is_empty(), "{summary}");
//! ```

mod batch;
mod generate;
pub mod grammar;

use std::fmt;
use std::path::{Path, PathBuf};

pub use batch::{Difference, Outcome, Workdir};
pub use generate::{Case, Edition, Node, Rng, generate};

/// Nodes per generated fn, about.
const SIZE: usize = 14;

/// What a run of the fuzzer found.
#[derive(Debug, Default)]
pub struct Summary {
    /// Fns generated.
    pub generated: usize,
    /// Fns compared (the plain build accepted them).
    pub compared: usize,
    /// Fns the plain build rejected: grammar bugs, not coop's.
    pub plain_rejected: usize,
    /// Annotated fns that yielded at least once.
    pub yielded: usize,
    /// Each failure, shrunk: the fn body and what differed.
    pub failures: Vec<(String, Difference)>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} fns generated, {} compared ({} yielded at least once), {} rejected by the plain build, {} failures",
            self.generated,
            self.compared,
            self.yielded,
            self.plain_rejected,
            self.failures.len()
        )?;
        for (body, difference) in &self.failures {
            writeln!(
                f,
                "\n--- {difference:?}\nasync fn f() -> u32 {{\n{body}\n}}"
            )?;
        }
        Ok(())
    }
}

/// Generates `fns` fns from `seed`, `per_crate` to a crate, runs them, and shrinks each failure
/// (at most a few per batch) to a small fn that still fails the same way; each shrunk failure is
/// written to `regressions/` as well.
pub fn fuzz(seed: u64, fns: usize, per_crate: usize, edition: Edition) -> Summary {
    let workdir = Workdir::new().with_edition(edition);
    let mut rng = Rng::new(seed);
    let mut summary = Summary::default();
    let mut batch = 0;
    while summary.generated < fns {
        let count = per_crate.min(fns - summary.generated);
        let cases: Vec<Case> = (0..count)
            .map(|_| generate(&mut rng, SIZE, edition))
            .collect();
        let bodies: Vec<String> = cases.iter().map(Case::render).collect();
        let outcome = workdir.run(&format!("batch-{seed}-{}", batch % 2), &bodies);
        summary.generated += count;
        summary.compared += outcome.compared;
        summary.yielded += outcome.yielded;
        summary.plain_rejected += outcome.plain_rejected.len();
        for (index, message) in &outcome.plain_rejected {
            eprintln!(
                "the plain build rejected a generated fn: {message}\n{}",
                bodies[*index]
            );
        }
        for (index, difference) in outcome.differences.into_iter().take(3) {
            let (case, difference) = shrink(&workdir, cases[index].clone(), difference);
            let body = case.render();
            keep_regression(&body);
            summary.failures.push((body, difference));
        }
        batch += 1;
    }
    summary
}

/// Runs fixed fn bodies (the regression cases) as one batch.
pub fn run_bodies(name: &str, bodies: &[String], edition: Edition) -> Outcome {
    Workdir::new().with_edition(edition).run(name, bodies)
}

/// Greedy shrinking: all smaller variants in one batch; the smallest that fails the same way
/// becomes the case; until none does.
fn shrink(workdir: &Workdir, mut case: Case, mut difference: Difference) -> (Case, Difference) {
    for _round in 0..30 {
        let mut candidates: Vec<Case> = case
            .body
            .shrink()
            .into_iter()
            .map(|body| Case {
                body,
                send_variant: case.send_variant,
            })
            .collect();
        if case.send_variant {
            candidates.push(Case {
                body: case.body.clone(),
                send_variant: false,
            });
        }
        if candidates.is_empty() {
            break;
        }
        let bodies: Vec<String> = candidates.iter().map(Case::render).collect();
        let outcome = workdir.run(&format!("shrink-{}", std::process::id()), &bodies);
        let best = outcome
            .differences
            .into_iter()
            .filter(|(_, found)| found.kind() == difference.kind())
            .min_by_key(|(index, _)| (candidates[*index].body.size(), bodies[*index].len()));
        match best {
            Some((index, found)) => {
                case = candidates[index].clone();
                difference = found;
            }
            None => break,
        }
    }
    (case, difference)
}

/// The directory of kept regression cases: one fn body per `.rs` file.
pub fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions")
}

/// Every kept regression case: file name and fn body.
pub fn regressions() -> Vec<(String, String)> {
    let mut cases: Vec<(String, String)> = std::fs::read_dir(regressions_dir())
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "rs"))
                .map(|entry| {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let text = std::fs::read_to_string(entry.path()).expect("read a regression");
                    let body: String = text
                        .lines()
                        .filter(|line| !line.trim_start().starts_with("//"))
                        .collect::<Vec<_>>()
                        .join("\n");
                    (name, body)
                })
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    cases
}

fn keep_regression(body: &str) {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let path = regressions_dir().join(format!("found_{hash:016x}.rs"));
    let _ = std::fs::create_dir_all(regressions_dir());
    let _ = std::fs::write(path, format!("// Found by the fuzzer, shrunk.\n{body}\n"));
}
