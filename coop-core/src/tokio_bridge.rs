//! The `tokio` feature: inside a tokio task, the ambient budget is tokio's own.
//!
//! A coop yield point and tokio's sockets and channels then spend one budget, and
//! `tokio::task::unconstrained` silences coop's yield points too. Explicit coop scopes
//! ([`budget`](crate::budget), [`with_unconstrained`](crate::with_unconstrained), ...) still win:
//! the bridge only stands in for the ambient budget.
//!
//! Detection is `tokio::task::try_id()`, a read of tokio's thread-local context: no handle
//! clone, no atomic. The root future of `Runtime::block_on` is not a task, so it keeps coop's
//! ambient budget.

use core::task::{Context, Poll, Waker};

use tokio::task::coop;

use crate::budget::{self, Mode};

/// Whether the caller runs inside a tokio task.
#[inline(always)]
pub(crate) fn in_task() -> bool {
    tokio::task::try_id().is_some()
}

/// Whether the running code's budget is tokio's: no coop scope, inside a tokio task.
#[inline(always)]
pub(crate) fn in_ambient_task() -> bool {
    matches!(budget::current(), Some(b) if b.mode == Mode::Ambient) && in_task()
}

/// Spends a unit of tokio's budget without a `Context`; `false` when it is spent.
#[inline(always)]
pub(crate) fn try_spend() -> bool {
    if !coop::has_budget_remaining() {
        return false;
    }
    // There is budget left, so tokio returns `Ready` and never touches the waker.
    let mut cx = Context::from_waker(Waker::noop());
    match coop::poll_proceed(&mut cx) {
        Poll::Ready(restore) => {
            restore.made_progress();
            true
        }
        Poll::Pending => false,
    }
}

/// Spends a unit of tokio's budget if one is left, never yielding.
pub(crate) fn spend_if_any() {
    let _ = try_spend();
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

/// Registers the task with tokio for the wake-up after a forced yield.
#[cold]
pub(crate) fn register<T>(cx: &mut Context<'_>) -> Poll<T> {
    match coop::poll_proceed(cx) {
        // The budget came back in between: still yield, as promised, but charge nothing.
        Poll::Ready(_restore) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Poll::Pending => Poll::Pending,
    }
}
