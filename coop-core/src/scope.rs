//! Scopes: code run with a budget of its own ([`budget`], [`with_budget`]) or none
//! ([`with_unconstrained`]), the budget before restored when the scope ends, on return and on
//! panic; and what the running code has left of its budget ([`has_budget_remaining`]).

use crate::ambient;
use crate::batch;
use crate::budget::{Budget, default_budget};
use crate::state::{self, Fresh, Mode, Reserve, Saved, current, fresh, install, restore};

/// Restores the budget it saved when dropped, so scopes unwind on return and on panic.
struct Restore(Saved);

impl Drop for Restore {
    fn drop(&mut self) {
        restore(&self.0);
    }
}

fn scoped<R>(budget: Fresh, f: impl FnOnce() -> R) -> R {
    let Some(previous) = state::saved() else {
        return f();
    };
    install(&budget);
    let _restore = Restore(previous);
    f()
}

/// Runs `f` with a fresh budget, the process default ([`default_budget`]: 128 units unless
/// [`set_default_budget`](crate::set_default_budget) changed it), then restores the budget that
/// was there before, also if `f` panics.
///
/// This is the task boundary for executor authors: wrap each poll of a task in it, and every
/// yield point inside spends that task's budget, forcing the task to yield once it is spent.
/// Inside the scope a spent budget stays spent until the scope ends, so the task's yield points
/// return `Pending` and the task goes back to its executor. The exceptions keep an executor
/// nested in the task, polling inside the spent scope, from spinning: a yield point goes on once
/// after its own forced yield, and a hand-written [`poll_proceed`](crate::poll_proceed) call
/// site refused twice gets one unit at its next call ("What coop-core promises" in the crate
/// docs).
///
/// [`default_budget`]: crate::default_budget
///
/// ```
/// use std::task::{Context, Poll, Waker};
///
/// let mut task = Box::pin(async {
///     for _ in 0..200 {
///         coop_core::consume_budget().await;
///     }
/// });
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut polls = 1;
/// while coop_core::budget(|| task.as_mut().poll(&mut cx)).is_pending() {
///     polls += 1;
/// }
/// assert_eq!(polls, 2); // 128 units in the first poll, the rest in the second
/// ```
pub fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(default_budget(), f)
}

/// Runs `f` with a fresh `budget` (a [`Budget`], or a number of units), then restores the
/// previous budget, also on panic.
///
/// Nested scopes work: the inner scope starts fresh, and the outer one gets back exactly what it
/// had, whatever the inner one spent. A time slice of the inner scope runs on its own clock; the
/// outer scope's keeps running meanwhile.
///
/// ```
/// use std::task::{Context, Poll, Waker};
///
/// let mut cx = Context::from_waker(Waker::noop());
/// coop_core::with_budget(3, || {
///     for _ in 0..3 {
///         let Poll::Ready(unit) = coop_core::poll_proceed(&mut cx) else { unreachable!() };
///         unit.made_progress();
///     }
///     // A fourth unit is refused: the caller should yield.
///     assert!(coop_core::poll_proceed(&mut cx).is_pending());
/// });
/// ```
pub fn with_budget<R>(budget: impl Into<Budget>, f: impl FnOnce() -> R) -> R {
    scoped(fresh(budget.into(), Mode::Scoped), f)
}

/// Runs `f` with budgets switched off: no yield point forces a yield, by units or by time, and
/// nothing `f` spends is charged to the surrounding budget. The previous budget is restored
/// afterwards, also on panic. A scope entered inside `f` ([`with_budget`], [`budget`],
/// [`budgeted`](crate::budgeted)) has a budget of its own again, as nested scopes do.
///
/// It switches coop's budget off, not tokio's: with the `tokio` feature, tokio's own sockets,
/// channels and timers polled inside `f` still spend tokio's budget and can still yield. The
/// future wrapper [`unconstrained`](fn@crate::unconstrained) switches both off.
///
/// ```
/// use std::task::{Context, Poll, Waker};
///
/// let mut cx = Context::from_waker(Waker::noop());
/// coop_core::with_budget(1, || {
///     coop_core::with_unconstrained(|| {
///         for _ in 0..1000 {
///             assert!(coop_core::poll_proceed(&mut cx).is_ready());
///         }
///     });
///     assert!(coop_core::has_budget_remaining()); // the one unit is still there
/// });
/// coop_core::with_unconstrained(|| {
///     coop_core::with_budget(1, || {
///         let Poll::Ready(unit) = coop_core::poll_proceed(&mut cx) else { unreachable!() };
///         unit.made_progress(); // the inner scope's one unit
///         assert!(coop_core::poll_proceed(&mut cx).is_pending());
///     });
/// });
/// ```
pub fn with_unconstrained<R>(f: impl FnOnce() -> R) -> R {
    scoped(Fresh::UNCONSTRAINED, f)
}

/// Whether no scope is active on this thread: the state a thread is in between task polls.
pub(crate) fn is_ambient() -> bool {
    current().is_none_or(|state| state.mode == Mode::Ambient)
}

/// Whether the running code may still spend a unit before it is forced to yield.
///
/// Unconstrained code always has budget; so does a thread whose budget is unreachable during
/// thread-local teardown, and every thread under `--cfg coop_disable`, where no budget is spent:
/// a loop bounded by this alone (`while has_budget_remaining() { consume_budget().await }`)
/// never ends there, as inside `unconstrained`, so bound it by its work too. It has no waker to
/// tell tasks apart: on an ambient budget another task spent, it answers `false` until a yield
/// point of this task refills it. Use it to end a batch early, before a yield point would force
/// it. It does not read the clock: a time slice that is over is noticed at the next check, by a
/// yield point.
///
/// In a `#[cooperative]` fn, a loop that calls it by this name (also in a standard macro's
/// operands) spends each iteration's unit from the budget as it goes, so the answer is exact
/// there (the pattern below, with the loop's own yield point spending the unit). Any other loop
/// may count its units in a local between batch ends; asked from a function such a loop calls,
/// or under another name, it counts the units lent to the loop as spent, and so answers `false`
/// before the loop's budget is spent, never after.
///
/// ```
/// let batch = futures::executor::block_on(coop_core::budgeted(async {
///     let mut batch = 0;
///     // Spend until the budget is gone, and stop before a yield point would force a yield.
///     while coop_core::has_budget_remaining() {
///         coop_core::consume_budget().await;
///         batch += 1;
///     }
///     batch
/// }));
/// assert_eq!(batch, coop_core::DEFAULT_BUDGET);
/// ```
#[inline]
#[must_use]
pub fn has_budget_remaining() -> bool {
    let Some(state) = current() else {
        return true;
    };
    let reserve = state::reserve().unwrap_or(Reserve::EMPTY);
    // Asked from code a strip-mined loop calls, the units lent to the loop count as spent: how
    // many of them it spent is in the loop's local.
    let lent = batch::lent_of(state.budget);
    let units_left = state.units > lent
        || reserve.units > 0
        || (reserve.undrawn && default_budget().unit_count() > 0);
    match state.mode {
        Mode::Unconstrained => true,
        Mode::Scoped => units_left,
        // Nor may the ambient source's budget stand in for units the loop holds.
        Mode::Ambient if lent > 0 => units_left && ambient::has_remaining(true, state.budget),
        Mode::Ambient => ambient::has_remaining(units_left, state.budget),
    }
}
