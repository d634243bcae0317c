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

use crate::state::{self, Lent};

/// A loop's batch of budget units; `#[cooperative]` declares one before each loop it batches.
#[derive(Debug)]
pub struct Batch {
    /// Units the loop may still spend without asking the budget.
    left: u16,
    /// Units lent at the last batch end: `taken - left` were spent since.
    taken: u16,
    /// Where the units came from, which decides how they settle.
    lent: Lent,
    /// The most the next lend takes from an ambient source that charges per unit: it grows
    /// with each batch, so that a short loop does not take (and give back) a whole budget.
    next: u16,
}

impl Batch {
    /// An empty batch: the loop's first iteration reaches the budget.
    pub const fn new() -> Batch {
        Batch {
            left: 0,
            taken: 0,
            lent: Lent::Nothing,
            next: 4,
        }
    }

    /// Spends one unit: `true`, go on; `false`, the budget is spent and the caller must await
    /// [`forced_yield_at`](crate::__private::forced_yield_at), as for the plain yield point.
    #[inline(always)]
    pub fn spend(&mut self) -> bool {
        if self.left != 0 {
            self.left -= 1;
            true
        } else {
            self.refill()
        }
    }

    /// Spends one unit if the batch has one, without reaching the budget: `false` at the batch
    /// end, where the caller goes back to [`spend`](Self::spend).
    #[inline(always)]
    pub fn spend_local(&mut self) -> bool {
        if self.left != 0 {
            self.left -= 1;
            true
        } else {
            false
        }
    }

    /// Gives back the unit [`spend_local`](Self::spend_local) just spent for an iteration that
    /// did not happen (the loop found its end).
    #[inline(always)]
    pub fn unspend_local(&mut self) {
        self.left = self.left.saturating_add(1).min(self.taken);
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
        let (units, lent) = state::lend(self.next);
        self.next = self.next.saturating_mul(2);
        self.left = units;
        self.taken = units;
        self.lent = lent;
        true
    }

    /// Charges the units spent since the last lend, and gives back the rest.
    fn settle(&mut self) {
        state::settle(self.lent, self.taken, self.left);
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
