//! The fairness a yield point buys: how late a task that wants to run every millisecond runs
//! while a hot loop shares its thread.
//!
//! On a tokio current-thread runtime, a hot task runs a loop of a given cost per iteration:
//! plain, under `#[coop_core::cooperative]`, or with tokio's `consume_budget().await` or a
//! `yield_now().await` every 128 iterations written by hand. It runs in calls of about 50 ms
//! with a `yield_now` between calls. Next to it, a ticker task wants to run at every millisecond
//! deadline and records, for each deadline, how late it ran. The spinning ticker reads the clock
//! each time it runs and re-queues itself at once, so it measures how long the hot task keeps the
//! thread, not the 1 ms granularity of tokio's timer; the timer ticker uses
//! `tokio::time::interval`, as a real periodic task would.
//!
//! The bound a yield point promises is `128 x iteration cost` (the budget); the table prints
//! p50, p99 and max of the delays against it. First it measures how often the machine itself
//! stalls a spinning thread (interrupts, VM exits), since those stalls land in every ticker's
//! tail whatever the hot loop does. Criterion does not do distributions, so this binary prints
//! its own tables. Run by `cargo test` (no `--bench` argument), it runs each case
//! for a few milliseconds as a smoke test; nothing asserts a timing.

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use coop_benches::{machine_stalls, percentile};
use coop_test_support::yield_now;

mod loops;
use loops::{bare, cooperative, tokio_consume_budget, yield_now_every_128};

/// How often the ticker wants to run.
const PERIOD: Duration = Duration::from_millis(1);

/// How the ticker waits for its next deadline.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ticker {
    /// Re-queues itself after every look at the clock: it is always ready, so its delay is how
    /// long the hot task keeps the thread, whatever the timer does.
    Spinning,
    /// `tokio::time::interval` (missed ticks fire at once): what a periodic task sees, the timer's
    /// granularity and how often the runtime polls its driver included.
    Timer,
}

/// Runs until `done`, and returns how late it ran for each millisecond deadline.
async fn ticker(kind: Ticker, done: Arc<AtomicBool>) -> Vec<Duration> {
    let mut delays = Vec::with_capacity(4096);
    match kind {
        Ticker::Spinning => {
            let mut deadline = Instant::now() + PERIOD;
            while !done.load(Ordering::Relaxed) {
                let now = Instant::now();
                while deadline <= now {
                    delays.push(now - deadline);
                    deadline += PERIOD;
                }
                // Straight back to the run queue (tokio's `yield_now` waits for the driver).
                yield_now().await;
            }
        }
        Ticker::Timer => {
            let mut interval = tokio::time::interval(PERIOD);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            interval.tick().await; // the first tick is immediate
            while !done.load(Ordering::Relaxed) {
                let deadline = interval.tick().await.into_std();
                delays.push(Instant::now().saturating_duration_since(deadline));
            }
        }
    }
    delays
}

/// The floor of the timer ticker: no hot loop at all, the hot task sleeps for `n` ns.
async fn idle(n: u64, _seed: u64) -> u64 {
    tokio::time::sleep(Duration::from_nanos(n)).await;
    0
}

/// Measures the cost of one iteration of the bare loop, in nanoseconds, on the same runtime.
fn iteration_cost<const STEPS: u32>() -> f64 {
    let n = 20_000_000 / u64::from(STEPS);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime without drivers builds");
    let start = Instant::now();
    black_box(rt.block_on(bare::<STEPS>(black_box(n), black_box(1))));
    start.elapsed().as_secs_f64() * 1e9 / n as f64
}

/// A duration in nanoseconds, printed with a unit that keeps three digits.
fn human(ns: f64) -> String {
    match ns {
        ns if ns < 1e3 => format!("{ns:.1} ns"),
        ns if ns < 1e6 => format!("{:.1} µs", ns / 1e3),
        ns => format!("{:.1} ms", ns / 1e6),
    }
}

/// The delays of the ticker while `hot` runs `calls` calls of `iterations` each.
fn delays<F>(kind: Ticker, calls: u32, iterations: u64, hot: fn(u64, u64) -> F) -> Vec<Duration>
where
    F: Future<Output = u64> + Send + 'static,
{
    let mut builder = tokio::runtime::Builder::new_current_thread();
    if kind == Ticker::Timer {
        builder.enable_time();
    }
    let rt = builder.build().expect("a current-thread runtime builds");
    rt.block_on(async move {
        let done = Arc::new(AtomicBool::new(false));
        let ticker = tokio::spawn(ticker(kind, done.clone()));
        let hot = tokio::spawn(async move {
            for call in 0..calls {
                black_box(hot(black_box(iterations), u64::from(call)).await);
                tokio::task::yield_now().await;
            }
            done.store(true, Ordering::Relaxed);
        });
        hot.await.expect("the hot task does not panic");
        let mut delays = ticker.await.expect("the ticker does not panic");
        delays.sort_unstable();
        delays
    })
}

/// Prints one table row per variant for a loop of `STEPS` steps per iteration.
fn case<const STEPS: u32>(kind: Ticker, label: &str, run_for: Duration) {
    let cost = iteration_cost::<STEPS>();
    // Calls of about 50 ms (shorter when smoke-testing), as many as fill `run_for`.
    let call = run_for.min(Duration::from_millis(50));
    let iterations = (call.as_secs_f64() * 1e9 / cost).max(1.0) as u64;
    let calls = (run_for.as_nanos() / call.as_nanos()).max(1) as u32;
    let tokio = tokio_consume_budget::<STEPS>;
    let variants: [(&str, Vec<Duration>); 4] = [
        ("bare", delays(kind, calls, iterations, bare::<STEPS>)),
        (
            "#[cooperative]",
            delays(kind, calls, iterations, cooperative::<STEPS>),
        ),
        (
            "tokio consume_budget",
            delays(kind, calls, iterations, tokio),
        ),
        (
            "yield_now every 128",
            delays(kind, calls, iterations, yield_now_every_128::<STEPS>),
        ),
    ];
    for (name, delays) in variants {
        row(label, Some(cost), name, &delays);
    }
}

/// Prints one table row: the distribution of `delays` against `128 x cost`.
fn row(label: &str, cost: Option<f64>, name: &str, delays: &[Duration]) {
    let ns = |d: Duration| d.as_secs_f64() * 1e9;
    let p99 = ns(percentile(delays, 99));
    let bound = cost.map(|cost| cost * f64::from(coop_core::DEFAULT_BUDGET));
    println!(
        "| {label} | {cost} | {name} | {bound} | {n} | {p50} | {p99} | {max} | {ratio} |",
        cost = cost.map(human).unwrap_or_default(),
        bound = bound.map(human).unwrap_or_default(),
        n = delays.len(),
        p50 = human(ns(percentile(delays, 50))),
        p99 = human(p99),
        max = human(ns(delays.last().copied().unwrap_or_default())),
        ratio = bound.map(|b| format!("{:.1}", p99 / b)).unwrap_or_default(),
    );
}

/// One table: every work size, under one kind of ticker.
fn table(kind: Ticker, build: &str, run_for: Duration) {
    let name = match kind {
        Ticker::Spinning => "spinning ticker",
        Ticker::Timer => "timer ticker (tokio::time::interval)",
    };
    println!("\nfairness/{build}/{name}: every {PERIOD:?}, hot task for {run_for:?} per row");
    println!(
        "| work | iteration cost | hot loop | bound 128 x cost | samples | p50 | p99 | max | p99 / bound |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    if kind == Ticker::Timer {
        let sleep = u64::try_from(run_for.as_nanos()).expect("run_for fits in u64 ns");
        row(
            "none",
            None,
            "idle (timer floor)",
            &delays(kind, 1, sleep, idle),
        );
    }
    case::<1>(kind, "~1 ns", run_for);
    case::<6>(kind, "~10 ns", run_for);
    case::<60>(kind, "~100 ns", run_for);
    case::<600>(kind, "~1 µs", run_for);
}

/// How often this machine takes the thread away from a spinning loop on its own, and for how
/// long: every gap of more than 2 µs between two clock reads is a stall that lands in every
/// ticker's delays.
fn print_machine_stalls(run_for: Duration) {
    const STALL: Duration = Duration::from_micros(2);
    let stalls = machine_stalls(run_for, STALL);
    let stalled: Duration = stalls.iter().sum();
    println!(
        "\nmachine stalls of a spinning thread over {run_for:?}: {n} gaps > {STALL:?} \
         ({per_ms:.2} per ms), {share:.2} % of the time, p50 {p50}, max {max}",
        n = stalls.len(),
        per_ms = stalls.len() as f64 / (run_for.as_secs_f64() * 1e3),
        share = stalled.as_secs_f64() * 100.0 / run_for.as_secs_f64(),
        p50 = human(percentile(&stalls, 50).as_secs_f64() * 1e9),
        max = human(stalls.last().copied().unwrap_or_default().as_secs_f64() * 1e9),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test` runs this once, briefly.
    let timed = std::env::args().any(|arg| arg == "--bench");
    let run_for = if timed {
        Duration::from_secs(1)
    } else {
        Duration::from_millis(3)
    };
    let build = coop_benches::build_name();
    print_machine_stalls(run_for);
    table(Ticker::Spinning, build, run_for);
    table(Ticker::Timer, build, run_for);
}
