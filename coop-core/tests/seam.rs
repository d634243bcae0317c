//! The tokio source of the ambient budget, at the edges the other tests leave open: coop's counter
//! running out while tokio's budget has units, and `poll_proceed`'s guard charging both budgets.
#![cfg(feature = "tokio")]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use coop_core::{consume_budget, has_budget_remaining, poll_proceed};
use coop_test_support::noop_cx;

fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Leaves the thread's ambient counter at `128 - spent` units. Outside any runtime tokio's budget
/// is unlimited, so only the counter is spent.
fn spend_ambient_counter(spent: u16) {
    futures::executor::block_on(async {
        for _ in 0..spent {
            consume_budget().await;
        }
    });
}

/// How many units tokio's budget still grants, spending them all.
fn tokio_units_left(cx: &mut Context<'_>) -> usize {
    let mut units = 0;
    while let Poll::Ready(restore) = tokio::task::coop::poll_proceed(cx) {
        restore.made_progress();
        units += 1;
    }
    units
}

/// In `Runtime::block_on`'s root future (no task), coop's counter with 28 units left runs out
/// while tokio's budget still has 100. `refuse` is the yield point that then finds it spent;
/// returns the units tokio's budget has left after that refusal.
fn tokio_units_left_after_a_refusal(refuse: fn(&mut Context<'_>) -> bool) -> usize {
    std::thread::spawn(move || {
        spend_ambient_counter(100);
        current_thread_runtime().block_on(async move {
            for _ in 0..28 {
                consume_budget().await; // one unit of each budget
            }
            let mut cx = noop_cx();
            assert!(
                refuse(&mut cx),
                "the counter is spent, so the yield point yields"
            );
            tokio_units_left(&mut cx)
        })
    })
    .join()
    .unwrap()
}

#[test]
fn a_refused_ambient_unit_charges_nothing_to_tokio_in_the_fast_path() {
    let left = tokio_units_left_after_a_refusal(|cx| pin!(consume_budget()).poll(cx).is_pending());
    assert_eq!(left, 100);
}

#[test]
fn a_refused_ambient_unit_charges_nothing_to_tokio_in_poll_proceed() {
    let left = tokio_units_left_after_a_refusal(|cx| poll_proceed(cx).is_pending());
    assert_eq!(left, 100);
}

#[test]
fn the_ambient_counter_refills_inside_a_tokio_task() {
    // The counter has 28 units left when the task starts; inside a task it is only tokio's
    // fallback, so the task still gets tokio's whole budget before a yield point refuses.
    let granted = std::thread::spawn(|| {
        spend_ambient_counter(100);
        current_thread_runtime().block_on(async {
            tokio::spawn(async {
                let mut granted = 0;
                while has_budget_remaining() {
                    assert!(pin!(consume_budget()).poll(&mut noop_cx()).is_ready());
                    granted += 1;
                }
                assert!(pin!(consume_budget()).poll(&mut noop_cx()).is_pending());
                granted
            })
            .await
            .unwrap()
        })
    })
    .join()
    .unwrap();
    assert_eq!(granted, 128);
}

#[test]
fn poll_proceed_in_a_task_charges_both_budgets_only_on_progress() {
    current_thread_runtime().block_on(async {
        tokio::spawn(async {
            for _ in 0..127 {
                consume_budget().await;
            }
            let budgets = || {
                (
                    has_budget_remaining(),
                    tokio::task::coop::has_budget_remaining(),
                )
            };
            let mut cx = noop_cx();

            let Poll::Ready(restore) = poll_proceed(&mut cx) else {
                panic!("one unit is left");
            };
            assert_eq!(budgets(), (false, false));
            drop(restore); // no progress: the unit goes back to both budgets
            assert_eq!(budgets(), (true, true));

            let Poll::Ready(restore) = poll_proceed(&mut cx) else {
                panic!("the unit came back");
            };
            restore.made_progress();
            drop(restore);
            assert_eq!(budgets(), (false, false));
        })
        .await
        .unwrap();
    });
}
