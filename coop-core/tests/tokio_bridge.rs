//! The `tokio` feature: inside a tokio task, coop's ambient budget is tokio's.
#![cfg(feature = "tokio")]

use std::future::Future;
use std::time::Duration;

use coop_core::{budgeted, consume_budget, has_budget_remaining, with_unconstrained};
use coop_test_support::{count_polls, forced_yields, on_fresh_thread, spend_units};

/// How often `fut` yields as a tokio task on a current-thread runtime.
fn yields_in_task<F>(fut: F) -> u64
where
    F: Future + Send + 'static,
    F::Output: Send,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let (_, polls) = tokio::spawn(count_polls(fut)).await.unwrap();
        polls - 1
    })
}

#[test]
fn coop_yield_points_spend_tokios_budget_in_a_task() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let left = rt.block_on(async {
        tokio::spawn(async {
            for _ in 0..128 {
                consume_budget().await;
            }
            (
                tokio::task::coop::has_budget_remaining(),
                has_budget_remaining(),
            )
        })
        .await
        .unwrap()
    });
    assert_eq!(left, (false, false));
}

#[test]
fn coop_and_tokio_yield_points_share_one_budget() {
    // Two units per iteration out of one budget of 128: 64 iterations per poll.
    let yields = yields_in_task(async {
        for _ in 0..1000 {
            consume_budget().await;
            tokio::task::coop::consume_budget().await;
        }
    });
    assert_eq!(yields, 1000 / 64);
}

#[test]
fn coop_counts_by_itself_where_tokios_budget_is_unconstrained() {
    // tokio's budget cannot force a yield here, so coop's counter does, as without the feature.
    let yields = yields_in_task(tokio::task::unconstrained(spend_units(1000)));
    assert_eq!(yields, forced_yields(1000));
}

#[test]
fn coop_unconstrained_also_switches_tokios_budget_off() {
    let yields = yields_in_task(coop_core::unconstrained(async {
        for _ in 0..1000 {
            tokio::task::coop::consume_budget().await;
        }
    }));
    assert_eq!(yields, 0);
}

#[test]
fn explicit_coop_scopes_win_over_tokios_budget() {
    // `budgeted` inside a task spends coop's own fresh budget, not tokio's.
    let yields = yields_in_task(budgeted(async {
        for _ in 0..1000 {
            consume_budget().await;
        }
        assert!(tokio::task::coop::has_budget_remaining());
    }));
    assert_eq!(yields, 1000 / 128);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        tokio::spawn(async {
            with_unconstrained(|| assert!(has_budget_remaining()));
        })
        .await
        .unwrap();
    });
}

#[test]
fn block_on_root_future_yields_every_128_units() {
    // Not a task: tokio's budget (refreshed per `block_on` poll) and coop's ambient budget
    // (refilled at each forced yield) run out together.
    let ((), polls) = on_fresh_thread(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(count_polls(spend_units(1000)))
    });
    assert_eq!(polls - 1, forced_yields(1000));
}

/// A loop with a yield point per iteration (`consume_budget().await`): it spends tokio's budget
/// unit by unit.
async fn per_iteration_until(
    mut done: impl FnMut() -> bool,
    iterations: &std::sync::atomic::AtomicU64,
) {
    while !done() && iterations.load(std::sync::atomic::Ordering::SeqCst) < 100_000 {
        consume_budget().await;
        iterations.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A strip-mined loop: nothing in its iterations can suspend, so `#[cooperative]` counts its
/// units in a local and reaches the budget (coop's and tokio's) only at its batch ends.
#[coop_core::cooperative]
async fn strip_mined_until(
    mut done: impl FnMut() -> bool,
    iterations: &std::sync::atomic::AtomicU64,
) {
    while !done() && iterations.load(std::sync::atomic::Ordering::SeqCst) < 100_000 {
        iterations.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// How many iterations a hot loop in a tokio task makes between writing, at its 1000th
/// iteration (after its first budgets), the data a reader task waits for and seeing that the
/// reader got it; each iteration moves coop's clock (the manual one) on by `step`.
/// `strip_mined`: the hot loop is [`strip_mined_until`], else [`per_iteration_until`].
#[cfg(unix)]
fn iterations_before_the_reader_runs(strip_mined: bool, step: std::time::Duration) -> u64 {
    use std::io::Write;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    const WRITE_AT: u64 = 1000;
    let (theirs, ours) = std::os::unix::net::UnixStream::pair().unwrap();
    theirs.set_nonblocking(true).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let hot_iterations = rt.block_on(async move {
        let read = Arc::new(AtomicBool::new(false));
        let iterations = Arc::new(AtomicU64::new(0));
        let hot = tokio::spawn({
            let (read, iterations) = (read.clone(), iterations.clone());
            async move {
                let reader = tokio::spawn({
                    let read = read.clone();
                    async move {
                        let stream = tokio::net::UnixStream::from_std(theirs).unwrap();
                        stream.readable().await.unwrap();
                        read.store(true, Ordering::SeqCst);
                    }
                });
                let mut ours = Some(ours);
                let done = || {
                    coop_test_support::advance_clock(step);
                    if iterations.load(Ordering::SeqCst) == WRITE_AT
                        && let Some(mut ours) = ours.take()
                    {
                        ours.write_all(b"ready").unwrap();
                    }
                    read.load(Ordering::SeqCst)
                };
                if strip_mined {
                    strip_mined_until(done, &iterations).await;
                } else {
                    per_iteration_until(done, &iterations).await;
                }
                reader.await.unwrap();
            }
        });
        hot.await.unwrap();
        iterations.load(Ordering::SeqCst)
    });
    hot_iterations - WRITE_AT
}

/// tokio's driver pace, as the docs state it: a hot loop lets the driver in at least once per
/// 100 µs of coop's clock.
#[cfg(unix)]
const DRIVER_PACE: std::time::Duration = std::time::Duration::from_micros(100);

/// A loop whose budget takes longer than the driver pace (10 µs an iteration by coop's clock)
/// wakes its task after each forced yield only once the runtime polled its driver, as tokio's own
/// yields do. With a plain `wake_by_ref` the hot task would always be in the run queue, and the
/// current-thread scheduler would poll its driver (I/O, timers) only every 61 ticks: about 61
/// budgets of hot iterations before the reader saw its data (7065 with the strip-mined loop).
#[cfg(unix)]
#[test]
fn forced_yields_of_a_slow_loop_let_tokios_driver_run_before_the_task_resumes() {
    coop_test_support::install_manual_clock();
    for strip_mined in [false, true] {
        let waited = iterations_before_the_reader_runs(strip_mined, Duration::from_micros(10));
        assert!(
            waited <= 2 * 128,
            "strip-mined: {strip_mined}: the reader waited {waited} hot iterations for the driver"
        );
    }
}

/// A cheap strip-mined loop (100 ns an iteration by coop's clock, 12.8 µs a budget) lets the
/// driver in within the pace, not at every forced yield: the reader gets its data within
/// 100 µs and two budgets of the loop's time. With a plain wake-up it waits about
/// 61 budgets (0.78 ms); with a driver turn at every forced yield, a loop this cheap would pay a
/// system call per budget.
#[cfg(unix)]
#[test]
fn a_cheap_loop_lets_tokios_driver_in_within_the_pace() {
    coop_test_support::install_manual_clock();
    let step = Duration::from_nanos(100);
    let waited = iterations_before_the_reader_runs(true, step);
    let waited_for = step * u32::try_from(waited).unwrap();
    assert!(
        waited_for <= DRIVER_PACE + step * 2 * 128,
        "the reader waited {waited} hot iterations ({waited_for:?} of the loop's time)"
    );
}

/// A hot loop that takes no time by coop's clock is not made to pay a driver turn at each
/// forced yield: it lets the driver in every few dozen forced yields (twice as many each time),
/// so the reader waits longer than two budgets, and tokio's scheduler still polls its driver
/// within 61 task polls.
#[cfg(unix)]
#[test]
fn a_loop_that_takes_no_time_lets_the_driver_in_at_tokios_own_pace() {
    coop_test_support::install_manual_clock();
    for strip_mined in [false, true] {
        let waited = iterations_before_the_reader_runs(strip_mined, Duration::ZERO);
        assert!(
            (2 * 128..=64 * 128).contains(&waited),
            "strip-mined: {strip_mined}: the reader waited {waited} hot iterations"
        );
    }
}

/// tokio's resources spent the task's budget: a strip-mined loop that starts then yields at its
/// first batch end, as a loop with a yield point per iteration does; with tokio's budget left,
/// the same ten iterations do not yield.
#[test]
fn a_strip_mined_loop_yields_at_its_batch_end_once_tokios_resources_spent_the_budget() {
    async fn ten_iterations(spend_tokios_budget_first: bool) {
        if spend_tokios_budget_first {
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            while let std::task::Poll::Ready(unit) = tokio::task::coop::poll_proceed(&mut cx) {
                unit.made_progress();
            }
        }
        let iterations = std::sync::atomic::AtomicU64::new(0);
        strip_mined_until(
            || iterations.load(std::sync::atomic::Ordering::SeqCst) >= 10,
            &iterations,
        )
        .await;
    }
    assert_eq!(yields_in_task(ten_iterations(true)), 1);
    assert_eq!(yields_in_task(ten_iterations(false)), 0);
}

/// Spends units through `poll_proceed`, keeping each, until one is refused; how many it got.
fn units_left(cx: &mut std::task::Context<'_>) -> u32 {
    let mut left = 0;
    while let std::task::Poll::Ready(unit) = coop_core::poll_proceed(cx) {
        unit.made_progress();
        left += 1;
    }
    left
}

/// tokio's guard sets tokio's budget back to what it was when the unit was taken: a refund after
/// later units must not hand those back too, or a task poll gets a second budget. A refund right
/// after its unit still gives it back.
#[test]
fn a_refund_after_later_units_gives_back_no_more_than_its_own() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (refunded_late, refunded_at_once) = rt.block_on(async {
        tokio::spawn(async {
            let late = std::future::poll_fn(|cx| {
                let std::task::Poll::Ready(first) = coop_core::poll_proceed(cx) else {
                    unreachable!("a fresh task poll has budget")
                };
                let later = 100;
                for _ in 0..later {
                    let std::task::Poll::Ready(unit) = coop_core::poll_proceed(cx) else {
                        unreachable!("the budget holds more than 101 units")
                    };
                    unit.made_progress();
                }
                drop(first); // no progress for the first unit
                std::task::Poll::Ready(units_left(cx) + 1 + later)
            })
            .await;
            tokio::task::yield_now().await;
            let at_once = std::future::poll_fn(|cx| {
                let std::task::Poll::Ready(first) = coop_core::poll_proceed(cx) else {
                    unreachable!("a fresh task poll has budget")
                };
                drop(first);
                std::task::Poll::Ready(units_left(cx))
            })
            .await;
            (late, at_once)
        })
        .await
        .unwrap()
    });
    let per_poll = u32::from(coop_core::DEFAULT_BUDGET);
    // The late refund reaches coop's counter, not tokio's budget: at most a budget in all.
    assert!(
        refunded_late <= per_poll,
        "{refunded_late} units in one task poll"
    );
    assert_eq!(refunded_at_once, per_poll);
}

#[coop_core::cooperative]
async fn hot(n: u64) -> u64 {
    let mut s = 0u64;
    for i in 0..n {
        s = s.wrapping_add(std::hint::black_box(i));
    }
    s
}

/// A current-thread or a two-worker multi-thread runtime with its drivers.
fn runtime_with_drivers(multi_thread: bool) -> tokio::runtime::Runtime {
    if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }
    .unwrap()
}

/// What the future `main` makes returns on a current-thread and on a multi-thread runtime with
/// its drivers, within 20 s each: a watchdog turns a hang into a failure.
fn finishes_on_both_runtimes<F>(main: fn() -> F, expected: u64)
where
    F: Future<Output = u64> + 'static,
{
    for multi_thread in [false, true] {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = runtime_with_drivers(multi_thread);
            let _ = tx.send(rt.block_on(main()));
        });
        let finished = rx.recv_timeout(Duration::from_secs(20));
        assert_eq!(finished, Ok(expected), "multi-thread: {multi_thread}");
    }
}

/// How often a hot loop and a loop of `consume_budget` of `n` units each yield on
/// `futures::executor::block_on`, as polls after the first.
fn yields_on_futures_executor(n: u64) -> (u64, u64) {
    let (_, hot_polls) = futures::executor::block_on(count_polls(hot(n)));
    let (_, spend_polls) = futures::executor::block_on(count_polls(spend_units(n)));
    (hot_polls - 1, spend_polls - 1)
}

/// An executor nested in the runtime's own `block_on` future polls its futures while tokio's
/// budget stays spent there: tokio refreshes it at that future's next poll, which waits for the
/// nested executor. The loops it runs yield about as often as on that executor outside any
/// runtime (the first forced yield may come early, on what tokio's budget had left), not at
/// every unit. Found by a hostile review: 99 872 forced yields in 100 000 iterations.
#[test]
fn an_executor_nested_in_the_runtimes_own_block_on_yields_once_per_budget() {
    const N: u64 = 20_000;
    let (hot_alone, spend_alone) = on_fresh_thread(|| yields_on_futures_executor(N));
    assert!(
        hot_alone >= N / 128 && spend_alone >= N / 128,
        "{hot_alone} {spend_alone}"
    );
    for multi_thread in [false, true] {
        let (hot_nested, spend_nested) = on_fresh_thread(move || {
            let rt = runtime_with_drivers(multi_thread);
            rt.block_on(async {
                // The runtime's own future spends tokio's budget first.
                hot(1000).await;
                yields_on_futures_executor(N)
            })
        });
        assert!(
            hot_nested <= hot_alone + 2 && spend_nested <= spend_alone + 2,
            "multi-thread {multi_thread}: nested {hot_nested} and {spend_nested} forced yields, \
             {hot_alone} and {spend_alone} outside the runtime"
        );
    }
}

/// Inside `tokio::task::unconstrained`, coop counts by itself "as without the feature", and so
/// it wakes plainly: an executor nested in the task (`futures::executor::block_on`) finishes,
/// where a waker deferred to tokio until after the task's poll would never come back. Found by a
/// hostile review (it hung from the 129th unit on).
#[test]
fn a_nested_block_on_inside_tokio_unconstrained_finishes() {
    finishes_on_both_runtimes(
        || async {
            tokio::spawn(tokio::task::unconstrained(async {
                futures::executor::block_on(spend_units(1000));
                futures::executor::block_on(hot(1000))
            }))
            .await
            .unwrap()
        },
        499_500,
    );
}

/// The future `Runtime::block_on` runs (a `#[tokio::main]` body) is no tokio task: an executor
/// nested there (`futures::executor::block_on`) finishes, as without the feature. A forced yield
/// there wakes plainly: a waker deferred to tokio until after that future's poll never came
/// back, and the nested executor waited for it forever. Found by a hostile review.
#[test]
fn a_nested_block_on_in_the_runtimes_own_block_on_finishes() {
    finishes_on_both_runtimes(
        || async {
            // A loop of the runtime's own future first, so that the thread's pace asks for a
            // driver turn at the nested loop's forced yields.
            hot(100_000).await;
            futures::executor::block_on(spend_units(1000));
            futures::executor::block_on(hot(1000))
        },
        499_500,
    );
}
