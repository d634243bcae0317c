//! Under `--cfg coop_disable` every yield point compiles to nothing and no budget is spent.
//!
//! Run with `RUSTFLAGS="--cfg coop_disable" cargo test -p coop-core --test compiled_out`.
#![cfg(coop_disable)]

use coop_test_support::with_spent_budget;
use std::task::{Context, Waker};

use coop_core::{consume_budget, forced_yield_count, has_budget_remaining, poll_proceed};

#[test]
fn yield_points_never_yield_and_spend_nothing() {
    let mut cx = Context::from_waker(Waker::noop());
    let (_, yields) = coop_test_support::run_with(
        async {
            for _ in 0..1000 {
                consume_budget().await;
                coop_core::__private::yield_point!();
            }
        },
        |poll| with_spent_budget(poll),
    );
    assert_eq!(yields, 0);
    with_spent_budget(|| {
        assert!(has_budget_remaining());
        assert!(poll_proceed(&mut cx).is_ready());
    });
    assert_eq!(forced_yield_count(), 0);
    assert!(coop_core::sites().is_empty());
}

/// A strip-mined `for` and `while` (`scripts/test-all.sh` builds this test without the macros;
/// `RUSTFLAGS="--cfg coop_disable" cargo test -p coop-core --test compiled_out` runs it).
#[cfg(feature = "macros")]
#[coop_core::cooperative]
async fn strip_mined(n: u64) -> u64 {
    let mut sum = 0;
    for i in 0..n {
        sum += i;
    }
    let mut i = 0;
    while i < n {
        sum += i;
        i += 1;
    }
    sum
}

#[cfg(feature = "macros")]
#[test]
fn strip_mined_loops_never_yield_and_spend_nothing() {
    let (sum, yields) =
        coop_test_support::run_with(strip_mined(1000), |poll| with_spent_budget(poll));
    assert_eq!(sum, 2 * 499_500);
    assert_eq!(yields, 0);
}
