//! Yield points: [`consume_budget`] for async code, [`poll_proceed`] for hand-written futures.

use core::cell::Cell;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::resumed;
use crate::sites::{Site, SiteRef};
use crate::state::{self, Charge, Resume};

/// Spends one unit of the running task's budget; once the budget is spent, yields to the
/// executor first.
///
/// While budget remains, the returned future completes on its first poll. When the budget is
/// spent it returns `Pending` once, waking the task, and completes on its next poll, spending
/// one unit of the budget it finds then. The future is `Send`, so it fits in any task.
///
/// Put it in loops that may never return `Pending` by themselves: parsing a buffer, draining a
/// stream that is always ready, spinning on a flag. `#[cooperative]` inserts it for you. Its
/// forced yields are counted for the caller's line in [`sites`](crate::sites).
///
/// ```
/// # futures::executor::block_on(async {
/// let mut sum = 0u64;
/// for i in 0..10_000u64 {
///     sum += i;
///     coop_core::consume_budget().await; // lets other tasks run every 128 iterations
/// }
/// assert_eq!(sum, 49_995_000);
/// # });
/// ```
#[track_caller]
pub fn consume_budget() -> ConsumeBudget {
    ConsumeBudget {
        stage: Stage::Spend,
        site: SiteRef::Caller(core::panic::Location::caller()),
    }
}

/// The slow path of the yield point `#[cooperative]` inserts: its inlined fast path already
/// found the budget spent, so this future forces the yield on its first poll without asking
/// the budget again, then completes as [`ConsumeBudget`] does. The yield is counted for `site`,
/// the `static` the expansion holds beside the yield point.
pub fn forced_yield_at(site: &'static Site) -> ConsumeBudget {
    ConsumeBudget::exhausted(SiteRef::Static(site))
}

/// The future returned by [`consume_budget`].
///
/// ```
/// let spend: coop_core::ConsumeBudget = coop_core::consume_budget();
/// # futures::executor::block_on(spend);
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ConsumeBudget {
    stage: Stage,
    site: SiteRef,
}

/// Where a [`ConsumeBudget`] stands.
#[derive(Clone, Copy, Debug)]
enum Stage {
    /// Not polled yet: spend a unit, or yield if there is none.
    Spend,
    /// The caller already found the budget spent: yield.
    Exhausted,
    /// The yield happened, with what it keeps for the next poll: complete.
    Yielded(Resume),
    /// Completed after its yield: nothing left to do, also when dropped.
    Done,
}

impl ConsumeBudget {
    /// The slow path of a yield point whose fast path found the budget spent, at `site`.
    pub(crate) fn exhausted(site: SiteRef) -> ConsumeBudget {
        ConsumeBudget {
            stage: Stage::Exhausted,
            site,
        }
    }
}

impl Future for ConsumeBudget {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.stage {
            Stage::Spend if state::try_spend() => return Poll::Ready(()),
            Stage::Spend | Stage::Exhausted => {}
            Stage::Yielded(resume) => {
                // The yield already happened: complete, whatever the budget says now, so that
                // a scope that is never refreshed cannot hold this future forever.
                self.stage = Stage::Done;
                resumed::spend_if_any(resume, cx);
                return Poll::Ready(());
            }
            Stage::Done => return Poll::Ready(()),
        }
        match state::force_yield(cx, self.site) {
            Some(resume) => {
                self.stage = Stage::Yielded(resume);
                Poll::Pending
            }
            // Another task's exhaustion: this task's budget is fresh.
            None => Poll::Ready(()),
        }
    }
}

impl Drop for ConsumeBudget {
    #[inline]
    fn drop(&mut self) {
        // Dropped after its yield, before the poll that would have completed it: the next
        // refusal at its call site stands for that poll.
        if let Stage::Yielded(resume) = self.stage {
            resumed::cancelled(resume, self.site);
        }
    }
}

/// Spends one unit of the running task's budget from a hand-written future's `poll`, and
/// returns `Pending` (waking the task) when the budget is spent.
///
/// The unit is only charged if the operation makes progress: call
/// [`RestoreOnPending::made_progress`] when it does. Dropping the guard without that call gives
/// the unit back, so a poll that ends up `Pending` for its own reasons costs nothing. Its
/// forced yields are counted for the caller's line in [`sites`](crate::sites).
///
/// ```
/// use std::pin::Pin;
/// use std::task::{ready, Context, Poll};
///
/// /// An always-ready stream of numbers that still lets other tasks run.
/// struct Counter(u64);
///
/// impl futures::Stream for Counter {
///     type Item = u64;
///     fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u64>> {
///         let restore = ready!(coop_core::poll_proceed(cx));
///         self.0 += 1;
///         restore.made_progress();
///         Poll::Ready(Some(self.0))
///     }
/// }
/// # use futures::StreamExt;
/// # futures::executor::block_on(async {
/// #     assert_eq!(Counter(0).take(300).count().await, 300);
/// # });
/// ```
#[inline]
#[track_caller]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    poll_proceed_at(cx, SiteRef::Caller(core::panic::Location::caller()))
}

/// [`poll_proceed`] for the yield point at `site`.
#[inline]
pub(crate) fn poll_proceed_at(cx: &mut Context<'_>, site: SiteRef) -> Poll<RestoreOnPending> {
    // A hand-written future keeps no pace: its next budget measures it again.
    match state::poll_spend(cx, site, true) {
        Ok(charge) => Poll::Ready(RestoreOnPending::new(charge)),
        Err(_) => Poll::Pending,
    }
}

/// The guard [`poll_proceed`] returns: gives the unit back when dropped, unless
/// [`made_progress`](Self::made_progress) was called. The unit goes back only to the budget
/// that charged it (not to a scope around it, nor to a budget refilled since), only while that
/// budget is not spent (once it forced a yield it stays spent), and only when the guard is
/// dropped while that budget is the running code's: dropped inside another scope, an inner one
/// included, the unit is not given back at all. With the `tokio` feature, in a tokio task, the
/// unit goes back to tokio's budget by tokio's own means: its guard sets the budget back to what
/// it was when the unit was taken. So drop the guard, or call `made_progress`, before polling
/// anything else, as tokio's own resources do with theirs: coop keeps a unit of its own taken
/// after the guard from coming back with it (tokio's unit then stays spent), but it cannot see
/// the units tokio's resources take (a channel's `recv().await` while the guard is held), and
/// those come back with it.
///
/// It belongs to the thread whose budget it charged, so it is not `Send`.
///
/// ```
/// use std::task::{Context, Poll, Waker};
///
/// let mut cx = Context::from_waker(Waker::noop());
/// coop_core::with_budget(1, || {
///     let Poll::Ready(restore) = coop_core::poll_proceed(&mut cx) else { unreachable!() };
///     assert!(!coop_core::has_budget_remaining());
///     drop(restore); // no progress: the unit comes back
///     assert!(coop_core::has_budget_remaining());
/// });
/// coop_core::with_budget(1, || {
///     let Poll::Ready(restore) = coop_core::poll_proceed(&mut cx) else { unreachable!() };
///     coop_core::with_budget(5, || drop(restore)); // dropped in an inner scope: lost
///     assert!(!coop_core::has_budget_remaining());
/// });
/// ```
#[must_use = "call `made_progress()` when the operation made progress, or the unit is given back"]
pub struct RestoreOnPending {
    charge: Cell<Charge>,
    not_send: PhantomData<*const ()>,
}

impl RestoreOnPending {
    pub(crate) fn new(charge: Charge) -> Self {
        RestoreOnPending {
            charge: Cell::new(charge),
            not_send: PhantomData,
        }
    }

    /// Keeps the unit charged: the operation made progress.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let mut cx = Context::from_waker(Waker::noop());
    /// coop_core::with_budget(1, || {
    ///     if let Poll::Ready(restore) = coop_core::poll_proceed(&mut cx) {
    ///         restore.made_progress();
    ///     }
    ///     assert!(!coop_core::has_budget_remaining());
    /// });
    /// ```
    pub fn made_progress(&self) {
        self.charge.replace(Charge::Nothing).keep();
    }
}

impl core::fmt::Debug for RestoreOnPending {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RestoreOnPending").finish_non_exhaustive()
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        // `Nothing` once `made_progress` kept the unit.
        self.charge.replace(Charge::Nothing).refund();
    }
}
