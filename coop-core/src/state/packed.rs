//! The fast path's counter as one 32-bit word, for the build without `std`, where it lives in
//! an `AtomicU32` (see `platform`). With `std` nothing packs it; the code is compiled all the same.

use super::{Mode, State};
use crate::platform::Packed;

/// Bits of a budget's number kept in a packed [`State`]: the word holds the units (16 bits), the
/// mode (2) and the exhausted flag (1), and the number's low 13 bits.
const PACKED_BUDGET_BITS: u32 = 13;

impl State {
    /// The state as one word: the units in the low 16 bits, the mode and the flag above, and
    /// the budget's number modulo 2^13 at the top. So without `std` budget numbers repeat every
    /// 8192 budgets: a `RestoreOnPending` dropped exactly a multiple of 8192 budgets after it
    /// was charged refunds its unit into the budget of the time.
    pub(super) const fn packed(self) -> u32 {
        let mode = match self.mode {
            Mode::Ambient => 0,
            Mode::Scoped => 1,
            Mode::Unconstrained => 2,
        };
        self.units as u32
            | mode << 16
            | (self.exhausted as u32) << 18
            | self.budget << (32 - PACKED_BUDGET_BITS)
    }
}

impl Packed for State {
    #[inline(always)]
    fn pack(self) -> u32 {
        self.packed()
    }

    #[inline(always)]
    fn unpack(word: u32) -> State {
        State {
            units: word as u16,
            mode: match (word >> 16) & 3 {
                0 => Mode::Ambient,
                1 => Mode::Scoped,
                _ => Mode::Unconstrained,
            },
            exhausted: word & 1 << 18 != 0,
            budget: word >> (32 - PACKED_BUDGET_BITS),
        }
    }
}
