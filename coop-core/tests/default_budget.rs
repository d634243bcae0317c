//! The process default budget: what `budget`, `budgeted` and every thread's ambient budget start
//! from. It is process-wide, so this binary sets one default for all of its tests (64 units and a
//! 1 µs slice, on a manual clock) and each test calls `sliced_default` first.

use std::time::Duration;

use coop_core::{
    Budget, budget, budgeted, budgeted_with, consume_budget, default_budget, with_budget,
};
use coop_test_support::{
    advance_clock, count_yields_on_fresh_thread, forced_yields_per, on_fresh_thread, run_with,
    sliced_default, spend_units,
};

const SLICE: Duration = Duration::from_micros(1);
/// What each paced iteration takes on the manual clock: ten fit in the slice.
const PACE: Duration = Duration::from_nanos(100);
const DEFAULT: Budget = Budget::units(64).slice(SLICE);

async fn paced_units(units: u64) {
    for _ in 0..units {
        consume_budget().await;
        advance_clock(PACE);
    }
}

#[test]
fn the_default_reads_back() {
    sliced_default(DEFAULT);
    assert_eq!(default_budget(), DEFAULT);
}

#[test]
fn a_fresh_threads_ambient_budget_is_the_default() {
    sliced_default(DEFAULT);
    // Its units when time stands still, its slice when iterations take time.
    assert_eq!(
        count_yields_on_fresh_thread(|| spend_units(1000)).1,
        forced_yields_per(64, 1000)
    );
    assert_eq!(
        count_yields_on_fresh_thread(|| paced_units(1000)).1,
        forced_yields_per(10, 1000)
    );
}

#[test]
fn budget_and_budgeted_start_from_the_default() {
    sliced_default(DEFAULT);
    let per_poll = on_fresh_thread(|| run_with(paced_units(1000), |poll| budget(poll)).1);
    assert_eq!(per_poll, forced_yields_per(10, 1000));
    let budgeted = count_yields_on_fresh_thread(|| budgeted(spend_units(1000))).1;
    assert_eq!(budgeted, forced_yields_per(64, 1000));
}

#[test]
fn explicit_budgets_ignore_the_default() {
    sliced_default(DEFAULT);
    let scoped = on_fresh_thread(|| run_with(paced_units(1000), |poll| with_budget(100, poll)).1);
    assert_eq!(scoped, forced_yields_per(100, 1000));
    let budgeted =
        count_yields_on_fresh_thread(|| budgeted_with(Budget::DEFAULT, paced_units(1000)));
    assert_eq!(budgeted.1, forced_yields_per(128, 1000));
}

/// With the `tokio` feature, a tokio task with no coop scope spends tokio's budget: tokio's 128
/// units per task poll, whatever the default's units are, and the default's slice.
#[cfg(feature = "tokio")]
#[test]
fn in_a_tokio_task_the_units_are_tokios_and_the_slice_the_defaults() {
    use std::future::Future;
    use std::task::Poll;

    /// `task`'s `Pending` returns, as the runtime sees them.
    async fn pendings(task: impl Future<Output = ()> + Send) -> u64 {
        let mut task = Box::pin(task);
        let mut pendings = 0;
        std::future::poll_fn(|cx| match task.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(pendings),
            Poll::Pending => {
                pendings += 1;
                Poll::Pending
            }
        })
        .await
    }

    sliced_default(DEFAULT);
    // Each on a fresh thread: the ambient slice carries over between tasks on a thread.
    let in_a_task = |task: fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>| {
        on_fresh_thread(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(async move { tokio::spawn(pendings(task())).await.unwrap() })
        })
    };
    let units = in_a_task(|| Box::pin(spend_units(1000)));
    let slice = in_a_task(|| Box::pin(paced_units(1000)));
    assert_eq!(
        units,
        forced_yields_per(coop_core::DEFAULT_BUDGET.into(), 1000)
    );
    assert_eq!(slice, forced_yields_per(10, 1000));
}
