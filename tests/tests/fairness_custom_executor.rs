//! The executor-author path: a hand-written executor that wraps each task poll in
//! `coop_core::budget(...)`, so every task gets a fresh budget per poll without the tasks
//! knowing, and yields once it is spent.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

use coop_core::{DEFAULT_BUDGET, cooperative};
use coop_tests::{
    FAIR_SPINS, Race, SPIN_CAP, on_fresh_thread, set_flag_once_hot, spin_until_flag,
    spin_until_flag_plain, yield_now,
};

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
type RunQueue = Arc<Mutex<VecDeque<Arc<Task>>>>;

/// A spawned task: its future (gone once complete), how often it was polled, and the queue its
/// waker pushes it onto.
struct Task {
    future: Mutex<Option<BoxFuture>>,
    polls: AtomicU64,
    queue: RunQueue,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        let queue = self.queue.clone();
        queue.lock().unwrap().push_back(self);
    }
}

/// A FIFO, single-threaded executor of a few dozen lines.
struct MiniExecutor {
    queue: RunQueue,
    /// Whether each poll runs under `coop_core::budget`: the one line an executor author adds.
    budget_per_poll: bool,
}

impl MiniExecutor {
    fn new(budget_per_poll: bool) -> Self {
        MiniExecutor {
            queue: RunQueue::default(),
            budget_per_poll,
        }
    }

    /// Queues `future`; the returned task tells how often it was polled.
    fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) -> Arc<Task> {
        let task = Arc::new(Task {
            future: Mutex::new(Some(Box::pin(future))),
            polls: AtomicU64::new(0),
            queue: self.queue.clone(),
        });
        self.queue.lock().unwrap().push_back(task.clone());
        task
    }

    /// Polls queued tasks until none is left, at most `SPIN_CAP` polls in all.
    fn run(&self) {
        for _ in 0..SPIN_CAP {
            let Some(task) = self.queue.lock().unwrap().pop_front() else {
                return;
            };
            let waker = Waker::from(task.clone());
            let mut cx = Context::from_waker(&waker);
            let mut slot = task.future.lock().unwrap();
            let Some(future) = slot.as_mut() else {
                continue; // woken after it completed
            };
            task.polls.fetch_add(1, Ordering::SeqCst);
            let poll = if self.budget_per_poll {
                coop_core::budget(|| future.as_mut().poll(&mut cx))
            } else {
                future.as_mut().poll(&mut cx)
            };
            if poll.is_ready() {
                *slot = None;
            }
        }
        panic!("livelock: {SPIN_CAP} polls and tasks still queued");
    }
}

/// Runs `hot` beside the flag setter on a [`MiniExecutor`]; returns the spins.
fn spin_race<F>(budget_per_poll: bool, hot: impl FnOnce(Arc<Race>) -> F + Send) -> u64
where
    F: Future<Output = u64> + Send + 'static,
{
    on_fresh_thread(|| {
        let race = Race::new();
        let spins = Arc::new(AtomicU64::new(0));
        let ex = MiniExecutor::new(budget_per_poll);
        let hot = hot(race.clone());
        let out = spins.clone();
        ex.spawn(async move { out.store(hot.await, Ordering::SeqCst) });
        ex.spawn(set_flag_once_hot(race));
        ex.run();
        spins.load(Ordering::SeqCst)
    })
}

#[test]
fn budget_per_poll_cooperative_loop_lets_other_task_run() {
    assert_eq!(spin_race(true, spin_until_flag), FAIR_SPINS);
}

#[test]
fn budget_per_poll_plain_loop_starves_other_task() {
    assert_eq!(spin_race(true, spin_until_flag_plain), SPIN_CAP);
}

#[test]
fn no_budget_scope_cooperative_loop_still_yields_on_ambient_budget() {
    assert_eq!(spin_race(false, spin_until_flag), FAIR_SPINS);
}

/// Units the first task spends before the hot loop starts.
const SPENT_BEFORE: u64 = 100;

#[cooperative]
async fn spend_some_budget() {
    for _ in 0..SPENT_BEFORE {}
}

/// The hot task spends [`SPENT_BEFORE`] units in one poll, yields, and in its next poll races
/// the flag setter. Returns the spins.
fn spins_in_the_poll_after_spending(budget_per_poll: bool) -> u64 {
    spin_race(budget_per_poll, |race| async move {
        spend_some_budget().await;
        yield_now().await;
        spin_until_flag(race).await
    })
}

#[test]
fn budget_per_poll_gives_each_poll_a_full_budget() {
    assert_eq!(spins_in_the_poll_after_spending(true), FAIR_SPINS);
}

#[test]
fn without_budget_scope_ambient_budget_carries_over_between_polls() {
    assert_eq!(
        spins_in_the_poll_after_spending(false),
        u64::from(DEFAULT_BUDGET) - SPENT_BEFORE + 1
    );
}

/// A thousand iterations of nothing but the loop's yield point.
#[cooperative]
async fn thousand_iterations() {
    for _ in 0..1000 {}
}

#[test]
fn budget_per_poll_makes_a_hot_task_yield_once_per_budget() {
    let polls = on_fresh_thread(|| {
        let ex = MiniExecutor::new(true);
        let task = ex.spawn(thousand_iterations());
        ex.run();
        task.polls.load(Ordering::SeqCst)
    });
    assert_eq!(polls, 1000_u64.div_ceil(u64::from(DEFAULT_BUDGET)));
}
