//! Budgets and slices under load and faults, on tokio's multi-thread runtime with four workers:
//! ten thousand tasks mixing hot `#[cooperative]` loops with and without time slices, tasks
//! dropped while suspended at a forced yield, and tasks that panic inside budget scopes.
//! Every task completes or unwinds, no worker is left inside a scope between polls, and the
//! process-wide counts add up exactly. It counts and never times (the timeout only keeps a
//! broken build from hanging), so it gets a binary of its own with one test.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use coop_core::{
    Budget, budgeted, budgeted_with, cooperative, forced_yield_count, poll_proceed,
    time_slice_yield_count, with_budget,
};
use coop_test_support::{advance_clock, forced_yields, forced_yields_per, install_manual_clock};

const TASKS: u64 = 10_000;
const ITERATIONS: u64 = 1000;
/// The slice of the sliced tasks and the manual time each iteration takes: ten per slice.
const SLICE: Duration = Duration::from_micros(1);
const PACE: Duration = Duration::from_nanos(100);

/// A hot loop; `paced` moves this thread's manual clock by [`PACE`] per iteration.
#[cooperative]
async fn hot(iterations: u64, paced: bool) {
    for i in 0..iterations {
        std::hint::black_box(i);
        if paced {
            advance_clock(PACE);
        }
    }
}

/// Polls `inner` until it is suspended once, then drops it and completes: a task dropped at a
/// forced yield.
struct DropAtFirstYield<F>(Option<Pin<Box<F>>>);

impl<F: Future> Future for DropAtFirstYield<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(inner) = self.0.as_mut() else {
            return Poll::Ready(());
        };
        if inner.as_mut().poll(cx).is_pending() {
            self.0 = None;
        }
        Poll::Ready(())
    }
}

/// In a sliced scope, spends paced units until the slice refuses one, then panics inside it.
fn spend_then_panic() {
    with_budget(Budget::units(u16::MAX).slice(SLICE), || {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        while let Poll::Ready(unit) = poll_proceed(&mut cx) {
            unit.made_progress();
            advance_clock(PACE);
        }
        panic!("a task panics inside its budget scope");
    });
}

#[test]
fn ten_thousand_mixed_tasks_on_four_workers_complete_unwind_and_add_up() {
    install_manual_clock();
    // The panics are expected; keep their messages out of the test's output.
    std::panic::set_hook(Box::new(|_| {}));
    let foreign_scopes = Arc::new(AtomicU64::new(0));
    let parks = Arc::new(AtomicU64::new(0));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .on_thread_park({
            let (foreign_scopes, parks) = (foreign_scopes.clone(), parks.clone());
            move || {
                parks.fetch_add(1, Ordering::Relaxed);
                if !coop_core::test_util::no_scope_active() {
                    foreign_scopes.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
        .build()
        .unwrap();
    let (forced_before, sliced_before) = (forced_yield_count(), time_slice_yield_count());

    let (completed, panicked) = rt.block_on(async {
        let handles: Vec<_> = (0..TASKS)
            .map(|i| match i % 4 {
                0 => tokio::spawn(async {
                    budgeted(hot(ITERATIONS, false)).await;
                }),
                1 => tokio::spawn(async {
                    let sliced = Budget::units(u16::MAX).slice(SLICE);
                    budgeted_with(sliced, hot(ITERATIONS, true)).await;
                }),
                2 => tokio::spawn(DropAtFirstYield(Some(Box::pin(budgeted_with(
                    10,
                    hot(u64::MAX, false),
                ))))),
                _ => tokio::spawn(async { budgeted(async { spend_then_panic() }).await }),
            })
            .collect();
        let all = async {
            let (mut completed, mut panicked) = (0u64, 0u64);
            for handle in handles {
                match handle.await {
                    Ok(()) => completed += 1,
                    Err(error) if error.is_panic() => panicked += 1,
                    Err(error) => panic!("a task neither completed nor panicked: {error}"),
                }
            }
            (completed, panicked)
        };
        tokio::time::timeout(Duration::from_secs(120), all)
            .await
            .expect("every task ends")
    });
    drop(rt);
    let _ = std::panic::take_hook();

    let each = TASKS / 4;
    assert_eq!((completed, panicked), (3 * each, each));
    assert_eq!(foreign_scopes.load(Ordering::Relaxed), 0);
    assert!(
        parks.load(Ordering::Relaxed) > 0,
        "the workers parked and were checked"
    );
    // Count-only loops, sliced loops (every yield the slice's), one yield per dropped task,
    // and the refusal before each panic (the slice's).
    let sliced = forced_yields_per(10, ITERATIONS);
    assert_eq!(
        forced_yield_count() - forced_before,
        each * (forced_yields(ITERATIONS) + sliced + 1 + 1)
    );
    assert_eq!(
        time_slice_yield_count() - sliced_before,
        each * (sliced + 1)
    );
}
