//! The clock time slices are measured with: the CPU's time-stamp counter (feature `quanta`) or
//! `std::time::Instant`, unless another is installed (without `std`, none until one is
//! installed).
//!
//! Only the slow path of a yield point reads it, once per check interval, so its cost is paid
//! once every few units at most, and never by a budget without a time slice.

use core::time::Duration;

use crate::platform::{Once, default_clock, default_clock_if_read};

/// The installed clock, if any, and what its readings add to go on from the default clock's
/// time (see [`set_clock`]); the platform's otherwise.
static CLOCK: Once<(fn() -> Duration, u64)> = Once::new();

/// Installs the clock that time slices are measured with, process-wide: a function returning
/// the time elapsed since any fixed point of its choosing, never going backwards on a thread.
///
/// The default reads the CPU's time-stamp counter through `quanta` (feature `quanta`, on by
/// default), once a thread that the first reading starts has calibrated it, and
/// `std::time::Instant` until then and without the feature. Install another to measure with
/// a clock of your own, to run on a target where `Instant` is not available, or to drive time
/// slices by hand in tests; then nothing is calibrated. Only the first clock installed counts:
/// `Err` gives back a clock that came too late. Install it before the first time slice is in
/// use: readings taken before come from the default clock, and the installed clock's readings
/// then go on from the default clock's time (they are offset so as not to read behind it), so
/// that a slice that started before ends on time.
///
/// Without the `std` feature there is no default clock: until one is installed, a time slice
/// never ends (its units still do). On embassy, install embassy's clock first thing in `main`
/// (`examples/embassy.rs` in the repository runs this line):
///
/// ```
/// use core::time::Duration;
///
/// coop_core::set_clock(|| Duration::from_micros(embassy_time::Instant::now().as_micros())).ok();
/// ```
///
/// The clock is read on one thread at a time per budget, so a clock that keeps one time per
/// thread (a manual clock in a thread-local, as below) is enough.
///
/// ```
/// use std::cell::Cell;
/// use std::time::Duration;
///
/// use coop_core::{Budget, with_budget};
///
/// thread_local! {
///     static NOW: Cell<Duration> = const { Cell::new(Duration::ZERO) };
/// }
/// fn manual() -> Duration {
///     NOW.with(Cell::get)
/// }
/// coop_core::set_clock(manual).unwrap();
///
/// // One unit per millisecond of manual time, under a slice of 5 ms: the sixth unit finds the
/// // slice over.
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let granted = with_budget(Budget::DEFAULT.slice(Duration::from_millis(5)), || {
///     let mut granted = 0;
///     while let std::task::Poll::Ready(unit) = coop_core::poll_proceed(&mut cx) {
///         unit.made_progress();
///         granted += 1;
///         NOW.with(|now| now.set(now.get() + Duration::from_millis(1)));
///     }
///     granted
/// });
/// assert_eq!(granted, 5);
/// ```
pub fn set_clock(now: fn() -> Duration) -> Result<(), fn() -> Duration> {
    // Where the default clock was read already (a slice started, a pace measured), the installed
    // clock goes on from its time, never behind it: a slice that started on the default clock
    // then ends on time on the installed one, instead of waiting for it to catch up.
    let ahead =
        default_clock_if_read().map_or(0, |default| nanos(default).saturating_sub(nanos(now())));
    CLOCK.set((now, ahead)).map_err(|(now, _)| now)
}

/// The installed clock's reading, in nanoseconds (saturating).
#[inline]
pub(crate) fn now_nanos() -> u64 {
    match CLOCK.get() {
        Some((clock, ahead)) => nanos(clock()).saturating_add(ahead),
        None => nanos(default_clock().unwrap_or(Duration::ZERO)),
    }
}

/// `d` in nanoseconds, saturating at `u64::MAX` (about 584 years).
pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
