//! Yield points dropped after their forced yield, before the poll that would have let them go on
//! (`now_or_never`, `poll!`, a hand-written future that builds `cooperative(..)` at each poll),
//! and built again at the same call site: the task goes on at the next task poll instead of
//! being refused for ever, on the ambient budget and inside a spent scope.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use coop_core::{DEFAULT_BUDGET, cooperative};
use futures::FutureExt;

/// Runs `f` on a fresh thread and fails if it has not returned within 10 s: a livelock shows as
/// a failure, not a hung test run.
fn within_10s<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("never finished: the yield point was refused for ever")
}

/// Returns `Pending` once, waking its task first: the task poll ends, and the next begins.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

const ITERATIONS: u32 = 1000;

/// One forced yield per budget, as a loop that keeps its yield point gets: the refusal after the
/// dropped yield stands for the poll that would have completed it.
const YIELDS: u32 = (ITERATIONS - 1) / DEFAULT_BUDGET as u32;

#[test]
fn consume_budget_dropped_after_its_yield_goes_on_at_the_next_task_poll() {
    let pendings = within_10s(|| {
        futures::executor::block_on(async {
            let (mut done, mut pendings) = (0, 0);
            while done < ITERATIONS {
                match coop_core::consume_budget().now_or_never() {
                    Some(()) => done += 1,
                    None => {
                        pendings += 1;
                        YieldOnce(false).await;
                    }
                }
            }
            pendings
        })
    });
    assert_eq!(pendings, YIELDS);
}

#[test]
fn cooperative_polled_once_with_poll_macro_goes_on_at_the_next_task_poll() {
    let pendings = within_10s(|| {
        futures::executor::block_on(async {
            let (mut done, mut pendings) = (0, 0);
            while done < ITERATIONS {
                match futures::poll!(coop_core::cooperative(std::future::ready(()))) {
                    Poll::Ready(()) => done += 1,
                    Poll::Pending => {
                        pendings += 1;
                        YieldOnce(false).await;
                    }
                }
            }
            pendings
        })
    });
    assert_eq!(pendings, YIELDS);
}

/// A hand-written future that makes its channel receive a yield point at each poll.
struct Drain {
    rx: futures::channel::mpsc::UnboundedReceiver<u32>,
    sum: u64,
}

impl Future for Drain {
    type Output = u64;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        use futures::StreamExt;
        let this = &mut *self;
        loop {
            match coop_core::cooperative(this.rx.next()).poll_unpin(cx) {
                Poll::Ready(Some(x)) => this.sum += u64::from(x),
                Poll::Ready(None) => return Poll::Ready(this.sum),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[test]
fn a_future_building_cooperative_at_each_poll_finishes_on_the_ambient_budget() {
    let sum = within_10s(|| {
        let (tx, rx) = futures::channel::mpsc::unbounded();
        for i in 0..ITERATIONS {
            tx.unbounded_send(i).unwrap();
        }
        drop(tx);
        futures::executor::block_on(Drain { rx, sum: 0 })
    });
    assert_eq!(sum, u64::from(ITERATIONS) * u64::from(ITERATIONS - 1) / 2);
}

#[cooperative]
async fn step(count: &mut u32) {
    for _ in 0..1 {
        *count += 1;
    }
}

#[test]
fn a_cooperative_fn_dropped_at_its_yield_and_called_again_goes_on() {
    let count = within_10s(|| {
        futures::executor::block_on(async {
            let mut count = 0;
            while count < ITERATIONS {
                if step(&mut count).now_or_never().is_none() {
                    YieldOnce(false).await;
                }
            }
            count
        })
    });
    assert_eq!(count, ITERATIONS);
}

/// Polls `fut` with a no-op waker until it is ready: an executor nested in a task, which never
/// leaves the task's scope.
fn nested_block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

#[test]
fn an_executor_nested_in_a_spent_scope_finishes_yield_points_dropped_at_their_yield() {
    let done = within_10s(|| {
        futures::executor::block_on(coop_core::budgeted_with(2, async {
            coop_core::consume_budget().await;
            coop_core::consume_budget().await;
            // The scope is spent, and stays spent for as long as the nested executor runs.
            nested_block_on(async {
                let mut done = 0;
                while done < 10 {
                    match coop_core::consume_budget().now_or_never() {
                        Some(()) => done += 1,
                        None => YieldOnce(false).await,
                    }
                }
                done
            })
        }))
    });
    assert_eq!(done, 10);
}
