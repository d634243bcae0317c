//! `forced_yield_count` is process-wide, so it gets a test binary of its own with one test.

use std::task::{Context, Waker};

use coop_core::{forced_yield_count, poll_proceed, with_budget};
use coop_test_support::{count_yields_on_fresh_thread, forced_yields, spend_units};

#[test]
fn forced_yields_are_counted_once_per_exhaustion() {
    let start = forced_yield_count();

    // Ambient: 1000 units on a fresh thread exhaust the budget 7 times.
    let ((), yields) = count_yields_on_fresh_thread(|| spend_units(1000));
    assert_eq!(yields, forced_yields(1000));
    assert_eq!(forced_yield_count() - start, 7);

    // A scope exhausted once counts once, however many yield points find it spent.
    let mut cx = Context::from_waker(Waker::noop());
    with_budget(1, || {
        let std::task::Poll::Ready(restore) = poll_proceed(&mut cx) else {
            panic!("one unit is there");
        };
        restore.made_progress();
        for _ in 0..5 {
            assert!(poll_proceed(&mut cx).is_pending());
        }
    });
    assert_eq!(forced_yield_count() - start, 8);

    // Having budget left counts nothing.
    with_budget(10, || {
        for _ in 0..10 {
            assert!(poll_proceed(&mut cx).is_ready()); // given back on drop, never spent
        }
    });
    assert_eq!(forced_yield_count() - start, 8);
}
