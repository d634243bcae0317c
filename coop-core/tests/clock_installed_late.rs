//! `set_clock` after time slices already read the default clock (which started the time-stamp
//! counter's calibration): a slice that started on the default clock ends on time on the
//! installed one. Its own process (a test binary of its own): the clock is process-wide.
//! Oracle: a manual clock the test advances by hand, and the documented bound in that clock's
//! time (the slice, a quarter of it, one unit).

use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use coop_core::{Budget, poll_proceed, with_budget};

static MANUAL: AtomicU64 = AtomicU64::new(0);

fn manual() -> Duration {
    Duration::from_nanos(MANUAL.load(Ordering::Relaxed))
}

/// Runs `step` per unit inside a sliced scope until a yield point is refused: units granted.
fn units_until_refused(budget: Budget, mut step: impl FnMut(u64)) -> u64 {
    let mut cx = Context::from_waker(Waker::noop());
    with_budget(budget, || {
        let mut granted = 0;
        while let Poll::Ready(unit) = poll_proceed(&mut cx) {
            unit.made_progress();
            step(granted);
            granted += 1;
        }
        granted
    })
}

/// A unit of about a microsecond of `Instant`'s time.
fn spin_a_microsecond() {
    let start = Instant::now();
    while start.elapsed() < Duration::from_micros(1) {}
}

#[test]
fn a_clock_installed_after_the_default_was_read_is_the_one_slices_use() {
    // The default clock: a 1 ms slice over 1 µs units ends after about 1 ms of `Instant`.
    let start = Instant::now();
    let granted = units_until_refused(
        Budget::units(u16::MAX).slice(Duration::from_millis(1)),
        |_| spin_a_microsecond(),
    );
    let took = start.elapsed();
    eprintln!("default clock: {granted} units in {took:?}");
    // The slice ended (how soon is the default clock's business, and the machine's load).
    assert!(
        granted < u64::from(u16::MAX),
        "the slice never ended in {took:?}"
    );
    // Calibrated by now on a quiet machine (or still `Instant`: either way the default clock);
    // the process is 30 ms older than the default clock's epoch.
    std::thread::sleep(Duration::from_millis(30));

    // A scope whose slice started on the default clock goes on after `set_clock`.
    let slice = Duration::from_millis(2);
    let granted = units_until_refused(Budget::units(2_000).slice(slice), |i| {
        if i == 10 {
            assert!(
                coop_core::set_clock(manual).is_ok(),
                "no clock was installed before"
            );
        }
        if i >= 10 {
            MANUAL.fetch_add(100_000, Ordering::Relaxed); // 100 µs of manual time a unit
        } else {
            spin_a_microsecond();
        }
    });
    // In the manual clock's time the slice (2 ms, about 20 units of 100 µs) plus a quarter plus
    // one unit; the readings before the switch add at most their 10 µs of `Instant`.
    let after = granted - 10;
    eprintln!(
        "scope across set_clock: {after} units after the switch ({} µs of manual time) for a slice of {slice:?}",
        after * 100
    );

    // A fresh scope reads the installed clock only: 100 µs a unit, the slice over after ~20.
    let fresh = units_until_refused(Budget::units(2_000).slice(slice), |_| {
        MANUAL.fetch_add(100_000, Ordering::Relaxed);
    });
    eprintln!("fresh scope on the installed clock: {fresh} units");
    assert!(
        (15..=30).contains(&fresh),
        "fresh scope: {fresh} units of 100 µs for a 2 ms slice"
    );
    assert!(
        after <= 27,
        "a slice that began on the default clock ran {after} units (of 100 µs manual time) past \
         set_clock, for a 2 ms slice: its start is compared across two clocks' time bases"
    );
}
