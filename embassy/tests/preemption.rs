//! A preempting executor's tasks neither spend nor refill a preempted task's budget, as long as
//! they run in a scope.
//!
//! An interrupt is simulated by a call from inside the preempted loop's body: like an interrupt
//! handler polling a higher-priority executor's task, it runs to completion in the middle of the
//! preempted poll and returns to it (last in, first out).

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use coop_core::{budgeted, consume_budget, cooperative};

/// 1280 iterations, with `interrupt` called every 50th: a `#[cooperative]` loop.
#[cooperative]
async fn preempted(interrupt: fn()) -> u32 {
    let mut done = 0;
    for i in 0..1280u32 {
        if i % 50 == 49 {
            interrupt();
        }
        done += 1;
    }
    done
}

/// The same with a hand-written yield point per iteration.
async fn preempted_by_hand(interrupt: fn()) -> u32 {
    let mut done = 0;
    for i in 0..1280u32 {
        consume_budget().await;
        if i % 50 == 49 {
            interrupt();
        }
        done += 1;
    }
    done
}

/// A higher-priority task that spends 300 units: more than a budget, so it is forced to yield
/// inside its own poll.
async fn higher_priority_task() {
    for _ in 0..300 {
        consume_budget().await;
    }
}

/// One poll of the higher-priority task, as its executor's interrupt handler makes it: in a
/// scope of its own (`budgeted`).
fn interrupt_in_scope() {
    let mut task = pin!(budgeted(higher_priority_task()));
    let _ = task.as_mut().poll(&mut Context::from_waker(Waker::noop()));
}

/// The same poll outside any scope: it spends the ambient budget, which is the preempted
/// task's.
fn interrupt_on_ambient() {
    let mut task = pin!(higher_priority_task());
    let _ = task.as_mut().poll(&mut Context::from_waker(Waker::noop()));
}

fn nothing() {}

/// Polls `task` in `budgeted` to completion; returns its polls.
fn polls<F: Future>(task: F) -> u32 {
    let mut task = pin!(budgeted(task));
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 1;
    while task.as_mut().poll(&mut cx).is_pending() {
        polls += 1;
    }
    polls
}

#[test]
fn an_interrupt_in_a_scope_leaves_the_preempted_budget_as_it_was() {
    let _serial = common::serial();
    common::check_build();
    // 1280 iterations under 128 units a poll: 10 polls, with or without the interrupts.
    assert_eq!(polls(preempted(nothing)), 10);
    assert_eq!(polls(preempted(interrupt_in_scope)), 10);
    assert_eq!(polls(preempted_by_hand(nothing)), 10);
    assert_eq!(polls(preempted_by_hand(interrupt_in_scope)), 10);
}

#[test]
fn an_interrupt_without_a_scope_spends_the_preempted_budget() {
    let _serial = common::serial();
    common::check_build();
    // The interrupt's units come out of the preempted task's budget, which then yields sooner
    // (with `std` too: the preempted task's scope is current on the thread the interrupt runs
    // on). A `#[cooperative]` loop that calls out holds a batch of its budget's units, which
    // the interrupt cannot take, so only the hand-written yield point shows it.
    assert!(polls(preempted_by_hand(interrupt_on_ambient)) > 10);
}
