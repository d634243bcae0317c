//! A hot loop beside another task on one thread, asked by counts and never by clocks whether the
//! other task got to run while the loop ran.
//!
//! - [`Race`]: what the hot loop and the other task share (a flag, a tick count, start and done
//!   markers), behind an `Arc` so it fits `Send` executors and local ones alike.
//! - The hot loops, each generated twice by [`cooperative_twins!`](crate::cooperative_twins):
//!   [`spin_until_flag`] and [`count_ticks_during`] carry `#[cooperative]`, their `*_plain`
//!   twins do not. Every loop is capped ([`SPIN_CAP`]), so a starved test ends instead of
//!   hanging.
//! - The other task: [`set_flag_once_hot`] and [`tick_until_hot_done`].
//!
//! Each spin-wait ends when the other task sets the flag. With the attribute, the hot loop
//! spends one unit per iteration, yields when its budget of 128 units is spent, the other task
//! sets the flag, and the loop ends at iteration 129 ([`FAIR_SPINS`]). Without it, the loop runs
//! until [`SPIN_CAP`]: starved.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use coop_core::DEFAULT_BUDGET;

use crate::cap::SPIN_CAP;
use crate::poll::{wait_until, yield_now};

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

crate::cooperative_twins! {
    /// The hot loop, cooperative: spins until `race`'s flag is set (at most [`SPIN_CAP`] times)
    /// and returns how many iterations it made.
    pub async fn spin_until_flag / spin_until_flag_plain(race: Arc<Race>) -> u64 {
        race.start_hot();
        let mut spins = 0;
        while !race.flag() && spins < SPIN_CAP {
            spins += 1;
            std::hint::spin_loop();
        }
        race.finish_hot();
        spins
    }
}

crate::cooperative_twins! {
    /// The hot loop, cooperative, with iterations that take time: spins until `race`'s flag is
    /// set (at most [`SPIN_CAP`] times), moving this thread's manual clock
    /// ([`advance_clock`](crate::advance_clock)) by `pace` per iteration; returns how many
    /// iterations it made.
    pub async fn spin_paced_until_flag / spin_paced_until_flag_plain(race: Arc<Race>, pace: std::time::Duration) -> u64 {
        race.start_hot();
        let mut spins = 0;
        while !race.flag() && spins < SPIN_CAP {
            spins += 1;
            crate::advance_clock(pace);
        }
        race.finish_hot();
        spins
    }
}

crate::cooperative_twins! {
    /// The hot loop, cooperative: `iterations` iterations of busy work; returns how often the
    /// ticker ran meanwhile.
    pub async fn count_ticks_during / count_ticks_during_plain(race: Arc<Race>, iterations: u64) -> u64 {
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
}

/// Spends `units` units, one `coop_core::consume_budget().await` each: yields wherever the
/// budget runs out.
pub async fn spend_units(units: u64) {
    for _ in 0..units {
        coop_core::consume_budget().await;
    }
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
