//! The hot loops both benchmarks measure: one loop of dependent work, four ways (`bare` and
//! `cooperative` written once, by `cooperative_twins!`).

/// One step of work: a multiply-xorshift, about 5 cycles of latency that the next step depends
/// on, so the compiler can neither vectorize nor fold the loop.
#[inline(always)]
pub(crate) fn step(x: u64) -> u64 {
    (x ^ (x >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// `STEPS` dependent steps: the work of one loop iteration.
#[inline(always)]
pub(crate) fn work<const STEPS: u32>(mut x: u64) -> u64 {
    let mut s = 0;
    while s < STEPS {
        x = step(x);
        s += 1;
    }
    x
}

coop_test_support::cooperative_twins! {
    /// The loop made cooperative by the attribute; `bare` is the same loop without it.
    pub(crate) async fn cooperative / bare<const STEPS: u32>(n: u64, seed: u64) -> u64 {
        let mut x = seed;
        for i in 0..n {
            x = work::<STEPS>(x ^ i);
        }
        x
    }
}

/// The same loop, yielding the tokio way, written by hand.
pub(crate) async fn tokio_consume_budget<const STEPS: u32>(n: u64, seed: u64) -> u64 {
    let mut x = seed;
    for i in 0..n {
        tokio::task::coop::consume_budget().await;
        x = work::<STEPS>(x ^ i);
    }
    x
}

/// The same loop with the naive fix: an unconditional yield every 128 iterations.
pub(crate) async fn yield_now_every_128<const STEPS: u32>(n: u64, seed: u64) -> u64 {
    let mut x = seed;
    for i in 0..n {
        if i % 128 == 127 {
            tokio::task::yield_now().await;
        }
        x = work::<STEPS>(x ^ i);
    }
    x
}

/// The `cooperative` loop with the per-iteration yield point written by hand, as
/// `#[cooperative]` expands a loop it does not strip-mine: every iteration spends from the
/// thread's budget.
#[allow(
    dead_code,
    reason = "`fairness` includes the module and does not time it"
)]
pub(crate) async fn cooperative_per_iteration<const STEPS: u32>(n: u64, seed: u64) -> u64 {
    let mut x = seed;
    for i in 0..n {
        coop_core::__private::yield_point!();
        x = work::<STEPS>(x ^ i);
    }
    x
}
