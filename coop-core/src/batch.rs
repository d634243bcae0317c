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

use core::task::Context;

use crate::ambient;
use crate::state::{self, Mode};

/// Where a batch got its units, which decides how they settle.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lent {
    /// Nothing to settle: an empty batch, or unconstrained code, whose units cost nothing.
    Nothing,
    /// Read from the counter of budget number `.0`, a scope's.
    Counter(u32),
    /// Read from the ambient counter (budget number `.0`); the ambient source grants each unit
    /// as it is spent.
    Ambient(u32),
}

/// Lends the running code's remaining units to a batch: all of the counter's (the ambient
/// source grants each unit as the batch spends it). Unconstrained code and a budget that
/// cannot be reached get `u16::MAX` units that cost nothing. The counter itself is only read:
/// [`settle`] charges what the batch spent, so synchronous code in the loop's body that spends
/// budget still finds it.
fn lend() -> (u16, Lent) {
    match state::current() {
        None => (u16::MAX, Lent::Nothing),
        Some(state) => match state.mode {
            Mode::Unconstrained => (u16::MAX, Lent::Nothing),
            Mode::Scoped => (state.units, Lent::Counter(state.budget)),
            Mode::Ambient => (state.units, Lent::Ambient(state.budget)),
        },
    }
}

/// Whether the source behind a lend grants one more of its units. The ambient source is asked,
/// and charged, unit for unit: tokio refusing ends the batch, and the batch end forces the yield.
#[inline(always)]
fn grant_one(lent: Lent, cx: &mut Context<'_>) -> bool {
    match lent {
        Lent::Ambient(_) => ambient::spend(cx).map(ambient::Unit::keep).is_ready(),
        Lent::Nothing | Lent::Counter(_) => true,
    }
}

/// Settles a batch that was lent `taken` units and has `left` of them: the spent ones are
/// charged to the budget that lent them (the ambient source was charged unit by unit).
fn settle(lent: Lent, taken: u16, left: u16) {
    let budget = match lent {
        Lent::Nothing => return,
        Lent::Counter(budget) | Lent::Ambient(budget) => budget,
    };
    state::charge(budget, taken.saturating_sub(left));
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
}

impl Batch {
    /// An empty batch: the loop's first iteration reaches the budget.
    pub const fn new() -> Batch {
        Batch {
            left: 0,
            taken: 0,
            lent: Lent::Nothing,
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

    /// Spends one unit if the batch has one, without reaching the budget (an ambient source that
    /// charges per unit, tokio's, is charged here, `cx` standing for the task's context, whose
    /// waker it never needs): `false` at the batch end, where the caller goes back to
    /// [`spend`](Self::spend). The expansion makes `cx` once, before its inner loop
    /// ([`noop_context`](crate::__private::noop_context)), so that no iteration writes a
    /// context to the stack.
    #[inline(always)]
    pub fn spend_local(&mut self, cx: &mut Context<'_>) -> bool {
        if cfg!(coop_disable) {
            return true;
        }
        if self.left != 0 && grant_one(self.lent, cx) {
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
        self.settle();
        if !state::try_spend() {
            return false;
        }
        let (units, lent) = lend();
        self.left = units;
        self.taken = units;
        self.lent = lent;
        true
    }

    /// Charges the units spent since the last lend, and gives back the rest.
    fn settle(&mut self) {
        settle(self.lent, self.taken, self.left);
        self.left = 0;
        self.taken = 0;
        self.lent = Lent::Nothing;
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
            self.settle();
        }
    }
}
