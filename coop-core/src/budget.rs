//! The thread's budget: the state every yield point spends, and the scopes that set it.
//!
//! One `Cell` per thread holds how many units the running task may still spend and in which
//! [`Mode`] it spends them. The fast path of [`try_spend`] is a read, a decrement and a
//! predictable branch; everything that happens when the budget runs out lives in
//! [`on_exhausted`], which is `#[cold]`.

use core::cell::Cell;
use core::sync::atomic::{AtomicU64, Ordering};

/// Units of budget a task gets per poll, the same figure as `tokio::task::coop`.
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
pub(crate) enum Mode {
    /// No scope is active: the thread's own budget, refilled each time it forces a yield, or,
    /// with the `tokio` feature inside a tokio task, tokio's budget.
    Ambient,
    /// Inside [`with_budget`]: the units are the scope's until it ends, and nothing refills them.
    Scoped,
    /// Inside [`with_unconstrained`]: nothing is spent and nothing forces a yield.
    Unconstrained,
}

/// The thread's budget state. `Copy` and four bytes, so the thread-local needs no destructor and
/// stays readable during thread-local teardown.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    pub(crate) units: u16,
    pub(crate) mode: Mode,
    /// Set when a spend found no unit left; cleared when units are handed out again. It makes
    /// [`forced_yield_count`] count each exhaustion once, however many yield points notice it.
    pub(crate) exhausted: bool,
}

impl Budget {
    const AMBIENT: Budget = Budget::fresh(DEFAULT_BUDGET, Mode::Ambient);

    const fn fresh(units: u16, mode: Mode) -> Budget {
        Budget {
            units,
            mode,
            exhausted: false,
        }
    }
}

thread_local! {
    static CURRENT: Cell<Budget> = const { Cell::new(Budget::AMBIENT) };
}

static FORCED_YIELDS: AtomicU64 = AtomicU64::new(0);

/// Reads the thread's budget; `None` only if the thread-local is gone.
#[inline(always)]
pub(crate) fn current() -> Option<Budget> {
    CURRENT.try_with(Cell::get).ok()
}

#[inline(always)]
fn set(budget: Budget) {
    // During thread-local teardown there is nothing left to restore.
    let _ = CURRENT.try_with(|cell| cell.set(budget));
}

/// Spends one unit if there is one. `true`: go on; `false`: the budget is spent and the caller
/// must yield (see `on_exhausted`).
#[inline(always)]
pub fn try_spend() -> bool {
    CURRENT
        .try_with(|cell| {
            let budget = cell.get();
            match budget.mode {
                Mode::Unconstrained => true,
                _ if budget.units > 0 => {
                    // With the tokio bridge the ambient budget spends tokio's unit first: inside
                    // a runtime, tokio decides when to yield.
                    #[cfg(feature = "tokio")]
                    if budget.mode == Mode::Ambient && !crate::tokio_bridge::try_spend() {
                        return false;
                    }
                    cell.set(Budget {
                        units: budget.units - 1,
                        ..budget
                    });
                    true
                }
                #[cfg(feature = "tokio")]
                Mode::Ambient => ambient_ran_out_in_tokio(cell),
                _ => false,
            }
        })
        .unwrap_or(true)
}

/// The ambient counter ran out. Inside a tokio task tokio's budget is the one that counts, so the
/// counter refills and tokio's unit decides; elsewhere (no runtime, or the root future of
/// `Runtime::block_on`), coop's ambient budget is spent and the caller must yield. Checking for
/// a task only here, once per [`DEFAULT_BUDGET`] units, keeps `tokio::task::try_id` off the
/// fast path. tokio is asked first: in a task that spends only coop's yield points, both
/// budgets run out together, and tokio's empty budget then settles it without `try_id` (and
/// without `poll_proceed`, which would queue a wake-up for the no-op waker).
#[cfg(feature = "tokio")]
#[cold]
#[inline(never)]
fn ambient_ran_out_in_tokio(cell: &Cell<Budget>) -> bool {
    tokio::task::coop::has_budget_remaining()
        && crate::tokio_bridge::try_spend()
        && crate::tokio_bridge::in_task()
        && refill_spending_one(cell)
}

/// Refills the ambient counter inside a tokio task, taking the unit being spent.
#[cfg(feature = "tokio")]
fn refill_spending_one(cell: &Cell<Budget>) -> bool {
    cell.set(Budget::fresh(DEFAULT_BUDGET - 1, Mode::Ambient));
    true
}

/// [`try_spend`] for `poll_proceed`, once tokio's unit is already taken: spends coop's ambient
/// unit alone. `false`: the ambient budget is spent outside a tokio task.
#[cfg(feature = "tokio")]
pub(crate) fn spend_ambient_unit() -> bool {
    CURRENT
        .try_with(|cell| {
            let budget = cell.get();
            if budget.units > 0 {
                cell.set(Budget {
                    units: budget.units - 1,
                    ..budget
                });
                true
            } else {
                crate::tokio_bridge::in_task() && refill_spending_one(cell)
            }
        })
        .unwrap_or(true)
}

/// Gives back a unit that [`try_spend`] took for an operation that made no progress.
pub(crate) fn refund() {
    if let Some(budget) = current()
        && budget.mode != Mode::Unconstrained
    {
        set(Budget {
            units: budget.units.saturating_add(1),
            ..budget
        });
    }
}

/// Spends a unit if one is left, and never asks for a yield: for the poll right after a forced
/// yield, which must complete whatever the scope did.
pub(crate) fn spend_if_any() {
    #[cfg(feature = "tokio")]
    if matches!(current(), Some(b) if b.mode == Mode::Ambient) {
        // Never yields: a refused unit is simply not spent.
        let _ = crate::tokio_bridge::try_spend();
    }
    if let Some(budget) = current()
        && budget.mode != Mode::Unconstrained
        && budget.units > 0
    {
        set(Budget {
            units: budget.units - 1,
            ..budget
        });
    }
}

/// Called when [`try_spend`] found the budget spent and the caller is about to return
/// `Pending`: counts the exhaustion once, reports it, and refills an ambient budget (no executor
/// will, so the thread refills its own at each forced yield).
#[cold]
#[inline(never)]
pub(crate) fn on_exhausted() {
    let Some(budget) = current() else { return };
    if !budget.exhausted {
        FORCED_YIELDS.fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "tracing")]
        tracing::trace!(
            target: "coop",
            scope = ?budget.mode,
            "budget exhausted: forcing a yield to the executor"
        );
    }
    set(match budget.mode {
        Mode::Ambient => Budget::AMBIENT,
        _ => Budget {
            exhausted: true,
            ..budget
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
        Some(budget) => match budget.mode {
            Mode::Unconstrained => true,
            #[cfg(feature = "tokio")]
            Mode::Ambient => {
                tokio::task::coop::has_budget_remaining()
                    && (budget.units > 0 || crate::tokio_bridge::in_task())
            }
            _ => budget.units > 0,
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
struct Restore(Budget);

impl Drop for Restore {
    fn drop(&mut self) {
        set(self.0);
    }
}

fn scoped<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    let Some(previous) = current() else {
        return f();
    };
    set(budget);
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
    scoped(Budget::fresh(units, Mode::Scoped), f)
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
    scoped(Budget::fresh(0, Mode::Unconstrained), f)
}
