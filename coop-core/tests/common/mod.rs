//! Test helpers: a waker that counts its wakes, and a poll loop that counts `Pending`s.

#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts how often it was woken.
#[derive(Default)]
pub struct CountingWaker(AtomicUsize);

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
    pub fn new() -> (Arc<Self>, Waker) {
        let counter = Arc::new(Self::default());
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }
    /// How many wakes so far.
    pub fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Polls `fut` to completion with no budget scope, panicking if it returns `Pending` without
/// waking the task. Returns the output and how many times it yielded.
pub fn run_counting_yields<F: Future>(fut: F) -> (F::Output, usize) {
    run_with(fut, |poll| poll())
}

/// Like [`run_counting_yields`], but every poll goes through `wrap` (e.g. a budget scope).
pub fn run_with<F: Future>(
    fut: F,
    mut wrap: impl FnMut(&mut dyn FnMut() -> Poll<F::Output>) -> Poll<F::Output>,
) -> (F::Output, usize) {
    let (counter, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    let mut yields = 0;
    loop {
        let before = counter.wakes();
        match wrap(&mut || fut.as_mut().poll(&mut cx)) {
            Poll::Ready(out) => return (out, yields),
            Poll::Pending => {
                assert_eq!(
                    counter.wakes(),
                    before + 1,
                    "a forced yield wakes the task once"
                );
                yields += 1;
                assert!(yields < 1_000_000, "livelock");
            }
        }
    }
}

/// Runs `f` on a new thread, whose ambient budget starts fresh.
pub fn on_fresh_thread<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::spawn(f).join().expect("test thread panicked")
}
