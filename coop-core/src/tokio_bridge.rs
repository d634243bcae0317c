//! The `tokio` feature: inside a tokio task, the ambient budget is tokio's own.
//!
//! A coop yield point and tokio's sockets and channels then spend one budget, and
//! `tokio::task::unconstrained` silences coop's yield points too. Explicit coop scopes
//! ([`budget`](crate::budget), [`with_unconstrained`](crate::with_unconstrained), ...) still win:
//! the bridge only stands in for the ambient budget.
//!
//! How: with no coop scope, a yield point spends a unit of tokio's budget
//! (`tokio::task::coop::poll_proceed`) and one of coop's ambient budget, in step. tokio refusing
//! forces a yield (tokio refreshes its budget at each task poll). coop's ambient counter running
//! out is checked against `tokio::task::try_id()`, once per 128 units: inside a task the counter
//! refills and tokio's budget rules; elsewhere (outside any runtime, where tokio's budget is
//! unlimited, or in the root future of `Runtime::block_on`) coop's ambient budget forces the
//! yield as it does without the feature. No handle clone, no atomic, one access to tokio's
//! thread-local context per unit, and the guard tokio hands back is forgotten rather than
//! dropped (its drop is an out-of-line call that does nothing once progress is made).
//!
//! A forced yield is tokio's own: when tokio's budget is the one spent, `poll_proceed` with the
//! task's real waker defers the wake-up until the runtime has polled its driver, exactly as
//! tokio's sockets do. So with the bridge, a `#[cooperative]` loop costs what
//! `tokio::task::coop::consume_budget().await` costs, or less (BENCHMARKS.md), and its fairness
//! is tokio's.

use core::future::Future;
use core::task::{Context, Poll, Waker};

use tokio::task::coop;

use crate::budget::{self, Mode};

/// Whether the caller runs inside a tokio task.
#[inline(always)]
pub(crate) fn in_task() -> bool {
    tokio::task::try_id().is_some()
}

/// Whether no coop scope is active, so the ambient budget, bridged to tokio's, applies.
#[inline(always)]
pub(crate) fn is_ambient() -> bool {
    matches!(budget::current(), Some(b) if b.mode == Mode::Ambient)
}

/// Spends a unit of tokio's budget without a `Context`; `false` when it is spent.
#[inline(always)]
pub(crate) fn try_spend() -> bool {
    // `poll_proceed` checks and spends in one access to tokio's context. On a spent budget it
    // hands the no-op waker to tokio's deferred wake-ups, which is harmless; the real waker
    // follows in `wake_after_driver`.
    let mut cx = Context::from_waker(Waker::noop());
    match coop::poll_proceed(&mut cx) {
        Poll::Ready(restore) => {
            // Progress is made: the unit stays spent. `made_progress` only tells the guard's
            // drop to do nothing, and that drop is an out-of-line call into tokio on every unit
            // (11 % of a 10 ns loop's time, measured with `perf`). The guard owns nothing but a
            // copy of the budget, so forgetting it is the same as dropping it after
            // `made_progress`, without the call.
            core::mem::forget(restore);
            true
        }
        Poll::Pending => false,
    }
}

/// tokio's `poll_proceed`, counting its forced yields in coop's count.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<coop::RestoreOnPending> {
    let poll = coop::poll_proceed(cx);
    if poll.is_pending() {
        budget::on_exhausted();
    }
    poll
}

/// Wakes the task after a forced yield the way tokio's own yields do: deferred until the
/// runtime has polled its driver, so timers and sockets get their turn. A plain `wake_by_ref`
/// would put the task straight back in tokio's run queue, and the current-thread scheduler
/// polls its driver only when that queue is empty or every 61 ticks. Outside a runtime tokio
/// wakes the task at once.
#[cold]
pub(crate) fn wake_after_driver(cx: &mut Context<'_>) {
    // Usually tokio's budget is the one spent: `poll_proceed` then defers the waker itself, as
    // for tokio's own forced yields.
    if coop::poll_proceed(cx).is_pending() {
        return;
    }
    // tokio had a unit left (the guard just dropped gives it back): coop's own budget ran out.
    // The first poll of `yield_now` defers the waker with tokio and returns `Pending`; dropping
    // it afterwards leaves the deferred wake-up in place.
    let yield_now = core::pin::pin!(tokio::task::yield_now());
    let _ = yield_now.poll(cx);
}
