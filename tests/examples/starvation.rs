//! The starvation demo: a hot async loop beside a task that wants to run every millisecond, on
//! tokio's current-thread runtime, smol's `LocalExecutor` and futures' `LocalPool`, once plain
//! and once `#[cooperative]`.
//!
//! ```text
//! cargo run --release -p coop-tests --example starvation
//! ```
//!
//! The hot loop hashes a 1 KiB buffer per iteration (FNV-1a, std only) for about 300 ms; the
//! ticker asks to run at every millisecond from the moment the loop starts. A tick's delay is
//! how late the ticker got to run after its deadline: plain, the ticker waits for the whole
//! loop; `#[cooperative]`, it waits at most for one budget of 128 iterations. The ticker polls
//! the clock and yields (no timer), so the delays measure scheduling alone, not timer precision.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use coop_core::cooperative;
use coop_test_support::yield_now;
use futures::task::LocalSpawnExt;

/// How often the ticker wants to run.
const TICK: Duration = Duration::from_millis(1);
/// How long the hot loop should run; the iteration count is calibrated to it.
const HOT_TARGET: Duration = Duration::from_millis(300);
/// Bytes hashed per iteration.
const CHUNK: usize = 1024;

/// FNV-1a over `buf`, seeded so every iteration's work is distinct.
fn fnv1a(buf: &[u8], seed: u64) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325 ^ seed;
    for &byte in buf {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// What the hot loop tells the ticker: when it started and when it ended.
#[derive(Default)]
struct Run {
    started: Mutex<Option<Instant>>,
    ended: Mutex<Option<Instant>>,
}

impl Run {
    fn started(&self) -> Option<Instant> {
        *self.started.lock().unwrap()
    }

    fn ended(&self) -> Option<Instant> {
        *self.ended.lock().unwrap()
    }

    fn hot_total(&self) -> Duration {
        self.ended().unwrap() - self.started().unwrap()
    }
}

/// The hot loop, with `#[cooperative]`: a yield point at the head of each iteration.
#[cooperative]
async fn hash_cooperative(buf: Arc<Vec<u8>>, iterations: u64, run: Arc<Run>) -> u64 {
    *run.started.lock().unwrap() = Some(Instant::now());
    let mut hash = 0;
    for i in 0..iterations {
        hash ^= fnv1a(&buf, i);
    }
    *run.ended.lock().unwrap() = Some(Instant::now());
    hash
}

/// The same loop, plain.
async fn hash_plain(buf: Arc<Vec<u8>>, iterations: u64, run: Arc<Run>) -> u64 {
    *run.started.lock().unwrap() = Some(Instant::now());
    let mut hash = 0;
    for i in 0..iterations {
        hash ^= fnv1a(&buf, i);
    }
    *run.ended.lock().unwrap() = Some(Instant::now());
    hash
}

/// The task that wants to run every [`TICK`] while the hot loop runs; returns each deadline's
/// delay.
async fn ticker(run: Arc<Run>) -> Vec<Duration> {
    let start = loop {
        match run.started() {
            Some(start) => break start,
            None => yield_now().await,
        }
    };
    let mut next = start + TICK;
    let mut delays = Vec::new();
    loop {
        let now = Instant::now();
        let ended = run.ended();
        let horizon = ended.map_or(now, |end| end.min(now));
        while next <= horizon {
            delays.push(now - next);
            next += TICK;
        }
        if ended.is_some() {
            return delays;
        }
        yield_now().await;
    }
}

#[derive(Clone, Copy)]
enum Mode {
    Plain,
    Cooperative,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::Plain => "plain",
            Mode::Cooperative => "#[cooperative]",
        }
    }
}

type HotFuture = Pin<Box<dyn Future<Output = u64> + Send>>;
type TickerFuture = Pin<Box<dyn Future<Output = Vec<Duration>> + Send>>;

/// The two tasks of one run: the ticker, then the hot loop.
fn tasks(mode: Mode, buf: &Arc<Vec<u8>>, iterations: u64) -> (Arc<Run>, TickerFuture, HotFuture) {
    let run = Arc::new(Run::default());
    let ticker = Box::pin(ticker(run.clone()));
    let hot: HotFuture = match mode {
        Mode::Plain => Box::pin(hash_plain(buf.clone(), iterations, run.clone())),
        Mode::Cooperative => Box::pin(hash_cooperative(buf.clone(), iterations, run.clone())),
    };
    (run, ticker, hot)
}

#[derive(Clone, Copy)]
enum Executor {
    Tokio,
    Smol,
    LocalPool,
}

impl Executor {
    fn label(self) -> &'static str {
        match self {
            Executor::Tokio => "tokio current-thread",
            Executor::Smol => "smol LocalExecutor",
            Executor::LocalPool => "futures LocalPool",
        }
    }

    /// Spawns the ticker, then the hot loop, and runs both to the end on one thread.
    fn run(self, ticker: TickerFuture, hot: HotFuture) -> Vec<Duration> {
        match self {
            Executor::Tokio => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let ticker = tokio::spawn(ticker);
                    let hot = tokio::spawn(hot);
                    std::hint::black_box(hot.await.unwrap());
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

/// What one run measured.
struct Report {
    worst: Duration,
    p99: Duration,
    median: Duration,
    hot_total: Duration,
}

fn measure(executor: Executor, mode: Mode, buf: &Arc<Vec<u8>>, iterations: u64) -> Report {
    let (run, ticker, hot) = tasks(mode, buf, iterations);
    let mut delays = executor.run(ticker, hot);
    delays.sort();
    let percentile = |p: usize| {
        delays
            .len()
            .checked_sub(1)
            .map_or(Duration::ZERO, |last| delays[last * p / 100])
    };
    Report {
        worst: percentile(100),
        p99: percentile(99),
        median: percentile(50),
        hot_total: run.hot_total(),
    }
}

/// How many iterations take about [`HOT_TARGET`] on this machine.
fn calibrate(buf: &[u8]) -> (u64, Duration) {
    let start = Instant::now();
    let mut iterations = 0u64;
    while start.elapsed() < HOT_TARGET / 3 {
        std::hint::black_box(fnv1a(buf, iterations));
        iterations += 1;
    }
    let per_iteration = start.elapsed() / iterations.try_into().unwrap_or(u32::MAX);
    let target = HOT_TARGET.as_nanos() / per_iteration.as_nanos().max(1);
    (u64::try_from(target).unwrap_or(u64::MAX), per_iteration)
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
    let buf: Arc<Vec<u8>> = Arc::new((0..CHUNK).map(|i| (i * 31 % 251) as u8).collect());
    let (iterations, per_iteration) = calibrate(&buf);
    println!(
        "A hot loop hashes {} KiB per iteration, {iterations} iterations (~{} ms), beside a \
         ticker\nthat wants to run every {} ms, all on one thread. Delay: how late the ticker \
         ran.\nOne iteration takes {:.1} µs, so a budget of {} iterations is ~{}.\n",
        CHUNK / 1024,
        HOT_TARGET.as_millis(),
        TICK.as_millis(),
        per_iteration.as_secs_f64() * 1e6,
        coop_core::DEFAULT_BUDGET,
        ms(per_iteration * u32::from(coop_core::DEFAULT_BUDGET)),
    );
    let wall = Instant::now();
    for executor in [Executor::Tokio, Executor::Smol, Executor::LocalPool] {
        let mut rows = Vec::new();
        for mode in [Mode::Plain, Mode::Cooperative] {
            eprintln!("  running {} / {} ...", executor.label(), mode.label());
            rows.push((mode, measure(executor, mode, &buf, iterations)));
        }
        println!(
            "{:<22}{:>14}{:>12}{:>12}{:>16}",
            executor.label(),
            "ticker worst",
            "p99",
            "median",
            "hot loop total"
        );
        for (mode, report) in rows {
            println!(
                "  {:<20}{:>14}{:>12}{:>12}{:>16}",
                mode.label(),
                ms(report.worst),
                ms(report.p99),
                ms(report.median),
                ms(report.hot_total)
            );
        }
        println!();
    }
    println!(
        "The hot loop's total barely moves; the ticker's delay drops from the whole loop to about \
         one budget\n(plus whatever the OS takes: on a busy machine, a preemption of a few ms)."
    );
    eprintln!("  done in {:.1} s", wall.elapsed().as_secs_f64());
}
