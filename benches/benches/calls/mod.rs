//! Hot loops that call what the optimizer cannot see into, the shape of most real hot loops: a
//! function of another crate (no LTO), an allocation, an atomic. `bare` and `cooperative` twins
//! written once by `cooperative_twins!`, as in `loops`.

use std::sync::LazyLock;

use coop_benches::{next_token, opaque_step};

use crate::loops::work;

coop_test_support::cooperative_twins! {
    /// The `loops` loop with one opaque call per iteration: [`opaque_step`], then the `STEPS`
    /// inlined steps of `work`.
    pub(crate) async fn cooperative_opaque / bare_opaque<const STEPS: u32>(n: u64, seed: u64) -> u64 {
        let mut x = seed;
        for i in 0..n {
            x = work::<STEPS>(opaque_step(x ^ i));
        }
        x
    }
}

coop_test_support::cooperative_twins! {
    /// A tokenizer's loop: walks a byte buffer, one call of [`next_token`] per token, and folds
    /// the tokens into a checksum.
    pub(crate) async fn cooperative_parse / bare_parse(input: &[u8], seed: u64) -> u64 {
        let mut pos = 0;
        let mut sum = seed;
        let mut tokens = 0u64;
        while pos < input.len() {
            let (value, len) = next_token(&input[pos..]);
            pos += len;
            sum = sum.rotate_left(5) ^ value;
            tokens += 1;
        }
        sum ^ tokens
    }
}

/// The tokenizer's input: as many tokens as `ITERATIONS`, built once.
pub(crate) static TOKENS: LazyLock<Vec<u8>> =
    LazyLock::new(|| coop_benches::token_buffer(crate::ITERATIONS as usize));

/// `cooperative_opaque` with the per-iteration yield point written by hand, as `#[cooperative]`
/// expands a loop it does not strip-mine.
pub(crate) async fn cooperative_opaque_per_iteration<const STEPS: u32>(n: u64, seed: u64) -> u64 {
    let mut x = seed;
    for i in 0..n {
        coop_core::__private::yield_point!();
        x = work::<STEPS>(opaque_step(x ^ i));
    }
    x
}
