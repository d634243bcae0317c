//! What coop's tests and benchmarks share, written once.
//!
//! - [`poll`]: a fresh thread per count ([`on_fresh_thread`]), polls and yields counted
//!   ([`count_polls`], [`run_counting_yields`]), a yield that spends no budget
//!   ([`yield_now`]), and a context for polling by hand ([`noop_cx`]).
//! - [`race`]: a hot loop beside another task on one thread ([`Race`]), the hot loops with
//!   their unannotated twins, and the other tasks.
//! - [`install_manual_clock`]: a clock for time slices that moves only when a test moves it;
//!   [`sliced_default`] installs it with a process default budget.
//! - [`column_of`]: where a call or loop keyword stands in a test's own source, for sites.
//! - [`cooperative_twins!`]: writes an async fn once and emits it twice, with and without
//!   `#[cooperative]`, so a "plain" twin can never drift from its annotated original.
//! - [`check`]: the checking executor, which checks coop-core's promises after every task poll.
//! - `executor` (feature `executors`): every executor the integration tests run on, one row of
//!   a table each, and [`executor_matrix!`], which runs each scenario on all of them.
//!
//! The counts every test relies on: a yield point spends one unit of a budget of
//! [`DEFAULT_BUDGET`](coop_core::DEFAULT_BUDGET) (128), and `n` units spent one at a time from a
//! full budget force [`forced_yields(n)`](forced_yields) yields (1000 units: 7).

#![forbid(unsafe_code)]

mod cap;
pub mod check;
mod clock;
#[cfg(feature = "executors")]
mod executor;
pub mod poll;
pub mod race;
mod source;
mod twins;

pub use cap::SPIN_CAP;
pub use clock::{
    advance_clock, install_clock_ahead_of_real_time, install_manual_clock, manual_clock_reads,
    manual_now, manual_time, real_time_ahead, sliced_default,
};
#[cfg(feature = "executors")]
pub use executor::{Executor, Task, tokio_bridge_is_on};
pub use poll::{
    CountPolls, CountingWaker, SendTask, YieldNow, count_polls, count_yields_on_fresh_thread,
    noop_cx, on_fresh_thread, poll_on_threads, run_counting_yields, run_with, wait_until,
    with_spent_budget, yield_now,
};
pub use race::{
    FAIR_SPINS, Race, count_ticks_during, count_ticks_during_plain, set_flag_once_hot, spend_units,
    spin_paced_until_flag, spin_paced_until_flag_plain, spin_until_flag, spin_until_flag_plain,
    tick_until_hot_done,
};
pub use source::column_of;

/// Forced yields of `units` units spent one at a time from a full budget of 128 that refills at
/// each forced yield (the ambient budget) or at each poll (a budget scope per poll): the unit
/// that finds the budget spent yields, so `units` yield `(units - 1) / 128` times.
///
/// ```
/// assert_eq!(coop_test_support::forced_yields(1000), 7);
/// assert_eq!(coop_test_support::forced_yields(128), 0);
/// assert_eq!(coop_test_support::forced_yields(129), 1);
/// ```
pub const fn forced_yields(units: u64) -> u64 {
    forced_yields_per(coop_core::DEFAULT_BUDGET as u64, units)
}

/// Forced yields of `units` units spent one at a time when each budget grants `per_budget`
/// of them before it forces a yield (its units, or what fits in its time slice): the unit that
/// finds the budget spent yields and is the first of the next budget.
///
/// ```
/// assert_eq!(coop_test_support::forced_yields_per(10, 100), 9);
/// assert_eq!(coop_test_support::forced_yields_per(10, 101), 10);
/// ```
pub const fn forced_yields_per(per_budget: u64, units: u64) -> u64 {
    if units == 0 {
        0
    } else {
        (units - 1) / per_budget
    }
}
