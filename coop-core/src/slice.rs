//! When a time slice is checked: the chunk of units handed to the fast path's counter between
//! clock reads (strip mining, as HotSpot does for its safepoint polls).
//!
//! Pure arithmetic on nanoseconds, so that the bound can be read and tested on its own.

/// What a check of the clock decided.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Check {
    /// The slice is over: force a yield.
    Over,
    /// Hand this many units to the counter; the clock is read again once they are spent.
    Chunk(u16),
}

/// Decides at a check, `elapsed` nanoseconds into a slice of `limit`, after `handed` units took
/// `interval` nanoseconds since the previous check, with `left` units (at least one) still in
/// the budget.
///
/// The next chunk holds as many units as fit, at the pace just measured, in a quarter of the
/// slice and in what is left of it: at least one, at most `left`. So the next check comes
/// before a quarter of the slice has passed, and not after the slice ends, unless the loop
/// slows down; one slow iteration delays it by at most that iteration.
pub(crate) fn check(limit: u64, elapsed: u64, interval: u64, handed: u16, left: u16) -> Check {
    if elapsed >= limit {
        return Check::Over;
    }
    let horizon = (limit / 4).min(limit - elapsed);
    let per_unit = interval / u64::from(handed.max(1));
    let fits = horizon.checked_div(per_unit).unwrap_or(u64::MAX);
    let chunk = u16::try_from(fits).unwrap_or(u16::MAX);
    Check::Chunk(chunk.clamp(1, left.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_that_is_over_is_over() {
        assert_eq!(check(1000, 1000, 10, 1, 100), Check::Over);
        assert_eq!(check(0, 0, 0, 1, 100), Check::Over);
    }

    #[test]
    fn fast_units_take_the_whole_budget_and_slow_ones_one_at_a_time() {
        // No measurable time per unit: everything that is left.
        assert_eq!(check(1_000_000, 10, 0, 1, 127), Check::Chunk(127));
        // 1 ns per unit, a quarter of a 1 ms slice is 250 000 units: capped at what is left.
        assert_eq!(check(1_000_000, 10, 1, 1, 127), Check::Chunk(127));
        // Slower than a quarter of the slice per unit: one at a time.
        assert_eq!(check(1000, 10, 300, 1, 127), Check::Chunk(1));
    }

    #[test]
    fn the_chunk_fits_a_quarter_of_the_slice_and_what_is_left_of_it() {
        // 100 ns per unit (measured over 4 units), slice 1000: a quarter is 2 units.
        assert_eq!(check(1000, 100, 400, 4, 100), Check::Chunk(2));
        // 150 ns left of the slice: one unit.
        assert_eq!(check(1000, 850, 100, 1, 100), Check::Chunk(1));
    }
}
