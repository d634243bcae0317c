//! The starvation demo: a hot async loop beside a task that wants to run every millisecond, on
//! tokio's current-thread runtime, smol's `LocalExecutor` and futures' `LocalPool`, once plain
//! and once `#[cooperative]`.
//!
//! ```text
//! cargo run --release --example starvation
//! cargo run --release --example starvation --features tokio-bridge   # coop-core's `tokio` on
//! ```
//!
//! The hot loop hashes a 1 KiB buffer per iteration for about 300 ms. The ticker asks to run at
//! every millisecond from the moment the loop starts, and records how late it ran for each
//! deadline, in two ways:
//!
//! - **spinning**: it reads the clock and yields at once (no timer), so its delay is exactly how
//!   long the hot loop keeps the thread;
//! - **timer**: it sleeps on the executor's own timer until the next deadline (tokio's
//!   `sleep_until`, smol's `Timer::at`, `futures-timer`'s `Delay` for `LocalPool`), as a real
//!   periodic task does: the timer's granularity and how often the executor looks at its timers
//!   count too.
//!
//! A second table runs a loop of uneven iterations (one in 16 hashes 256 KiB, the others 1 KiB)
//! beside the spinning ticker, `#[cooperative]` with the default budget of 128 units alone and
//! with a 1 ms time slice on top (`set_default_budget(Budget::DEFAULT.slice(1 ms))`): a count
//! bounds iterations, not time, and 128 uneven iterations can take several milliseconds.
//!
//! It ends with `coop_core::report`: the yield points that forced yields, most first.
//!
//! # What it prints
//!
//! On a quiet 2-core VM (AMD EPYC, rustc 1.95), `cargo run --release --example starvation`
//! prints the tables below; on a busy machine every delay also holds the OS preempting the thread:
//!
//! ```text
//! A hot loop hashes 1 KiB per iteration (1.0 µs), 294117 iterations (~300 ms), beside a ticker
//! that wants to run every 1 ms, on one thread. A budget of 128 iterations is ~0.13 ms.
//! Delay: how late the ticker ran after each deadline, p99 / worst. The tokio bridge is off.
//!
//!                                spinning ticker        executor's timer    hot loop
//! tokio current-thread
//!   plain                    281.5 ms / 283.5 ms     281.9 ms / 283.9 ms    284.5 ms
//!   #[cooperative]             0.12 ms / 0.12 ms       7.40 ms / 7.44 ms    285.7 ms
//! smol LocalExecutor
//!   plain                    281.3 ms / 283.3 ms     281.6 ms / 283.6 ms    284.3 ms
//!   #[cooperative]             0.12 ms / 0.12 ms       1.70 ms / 2.70 ms    285.9 ms
//! futures LocalPool
//!   plain                    283.1 ms / 285.1 ms     281.3 ms / 283.3 ms    286.1 ms
//!   #[cooperative]             0.12 ms / 0.12 ms       0.18 ms / 0.18 ms    285.8 ms
//! ```
//!
//! Plain, the ticker waits for the whole loop. `#[cooperative]`, a ticker that polls the clock
//! waits one budget (0.12 ms), and the hot loop's own time barely moves. A ticker that sleeps on
//! the executor's timer sees that timer's granularity too: `futures-timer` (its own thread) 0.18 ms,
//! smol's `Timer` 0.13–1.7 ms over runs, tokio's `sleep_until` 7.4 ms, because without coop-core's
//! `tokio` feature a forced yield puts the task straight back in tokio's queue and tokio looks at
//! its timers only every 61 tasks: 61 budgets. With the feature (`cargo run --release --example
//! starvation --features tokio-bridge`) the same row reads 1.12 / 1.48 ms, tokio's 1 ms timer
//! granularity. On a busy machine the worst case also includes the OS preempting the thread.
//!
//! The demo then runs a loop of uneven iterations (one in 16 hashes 256 KiB) beside the spinning
//! ticker, with the default budget alone and with a 1 ms time slice, and ends with
//! `coop_core::report(5)`:
//!
//! ```text
//! Uneven iterations: one in 16 hashes 256 KiB (~0.26 ms), the others 1 KiB, 17472 iterations (~300 ms).
//! A budget of 128 iterations is ~2.20 ms; the slice is 1 ms. Spinning ticker, p99 / worst.
//!
//!                         count only (128 units)    count + slice (1 ms)
//! tokio current-thread         2.14 ms / 2.15 ms       1.25 ms / 1.31 ms
//! smol LocalExecutor           2.13 ms / 2.15 ms       1.11 ms / 1.28 ms
//! futures LocalPool            2.13 ms / 2.13 ms       1.07 ms / 1.27 ms
//!
//! Which loops yielded, from coop_core::report(5):
//!
//! forced yields  by time slice  longest slice  yield point
//!         13878              0              -  examples/examples/starvation.rs:108:5 in starvation::hash_cooperative
//!          1214            806         1.37ms  examples/examples/starvation.rs:135:5 in starvation::hash_uneven
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use coop_core::{Budget, cooperative, set_default_budget};
use futures::task::LocalSpawnExt;
use smol::future::yield_now;

/// How often the ticker wants to run.
const TICK: Duration = Duration::from_millis(1);
/// How long the hot loop should run; the iteration count is calibrated to it.
const HOT_TARGET: Duration = Duration::from_millis(300);

/// FNV-1a over `buf`, seeded so every iteration's work is distinct: about 1 µs per KiB.
fn fnv1a(buf: &[u8], seed: u64) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325 ^ seed;
    for &byte in buf {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The hot loop with `#[cooperative]`: a yield point at the head of each iteration.
#[cooperative]
async fn hash_cooperative(buf: Arc<[u8]>, iterations: u64, run: Arc<Run>) -> u64 {
    run.start();
    let mut hash = 0;
    for i in 0..iterations {
        hash ^= fnv1a(&buf, i);
    }
    run.end();
    hash
}

/// The same loop, plain.
async fn hash_plain(buf: Arc<[u8]>, iterations: u64, run: Arc<Run>) -> u64 {
    run.start();
    let mut hash = 0;
    for i in 0..iterations {
        hash ^= fnv1a(&buf, i);
    }
    run.end();
    hash
}

/// How many iterations of [`hash_uneven`] in a row hash the small buffer before one hashes the
/// big one.
const UNEVEN_EVERY: u64 = 16;

/// A hot loop of uneven iterations: one in [`UNEVEN_EVERY`] hashes `big`, the others `small`.
#[cooperative]
async fn hash_uneven(small: Arc<[u8]>, big: Arc<[u8]>, iterations: u64, run: Arc<Run>) -> u64 {
    run.start();
    let mut hash = 0;
    for i in 0..iterations {
        let buf = if i % UNEVEN_EVERY == 0 { &big } else { &small };
        hash ^= fnv1a(buf, i);
    }
    run.end();
    hash
}

/// When the hot loop started and ended, for the ticker.
#[derive(Default)]
struct Run {
    started: OnceLock<Instant>,
    ended: OnceLock<Instant>,
}

impl Run {
    fn start(&self) {
        let _ = self.started.set(Instant::now());
    }

    fn end(&self) {
        let _ = self.ended.set(Instant::now());
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Executor {
    Tokio,
    Smol,
    LocalPool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ticker {
    Spinning,
    Timer,
}

type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl Executor {
    fn label(self) -> &'static str {
        match self {
            Executor::Tokio => "tokio current-thread",
            Executor::Smol => "smol LocalExecutor",
            Executor::LocalPool => "futures LocalPool",
        }
    }

    /// A future that completes at `deadline`, on this executor's own timer.
    fn sleep_until(self, deadline: Instant) -> Boxed<()> {
        match self {
            Executor::Tokio => Box::pin(tokio::time::sleep_until(deadline.into())),
            Executor::Smol => Box::pin(async move {
                smol::Timer::at(deadline).await;
            }),
            Executor::LocalPool => Box::pin(futures_timer::Delay::new(
                deadline.saturating_duration_since(Instant::now()),
            )),
        }
    }

    /// Spawns the ticker, then the hot loop, and runs both to the end on this thread.
    fn run(self, ticker: Boxed<Vec<Duration>>, hot: Boxed<u64>) -> Vec<Duration> {
        match self {
            Executor::Tokio => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let ticker = tokio::spawn(ticker);
                    std::hint::black_box(tokio::spawn(hot).await.unwrap());
                    ticker.await.unwrap()
                })
            }
            Executor::Smol => {
                let ex = smol::LocalExecutor::new();
                let ticker = ex.spawn(ticker);
                let hot = ex.spawn(hot);
                smol::block_on(ex.run(async {
                    std::hint::black_box(hot.await);
                    ticker.await
                }))
            }
            Executor::LocalPool => {
                let mut pool = futures::executor::LocalPool::new();
                let spawner = pool.spawner();
                let ticker = spawner.spawn_local_with_handle(ticker).unwrap();
                let hot = spawner.spawn_local_with_handle(hot).unwrap();
                pool.run_until(async {
                    std::hint::black_box(hot.await);
                    ticker.await
                })
            }
        }
    }
}

/// The task that wants to run every [`TICK`] while the hot loop runs; returns, for each
/// deadline, how late it ran.
async fn ticker(run: Arc<Run>, kind: Ticker, executor: Executor) -> Vec<Duration> {
    let start = loop {
        match run.started.get().copied() {
            Some(start) => break start,
            None => yield_now().await,
        }
    };
    let mut next = start + TICK;
    let mut delays = Vec::new();
    loop {
        let now = Instant::now();
        let ended = run.ended.get().copied();
        while next <= ended.map_or(now, |end| end.min(now)) {
            delays.push(now - next);
            next += TICK;
        }
        if ended.is_some() {
            return delays;
        }
        match kind {
            Ticker::Spinning => yield_now().await,
            Ticker::Timer => executor.sleep_until(next).await,
        }
    }
}

/// The ticker's p99 and worst delay, and the hot loop's total time.
fn measure(
    executor: Executor,
    kind: Ticker,
    cooperative: bool,
    buf: &Arc<[u8]>,
    iterations: u64,
) -> (Duration, Duration, Duration) {
    let run = Arc::new(Run::default());
    let hot: Boxed<u64> = if cooperative {
        Box::pin(hash_cooperative(buf.clone(), iterations, run.clone()))
    } else {
        Box::pin(hash_plain(buf.clone(), iterations, run.clone()))
    };
    measure_hot(executor, kind, hot, run)
}

/// The ticker's p99 and worst delay beside `hot`, and `hot`'s total time, on a fresh thread:
/// its ambient budget starts from the default budget of the moment.
fn measure_hot(
    executor: Executor,
    kind: Ticker,
    hot: Boxed<u64>,
    run: Arc<Run>,
) -> (Duration, Duration, Duration) {
    let ticker: Boxed<Vec<Duration>> = Box::pin(ticker(run.clone(), kind, executor));
    let mut delays = std::thread::scope(|s| s.spawn(|| executor.run(ticker, hot)).join())
        .expect("the executor does not panic");
    delays.sort();
    let p99 = delays
        .get(delays.len() * 99 / 100)
        .copied()
        .unwrap_or_default();
    let worst = delays.last().copied().unwrap_or_default();
    let hot_total = *run.ended.get().unwrap() - *run.started.get().unwrap();
    (p99, worst, hot_total)
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn main() {
    let buf: Arc<[u8]> = (0..1024).map(|i| (i * 31 % 251) as u8).collect();
    // Calibrate: how many iterations take HOT_TARGET on this machine.
    let calibration = Instant::now();
    let mut probe = 0u64;
    while calibration.elapsed() < HOT_TARGET / 3 {
        std::hint::black_box(fnv1a(&buf, probe));
        probe += 1;
    }
    let per_iteration = calibration.elapsed() / u32::try_from(probe).unwrap_or(u32::MAX);
    let iterations = (HOT_TARGET.as_nanos() / per_iteration.as_nanos().max(1)) as u64;
    let budget = u32::from(coop_core::DEFAULT_BUDGET);
    println!(
        "A hot loop hashes 1 KiB per iteration ({:.1} µs), {iterations} iterations (~{} ms), \
         beside a ticker\nthat wants to run every {} ms, on one thread. A budget of {budget} \
         iterations is ~{}.\nDelay: how late the ticker ran after each deadline, p99 / worst. \
         The tokio bridge is {}.\n",
        per_iteration.as_secs_f64() * 1e6,
        HOT_TARGET.as_millis(),
        TICK.as_millis(),
        ms(per_iteration * budget),
        if cfg!(feature = "tokio-bridge") {
            "on"
        } else {
            "off"
        },
    );
    println!(
        "{:<22}{:>24}{:>24}{:>12}",
        "", "spinning ticker", "executor's timer", "hot loop"
    );
    for executor in [Executor::Tokio, Executor::Smol, Executor::LocalPool] {
        println!("{}", executor.label());
        for (cooperative, label) in [(false, "plain"), (true, "#[cooperative]")] {
            let (spin_p99, spin_worst, total) =
                measure(executor, Ticker::Spinning, cooperative, &buf, iterations);
            let (timer_p99, timer_worst, _) =
                measure(executor, Ticker::Timer, cooperative, &buf, iterations);
            println!(
                "  {label:<20}{:>24}{:>24}{:>12}",
                format!("{} / {}", ms(spin_p99), ms(spin_worst)),
                format!("{} / {}", ms(timer_p99), ms(timer_worst)),
                ms(total),
            );
        }
    }

    uneven(&buf, per_iteration);
    println!("\nWhich loops yielded, from coop_core::report(5):\n");
    print!("{}", coop_core::report(5));
}

/// The second table: a loop of uneven iterations, count only and count + slice.
fn uneven(small: &Arc<[u8]>, per_small: Duration) {
    let big: Arc<[u8]> = (0..256 * 1024).map(|i| (i * 31 % 251) as u8).collect();
    let per_big = per_small * 256;
    let per_round = per_small * (UNEVEN_EVERY as u32 - 1) + per_big;
    let iterations = UNEVEN_EVERY * (HOT_TARGET.as_nanos() / per_round.as_nanos().max(1)) as u64;
    let slice = Duration::from_millis(1);
    let budget = u64::from(coop_core::DEFAULT_BUDGET);
    println!(
        "\nUneven iterations: one in {UNEVEN_EVERY} hashes 256 KiB (~{}), the others 1 KiB, \
         {iterations} iterations (~{} ms).\nA budget of {budget} iterations is ~{}; the slice is \
         {} ms. Spinning ticker, p99 / worst.\n",
        ms(per_big),
        HOT_TARGET.as_millis(),
        ms(per_round * (budget / UNEVEN_EVERY) as u32),
        slice.as_millis(),
    );
    println!(
        "{:<22}{:>24}{:>24}",
        "", "count only (128 units)", "count + slice (1 ms)"
    );
    for executor in [Executor::Tokio, Executor::Smol, Executor::LocalPool] {
        let mut cells = Vec::new();
        for default in [Budget::DEFAULT, Budget::DEFAULT.slice(slice)] {
            set_default_budget(default);
            let run = Arc::new(Run::default());
            let hot = Box::pin(hash_uneven(
                small.clone(),
                big.clone(),
                iterations,
                run.clone(),
            ));
            let (p99, worst, _) = measure_hot(executor, Ticker::Spinning, hot, run);
            cells.push(format!("{} / {}", ms(p99), ms(worst)));
        }
        set_default_budget(Budget::DEFAULT);
        println!("{:<22}{:>24}{:>24}", executor.label(), cells[0], cells[1]);
    }
}
