//! When a time slice is checked: the chunk of units handed to the fast path's counter between
//! clock reads (strip mining, as HotSpot does for its safepoint polls), and what a budget keeps
//! of its slice ([`Timing`]) and hands to the loop that goes on after it ([`PaceHint`]).
//!
//! The decisions are pure arithmetic on nanoseconds, so that the bound can be read and tested on
//! its own.

use core::cell::Cell;

/// What a check of the clock decided.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Check {
    /// The slice is over: force a yield.
    Over,
    /// Hand this many units to the counter; the clock is read again once they are spent.
    Chunk(u16),
}

/// How many budgets in a row a loop may take without a clock read: the fourth reads it.
const UNREAD_BUDGETS: u32 = 3;

/// What a yield point that was forced to yield knows of its loop's pace: the clock at the last
/// read, how many units were handed out since, and how many more the loop may take without a
/// read (a chunk that reaches past its budget). The yield point future keeps it (`ConsumeBudget`,
/// `Coop`), so the first chunk of the next budget is sized by the loop that yielded, in the task
/// that yielded: another task never inherits it. The branches of one task spend one budget, so
/// the units and the time behind a pace are all of theirs, and a branch that starts a budget
/// starts it at their common pace.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PaceHint {
    read_at: u64,
    spent: u32,
    unread: u32,
    /// How many more budgets may take their units from `unread`: budgets smaller than the one
    /// the chunk was sized in must not stretch it over more than [`UNREAD_BUDGETS`].
    budgets: u32,
    /// The slice the `unread` units were sized for; another slice reads the clock.
    limit: u64,
}

/// A budget's time slice: when it started, the last check, and the pace it leaves behind.
///
/// A `Cell` per field, so that the thread's timing is read and written in place, field by field:
/// a check touches the few fields it needs instead of copying the whole timing out of its
/// thread-local and back. Flat, without `Option`s: what an `Option` would hold sits beside a flag
/// saying whether it is there.
#[derive(Clone, Debug)]
pub(crate) struct Timing {
    /// The slice, in nanoseconds; meaningless without [`SLICED`].
    limit: Cell<u64>,
    /// The clock when the budget was first spent from, once [`STARTED`]: not until then, and not
    /// for a budget that goes on a chunk begun in an earlier one (no read).
    started_at: Cell<u64>,
    /// The clock at the last check, and the units handed to the counter then.
    checked_at: Cell<u64>,
    handed: Cell<u16>,
    /// Units handed to the counter so far, all chunks together.
    spent: Cell<u16>,
    /// The chunk this budget goes on without a read, as the yield point that resumed handed it,
    /// once [`CARRIED`]: the hint's clock reading, its units spent, its units this budget left
    /// unread and its budgets left (its slice is this one's).
    carried_read_at: Cell<u64>,
    carried_spent: Cell<u32>,
    carried_unread: Cell<u32>,
    carried_budgets: Cell<u32>,
    /// Units past this budget's first chunk that the loop may take in its next budgets unread.
    unread: Cell<u32>,
    /// [`SLICED`], [`STARTED`], [`CARRIED`], [`TIMED_OUT`]: one byte, so that a check that
    /// needs several of them reads it once.
    flags: Cell<u8>,
    /// The task whose loop this budget's pace is, by a key of its waker (0: not known yet, the
    /// first task forced to yield by the budget takes it): a yield point of another task that
    /// the budget forces to yield keeps no pace from it.
    owner: Cell<u64>,
}

/// The budget has a slice.
const SLICED: u8 = 1;
/// `started_at` holds the clock of the budget's first unit.
const STARTED: u8 = 2;
/// The `carried_` fields hold a chunk begun in an earlier budget.
const CARRIED: u8 = 4;
/// The slice, not the units, ended this budget.
const TIMED_OUT: u8 = 8;

impl Timing {
    /// No slice.
    pub(crate) const fn none() -> Timing {
        Timing {
            limit: Cell::new(0),
            started_at: Cell::new(0),
            checked_at: Cell::new(0),
            handed: Cell::new(0),
            spent: Cell::new(0),
            carried_read_at: Cell::new(0),
            carried_spent: Cell::new(0),
            carried_unread: Cell::new(0),
            carried_budgets: Cell::new(0),
            unread: Cell::new(0),
            flags: Cell::new(0),
            owner: Cell::new(0),
        }
    }

    /// A slice of `limit` nanoseconds, not started.
    pub(crate) const fn new(limit: u64) -> Timing {
        Timing {
            limit: Cell::new(limit),
            flags: Cell::new(SLICED),
            ..Timing::none()
        }
    }

    /// Makes this timing a fresh slice of `limit` nanoseconds, not started, in place.
    pub(crate) fn start(&self, limit: u64) {
        self.copy_from(&Timing::new(limit));
    }

    /// Makes this timing a copy of `other`, field by field.
    pub(crate) fn copy_from(&self, other: &Timing) {
        self.limit.set(other.limit.get());
        self.started_at.set(other.started_at.get());
        self.checked_at.set(other.checked_at.get());
        self.handed.set(other.handed.get());
        self.spent.set(other.spent.get());
        self.carried_read_at.set(other.carried_read_at.get());
        self.carried_spent.set(other.carried_spent.get());
        self.carried_unread.set(other.carried_unread.get());
        self.carried_budgets.set(other.carried_budgets.get());
        self.unread.set(other.unread.get());
        self.flags.set(other.flags.get());
        self.owner.set(other.owner.get());
    }

    /// The task of key `task` (never 0) resumed a yield point on this budget: its loop's pace is
    /// the budget's, unless another task's already is.
    pub(crate) fn own(&self, task: u64) {
        if self.owner.get() == 0 {
            self.owner.set(task);
        }
    }

    /// What the yield point of the task of key `task` that this budget forced to yield keeps of
    /// its loop's pace: [`pace`](Self::pace), if the budget's pace is that task's.
    pub(crate) fn pace_of(&self, task: u64) -> Option<PaceHint> {
        self.own(task);
        if self.owner.get() == task {
            self.pace()
        } else {
            None
        }
    }

    pub(crate) fn limit(&self) -> Option<u64> {
        self.has(SLICED).then(|| self.limit.get())
    }

    /// The slice started: a refilled ambient budget goes on with it.
    pub(crate) fn started(&self) -> bool {
        self.flags.get() & (STARTED | CARRIED) != 0
    }

    fn has(&self, flag: u8) -> bool {
        self.flags.get() & flag != 0
    }

    fn raise(&self, flag: u8) {
        self.flags.set(self.flags.get() | flag);
    }

    /// The slice, not the units, ended the budget.
    pub(crate) fn timed_out(&self) -> bool {
        self.has(TIMED_OUT)
    }

    /// The next chunk, with `left` units in the reserve (at least one): reads the clock through
    /// `now` unless the loop that resumes (`resumed`) goes on a chunk that covers them all.
    #[inline]
    pub(crate) fn next(
        &self,
        left: u16,
        resumed: Option<PaceHint>,
        now: impl FnOnce() -> u64,
    ) -> Check {
        if let Some(hint) = resumed
            && self.carry(left, hint)
        {
            return Check::Chunk(left);
        }
        self.next_read(left, resumed, now)
    }

    /// [`next`](Self::next) where no carried chunk covers the budget: for a caller that tried
    /// [`carry`](Self::carry) first.
    #[inline]
    pub(crate) fn next_read(
        &self,
        left: u16,
        resumed: Option<PaceHint>,
        now: impl FnOnce() -> u64,
    ) -> Check {
        if !self.has(SLICED) {
            return Check::Chunk(left);
        }
        self.read(left, resumed, now)
    }

    /// The budget's first unit, where the loop that goes on after its own forced yield (`hint`)
    /// has a chunk that reaches past this budget's units: takes them all without a read.
    /// `false`: nothing changed, the clock is read. A budget with a slice only.
    #[inline(always)]
    pub(crate) fn carry(&self, left: u16, hint: PaceHint) -> bool {
        if hint.budgets == 0
            || hint.unread < u32::from(left)
            || self.flags.get() & (SLICED | STARTED) != SLICED
            || hint.limit != self.limit.get()
        {
            return false;
        }
        self.raise(CARRIED);
        self.carried_read_at.set(hint.read_at);
        self.carried_spent.set(hint.spent);
        self.carried_unread.set(hint.unread - u32::from(left));
        self.carried_budgets.set(hint.budgets - 1);
        self.handed.set(left);
        self.spent.set(left);
        true
    }

    /// [`next`](Self::next) where the clock is read.
    #[inline(always)]
    fn read(&self, left: u16, resumed: Option<PaceHint>, now: impl FnOnce() -> u64) -> Check {
        let now = now();
        let limit = self.limit.get();
        let chunk = if self.has(STARTED) {
            let check = check(
                limit,
                now.saturating_sub(self.started_at.get()),
                now.saturating_sub(self.checked_at.get()),
                self.handed.get(),
                left,
            );
            self.checked_at.set(now);
            match check {
                Check::Over => {
                    self.raise(TIMED_OUT);
                    return Check::Over;
                }
                Check::Chunk(chunk) => chunk,
            }
        } else {
            // The budget's first unit starts the slice. A loop that goes on after its own forced
            // yield takes its first chunk at the pace it had; anything else gets one unit, and
            // the next check measures it.
            self.raise(STARTED);
            self.started_at.set(now);
            self.checked_at.set(now);
            match resumed {
                Some(hint) if hint.spent > 0 => {
                    let (first, unread) = first_chunk_after(
                        limit,
                        now.saturating_sub(hint.read_at),
                        hint.spent,
                        left,
                    );
                    self.unread.set(unread);
                    first
                }
                _ => 1,
            }
        };
        self.handed.set(chunk);
        self.spent.set(self.spent.get().saturating_add(chunk));
        Check::Chunk(chunk)
    }

    /// The stretch from the slice's start to its last check, where the clock was read anyway.
    pub(crate) fn stretch(&self) -> Option<u64> {
        self.has(STARTED)
            .then(|| self.checked_at.get().saturating_sub(self.started_at.get()))
    }

    /// What the yield point this budget forced to yield keeps of its loop's pace.
    pub(crate) fn pace(&self) -> Option<PaceHint> {
        let flags = self.flags.get();
        if flags & SLICED == 0 {
            None
        } else if flags & CARRIED != 0 {
            Some(PaceHint {
                read_at: self.carried_read_at.get(),
                spent: self
                    .carried_spent
                    .get()
                    .saturating_add(u32::from(self.spent.get())),
                unread: self.carried_unread.get(),
                budgets: self.carried_budgets.get(),
                limit: self.limit.get(),
            })
        } else if flags & STARTED != 0 {
            let unread = self.unread.get();
            Some(PaceHint {
                read_at: self.started_at.get(),
                spent: u32::from(self.spent.get()),
                unread,
                budgets: if unread > 0 { UNREAD_BUDGETS } else { 0 },
                limit: self.limit.get(),
            })
        } else {
            None
        }
    }
}

/// Decides at a check, `elapsed` nanoseconds into a slice of `limit`, after `handed` units took
/// `interval` nanoseconds since the previous check, with `left` units still in the budget.
///
/// The next chunk holds as many units as fit, at the pace just measured, in a quarter of the
/// slice and in what is left of it, and at most twice as many as the last chunk: at least one,
/// at most `left`. So the next check comes before a quarter of the slice has passed, and not
/// after the slice ends, unless the loop slows down; one slow iteration delays it by at most
/// that iteration. The doubling keeps a pace measured over a few units from being stretched
/// over many: an uneven loop's chunks grow only as far as their average pace allows.
pub(crate) fn check(limit: u64, elapsed: u64, interval: u64, handed: u16, left: u16) -> Check {
    if elapsed >= limit {
        return Check::Over;
    }
    let handed = u64::from(handed.max(1));
    let doubled = handed * 2;
    // A fast loop's usual case, without a division: twice the chunk fits both horizons.
    let chunk = if fits(limit / 4, interval, handed, doubled)
        && fits(limit - elapsed, interval, handed, doubled)
    {
        doubled
    } else {
        let per_unit = interval / handed;
        let fit = |horizon: u64| horizon.checked_div(per_unit).unwrap_or(u64::MAX);
        let paced = fit(limit / 4).min(doubled).max(1);
        paced.min(fit(limit - elapsed)).max(1)
    };
    Check::Chunk(u16::try_from(chunk).unwrap_or(u16::MAX).min(left.max(1)))
}

/// Whether `units` units fit in `horizon` nanoseconds at the pace of `measured` units in
/// `interval`, as the pace's floor division counts them (`horizon / (interval / measured) >=
/// units`), without a division: a sufficient condition, which a pace slow enough to bind fails
/// (the caller then divides). A division costs as much as the rest of a check.
fn fits(horizon: u64, interval: u64, measured: u64, units: u64) -> bool {
    // The pace's floor division is at most the exact quotient, so horizon * measured >= units *
    // interval gives horizon >= units * floor(interval / measured), and then the floor of
    // horizon / floor(interval / measured) is at least units (or the pace is zero: no bound).
    u128::from(horizon) * u128::from(measured) >= u128::from(units) * u128::from(interval)
}

/// [`first_chunk`] at the pace of `measured` units (at least one) in `interval` nanoseconds.
fn first_chunk_after(limit: u64, interval: u64, measured: u32, left: u16) -> (u16, u32) {
    let doubled = u64::from(measured) * 2;
    // A fast loop's usual case, without a division: twice the units measured fit a quarter of
    // the slice. A pace of zero (`interval < measured`) is no pace, as `first_chunk` has it.
    if interval >= u64::from(measured) && fits(limit / 4, interval, u64::from(measured), doubled) {
        return chunk_of_span(doubled, left);
    }
    first_chunk(limit, interval / u64::from(measured.max(1)), measured, left)
}

/// The first chunk of a budget that resumes a loop whose pace is known, `per_unit` nanoseconds
/// measured over `measured` units: as many units as fit in a quarter of the slice `limit`, at
/// most twice `measured`; at least one, at most `left`. When that chunk reaches past `left`,
/// the second value is what it leaves for the loop's next budgets to take unread, at most
/// [`UNREAD_BUDGETS`] budgets of `left` units. A pace the clock could not resolve (zero) is no
/// pace: one unit, measured.
pub(crate) fn first_chunk(limit: u64, per_unit: u64, measured: u32, left: u16) -> (u16, u32) {
    let Some(fit) = (limit / 4).checked_div(per_unit) else {
        return (1, 0);
    };
    chunk_of_span(fit.min(u64::from(measured) * 2).max(1), left)
}

/// A first chunk of `span` units (at least one) with `left` in the budget: what it takes of
/// them, and what it leaves unread for the next budgets (see [`first_chunk`]).
fn chunk_of_span(span: u64, left: u16) -> (u16, u32) {
    let first = u16::try_from(span)
        .unwrap_or(u16::MAX)
        .clamp(1, left.max(1));
    let past = (span - u64::from(first)).min(u64::from(UNREAD_BUDGETS) * u64::from(left));
    let unread = if first == left {
        u32::try_from(past).unwrap_or(u32::MAX)
    } else {
        0
    };
    (first, unread)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(check: Check) -> u16 {
        match check {
            Check::Chunk(chunk) => chunk,
            Check::Over => 0,
        }
    }

    #[test]
    fn a_slice_that_is_over_is_over() {
        assert_eq!(check(1000, 1000, 10, 1, 100), Check::Over);
        assert_eq!(check(0, 0, 0, 1, 100), Check::Over);
    }

    #[test]
    fn fast_units_double_the_chunk_up_to_what_is_left() {
        // No measurable time per unit: twice the last chunk.
        assert_eq!(check(1_000_000, 10, 0, 1, 127), Check::Chunk(2));
        assert_eq!(chunk(check(1_000_000, 10, 64, 64, 127)), 127);
        assert_eq!(check(1_000_000, 10, 64, 64, 10), Check::Chunk(10));
        // Slower than a quarter of the slice per unit: one at a time.
        assert_eq!(chunk(check(1000, 10, 300, 1, 127)), 1);
    }

    #[test]
    fn a_pace_of_zero_measures_one_unit() {
        assert_eq!(first_chunk(0, 0, 128, 128), (1, 0));
        assert_eq!(first_chunk(1_000_000, 0, 128, 128), (1, 0));
        assert_eq!(first_chunk(1_000_000, 1000, 128, 128).0, 128);
    }

    #[test]
    fn a_first_chunk_past_the_budget_leaves_the_rest_unread_up_to_three_budgets() {
        // 10 ns a unit, 1 ms slice: 25 000 units fit a quarter; twice the 128 measured is 256.
        assert_eq!(first_chunk(1_000_000, 10, 128, 128), (128, 128));
        // Measured over many: the chunk stops at four budgets.
        assert_eq!(first_chunk(1_000_000, 10, 10_000, 128), (128, 3 * 128));
        // The quarter slice holds fewer units than the budget: no chunk past it.
        assert_eq!(first_chunk(1_000_000, 10_000, 10_000, 128), (25, 0));
        // Exactly the budget: nothing left over.
        assert_eq!(first_chunk(1_000_000, 1000, 10_000, 250), (250, 0));
    }

    /// A budget that resumes its loop with room left in the loop's chunk takes its units without
    /// reading the clock, and hands on the rest; the budget after the chunk reads it.
    #[test]
    fn budgets_inside_a_chunk_are_not_read() {
        let reads = core::cell::Cell::new(0u32);
        let clock = |at: u64| {
            let reads = &reads;
            move || {
                reads.set(reads.get() + 1);
                at
            }
        };
        let first = Timing::new(1_000_000);
        assert_eq!(first.next(128, None, clock(0)), Check::Chunk(1));
        assert_eq!(first.next(127, None, clock(10)), Check::Chunk(2));
        let mut at = 10;
        let mut left = 125;
        while left > 0 {
            at += 10;
            let Check::Chunk(chunk) = first.next(left, None, clock(at)) else {
                panic!("over at {at}")
            };
            left -= chunk;
        }
        let mut hint = first.pace();
        let mut read_budgets = Vec::new();
        for budget in 1..=20u32 {
            let before = reads.get();
            let timing = Timing::new(1_000_000);
            let start = u64::from(budget) * 1_300;
            assert_eq!(timing.next(128, hint, clock(start)), Check::Chunk(128));
            if reads.get() > before {
                read_budgets.push(budget);
            }
            hint = timing.pace();
        }
        // Chunks of 2 and 4 budgets, then 4 at most.
        assert_eq!(read_budgets, [1, 3, 7, 11, 15, 19]);
        // Another slice reads the clock whatever the chunk says.
        let other = Timing::new(2_000_000);
        let before = reads.get();
        other.next(128, hint, clock(40_000));
        assert_eq!(reads.get(), before + 1);
    }

    /// The checks' shortcut without a division decides as the divisions do, on any input.
    mod without_a_division {
        use proptest::prelude::*;

        use super::super::{Check, check, first_chunk, first_chunk_after};

        /// `check` as it reads with its divisions only.
        fn check_dividing(
            limit: u64,
            elapsed: u64,
            interval: u64,
            handed: u16,
            left: u16,
        ) -> Check {
            if elapsed >= limit {
                return Check::Over;
            }
            let per_unit = interval / u64::from(handed.max(1));
            let fit = |horizon: u64| horizon.checked_div(per_unit).unwrap_or(u64::MAX);
            let paced = fit(limit / 4).min(u64::from(handed.max(1)) * 2).max(1);
            let chunk = paced.min(fit(limit - elapsed)).max(1);
            Check::Chunk(u16::try_from(chunk).unwrap_or(u16::MAX).min(left.max(1)))
        }

        /// Spans from nanoseconds to centuries, dense around the boundaries that matter.
        fn nanos() -> impl Strategy<Value = u64> {
            prop_oneof![0..4_000u64, 0..10_000_000u64, any::<u64>()]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(20_000))]

            #[test]
            fn check_decides_as_its_divisions(
                limit in nanos(),
                elapsed in nanos(),
                interval in nanos(),
                handed in prop_oneof![1..300u16, any::<u16>()],
                left in any::<u16>(),
            ) {
                prop_assert_eq!(
                    check(limit, elapsed, interval, handed, left),
                    check_dividing(limit, elapsed, interval, handed, left)
                );
            }

            #[test]
            fn first_chunk_decides_as_its_divisions(
                limit in nanos(),
                interval in nanos(),
                measured in prop_oneof![1..600u32, 1..u32::MAX],
                left in any::<u16>(),
            ) {
                prop_assert_eq!(
                    first_chunk_after(limit, interval, measured, left),
                    first_chunk(limit, interval / u64::from(measured), measured, left)
                );
            }
        }
    }

    #[test]
    fn the_chunk_fits_a_quarter_of_the_slice_and_what_is_left_of_it() {
        // 100 ns per unit (measured over 4 units), slice 1000: a quarter is 2 units.
        assert_eq!(check(1000, 100, 400, 4, 100), Check::Chunk(2));
        // 150 ns left of the slice: one unit, though the pace allows two.
        assert_eq!(check(1000, 850, 200, 2, 100), Check::Chunk(1));
    }
}
