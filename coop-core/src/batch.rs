//! Strip-mined yield points: a loop's units counted in a local instead of the thread's budget.
//!
//! A yield point that reads and writes the thread-local budget on every iteration carries a
//! dependency from one iteration to the next through memory, and forces the loop's own
//! variables through the future's memory around it. A [`Batch`] is a counter the loop owns (a
//! register, in a loop that calls nothing opaque): at a batch end it settles the units the loop
//! spent with the budget, spends one unit exactly as the plain yield point does (so a spent
//! budget forces the yield at the same iteration), and is lent what the budget has left. In
//! between, an iteration costs a decrement and a branch of the local counter.
//!
//! Exact accounting: the units a batch spent are charged when it settles, at its next batch end
//! or when the loop is left (`break`, `return`, `?`, a panic: the drop). A budget of N units
//! still lets exactly N iterations pass before the forced yield. The lend is optimistic for
//! coop's own counter (the counter is only read; the batch's spending is subtracted when it
//! settles), so synchronous code in the body that spends budget (a future polled to completion
//! in place) still finds units and is charged; the loop then runs at most that many units past
//! its budget. `#[cooperative]` batches only loops whose iterations have no `.await`, no nested
//! loop and no macro that could hide either, so no other yield point and no suspension comes
//! between a lend and its settlement.

use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::ambient;
use crate::sites::{Site, SiteRef};
use crate::state::{self, Mode};
use crate::yield_point::ConsumeBudget;

/// Where a batch got its units, which decides how they settle.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lent {
    /// Nothing to settle: an empty batch (also after a batch end that forced a yield:
    /// [`Batch::forced_yield`] lends again once the yield completes), or unconstrained code,
    /// whose units cost nothing.
    Nothing,
    /// Read from the counter of budget number `.0`, a scope's.
    Counter(u32),
    /// Read from the ambient counter (budget number `.0`). The ambient source (tokio's budget)
    /// is asked at each batch end, not for each unit: nothing inside a batched loop's iterations
    /// can poll one of its resources. `.1`: the lend is in step with the source's budget (see
    /// [`lend`] and [`settle`]).
    Ambient(u32, bool),
}

/// Where the loop's last lend ended, which decides how the next one is made.
#[derive(Clone, Copy, PartialEq, Eq)]
enum After {
    /// The loop's first lend.
    Entry,
    /// The loop's forced yield has just completed (its resumed yield point spent one unit): in
    /// step with the ambient source if the counter is a fresh one, else taken as a first lend.
    /// Also where it completed without a yield, the spent budget another branch's of this task
    /// and refilled for this one.
    Yield,
    /// The loop's forced yield completed without a yield: the spent budget was another task's
    /// (by the ambient source's task, where it has one) and refilled for this one, its first
    /// unit spent. The source is charged that unit, and the lend is a first lend.
    Refilled,
    /// The loop's last lend was settled with the ambient source unit by unit.
    Charged,
}

/// Lends the running code's remaining units to a batch: all of the counter's, or, from the
/// ambient counter, as many as the ambient source can stand behind (see `ambient`): all of them
/// when the lend comes right after the loop's own forced yield and the counter is as fresh as
/// the source's budget (`in_step`: the batch then settles without a call per unit); after a lend
/// settled unit by unit, no more than the source has left, so that the source running out ends
/// the batch where a unit-by-unit yield point would have yielded; otherwise (the loop's first
/// lend) at most the source's first lend, which bounds how far a loop may run past a source
/// budget that something else spent before it. Unconstrained code and a budget that cannot be
/// reached get `u16::MAX` units that cost nothing. The counter itself is only read: [`settle`]
/// charges what the batch spent, so synchronous code in the loop's body that spends budget still
/// finds it.
fn lend(after: After) -> (u16, Lent) {
    match state::current() {
        None => (u16::MAX, Lent::Nothing),
        Some(state) => match state.mode {
            Mode::Unconstrained => (u16::MAX, Lent::Nothing),
            Mode::Scoped => (state.units, Lent::Counter(state.budget)),
            Mode::Ambient => {
                // After the forced yield, the source is asked whether it has a unit left, as a
                // batch end would ask it for one: a source spent meanwhile (by another branch
                // or child of the task) gets nothing lent, and the next batch end yields to it.
                match after {
                    After::Yield if !ambient::has_remaining(true, state.budget) => {
                        return (0, Lent::Nothing);
                    }
                    After::Refilled => {
                        match ambient::spend(&mut Context::from_waker(Waker::noop())) {
                            Poll::Ready(unit) => unit.keep(),
                            Poll::Pending => return (0, Lent::Nothing),
                        }
                    }
                    _ => {}
                }
                let in_step = after == After::Yield && ambient::in_step(state.units);
                let units = match after {
                    _ if in_step => state.units,
                    After::Charged => state.units.min(ambient::units_left()),
                    After::Entry | After::Yield | After::Refilled => {
                        ambient::first_lend(state.units)
                    }
                };
                (units, Lent::Ambient(state.budget, in_step))
            }
        },
    }
}

/// Settles a batch that was lent `taken` units and has `left` of them: the spent ones are
/// charged to the budget that lent them. The ambient source, asked only at batch ends, is then
/// told of them: it takes the spent units (one call each, tokio's), so that it and the counter
/// stay in step, except where that would cost a call per unit of a hot loop for nothing: a batch
/// end (not `leaving`) of a lend in step with the source (made right after the loop's own
/// forced yield, from a counter as fresh as the source's budget at the start of this task
/// poll). The batch spent all of it, so the source's budget is spent as well; the source only
/// learns that the counter must not refill from it, and the forced yield follows.
///
/// `true`: at a batch end, code the loop's body polled in place spent the ambient budget that
/// lent the units, or replaced it, and the loop must yield (see `state::charge_at_batch_end`).
fn settle(lent: Lent, taken: u16, left: u16, leaving: bool) -> bool {
    let spent = taken.saturating_sub(left);
    match lent {
        Lent::Nothing => false,
        Lent::Counter(budget) => {
            state::charge(budget, spent);
            false
        }
        Lent::Ambient(budget, in_step) => {
            // A loop left by a panic settles where its future is dropped, which may be in
            // another task's poll: only the budget that lent the units is charged.
            let must_yield = if leaving {
                state::charge(budget, spent);
                false
            } else {
                state::charge_at_batch_end(budget, spent)
            };
            match (spent, in_step && !leaving) {
                (0, _) => {}
                (_, true) => ambient::spent_by_a_batch(budget),
                (_, false) => ambient::charge(spent),
            }
            must_yield
        }
    }
}

crate::platform::local! {
    /// The lend of the batch that is running on this thread, packed (see [`running`]); 0 when
    /// none is. `has_budget_remaining` asked from code the loop calls cannot see how many of
    /// the units the loop has spent (they are counted in the loop's local), so it counts them
    /// all as spent (see [`lent_of`]).
    static LENT: u64 = 0;
}

/// A lend of `units` from budget number `budget`, as [`LENT`] holds it (never 0: `units` > 0).
fn running(budget: u32, units: u16) -> u64 {
    u64::from(budget) << 16 | u64::from(units)
}

/// The units of budget number `budget` lent to the batch running on this thread: 0 when none
/// is.
pub(crate) fn lent_of(budget: u32) -> u16 {
    let lent = LENT.try_with(Cell::get).unwrap_or(0);
    if lent >> 16 == u64::from(budget) {
        // The low 16 bits: the units, as packed.
        (lent & 0xFFFF) as u16
    } else {
        0
    }
}

/// A loop's batch of budget units; `#[cooperative]` declares one before each loop it batches.
#[derive(Debug)]
pub struct Batch {
    /// Units the loop may still spend without asking the budget.
    left: u16,
    /// Units lent at the last batch end: `taken - left` were spent since.
    taken: u16,
    /// Where the units came from, which decides how they settle.
    lent: Lent,
    /// What [`LENT`] held before this batch's lend: another batch's, whose loop polls this one's
    /// in place. Put back when this one settles.
    shadowed: u64,
}

impl Batch {
    /// An empty batch: the loop's first iteration reaches the budget.
    pub const fn new() -> Batch {
        Batch {
            left: 0,
            taken: 0,
            lent: Lent::Nothing,
            shadowed: 0,
        }
    }

    /// Takes a lend of `units` from where `lent` says, and marks it running on this thread.
    fn take(&mut self, units: u16, lent: Lent) {
        self.left = units;
        self.taken = units;
        self.lent = lent;
        if units > 0
            && let Lent::Counter(budget) | Lent::Ambient(budget, _) = lent
        {
            let _ = LENT.try_with(|lent| self.shadowed = lent.replace(running(budget, units)));
        }
    }

    /// The batch end: spends one unit of the budget, `true`, go on; `false`, the budget is spent
    /// and the caller must await [`forced_yield_at`](crate::__private::forced_yield_at), as for
    /// the plain yield point. The expansion reaches it only where [`spend_local`](Self::spend_local)
    /// has just said `false` (or before the first iteration, with an empty batch), so it does not
    /// ask again.
    #[inline(always)]
    pub fn spend(&mut self) -> bool {
        cfg!(coop_disable) || self.refill()
    }

    /// Spends one unit if the batch has one, without reaching the budget or anything else: a
    /// decrement and a branch of a local. `false` at the batch end, where the caller goes back
    /// to [`spend`](Self::spend).
    #[inline(always)]
    pub fn spend_local(&mut self) -> bool {
        if cfg!(coop_disable) {
            return true;
        }
        if self.left != 0 {
            self.left -= 1;
            true
        } else {
            false
        }
    }

    /// The batch end: settles what the loop spent, spends one unit of the budget (the decision
    /// the plain yield point makes), and takes a new lend.
    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> bool {
        // A batch end after a forced yield that never completed (its future dropped, the loop
        // resumed some other way) lends as a first lend.
        let after = match self.lent {
            Lent::Ambient(_, false) if self.taken != self.left => After::Charged,
            _ => After::Entry,
        };
        // Settled, the batch holds nothing until the next lend.
        if self.settle(false) || !state::try_spend() {
            return false;
        }
        let (units, lent) = lend(after);
        self.take(units, lent);
        true
    }

    /// The forced yield of a batch end that found the budget spent: the slow path of the yield
    /// point, awaited where [`spend`](Self::spend) said `false`, counted for `site`. Once the
    /// yield completes (its resumed yield point spends the unit of the iteration that follows),
    /// the batch is lent what the budget has left, so that the loop goes on without another
    /// batch end.
    pub fn forced_yield<'a>(&'a mut self, site: &'static Site) -> ForcedYield<'a> {
        ForcedYield {
            yielding: ConsumeBudget::exhausted(SiteRef::Static(site)),
            batch: self,
            yielded: false,
        }
    }

    /// The lend after the loop's forced yield, made by [`ForcedYield`] as it completes;
    /// `yielded`: it did yield, rather than complete at once on a spent budget refilled for it.
    #[cold]
    #[inline(never)]
    fn lend_after_yield(&mut self, yielded: bool) {
        let after = if yielded || ambient::exhausted_in_this_task() {
            After::Yield
        } else {
            After::Refilled
        };
        let (units, lent) = lend(after);
        self.take(units, lent);
    }

    /// Charges the units spent since the last lend, and gives back the rest; `leaving`: the loop
    /// is left, this is its last settlement. `true`: the loop must yield (see [`settle`]).
    fn settle(&mut self, leaving: bool) -> bool {
        let must_yield = settle(self.lent, self.taken, self.left, leaving);
        if self.taken > 0
            && let Lent::Counter(_) | Lent::Ambient(..) = self.lent
        {
            let _ = LENT.try_with(|lent| lent.set(self.shadowed));
        }
        self.left = 0;
        self.taken = 0;
        self.lent = Lent::Nothing;
        must_yield
    }
}

/// The future of [`Batch::forced_yield`]: forces the yield as [`forced_yield_at`] does, then
/// lends the batch what the budget has left.
///
/// [`forced_yield_at`]: crate::__private::forced_yield_at
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ForcedYield<'a> {
    yielding: ConsumeBudget,
    batch: &'a mut Batch,
    /// The yield happened: the first poll returned `Pending`.
    yielded: bool,
}

impl Future for ForcedYield<'_> {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if Pin::new(&mut this.yielding).poll(cx).is_pending() {
            this.yielded = true;
            return Poll::Pending;
        }
        this.batch.lend_after_yield(this.yielded);
        Poll::Ready(())
    }
}

impl Default for Batch {
    fn default() -> Batch {
        Batch::new()
    }
}

impl Drop for Batch {
    #[inline]
    fn drop(&mut self) {
        if self.taken != 0 {
            self.settle(true);
        }
    }
}
