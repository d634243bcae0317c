//! The `tokio` feature's source: tokio's own budget, `tokio::task::coop`.
//!
//! Inside a tokio task, a coop yield point and tokio's sockets, channels and timers then spend one
//! budget. Explicit coop scopes still win: a source only stands in for the ambient budget. Where
//! tokio's budget cannot force a yield (`spawn_blocking`, `block_in_place`,
//! `tokio::task::unconstrained`: tokio's budget is unconstrained there), coop's counter counts by
//! itself, exactly as without the feature.
//!
//! A yield point that can suspend (`consume_budget().await`, `poll_proceed`) takes each unit from
//! tokio (`poll_proceed`) and from coop's counter, in step. tokio refusing forces a yield; tokio
//! refreshes its budget at each task poll. coop's counter running out is checked against
//! `tokio::task::try_id()`, so that check costs once per counter's worth of units and never on the
//! fast path: inside a task whose tokio budget is constrained the counter refills and tokio's
//! budget rules; elsewhere the counter forces the yield as it does without the feature. Outside
//! any runtime tokio's budget is unlimited, so the counter alone counts; in the root future of
//! `Runtime::block_on`, which has tokio's budget but is no task, both budgets are spent in step.
//! A unit costs one access to tokio's thread-local context: no handle clone, no atomic, but a call
//! (tokio's `poll_proceed` drops an unused guard out of line).
//!
//! A strip-mined loop (its iterations cannot suspend, so no tokio resource is polled inside them)
//! takes one of tokio's units at each batch end and counts the rest on coop's counter alone, in a
//! register: a call per unit would cost more than the loop's work. At its batch ends and when it
//! is left, tokio takes the units it spent ([`charge`]), and a lend after a charged one holds no
//! more than tokio has left ([`units_left`]), so both budgets run out together; its first lend,
//! before tokio's budget is read, holds at most [`FIRST_LEND`] units ([`first_lend`]). A lend
//! right after the loop's own forced yield from a fresh counter ([`in_step`]) is in step with
//! tokio's fresh budget: the batch spends it without a call per unit, tokio is told only that the counter must
//! not refill from its budget ([`spent_by_a_batch`]), and the forced yield follows. tokio is not
//! charged for that counter's units: within the same task poll, other branches of the task
//! (`join!`, `select!`) find coop's budget spent, and tokio's resources in them tokio's budget as
//! the loop found it.
//!
//! A forced yield of the ambient budget wakes the task the way tokio's own yields do, after the
//! runtime has polled its I/O and timer driver, at least once per 100 µs of a thread's hot
//! loops while they keep their pace; otherwise, it puts the task back at the end of the run
//! queue (see [`wake_after_forced_yield`], and [`driver_turn`] for a pace that changes and for
//! the other branches of a task poll).

use core::cell::Cell;
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll};

use tokio::task::coop;

/// A unit of tokio's budget: tokio's own guard, whose drop refunds the unit; `None` where
/// coop's counter counts by itself, tokio's budget being held spent (see [`spend_resumed`]).
#[derive(Debug)]
pub(crate) struct Unit(Option<coop::RestoreOnPending>);

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
/// When the budget is spent, tokio defers `cx`'s waker until its driver has been polled; where
/// it is held spent (see [`spend_resumed`]), coop's counter decides alone.
#[inline(always)]
pub(crate) fn spend(cx: &mut Context<'_>) -> Poll<Unit> {
    match coop::poll_proceed(cx) {
        Poll::Ready(unit) => Poll::Ready(Unit(Some(unit))),
        Poll::Pending => refused(),
    }
}

/// tokio refused a unit: the yield point yields, unless tokio's budget is held spent here.
#[cold]
#[inline(never)]
fn refused() -> Poll<Unit> {
    if held_spent() {
        Poll::Ready(Unit(None))
    } else {
        Poll::Pending
    }
}

std::thread_local! {
    /// Whether a yield point polled again after its forced yield, outside any tokio task, found
    /// tokio's budget still spent (see [`spend_resumed`]).
    static HELD_SPENT: Cell<bool> = const { Cell::new(false) };
}

/// [`spend`] for a yield point that yielded to the ambient budget and is polled again. In a
/// task, tokio's budget is fresh by then where tokio polled the task again: the forced yield
/// ended the task poll. So it is outside a task, in the future `Runtime::block_on` runs (a
/// `#[tokio::main]` body), which has tokio's budget too, where tokio polled that future again.
/// It is still spent where that future's poll is still going on: an executor nested in it
/// (`futures::executor::block_on`) polled the yield point again, and tokio's budget stays spent
/// until the nested executor returns. Every yield point there would then yield at once, a
/// forced yield per unit. So from here until a yield point polled again finds tokio's budget
/// fresh, tokio's refusals outside a task are not taken: coop's counter counts by itself, as on
/// any executor. (So it does for a loop that future polls again within one poll, `select!` in
/// a loop: coop cannot tell the two apart.) In a task, a yield point polled again finds tokio's
/// budget spent where another branch (`join!`) spent it first in a new task poll, and the task
/// must yield: tasks are left as they are.
///
/// Read from the unit this poll takes anyway: no call of its own where tokio grants it.
#[inline]
pub(crate) fn spend_resumed() -> Poll<Unit> {
    let mut cx = Context::from_waker(core::task::Waker::noop());
    match coop::poll_proceed(&mut cx) {
        Poll::Ready(unit) => {
            let _ = HELD_SPENT.try_with(|held| {
                if held.get() {
                    held.set(false);
                }
            });
            Poll::Ready(Unit(Some(unit)))
        }
        Poll::Pending => resumed_spent(),
    }
}

/// [`spend_resumed`] found tokio's budget spent.
#[cold]
#[inline(never)]
fn resumed_spent() -> Poll<Unit> {
    if in_task() {
        return Poll::Pending;
    }
    let _ = HELD_SPENT.try_with(|held| held.set(true));
    Poll::Ready(Unit(None))
}

/// Whether tokio's budget is held spent here (see [`spend_resumed`]).
#[cold]
#[inline(never)]
fn held_spent() -> bool {
    HELD_SPENT.try_with(Cell::get).unwrap_or(false) && !in_task()
}

std::thread_local! {
    /// The number of the ambient counter a strip-mined loop spent without tokio.
    static SPENT_BY_A_BATCH: Cell<Option<u32>> = const { Cell::new(None) };
}

/// A strip-mined loop spent ambient counter number `budget` without asking tokio for each
/// unit: that counter does not refill from tokio's budget (see [`refill`]); its forced yield
/// follows, and a new task poll after it refills it, as without the feature.
#[inline]
pub(crate) fn spent_by_a_batch(budget: u32) {
    let _ = SPENT_BY_A_BATCH.try_with(|spent| spent.set(Some(budget)));
}

/// A strip-mined loop was left having spent `units` of coop's counter: tokio's budget takes
/// them now, one `poll_proceed` each (tokio has no other way to spend), so that both budgets
/// stay in step for the rest of the task poll. Stops where tokio's budget is spent.
#[cold]
pub(crate) fn charge(units: u16) {
    let mut cx = Context::from_waker(core::task::Waker::noop());
    for _ in 0..units {
        match coop::poll_proceed(&mut cx) {
            Poll::Ready(unit) => Unit(Some(unit)).keep(),
            Poll::Pending => return,
        }
    }
}

std::thread_local! {
    /// The tokio task whose poll installed the thread's sliced ambient budget (`None`: outside
    /// a task).
    static BUDGET_TASK: Cell<Option<tokio::task::Id>> = const { Cell::new(None) };
}

/// A fresh ambient budget with a slice is installed: it is the running task's.
#[inline]
pub(crate) fn budget_installed() {
    let _ = BUDGET_TASK.try_with(|task| task.set(tokio::task::try_id()));
}

/// Whether the thread's ambient budget was installed by another tokio task than the running
/// one: a refill for this task then begins its own budget, slice included.
pub(crate) fn budget_of_another_task() -> bool {
    BUDGET_TASK
        .try_with(|task| task.get() != tokio::task::try_id())
        .unwrap_or(false)
}

/// tokio's budget per task poll (`tokio::task::coop`'s, documented as 128).
const PER_POLL: u16 = 128;

/// The most units a strip-mined loop's first batch takes, before tokio's budget is read: what
/// the loop may run past a tokio budget that tokio's resources spent before it in the task poll.
const FIRST_LEND: u16 = 16;

/// A strip-mined loop's first lend from a counter of `counter` units: at most [`FIRST_LEND`].
#[inline]
pub(crate) fn first_lend(counter: u16) -> u16 {
    counter.min(FIRST_LEND)
}

/// Whether a lend of `counter` units, right after the loop's own forced yield, is in step with
/// tokio's budget: the counter is a fresh budget of tokio's size, less the unit the resumed
/// yield point took since the task poll began, as tokio's is. A counter of another size
/// (another default budget), or left over from before, is not.
#[inline]
pub(crate) fn in_step(counter: u16) -> bool {
    counter == PER_POLL - 1
}

/// How many units tokio's budget has left here (`u16::MAX`: it cannot run out); it is read by
/// taking them and giving them back, one call each, so only a strip-mined loop's batch end after
/// one that was charged unit by unit asks.
#[cold]
pub(crate) fn units_left() -> u16 {
    match tokio_units_left() {
        Some(0) if held_spent() => u16::MAX,
        left => left.unwrap_or(u16::MAX),
    }
}

/// Whether coop's counter number `budget` holds units only coop counted: then it is the ambient
/// budget, whatever tokio's says.
fn counted_by_coop_alone(budget: u32) -> bool {
    SPENT_BY_A_BATCH
        .try_with(|spent| spent.get() == Some(budget))
        .unwrap_or(true)
}

/// Inside a tokio task, tokio's budget is the ambient budget and coop's counter number `budget`
/// only a fallback: the counter refills, and tokio's unit decides; unless a strip-mined loop
/// spent that counter without tokio (see [`spent_by_a_batch`]): then, and outside a task, the
/// counter is the ambient budget, and it is spent. Returns the unit taken, the units tokio's
/// budget has left after it, which the refilled counter holds at most, so that a strip-mined
/// loop, which asks tokio only at its batch ends, spends no more than tokio has, and whether
/// tokio's budget was untouched (nothing in this task poll spent a unit of it yet: the refill
/// begins the task poll's budget).
///
/// A counter a strip-mined loop spent (its steady state, once per forced yield) is told inline.
#[inline]
pub(crate) fn refill(cx: &mut Context<'_>, budget: u32) -> Option<(Unit, u16, bool)> {
    if counted_by_coop_alone(budget) {
        return None;
    }
    refill_from_tokio(cx)
}

/// [`refill`] for a counter tokio's units may refill.
#[cold]
#[inline(never)]
fn refill_from_tokio(cx: &mut Context<'_>) -> Option<(Unit, u16, bool)> {
    // tokio's budget first: in a task that spends only coop's yield points, both budgets run
    // out together, and tokio's empty budget then settles it without `try_id`. The task second,
    // before tokio's unit is taken: a refused spend charges tokio nothing.
    if !coop::has_budget_remaining() || !in_task() {
        return None;
    }
    let left = tokio_units_left()?;
    match spend(cx) {
        Poll::Ready(unit) => Some((unit, left.saturating_sub(1), left == PER_POLL)),
        Poll::Pending => None,
    }
}

/// tokio's budget must have a unit, and so must coop's counter number `budget` unless it
/// refills (see [`refill`]).
#[inline]
pub(crate) fn has_remaining(counter_has_units: bool, budget: u32) -> bool {
    if coop::has_budget_remaining() {
        counter_has_units
            || (!counted_by_coop_alone(budget) && in_task() && tokio_units_left().is_some())
    } else {
        // Held spent, the counter counts by itself (see [`spend_resumed`]).
        counter_has_units && held_spent()
    }
}

/// Whether the thread's last forced yield of the ambient budget was in the running tokio task:
/// a spent counter refilled for another branch of it (`FuturesUnordered`'s children have
/// wakers of their own) is still that task poll's, and tokio's budget is the one the branch
/// that yielded shared; refilled for another task, it starts that task's own, which tokio's
/// resources may have spent part of.
#[inline]
pub(crate) fn exhausted_in_this_task() -> bool {
    PACING
        .try_with(|cell| cell.get().by == tokio::task::try_id())
        .unwrap_or(true)
}

/// How long, at most, a thread's hot loops keep tokio's driver waiting, by coop's clock: a
/// tenth of tokio's timer resolution (1 ms), so that a 1 ms timer fires within a tenth of its
/// period and a socket's readiness is seen within it. A driver turn (`epoll_wait` and the timer
/// wheel, about half a microsecond on a VM) once per this span is about 0.5 % of it.
const DRIVER_PACE_NANOS: u64 = 100_000;

/// tokio's scheduler polls its driver once every this many task polls of its own (the default
/// `event_interval` of both runtimes): the most exhaustions a check of the pace lets pass, so
/// that a pace that changes keeps the driver waiting no longer than tokio's own cadence.
const EVENT_INTERVAL: u64 = 61;

/// When the thread's next exhaustion of the ambient budget lets the driver in: after `left` more
/// of them; `stride` exhaustions came between the last two turns, the last at `checked_at`
/// (coop's clock, in nanoseconds). `deferred`: whether the last one did, which the other forced
/// yields of its task poll (the branches of the task that find its budget spent) follow; `by`:
/// the tokio task it happened in (`None`: outside a task), for [`exhausted_in_this_task`].
#[derive(Clone, Copy)]
struct Pacing {
    left: u16,
    stride: u16,
    checked_at: u64,
    deferred: bool,
    by: Option<tokio::task::Id>,
}

std::thread_local! {
    /// The thread's pacing: a thread's tasks share its driver (a worker's, or the
    /// current-thread runtime's), so they share one pace.
    static PACING: Cell<Pacing> = const {
        Cell::new(Pacing { left: 0, stride: 1, checked_at: 0, deferred: true, by: None })
    };
}

/// Whether this ambient forced yield lets tokio's driver in, noting the tokio task of an
/// exhaustion; `exhaustion`: it begins an exhaustion of the budget (the others are the branches
/// of the same task poll that find the budget spent, and follow the exhaustion's choice, so that
/// a plain wake-up of one branch does not put back in the run queue a task that another branch
/// deferred). An exhaustion lets the
/// driver in when [`DRIVER_PACE_NANOS`] may have passed since the last turn at the pace the
/// exhaustions in between kept, reading coop's clock `now` then only: the next turn comes after
/// as many exhaustions as fit the span at that pace, at most twice as many as the last time, at
/// least one and at most [`EVENT_INTERVAL`]. So a loop whose budget takes longer than the span
/// lets the driver in at every forced yield, a cheaper one once per span; a loop that suddenly
/// slows down goes on at most the exhaustions counted at the old pace, no more than tokio's own
/// cadence.
fn driver_turn(exhaustion: bool, now: fn() -> u64) -> bool {
    PACING
        .try_with(|cell| {
            let pacing = cell.get();
            if !exhaustion {
                return pacing.deferred;
            }
            let by = tokio::task::try_id();
            if pacing.left > 1 {
                cell.set(Pacing {
                    left: pacing.left - 1,
                    deferred: false,
                    by,
                    ..pacing
                });
                return false;
            }
            let now = now();
            let per_yield = now.saturating_sub(pacing.checked_at) / u64::from(pacing.stride);
            let fit = DRIVER_PACE_NANOS.checked_div(per_yield).unwrap_or(u64::MAX);
            let stride = fit
                .min(u64::from(pacing.stride) * 2)
                .clamp(1, EVENT_INTERVAL);
            let stride = u16::try_from(stride).unwrap_or(u16::MAX);
            cell.set(Pacing {
                left: stride,
                stride,
                checked_at: now,
                deferred: true,
                by,
            });
            true
        })
        .unwrap_or(true)
}

/// Wakes the task after an ambient forced yield. At the thread's driver pace
/// ([`driver_turn`]) it wakes it as tokio's own `yield_now` does: tokio defers the waker until
/// the runtime has polled its driver (timers, sockets), and wakes it at once where no scheduler
/// runs on this thread (outside a runtime, `spawn_blocking`, `block_in_place`). In between, a
/// plain wake-up puts the task back at the end of the run queue, behind the tasks that are
/// ready: a driver turn costs a system call, more than a cheap loop's whole budget of work, and
/// tokio's scheduler polls its driver every 61 task polls of its own. `now`: coop's clock.
///
/// An exhaustion also notes its tokio task, for [`exhausted_in_this_task`] (the other forced
/// yields of its task poll are the same task's).
///
/// Where tokio's budget is unconstrained in a task (`tokio::task::unconstrained`), coop's counter
/// counts by itself and the task is woken plainly, as without the feature: tokio would hand a
/// deferred waker back only after the task's poll, which an executor nested in that poll
/// (`futures::executor::block_on`) would wait for forever. So is the future `Runtime::block_on`
/// runs (a `#[tokio::main]` body), which is no task: the current-thread runtime polls its
/// driver before that future's next poll whenever its run queue is empty, and after at most 61
/// tasks otherwise, whether it was woken plainly or not; a deferred wake-up only kept an
/// executor nested there waiting.
///
/// Inlined into its one caller, `state::force_yield`, which is out of line and cold: a call of
/// its own cost every forced yield about 20 instructions.
#[inline(always)]
pub(crate) fn wake_after_forced_yield(cx: &mut Context<'_>, exhaustion: bool, now: fn() -> u64) {
    if driver_turn(exhaustion, now) && in_task() && !unconstrained_in_this_task() {
        // `yield_now`'s first poll hands the waker to tokio's deferral and returns `Pending`;
        // the yield is that poll, so the future is dropped after it.
        let _ = pin!(tokio::task::yield_now()).poll(cx);
    } else {
        cx.waker().wake_by_ref();
    }
}

std::thread_local! {
    /// The tokio task in which [`tokio_units_left`] last found tokio's budget unconstrained on
    /// this thread.
    static UNCONSTRAINED_IN: Cell<Option<tokio::task::Id>> = const { Cell::new(None) };
}

/// Whether tokio's budget is unconstrained here, in a task where it was found so before: only
/// such a task reads it again (a call a unit), so that other tasks' forced yields pay nothing.
/// Every forced yield in an unconstrained task follows a read that found it so: the counter's
/// refill, or a strip-mined loop's lend, reads it before the counter runs out. Out of line, so
/// that the forced yield's wake-up, which asks only at a driver turn, stays inlined.
#[cold]
#[inline(never)]
fn unconstrained_in_this_task() -> bool {
    let Some(task) = tokio::task::try_id() else {
        return false;
    };
    UNCONSTRAINED_IN
        .try_with(|found| found.get() == Some(task))
        .unwrap_or(false)
        && tokio_units_left().is_none()
}

/// Notes that tokio's budget was found unconstrained in the running task, or (`false`) that it was
/// not.
fn note_unconstrained(unconstrained: bool) {
    let task = tokio::task::try_id();
    let _ = UNCONSTRAINED_IN.try_with(|found| {
        if unconstrained {
            found.set(task);
        } else if found.get() == task {
            found.set(None);
        }
    });
}

/// How many units tokio's budget has left here; `None` where it can never run out: inside
/// `spawn_blocking`, `block_in_place` or `tokio::task::unconstrained`, where tokio's public API
/// still reports a task. tokio's budget holds at most [`PER_POLL`] units, so one that still has
/// a unit after one and [`PER_POLL`] more are taken is unconstrained. The units are taken under
/// one guard held throughout, whose drop gives them all back: tokio's budget is left as it was.
/// Cold: only an empty counter, `has_budget_remaining` and a strip-mined loop's batch end after
/// a charged one ask.
#[cold]
#[inline(never)]
fn tokio_units_left() -> Option<u16> {
    let mut cx = Context::from_waker(core::task::Waker::noop());
    let Poll::Ready(first) = coop::poll_proceed(&mut cx) else {
        note_unconstrained(false);
        return Some(0);
    };
    let mut taken = 1;
    for _ in 0..PER_POLL {
        if !coop::has_budget_remaining() {
            drop(first);
            note_unconstrained(false);
            return Some(taken);
        }
        if let Poll::Ready(unit) = coop::poll_proceed(&mut cx) {
            // Kept spent without the guard's drop, a call (see `Unit::keep`): `first`'s drop
            // gives them all back.
            Unit(Some(unit)).keep();
            taken += 1;
        }
    }
    drop(first);
    note_unconstrained(true);
    None
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
