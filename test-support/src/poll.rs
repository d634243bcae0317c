//! Driving futures and counting what they do: fresh threads, polls, yields and wake-ups.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use crate::cap::SPIN_CAP;

/// Runs `f` on a new thread and returns its result, resuming its panic if it panics.
///
/// A thread's ambient budget carries over between everything that runs on it, so an exact count
/// needs a thread whose budget starts full: every counting test builds its executor in here.
///
/// ```
/// let left = coop_test_support::on_fresh_thread(coop_core::has_budget_remaining);
/// assert!(left);
/// ```
pub fn on_fresh_thread<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|scope| {
        scope
            .spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// A context whose waker does nothing: for polling by hand where no wake-up is awaited.
///
/// ```
/// use std::future::Future;
///
/// let mut ready = std::pin::pin!(async { 1 });
/// let polled = ready.as_mut().poll(&mut coop_test_support::noop_cx());
/// assert_eq!(polled, std::task::Poll::Ready(1));
/// ```
pub fn noop_cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

/// A waker that counts how often it was woken.
#[derive(Debug, Default)]
pub struct CountingWaker(AtomicU64);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl CountingWaker {
    /// A fresh counter and a waker that bumps it.
    ///
    /// ```
    /// let (counter, waker) = coop_test_support::CountingWaker::new();
    /// waker.wake_by_ref();
    /// assert_eq!(counter.wakes(), 1);
    /// ```
    pub fn new() -> (Arc<Self>, Waker) {
        let counter = Arc::new(Self::default());
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    /// How many wakes so far.
    pub fn wakes(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Polls `fut` to completion on this thread with no budget scope, and returns its output and how
/// many times it returned `Pending`. Panics if a `Pending` did not wake the task exactly once:
/// with nothing else to wait for, each one is a forced yield.
///
/// ```
/// let ((), yields) = coop_test_support::run_counting_yields(coop_test_support::yield_now());
/// assert_eq!(yields, 1);
/// ```
pub fn run_counting_yields<F: Future>(fut: F) -> (F::Output, u64) {
    run_with(fut, |poll| poll())
}

/// Like [`run_counting_yields`], but every poll goes through `wrap` (a budget scope, say).
///
/// ```
/// let (_, yields) = coop_test_support::run_with(coop_test_support::spend_units(300), |poll| {
///     coop_core::with_budget(100, poll)
/// });
/// assert_eq!(yields, 2);
/// ```
pub fn run_with<F: Future>(
    fut: F,
    mut wrap: impl FnMut(&mut dyn FnMut() -> Poll<F::Output>) -> Poll<F::Output>,
) -> (F::Output, u64) {
    let (counter, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    let mut yields = 0;
    loop {
        let before = counter.wakes();
        match wrap(&mut || fut.as_mut().poll(&mut cx)) {
            Poll::Ready(out) => return (out, yields),
            Poll::Pending => {
                assert_eq!(counter.wakes(), before + 1, "a yield wakes the task once");
                yields += 1;
                assert!(yields < 1_000_000, "livelock");
            }
        }
    }
}

/// Builds `make()`'s future on a fresh thread and runs it there with [`run_counting_yields`]:
/// its output and its forced yields, counted from a full ambient budget.
///
/// ```
/// let (out, yields) = coop_test_support::count_yields_on_fresh_thread(|| async {
///     coop_test_support::spend_units(1000).await;
///     1
/// });
/// assert_eq!((out, yields), (1, 7));
/// ```
pub fn count_yields_on_fresh_thread<F: Future>(make: impl FnOnce() -> F + Send) -> (F::Output, u64)
where
    F::Output: Send,
{
    on_fresh_thread(|| run_counting_yields(make()))
}

/// Yields to the executor once: wakes the task and returns `Pending`, then completes.
///
/// Hand-written rather than `tokio::task::yield_now`, which defers its wake-up until tokio's
/// scheduler has polled its driver: this one puts the task straight back in the run queue on
/// every executor, so two always-ready tasks alternate one for one. It spends no budget.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Yields until `done()` holds, checking once per poll; gives up after [`SPIN_CAP`] polls so a
/// broken test cannot hang. Spends no budget.
pub async fn wait_until(mut done: impl FnMut() -> bool) {
    let mut polls = 0;
    while !done() && polls < SPIN_CAP {
        polls += 1;
        yield_now().await;
    }
}

/// Counts the polls of `fut`: it resolves to `fut`'s output and the number of polls it took, so
/// `polls - 1` is how often it yielded.
///
/// ```
/// use coop_test_support::{count_polls, run_counting_yields, yield_now};
///
/// let (((), polls), yields) = run_counting_yields(count_polls(yield_now()));
/// assert_eq!((polls, yields), (2, 1));
/// ```
pub fn count_polls<F: Future>(fut: F) -> CountPolls<F> {
    CountPolls {
        inner: Box::pin(fut),
        polls: 0,
    }
}

/// The future returned by [`count_polls`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct CountPolls<F> {
    inner: Pin<Box<F>>,
    polls: u64,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = (F::Output, u64);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls += 1;
        let polls = self.polls;
        self.inner.as_mut().poll(cx).map(|out| (out, polls))
    }
}

/// Runs `f` inside a scope whose budget is already spent: one unit, spent.
///
/// ```
/// let left = coop_test_support::with_spent_budget(coop_core::has_budget_remaining);
/// assert!(!left);
/// ```
pub fn with_spent_budget<R>(f: impl FnOnce() -> R) -> R {
    coop_core::with_budget(1, || {
        if let Poll::Ready(unit) = coop_core::poll_proceed(&mut noop_cx()) {
            unit.made_progress();
        }
        f()
    })
}

/// A task as [`poll_on_threads`] moves it between threads.
pub type SendTask = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Polls `task` one poll at a time on worker threads of its own (`threads` of them), poll `n`
/// on thread `schedule(n)`, always with the same waker (one task's, not the no-op one: a
/// multi-threaded executor whose workers take the task in turn), until it completes or 10 000
/// polls; returns the thread of each poll. The waker does nothing: the caller decides when the
/// next poll comes.
///
/// ```
/// let threads = coop_test_support::poll_on_threads(
///     2,
///     Box::pin(async {
///         coop_test_support::yield_now().await;
///     }),
///     |n| n % 2,
/// );
/// assert_eq!(threads, [0, 1]);
/// ```
pub fn poll_on_threads(
    threads: usize,
    mut task: SendTask,
    schedule: impl Fn(usize) -> usize,
) -> Vec<usize> {
    use std::sync::mpsc;
    struct NoWake;
    impl Wake for NoWake {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(NoWake));
    std::thread::scope(|scope| {
        let (done_tx, done_rx) = mpsc::channel::<(SendTask, bool)>();
        let workers: Vec<mpsc::Sender<SendTask>> = (0..threads)
            .map(|_| {
                let (tx, rx) = mpsc::channel::<SendTask>();
                let (done_tx, waker) = (done_tx.clone(), waker.clone());
                scope.spawn(move || {
                    for mut task in rx {
                        let ready = task
                            .as_mut()
                            .poll(&mut Context::from_waker(&waker))
                            .is_ready();
                        done_tx
                            .send((task, ready))
                            .expect("the caller waits for it");
                    }
                });
                tx
            })
            .collect();
        let mut polled_on = Vec::new();
        for n in 0..10_000 {
            let thread = schedule(n);
            workers[thread].send(task).expect("the worker runs");
            let (back, ready) = done_rx.recv().expect("the worker sends the task back");
            task = back;
            polled_on.push(thread);
            if ready {
                break;
            }
        }
        polled_on
    })
}
