//! A `#![no_std]` library that uses coop's attributes, as firmware does: built against coop-core
//! without its `std` feature, so it proves that everything a user writes compiles there.
//!
//! The tests (`tests/`) run these loops on embassy's executor and timer on the host, beside a
//! `Ticker` task: plain, the loop holds the executor for its whole run; annotated, the ticker
//! gets its turn every budget.
#![no_std]

use core::sync::atomic::{AtomicU32, Ordering};

use coop_core::{cooperative, unconstrained};

/// Writes the checksum loop twice, once per attribute list, so the plain twin and the annotated
/// one cannot drift apart.
macro_rules! checksum {
    ($(#[$attr:meta])* $name:ident) => {
        /// Adler-32 of `block`, `rounds` times over, storing how many rounds are done in
        /// `progress` after each: the hot loop of a firmware task (a checksum over flash, a
        /// parser over a DMA buffer), which never waits for anything.
        $(#[$attr])*
        pub async fn $name(block: &[u8], rounds: u32, progress: &AtomicU32) -> u32 {
            let (mut a, mut b) = (1u32, 0u32);
            for round in 0..rounds {
                #[unconstrained] // one block is short and bounded: no yield point per byte
                for byte in block {
                    a = (a + u32::from(*byte)) % 65_521;
                    b = (b + a) % 65_521;
                }
                progress.store(round + 1, Ordering::Relaxed);
            }
            (b << 16) | a
        }
    };
}

checksum!(
    #[cooperative]
    checksum
);
checksum!(
    #[unconstrained]
    checksum_plain
);
