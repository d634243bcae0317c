//! `has_budget_remaining()` inside `#[cooperative]` loops: the pattern its docs show ("spend
//! until the budget is gone, and stop before a yield point would force a yield") ends with the
//! budget, with the loop's own yield point spending each iteration's unit. A loop that calls it
//! is counted unit by unit; code such a loop calls that asks counts the loop's lend as spent, so
//! it stops early rather than never (found by a hostile review: a strip-mined loop kept its
//! units in a local, the answer stayed `true`, and the loop never ended).
#![allow(missing_docs)]

use std::cell::RefCell;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use coop_core::{Budget, budgeted, budgeted_with, cooperative, has_budget_remaining};

#[cooperative]
async fn batch_until_spent() -> u64 {
    let mut batch = 0;
    while has_budget_remaining() {
        batch += 1;
    }
    batch
}

/// The question asked in a standard macro's operands.
#[cooperative]
#[allow(
    clippy::redundant_pattern_matching,
    reason = "the call in a macro is the case"
)]
async fn batch_until_spent_in_a_macro() -> u64 {
    let mut batch = 0;
    while matches!(has_budget_remaining(), true) {
        batch += 1;
    }
    batch
}

/// The same question asked from a fn the loop calls.
fn more() -> bool {
    has_budget_remaining()
}

#[cooperative]
async fn batch_until_spent_indirectly() -> u64 {
    let mut batch = 0;
    while more() {
        batch += 1;
    }
    batch
}

/// Asks after each iteration of a `for`.
#[cooperative]
async fn trace(n: u64, log: &RefCell<Vec<bool>>) {
    for _ in 0..n {
        log.borrow_mut().push(has_budget_remaining());
    }
}

/// Polls with a no-op waker until ready: the polls it took and the value, `None` after 1000.
fn polls_until_ready<F: Future<Output = u64>>(fut: F) -> (u32, Option<u64>) {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for polls in 1..=1000 {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return (polls, Some(v));
        }
    }
    (1000, None)
}

#[test]
fn a_loop_that_asks_ends_with_its_scope() {
    assert_eq!(
        polls_until_ready(budgeted(batch_until_spent())),
        (1, Some(128))
    );
    assert_eq!(
        polls_until_ready(budgeted_with(Budget::units(16), batch_until_spent())),
        (1, Some(16))
    );
    assert_eq!(
        polls_until_ready(budgeted_with(
            Budget::units(16),
            batch_until_spent_in_a_macro()
        )),
        (1, Some(16))
    );
}

/// Runs `f` on a thread of its own, and gives up after 10 s: a loop that never ends fails the
/// test instead of hanging it.
fn within_ten_seconds(f: impl FnOnce() -> u64 + Send + 'static) -> Option<u64> {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(f());
    });
    result.recv_timeout(std::time::Duration::from_secs(10)).ok()
}

#[test]
fn a_loop_that_asks_ends_with_the_ambient_budget() {
    let done = within_ten_seconds(|| futures::executor::block_on(batch_until_spent()));
    assert_eq!(done, Some(128));
}

#[test]
fn a_loop_that_asks_ends_in_a_tokio_task() {
    let done = within_ten_seconds(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async { tokio::spawn(batch_until_spent()).await.unwrap() })
    });
    assert_eq!(done, Some(128));
}

#[test]
fn the_answer_turns_false_with_the_units() {
    let log = RefCell::new(Vec::new());
    let (polls, done) = polls_until_ready(async {
        budgeted_with(Budget::units(16), trace(32, &log)).await;
        0
    });
    assert_eq!((polls, done), (2, Some(0)));
    let log = log.into_inner();
    let mut expected = vec![true; 15];
    expected.push(false);
    expected.extend(vec![true; 15]);
    expected.push(false);
    assert_eq!(log, expected);
}

#[test]
fn asked_from_a_fn_the_loop_calls_it_ends_rather_than_never() {
    let (polls, done) = polls_until_ready(budgeted(batch_until_spent_indirectly()));
    assert_eq!(polls, 1);
    assert!(done.is_some_and(|batch| batch <= 128), "{done:?}");
}
