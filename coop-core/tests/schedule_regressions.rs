//! Schedules users build that coop-core once got wrong, each pinned by the behaviour it broke:
//! executors nested in tokio tasks, a budget of 0 units, tasks sharing one loop at different
//! paces, tokio's blocking threads, branches of one task on the ambient budget, counts, and
//! refunds that outlive their scope.
//!
//! The tests share the process default budget and the forced-yield counts: each takes `SERIAL`.

use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use coop_core::{
    Budget, budgeted_with, consume_budget, forced_yield_count, has_budget_remaining, poll_proceed,
    with_budget,
};
use coop_test_support::check::{Boundary, Checker, Limits, iteration};
use coop_test_support::{install_manual_clock, on_fresh_thread};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An always-ready stream of `n` numbers on `poll_proceed`, as coop-core's docs write one.
struct Counter(u32);

impl futures::Stream for Counter {
    type Item = u32;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        if self.0 == 0 {
            return Poll::Ready(None);
        }
        let unit = ready!(poll_proceed(cx));
        self.0 -= 1;
        unit.made_progress();
        Poll::Ready(Some(self.0))
    }
}

async fn loop_of(n: u32, cost: Duration) {
    for _ in 0..n {
        consume_budget().await;
        iteration(cost);
    }
}

#[test]
fn a_budget_of_zero_units_lets_poll_proceed_futures_finish() {
    use futures::StreamExt;
    let _serial = serial();
    assert_eq!(Budget::units(0).unit_count(), 1);
    let mut task = Box::pin(budgeted_with(0, Counter(300).count()));
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0;
    let count = loop {
        polls += 1;
        assert!(
            polls <= 1000,
            "a 0-unit budget never lets the stream proceed"
        );
        if let Poll::Ready(count) = task.as_mut().poll(&mut cx) {
            break count;
        }
    };
    assert_eq!(count, 300);
    // `with_budget(0, ..)`: one unit.
    with_budget(0, || {
        assert!(poll_proceed(&mut cx).is_ready());
    });
}

/// A slow task and a fast one run the same loop (made by `make`) under the same slice, polled in
/// turn: the slow one's polls stay within a quarter of the slice plus one iteration past its end.
fn slow_beside_fast<F: Future<Output = ()> + Send + 'static>(make: fn(u32, Duration) -> F) {
    let _serial = serial();
    install_manual_clock();
    let slice = Duration::from_millis(1);
    let budget = Budget::units(128).slice(slice);
    let slow = Duration::from_millis(1);
    on_fresh_thread(|| {
        let mut checker = Checker::new(Boundary::Ambient);
        checker.spawn(
            budgeted_with(budget, make(100_000, Duration::from_micros(1))),
            Limits::default(),
        );
        checker.spawn(
            budgeted_with(budget, make(1_000, slow)),
            Limits {
                units: None,
                time: Some(slice + slice / 4 + slow),
            },
        );
        checker.run(1_000_000).unwrap();
    });
}

#[test]
fn a_slice_bounds_a_slow_task_beside_a_fast_one_running_the_same_loop() {
    slow_beside_fast(loop_of);
}

#[test]
fn a_slice_bounds_a_slow_cooperative_task_beside_a_fast_one() {
    #[coop_core::cooperative]
    async fn work(n: u32, cost: Duration) {
        for _ in 0..n {
            iteration(cost);
        }
    }
    slow_beside_fast(work);
}

/// The same with the ambient budget and a default slice, while both run: the slow task never
/// goes on at the fast one's pace after the fast one's forced yield. (A task that goes on with a
/// budget another task left unspent, when that task ends, goes on at its pace for one chunk: the
/// documented exception, not tested here.)
#[test]
fn an_ambient_slice_bounds_a_slow_task_beside_a_fast_one_running_the_same_loop() {
    let _serial = serial();
    install_manual_clock();
    let slice = Duration::from_millis(1);
    let slow = Duration::from_millis(1);
    coop_core::set_default_budget(Budget::units(128).slice(slice));
    let outcome = on_fresh_thread(|| {
        let mut checker = Checker::new(Boundary::Ambient);
        checker.spawn(
            loop_of(100_000, Duration::from_micros(1)),
            Limits::default(),
        );
        checker.spawn(
            loop_of(300, slow),
            Limits {
                units: None,
                time: Some(slice + slice / 4 + slow),
            },
        );
        checker.run(1_000_000)
    });
    coop_core::set_default_budget(Budget::DEFAULT);
    outcome.unwrap();
}

/// On the ambient budget, the branches of one task's `join!` share one budget per task poll:
/// at most its units plus one iteration for each branch that goes on after its yield.
#[test]
fn branches_of_one_task_share_the_ambient_budget_per_task_poll() {
    let _serial = serial();
    install_manual_clock();
    let before = forced_yield_count();
    let pending = on_fresh_thread(|| {
        let mut checker = Checker::new(Boundary::Ambient);
        checker.spawn(
            async {
                futures::join!(
                    loop_of(1000, Duration::ZERO),
                    loop_of(1000, Duration::ZERO),
                    loop_of(1000, Duration::ZERO),
                    loop_of(1000, Duration::ZERO),
                );
            },
            Limits {
                units: Some(128 + 3),
                time: None,
            },
        );
        checker.run(10_000).unwrap().pending_polls
    });
    assert_eq!(forced_yield_count() - before, pending);
}

/// An executor nested in a task polls its own tasks inside the task's scope, which it never
/// leaves: once that scope is spent, a stream on `poll_proceed` in it still finishes (found by
/// the property tests as a nested executor's livelock).
#[test]
fn an_executor_nested_in_a_spent_scope_finishes_its_poll_proceed_tasks() {
    use futures::StreamExt;
    let _serial = serial();
    on_fresh_thread(|| {
        let mut outer = Checker::new(Boundary::Scope(Budget::units(1)));
        outer.spawn(
            async {
                let mut nested = Checker::new(Boundary::Ambient);
                nested.spawn(loop_of(3, Duration::ZERO), Limits::default());
                nested.spawn(
                    async {
                        assert_eq!(Counter(3).count().await, 3);
                    },
                    Limits::default(),
                );
                nested.run(1000).unwrap();
            },
            Limits::default(),
        );
        outer.run(1000).unwrap();
    });
}

/// A unit refunded after the scope's forced yield is not granted again: the budget stays spent.
#[test]
fn a_refund_after_the_scopes_forced_yield_revives_nothing() {
    let _serial = serial();
    let mut cx = Context::from_waker(Waker::noop());
    let before = forced_yield_count();
    with_budget(2, || {
        let Poll::Ready(held) = poll_proceed(&mut cx) else {
            panic!("two units")
        };
        let Poll::Ready(kept) = poll_proceed(&mut cx) else {
            panic!("two units")
        };
        kept.made_progress();
        assert!(poll_proceed(&mut cx).is_pending());
        drop(held);
        assert!(!has_budget_remaining());
        assert!(poll_proceed(&mut cx).is_pending());
    });
    assert_eq!(forced_yield_count() - before, 1);
}

/// A guard that outlives its scope refunds nothing into the budget around it.
#[test]
fn a_guard_outliving_its_scope_refunds_nothing_outside_it() {
    let _serial = serial();
    let mut cx = Context::from_waker(Waker::noop());
    with_budget(3, || {
        let Poll::Ready(unit) = poll_proceed(&mut cx) else {
            panic!("three units")
        };
        unit.made_progress();
        let inner = with_budget(5, || poll_proceed(&mut cx));
        drop(inner);
        let mut granted = 0;
        while let Poll::Ready(unit) = poll_proceed(&mut cx) {
            unit.made_progress();
            granted += 1;
        }
        assert_eq!(granted, 2);
    });
}

/// A slice of zero with a clock that does not move: every budget grants one unit, also the
/// budgets that resume the loop after its forced yield (whose measured pace is zero).
#[test]
fn a_slice_of_zero_with_a_still_clock_grants_one_unit_per_budget() {
    let _serial = serial();
    install_manual_clock();
    on_fresh_thread(|| {
        let mut checker = Checker::new(Boundary::Ambient);
        checker.spawn(
            budgeted_with(
                Budget::DEFAULT.slice(Duration::ZERO),
                loop_of(300, Duration::ZERO),
            ),
            Limits {
                // The unit that starts the budget, and the iteration that goes on after the yield.
                units: Some(2),
                time: None,
            },
        );
        checker.run(10_000).unwrap();
    });
}

#[cfg(feature = "tokio")]
mod tokio_feature {
    use coop_core::budgeted;

    use super::*;

    /// Runs `f` on a thread of its own and fails, instead of hanging, if it does not finish.
    fn finishes(what: &str, f: impl FnOnce() + Send + 'static) {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            f();
            let _ = done.send(());
        });
        assert!(
            finished.recv_timeout(Duration::from_secs(30)).is_ok(),
            "{what}: never finished"
        );
    }

    #[test]
    fn a_scopes_forced_yield_inside_an_executor_nested_in_a_tokio_task_is_woken() {
        let _serial = serial();
        let nested = || {
            futures::executor::block_on(budgeted(async {
                for _ in 0..200 {
                    consume_budget().await;
                }
            }));
        };
        finishes("block_on's root future", move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(async move { nested() });
        });
        finishes("a current-thread task", move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(async move { tokio::spawn(async move { nested() }).await.unwrap() });
        });
        finishes("a multi-thread task", move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .build()
                .unwrap();
            rt.block_on(async move { tokio::spawn(async move { nested() }).await.unwrap() });
        });
        finishes("a LocalPool in a task", || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(async {
                tokio::spawn(async {
                    let mut pool = futures::executor::LocalPool::new();
                    pool.run_until(budgeted(async {
                        for _ in 0..200 {
                            consume_budget().await;
                        }
                    }));
                })
                .await
                .unwrap();
            });
        });
    }

    /// Polls `fut` to completion and returns the longest of its polls in manual time.
    async fn longest_poll<F: std::future::Future>(fut: F) -> Duration {
        let mut fut = std::pin::pin!(fut);
        let mut longest = Duration::ZERO;
        std::future::poll_fn(|cx| {
            let start = coop_test_support::manual_now();
            let poll = fut.as_mut().poll(cx);
            longest = longest.max(coop_test_support::manual_now() - start);
            poll.map(|_| longest)
        })
        .await
    }

    /// Where tokio's budget is unconstrained, coop counts by itself: a hot loop in a
    /// `LocalPool` on a blocking thread lets a sibling task run.
    #[test]
    fn fairness_holds_inside_spawn_blocking_and_block_in_place() {
        use futures::task::LocalSpawnExt;
        let _serial = serial();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let run = || {
            let turns = std::rc::Rc::new(std::cell::Cell::new(0u32));
            let done = std::rc::Rc::new(std::cell::Cell::new(false));
            let mut pool = futures::executor::LocalPool::new();
            let (t, d) = (turns.clone(), done.clone());
            pool.spawner()
                .spawn_local(async move {
                    while !d.get() {
                        t.set(t.get() + 1);
                        coop_test_support::yield_now().await;
                    }
                })
                .unwrap();
            pool.run_until(async {
                for _ in 0..10_000 {
                    consume_budget().await;
                }
                done.set(true);
            });
            turns.get()
        };
        let blocking = rt.block_on(rt.spawn_blocking(run)).unwrap();
        assert!(
            blocking >= 10_000 / 128,
            "{blocking} turns in spawn_blocking"
        );
        let in_place = rt.block_on(async {
            tokio::spawn(async move { tokio::task::block_in_place(run) })
                .await
                .unwrap()
        });
        assert!(
            in_place >= 10_000 / 128,
            "{in_place} turns in block_in_place"
        );
    }

    /// An ambient slice inside `tokio::task::unconstrained` keeps running across coop's
    /// counter refills: a poll ends within a quarter of the slice plus one iteration past it.
    #[test]
    fn an_ambient_slice_runs_on_inside_tokio_unconstrained() {
        let _serial = serial();
        install_manual_clock();
        let slice = Duration::from_millis(1);
        let cost = Duration::from_micros(5);
        coop_core::set_default_budget(Budget::DEFAULT.slice(slice));
        let longest = on_fresh_thread(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(async move {
                tokio::spawn(longest_poll(tokio::task::unconstrained(loop_of(
                    10_000, cost,
                ))))
                .await
                .unwrap()
            })
        });
        coop_core::set_default_budget(Budget::DEFAULT);
        assert!(
            longest <= slice + slice / 4 + cost,
            "{longest:?} without a yield"
        );
    }

    /// With tokio's budget, one exhaustion counts once however many yield points see it.
    #[test]
    fn forced_yields_in_a_tokio_task_count_once_per_exhaustion() {
        let _serial = serial();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let before = forced_yield_count();
        let ((), polls) = rt.block_on(async {
            tokio::spawn(coop_test_support::count_polls(async {
                futures::join!(
                    loop_of(1000, Duration::ZERO),
                    loop_of(1000, Duration::ZERO),
                    loop_of(1000, Duration::ZERO),
                    loop_of(1000, Duration::ZERO),
                );
            }))
            .await
            .unwrap()
        });
        assert_eq!(forced_yield_count() - before, polls - 1);
    }
}

/// A task that moves between threads (a multi-threaded runtime's workers steal a woken task)
/// finds a whole budget at each poll, also on a thread whose budget it spent itself before it
/// moved away: the yield point it resumes yielded on another thread, so this is a new task
/// poll. Numbers of exhaustions are counted per thread and were once compared across threads:
/// the poll back on the first thread then found its budget still spent and yielded at once.
#[test]
fn a_task_that_moves_between_threads_gets_a_whole_budget_on_each_poll() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    let _serial = serial();
    coop_core::set_default_budget(Budget::DEFAULT);
    let iterations = Arc::new(AtomicU32::new(0));
    let per_poll = Arc::new(Mutex::new(Vec::new()));
    let mut body = Box::pin({
        let iterations = iterations.clone();
        async move {
            for _ in 0..128 * 6 {
                consume_budget().await;
                iterations.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    let task = {
        let per_poll = per_poll.clone();
        std::future::poll_fn(move |cx| {
            let before = iterations.load(Ordering::SeqCst);
            let poll = body.as_mut().poll(cx);
            let made = iterations.load(Ordering::SeqCst) - before;
            per_poll.lock().unwrap().push(made);
            poll
        })
    };
    let threads = coop_test_support::poll_on_threads(2, Box::pin(task), |n| n % 2);
    assert_eq!(threads, [0, 1, 0, 1, 0, 1]);
    assert_eq!(*per_poll.lock().unwrap(), [128; 6]);
}
