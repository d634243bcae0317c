//! A manual clock for time slices: one reading per thread, moved only by hand, so that a test
//! counts what a slice does without ever reading real time.
//!
//! Install it first thing in every test of a binary that uses it ([`install_manual_clock`]):
//! coop keeps the first clock installed for the whole process. A thread's reading starts at
//! zero, so a thread that never calls [`advance_clock`] never sees a slice end, and budgets
//! with a slice count there exactly as without one.

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

thread_local! {
    static NOW: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    static READS: Cell<u64> = const { Cell::new(0) };
}

/// Installs [`manual_now`] as coop's clock for this process (a no-op once installed).
///
/// ```
/// coop_test_support::install_manual_clock();
/// coop_test_support::advance_clock(std::time::Duration::from_nanos(5));
/// assert_eq!(coop_test_support::manual_now(), std::time::Duration::from_nanos(5));
/// ```
pub fn install_manual_clock() {
    // `Err` when it is installed already (by an earlier test of the same binary).
    let _ = coop_core::set_clock(manual_now);
}

/// Installs [`real_time_ahead`] as coop's clock for this process (a no-op once installed): for a
/// binary whose tests need real time slices and also a loop that runs slow by coop's clock.
///
/// ```
/// use std::time::Duration;
///
/// coop_test_support::install_clock_ahead_of_real_time();
/// let before = coop_test_support::real_time_ahead();
/// coop_test_support::advance_clock(Duration::from_secs(60));
/// assert!(coop_test_support::real_time_ahead() >= before + Duration::from_secs(60));
/// ```
pub fn install_clock_ahead_of_real_time() {
    // `Err` when it is installed already (by an earlier test of the same binary).
    let _ = coop_core::set_clock(real_time_ahead);
}

/// Real time since the process first read this clock, plus this thread's manual reading (what
/// [`advance_clock`] moved it by).
pub fn real_time_ahead() -> Duration {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed() + NOW.with(Cell::get)
}

/// This thread's manual reading; each call counts as a read ([`manual_clock_reads`]).
pub fn manual_now() -> Duration {
    READS.with(|reads| reads.set(reads.get() + 1));
    NOW.with(Cell::get)
}

/// This thread's manual reading, without counting as a read: for a test's own timestamps.
///
/// ```
/// let before = coop_test_support::manual_clock_reads();
/// let _ = coop_test_support::manual_time();
/// assert_eq!(coop_test_support::manual_clock_reads(), before);
/// ```
pub fn manual_time() -> Duration {
    NOW.with(Cell::get)
}

/// How many times this thread read the manual clock: what a check of a time slice costs.
///
/// ```
/// let before = coop_test_support::manual_clock_reads();
/// let _ = coop_test_support::manual_now();
/// assert_eq!(coop_test_support::manual_clock_reads(), before + 1);
/// ```
pub fn manual_clock_reads() -> u64 {
    READS.with(Cell::get)
}

/// Moves this thread's manual reading forward by `by`.
pub fn advance_clock(by: Duration) {
    NOW.with(|now| now.set(now.get() + by));
}

/// Installs the manual clock and makes `budget` the process default: what a test binary whose
/// tests count time slices calls first thing in every test (the default is process-wide, so
/// every test of the binary sets the same one).
///
/// ```
/// use std::time::Duration;
/// use coop_core::Budget;
///
/// let budget = Budget::units(64).slice(Duration::from_micros(1));
/// coop_test_support::sliced_default(budget);
/// assert_eq!(coop_core::default_budget(), budget);
/// ```
pub fn sliced_default(budget: coop_core::Budget) {
    install_manual_clock();
    coop_core::set_default_budget(budget);
}
