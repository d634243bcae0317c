//! The counts of coop-core's budget: spending, yielding, restoring, scopes and wrappers.

use coop_test_support::with_spent_budget;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use coop_core::{
    DEFAULT_BUDGET, budget, budgeted, consume_budget, has_budget_remaining, poll_proceed,
    unconstrained, with_budget, with_unconstrained,
};
use coop_test_support::{
    CountingWaker, count_yields_on_fresh_thread, forced_yields, noop_cx, on_fresh_thread,
    run_counting_yields, run_with, spend_units,
};

/// Spends one unit through `poll_proceed`, keeping it; `false` if refused.
fn spend(cx: &mut Context<'_>) -> bool {
    match poll_proceed(cx) {
        Poll::Ready(restore) => {
            restore.made_progress();
            true
        }
        Poll::Pending => false,
    }
}

/// How many units `poll_proceed` grants before it refuses one.
fn units_left(cx: &mut Context<'_>) -> usize {
    let mut units = 0;
    while spend(cx) {
        units += 1;
        assert!(units <= usize::from(u16::MAX), "unconstrained");
    }
    units
}

#[test]
fn default_budget_is_128_units() {
    assert_eq!(DEFAULT_BUDGET, 128);
    assert_eq!(budget(|| units_left(&mut noop_cx())), 128);
}

#[test]
fn n_units_succeed_and_the_next_is_pending_and_wakes() {
    let (counter, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    with_budget(5, || {
        for _ in 0..5 {
            assert!(spend(&mut cx));
        }
        assert_eq!(counter.wakes(), 0);
        assert!(!has_budget_remaining());
        assert!(poll_proceed(&mut cx).is_pending());
        assert_eq!(counter.wakes(), 1);
    });
}

#[test]
fn consume_budget_is_pending_once_then_completes_on_fresh_budget() {
    let (counter, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(consume_budget());
    // Budget spent: Pending once, and the task is woken.
    assert!(with_spent_budget(|| fut.as_mut().poll(&mut cx)).is_pending());
    assert_eq!(counter.wakes(), 1);
    // Next poll, under a fresh scope: completes, spending one unit of it.
    with_budget(3, || {
        assert!(fut.as_mut().poll(&mut cx).is_ready());
        assert_eq!(units_left(&mut noop_cx()), 2);
    });
}

#[test]
fn consume_budget_completes_after_its_yield_even_if_the_scope_is_not_refreshed() {
    let mut cx = noop_cx();
    with_spent_budget(|| {
        let mut fut = pin!(consume_budget());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert!(fut.as_mut().poll(&mut cx).is_ready());
    });
}

#[test]
fn restore_on_pending_gives_the_unit_back_without_progress() {
    let mut cx = noop_cx();
    with_budget(2, || {
        for _ in 0..10 {
            let restore = poll_proceed(&mut cx);
            assert!(restore.is_ready());
            drop(restore);
        }
        assert_eq!(units_left(&mut cx), 2);
    });
}

#[test]
fn made_progress_keeps_the_unit_charged() {
    let mut cx = noop_cx();
    with_budget(2, || {
        assert!(spend(&mut cx));
        assert_eq!(units_left(&mut cx), 1);
    });
}

#[test]
fn nested_budget_is_fresh_and_restores_outer() {
    let mut cx = noop_cx();
    with_budget(10, || {
        for _ in 0..4 {
            assert!(spend(&mut cx));
        }
        with_budget(3, || assert_eq!(units_left(&mut cx), 3));
        budget(|| assert_eq!(units_left(&mut cx), 128));
        assert_eq!(units_left(&mut cx), 6);
    });
}

#[test]
fn custom_budget_sizes_grant_exactly_that_many_units() {
    for units in [1u16, 7, 300, u16::MAX] {
        assert_eq!(
            with_budget(units, || units_left(&mut noop_cx())),
            usize::from(units)
        );
    }
}

#[test]
fn unconstrained_scope_is_never_refused_and_not_charged_to_the_outer_budget() {
    let mut cx = noop_cx();
    with_budget(3, || {
        assert!(spend(&mut cx));
        with_unconstrained(|| {
            assert!(has_budget_remaining());
            for _ in 0..10_000 {
                assert!(spend(&mut cx));
            }
            // A scope inside an unconstrained one is constrained again.
            with_budget(1, || assert_eq!(units_left(&mut cx), 1));
        });
        assert_eq!(units_left(&mut cx), 2);
    });
}

#[test]
fn scopes_restore_the_budget_when_they_panic() {
    let mut cx = noop_cx();
    with_budget(4, || {
        assert!(spend(&mut cx));
        let caught = std::panic::catch_unwind(|| {
            with_budget(100, || {
                let _ = units_left(&mut noop_cx());
                panic!("inside a scope");
            })
        });
        assert!(caught.is_err());
        let caught = std::panic::catch_unwind(|| with_unconstrained(|| panic!("unconstrained")));
        assert!(caught.is_err());
        assert_eq!(units_left(&mut cx), 3);
    });
}

#[test]
fn ambient_budget_yields_7_times_in_1000_units_on_a_fresh_thread() {
    assert_eq!(count_yields_on_fresh_thread(|| spend_units(1000)), ((), 7));
}

#[test]
fn ambient_budget_refills_at_each_forced_yield() {
    let units = on_fresh_thread(|| {
        let mut cx = noop_cx();
        let first = units_left(&mut cx); // refused once, which refills it
        let second = units_left(&mut cx);
        (first, second)
    });
    assert_eq!(units, (128, 128));
}

#[test]
fn ambient_budget_carries_over_between_tasks_on_a_thread() {
    let yields = on_fresh_thread(|| {
        (
            run_counting_yields(spend_units(100)).1,
            run_counting_yields(spend_units(100)).1,
        )
    });
    // 100 units, then 28 more before the budget runs out in the second task.
    assert_eq!(yields, (0, 1));
}

#[test]
fn budgeted_refills_the_budget_on_every_poll() {
    let ((), yields) = count_yields_on_fresh_thread(|| budgeted(spend_units(1000)));
    // Each poll spends 128 units, then yields: 7 full polls and a last one with 104 units.
    assert_eq!(yields, forced_yields(1000));
}

#[test]
fn budgeted_does_not_touch_the_ambient_budget() {
    let left = on_fresh_thread(|| {
        let mut cx = noop_cx();
        assert!(spend(&mut cx));
        run_counting_yields(budgeted(spend_units(500)));
        units_left(&mut cx)
    });
    assert_eq!(left, 127);
}

#[test]
fn per_poll_scope_drives_a_task_to_completion() {
    let (_, yields) = run_with(spend_units(300), |poll| with_budget(100, poll));
    // 100 units a poll: yields before units 101 and 201.
    assert_eq!(yields, 2);
}

#[test]
fn unconstrained_future_is_never_forced_to_yield() {
    let (inner_yields, left) = on_fresh_thread(|| {
        let mut cx = noop_cx();
        assert!(spend(&mut cx));
        let (_, yields) = run_counting_yields(unconstrained(spend_units(10_000)));
        (yields, units_left(&mut cx))
    });
    assert_eq!(inner_yields, 0);
    assert_eq!(left, 127);
}

#[test]
fn cooperative_future_is_charged_only_when_ready() {
    let mut cx = noop_cx();
    with_budget(2, || {
        let mut pending = pin!(coop_core::cooperative(std::future::pending::<()>()));
        for _ in 0..5 {
            assert!(pending.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(units_left(&mut noop_cx()), 2);
    });
    with_budget(2, || {
        let mut ready = pin!(coop_core::cooperative(std::future::ready(7)));
        assert_eq!(ready.as_mut().poll(&mut cx), Poll::Ready(7));
        assert_eq!(units_left(&mut noop_cx()), 1);
    });
}

#[test]
fn cooperative_future_yields_when_the_budget_is_spent() {
    let (counter, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    with_spent_budget(|| {
        let mut ready = pin!(coop_core::cooperative(std::future::ready(())));
        assert!(ready.as_mut().poll(&mut cx).is_pending());
    });
    assert_eq!(counter.wakes(), 1);
}

#[test]
fn wrappers_pass_send_sync_and_unpin_through() {
    fn send_sync_unpin<T: Send + Sync + Unpin>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    let ready = || std::future::ready(1u8);
    send_sync_unpin(&budgeted(ready()));
    send_sync_unpin(&unconstrained(ready()));
    send_sync_unpin(&coop_core::cooperative(ready()));
    send_sync_unpin(&consume_budget());
    send(&budgeted(async { consume_budget().await }));
    send(&unconstrained(async { consume_budget().await }));
}

/// The opposites of `wrappers_pass_send_sync_and_unpin_through`, checked without extra crates:
/// a blanket impl on the negated trait would conflict if the wrapper implemented it.
mod not_passed_through {
    use std::marker::PhantomPinned;
    use std::rc::Rc;

    trait AmbiguousIfSend<A> {
        fn some_item() {}
    }
    impl<T: ?Sized> AmbiguousIfSend<()> for T {}
    impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}

    trait AmbiguousIfUnpin<A> {
        fn some_item() {}
    }
    impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
    impl<T: ?Sized + Unpin> AmbiguousIfUnpin<u8> for T {}

    type NotSend = std::future::Ready<Rc<()>>;
    struct NotUnpin(PhantomPinned);
    impl std::future::Future for NotUnpin {
        type Output = ();
        fn poll(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            std::task::Poll::Ready(())
        }
    }

    #[test]
    fn wrappers_of_non_send_and_non_unpin_futures_are_neither() {
        // Each line compiles only because exactly one impl applies: the non-`Send` /
        // non-`Unpin` one.
        <coop_core::Budgeted<NotSend> as AmbiguousIfSend<_>>::some_item();
        <coop_core::Unconstrained<NotSend> as AmbiguousIfSend<_>>::some_item();
        <coop_core::Coop<NotSend> as AmbiguousIfSend<_>>::some_item();
        <coop_core::RestoreOnPending as AmbiguousIfSend<_>>::some_item();
        <coop_core::Budgeted<NotUnpin> as AmbiguousIfUnpin<_>>::some_item();
        <coop_core::Unconstrained<NotUnpin> as AmbiguousIfUnpin<_>>::some_item();
        <coop_core::Coop<NotUnpin> as AmbiguousIfUnpin<_>>::some_item();
    }
}

#[test]
fn nothing_panics_during_thread_local_teardown() {
    struct UsesCoopInDrop;
    impl Drop for UsesCoopInDrop {
        fn drop(&mut self) {
            let mut cx = noop_cx();
            let _ = has_budget_remaining();
            let _ = spend(&mut cx);
            let _ = budget(|| with_unconstrained(|| spend(&mut cx)));
            let _ = pin!(consume_budget()).poll(&mut cx);
            let _ = pin!(budgeted(async { consume_budget().await })).poll(&mut cx);
        }
    }
    thread_local! {
        static LATE: std::cell::RefCell<Option<UsesCoopInDrop>> =
            const { std::cell::RefCell::new(None) };
    }
    on_fresh_thread(|| {
        // Spend some budget first so the budget thread-local is surely initialised.
        let _ = spend(&mut noop_cx());
        LATE.with(|late| *late.borrow_mut() = Some(UsesCoopInDrop));
    });
}
