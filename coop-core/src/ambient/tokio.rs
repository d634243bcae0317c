//! The `tokio` feature's source: tokio's own budget, `tokio::task::coop`.
//!
//! Inside a tokio task, a coop yield point and tokio's sockets, channels and timers then spend one
//! budget. Explicit coop scopes still win: a source only stands in for the ambient budget. Where
//! tokio's budget cannot force a yield (`spawn_blocking`, `block_in_place`,
//! `tokio::task::unconstrained`: tokio's budget is unconstrained there), coop's counter counts by
//! itself, exactly as without the feature.
//!
//! Each ambient unit is one of tokio's (`poll_proceed`) and one of coop's counter, taken in step.
//! tokio refusing forces a yield; tokio refreshes its budget at each task poll. coop's counter
//! running out is checked against `tokio::task::try_id()`, so that check costs once per counter's
//! worth of units and never on the fast path: inside a task whose tokio budget is constrained
//! the counter refills and tokio's budget rules; elsewhere the counter forces the yield as it
//! does without the feature. Outside
//! any runtime tokio's budget is unlimited, so the counter alone counts; in the root future of
//! `Runtime::block_on`, which has tokio's budget but is no task, both budgets are spent in step.
//! A unit costs one access to tokio's thread-local context: no handle clone, no atomic.
//!
//! A yield forced by tokio's budget wakes the task the way tokio's own yields do: after the
//! runtime has polled its I/O and timer driver (see [`wake_after_forced_yield`]). A yield forced
//! by coop's own counter wakes its waker at once: that waker may belong to an executor nested
//! in the tokio task, which tokio would only drive after the task's poll returns.

use core::future::Future;
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

    /// Gives tokio's unit back: the guard's drop sets tokio's budget back to what it was before
    /// the unit was taken, so only call it while no unit was taken since.
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
    if !coop::has_budget_remaining() || !in_task() || tokio_budget_unconstrained() {
        return None;
    }
    match spend(cx) {
        Poll::Ready(unit) => Some(unit),
        Poll::Pending => None,
    }
}

/// tokio's budget must have a unit, and so must coop's counter unless it refills (in a task
/// whose tokio budget is constrained).
#[inline]
pub(crate) fn has_remaining(counter_has_units: bool) -> bool {
    coop::has_budget_remaining()
        && (counter_has_units || (in_task() && !tokio_budget_unconstrained()))
}

/// Wakes the task after an ambient forced yield. When tokio's budget is spent, tokio's own
/// `poll_proceed` defers the waker until the runtime has polled its driver, as for tokio's own
/// forced yields, so timers and sockets get their turn. Otherwise coop's own counter forced the
/// yield (outside a task, or where tokio's budget is unconstrained), and the waker is woken at
/// once: it may be a nested executor's, which a deferred wake-up would never reach.
#[cold]
pub(crate) fn wake_after_forced_yield(cx: &mut Context<'_>) {
    if coop::poll_proceed(cx).is_pending() {
        return;
    }
    // tokio had a unit left (the guard just dropped gives it back).
    cx.waker().wake_by_ref();
}

/// Whether tokio's budget here can never run out: inside `spawn_blocking`, `block_in_place` or
/// `tokio::task::unconstrained`, where tokio's public API still reports a task. tokio's budget
/// holds at most 128 units, so one that still has a unit after 129 are taken is unconstrained.
/// The units are taken under one guard held throughout, whose drop gives them all back: tokio's
/// budget is left as it was. Cold: only an empty counter or `has_budget_remaining` asks.
#[cold]
#[inline(never)]
fn tokio_budget_unconstrained() -> bool {
    let mut cx = Context::from_waker(core::task::Waker::noop());
    let Poll::Ready(first) = coop::poll_proceed(&mut cx) else {
        return false;
    };
    for _ in 0..128 {
        if !coop::has_budget_remaining() {
            drop(first);
            return false;
        }
        if let Poll::Ready(unit) = coop::poll_proceed(&mut cx) {
            unit.made_progress();
        }
    }
    drop(first);
    true
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
