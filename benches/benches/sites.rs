//! What a yield point's site costs: on the fast path (it should cost nothing: the site is a
//! `static` only the slow path touches) and per forced yield (a relaxed counter, and the
//! registration the first time).
//!
//! Both against the same build without sites: a yield point that has none,
//! `if !try_spend() { forced_yield().await }` with a yield counted by the process only
//! (`test_util::forced_yield_unsited`).
//!
//! - `fast_path/*`: 8192 iterations of about 1 ns of work under `unconstrained`, where no
//!   budget runs out: the check alone, with and without a site beside it. ns per iteration.
//! - `forced_yield/*`: a budget of one unit per poll, so every iteration after the first forces
//!   a yield, polled by hand with a no-op waker: ns per forced yield, the site's counter and
//!   the poll around it included. `consume_budget` is the hand-written yield point, whose site
//!   is found from its caller's location.
//!
//! After criterion's report, a timed run prints the differences, and measures them once more
//! interleaved: the two variants alternate in 200 rounds and the median of the per-round
//! differences is printed, which a machine whose speed drifts (a shared VM) disturbs far less
//! than two medians taken a few seconds apart.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};

const ITERATIONS: u64 = 8192;

#[inline(always)]
fn work(x: u64) -> u64 {
    (x ^ (x >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The yield point with its site, as `#[cooperative]` writes it.
#[coop_core::cooperative]
async fn with_site(n: u64, seed: u64) -> u64 {
    let mut x = seed;
    for i in 0..n {
        x = work(x ^ i);
    }
    x
}

/// The same loop with a yield point that has no site: no `static`, nothing counted but the
/// process-wide count.
async fn without_site(n: u64, seed: u64) -> u64 {
    let mut x = seed;
    for i in 0..n {
        if !coop_core::__private::try_spend() {
            coop_core::test_util::forced_yield_unsited().await;
        }
        x = work(x ^ i);
    }
    x
}

/// The hand-written yield point: a site from the caller's location.
async fn consume_budget(n: u64, seed: u64) -> u64 {
    let mut x = seed;
    for i in 0..n {
        coop_core::consume_budget().await;
        x = work(x ^ i);
    }
    x
}

/// Polls `fut` to completion with a no-op waker; every poll under a budget of `units`.
fn run<F: Future<Output = u64>>(fut: F, units: Option<u16>) -> u64 {
    let mut cx = Context::from_waker(Waker::noop());
    let mut fut = pin!(fut);
    loop {
        let poll = match units {
            Some(units) => coop_core::with_budget(units, || fut.as_mut().poll(&mut cx)),
            None => coop_core::with_unconstrained(|| fut.as_mut().poll(&mut cx)),
        };
        if let Poll::Ready(x) = poll {
            return x;
        }
    }
}

fn time<F: Future<Output = u64>>(
    iters: u64,
    units: Option<u16>,
    hot: fn(u64, u64) -> F,
) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        black_box(run(hot(black_box(ITERATIONS), i), units));
    }
    start.elapsed()
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("sites/fast_path");
    group.throughput(Throughput::Elements(ITERATIONS));
    group.bench_function("with_site", |b| b.iter_custom(|n| time(n, None, with_site)));
    group.bench_function("without_site", |b| {
        b.iter_custom(|n| time(n, None, without_site))
    });
    group.finish();

    let mut group = c.benchmark_group("sites/forced_yield");
    group.throughput(Throughput::Elements(ITERATIONS));
    group.bench_function("with_site", |b| {
        b.iter_custom(|n| time(n, Some(1), with_site))
    });
    group.bench_function("without_site", |b| {
        b.iter_custom(|n| time(n, Some(1), without_site))
    });
    group.bench_function("consume_budget", |b| {
        b.iter_custom(|n| time(n, Some(1), consume_budget))
    });
    group.finish();
}

criterion_group! {
    name = sites;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}

fn print_summary() {
    let dir = coop_benches::criterion_dir();
    let ns = |group: &str, function: &str| {
        coop_benches::criterion_median_ns(&dir, group, function).map(|ns| ns / ITERATIONS as f64)
    };
    println!(
        "\nsites: criterion medians from {}, ns per iteration",
        dir.display()
    );
    println!("| measured | with site | without site | site adds |");
    println!("|---|---|---|---|");
    for (label, group) in [
        ("fast path, per iteration", "sites/fast_path"),
        ("per forced yield (poll included)", "sites/forced_yield"),
    ] {
        if let (Some(with), Some(without)) = (ns(group, "with_site"), ns(group, "without_site")) {
            println!(
                "| {label} | {with:.3} | {without:.3} | {:+.3} |",
                with - without
            );
        }
    }
    if let (Some(hand), Some(without)) = (
        ns("sites/forced_yield", "consume_budget"),
        ns("sites/forced_yield", "without_site"),
    ) {
        println!(
            "| per forced yield, `consume_budget()` (caller's site) | {hand:.3} | {without:.3} | {:+.3} |",
            hand - without
        );
    }
}

/// The median over `rounds` of the difference per iteration between `a` and `b`, timed back to
/// back in each round (in alternating order), and the medians of each.
fn interleaved<A, B>(
    rounds: usize,
    calls: u64,
    units: Option<u16>,
    a: fn(u64, u64) -> A,
    b: fn(u64, u64) -> B,
) -> (f64, f64, f64)
where
    A: Future<Output = u64>,
    B: Future<Output = u64>,
{
    let per_iteration = |d: Duration| d.as_secs_f64() * 1e9 / (calls * ITERATIONS) as f64;
    let (mut ta, mut tb, mut diff) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (x, y) = if round % 2 == 0 {
            let x = time(calls, units, a);
            (x, time(calls, units, b))
        } else {
            let y = time(calls, units, b);
            (time(calls, units, a), y)
        };
        ta.push(per_iteration(x));
        tb.push(per_iteration(y));
        diff.push(per_iteration(x) - per_iteration(y));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut ta), median(&mut tb), median(&mut diff))
}

fn print_interleaved() {
    println!("\nsites, interleaved: median of 200 rounds, ns per iteration");
    println!("| measured | with site | without site | site adds |");
    println!("|---|---|---|---|");
    let (a, b, d) = interleaved(200, 20, None, with_site, without_site);
    println!("| fast path, per iteration | {a:.3} | {b:.3} | {d:+.3} |");
    let (a, b, d) = interleaved(200, 4, Some(1), with_site, without_site);
    println!("| per forced yield (poll included) | {a:.3} | {b:.3} | {d:+.3} |");
    let (a, b, d) = interleaved(200, 4, Some(1), consume_budget, without_site);
    println!(
        "| per forced yield, `consume_budget()` (caller's site) | {a:.3} | {b:.3} | {d:+.3} |"
    );
}

fn main() {
    sites();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|arg| arg == "--bench") {
        print_summary();
        print_interleaved();
    }
}
