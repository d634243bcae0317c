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
    let per_unit = interval / u64::from(handed.max(1));
    let fit = |horizon: u64| horizon.checked_div(per_unit).unwrap_or(u64::MAX);
    let doubled = u64::from(handed.max(1)) * 2;
    let paced = fit(limit / 4).min(doubled).max(1);
    let chunk = paced.min(fit(limit - elapsed)).max(1);
    Check::Chunk(u16::try_from(chunk).unwrap_or(u16::MAX).min(left.max(1)))
}

/// The first chunk of a budget that resumes a loop whose pace is known: as many units as fit,
/// at `per_unit` nanoseconds each, in a quarter of the slice `limit`; at least one, at most
/// `left`. A pace the clock could not resolve (zero) is no pace: one unit, measured.
pub(crate) fn first_chunk(limit: u64, per_unit: u64, left: u16) -> u16 {
    let Some(fit) = (limit / 4).checked_div(per_unit) else {
        return 1;
    };
    u16::try_from(fit).unwrap_or(u16::MAX).clamp(1, left.max(1))
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
        assert_eq!(first_chunk(0, 0, 128), 1);
        assert_eq!(first_chunk(1_000_000, 0, 128), 1);
        assert_eq!(first_chunk(1_000_000, 1000, 128), 128);
    }

    #[test]
    fn the_chunk_fits_a_quarter_of_the_slice_and_what_is_left_of_it() {
        // 100 ns per unit (measured over 4 units), slice 1000: a quarter is 2 units.
        assert_eq!(check(1000, 100, 400, 4, 100), Check::Chunk(2));
        // 150 ns left of the slice: one unit, though the pace allows two.
        assert_eq!(check(1000, 850, 200, 2, 100), Check::Chunk(1));
    }
}
