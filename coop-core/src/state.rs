//! The thread's budget: the state every yield point spends, and the scopes that set it.
//!
//! One `Cell` per thread (without `std`, one atomic word: `platform`) holds the fast path's
//! counter: how many units the running code may still spend before the slow path has to look,
//! and in which [`Mode`]. With no scope active the
//! units are the thread's ambient counter, and the ambient source (`ambient`) has a say in every
//! spend. There is one way to spend, [`spend`]: the fast path `try_spend` and `poll_proceed`'s
//! [`poll_spend`] are its two callers, and everything that happens once the counter is empty
//! ([`spend_slow`]: the next chunk of a time-sliced budget, the ambient refill; [`force_yield`])
//! is out of line.
//!
//! A second `Cell`, read only on the slow path, holds the rest of the budget ([`Reserve`]): the
//! units not yet handed to the counter and the time slice. Without a slice the counter holds the
//! whole budget and the reserve is empty, so a budget without a slice behaves, and costs, as a
//! plain count of units.

use core::cell::Cell;
use core::task::{Context, Poll, Waker};

use crate::ambient;
use crate::budget::{Budget, default_budget};
use crate::clock;
use crate::counts;
use crate::exhaustion;
use crate::platform::{self, FastCell};
use crate::sites::{self, SiteRef};
use crate::slice::{Check, PaceHint, Timing};

#[path = "state/packed.rs"]
mod packed;
/// Where the running code's budget comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// No scope is active: the thread's ambient counter, refilled each time it forces a yield,
    /// together with the ambient source.
    Ambient,
    /// Inside [`with_budget`]: the units are the scope's until it ends, and nothing refills them.
    Scoped,
    /// Inside [`with_unconstrained`]: nothing is spent and nothing forces a yield.
    Unconstrained,
}

/// The fast path's counter. `Copy` and eight bytes, so the thread-local needs no destructor and
/// stays readable during thread-local teardown. Without `std` it is packed in a word (`packed`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct State {
    pub(crate) units: u16,
    pub(crate) mode: Mode,
    /// Set when a spend found no unit left (or the ambient source refused one); cleared when a
    /// unit is spent again. It makes [`forced_yield_count`](crate::forced_yield_count) count each exhaustion once, however
    /// many yield points notice it, and keeps a refund from reviving a spent budget.
    pub(crate) exhausted: bool,
    /// Which budget this is: a new number for each scope entered and each ambient refill, so
    /// that a unit is refunded only to the budget that charged it.
    pub(crate) budget: u32,
}

impl State {
    /// A fresh thread's counter: empty, so that the first spend draws the process default.
    const UNDRAWN: State = State::fresh(0, Mode::Ambient);

    pub(crate) const fn fresh(units: u16, mode: Mode) -> State {
        State {
            units,
            mode,
            exhausted: false,
            budget: 0,
        }
    }

    /// The same state with one unit fewer; only called when a unit is left.
    pub(crate) const fn spent_one(self) -> State {
        State {
            units: self.units - 1,
            exhausted: false,
            ..self
        }
    }
}

/// The part of a budget only the slow path reads: units not yet handed to the counter, and
/// whether they are spent under a time slice. `Copy`, without a destructor, like [`State`]. The
/// slice's own bookkeeping ([`Timing`]) is a third thread-local, read only by budgets with a
/// slice, so that a budget without one copies as little as it can.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reserve {
    /// Units of the budget not yet in the counter; only a budget with a slice keeps any here.
    pub(crate) units: u16,
    /// The budget has a time slice: the thread's `Timing` is its.
    sliced: bool,
    /// An ambient budget not drawn yet: a fresh thread's, which reads the process default at
    /// its first spend (a thread-local's initial value cannot).
    pub(crate) undrawn: bool,
    /// Hand-written call sites a spent scope refused, one bit per site's hash.
    refused: u64,
    /// Sites whose yield point this spent scope forced to yield and that were dropped before
    /// being polled again, one bit per site's hash (see `resumed::cancelled`).
    pub(crate) cancelled: u64,
}

impl Reserve {
    pub(crate) const EMPTY: Reserve = Reserve {
        units: 0,
        sliced: false,
        undrawn: false,
        refused: 0,
        cancelled: 0,
    };

    const UNDRAWN: Reserve = Reserve {
        undrawn: true,
        ..Reserve::EMPTY
    };

    /// Nothing to hand the counter: no slice's units left, no process default to draw.
    #[inline(always)]
    fn holds_nothing(self) -> bool {
        !self.undrawn && (!self.sliced || self.units == 0)
    }
}

/// A fresh budget, numbered anew: without a slice, all units in the counter; with one, all in
/// the reserve, so the first spend reaches the slow path and starts the slice.
pub(crate) fn fresh(budget: Budget, mode: Mode) -> Fresh {
    let number = NEXT_BUDGET
        .try_with(|next| {
            next.set(next.get().wrapping_add(1));
            next.get()
        })
        .unwrap_or(0);
    let slice = budget.slice_nanos();
    let (units, reserve) = match slice {
        None => (budget.unit_count(), Reserve::EMPTY),
        Some(_) => (
            0,
            Reserve {
                units: budget.unit_count(),
                sliced: true,
                ..Reserve::EMPTY
            },
        ),
    };
    Fresh {
        state: State {
            budget: number,
            ..State::fresh(units, mode)
        },
        reserve,
        slice,
    }
}

/// A fresh budget: its counter, its reserve, and its time slice in nanoseconds, whose
/// bookkeeping starts anew when it is installed. Small and `Copy`: a refill builds none of the
/// slice's bookkeeping it does not need.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fresh {
    pub(crate) state: State,
    pub(crate) reserve: Reserve,
    pub(crate) slice: Option<u64>,
}

impl Fresh {
    /// No budget at all: nothing spent, nothing forces a yield.
    pub(crate) const UNCONSTRAINED: Fresh = Fresh {
        state: State::fresh(0, Mode::Unconstrained),
        reserve: Reserve::EMPTY,
        slice: None,
    };
}

/// Makes `budget` the thread's, its slice's bookkeeping started anew if it has a slice; an
/// ambient one is the running task's.
pub(crate) fn install(budget: &Fresh) {
    set(budget.state);
    install_reserve(budget);
}

/// [`install`] but for the counter, which the caller keeps.
fn install_reserve(budget: &Fresh) {
    // Whose a slice is matters when it refills (`spend_slow`); a budget without one is noted
    // nowhere, so that its forced yields pay nothing for it.
    if budget.slice.is_some() && budget.state.mode == Mode::Ambient {
        ambient::budget_installed();
    }
    set_reserve(budget.reserve);
    if let Some(limit) = budget.slice {
        let _ = TIMING.try_with(|timing| timing.start(limit));
    }
}

/// The thread's budget whole, as [`saved`] keeps it: its slice's bookkeeping only if it has a
/// slice.
pub(crate) struct Saved {
    state: State,
    reserve: Reserve,
    timing: Option<Timing>,
}

/// The thread's budget whole, to [`restore`] later; `None` where none is reachable.
pub(crate) fn saved() -> Option<Saved> {
    let (state, reserve) = (current()?, reserve()?);
    Some(Saved {
        state,
        reserve,
        timing: with_timing(reserve, Timing::clone),
    })
}

/// Makes a [`saved`] budget the thread's again, as it was.
pub(crate) fn restore(saved: &Saved) {
    set(saved.state);
    set_reserve(saved.reserve);
    if let Some(timing) = &saved.timing {
        set_timing(timing);
    }
}

/// What a yield point forced to yield keeps until it is polled again: its loop's pace, and which
/// exhaustion of the ambient budget it yielded to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resume {
    pub(crate) pace: Option<PaceHint>,
    /// Which exhaustion it yielded to, and on which thread: the pace's clock readings are that
    /// thread's, since a clock may keep one time per thread.
    pub(crate) exhaustion: exhaustion::Mark,
    /// The number of the budget that yielded, so that a yield point dropped before it is polled
    /// again marks its site in that budget only (see `resumed::cancelled`).
    pub(crate) budget: u32,
}

impl Resume {
    /// What a yield point keeps when its yield belongs to no budget.
    const NONE: Resume = Resume {
        pace: None,
        exhaustion: exhaustion::Mark::NONE,
        budget: 0,
    };
}

platform::fast_local! {
    static CURRENT: State = State::UNDRAWN;
}
platform::local! {
    static RESERVE: Reserve = Reserve::UNDRAWN;
    static NEXT_BUDGET: u32 = 0;
}
platform::local_cells! {
    static TIMING: Timing = Timing::none();
}

/// Runs `f` on the thread's counter; `None` where no budget is reachable, which every caller
/// treats as unconstrained: during thread-local teardown, and always under `--cfg
/// coop_disable`, where yield points proceed and nothing is spent. The one place that `cfg`
/// is read in this crate's logic.
#[inline(always)]
fn with_counter<R>(f: impl FnOnce(&FastCell<State>) -> R) -> Option<R> {
    if cfg!(coop_disable) {
        return None;
    }
    CURRENT.try_with(f).ok()
}

/// Reads the thread's budget; `None` where none is reachable (see [`with_counter`]).
#[inline(always)]
pub(crate) fn current() -> Option<State> {
    with_counter(|cell| cell.get())
}

#[inline(always)]
pub(crate) fn set(state: State) {
    // During thread-local teardown there is nothing left to restore.
    let _ = with_counter(|cell| cell.set(state));
}

pub(crate) fn reserve() -> Option<Reserve> {
    RESERVE.try_with(Cell::get).ok()
}

pub(crate) fn set_reserve(reserve: Reserve) {
    let _ = RESERVE.try_with(|cell| cell.set(reserve));
}

/// Runs `f` on the thread's slice bookkeeping in place, that of the budget whose reserve is
/// `reserve`; `None` without a slice, and during thread-local teardown.
#[inline(always)]
fn with_timing<R>(reserve: Reserve, f: impl FnOnce(&Timing) -> R) -> Option<R> {
    if !reserve.sliced {
        return None;
    }
    TIMING.try_with(f).ok()
}

fn set_timing(timing: &Timing) {
    let _ = TIMING.try_with(|cell| cell.copy_from(timing));
}

/// A unit a yield point spent, until the operation it paid for says whether it made progress:
/// [`keep`](Charge::keep) or [`refund`](Charge::refund).
pub(crate) enum Charge {
    /// Nothing was charged: unconstrained code, or a budget unreachable during teardown.
    Nothing,
    /// A unit of a scope's budget, by its number.
    Scope(u32),
    /// A unit of the ambient budget (by its number): one of the counter's, and the source's;
    /// with the counter's units right after it was taken.
    Ambient(ambient::Unit, u32, u16),
}

impl Charge {
    /// The operation made progress: the unit stays spent.
    #[inline(always)]
    pub(crate) fn keep(self) {
        if let Charge::Ambient(unit, ..) = self {
            unit.keep();
        }
    }

    /// The operation made no progress: the unit goes back to coop's budget if that is still the
    /// one that charged it and not spent since, and to the source if no ambient unit was taken
    /// since: tokio's guard restores tokio's budget to what it was before the unit, so a refund
    /// after later units would give those back too. A unit the source cannot take back stays
    /// spent there.
    pub(crate) fn refund(self) {
        match self {
            Charge::Nothing => {}
            Charge::Scope(budget) => refund_unit(budget),
            Charge::Ambient(unit, budget, units_after) => {
                let latest = current()
                    .is_some_and(|state| state.budget == budget && state.units == units_after);
                refund_unit(budget);
                if latest {
                    unit.refund();
                } else {
                    unit.keep();
                }
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
/// `cx` reaches the ambient source, which registers its waker when it refuses; `task`: whether
/// `cx` holds the spending task's own waker (the fast path has only a no-op one). Each caller
/// reads the thread-local itself, so that what it does with the [`Charge`] stays inside that
/// one access.
#[inline(always)]
fn spend(cell: &FastCell<State>, cx: &mut Context<'_>, task: bool) -> Result<Charge, Refused> {
    let state = cell.get();
    match state.mode {
        Mode::Unconstrained => Ok(Charge::Nothing),
        // One arm for both kinds of budget, so that deciding costs one branch whichever it is.
        _ if state.units > 0 => {
            let charge = match state.mode {
                Mode::Ambient => match ambient::spend(cx) {
                    Poll::Ready(unit) => Charge::Ambient(unit, state.budget, state.units - 1),
                    Poll::Pending => return Err(Refused::Source),
                },
                _ => Charge::Scope(state.budget),
            };
            cell.set(state.spent_one());
            Ok(charge)
        }
        _ => spend_slow(cell, cx, task),
    }
}

/// The counter is empty: hands it the budget's next chunk and spends from it, or finds the
/// budget spent (by its units or its slice), or refills an ambient counter from the source.
#[cold]
#[inline(never)]
fn spend_slow(cell: &FastCell<State>, cx: &mut Context<'_>, task: bool) -> Result<Charge, Refused> {
    let state = cell.get();
    match next_chunk(state, None) {
        Chunk::Granted => spend(cell, cx, task),
        Chunk::Over => Err(Refused::Budget),
        Chunk::Spent => match state.mode {
            // The counter is empty: where the source keeps a budget per task poll, the counter
            // is only its fallback and refills, taking the unit being spent.
            Mode::Ambient => match ambient::refill(cx, state.budget) {
                Some((unit, source_left, untouched)) => {
                    let refilled = fresh(default_budget(), Mode::Ambient);
                    // The source's budget runs on: the counter's units refill, a slice that
                    // started goes on where it was; one that ended leaves the budget spent
                    // until it is fresh again, the source's unit given back. But a budget
                    // another task installed or exhausted, or a task poll whose source budget
                    // is untouched, begins a budget, and its slice, anew: what another task (or
                    // an earlier poll) left of a slice is not this task poll's.
                    // Asked only of a sliced budget: without a slice, nothing goes on.
                    let goes_on = reserve().filter(|previous| {
                        previous.sliced
                            && !(untouched
                                || ambient::budget_of_another_task()
                                || (state.exhausted && !ambient::exhausted_in_this_task()))
                    });
                    match goes_on {
                        Some(previous)
                            if with_timing(previous, |timing| timing.timed_out()) == Some(true) =>
                        {
                            unit.refund();
                            return Err(Refused::Budget);
                        }
                        Some(previous)
                            if with_timing(previous, |timing| {
                                timing.started() && timing.limit() == refilled.slice
                            }) == Some(true) =>
                        {
                            set_reserve(Reserve {
                                units: refilled.reserve.units,
                                ..previous
                            });
                        }
                        _ => install(&refilled),
                    }
                    cell.set(refilled.state);
                    if refilled.state.units == 0 {
                        // A slice: this unit starts it. No unit at all: the source's is all.
                        let _ = next_chunk(refilled.state, None);
                    }
                    let mut state = cell.get();
                    if state.units > 0 {
                        state = state.spent_one();
                    }
                    // No more units than the source has: the two run out together.
                    state = State {
                        units: state.units.min(source_left),
                        ..state
                    };
                    cell.set(state);
                    // The number as stored (packed without std).
                    Ok(Charge::Ambient(unit, state.budget, state.units))
                }
                // A spent ambient budget refills for another task.
                None if task && state.exhausted && exhaustion::another_task(cx.waker()) => {
                    refill_ambient();
                    spend(cell, cx, task)
                }
                None => Err(Refused::Budget),
            },
            _ => Err(Refused::Budget),
        },
    }
}

/// What the reserve had for an empty counter.
pub(crate) enum Chunk {
    /// The counter holds a new chunk.
    Granted,
    /// The slice is over: the budget is spent until it is fresh again.
    Over,
    /// No unit is left.
    Spent,
}

/// Moves the budget's next chunk from the reserve into the empty counter of `state`, starting
/// or checking the time slice; a fresh thread's ambient budget first draws the process
/// default. `resumed`: the pace of the loop spending this unit, kept by its own yield point
/// since its forced yield, where there is one.
///
/// A budget with nothing in its reserve (no slice, drawn) is told so inline, without a call:
/// the ambient counter's and a plain scope's usual case at their forced yields.
#[inline(always)]
pub(crate) fn next_chunk(state: State, resumed: Option<PaceHint>) -> Chunk {
    match reserve() {
        Some(reserve) if reserve.holds_nothing() => Chunk::Spent,
        _ => take_next_chunk(state, resumed),
    }
}

/// [`next_chunk`] where the reserve has something: a fresh thread's ambient budget to draw, or
/// a slice's units.
#[inline(never)]
fn take_next_chunk(state: State, resumed: Option<PaceHint>) -> Chunk {
    take_chunk(state, resumed, false)
}

/// [`next_chunk`], then spends one unit of the chunk granted, as a spend right after it would:
/// in one step, for the yield point that resumes after its forced yield, whose first unit
/// usually begins a budget.
///
/// `task`: the resuming yield point's waker, whose task's loop the budget's pace then is (see
/// `Timing::own`).
#[inline]
pub(crate) fn next_chunk_spending_one(state: State, resumed: Option<&PaceHint>, task: &Waker) {
    let Some(reserve) = reserve() else {
        return;
    };
    if reserve.undrawn {
        take_chunk_spending_one(state, resumed.copied());
        return;
    }
    if reserve.holds_nothing() {
        return;
    }
    // The usual case first, where nothing is called: a chunk the loop carried covers the budget.
    let left = reserve.units;
    let carried = with_timing(reserve, |timing| {
        timing.own(exhaustion::task_key(task));
        resumed.is_some_and(|pace| timing.carry(left, *pace))
    });
    if carried == Some(true) {
        let _ = grant(state, reserve, Check::Chunk(left), true);
        return;
    }
    read_chunk_spending_one(state, resumed.copied());
}

/// [`next_chunk_spending_one`] for a fresh thread's ambient budget, which draws the process
/// default first.
#[cold]
#[inline(never)]
fn take_chunk_spending_one(state: State, resumed: Option<PaceHint>) {
    let _ = take_chunk(state, resumed, true);
}

/// [`next_chunk_spending_one`] where no carried chunk covers the budget, whose reserve has units
/// and a slice: the clock is read.
#[inline(never)]
fn read_chunk_spending_one(state: State, resumed: Option<PaceHint>) {
    let Some(reserve) = reserve() else {
        return;
    };
    let left = reserve.units;
    let check = with_timing(reserve, |timing| {
        timing.next_read(left, resumed, clock::now_nanos)
    })
    // Unreachable during thread-local teardown: no slice, as `timing` has it.
    .unwrap_or(Check::Chunk(left));
    let _ = grant(state, reserve, check, true);
}

/// [`next_chunk`]; `spend`: and one unit of the chunk granted spent.
#[inline(always)]
fn take_chunk(state: State, resumed: Option<PaceHint>, spend: bool) -> Chunk {
    let Some(mut reserve) = reserve() else {
        return Chunk::Spent;
    };
    if reserve.undrawn {
        let drawn = fresh(default_budget(), Mode::Ambient);
        reserve = drawn.reserve;
        if drawn.state.units > 0 {
            install(&drawn);
            if spend && let Some(state) = current().filter(|state| state.units > 0) {
                set(state.spent_one());
            }
            return Chunk::Granted;
        }
        install_reserve(&drawn);
    }
    if reserve.holds_nothing() {
        return Chunk::Spent;
    }
    let left = reserve.units;
    let check = with_timing(reserve, |timing| {
        timing.next(left, resumed, clock::now_nanos)
    })
    // Unreachable during thread-local teardown: no slice, as `timing` has it.
    .unwrap_or(Check::Chunk(left));
    grant(state, reserve, check, spend)
}

/// Moves what `check` decided from `reserve` into the counter of `state`; `spend`: and spends
/// one unit of it.
#[inline(always)]
fn grant(state: State, mut reserve: Reserve, check: Check, spend: bool) -> Chunk {
    let chunk = match check {
        Check::Over => {
            reserve.units = 0;
            set_reserve(reserve);
            return Chunk::Over;
        }
        Check::Chunk(chunk) => chunk,
    };
    reserve.units -= chunk;
    set_reserve(reserve);
    // A chunk holds a unit at least.
    set(State {
        units: chunk - u16::from(spend),
        exhausted: false,
        ..state
    });
    Chunk::Granted
}

/// The fast path of the yield point `#[cooperative]` inserts: spends one unit and keeps it.
/// `true`: go on; `false`: the budget is spent, and the caller must yield by awaiting
/// `forced_yield()`, which wakes the task.
///
/// No waker is at hand here, so the source gets a no-op one; a refusal by the source is then
/// one more reason for the caller's forced yield, which registers the task's real waker.
#[inline(always)]
pub fn try_spend() -> bool {
    with_counter(|cell| {
        spend(cell, &mut Context::from_waker(Waker::noop()), false)
            .map(Charge::keep)
            .is_ok()
    })
    // During thread-local teardown nothing is charged and nothing forces a yield.
    .unwrap_or(true)
}

/// Charges `spent` units that a loop's batch spent to budget number `budget`, if it is still
/// the running code's: as that many yield points would have.
pub(crate) fn charge(budget: u32, spent: u16) {
    if let Some(state) = current()
        && state.mode != Mode::Unconstrained
        && state.budget == budget
    {
        set(State {
            units: state.units.saturating_sub(spent),
            ..state
        });
    }
}

/// Charges `spent` units that a loop's batch, lent by the ambient budget number `budget`, spent,
/// at its batch end, where the loop is still in the task poll that lent them. `true`: the loop
/// must yield, at an exhaustion of its own: code its body polled in place (a future polled
/// with `now_or_never`, an executor nested in the body) spent that budget during the lend, and
/// may have refilled it (a yield of its own polled again or built again, or under a waker of
/// its own, which the ambient budget takes for another task's). The loop's iterations cannot
/// suspend, so that spending and any refill are the inner code's, and do not forgive the loop
/// its own units: whatever budget runs now is spent for it, and not yet counted as spent, so
/// that its forced yield begins an exhaustion under the loop's own waker, which none of the
/// signs the inner code left (its waker, a dropped yield of a site whose bit the loop's
/// shares) takes for a new task poll.
pub(crate) fn charge_at_batch_end(budget: u32, spent: u16) -> bool {
    match current() {
        Some(state)
            if state.mode == Mode::Ambient
                && (state.budget != budget || state.exhausted && state.units == 0) =>
        {
            set(State {
                units: 0,
                exhausted: false,
                ..state
            });
            true
        }
        _ => {
            charge(budget, spent);
            false
        }
    }
}

/// Spends one unit for `poll_proceed` at `site`. `Err`: the budget is spent, the forced yield
/// is counted, and the task will be woken; it holds the loop's pace, for a yield point that
/// keeps it.
///
/// `memoryless`: the caller keeps nothing of its yield (a hand-written `poll_proceed`), so a
/// spent ambient budget refills when its call site, refused once, asks again.
#[inline]
pub(crate) fn poll_spend(
    cx: &mut Context<'_>,
    site: SiteRef,
    memoryless: bool,
) -> Result<Charge, Resume> {
    let spend_here = |cx: &mut Context<'_>| {
        with_counter(|cell| spend(cell, cx, true)).unwrap_or(Ok(Charge::Nothing))
    };
    match spend_here(cx) {
        Ok(charge) => Ok(charge),
        Err(Refused::Budget) => {
            let state = current().unwrap_or(State::UNDRAWN);
            if memoryless && state.exhausted && state.mode == Mode::Ambient {
                if exhaustion::refused_before(site.key()) {
                    refill_ambient();
                    return spend_here(cx).map_err(|_| Resume::NONE);
                }
            } else if memoryless
                && state.exhausted
                && state.mode == Mode::Scoped
                && let Some(mut reserve) = reserve()
            {
                // Polled again inside the spent scope (by an executor nested in the task, which
                // never leaves it): a call site refused twice proceeds by one unit, charged to
                // nothing, as a `consume_budget()` completes after its yield.
                let bit = site_bit(site);
                let again = reserve.refused & bit != 0;
                reserve.refused ^= bit;
                set_reserve(reserve);
                if again {
                    return Ok(Charge::Nothing);
                }
            }
            match retry_after_cancel(site) {
                Some(Mode::Ambient) => return spend_here(cx).map_err(|_| Resume::NONE),
                Some(_) => return Ok(Charge::Nothing),
                None => {}
            }
            if let Some(resume) = force_yield(cx, site) {
                return Err(resume);
            }
            spend_here(cx).map_err(|_| Resume::NONE)
        }
        // The source holds the task's own waker and wakes the task itself.
        Err(Refused::Source) => Err(on_exhausted(cx.waker(), site).1),
    }
}

/// A fresh ambient budget, the process default.
pub(crate) fn refill_ambient() {
    install(&fresh(default_budget(), Mode::Ambient));
}

/// Gives a unit back to budget number `budget`, if it is still the running code's and has not
/// been spent since (a spent budget stays spent: its forced yield happened).
fn refund_unit(budget: u32) {
    if let Some(state) = current()
        && state.mode != Mode::Unconstrained
        && state.budget == budget
        && !state.exhausted
    {
        set(State {
            units: state.units.saturating_add(1),
            ..state
        });
    }
}

/// Spends one unit of the ambient budget just refilled, starting its slice if it has one.
fn spend_one_of_fresh() {
    if let Some(state) = current() {
        if state.units > 0 {
            set(state.spent_one());
        } else {
            let _ = next_chunk(state, None);
            if let Some(state) = current().filter(|state| state.units > 0) {
                set(state.spent_one());
            }
        }
    }
}

/// A spent budget refuses the yield point at `site`, whose forced yield in this budget was
/// dropped: the refusal stands for the poll after that yield. `Some(Mode::Ambient)`: the ambient
/// budget refilled, as it does when a yield point forced by it is polled again;
/// `Some(Mode::Scoped)`: the spent scope lets it go on by one unit, charged to nothing, as a
/// yield point polled again after its yield goes on; `None`: it yields.
fn retry_after_cancel(site: SiteRef) -> Option<Mode> {
    let state = current()?;
    if !state.exhausted || state.units > 0 {
        return None;
    }
    match state.mode {
        Mode::Ambient if exhaustion::retried_after_cancel(site.key()) => {
            refill_ambient();
            Some(Mode::Ambient)
        }
        Mode::Scoped => {
            let reserve = reserve()?;
            let bit = site_bit(site);
            if reserve.cancelled & bit == 0 {
                return None;
            }
            set_reserve(Reserve {
                cancelled: reserve.cancelled & !bit,
                ..reserve
            });
            Some(Mode::Scoped)
        }
        _ => None,
    }
}

/// A site's bit in a set of 64: its key's hash.
pub(crate) fn site_bit(site: SiteRef) -> u64 {
    exhaustion::site_bit(site.key())
}

/// The budget is spent and the yield point at `site` is about to return `Pending`: counts the
/// exhaustion, refills an ambient budget, and wakes the task. A scope's forced yield wakes the
/// waker it was given at once, whoever drives it (an executor nested in another's task
/// included); an ambient one, as the ambient source wants its task woken. Returns the loop's
/// pace, for the yield point to keep.
///
/// `None`: no yield after all, the budget was a spent ambient one and refilled for another task
/// (its fast path could not tell); one unit of it is spent.
#[cold]
#[inline(never)]
pub(crate) fn force_yield(cx: &mut Context<'_>, site: SiteRef) -> Option<Resume> {
    // A budget spent before this refusal (the first refusal of an exhaustion finds it not yet
    // marked spent, and goes straight on to count it).
    if current().is_some_and(|state| state.exhausted && state.units == 0) {
        match retry_after_cancel(site) {
            Some(Mode::Ambient) => {
                spend_one_of_fresh();
                return None;
            }
            Some(_) => return None,
            None => {}
        }
        if current().is_some_and(|state| state.mode == Mode::Ambient)
            && exhaustion::another_task(cx.waker())
        {
            refill_ambient();
            spend_one_of_fresh();
            return None;
        }
    }
    let (mode, resume, exhaustion) = on_exhausted(cx.waker(), site);
    match mode {
        Mode::Ambient => ambient::wake_after_forced_yield(cx, exhaustion, clock::now_nanos),
        _ => cx.waker().wake_by_ref(),
    }
    Some(resume)
}

/// Counts the exhaustion once, for the process and for the yield point at `site`, reports it,
/// and marks the budget spent. A spent ambient budget stays spent until a new task poll begins
/// (see `exhaustion`), or, when only its source's budget is spent (tokio's), until the source
/// grants a unit again: either way one exhaustion counts once. `waker` is the yielding task's.
/// Returns the budget's mode, what the yield point keeps, and whether this refusal began the
/// exhaustion (the others are refusals of a budget already spent in this task poll).
#[inline(never)]
fn on_exhausted(waker: &Waker, site: SiteRef) -> (Mode, Resume, bool) {
    let Some(state) = current() else {
        return (Mode::Unconstrained, Resume::NONE, true);
    };
    let reserve = reserve().unwrap_or(Reserve::EMPTY);
    if !state.exhausted {
        // The slice's verdict and the stretch it measured, read in place.
        let (timed_out, stretch) =
            with_timing(reserve, |timing| (timing.timed_out(), timing.stretch()))
                .unwrap_or((false, None));
        counts::record(timed_out);
        sites::record(site, timed_out, stretch);
        counts::trace(state.mode, timed_out, || sites::describe(site));
    }
    // Read after the counts, so that it need not be kept across their calls; only this task's
    // loop's pace.
    let pace = with_timing(reserve, |timing| {
        timing.pace_of(exhaustion::task_key(waker))
    })
    .flatten();
    let exhaustion = match state.mode {
        Mode::Ambient if state.units == 0 => {
            let mark = if state.exhausted {
                exhaustion::refused(site.key())
            } else {
                exhaustion::begin(waker, site.key())
            };
            set(State {
                exhausted: true,
                ..state
            });
            mark
        }
        // Only the source's budget is spent: it is the one to grant a unit again.
        Mode::Ambient => {
            set(State {
                exhausted: !ambient::has_remaining(true, state.budget),
                ..state
            });
            exhaustion::Mark::here()
        }
        _ => {
            set(State {
                exhausted: true,
                ..state
            });
            exhaustion::Mark::here()
        }
    };
    (
        state.mode,
        Resume {
            pace,
            exhaustion,
            budget: state.budget,
        },
        !state.exhausted,
    )
}
