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

/// 1280 iterations, with `interrupt` called every 50th.
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

/// Polls `preempted(interrupt)` in a `budgeted` task to completion; returns its polls.
fn polls_with(interrupt: fn()) -> u32 {
    let mut task = pin!(budgeted(preempted(interrupt)));
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
    assert_eq!(polls_with(nothing), 10);
    assert_eq!(polls_with(interrupt_in_scope), 10);
}

#[test]
fn an_interrupt_without_a_scope_spends_the_preempted_budget() {
    let _serial = common::serial();
    common::check_build();
    // Without `std` the budget is the program's: the interrupt's units come out of the
    // preempted task's, which yields sooner. With `std` the interrupt's ambient budget is the
    // thread's, but the preempted task's scope is current on that thread: the same happens.
    assert!(polls_with(interrupt_on_ambient) > 10);
}
