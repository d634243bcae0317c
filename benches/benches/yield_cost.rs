//! What a yield point costs per loop iteration, side by side with tokio's own ways to yield.
//!
//! One hot loop, four ways, at three amounts of work per iteration (about 1 ns, 10 ns and
//! 100 ns):
//!
//! - `bare`: the loop as written, no yield point;
//! - `cooperative`: the same loop under `#[coop_core::cooperative]`, exactly what users get;
//! - `per_iteration`: the yield point `#[cooperative]` puts in a loop it does not strip-mine,
//!   by hand: every iteration spends from the thread's budget;
//! - `tokio_consume_budget`: `tokio::task::coop::consume_budget().await` written by hand at the
//!   head of the body;
//! - `yield_now_every_128`: `tokio::task::yield_now().await` written by hand every 128 iterations.
//!
//! `cooperative_slice` is `cooperative` with the process default budget set to 128 units and a
//! 1 ms time slice (`Budget::DEFAULT.slice(1 ms)`): what a time slice costs on top of the count,
//! in the same run.
//!
//! Two loops call what the optimizer cannot see into, as most real hot loops do: the same loop
//! with one call per iteration to a function of another crate (`opaque_1ns`, ...), and a
//! tokenizer walking a byte buffer with one such call per token (`parser`); each as `bare`,
//! `cooperative` and `cooperative_no_yield`.
//!
//! Two more isolate where the cost comes from: `coop_consume_budget` awaits coop's public
//! `consume_budget()` future each iteration (no inlined fast path), and `cooperative_no_yield`
//! runs the `#[cooperative]` loop where no budget runs out (the yield point's check runs, no
//! scheduler round trip).
//!
//! Every variant runs inside one tokio task on a current-thread runtime without drivers, so a
//! forced yield is a real trip through tokio's scheduler, as in production. The group name
//! carries the build: `bridge_on` with `--features tokio-bridge` (coop spends tokio's budget),
//! `compiled_out` under `RUSTFLAGS="--cfg coop_disable"`. After criterion's own report, a timed
//! run (`cargo bench`) prints a summary table of this build's medians, read back from criterion's
//! `estimates.json` files. BENCHMARKS.md has the commands and the results; nothing here asserts
//! a timing.

use std::future::Future;
use std::hint::black_box;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use coop_benches::never_yielding;
use coop_core::{Budget, set_default_budget};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};

mod calls;
mod loops;
use calls::{
    TOKENS, bare_opaque, bare_parse, cooperative_opaque, cooperative_opaque_per_iteration,
    cooperative_parse,
};
use loops::{
    bare, cooperative, cooperative_per_iteration, tokio_consume_budget, work, yield_now_every_128,
};

/// Loop iterations per measured call: long enough that the task spawn and the `block_on` around
/// a sample vanish, and a multiple of the 128-unit budget.
const ITERATIONS: u64 = 8192;

/// The same loop, awaiting coop's public future each iteration instead of the macro's inlined
/// fast path.
async fn coop_consume_budget<const STEPS: u32>(n: u64, seed: u64) -> u64 {
    let mut x = seed;
    for i in 0..n {
        coop_core::consume_budget().await;
        x = work::<STEPS>(x ^ i);
    }
    x
}

/// Runs `iters` calls of `hot` inside one tokio task and times them there, so the spawn is not
/// measured but every forced yield's trip through the scheduler is.
fn time_in_task<F>(rt: &tokio::runtime::Runtime, iters: u64, hot: fn(u64, u64) -> F) -> Duration
where
    F: Future<Output = u64> + Send + 'static,
{
    rt.block_on(async move {
        tokio::spawn(async move {
            let start = Instant::now();
            for i in 0..iters {
                black_box(hot(black_box(ITERATIONS), i).await);
            }
            start.elapsed()
        })
        .await
        .expect("the measured task does not panic")
    })
}

/// The `#[cooperative]` loop where no budget ever runs out: a coop scope with room for every
/// unit (`coop_benches::with_room`) without the bridge, tokio's `unconstrained` with it (the
/// bridge then spends tokio's unconstrained budget). The yield point's fast path runs every
/// iteration, the decrement included, but never forces a yield, so this is the fast path alone,
/// without the scheduler round trips.
fn cooperative_no_yield<const STEPS: u32>(
    n: u64,
    seed: u64,
) -> impl Future<Output = u64> + Send + 'static {
    never_yielding(cooperative::<STEPS>(n, seed))
}

/// The tokenizer loops over [`TOKENS`], in the shape `variant` times (`n` is the token count
/// already).
fn parse_bare(_n: u64, seed: u64) -> impl Future<Output = u64> + Send + 'static {
    bare_parse(&TOKENS, seed)
}

fn parse_cooperative(_n: u64, seed: u64) -> impl Future<Output = u64> + Send + 'static {
    cooperative_parse(&TOKENS, seed)
}

fn parse_cooperative_no_yield(_n: u64, seed: u64) -> impl Future<Output = u64> + Send + 'static {
    never_yielding(cooperative_parse(&TOKENS, seed))
}

fn opaque_cooperative_no_yield<const STEPS: u32>(
    n: u64,
    seed: u64,
) -> impl Future<Output = u64> + Send + 'static {
    never_yielding(cooperative_opaque::<STEPS>(n, seed))
}

/// Times one variant in `group`.
fn variant<F>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &tokio::runtime::Runtime,
    name: &str,
    hot: fn(u64, u64) -> F,
) where
    F: Future<Output = u64> + Send + 'static,
{
    variant_under(group, rt, name, hot, Budget::DEFAULT);
}

/// Times one variant in `group` with `budget` as the process default meanwhile.
fn variant_under<F>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &tokio::runtime::Runtime,
    name: &str,
    hot: fn(u64, u64) -> F,
    budget: Budget,
) where
    F: Future<Output = u64> + Send + 'static,
{
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter_custom(|iters| {
            set_default_budget(budget);
            let took = time_in_task(rt, iters, hot);
            set_default_budget(Budget::DEFAULT);
            took
        })
    });
}

/// Every variant at `STEPS` steps of work per iteration, in one group named for the build and
/// the work size.
fn bench_work<const STEPS: u32>(c: &mut Criterion, rt: &tokio::runtime::Runtime, label: &str) {
    let mut group = c.benchmark_group(format!("yield_cost/{}/{label}", coop_benches::build_name()));
    group.throughput(Throughput::Elements(ITERATIONS));
    variant(&mut group, rt, "bare", bare::<STEPS>);
    variant(&mut group, rt, "cooperative", cooperative::<STEPS>);
    variant(
        &mut group,
        rt,
        "per_iteration",
        cooperative_per_iteration::<STEPS>,
    );
    variant_under(
        &mut group,
        rt,
        "cooperative_slice",
        cooperative::<STEPS>,
        Budget::DEFAULT.slice(Duration::from_millis(1)),
    );
    variant(
        &mut group,
        rt,
        "tokio_consume_budget",
        tokio_consume_budget::<STEPS>,
    );
    variant(
        &mut group,
        rt,
        "yield_now_every_128",
        yield_now_every_128::<STEPS>,
    );
    variant(
        &mut group,
        rt,
        "coop_consume_budget",
        coop_consume_budget::<STEPS>,
    );
    variant(
        &mut group,
        rt,
        "cooperative_no_yield",
        cooperative_no_yield::<STEPS>,
    );
    group.finish();
}

/// The loop with one opaque call per iteration, at `STEPS` inlined steps besides the call.
fn bench_opaque<const STEPS: u32>(c: &mut Criterion, rt: &tokio::runtime::Runtime, label: &str) {
    let mut group = c.benchmark_group(format!("yield_cost/{}/{label}", coop_benches::build_name()));
    group.throughput(Throughput::Elements(ITERATIONS));
    variant(&mut group, rt, "bare", bare_opaque::<STEPS>);
    variant(&mut group, rt, "cooperative", cooperative_opaque::<STEPS>);
    variant(
        &mut group,
        rt,
        "per_iteration",
        cooperative_opaque_per_iteration::<STEPS>,
    );
    variant(
        &mut group,
        rt,
        "cooperative_no_yield",
        opaque_cooperative_no_yield::<STEPS>,
    );
    group.finish();
}

/// The tokenizer loop, [`ITERATIONS`] tokens per call.
fn bench_parser(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    LazyLock::force(&TOKENS);
    let mut group = c.benchmark_group(format!("yield_cost/{}/parser", coop_benches::build_name()));
    group.throughput(Throughput::Elements(ITERATIONS));
    variant(&mut group, rt, "bare", parse_bare);
    variant(&mut group, rt, "cooperative", parse_cooperative);
    variant(
        &mut group,
        rt,
        "cooperative_no_yield",
        parse_cooperative_no_yield,
    );
    group.finish();
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime without drivers builds");
    bench_work::<1>(c, &rt, "1ns");
    bench_work::<6>(c, &rt, "10ns");
    bench_work::<60>(c, &rt, "100ns");
    bench_opaque::<1>(c, &rt, "opaque_1ns");
    bench_opaque::<6>(c, &rt, "opaque_10ns");
    bench_opaque::<60>(c, &rt, "opaque_100ns");
    bench_parser(c, &rt);
}

criterion_group! {
    name = yield_cost;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}

/// The variants in table order, and the work sizes.
const VARIANTS: [&str; 7] = [
    "bare",
    "cooperative",
    "cooperative_slice",
    "tokio_consume_budget",
    "yield_now_every_128",
    "coop_consume_budget",
    "cooperative_no_yield",
];
const WORKS: [&str; 7] = [
    "1ns",
    "10ns",
    "100ns",
    "opaque_1ns",
    "opaque_10ns",
    "opaque_100ns",
    "parser",
];

/// Prints this build's medians, per loop iteration, as a markdown table: each variant against
/// `bare` and against tokio's `consume_budget`. Variants not run (a filtered run) are left out.
fn print_summary() {
    let dir = coop_benches::criterion_dir();
    println!(
        "\nyield_cost/{build}: criterion medians from {dir}, ns per loop iteration",
        build = coop_benches::build_name(),
        dir = dir.display()
    );
    println!(
        "| work | variant | ns / iteration | vs bare | overhead ns | vs tokio consume_budget | vs cooperative |"
    );
    println!("|---|---|---|---|---|---|---|");
    for work in WORKS {
        let group = format!("yield_cost/{}/{work}", coop_benches::build_name());
        let ns = |variant: &str| {
            coop_benches::criterion_median_ns(&dir, &group, variant)
                .map(|ns| ns / ITERATIONS as f64)
        };
        let (Some(bare), tokio, coop) = (ns("bare"), ns("tokio_consume_budget"), ns("cooperative"))
        else {
            continue;
        };
        let ratio =
            |of: f64, to: Option<f64>| to.map_or_else(String::new, |to| format!("{:.3}", of / to));
        for variant in VARIANTS {
            let Some(ns) = ns(variant) else { continue };
            println!(
                "| {work} | {variant} | {ns:.3} | {:.3} | {:+.3} | {} | {} |",
                ns / bare,
                ns - bare,
                ratio(ns, tokio),
                ratio(ns, coop),
            );
        }
    }
}

/// The median over `rounds` of each of `variants`' times, in ns per iteration of `calls` calls;
/// each round runs every variant once, in a rotating order, so that a drifting machine speed
/// hits all of them alike.
fn interleaved(rounds: usize, calls: u64, variants: &[&dyn Fn(u64) -> Duration]) -> Vec<f64> {
    let mut times = vec![Vec::with_capacity(rounds); variants.len()];
    for round in 0..rounds {
        for k in 0..variants.len() {
            let k = (k + round) % variants.len();
            let took = variants[k](calls);
            times[k].push(took.as_secs_f64() * 1e9 / (calls * ITERATIONS) as f64);
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        })
        .collect()
}

/// Times `calls` calls of `hot` with `budget` as the process default meanwhile.
fn under<F>(
    rt: &tokio::runtime::Runtime,
    budget: Budget,
    calls: u64,
    hot: fn(u64, u64) -> F,
) -> Duration
where
    F: Future<Output = u64> + Send + 'static,
{
    set_default_budget(budget);
    let took = time_in_task(rt, calls, hot);
    set_default_budget(Budget::DEFAULT);
    took
}

/// What a 1 ms slice costs on top of the count, measured interleaved with the count alone and
/// with tokio's `consume_budget`: medians of 100 rounds.
fn print_slice_cost() {
    let rt = &tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime without drivers builds");
    let (count, sliced) = (
        Budget::DEFAULT,
        Budget::DEFAULT.slice(Duration::from_millis(1)),
    );
    println!(
        "\nyield_cost/{}, slice on vs off, interleaved: medians of 100 rounds, ns per iteration",
        coop_benches::build_name()
    );
    println!(
        "| work | `cooperative` | `cooperative`, 1 ms slice | slice on / off | tokio `consume_budget` | slice on / tokio |"
    );
    println!("|---|---|---|---|---|---|");
    let row = |work: &str, t: Vec<f64>| {
        println!(
            "| {work} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            t[0],
            t[1],
            t[1] / t[0],
            t[2],
            t[1] / t[2]
        );
    };
    let t = interleaved(
        100,
        40,
        &[
            &|calls| under(rt, count, calls, cooperative::<1>),
            &|calls| under(rt, sliced, calls, cooperative::<1>),
            &|calls| under(rt, count, calls, tokio_consume_budget::<1>),
        ],
    );
    row("1 ns", t);
    let t = interleaved(
        100,
        10,
        &[
            &|calls| under(rt, count, calls, cooperative::<6>),
            &|calls| under(rt, sliced, calls, cooperative::<6>),
            &|calls| under(rt, count, calls, tokio_consume_budget::<6>),
        ],
    );
    row("10 ns", t);
    let t = interleaved(
        100,
        2,
        &[
            &|calls| under(rt, count, calls, cooperative::<60>),
            &|calls| under(rt, sliced, calls, cooperative::<60>),
            &|calls| under(rt, count, calls, tokio_consume_budget::<60>),
        ],
    );
    row("100 ns", t);
}

fn main() {
    yield_cost();
    Criterion::default().configure_from_args().final_summary();
    // `cargo bench` passes `--bench`; `cargo test` runs each benchmark once and times nothing.
    if std::env::args().any(|arg| arg == "--bench") {
        print_summary();
        print_slice_cost();
    }
}
