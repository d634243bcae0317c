//! The `tokio` feature's source: tokio's own budget, `tokio::task::coop`.
//!
//! Inside a tokio task, a coop yield point and tokio's sockets, channels and timers then spend one
//! budget, and `tokio::task::unconstrained` silences coop's yield points too. Explicit coop scopes
//! still win: a source only stands in for the ambient budget.
//!
//! Each ambient unit is one of tokio's (`poll_proceed`) and one of coop's counter, taken in step.
//! tokio refusing forces a yield; tokio refreshes its budget at each task poll. coop's counter
//! running out is checked against `tokio::task::try_id()`, so that check costs once per counter's
//! worth of units and never on the fast path: inside a task the counter refills and tokio's
//! budget rules; elsewhere the counter forces the yield as it does without the feature. Outside
//! any runtime tokio's budget is unlimited, so the counter alone counts; in the root future of
//! `Runtime::block_on`, which has tokio's budget but is no task, both budgets are spent in step.
//! A unit costs one access to tokio's thread-local context: no handle clone, no atomic.
//!
//! A forced yield wakes the task the way tokio's own yields do: after the runtime has polled its
//! I/O and timer driver (see [`wake_after_forced_yield`]).

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll};

use tokio::task::coop;

/// A unit of tokio's budget: tokio's own guard, whose drop refunds the unit.
#[derive(Debug)]
pub(crate) struct Unit(coop::RestoreOnPending);

impl Unit {
    /// Keeps tokio's unit spent: the operation made progress.
    #[inline(always)]
    pub(crate) fn keep(self) {
        // `made_progress` only tells the guard's drop to do nothing, and that drop is an
        // out-of-line call into tokio, paid on every unit of a hot loop. The guard owns nothing
        // but a copy of tokio's budget, so forgetting it is the same as dropping it after
        // `made_progress`, without the call.
        core::mem::forget(self);
    }

    /// Gives tokio's unit back: the guard's drop restores tokio's budget.
    #[inline]
    pub(crate) fn refund(self) {
        drop(self.0);
    }
}

/// Takes one unit of tokio's budget, checking and spending in one access to tokio's context.
/// When the budget is spent, tokio defers `cx`'s waker until its driver has been polled.
#[inline(always)]
pub(crate) fn spend(cx: &mut Context<'_>) -> Poll<Unit> {
    coop::poll_proceed(cx).map(Unit)
}

/// Inside a tokio task, tokio's budget is the ambient budget and coop's counter only a fallback:
/// the counter refills, and tokio's unit decides. Elsewhere the counter is the ambient budget,
/// and it is spent.
#[cold]
#[inline(never)]
pub(crate) fn refill(cx: &mut Context<'_>) -> Option<Unit> {
    // tokio's budget first: in a task that spends only coop's yield points, both budgets run
    // out together, and tokio's empty budget then settles it without `try_id`. The task second,
    // before tokio's unit is taken: a refused spend charges tokio nothing.
    if !coop::has_budget_remaining() || !in_task() {
        return None;
    }
    match spend(cx) {
        Poll::Ready(unit) => Some(unit),
        Poll::Pending => None,
    }
}

/// A loop's batch charges tokio unit for unit as it spends ([`grant_one`]), so that tokio's
/// budget reads what it would read with a yield point per iteration: a task's budget stays
/// fresh at each tokio poll, and tokio's own resources and coop's loops share it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Lend;

/// Lends the counter's units; tokio's are taken one at a time by [`grant_one`].
#[inline(always)]
pub(crate) fn lend(units: u16) -> (u16, Lend) {
    (units, Lend)
}

/// Nothing was taken from tokio ahead of its use, so nothing goes back.
#[inline(always)]
pub(crate) fn give_back(_lend: Lend, _taken: u16, _left: u16) {}

/// Takes one unit of tokio's budget for an iteration of a batched loop: `false` if tokio
/// refuses, and the loop goes to its yield point's slow path, which forces the yield.
#[inline(always)]
pub(crate) fn grant_one(_lend: Lend) -> bool {
    match spend(&mut Context::from_waker(core::task::Waker::noop())) {
        Poll::Ready(unit) => {
            unit.keep();
            true
        }
        Poll::Pending => false,
    }
}

/// tokio's budget must have a unit, and so must coop's counter unless it refills (in a task).
#[inline]
pub(crate) fn has_remaining(counter_has_units: bool) -> bool {
    coop::has_budget_remaining() && (counter_has_units || in_task())
}

/// Wakes the task after a forced yield the way tokio's own yields do: deferred until the
/// runtime has polled its driver, so timers and sockets get their turn. A plain `wake_by_ref`
/// would put the task straight back in tokio's run queue, and the current-thread scheduler
/// polls its driver only when that queue is empty or once per `event_interval` ticks. Outside a
/// runtime tokio wakes the task at once.
#[cold]
pub(crate) fn wake_after_forced_yield(cx: &mut Context<'_>) {
    // Usually tokio's budget is the one spent: `poll_proceed` then defers the waker itself, as
    // for tokio's own forced yields.
    if coop::poll_proceed(cx).is_pending() {
        return;
    }
    // tokio had a unit left (the guard just dropped gives it back): coop's own budget ran out.
    // The first poll of `yield_now` defers the waker with tokio and returns `Pending`; dropping
    // it afterwards leaves the deferred wake-up in place.
    let _ = pin!(tokio::task::yield_now()).poll(cx);
}

/// tokio's `Unconstrained`: tokio's own resources inside are not charged either.
pub(crate) type Unconstrained<F> = coop::Unconstrained<F>;

/// Switches tokio's budget off for `fut`.
#[inline]
pub(crate) fn unconstrained<F: Future>(fut: F) -> Unconstrained<F> {
    coop::unconstrained(fut)
}

/// Whether the caller runs inside a tokio task. A thread-local read in tokio, kept off the
/// fast path all the same: only an empty counter or `has_budget_remaining` asks.
#[inline]
fn in_task() -> bool {
    tokio::task::try_id().is_some()
}
