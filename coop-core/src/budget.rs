//! A budget as a value, [`Budget`]: how many units, and optionally how much time, code may spend
//! before a yield point forces it to yield; and the process default that scopes and the
//! ambient budget start from.

use core::time::Duration;

use crate::platform::Counter;

/// Units of budget a task gets per poll by default: what [`Budget::DEFAULT`] holds.
///
/// ```
/// assert_eq!(coop_core::DEFAULT_BUDGET, 128);
/// assert_eq!(coop_core::Budget::DEFAULT.unit_count(), coop_core::DEFAULT_BUDGET);
/// ```
pub const DEFAULT_BUDGET: u16 = 128;

/// How much code may spend before a yield point forces it to yield: a number of units, one per
/// yield point passed, and optionally a time slice.
///
/// Units bound how many iterations run between yields, not how long they take: 128 iterations
/// of 1 ms each hold the thread for 128 ms. A time slice bounds the time too. The slice starts
/// when the budget is first spent from; once it is over, the next yield point that checks the
/// clock forces a yield, exactly as a spent budget does, and the next budget starts fresh.
///
/// **The guarantee**: a loop under a time slice is forced to yield at most a quarter of the
/// slice plus one iteration after its slice ends, as long as its iterations in each check
/// interval are no slower than the pace measured before it: for a budget's first interval, the
/// average pace since that same yield point in that same task last read the clock (the future
/// that was forced to yield keeps it; `poll_proceed` keeps none), else the first unit measured
/// alone; for every later interval, the previous interval's average. The branches of one task
/// (`join!`, `select!`) spend one budget and share its intervals, so a slow branch that goes on
/// in a chunk its fast sibling took runs outside the precondition, for what is left of that
/// chunk. Outside that precondition
/// an interval still ends after its chunk of units, at most as many as fit in a quarter of the
/// slice at the pace measured before it, and each budget still ends after its units: a loop that
/// slows from 1 µs to 1 ms per iteration under a 10 ms slice runs at most four budgets (the one
/// it slows down in and the three its last chunk reached) at the slow pace, each forced to yield
/// after its units, before a check measures the new pace.
///
/// How it stays cheap: the clock is never read on a yield point's fast path. The budget hands
/// its units to the fast path's counter in chunks, and the clock is read only when a chunk runs
/// out. The chunk adapts to the loop, as HotSpot strip-mines its safepoint polls: after a check
/// it holds as many units as, at the pace just measured, fit in a quarter of the slice and
/// before the slice ends, and at most twice as many as the pace was measured over (at least
/// one, at most what is left). Slow iterations check every unit. A fast loop that goes on after
/// its forced yield (it resumes the yield point whose forced yield ended the previous budget)
/// takes its budget's first chunk at the pace it had, and that chunk may reach past the budget:
/// then the loop's next budgets, up to three, take their units without reading the clock. A
/// steady fast loop reads the clock once every four budgets. A budget that starts anywhere else
/// (another task, another branch, a hand-written `poll_proceed`) measures its first unit alone,
/// one read more.
///
/// Choosing a slice: the longest you accept another task on the thread to wait for, minus the
/// longest single iteration of your loops. A slice much longer than a budget's worth of
/// iterations costs a clock read every few budgets and changes nothing else; a slice shorter
/// than an iteration yields at every iteration.
///
/// ```
/// use std::time::Duration;
///
/// use coop_core::Budget;
///
/// let sliced = Budget::DEFAULT.slice(Duration::from_millis(1));
/// assert_eq!(sliced.unit_count(), 128);
/// assert_eq!(sliced.time_slice(), Some(Duration::from_millis(1)));
/// assert_eq!(Budget::from(3), Budget::units(3));
/// assert_eq!(Budget::DEFAULT.time_slice(), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Budget {
    units: u16,
    slice: Option<Duration>,
    /// The slice in nanoseconds (saturating), worked out once here rather than at every fresh
    /// budget; 0 without a slice.
    slice_nanos: u64,
}

impl core::fmt::Debug for Budget {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Budget")
            .field("units", &self.units)
            .field("slice", &self.slice)
            .finish()
    }
}

impl Budget {
    /// 128 units and no time limit: tokio's budget, and what coop uses unless told otherwise.
    ///
    /// ```
    /// assert_eq!(coop_core::Budget::DEFAULT, coop_core::Budget::units(128));
    /// ```
    pub const DEFAULT: Budget = Budget::units(DEFAULT_BUDGET);

    /// A budget of `n` units and no time limit; at least one unit.
    ///
    /// A budget of 0 is a budget of 1: every task poll under it grants one unit, so a future
    /// built on [`poll_proceed`](crate::poll_proceed) makes progress at each poll instead of
    /// being refused for ever.
    ///
    /// ```
    /// let small = coop_core::Budget::units(16);
    /// assert_eq!(small.unit_count(), 16);
    /// assert_eq!(coop_core::Budget::units(0).unit_count(), 1);
    /// ```
    #[must_use]
    pub const fn units(n: u16) -> Budget {
        Budget {
            units: if n == 0 { 1 } else { n },
            slice: None,
            slice_nanos: 0,
        }
    }

    /// The same units, and a time limit of `d` from the first unit spent.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let budget = coop_core::Budget::units(64).slice(Duration::from_micros(500));
    /// assert_eq!(budget.time_slice(), Some(Duration::from_micros(500)));
    /// ```
    #[must_use]
    pub const fn slice(self, d: Duration) -> Budget {
        Budget {
            slice: Some(d),
            slice_nanos: const_nanos(d),
            ..self
        }
    }

    /// How many units the budget holds.
    ///
    /// ```
    /// assert_eq!(coop_core::Budget::from(7).unit_count(), 7);
    /// ```
    pub const fn unit_count(self) -> u16 {
        self.units
    }

    /// The time slice, if the budget has one.
    ///
    /// ```
    /// assert_eq!(coop_core::Budget::units(7).time_slice(), None);
    /// ```
    pub const fn time_slice(self) -> Option<core::time::Duration> {
        self.slice
    }

    /// The time slice in nanoseconds (saturating), if any.
    pub(crate) fn slice_nanos(self) -> Option<u64> {
        self.slice.map(|_| self.slice_nanos)
    }
}

/// `d` in nanoseconds, saturating at `u64::MAX`: [`nanos`](crate::clock::nanos) where it must be
/// `const`.
const fn const_nanos(d: Duration) -> u64 {
    let ns = d.as_nanos();
    if ns > u64::MAX as u128 {
        u64::MAX
    } else {
        ns as u64
    }
}

impl Default for Budget {
    /// [`Budget::DEFAULT`].
    fn default() -> Budget {
        Budget::DEFAULT
    }
}

impl From<u16> for Budget {
    /// `n` units (at least one, see [`Budget::units`]) and no time limit, so that
    /// `with_budget(3, f)` reads as a number of units.
    fn from(n: u16) -> Budget {
        Budget::units(n)
    }
}

/// The process default, packed so that one read gets it whole: the units in the low
/// 16 bits, the slice above them (0: none; otherwise nanoseconds plus one, saturating).
static DEFAULT: Counter = Counter::new(pack(Budget::DEFAULT));

/// Slices are stored in 48 bits: up to about 78 hours.
const SLICE_BITS: u32 = 48;
const SLICE_MAX: u64 = (1 << SLICE_BITS) - 1;

const fn pack(budget: Budget) -> u64 {
    let slice = match budget.slice {
        None => 0,
        Some(d) => {
            let ns = d.as_nanos();
            if ns >= SLICE_MAX as u128 {
                SLICE_MAX
            } else {
                ns as u64 + 1
            }
        }
    };
    (slice << 16) | budget.units as u64
}

const fn unpack(packed: u64) -> Budget {
    let slice = packed >> 16;
    let budget = Budget {
        units: (packed & 0xffff) as u16,
        slice: None,
        slice_nanos: 0,
    };
    if slice == 0 {
        budget
    } else {
        budget.slice(Duration::from_nanos(slice - 1))
    }
}

/// Sets the budget that [`budget`](fn@crate::budget), [`budgeted`](crate::budgeted) and every
/// thread's ambient budget start from, process-wide, from their next fresh budget on.
///
/// It is read only where a fresh budget begins (a scope's entry, a `budgeted` poll, the ambient
/// budget's refill), never on a yield point's fast path, so setting it costs nothing per
/// iteration. Explicit budgets ([`with_budget`](crate::with_budget),
/// [`budgeted_with`](crate::budgeted_with)) are not affected. Slices are kept to about 78 hours.
///
/// With the `tokio` feature, inside a tokio task with no coop scope the ambient budget is
/// tokio's: its units are tokio's 128 per task poll whatever the default's units are (a task
/// there yields every 128 yield points under a default of 10 or of 1000), while the default's
/// time slice still applies. Wrap the task in [`budgeted`](crate::budgeted) for the default's
/// units.
///
/// ```
/// use std::time::Duration;
///
/// use coop_core::{Budget, default_budget, set_default_budget};
///
/// // Every budget from now on: 128 units, and at most 2 ms.
/// set_default_budget(Budget::DEFAULT.slice(Duration::from_millis(2)));
/// assert_eq!(default_budget().time_slice(), Some(Duration::from_millis(2)));
/// set_default_budget(Budget::DEFAULT);
/// ```
pub fn set_default_budget(budget: impl Into<Budget>) {
    DEFAULT.set(pack(budget.into()));
}

/// The process default budget: [`Budget::DEFAULT`] unless [`set_default_budget`] changed it.
///
/// ```
/// assert_eq!(coop_core::default_budget(), coop_core::Budget::DEFAULT);
/// ```
pub fn default_budget() -> Budget {
    unpack(DEFAULT.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_keeps_units_and_slice() {
        for budget in [
            Budget::DEFAULT,
            Budget::units(1),
            Budget::units(u16::MAX).slice(Duration::ZERO),
            Budget::units(5).slice(Duration::from_nanos(1)),
            Budget::DEFAULT.slice(Duration::from_millis(1)),
        ] {
            assert_eq!(unpack(pack(budget)), budget);
        }
        let long = Budget::DEFAULT.slice(Duration::from_secs(1 << 40));
        assert_eq!(
            unpack(pack(long)).time_slice(),
            Some(Duration::from_nanos(SLICE_MAX - 1))
        );
    }
}
