//! Second hostile review of time slices, on coop-core built without `std` (one budget per
//! program, `Timing` in a `critical-section` cell): a manual clock installed with `set_clock`,
//! moved only by hand, and schedules whose counts are decided from the docs. Run with
//! `COOP_EXPECT_NO_STD=1 cargo test -p coop-embassy --test review_slices2` to be sure of the
//! build. No failing tests here.

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use coop_core::{
    Budget, consume_budget, cooperative, forced_yield_count, poll_proceed, time_slice_yield_count,
    with_budget,
};

static NANOS: AtomicU64 = AtomicU64::new(0);
static DONE: AtomicU64 = AtomicU64::new(0);

fn manual() -> Duration {
    Duration::from_nanos(NANOS.load(Ordering::Relaxed))
}

fn advance(by: Duration) {
    NANOS.fetch_add(by.as_nanos() as u64, Ordering::Relaxed);
}

/// One test at a time (one budget per program), the manual clock installed.
fn setup() -> std::sync::MutexGuard<'static, ()> {
    let guard = common::serial();
    common::check_build();
    let _ = coop_core::set_clock(manual);
    guard
}

const fn ns(n: u64) -> Duration {
    Duration::from_nanos(n)
}

fn spend(pace: Duration, cap: u64) -> u64 {
    let mut cx = Context::from_waker(Waker::noop());
    let mut granted = 0;
    while granted < cap {
        let Poll::Ready(unit) = poll_proceed(&mut cx) else {
            break;
        };
        unit.made_progress();
        advance(pace);
        granted += 1;
    }
    granted
}

fn counts() -> (u64, u64) {
    (forced_yield_count(), time_slice_yield_count())
}

fn delta(before: (u64, u64)) -> (u64, u64) {
    let now = counts();
    (now.0 - before.0, now.1 - before.1)
}

/// Iterations per poll of `fut`, each poll inside `with_budget(budget, ..)`.
fn per_poll(budget: Budget, fut: impl Future<Output = ()>) -> Vec<u64> {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    loop {
        let before = DONE.load(Ordering::Relaxed);
        let polled = with_budget(budget, || fut.as_mut().poll(&mut cx));
        out.push(DONE.load(Ordering::Relaxed) - before);
        if polled.is_ready() {
            return out;
        }
    }
}

fn iterate(i: u64) {
    DONE.fetch_add(1, Ordering::Relaxed);
    advance(ns(50 + (i * 7919) % 20_000));
}

#[cooperative]
async fn strip_mined(n: u64) {
    for i in 0..n {
        iterate(i);
    }
}

#[cooperative]
async fn per_iteration(n: u64) {
    for i in 0..n {
        iterate(i);
        core::future::ready(()).await;
    }
}

/// The nested-scope schedule of the std review, without std: the outer slice keeps its start
/// across an inner sliced scope; the inner gets the 100 units that start in its 10 µs.
#[test]
fn no_std_outer_slice_keeps_its_start_across_an_inner_sliced_scope() {
    let _s = setup();
    for (before_inner, after_inner) in [(3, 0), (2, 1)] {
        let c = counts();
        with_budget(Budget::units(u16::MAX).slice(ns(1000)), || {
            assert_eq!(spend(ns(100), before_inner), before_inner);
            let inner = with_budget(Budget::units(u16::MAX).slice(ns(10_000)), || {
                spend(ns(100), u64::MAX)
            });
            assert_eq!(inner, 100);
            assert_eq!(spend(ns(100), u64::MAX), after_inner);
        });
        assert_eq!(delta(c), (2, 2));
    }
}

/// Edge slices without std: zero (one unit per budget), 1 ns (128 units when no time passes,
/// one when it does), `Duration::MAX` (units only, even at an hour per unit).
#[test]
fn no_std_edge_slices() {
    let _s = setup();
    let c = counts();
    assert_eq!(
        with_budget(Budget::units(u16::MAX).slice(Duration::ZERO), || {
            spend(Duration::ZERO, u64::MAX)
        }),
        1
    );
    assert_eq!(delta(c), (1, 1));
    let one = Budget::DEFAULT.slice(ns(1));
    assert_eq!(with_budget(one, || spend(Duration::ZERO, u64::MAX)), 128);
    assert_eq!(with_budget(one, || spend(ns(1), u64::MAX)), 1);
    let c = counts();
    let huge = Budget::DEFAULT.slice(Duration::MAX);
    assert_eq!(
        with_budget(huge, || spend(Duration::from_secs(3600), u64::MAX)),
        128
    );
    assert_eq!(delta(c), (1, 0));
}

/// A panic inside a sliced scope nested in another sliced scope, caught: the outer budget goes
/// on exactly as without the inner one (7 more units at 100 ns after 3, under 1 µs).
#[test]
fn no_std_a_panic_in_a_sliced_scope_restores_the_outer_slice() {
    let _s = setup();
    for panics in [false, true] {
        with_budget(Budget::units(64).slice(ns(1000)), || {
            assert_eq!(spend(ns(100), 3), 3);
            if panics {
                let caught = std::panic::catch_unwind(|| {
                    with_budget(Budget::units(5).slice(ns(50)), || {
                        assert_eq!(spend(Duration::ZERO, u64::MAX), 5);
                        std::panic::panic_any("unwinds");
                    })
                });
                assert!(caught.is_err());
            }
            assert_eq!(spend(ns(100), u64::MAX), 7, "panics: {panics}");
        });
    }
}

/// Strip-mined and per-iteration `#[cooperative]` loops yield alike under slices without std.
#[test]
fn no_std_strip_mined_and_per_iteration_alike_under_slices() {
    let _s = setup();
    for budget in [
        Budget::DEFAULT.slice(ns(200_000)),
        Budget::units(16).slice(ns(30_000)),
    ] {
        let c = counts();
        let a = per_poll(budget, strip_mined(3000));
        let da = delta(c);
        let c = counts();
        let b = per_poll(budget, per_iteration(3000));
        let db = delta(c);
        assert!(da.1 > 0);
        assert_eq!((a, da), (b, db), "{budget:?}");
    }
}

/// Refunds in a sliced scope (no time passing) keep its count: exactly 10 units make progress.
#[test]
fn no_std_refunds_in_a_sliced_scope() {
    let _s = setup();
    let progress = with_budget(Budget::units(10).slice(ns(1000)), || {
        let mut cx = Context::from_waker(Waker::noop());
        let mut progress = 0;
        for i in 0..1000u32 {
            let Poll::Ready(unit) = poll_proceed(&mut cx) else {
                return progress;
            };
            if i % 3 == 1 {
                drop(unit);
            } else {
                unit.made_progress();
                progress += 1;
            }
        }
        panic!("never refused");
    });
    assert_eq!(progress, 10);
    // And the yield point after a slice's forced yield still completes on its next poll.
    with_budget(Budget::units(u16::MAX).slice(ns(100)), || {
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(spend(ns(100), u64::MAX), 1);
        let mut point = pin!(consume_budget());
        assert!(point.as_mut().poll(&mut cx).is_pending());
        assert!(point.as_mut().poll(&mut cx).is_ready());
    });
}
