//! The default source: nothing beside the thread's own counter.
//!
//! The counter alone is the ambient budget, and it refills only at a forced yield. Every function
//! here is a constant or a plain wake-up and is inlined, so the ambient path of a yield point
//! compiles to exactly the counter's decrement and branch, as a scope's does.

use core::future::Future;
use core::task::{Context, Poll};

/// A unit of a source that holds no budget: nothing to refund, nothing to keep.
#[derive(Debug)]
pub(crate) struct Unit;

impl Unit {
    /// The operation made progress; there is nothing to record.
    #[inline(always)]
    pub(crate) fn keep(self) {}

    /// The operation made no progress; there is nothing to give back.
    #[inline(always)]
    pub(crate) fn refund(self) {}
}

/// Always grants the unit: only the counter limits the ambient budget.
#[inline(always)]
pub(crate) fn spend(_cx: &mut Context<'_>) -> Poll<Unit> {
    Poll::Ready(Unit)
}

/// Without a task of its own, a budget belongs to the thread.
#[inline(always)]
pub(crate) fn budget_installed() {}

/// Without a task of its own, no budget is another task's.
#[inline(always)]
pub(crate) fn budget_of_another_task() -> bool {
    false
}

/// Never refills an empty counter: it refills at the forced yield that follows.
#[inline(always)]
pub(crate) fn refill(_cx: &mut Context<'_>, _budget: u32) -> Option<(Unit, u16, bool)> {
    None
}

/// The counter's answer is the whole answer.
#[inline(always)]
pub(crate) fn has_remaining(counter_has_units: bool, _budget: u32) -> bool {
    counter_has_units
}

/// The counter counted the units; there is nothing beside it to tell.
#[inline(always)]
pub(crate) fn spent_by_a_batch(_budget: u32) {}

/// A loop's first lend: the whole counter.
#[inline(always)]
pub(crate) fn first_lend(counter: u16) -> u16 {
    counter
}

/// Nothing beside the counter to be out of step with.
#[inline(always)]
pub(crate) fn in_step(_counter: u16) -> bool {
    true
}

/// No limit beside the counter's.
#[inline(always)]
pub(crate) fn units_left() -> u16 {
    u16::MAX
}

/// Nothing beside the counter to charge.
#[inline(always)]
pub(crate) fn charge(_units: u16) {}

/// No executor is known: every task poll is the source's task poll.
#[inline(always)]
pub(crate) fn exhausted_in_this_task() -> bool {
    true
}

/// No executor is known: wake the task at once, so any executor polls it again. The clock is
/// not read.
#[inline]
pub(crate) fn wake_after_forced_yield(cx: &mut Context<'_>, _exhaustion: bool, _now: fn() -> u64) {
    cx.waker().wake_by_ref();
}

/// The unit of a yield point's poll after its forced yield: granted, as always.
#[inline(always)]
pub(crate) fn spend_resumed() -> Poll<Unit> {
    Poll::Ready(Unit)
}

/// Nothing to switch off beside coop's own scope.
pub(crate) type Unconstrained<F> = F;

/// The future as it is.
#[inline(always)]
pub(crate) fn unconstrained<F: Future>(fut: F) -> Unconstrained<F> {
    fut
}
