//! Loops `#[cooperative]` batches (their units counted in a local, settled with the budget at
//! batch ends) keep the budget's exact counts: each is checked against the same loop with a
//! hand-written `consume_budget().await` per iteration, which `#[cooperative]` does not batch.

#![deny(warnings, clippy::all)]

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use coop_core::{consume_budget, poll_proceed, with_budget};

fn noop_cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

/// How many units `poll_proceed` grants before it refuses one.
fn units_left() -> usize {
    let mut cx = noop_cx();
    let mut units = 0;
    while let Poll::Ready(restore) = poll_proceed(&mut cx) {
        restore.made_progress();
        units += 1;
        assert!(units <= usize::from(u16::MAX), "unconstrained");
    }
    units
}

thread_local! {
    static ITERATIONS: Cell<usize> = const { Cell::new(0) };
}

fn iterate() {
    ITERATIONS.with(|n| n.set(n.get() + 1));
}

fn iterations() -> usize {
    ITERATIONS.with(Cell::get)
}

/// Polls `fut` to completion, each poll under a fresh budget of `units`; returns how many
/// iterations each poll ran.
fn iterations_per_poll(units: u16, fut: impl Future<Output = ()>) -> Vec<usize> {
    ITERATIONS.with(|n| n.set(0));
    let mut fut = pin!(fut);
    let mut per_poll = Vec::new();
    loop {
        let before = iterations();
        let poll = with_budget(units, || fut.as_mut().poll(&mut noop_cx()));
        per_poll.push(iterations() - before);
        if poll.is_ready() {
            return per_poll;
        }
    }
}

#[coop_core::cooperative]
async fn batched(n: usize) {
    for _ in 0..n {
        iterate();
    }
}

async fn by_hand(n: usize) {
    for _ in 0..n {
        consume_budget().await;
        iterate();
    }
}

#[test]
fn a_budget_of_n_lets_exactly_n_iterations_pass_before_the_forced_yield() {
    for units in [1, 2, 3, 5, 127, 128, 129, 1000] {
        let got = iterations_per_poll(units, batched(2500));
        assert_eq!(
            got,
            iterations_per_poll(units, by_hand(2500)),
            "budget {units}"
        );
        assert_eq!(got[0], usize::from(units), "budget {units}");
    }
}

#[coop_core::cooperative]
async fn while_and_loop(n: usize) {
    let mut i = 0;
    while i < n {
        iterate();
        i += 1;
    }
    let mut j = 0;
    loop {
        if j == n {
            break;
        }
        iterate();
        j += 1;
    }
}

async fn while_and_loop_by_hand(n: usize) {
    let mut i = 0;
    while i < n {
        consume_budget().await;
        iterate();
        i += 1;
    }
    let mut j = 0;
    loop {
        consume_budget().await;
        if j == n {
            break;
        }
        iterate();
        j += 1;
    }
}

#[test]
fn while_and_loop_keep_the_counts() {
    for units in [1, 4, 128] {
        assert_eq!(
            iterations_per_poll(units, while_and_loop(300)),
            iterations_per_poll(units, while_and_loop_by_hand(300)),
            "budget {units}"
        );
    }
}

#[coop_core::cooperative]
async fn leave_early(n: usize, how: u8) -> Result<usize, ()> {
    let mut i = 0;
    'outer: {
        for k in 0..1000 {
            if k == n {
                match how {
                    0 => break,
                    1 => return Ok(i),
                    2 => Err(())?,
                    _ => break 'outer,
                }
            }
            i += 1;
        }
    }
    Ok(i)
}

#[test]
fn a_loop_left_early_charges_what_it_spent_and_no_more() {
    // The first `n` iterations pass the yield point, and so does the one that leaves.
    for how in 0..4 {
        for n in [0, 1, 3, 9] {
            let left = with_budget(20, || {
                let fut = pin!(leave_early(n, how));
                assert!(fut.poll(&mut noop_cx()).is_ready());
                units_left()
            });
            assert_eq!(left, 20 - (n + 1), "left by path {how} after {n}");
        }
    }
}

#[coop_core::cooperative]
async fn nested(outer: usize, inner: usize) {
    for _ in 0..outer {
        iterate();
        for _ in 0..inner {
            iterate();
        }
    }
}

async fn nested_by_hand(outer: usize, inner: usize) {
    for _ in 0..outer {
        consume_budget().await;
        iterate();
        for _ in 0..inner {
            consume_budget().await;
            iterate();
        }
    }
}

#[test]
fn nested_loops_share_the_budget_exactly() {
    for units in [1, 3, 7, 128] {
        for inner in [0, 1, 5, 40] {
            assert_eq!(
                iterations_per_poll(units, nested(30, inner)),
                iterations_per_poll(units, nested_by_hand(30, inner)),
                "budget {units}, inner {inner}"
            );
        }
    }
}

/// A batched loop whose body polls a yield point in place, without `.await`.
#[coop_core::cooperative]
async fn polls_in_place(n: usize, granted: &Cell<usize>) {
    for _ in 0..n {
        let spend = pin!(consume_budget());
        if spend.poll(&mut noop_cx()).is_ready() {
            granted.set(granted.get() + 1);
        }
    }
}

#[test]
fn a_yield_point_polled_in_a_batched_body_still_finds_the_budget() {
    let granted = Cell::new(0);
    let left = with_budget(10, || {
        let fut = pin!(polls_in_place(5, &granted));
        assert!(fut.poll(&mut noop_cx()).is_ready());
        units_left()
    });
    // Five iterations and five units spent in place: the budget of ten is spent exactly.
    assert_eq!(granted.get(), 5);
    assert_eq!(left, 0);
}

#[cfg(feature = "tokio")]
#[test]
fn with_the_tokio_bridge_a_loop_left_early_gives_tokio_its_units_back() {
    fn tokio_units_left() -> usize {
        let mut cx = noop_cx();
        let mut units = 0;
        while let Poll::Ready(restore) = tokio::task::coop::poll_proceed(&mut cx) {
            restore.made_progress();
            units += 1;
        }
        units
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime builds");
    for n in [0, 1, 3, 9, 100] {
        let (batched, by_hand) = rt.block_on(async move {
            tokio::spawn(async move {
                leave_early(n, 0).await.expect("left by break");
                let batched = tokio_units_left();
                tokio::task::yield_now().await;
                for _ in 0..=n {
                    consume_budget().await;
                }
                (batched, tokio_units_left())
            })
            .await
            .expect("the task does not panic")
        });
        assert_eq!(batched, by_hand, "left after {n}");
        assert_eq!(batched, 128 - (n + 1), "left after {n}");
    }
}

/// An item that records when it is dropped, and the iterator that records when it is asked.
struct Logged<'a>(usize, &'a std::cell::RefCell<Vec<String>>);

impl Drop for Logged<'_> {
    fn drop(&mut self) {
        self.1.borrow_mut().push(format!("drop {}", self.0));
    }
}

fn logged(log: &std::cell::RefCell<Vec<String>>) -> impl Iterator<Item = Logged<'_>> {
    (0..4).map(move |i| {
        log.borrow_mut().push(format!("next {i}"));
        Logged(i, log)
    })
}

#[coop_core::cooperative]
async fn drops_in_order(log: &std::cell::RefCell<Vec<String>>) {
    for item in logged(log) {
        log.borrow_mut().push(format!("body {}", item.0));
        if item.0 == 1 {
            continue;
        }
    }
}

async fn drops_in_order_by_hand(log: &std::cell::RefCell<Vec<String>>) {
    for item in logged(log) {
        consume_budget().await;
        log.borrow_mut().push(format!("body {}", item.0));
        if item.0 == 1 {
            continue;
        }
    }
}

#[test]
fn a_for_item_is_dropped_before_the_next_is_fetched() {
    let batched = std::cell::RefCell::new(Vec::new());
    let by_hand = std::cell::RefCell::new(Vec::new());
    for units in [1, 2, 128] {
        batched.borrow_mut().clear();
        by_hand.borrow_mut().clear();
        iterations_per_poll(units, drops_in_order(&batched));
        iterations_per_poll(units, drops_in_order_by_hand(&by_hand));
        assert_eq!(batched.borrow().len(), 12);
        assert_eq!(*batched.borrow(), *by_hand.borrow(), "budget {units}");
    }
}

/// Loops whose bodies always leave, or leave with a value: the strip-mined shape compiles
/// without a warning (this file denies them) and keeps what the loops return. clippy sees the
/// loops as written, and says what it says about them.
#[allow(clippy::never_loop, clippy::while_immutable_condition)]
#[coop_core::cooperative]
async fn leaving_shapes(v: Vec<u32>, flag: bool) -> u32 {
    let first = loop {
        break 5;
    };
    'outer: for x in &v {
        if *x == 2 {
            continue 'outer;
        }
        if *x == 3 {
            break 'outer;
        }
    }
    let mut n = 0;
    while flag {
        n += 1;
        if n == 3 {
            break;
        }
    }
    for x in v {
        return first + x + n;
    }
    loop {
        return first;
    }
}

#[test]
fn loops_that_leave_keep_their_values() {
    let run = |v: Vec<u32>, flag| {
        let fut = pin!(leaving_shapes(v, flag));
        with_budget(100, || fut.poll(&mut noop_cx()))
    };
    assert_eq!(run(vec![7], true), Poll::Ready(5 + 7 + 3));
    assert_eq!(run(vec![], false), Poll::Ready(5));
}
