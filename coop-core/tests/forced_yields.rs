//! `forced_yield_count` and `time_slice_yield_count` are process-wide, so they get a test binary
//! of their own with one test.

use std::task::{Context, Waker};
use std::time::Duration;

use coop_core::{
    Budget, budgeted_with, consume_budget, forced_yield_count, poll_proceed,
    time_slice_yield_count, with_budget,
};
use coop_test_support::{
    advance_clock, count_yields_on_fresh_thread, forced_yields, forced_yields_per,
    install_manual_clock, spend_units,
};

#[test]
fn forced_yields_are_counted_once_per_exhaustion() {
    install_manual_clock();
    let start = forced_yield_count();
    let sliced_start = time_slice_yield_count();

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
        // Five call sites; one refused a second time would proceed by one unit.
        assert!(poll_proceed(&mut cx).is_pending());
        assert!(poll_proceed(&mut cx).is_pending());
        assert!(poll_proceed(&mut cx).is_pending());
        assert!(poll_proceed(&mut cx).is_pending());
        assert!(poll_proceed(&mut cx).is_pending());
    });
    assert_eq!(forced_yield_count() - start, 8);

    // Having budget left counts nothing.
    with_budget(10, || {
        for _ in 0..10 {
            assert!(poll_proceed(&mut cx).is_ready()); // given back on drop, never spent
        }
    });
    assert_eq!(forced_yield_count() - start, 8);

    // A time slice that ends a budget counts in both, once per exhaustion: 1000 units of
    // 100 ns under a 1 µs slice with units to spare.
    let sliced = Budget::units(u16::MAX).slice(Duration::from_micros(1));
    let ((), yields) = count_yields_on_fresh_thread(|| {
        budgeted_with(sliced, async {
            for _ in 0..1000 {
                consume_budget().await;
                advance_clock(Duration::from_nanos(100));
            }
        })
    });
    assert_eq!(yields, forced_yields_per(10, 1000));
    assert_eq!(forced_yield_count() - start, 8 + 99);
    assert_eq!(time_slice_yield_count() - sliced_start, 99);

    // Units that run out under a slice count only as forced yields.
    let ((), yields) = count_yields_on_fresh_thread(|| {
        budgeted_with(
            Budget::DEFAULT.slice(Duration::from_secs(1)),
            spend_units(1000),
        )
    });
    assert_eq!(yields, forced_yields(1000));
    assert_eq!(forced_yield_count() - start, 8 + 99 + 7);
    assert_eq!(time_slice_yield_count() - sliced_start, 99);
}
