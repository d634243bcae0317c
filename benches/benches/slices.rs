//! What a time slice buys: how late a task that wants to run every millisecond runs beside a
//! hot `#[cooperative]` loop whose iterations are slow or uneven, with the default budget of 128
//! units alone (count only) and with a 1 ms slice on top (count + slice).
//!
//! On a tokio current-thread runtime, the hot task runs a loop whose iterations busy-wait for a
//! given time (1 µs, 100 µs, 1 ms, 5 ms) or a bursty one (100 ns, and 2 ms once in 500
//! iterations), for about a second per row. Beside it, a spinning ticker reads the clock at
//! each poll and re-queues itself at once, recording for each 1 ms deadline how late it ran:
//! how long the hot task kept the thread. The slice comes from `set_default_budget`, so it
//! applies to the ambient budget (coop's, or with `--features tokio-bridge` tokio's in a task).
//! The target: p99 at most the slice plus one iteration, plus this machine's stalls.
//!
//! Run by `cargo test` (no `--bench` argument), each row runs for a few milliseconds as a smoke
//! test; nothing asserts a timing.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use coop_benches::{machine_stalls, percentile};
use coop_core::{Budget, cooperative, set_default_budget};
use coop_test_support::yield_now;

/// How often the ticker wants to run, and the slice.
const PERIOD: Duration = Duration::from_millis(1);
const SLICE: Duration = Duration::from_millis(1);

/// How long one iteration of the hot loop takes.
#[derive(Clone, Copy)]
enum Work {
    /// Every iteration the same.
    Steady(Duration),
    /// `fast` per iteration, and `slow` once every `every` iterations.
    Bursty {
        fast: Duration,
        slow: Duration,
        every: u64,
    },
}

impl Work {
    fn of(self, i: u64) -> Duration {
        match self {
            Work::Steady(d) => d,
            Work::Bursty { fast, slow, every } => {
                if i % every == every - 1 {
                    slow
                } else {
                    fast
                }
            }
        }
    }

    fn label(self) -> String {
        match self {
            Work::Steady(d) => format!("{d:?}"),
            Work::Bursty { fast, slow, every } => format!("{fast:?}, {slow:?} once in {every}"),
        }
    }
}

/// Busy-waits for `d`: an iteration's work, without sleeping.
fn busy(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// The hot loop: a yield point per iteration, each iteration `work.of(i)` long, until `until`.
#[cooperative]
async fn hot(work: Work, until: Instant) -> u64 {
    let mut i = 0;
    while Instant::now() < until {
        busy(work.of(i));
        i += 1;
    }
    black_box(i)
}

/// Runs until `done`; returns how late it ran for each deadline.
async fn ticker(done: Arc<AtomicBool>) -> Vec<Duration> {
    let mut delays = Vec::with_capacity(4096);
    let mut deadline = Instant::now() + PERIOD;
    while !done.load(Ordering::Relaxed) {
        let now = Instant::now();
        while deadline <= now {
            delays.push(now - deadline);
            deadline += PERIOD;
        }
        yield_now().await;
    }
    delays
}

/// The ticker's delays, sorted, while the hot loop runs `work` for `run_for` under `budget`.
///
/// Each run is on a fresh thread: a thread's ambient budget carries over, and the default only
/// applies from its next fresh budget on, so a thread that ran the previous row would start
/// this one with what was left of that row's budget.
fn delays(work: Work, budget: Budget, run_for: Duration) -> Vec<Duration> {
    set_default_budget(budget);
    let mut delays = std::thread::spawn(move || run(work, run_for))
        .join()
        .expect("the run does not panic");
    set_default_budget(Budget::DEFAULT);
    delays.sort_unstable();
    delays
}

fn run(work: Work, run_for: Duration) -> Vec<Duration> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime builds");
    rt.block_on(async move {
        let done = Arc::new(AtomicBool::new(false));
        let ticker = tokio::spawn(ticker(done.clone()));
        let hot = tokio::spawn(async move {
            hot(work, Instant::now() + run_for).await;
            done.store(true, Ordering::Relaxed);
        });
        hot.await.expect("the hot task does not panic");
        ticker.await.expect("the ticker does not panic")
    })
}

fn human(d: Duration) -> String {
    let ns = d.as_secs_f64() * 1e9;
    match ns {
        ns if ns < 1e3 => format!("{ns:.0} ns"),
        ns if ns < 1e6 => format!("{:.1} µs", ns / 1e3),
        ns => format!("{:.2} ms", ns / 1e6),
    }
}

/// How often this machine takes the thread away from a spinning loop for longer than 100 µs,
/// and the longest time: the noise every row's delays include, whatever the hot loop does.
fn stalls_line(run_for: Duration) -> String {
    const STALL: Duration = Duration::from_micros(100);
    let stalls = machine_stalls(run_for, STALL);
    format!(
        "machine: a spinning thread lost the CPU for > {STALL:?} {} times in {run_for:?}, \
         longest {}",
        stalls.len(),
        human(stalls.last().copied().unwrap_or_default())
    )
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test` runs each row briefly.
    let timed = std::env::args().any(|arg| arg == "--bench");
    let run_for = if timed {
        Duration::from_secs(1)
    } else {
        Duration::from_millis(5)
    };
    let build = coop_benches::build_name();
    let works = [
        Work::Steady(Duration::from_micros(1)),
        Work::Steady(Duration::from_micros(100)),
        Work::Steady(Duration::from_millis(1)),
        Work::Steady(Duration::from_millis(5)),
        Work::Bursty {
            fast: Duration::from_nanos(100),
            slow: Duration::from_millis(2),
            every: 500,
        },
    ];
    println!(
        "\nslices/{build}: a ticker every {PERIOD:?} beside a #[cooperative] loop, {run_for:?} \
         per row; count only (128 units) vs count + slice ({SLICE:?})"
    );
    println!("{}", stalls_line(run_for));
    println!(
        "| iteration | count only p99 | count only worst | count + slice p99 | count + slice worst | slice + one iteration |"
    );
    println!("|---|---|---|---|---|---|");
    for work in works {
        std::io::Write::flush(&mut std::io::stdout()).expect("stdout");
        let count = delays(work, Budget::DEFAULT, run_for);
        let sliced = delays(work, Budget::DEFAULT.slice(SLICE), run_for);
        let longest = match work {
            Work::Steady(d) => d,
            Work::Bursty { slow, .. } => slow,
        };
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            work.label(),
            human(percentile(&count, 99)),
            human(count.last().copied().unwrap_or_default()),
            human(percentile(&sliced, 99)),
            human(sliced.last().copied().unwrap_or_default()),
            human(SLICE + longest),
        );
    }
    println!("{}", stalls_line(run_for));
}
