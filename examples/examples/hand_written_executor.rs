//! The executor author's side: a small single-threaded executor that wraps each task poll in
//! `coop_core::budget`, so every task gets a budget of 128 units per poll and goes back to the
//! queue once it is spent, without the tasks knowing anything about it.
//!
//! ```text
//! cargo run --release --example hand_written_executor
//! ```

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

use coop_core::cooperative;

type Queue = Arc<Mutex<VecDeque<Arc<Task>>>>;

/// A spawned task: its future (gone once complete) and the queue its waker pushes it onto.
struct Task {
    future: Mutex<Option<Pin<Box<dyn Future<Output = ()> + Send>>>>,
    queue: Queue,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        let queue = self.queue.clone();
        queue.lock().unwrap().push_back(self);
    }
}

/// A FIFO executor: spawn tasks, then run until none is left.
#[derive(Default)]
struct Executor {
    queue: Queue,
}

impl Executor {
    fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        let task = Task {
            future: Mutex::new(Some(Box::pin(future))),
            queue: self.queue.clone(),
        };
        self.queue.lock().unwrap().push_back(Arc::new(task));
    }

    fn run(&self) {
        loop {
            let Some(task) = self.queue.lock().unwrap().pop_front() else {
                return;
            };
            let waker = Waker::from(task.clone());
            let mut cx = Context::from_waker(&waker);
            let mut slot = task.future.lock().unwrap();
            if let Some(future) = slot.as_mut() {
                // The one line coop asks of an executor: a fresh budget for every poll.
                if coop_core::budget(|| future.as_mut().poll(&mut cx)).is_ready() {
                    *slot = None;
                }
            }
        }
    }
}

/// A loop that never awaits; `#[cooperative]` makes it spend one unit per iteration.
#[cooperative]
async fn count_to(n: u32, polls_seen_by_other: Arc<AtomicU32>) -> u32 {
    let mut seen_other = 0;
    for _ in 0..n {
        seen_other = polls_seen_by_other.load(Ordering::Relaxed);
    }
    seen_other
}

fn main() {
    let executor = Executor::default();
    let other_polls = Arc::new(AtomicU32::new(0));
    let result = Arc::new(AtomicU32::new(0));
    executor.spawn({
        let (other_polls, result) = (other_polls.clone(), result.clone());
        async move { result.store(count_to(1000, other_polls).await, Ordering::Relaxed) }
    });
    executor.spawn({
        // Another task that counts how often it runs while the loop is not done.
        let other_polls = other_polls.clone();
        let result = result.clone();
        std::future::poll_fn(move |cx| {
            if result.load(Ordering::Relaxed) != 0 {
                return std::task::Poll::Ready(());
            }
            other_polls.fetch_add(1, Ordering::Relaxed);
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        })
    });
    executor.run();
    println!(
        "1000 iterations in budgets of {}: the other task ran {} times before the loop ended.",
        coop_core::DEFAULT_BUDGET,
        result.load(Ordering::Relaxed)
    );
}
