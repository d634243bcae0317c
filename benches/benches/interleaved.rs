//! The `yield_cost` loops timed side by side, for a machine shared with other work.
//!
//! criterion times one variant for seconds, then the next, so a neighbour's compile job that
//! starts in between lands on one variant only. Here every round times each variant of a set
//! once, in turn (4 calls of 8192 iterations, short enough that a neighbour's job rarely spans
//! one), for 300 rounds, and the table reports each variant's fastest round and its median
//! round: interference hits all variants alike, and the fastest rounds are the ones it missed. A
//! difference that shows in both columns is the code's, not the machine's.
//!
//! `cargo bench -p coop-benches --bench interleaved -- <set>`, sets `inline`, `opaque`,
//! `parser`, `slice` (default: all four). `cargo test` runs two rounds of each, untimed.
//!
//! The runtime is tokio's current-thread one with its I/O and time drivers, as `#[tokio::main]`
//! builds it. Budgets: `cooperative` spends the ambient budget (128 units, a forced yield through
//! tokio's scheduler each time they run out); `cooperative_large` runs under
//! `budgeted_with(Budget::units(u16::MAX))`, a forced yield every 65 535 units, so what it adds
//! to `bare` is the yield point's fast path; `per_iteration` is the loop with the yield point
//! `#[cooperative]` puts in a loop it does not strip-mine, written by hand; the tokenizer's
//! `cooperative_no_yield` runs in a coop scope with room for every unit (`with_room`), in both
//! builds. The `slice` set compares a scope of 128 units with and
//! without a 1 ms time slice.
//!
//! `--no-default-features` builds coop-core without `std` (tables `interleaved/no_std`): the
//! per-unit spend is then a relaxed load and store of one atomic word, the slow path takes
//! critical sections. `per_iteration_no_yield` times that spend alone.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::time::{Duration, Instant};

use coop_core::{Budget, budgeted_with};

use coop_benches::with_room;

mod calls;
mod loops;

/// Loop iterations per call, as in `yield_cost`.
const ITERATIONS: u64 = 8192;

/// Rounds of a timed run, and calls per variant in each.
const ROUNDS: u64 = 300;
const CALLS_PER_ROUND: u64 = 4;

/// One round of one variant: times `CALLS_PER_ROUND` calls, returns ns per loop iteration.
/// Boxed so that one list holds every shape; the loop itself is awaited inside [`round`],
/// unboxed, as `yield_cost` awaits it, so it compiles the same way.
type Hot = fn(u64) -> Pin<Box<dyn Future<Output = f64> + Send>>;

/// Times `CALLS_PER_ROUND` calls of `hot`, seeded from `round`.
async fn round<F: Future<Output = u64>>(hot: impl Fn(u64, u64) -> F, round: u64) -> f64 {
    let start = Instant::now();
    for call in 0..CALLS_PER_ROUND {
        black_box(hot(black_box(ITERATIONS), round + call).await);
    }
    start.elapsed().as_secs_f64() * 1e9 / (CALLS_PER_ROUND * ITERATIONS) as f64
}

/// A named variant.
macro_rules! variant {
    ($name:literal, $hot:expr) => {
        ($name, (|r| Box::pin(round($hot, r))) as Hot)
    };
}

/// The large budget of the goal rows: a forced yield every `u16::MAX` units.
const LARGE: Budget = Budget::units(u16::MAX);

/// The time slice of the `slice` set, on top of the default 128 units.
const SLICED: Budget = Budget::DEFAULT.slice(Duration::from_millis(1));

/// The comparisons of one set: a label and its variants, `bare` first.
fn set(name: &str) -> Vec<(String, Vec<(&'static str, Hot)>)> {
    use calls::{
        TOKENS, bare_opaque, bare_parse, cooperative_opaque, cooperative_opaque_per_iteration,
        cooperative_parse,
    };
    use loops::{
        bare, cooperative, cooperative_per_iteration, tokio_consume_budget, yield_now_every_128,
    };
    macro_rules! inline {
        ($steps:literal, $label:literal) => {
            (
                $label.to_string(),
                vec![
                    variant!("bare", bare::<$steps>),
                    variant!("cooperative", cooperative::<$steps>),
                    variant!("cooperative_large", |n, seed| budgeted_with(
                        LARGE,
                        cooperative::<$steps>(n, seed)
                    )),
                    variant!("per_iteration", cooperative_per_iteration::<$steps>),
                    // The per-unit spend alone: a thread-local with `std`, an atomic word
                    // without (`--no-default-features`).
                    variant!("per_iteration_no_yield", |n, seed| with_room(
                        cooperative_per_iteration::<$steps>(n, seed)
                    )),
                    variant!("tokio_consume_budget", tokio_consume_budget::<$steps>),
                    variant!("yield_now_every_128", yield_now_every_128::<$steps>),
                ],
            )
        };
    }
    macro_rules! opaque {
        ($steps:literal, $label:literal) => {
            (
                $label.to_string(),
                vec![
                    variant!("bare", bare_opaque::<$steps>),
                    variant!("cooperative", cooperative_opaque::<$steps>),
                    variant!("cooperative_large", |n, seed| budgeted_with(
                        LARGE,
                        cooperative_opaque::<$steps>(n, seed)
                    )),
                    variant!("per_iteration", cooperative_opaque_per_iteration::<$steps>),
                ],
            )
        };
    }
    macro_rules! slice {
        ($steps:literal, $label:literal) => {
            (
                $label.to_string(),
                vec![
                    variant!("bare", bare::<$steps>),
                    variant!("count_only", |n, seed| budgeted_with(
                        Budget::DEFAULT,
                        cooperative::<$steps>(n, seed)
                    )),
                    variant!("count_and_slice", |n, seed| budgeted_with(
                        SLICED,
                        cooperative::<$steps>(n, seed)
                    )),
                ],
            )
        };
    }
    match name {
        "slice" => vec![
            slice!(1, "slice_1ns"),
            slice!(6, "slice_10ns"),
            slice!(60, "slice_100ns"),
        ],
        "inline" => vec![
            inline!(1, "1ns"),
            inline!(3, "5ns"),
            inline!(6, "10ns"),
            inline!(24, "40ns"),
            inline!(60, "100ns"),
        ],
        "opaque" => vec![
            opaque!(1, "opaque_1ns"),
            opaque!(3, "opaque_5ns"),
            opaque!(6, "opaque_10ns"),
            opaque!(24, "opaque_40ns"),
            opaque!(60, "opaque_100ns"),
        ],
        "parser" => vec![(
            "parser".to_string(),
            vec![
                variant!("bare", |_, seed| bare_parse(&TOKENS, seed)),
                variant!("cooperative", |_, seed| cooperative_parse(&TOKENS, seed)),
                variant!("cooperative_no_yield", |_, seed| with_room(
                    cooperative_parse(&TOKENS, seed)
                )),
            ],
        )],
        other => panic!("unknown set {other:?}: inline, opaque, parser or slice"),
    }
}

/// Times `variants` in turn for `rounds` rounds inside one tokio task; ns per loop iteration
/// of each round, per variant.
fn time_interleaved(
    rt: &tokio::runtime::Runtime,
    variants: &[(&'static str, Hot)],
    rounds: u64,
) -> Vec<Vec<f64>> {
    let hots: Vec<Hot> = variants.iter().map(|(_, hot)| *hot).collect();
    rt.block_on(async move {
        tokio::spawn(async move {
            let mut samples = vec![Vec::new(); hots.len()];
            for round in 0..rounds {
                for (hot, samples) in hots.iter().zip(&mut samples) {
                    samples.push(hot(round * CALLS_PER_ROUND).await);
                }
            }
            samples
        })
        .await
        .expect("the measured task does not panic")
    })
}

fn main() {
    let timed = std::env::args().any(|arg| arg == "--bench");
    let sets: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    let sets = if sets.is_empty() {
        vec![
            "inline".to_string(),
            "opaque".into(),
            "parser".into(),
            "slice".into(),
        ]
    } else {
        sets
    };
    // With its I/O and time drivers, as `#[tokio::main]` builds it: a driver turn is a system
    // call, which the tokio feature's forced yields make at their pace.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds");
    let build = coop_benches::build_name();
    if timed {
        println!("interleaved/{build}: ns per loop iteration, {ROUNDS} rounds");
        println!("| work | variant | fastest | median | vs bare (median) | overhead ns (median) |");
        println!("|---|---|---|---|---|---|");
    }
    for name in &sets {
        for (label, variants) in set(name) {
            // Untimed rounds first: caches, branch predictors, the tokenizer's input.
            time_interleaved(&rt, &variants, 2);
            if !timed {
                continue;
            }
            let mut samples = time_interleaved(&rt, &variants, ROUNDS);
            for samples in &mut samples {
                samples.sort_by(f64::total_cmp);
            }
            let median = |samples: &[f64]| samples[samples.len() / 2];
            let bare = median(&samples[0]);
            for ((variant, _), samples) in variants.iter().zip(&samples) {
                println!(
                    "| {label} | {variant} | {:.3} | {:.3} | {:.3} | {:+.3} |",
                    samples[0],
                    median(samples),
                    median(samples) / bare,
                    median(samples) - bare,
                );
            }
        }
    }
}
