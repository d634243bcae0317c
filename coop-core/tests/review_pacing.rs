//! Adversarial tests of two claims, on schedules the other suites do not use.
//!
//! 1. Driver pacing (feature `tokio`): a forced yield of the ambient budget in a tokio task lets
//!    the runtime poll its I/O and timer driver "at least once per 100 µs of coop's clock while
//!    a thread's hot loops keep their pace: at every forced yield of a loop whose budget takes
//!    longer, once per 100 µs of a cheaper one" (coop's clock; here the manual one, per thread).
//! 2. A task polled alternately on different threads finds a whole budget at each poll, also on
//!    a thread whose budget it spent itself before it moved away.
//!
//! Every assertion is a count, or a span of coop's manual clock: never wall-clock time.
//!
//! Claim 1 holds as the docs state it after the review: within the pace while the thread's
//! loops keep their pace ([`pacing::check`]); when the pace changes (a loop slows down, a slower
//! task joins cheaper ones), within the forced yields counted at the old pace, never more than
//! tokio's own cadence of a driver poll per 61 task polls ([`pacing::check_changed_pace`]). The
//! review first held every schedule to the steady bound: the seven schedules of a changing pace
//! waited 11 to 44 slow budgets. Claim 2 failed on three schedules (a task coming back at a fresh
//! yield point to a thread whose budget it spent: 0 iterations), fixed since; a task that ends
//! on an exactly spent budget leaves the next one what is left, as documented.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};

mod review_common;

use coop_core::consume_budget;

type BoxFut = Pin<Box<dyn Future<Output = ()> + Send>>;

// ------------------------------------------------------------------------------------------
// Claim 2: tasks moving between threads.
// ------------------------------------------------------------------------------------------

static NEXT_THREAD: AtomicUsize = AtomicUsize::new(1);
std::thread_local! {
    static THREAD: usize = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
}

fn thread_number() -> usize {
    THREAD.with(|t| *t)
}

/// One poll of a logged task.
#[derive(Clone, Copy, Debug)]
struct PollRecord {
    task: usize,
    thread: usize,
    iterations: u64,
    /// `Pending` that was not the task's own plain yield: a forced yield.
    forced: bool,
    ready: bool,
}

#[derive(Default)]
struct TaskShared {
    iterations: AtomicU64,
    polls: AtomicU64,
    /// Set by the task right before a plain (not budget) yield.
    plain: AtomicBool,
}

/// Logs each poll of its task: on which thread, how many iterations it made, how it ended.
struct Logged {
    task: usize,
    inner: BoxFut,
    shared: Arc<TaskShared>,
    log: Arc<Mutex<Vec<PollRecord>>>,
}

impl Future for Logged {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let before = self.shared.iterations.load(Ordering::SeqCst);
        self.shared.plain.store(false, Ordering::SeqCst);
        self.shared.polls.fetch_add(1, Ordering::SeqCst);
        let poll = self.inner.as_mut().poll(cx);
        let record = PollRecord {
            task: self.task,
            thread: thread_number(),
            iterations: self.shared.iterations.load(Ordering::SeqCst) - before,
            forced: poll.is_pending() && !self.shared.plain.load(Ordering::SeqCst),
            ready: poll.is_ready(),
        };
        self.log.lock().unwrap().push(record);
        poll
    }
}

/// A hot loop of `total` iterations, one yield point each. Right after each forced yield it
/// resumes from, it makes a plain yield (`yield_now`: wakes itself, spends no budget), so that
/// its next poll starts at a fresh yield point rather than at the one that was forced.
async fn hot_with_plain_yield_after_each_forced_one(shared: Arc<TaskShared>, total: u64) {
    hot_with_a_plain_wait_after_each_forced_yield(shared, total, false).await;
}

/// The same; `remote`: the plain yield is woken from another thread (as a channel or a timer
/// would wake it), so a multi-threaded executor may hand the task to any of its workers.
async fn hot_with_a_plain_wait_after_each_forced_yield(
    shared: Arc<TaskShared>,
    total: u64,
    remote: bool,
) {
    for _ in 0..total {
        let polls = shared.polls.load(Ordering::SeqCst);
        consume_budget().await;
        shared.iterations.fetch_add(1, Ordering::SeqCst);
        if shared.polls.load(Ordering::SeqCst) != polls {
            shared.plain.store(true, Ordering::SeqCst);
            if remote {
                woken_from_another_thread().await;
            } else {
                coop_test_support::yield_now().await;
            }
        }
    }
}

/// Returns `Pending` once; another thread wakes the task.
async fn woken_from_another_thread() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        let waker = cx.waker().clone();
        std::thread::spawn(move || waker.wake());
        Poll::Pending
    })
    .await;
}

/// A hot loop of `total` iterations, one yield point each, and nothing else.
async fn hot_only(shared: Arc<TaskShared>, total: u64) {
    for _ in 0..total {
        consume_budget().await;
        shared.iterations.fetch_add(1, Ordering::SeqCst);
    }
}

fn logged(
    task: usize,
    log: &Arc<Mutex<Vec<PollRecord>>>,
    body: impl FnOnce(Arc<TaskShared>) -> BoxFut,
) -> Logged {
    let shared = Arc::new(TaskShared::default());
    Logged {
        task,
        inner: body(shared.clone()),
        shared,
        log: log.clone(),
    }
}

/// The polls the claim is about: task X's poll on thread T, where the poll before it on T was
/// X's own forced yield, X has been polled on another thread since (a poll that ended with a
/// plain yield, so this poll starts at a fresh yield point). The budget of T was spent by X
/// itself before it moved away: the claim says X finds a whole budget there.
fn came_back_to_its_own_spent_thread(log: &[PollRecord]) -> Vec<(usize, PollRecord)> {
    let mut found = Vec::new();
    for (i, r) in log.iter().enumerate() {
        let prev_on_thread = log[..i].iter().rev().find(|p| p.thread == r.thread);
        let prev_of_task = log[..i].iter().rev().find(|p| p.task == r.task);
        if let (Some(pt), Some(pk)) = (prev_on_thread, prev_of_task)
            && pt.task == r.task
            && pt.forced
            && pk.thread != r.thread
            && !pk.forced
            && !pk.ready
        {
            found.push((i, *r));
        }
    }
    found
}

/// Every poll in the middle of a task (not its first, not its last) that starts by resuming a
/// forced yield point and ends with a forced yield: it should make exactly a budget of
/// iterations. Returns the ones that did not.
///
/// A task that ends mid-budget leaves the rest of its thread's budget to the next task there
/// (the ambient budget "carries over between tasks"), so polls on a thread after the first
/// task that ended there are left out.
fn middle_polls_not_a_budget(log: &[PollRecord], tasks: usize) -> Vec<PollRecord> {
    let mut bad = Vec::new();
    let after_an_end =
        |i: usize, r: &PollRecord| log[..i].iter().any(|p| p.thread == r.thread && p.ready);
    for task in 0..tasks {
        let polls: Vec<(usize, &PollRecord)> = log
            .iter()
            .enumerate()
            .filter(|(_, p)| p.task == task)
            .collect();
        if polls.len() < 3 {
            continue;
        }
        for (i, p) in &polls[1..polls.len() - 1] {
            if p.iterations != 128 && !after_an_end(*i, p) {
                bad.push(**p);
            }
        }
    }
    bad
}

/// Deterministic schedule on two hand-driven workers, W0 and W1:
/// poll 1 on W0 spends W0's budget (forced yield); poll 2 on W1 resumes that yield point and
/// makes a plain yield right after it; poll 3 is back on W0, whose budget the task spent itself
/// and nobody touched since, starting at a fresh yield point.
/// Asserts poll 3 makes at least 125 iterations (a whole budget as claimed, or at the very least
/// what the same schedule on one thread gives: the 128 - 3 left of the budget poll 2 began).
#[test]
fn back_on_its_own_spent_thread_after_a_plain_yield_elsewhere() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let two_threads = {
        let task = logged(0, &log, |s| {
            Box::pin(hot_with_plain_yield_after_each_forced_one(s, 128 * 4))
        });
        coop_test_support::poll_on_threads(2, Box::pin(task), |n| n % 2);
        log.lock().unwrap().clone()
    };
    let log1 = Arc::new(Mutex::new(Vec::new()));
    let one_thread = {
        let task = logged(0, &log1, |s| {
            Box::pin(hot_with_plain_yield_after_each_forced_one(s, 128 * 4))
        });
        coop_test_support::poll_on_threads(2, Box::pin(task), |_| 0);
        log1.lock().unwrap().clone()
    };
    let per_poll = |log: &[PollRecord]| log.iter().map(|p| p.iterations).collect::<Vec<_>>();
    let (two, one) = (per_poll(&two_threads), per_poll(&one_thread));
    assert!(
        two[2] >= 125,
        "iterations per poll, alternating W0/W1: {two:?}; all on W0: {one:?}"
    );
}

/// A small multi-threaded executor as smol's `Executor` run on several threads or futures'
/// `ThreadPool` are: one shared queue, every woken task pushed at its back, any worker pops.
/// (coop-core has neither smol nor futures' `thread-pool` feature as dev-dependencies.)
struct SharedQueue {
    queue: Mutex<(VecDeque<Arc<QTask>>, usize)>,
    ready: Condvar,
}

struct QTask {
    future: Mutex<Option<BoxFut>>,
    pool: Arc<SharedQueue>,
    queued: AtomicBool,
}

impl Wake for QTask {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::SeqCst) {
            let mut q = self.pool.queue.lock().unwrap();
            q.0.push_back(self.clone());
            self.pool.ready.notify_one();
        }
    }
}

fn run_on_shared_queue(threads: usize, tasks: Vec<BoxFut>) {
    let pool = Arc::new(SharedQueue {
        queue: Mutex::new((VecDeque::new(), tasks.len())),
        ready: Condvar::new(),
    });
    for t in tasks {
        let task = Arc::new(QTask {
            future: Mutex::new(Some(t)),
            pool: pool.clone(),
            queued: AtomicBool::new(false),
        });
        task.wake_by_ref();
    }
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let pool = pool.clone();
            scope.spawn(move || {
                loop {
                    let task = {
                        let mut q = pool.queue.lock().unwrap();
                        loop {
                            if q.1 == 0 {
                                pool.ready.notify_all();
                                return;
                            }
                            if let Some(t) = q.0.pop_front() {
                                break t;
                            }
                            q = pool.ready.wait(q).unwrap();
                        }
                    };
                    task.queued.store(false, Ordering::SeqCst);
                    let waker = Waker::from(task.clone());
                    let mut slot = task.future.lock().unwrap();
                    if let Some(fut) = slot.as_mut()
                        && fut
                            .as_mut()
                            .poll(&mut Context::from_waker(&waker))
                            .is_ready()
                    {
                        *slot = None;
                        let mut q = pool.queue.lock().unwrap();
                        q.1 -= 1;
                        pool.ready.notify_all();
                    }
                }
            });
        }
    });
}

fn report_moves(name: &str, log: &[PollRecord]) -> Vec<(usize, PollRecord)> {
    let back = came_back_to_its_own_spent_thread(log);
    let moves = log
        .windows(2)
        .filter(|w| w[0].task == w[1].task && w[0].thread != w[1].thread)
        .count();
    eprintln!(
        "{name}: {} polls, {} came back to their own spent thread: iterations {:?}",
        log.len(),
        back.len(),
        back.iter().map(|(_, r)| r.iterations).collect::<Vec<_>>()
    );
    let _ = moves;
    back
}

/// Shared-queue executor, 3 threads, 2 tasks of the plain-yield shape: every poll of a task back
/// on a thread whose budget it spent itself (and that nobody touched since) makes a whole budget
/// of iterations (128) before its forced yield, or finishes the task.
#[test]
fn shared_queue_executor_tasks_coming_back_to_their_own_spent_thread() {
    every_return_finds_a_whole_budget("shared queue", |log| {
        let tasks: Vec<BoxFut> = (0..2)
            .map(|t| Box::pin(logged(t, log, coming_and_going)) as BoxFut)
            .collect();
        run_on_shared_queue(3, tasks);
    });
}

/// Two hot tasks of the plain-wait shape, 40 budgets each, woken from another thread.
fn coming_and_going(shared: Arc<TaskShared>) -> BoxFut {
    Box::pin(hot_with_a_plain_wait_after_each_forced_yield(
        shared,
        128 * 40,
        true,
    ))
}

/// Runs `round` 60 times, each logging its polls in a fresh log: every poll of a task back on a
/// thread whose budget it spent itself (and nobody touched since) makes a whole budget of
/// iterations (128) before its forced yield, or finishes the task.
fn every_return_finds_a_whole_budget(name: &str, round: impl Fn(&Arc<Mutex<Vec<PollRecord>>>)) {
    let mut bad = Vec::new();
    let mut seen = 0;
    for _round in 0..60 {
        let log = Arc::new(Mutex::new(Vec::new()));
        round(&log);
        let log = log.lock().unwrap().clone();
        let back = report_moves(name, &log);
        seen += back.len();
        bad.extend(
            back.into_iter()
                .filter(|(_, r)| !(r.ready || r.iterations == 128)),
        );
    }
    eprintln!("{name}: {seen} polls back on their own spent thread in 60 rounds");
    assert!(
        bad.is_empty(),
        "{name}: {} of {seen} polls back on their own spent thread did not find a whole budget: \
         {:?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );
}

/// Shared-queue executor, 3 threads, 4 hot-only tasks: every poll of a task but its first and
/// last makes exactly 128 iterations (it resumes a forced yield point, a new task poll).
#[test]
fn shared_queue_executor_middle_polls_make_a_whole_budget() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<BoxFut> = (0..4)
        .map(|t| Box::pin(logged(t, &log, |s| Box::pin(hot_only(s, 128 * 50)))) as BoxFut)
        .collect();
    run_on_shared_queue(3, tasks);
    let log = log.lock().unwrap().clone();
    let moves = log
        .windows(2)
        .filter(|w| w[0].thread != w[1].thread)
        .count();
    let bad = middle_polls_not_a_budget(&log, 4);
    assert!(
        bad.is_empty(),
        "{} polls ({} thread switches in the log): {:?}",
        bad.len(),
        moves,
        &bad[..bad.len().min(10)]
    );
}

/// One thread, FIFO queue (deterministic): task A (2 budgets of iterations) and task B (5
/// budgets) alternate. A's last poll spends the thread's budget to exactly zero and ends,
/// without a yield point refused: the ambient budget belongs to the thread and carries over
/// between tasks (README, "Budgets on your executor"), so B's next poll starts with what A left,
/// nothing: the yield point it resumes completes, one iteration runs, and its next spend forces
/// the yield. (The fast path does not record who spends, so this cannot be told apart from two
/// branches of one task, the second finding the budget the first spent in the same poll, where
/// a refill would hand the task a second budget.) Every other poll of B makes a whole budget.
#[test]
fn a_task_ending_on_an_exactly_spent_budget_leaves_the_next_task_what_is_left() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<BoxFut> = vec![
        Box::pin(logged(0, &log, |s| Box::pin(hot_only(s, 128 * 2)))),
        Box::pin(logged(1, &log, |s| Box::pin(hot_only(s, 128 * 5)))),
    ];
    run_on_shared_queue(1, tasks);
    let log = log.lock().unwrap().clone();
    let per_poll = |task: usize| -> Vec<u64> {
        log.iter()
            .filter(|p| p.task == task)
            .map(|p| p.iterations)
            .collect()
    };
    assert_eq!(per_poll(0), [128, 128]);
    assert_eq!(per_poll(1), [128, 1, 128, 128, 128, 127]);
}

fn tokio_multi_thread(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .unwrap()
}

/// tokio multi_thread, 4 workers, 2 tasks of the plain-yield shape, so idle workers steal: every
/// poll back on a thread whose budget the task spent itself finds a whole budget.
#[test]
fn tokio_multi_thread_tasks_coming_back_to_their_own_spent_thread() {
    every_return_finds_a_whole_budget("tokio multi_thread", |log| {
        let rt = tokio_multi_thread(4);
        rt.block_on(async {
            let handles: Vec<_> = (0..2)
                .map(|t| tokio::spawn(logged(t, log, coming_and_going)))
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        });
    });
}

/// tokio multi_thread with 2, 3 and 4 workers and 6 hot-only tasks: every poll of a task but
/// its first and last makes exactly 128 iterations.
#[test]
fn tokio_multi_thread_middle_polls_make_a_whole_budget() {
    for workers in [2, 3, 4] {
        let log = Arc::new(Mutex::new(Vec::new()));
        let rt = tokio_multi_thread(workers);
        rt.block_on(async {
            let handles: Vec<_> = (0..6)
                .map(|t| tokio::spawn(logged(t, &log, |s| Box::pin(hot_only(s, 128 * 40)))))
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        });
        drop(rt);
        let log = log.lock().unwrap().clone();
        let moves = log
            .iter()
            .enumerate()
            .filter(|(i, r)| {
                log[..*i]
                    .iter()
                    .rev()
                    .find(|p| p.task == r.task)
                    .is_some_and(|p| p.thread != r.thread)
            })
            .count();
        let bad = middle_polls_not_a_budget(&log, 6);
        assert!(
            bad.is_empty(),
            "{workers} workers: {} polls not a budget ({moves} polls on another thread than the \
             task's last): {:?}",
            bad.len(),
            &bad[..bad.len().min(10)]
        );
    }
}

/// One future polled alternately inside two current-thread tokio runtimes on two threads (each
/// poll a `block_on` of one step of it): a task hopping between runtimes. Each poll but the last
/// makes exactly 128 iterations.
#[test]
fn a_future_hopping_between_two_runtimes_gets_a_whole_budget_each_poll() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let task = logged(0, &log, |s| {
        Box::pin(hot_with_plain_yield_after_each_forced_one(s, 128 * 6))
    });
    let task: Arc<Mutex<Option<BoxFut>>> = Arc::new(Mutex::new(Some(Box::pin(task))));
    let rts: Vec<_> = (0..2)
        .map(|_| {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
        })
        .collect();
    std::thread::scope(|scope| {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..2).map(|_| std::sync::mpsc::channel::<()>()).unzip();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<bool>();
        for (rt, rx) in rts.iter().zip(rxs) {
            let (task, done_tx) = (task.clone(), done_tx.clone());
            scope.spawn(move || {
                for () in rx {
                    // One poll of the hopping future, as a tokio task of this runtime.
                    let mut fut = task.lock().unwrap().take().unwrap();
                    let (fut, ready) = rt.block_on(async move {
                        tokio::spawn(async move {
                            let ready = std::future::poll_fn(|cx| {
                                Poll::Ready(fut.as_mut().poll(cx).is_ready())
                            })
                            .await;
                            (fut, ready)
                        })
                        .await
                        .unwrap()
                    });
                    *task.lock().unwrap() = Some(fut);
                    done_tx.send(ready).unwrap();
                }
            });
        }
        for n in 0.. {
            txs[n % 2].send(()).unwrap();
            if done_rx.recv().unwrap() {
                break;
            }
        }
        drop(txs);
    });
    let log = log.lock().unwrap().clone();
    let per_poll: Vec<_> = log
        .iter()
        .map(|p| (p.thread, p.iterations, p.forced))
        .collect();
    let back = came_back_to_its_own_spent_thread(&log);
    assert!(
        back.iter().all(|(_, r)| r.ready || r.iterations == 128),
        "polls (thread, iterations, forced): {per_poll:?}"
    );
}

// ------------------------------------------------------------------------------------------
// Claim 1: tokio's driver pace.
// ------------------------------------------------------------------------------------------

#[cfg(all(feature = "tokio", unix))]
mod pacing {
    use super::*;
    use coop_test_support::{advance_clock, install_manual_clock, manual_time};
    use review_common::probe;
    use std::time::Duration;

    /// The documented pace: at least once per 100 µs of a thread's hot loops.
    const PACE: Duration = Duration::from_micros(100);

    /// A hot loop with a yield point per iteration; iteration `i` takes `step(i)` of coop's clock.
    async fn hot(step: fn(u64) -> Duration, iterations: u64) {
        for i in 0..iterations {
            consume_budget().await;
            advance_clock(step(i));
        }
    }

    /// The same, strip-mined by `#[cooperative]` (nothing in its body can suspend).
    #[coop_core::cooperative]
    async fn hot_strip_mined(step: fn(u64) -> Duration, iterations: u64) {
        for i in 0..iterations {
            advance_clock(step(i));
        }
    }

    struct Gaps {
        max: Duration,
        /// Coop's clock when the longest gap began.
        at: Duration,
        turns: usize,
        end: Duration,
    }

    fn gaps(stamps: &[Duration], end: Duration) -> Gaps {
        let mut max = Duration::ZERO;
        let mut at = Duration::ZERO;
        for w in stamps.windows(2) {
            if w[1] - w[0] > max {
                max = w[1] - w[0];
                at = w[0];
            }
        }
        Gaps {
            max,
            at,
            turns: stamps.len(),
            end,
        }
    }

    /// Where the hot loops run on the current-thread runtime.
    #[derive(Clone, Copy, Debug)]
    enum Shape {
        /// Each hot loop its own `tokio::spawn`ed task.
        Tasks,
        /// All hot loops `join!`ed in one task.
        JoinedInOneTask,
        /// The first hot loop in `block_on`'s root future, the others spawned.
        RootFuture,
        /// Each hot loop a `spawn_local` task of a `LocalSet`.
        LocalSet,
    }

    /// Runs `hots` on a current-thread runtime with the probe beside them; returns the probe's
    /// driver turns as gaps of coop's clock.
    fn driver_gaps(shape: Shape, hots: Vec<BoxFut>) -> Gaps {
        install_manual_clock();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let stamps = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let start = manual_time();
        let end = rt.block_on({
            let (stamps, stop) = (stamps.clone(), stop.clone());
            async move {
                let probe = tokio::spawn(probe(stamps.clone(), stop.clone()));
                // Let the probe register and see its first turn.
                while stamps.lock().unwrap().is_empty() {
                    tokio::task::yield_now().await;
                }
                match shape {
                    Shape::Tasks => {
                        let hs: Vec<_> = hots.into_iter().map(tokio::spawn).collect();
                        for h in hs {
                            h.await.unwrap();
                        }
                    }
                    Shape::JoinedInOneTask => {
                        tokio::spawn(futures::future::join_all(hots)).await.unwrap();
                    }
                    Shape::RootFuture => {
                        let mut hots = hots.into_iter();
                        let first = hots.next().unwrap();
                        let hs: Vec<_> = hots.map(tokio::spawn).collect();
                        first.await;
                        for h in hs {
                            h.await.unwrap();
                        }
                    }
                    Shape::LocalSet => {
                        let local = tokio::task::LocalSet::new();
                        local
                            .run_until(async move {
                                let hs: Vec<_> =
                                    hots.into_iter().map(tokio::task::spawn_local).collect();
                                for h in hs {
                                    h.await.unwrap();
                                }
                            })
                            .await;
                    }
                }
                let end = manual_time();
                stop.store(true, Ordering::SeqCst);
                probe.await.unwrap();
                end
            }
        });
        let stamps: Vec<Duration> = stamps.lock().unwrap().iter().map(|s| *s - start).collect();
        gaps(&stamps, end - start)
    }

    /// The promise, generously: a driver turn can only come at a forced yield, so allow the pace
    /// plus two budgets of the slowest loop on the thread, plus one budget of every hot loop (a
    /// round of the run queue the probe may wait in after a turn). `steps`: each hot loop's
    /// time per iteration (its slowest).
    fn check(name: &str, g: &Gaps, steps: &[Duration]) {
        let slowest = steps.iter().max().copied().unwrap_or_default() * 128;
        let round: Duration = steps.iter().map(|s| *s * 128).sum();
        let bound = PACE + slowest * 2 + round;
        eprintln!(
            "{name}: longest driver gap {:?} (from {:?}), {} turns over {:?} of coop's clock; \
             bound {:?}",
            g.max, g.at, g.turns, g.end, bound
        );
        assert!(
            g.max <= bound,
            "{name}: the driver waited {:?} of coop's clock (from {:?}; {:.1} budgets of the \
             slowest loop, {:?} each), {} turns in {:?}; the documented pace allows {:?}",
            g.max,
            g.at,
            g.max.as_secs_f64() / slowest.as_secs_f64(),
            slowest,
            g.turns,
            g.end,
            bound
        );
    }

    /// The documented bound where the thread's pace changes: the forced yields counted at the
    /// old pace go by before the next turn, never more than tokio's own cadence, a driver poll
    /// per 61 task polls: 61 budgets of the slowest loop, and the one in progress.
    fn check_changed_pace(name: &str, g: &Gaps, steps: &[Duration]) {
        let slowest = steps.iter().max().copied().unwrap_or_default() * 128;
        let bound = PACE + slowest * 62;
        eprintln!(
            "{name}: longest driver gap {:?} (from {:?}), {} turns over {:?} of coop's clock; \
             bound {:?}",
            g.max, g.at, g.turns, g.end, bound
        );
        assert!(
            g.max <= bound,
            "{name}: the driver waited {:?} of coop's clock ({:.1} budgets of the slowest loop), \
             past tokio's own cadence {:?}",
            g.max,
            g.max.as_secs_f64() / slowest.as_secs_f64(),
            bound
        );
    }

    const Z: Duration = Duration::ZERO;
    const SLOW: Duration = Duration::from_micros(10);

    const CHEAP_PHASE: u64 = 128 * 400;

    fn cheap_then_slow(i: u64) -> Duration {
        if i < CHEAP_PHASE {
            Duration::from_nanos(100)
        } else {
            Duration::from_micros(10)
        }
    }

    fn free_then_slow(i: u64) -> Duration {
        if i < CHEAP_PHASE {
            Duration::ZERO
        } else {
            Duration::from_micros(10)
        }
    }

    fn slow(_: u64) -> Duration {
        Duration::from_micros(10)
    }

    fn free(_: u64) -> Duration {
        Duration::ZERO
    }

    fn just_under_the_pace(_: u64) -> Duration {
        // 204.8 µs a budget: a "cheaper" loop.
        Duration::from_nanos(1600)
    }

    fn just_over_the_pace(_: u64) -> Duration {
        // 256 µs a budget: a loop "whose budget takes longer".
        Duration::from_nanos(2000)
    }

    fn cheap(_: u64) -> Duration {
        Duration::from_nanos(100)
    }

    fn mid(_: u64) -> Duration {
        Duration::from_micros(1)
    }

    fn slowish(_: u64) -> Duration {
        Duration::from_micros(3)
    }

    /// One task: 400 budgets at 100 ns an iteration (12.8 µs a budget), then 40 budgets at 10 µs
    /// an iteration (1.28 ms a budget, so the driver is due at every forced yield).
    #[test]
    fn a_cheap_loop_that_suddenly_slows_down() {
        let g = driver_gaps(
            Shape::Tasks,
            vec![Box::pin(hot(cheap_then_slow, CHEAP_PHASE + 128 * 40))],
        );
        check_changed_pace("cheap then slow", &g, &[SLOW]);
    }

    /// The same, strip-mined.
    #[test]
    fn a_cheap_strip_mined_loop_that_suddenly_slows_down() {
        let g = driver_gaps(
            Shape::Tasks,
            vec![Box::pin(hot_strip_mined(
                cheap_then_slow,
                CHEAP_PHASE + 128 * 40,
            ))],
        );
        check_changed_pace("cheap then slow, strip-mined", &g, &[SLOW]);
    }

    /// One task: 400 budgets that take no time, then 80 budgets at 10 µs an iteration.
    #[test]
    fn a_free_loop_that_suddenly_slows_down() {
        let g = driver_gaps(
            Shape::Tasks,
            vec![Box::pin(hot(free_then_slow, CHEAP_PHASE + 128 * 80))],
        );
        check_changed_pace("free then slow", &g, &[SLOW]);
    }

    /// Two tasks on one thread sharing its pace: one takes no time, the other 10 µs an
    /// iteration (1.28 ms a budget), both hot from the start.
    #[test]
    fn a_free_task_beside_a_slow_one() {
        let g = driver_gaps(
            Shape::Tasks,
            vec![
                Box::pin(hot(free, 128 * 400)),
                Box::pin(hot(slow, 128 * 40)),
            ],
        );
        check("free beside slow", &g, &[Z, SLOW]);
    }

    /// The slow task starts only after the free one has run alone for a while (it first sleeps
    /// on a plain yield count), so the thread's pace was measured on the free one.
    #[test]
    fn a_slow_task_that_joins_a_free_one() {
        async fn late_slow() {
            for _ in 0..128 * 50 {
                coop_test_support::yield_now().await;
            }
            hot(slow, 128 * 40).await;
        }
        let g = driver_gaps(
            Shape::Tasks,
            vec![Box::pin(hot(free, 128 * 2000)), Box::pin(late_slow())],
        );
        check_changed_pace("slow joining free", &g, &[Z, SLOW]);
    }

    /// A free task beside a cheaper-than-the-pace one (204.8 µs a budget).
    #[test]
    fn a_free_task_beside_one_just_under_the_pace() {
        let g = driver_gaps(
            Shape::Tasks,
            vec![
                Box::pin(hot(free, 128 * 400)),
                Box::pin(hot(just_under_the_pace, 128 * 100)),
            ],
        );
        check(
            "free beside 204.8 µs budgets",
            &g,
            &[Z, Duration::from_nanos(1600)],
        );
    }

    /// Three free tasks beside one just over the pace (256 µs a budget).
    #[test]
    fn three_free_tasks_beside_one_just_over_the_pace() {
        let g = driver_gaps(
            Shape::Tasks,
            vec![
                Box::pin(hot(free, 128 * 400)),
                Box::pin(hot(free, 128 * 400)),
                Box::pin(hot(free, 128 * 400)),
                Box::pin(hot(just_over_the_pace, 128 * 100)),
            ],
        );
        check_changed_pace(
            "3 free beside 256 µs budgets",
            &g,
            &[Z, Z, Z, Duration::from_nanos(2000)],
        );
    }

    /// Four tasks of four paces: free, 100 ns, 1 µs and 3 µs an iteration.
    #[test]
    fn four_tasks_of_four_paces() {
        let g = driver_gaps(
            Shape::Tasks,
            vec![
                Box::pin(hot(free, 128 * 400)),
                Box::pin(hot(cheap, 128 * 400)),
                Box::pin(hot(mid, 128 * 100)),
                Box::pin(hot(slowish, 128 * 40)),
            ],
        );
        check(
            "four paces",
            &g,
            &[
                Z,
                Duration::from_nanos(100),
                Duration::from_micros(1),
                Duration::from_micros(3),
            ],
        );
    }

    /// A free loop and a slow one `join!`ed in one task.
    #[test]
    fn a_free_and_a_slow_loop_joined_in_one_task() {
        let g = driver_gaps(
            Shape::JoinedInOneTask,
            vec![
                Box::pin(hot(free, 128 * 400)),
                Box::pin(hot(slow, 128 * 40)),
            ],
        );
        check_changed_pace("joined free and slow", &g, &[Z, SLOW]);
    }

    /// A slow loop in `block_on`'s root future (no task).
    #[test]
    fn a_slow_loop_in_the_root_future() {
        let g = driver_gaps(Shape::RootFuture, vec![Box::pin(hot(slow, 128 * 40))]);
        check("slow in the root future", &g, &[SLOW]);
    }

    /// A cheap-then-slow loop in `block_on`'s root future.
    #[test]
    fn a_cheap_then_slow_loop_in_the_root_future() {
        let g = driver_gaps(
            Shape::RootFuture,
            vec![Box::pin(hot(cheap_then_slow, CHEAP_PHASE + 128 * 40))],
        );
        check("cheap then slow in the root future", &g, &[SLOW]);
    }

    /// A slow loop as a `LocalSet` task.
    #[test]
    fn a_slow_loop_in_a_local_set() {
        let g = driver_gaps(Shape::LocalSet, vec![Box::pin(hot(slow, 128 * 40))]);
        check("slow in a LocalSet", &g, &[SLOW]);
    }

    /// A free and a slow loop as two `LocalSet` tasks.
    #[test]
    fn a_free_and_a_slow_loop_in_a_local_set() {
        let g = driver_gaps(
            Shape::LocalSet,
            vec![
                Box::pin(hot(free, 128 * 400)),
                Box::pin(hot(slow, 128 * 40)),
            ],
        );
        check("free and slow in a LocalSet", &g, &[Z, SLOW]);
    }

    /// A `select!` whose slow branch is hot and whose other branch is a timer due long after:
    /// the slow loop runs to its end inside one task's `select!`.
    #[test]
    fn a_slow_loop_in_a_select_branch() {
        async fn selected() {
            tokio::select! {
                () = hot(slow, 128 * 40) => {}
                () = tokio::time::sleep(Duration::from_secs(3600)) => unreachable!(),
            }
        }
        let g = driver_gaps(Shape::Tasks, vec![Box::pin(selected())]);
        check("slow in select!", &g, &[SLOW]);
    }

    /// A timer behind a slow loop (10 µs of coop's clock an iteration). Real time only decides
    /// when the timer is due (its deadline plus tokio's 1 ms tick, so that the driver's next turn
    /// fires it); what is counted is the hot iterations from then until the timer task ran.
    #[test]
    fn a_timer_behind_a_slow_loop_fires_within_the_pace() {
        install_manual_clock();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let late = rt.block_on(async {
            let fired = Arc::new(AtomicBool::new(false));
            let due_at = Arc::new(AtomicU64::new(u64::MAX));
            let deadline = std::time::Instant::now() + Duration::from_millis(2);
            let timer = tokio::spawn({
                let fired = fired.clone();
                async move {
                    tokio::time::sleep_until(deadline.into()).await;
                    fired.store(true, Ordering::SeqCst);
                }
            });
            tokio::task::yield_now().await;
            let hot = tokio::spawn({
                let (fired, due_at) = (fired.clone(), due_at.clone());
                async move {
                    let mut i = 0u64;
                    let mut after = 0u64;
                    while !fired.load(Ordering::SeqCst) && i < 10_000_000 {
                        consume_budget().await;
                        advance_clock(Duration::from_micros(10));
                        i += 1;
                        if due_at.load(Ordering::SeqCst) != u64::MAX {
                            after += 1;
                        } else if std::time::Instant::now()
                            >= deadline + Duration::from_micros(1100)
                        {
                            due_at.store(i, Ordering::SeqCst);
                        }
                    }
                    after
                }
            });
            let after = hot.await.unwrap();
            timer.await.unwrap();
            after
        });
        let late_by = Duration::from_micros(10) * u32::try_from(late).unwrap();
        eprintln!("timer behind a slow loop: {late} iterations ({late_by:?}) after it was due");
        assert!(
            late_by <= PACE + Duration::from_micros(10) * 256,
            "the timer fired {late} hot iterations ({late_by:?} of coop's clock) after it was due"
        );
    }

    /// A timer behind a loop that took no time for 400 budgets and then slows down to 10 µs of
    /// coop's clock an iteration: a changed pace, so tokio's own cadence bounds the wait (61 task
    /// polls).
    ///
    /// The loop slows down to 10 µs of
    /// coop's clock an iteration (and, only so that the slow phase lasts in real time while
    /// tokio's timer comes due, 10 µs of real spinning: what is asserted is counted in
    /// iterations). The timer is set at the slow phase's first iteration, 2 ms ahead; from the
    /// moment it is surely due (its deadline plus tokio's 1 ms tick) the hot iterations until
    /// the timer task ran are counted.
    #[test]
    fn a_timer_behind_a_free_loop_that_suddenly_slows_down() {
        install_manual_clock();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let late = rt.block_on(async {
            tokio::spawn(async {
                let fired = Arc::new(AtomicBool::new(false));
                for _ in 0..128 * 400 {
                    consume_budget().await;
                }
                let deadline = std::time::Instant::now() + Duration::from_millis(2);
                let timer = tokio::spawn({
                    let fired = fired.clone();
                    async move {
                        tokio::time::sleep_until(deadline.into()).await;
                        fired.store(true, Ordering::SeqCst);
                    }
                });
                let (mut due, mut after, mut i) = (false, 0u64, 0u64);
                while !fired.load(Ordering::SeqCst) && i < 1_000_000 {
                    consume_budget().await;
                    advance_clock(SLOW);
                    let spin = std::time::Instant::now();
                    while spin.elapsed() < SLOW {}
                    i += 1;
                    if due {
                        after += 1;
                    } else if std::time::Instant::now() >= deadline + Duration::from_micros(1100) {
                        due = true;
                    }
                }
                timer.await.unwrap();
                after
            })
            .await
            .unwrap()
        });
        let late_by = SLOW * u32::try_from(late).unwrap();
        eprintln!("timer behind free then slow: {late} iterations ({late_by:?}) after it was due");
        assert!(
            late_by <= PACE + SLOW * 128 * 62,
            "the timer fired {late} hot iterations ({late_by:?} of coop's clock, {:.1} budgets of \
             1.28 ms) after it was due",
            late as f64 / 128.0
        );
    }

    /// A nested `futures::executor::block_on` inside a tokio task, its hot future given a scope
    /// (`budgeted`), as the docs advise: it finishes, and its forced yields wake at once (1000
    /// units: 7 yields). A watchdog thread turns a hang into a failure.
    #[test]
    fn a_nested_block_on_with_a_scope_finishes() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let polls = rt.block_on(async {
                tokio::spawn(async {
                    futures::executor::block_on(coop_core::budgeted(
                        coop_test_support::count_polls(async {
                            for _ in 0..1000 {
                                consume_budget().await;
                            }
                        }),
                    ))
                    .1
                })
                .await
                .unwrap()
            });
            let _ = tx.send(polls);
        });
        let polls = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the nested block_on hung");
        assert_eq!(polls - 1, 7);
    }

    /// `spawn_blocking` running a hot future on `futures::executor::block_on`, no scope: coop
    /// counts by itself there (1000 units: 7 forced yields), and the forced yield's wake-up
    /// (tokio's `yield_now` at the driver pace) wakes at once on a thread with no scheduler.
    #[test]
    fn spawn_blocking_counts_by_itself_and_wakes_at_once() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let polls = rt.block_on(async {
                let mut all = Vec::new();
                for _ in 0..20 {
                    all.push(
                        tokio::task::spawn_blocking(|| {
                            futures::executor::block_on(coop_test_support::count_polls(async {
                                for _ in 0..1000 {
                                    consume_budget().await;
                                }
                            }))
                            .1
                        })
                        .await
                        .unwrap(),
                    );
                }
                all
            });
            let _ = tx.send(polls);
        });
        let polls = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("spawn_blocking's block_on hung");
        // The first one may find the blocking thread's budget as a fresh thread's; the others
        // find what the previous run left: the ambient budget carries over between tasks.
        assert_eq!(polls[0] - 1, 7, "{polls:?}");
    }
}
