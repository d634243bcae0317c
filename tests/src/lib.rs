//! Shared helpers of the fairness tests and the starvation demo.
//!
//! A fairness test runs a hot loop beside another task on one thread and asks, by counts and
//! never by clocks, whether the other task got to run while the loop ran. The pieces:
//!
//! - [`Race`]: what the hot loop and the other task share (a flag, a tick count, start and done
//!   markers), behind an `Arc` so it fits `Send` executors and local ones alike.
//! - The hot loops, each twice: [`spin_until_flag`] and [`count_ticks_during`] carry
//!   `#[cooperative]`, their `*_plain` twins are the same code without it. Every loop is capped
//!   ([`SPIN_CAP`]), so a starved test ends instead of hanging.
//! - The other task: [`set_flag_once_hot`] and [`tick_until_hot_done`].
//! - [`yield_now`], [`wait_until`], [`count_polls`] and [`on_fresh_thread`] to drive and
//!   measure them.
//!
//! Each spin-wait below ends when the other task sets the flag. With the attribute, the hot loop
//! spends one unit per iteration, yields when its budget of [`DEFAULT_BUDGET`] units is spent,
//! the other task sets the flag, and the loop ends at iteration `DEFAULT_BUDGET + 1`. Without
//! it, the loop runs until [`SPIN_CAP`]: starved.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use coop_core::{DEFAULT_BUDGET, cooperative};

/// Iterations after which a hot spin-wait gives up: a loop that reaches it never saw the other
/// task run. Big enough that a fair loop never gets near it, small enough to cost microseconds.
pub const SPIN_CAP: u64 = 100_000;

/// Where a cooperative spin-wait ends when the other task runs at its first forced yield: one
/// full budget of iterations, then the iteration that yielded.
pub const FAIR_SPINS: u64 = DEFAULT_BUDGET as u64 + 1;

/// What a hot loop and the task beside it share.
#[derive(Debug, Default)]
pub struct Race {
    hot_started: AtomicBool,
    hot_done: AtomicBool,
    flag: AtomicBool,
    ticks: AtomicU64,
}

impl Race {
    /// A fresh race, nothing started, nothing set.
    pub fn new() -> Arc<Race> {
        Arc::default()
    }

    /// Whether the hot loop has begun.
    pub fn hot_started(&self) -> bool {
        self.hot_started.load(Ordering::SeqCst)
    }

    /// Whether the hot loop has ended.
    pub fn hot_done(&self) -> bool {
        self.hot_done.load(Ordering::SeqCst)
    }

    /// Whether the other task has set the flag.
    pub fn flag(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// How many times the ticker has run.
    pub fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::SeqCst)
    }

    /// Marks the hot loop as begun: the other task waits for this before it acts, so it cannot
    /// win by running first.
    pub fn start_hot(&self) {
        self.hot_started.store(true, Ordering::SeqCst);
    }

    /// Marks the hot loop as ended, which stops the ticker.
    pub fn finish_hot(&self) {
        self.hot_done.store(true, Ordering::SeqCst);
    }

    /// Sets the flag a spin-wait is waiting for.
    pub fn set_flag(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }
}

/// The hot loop, cooperative: spins until `race`'s flag is set (at most [`SPIN_CAP`] times) and
/// returns how many iterations it made.
#[cooperative]
pub async fn spin_until_flag(race: Arc<Race>) -> u64 {
    race.start_hot();
    let mut spins = 0;
    while !race.flag() && spins < SPIN_CAP {
        spins += 1;
        std::hint::spin_loop();
    }
    race.finish_hot();
    spins
}

/// [`spin_until_flag`] without `#[cooperative]`: never yields, so on one thread it returns
/// [`SPIN_CAP`].
pub async fn spin_until_flag_plain(race: Arc<Race>) -> u64 {
    race.start_hot();
    let mut spins = 0;
    while !race.flag() && spins < SPIN_CAP {
        spins += 1;
        std::hint::spin_loop();
    }
    race.finish_hot();
    spins
}

/// The hot loop, cooperative: `iterations` iterations of busy work; returns how often the
/// ticker ran meanwhile.
#[cooperative]
pub async fn count_ticks_during(race: Arc<Race>, iterations: u64) -> u64 {
    race.start_hot();
    let first = race.ticks();
    let mut acc = 0u64;
    for i in 0..iterations {
        acc = std::hint::black_box(acc.wrapping_mul(31).wrapping_add(i));
    }
    let seen = race.ticks() - first;
    race.finish_hot();
    seen
}

/// [`count_ticks_during`] without `#[cooperative]`: the ticker never runs meanwhile.
pub async fn count_ticks_during_plain(race: Arc<Race>, iterations: u64) -> u64 {
    race.start_hot();
    let first = race.ticks();
    let mut acc = 0u64;
    for i in 0..iterations {
        acc = std::hint::black_box(acc.wrapping_mul(31).wrapping_add(i));
    }
    let seen = race.ticks() - first;
    race.finish_hot();
    seen
}

/// The other task of a spin-wait: waits (yielding) until the hot loop has begun, then sets the
/// flag. Spends no budget.
pub async fn set_flag_once_hot(race: Arc<Race>) {
    wait_until(|| race.hot_started()).await;
    race.set_flag();
}

/// The other task of a ticker test: ticks once per poll, yielding in between, until the hot
/// loop has ended (or [`SPIN_CAP`] ticks). Returns its tick count. Spends no budget.
pub async fn tick_until_hot_done(race: Arc<Race>) -> u64 {
    while !race.hot_done() && race.ticks() < SPIN_CAP {
        race.ticks.fetch_add(1, Ordering::SeqCst);
        yield_now().await;
    }
    race.ticks()
}

/// Yields to the executor once: wakes the task and returns `Pending`, then completes.
///
/// Hand-written rather than `tokio::task::yield_now`, which defers its wake-up until tokio's
/// scheduler has nothing else to run: this one puts the task straight back in the run queue on
/// every executor, so two always-ready tasks alternate one for one. It spends no budget.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Yields until `done()` holds, checking once per poll; gives up after [`SPIN_CAP`] polls so a
/// broken test cannot hang. Spends no budget.
pub async fn wait_until(mut done: impl FnMut() -> bool) {
    let mut polls = 0;
    while !done() && polls < SPIN_CAP {
        polls += 1;
        yield_now().await;
    }
}

/// Counts the polls of `fut`: it resolves to `fut`'s output and the number of polls it took, so
/// `polls - 1` is how often it yielded.
pub fn count_polls<F: Future>(fut: F) -> CountPolls<F> {
    CountPolls {
        inner: Box::pin(fut),
        polls: 0,
    }
}

/// The future returned by [`count_polls`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct CountPolls<F> {
    inner: Pin<Box<F>>,
    polls: u64,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = (F::Output, u64);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls += 1;
        let polls = self.polls;
        self.inner.as_mut().poll(cx).map(|out| (out, polls))
    }
}

/// Runs `f` on a new thread and returns its result.
///
/// A thread's ambient budget carries over between everything that runs on it, so exact counts
/// need a thread whose budget starts full: every test builds its executor in here.
pub fn on_fresh_thread<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|scope| {
        scope
            .spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}
