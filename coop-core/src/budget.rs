//! The thread's budget: the state every yield point spends, and the scopes that set it.
//!
//! One `Cell` per thread holds how many units the running code may still spend and in which
//! [`Mode`]. With no scope active the units are the thread's ambient counter, and the ambient
//! source (`ambient`) has a say in every spend. There is one way to spend, [`spend`]: the fast
//! path `try_spend` and `poll_proceed`'s [`poll_spend`] are its two callers, and everything that
//! happens once the budget runs out ([`force_yield`], the counter's refill) is out of line.

use core::cell::Cell;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};

use crate::ambient;

/// Units of budget a task gets per poll.
///
/// It is what [`budget`] and [`budgeted`](crate::budgeted) hand out and what the thread's ambient
/// budget refills to.
///
/// ```
/// assert_eq!(coop_core::DEFAULT_BUDGET, 128);
/// ```
pub const DEFAULT_BUDGET: u16 = 128;

/// Where the running code's budget comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// No scope is active: the thread's ambient counter, refilled each time it forces a yield,
    /// together with the ambient source.
    Ambient,
    /// Inside [`with_budget`]: the units are the scope's until it ends, and nothing refills them.
    Scoped,
    /// Inside [`with_unconstrained`]: nothing is spent and nothing forces a yield.
    Unconstrained,
}

/// The thread's budget state. `Copy` and four bytes, so the thread-local needs no destructor and
/// stays readable during thread-local teardown.
#[derive(Clone, Copy, Debug)]
struct State {
    units: u16,
    mode: Mode,
    /// Set when a spend found no unit left; cleared when units are handed out again. It makes
    /// [`forced_yield_count`] count each exhaustion once, however many yield points notice it.
    exhausted: bool,
}

impl State {
    const AMBIENT: State = State::fresh(DEFAULT_BUDGET, Mode::Ambient);

    const fn fresh(units: u16, mode: Mode) -> State {
        State {
            units,
            mode,
            exhausted: false,
        }
    }

    /// The same state with one unit fewer; only called when a unit is left.
    const fn spent_one(self) -> State {
        State {
            units: self.units - 1,
            ..self
        }
    }
}

thread_local! {
    static CURRENT: Cell<State> = const { Cell::new(State::AMBIENT) };
}

static FORCED_YIELDS: AtomicU64 = AtomicU64::new(0);

/// Reads the thread's budget; `None` only if the thread-local is gone.
#[inline(always)]
fn current() -> Option<State> {
    CURRENT.try_with(Cell::get).ok()
}

#[inline(always)]
fn set(state: State) {
    // During thread-local teardown there is nothing left to restore.
    let _ = CURRENT.try_with(|cell| cell.set(state));
}

/// A unit a yield point spent, until the operation it paid for says whether it made progress:
/// [`keep`](Charge::keep) or [`refund`](Charge::refund).
pub(crate) enum Charge {
    /// Nothing was charged: unconstrained code, or a budget unreachable during teardown.
    Nothing,
    /// A unit of a scope's budget.
    Scope,
    /// A unit of the ambient budget: one of the counter's, and the source's.
    Ambient(ambient::Unit),
}

impl Charge {
    /// The operation made progress: the unit stays spent.
    #[inline(always)]
    pub(crate) fn keep(self) {
        if let Charge::Ambient(unit) = self {
            unit.keep();
        }
    }

    /// The operation made no progress: the unit goes back, to coop's budget and to the source.
    pub(crate) fn refund(self) {
        match self {
            Charge::Nothing => {}
            Charge::Scope => refund_unit(),
            Charge::Ambient(unit) => {
                refund_unit();
                unit.refund();
            }
        }
    }
}

/// Why a spend was refused, which decides who wakes the task.
enum Refused {
    /// coop's budget is spent (a scope's, or the ambient counter with nothing to refill it):
    /// the caller forces the yield and wakes the task.
    Budget,
    /// The ambient source is spent and has registered the spending context's waker: the caller
    /// still counts the forced yield, but a real waker is already taken care of.
    Source,
}

/// Spends one unit of the thread's budget: the one place that decides.
///
/// `cx` only reaches the ambient source, which registers its waker when it refuses. Each caller
/// reads the thread-local itself, so that what it does with the [`Charge`] stays inside that
/// one access.
#[inline(always)]
fn spend(cell: &Cell<State>, cx: &mut Context<'_>) -> Result<Charge, Refused> {
    let state = cell.get();
    match state.mode {
        Mode::Unconstrained => Ok(Charge::Nothing),
        // One arm for both kinds of budget, so that deciding costs one branch whichever it is.
        _ if state.units > 0 => {
            let charge = match state.mode {
                Mode::Ambient => match ambient::spend(cx) {
                    Poll::Ready(unit) => Charge::Ambient(unit),
                    Poll::Pending => return Err(Refused::Source),
                },
                _ => Charge::Scope,
            };
            cell.set(state.spent_one());
            Ok(charge)
        }
        Mode::Scoped => Err(Refused::Budget),
        // The counter is empty: where the source keeps a budget per task poll, the counter is
        // only its fallback and refills, taking the unit being spent.
        Mode::Ambient => match ambient::refill(cx) {
            Some(unit) => {
                cell.set(State::AMBIENT.spent_one());
                Ok(Charge::Ambient(unit))
            }
            None => Err(Refused::Budget),
        },
    }
}

/// The fast path of the yield point `#[cooperative]` inserts: spends one unit and keeps it.
/// `true`: go on; `false`: the budget is spent, and the caller must yield by awaiting
/// `forced_yield()`, which wakes the task.
///
/// No waker is at hand here, so the source gets a no-op one; a refusal by the source is then
/// one more reason for the caller's forced yield, which registers the task's real waker.
#[inline(always)]
pub fn try_spend() -> bool {
    CURRENT
        .try_with(|cell| {
            spend(cell, &mut Context::from_waker(Waker::noop()))
                .map(Charge::keep)
                .is_ok()
        })
        // During thread-local teardown nothing is charged and nothing forces a yield.
        .unwrap_or(true)
}

/// Spends one unit for `poll_proceed`. `Pending`: the budget is spent, the forced yield is
/// counted, and the task will be woken.
#[inline]
pub(crate) fn poll_spend(cx: &mut Context<'_>) -> Poll<Charge> {
    match CURRENT
        .try_with(|cell| spend(cell, cx))
        .unwrap_or(Ok(Charge::Nothing))
    {
        Ok(charge) => Poll::Ready(charge),
        Err(Refused::Budget) => {
            force_yield(cx);
            Poll::Pending
        }
        // The source holds the task's own waker and wakes the task itself.
        Err(Refused::Source) => {
            on_exhausted();
            Poll::Pending
        }
    }
}

/// Gives a unit back to the running code's budget, unless it is unconstrained by now.
fn refund_unit() {
    if let Some(state) = current()
        && state.mode != Mode::Unconstrained
    {
        set(State {
            units: state.units.saturating_add(1),
            ..state
        });
    }
}

/// Spends a unit if one is left, and never refuses: for the poll right after a forced yield,
/// which must complete whatever the budget says.
pub(crate) fn spend_if_any() {
    let Some(state) = current() else { return };
    if state.mode == Mode::Unconstrained {
        return;
    }
    if state.mode == Mode::Ambient
        && let Poll::Ready(unit) = ambient::spend(&mut Context::from_waker(Waker::noop()))
    {
        // A unit the source refuses is simply not spent.
        unit.keep();
    }
    if state.units > 0 {
        set(state.spent_one());
    }
}

/// The budget is spent and the caller is about to return `Pending`: counts the exhaustion,
/// refills an ambient budget, and wakes the task as the ambient source wants it woken.
#[cold]
#[inline(never)]
pub(crate) fn force_yield(cx: &mut Context<'_>) {
    on_exhausted();
    ambient::wake_after_forced_yield(cx);
}

/// Counts the exhaustion once, reports it, and refills an ambient counter: no executor will, so
/// the thread refills its own at each forced yield.
#[cold]
#[inline(never)]
fn on_exhausted() {
    let Some(state) = current() else { return };
    if !state.exhausted {
        FORCED_YIELDS.fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "tracing")]
        tracing::trace!(
            target: "coop",
            scope = ?state.mode,
            "budget exhausted: forcing a yield to the executor"
        );
    }
    set(match state.mode {
        Mode::Ambient => State::AMBIENT,
        _ => State {
            exhausted: true,
            ..state
        },
    });
}

/// Whether the running code may still spend a unit before it is forced to yield.
///
/// Unconstrained code always has budget; so does a thread whose budget is unreachable during
/// thread-local teardown. Use it to end a batch early, before a yield point would force it.
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
pub fn has_budget_remaining() -> bool {
    if cfg!(coop_disable) {
        return true;
    }
    match current() {
        None => true,
        Some(state) => match state.mode {
            Mode::Unconstrained => true,
            Mode::Scoped => state.units > 0,
            Mode::Ambient => ambient::has_remaining(state.units > 0),
        },
    }
}

/// How many times, process-wide, a budget ran out and forced a yield, counted once per
/// exhaustion however many yield points see it.
///
/// Only the slow path touches the counter, so it costs nothing while budget remains.
///
/// ```
/// let before = coop_core::forced_yield_count();
/// futures::executor::block_on(async {
///     for _ in 0..=coop_core::DEFAULT_BUDGET {
///         coop_core::consume_budget().await; // the 129th forces a yield
///     }
/// });
/// assert!(coop_core::forced_yield_count() > before);
/// ```
pub fn forced_yield_count() -> u64 {
    FORCED_YIELDS.load(Ordering::Relaxed)
}

/// Restores the budget it saved when dropped, so scopes unwind on return and on panic.
struct Restore(State);

impl Drop for Restore {
    fn drop(&mut self) {
        set(self.0);
    }
}

fn scoped<R>(state: State, f: impl FnOnce() -> R) -> R {
    let Some(previous) = current() else {
        return f();
    };
    set(state);
    let _restore = Restore(previous);
    f()
}

/// Runs `f` with a fresh budget of [`DEFAULT_BUDGET`] units, then restores the budget that was
/// there before, also if `f` panics.
///
/// This is the task boundary for executor authors: wrap each poll of a task in it, and every
/// yield point inside spends that task's budget, forcing the task to yield once it is spent.
/// Inside the scope a spent budget stays spent until the scope ends, so every yield point of the
/// task returns `Pending` and the task goes back to its executor.
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
    with_budget(DEFAULT_BUDGET, f)
}

/// Runs `f` with a fresh budget of `units`, then restores the previous budget, also on panic.
///
/// Nested scopes work: the inner scope starts fresh, and the outer one gets back exactly what it
/// had, whatever the inner one spent.
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
pub fn with_budget<R>(units: u16, f: impl FnOnce() -> R) -> R {
    scoped(State::fresh(units, Mode::Scoped), f)
}

/// Runs `f` with budgets switched off: no yield point forces a yield, and nothing `f` spends is
/// charged to the surrounding budget. The previous budget is restored afterwards, also on panic.
///
/// ```
/// use std::task::{Context, Waker};
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
/// ```
pub fn with_unconstrained<R>(f: impl FnOnce() -> R) -> R {
    scoped(State::fresh(0, Mode::Unconstrained), f)
}
