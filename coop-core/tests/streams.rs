//! `cooperative(stream)` with the `futures-core` feature: one unit per item.
#![cfg(feature = "futures-core")]

use coop_test_support::with_spent_budget;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use coop_core::{Budget, budgeted_with, cooperative, with_budget};
use coop_test_support::{
    advance_clock, count_yields_on_fresh_thread, forced_yields, forced_yields_per,
    install_manual_clock, on_fresh_thread,
};
use futures::{Stream, StreamExt};

#[test]
fn an_always_ready_stream_yields_7_times_in_1000_items_on_a_fresh_thread() {
    let (sum, yields) = count_yields_on_fresh_thread(|| async {
        cooperative(futures::stream::iter(0..1000u64))
            .fold(0, |sum, item| async move { sum + item })
            .await
    });
    assert_eq!((sum, yields), (499_500, forced_yields(1000)));
}

#[test]
fn items_spend_units_pending_and_the_end_charge_nothing() {
    let mut cx = Context::from_waker(Waker::noop());
    let left = with_budget(5, || {
        let mut pending = cooperative(futures::stream::pending::<u8>());
        for _ in 0..10 {
            assert!(Pin::new(&mut pending).poll_next(&mut cx).is_pending());
        }
        let mut three = cooperative(futures::stream::iter([1, 2, 3]));
        for _ in 0..3 {
            assert!(matches!(
                Pin::new(&mut three).poll_next(&mut cx),
                Poll::Ready(Some(_))
            ));
        }
        assert_eq!(Pin::new(&mut three).poll_next(&mut cx), Poll::Ready(None));
        let mut units = 0;
        while coop_core::has_budget_remaining() {
            let Poll::Ready(unit) = coop_core::poll_proceed(&mut cx) else {
                break;
            };
            unit.made_progress();
            units += 1;
        }
        units
    });
    assert_eq!(left, 2);
}

#[test]
fn a_spent_budget_yields_before_the_next_item_and_wakes_the_task() {
    let (counter, waker) = coop_test_support::CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut items = cooperative(futures::stream::iter(0..10));
    with_spent_budget(|| {
        assert!(Pin::new(&mut items).poll_next(&mut cx).is_pending());
    });
    assert_eq!(counter.wakes(), 1);
    assert_eq!(items.size_hint(), (10, Some(10)));
}

#[test]
fn a_time_sliced_stream_yields_once_per_slice() {
    install_manual_clock();
    // 100 ns of manual time per item, a 1 µs slice: ten items per poll.
    let sliced = Budget::units(u16::MAX).slice(Duration::from_micros(1));
    let (count, yields) = count_yields_on_fresh_thread(|| {
        budgeted_with(sliced, async {
            cooperative(futures::stream::iter(0..1000u64))
                .inspect(|_| advance_clock(Duration::from_nanos(100)))
                .count()
                .await
        })
    });
    // The poll that finds the end asks for a unit too (and is charged none): 1001 asks.
    assert_eq!((count, yields), (1000, forced_yields_per(10, 1001)));
}

#[test]
fn coop_streams_pass_send_sync_and_unpin_through() {
    fn send_sync_unpin<T: Send + Sync + Unpin + Stream>(_: &T) {}
    send_sync_unpin(&cooperative(futures::stream::iter(0..3)));
    on_fresh_thread(|| {
        let stream = cooperative(futures::stream::iter(0..3));
        std::thread::scope(|s| s.spawn(move || drop(stream)).join().unwrap());
    });
}

#[test]
fn a_time_sliced_stream_reads_the_clock_once_per_chunk_of_budgets_that_go_on() {
    install_manual_clock();
    let (yields, reads) = on_fresh_thread(|| {
        let before = coop_test_support::manual_clock_reads();
        let sliced = Budget::DEFAULT.slice(Duration::from_millis(1));
        let ((), yields) = coop_test_support::run_counting_yields(budgeted_with(sliced, async {
            cooperative(futures::stream::iter(0..999u64))
                .for_each(|_| async { advance_clock(Duration::from_nanos(1)) })
                .await;
        }));
        (yields, coop_test_support::manual_clock_reads() - before)
    });
    // 1000 asks (999 items and the end): seven budgets end by their units. The first reads as
    // its chunks double (8 reads); of the seven that go on at the same yield point, budgets 1, 3
    // and 7 read once, the others go on the chunk that reached past them.
    assert_eq!((yields, reads), (7, 8 + 3));
}

/// A finished stream stays finished in a spent scope: `Ready(None)` at every poll, never a
/// `Pending` between them, and `is_terminated` where the inner stream is fused.
#[test]
fn a_finished_stream_stays_finished_in_a_spent_scope() {
    use futures::stream::FusedStream;
    let mut cx = Context::from_waker(Waker::noop());
    let mut stream = cooperative(futures::stream::iter(0..1u32).fuse());
    with_budget(2, || {
        assert_eq!(
            Pin::new(&mut stream).poll_next(&mut cx),
            Poll::Ready(Some(0))
        );
        assert_eq!(Pin::new(&mut stream).poll_next(&mut cx), Poll::Ready(None));
    });
    with_spent_budget(|| {
        for _ in 0..4 {
            assert_eq!(Pin::new(&mut stream).poll_next(&mut cx), Poll::Ready(None));
        }
    });
    assert!(stream.is_terminated());
}
