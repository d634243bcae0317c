//! Future wrappers that carry a budget decision along with a future: [`budgeted`],
//! [`budgeted_with`], [`unconstrained`] and [`cooperative`] (also for streams, with the
//! `futures-core` feature).
//!
//! Each one passes its inner future's `Send`, `Sync` and `Unpin` through.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::ambient;
use crate::budget::{Budget, default_budget};
use crate::resumed::{cancelled, resume_budget, spend_if_any};
use crate::scope::{with_budget, with_unconstrained};
use crate::sites::SiteRef;
use crate::state::{Resume, poll_spend};
use crate::yield_point::RestoreOnPending;

pin_project! {
    /// The future returned by [`budgeted`]: polls its inner future under a fresh budget each time.
    ///
    /// ```
    /// let task: coop_core::Budgeted<_> = coop_core::budgeted(async { 1 });
    /// assert_eq!(futures::executor::block_on(task), 1);
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Budgeted<F> {
        #[pin]
        inner: F,
        // `None`: the process default, read at each poll.
        budget: Option<Budget>,
    }
}

/// Makes `fut` a budgeted task: every poll of it runs under a fresh budget, the process default
/// ([`default_budget`](crate::default_budget): 128 units unless changed), as if its executor
/// knew about budgets.
///
/// This is the task boundary for executors that know nothing of budgets: spawn
/// `budgeted(task)` instead of `task` (`smol::spawn(budgeted(task))`), and each task gets its own
/// budget per poll instead of sharing the thread's ambient one.
///
/// ```
/// use std::task::{Context, Waker};
///
/// let mut task = Box::pin(coop_core::budgeted(async {
///     for _ in 0..300 {
///         coop_core::consume_budget().await;
///     }
/// }));
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut polls = 1;
/// while task.as_mut().poll(&mut cx).is_pending() {
///     polls += 1;
/// }
/// assert_eq!(polls, 3); // 128 + 128 + 44 units
/// ```
pub fn budgeted<F: Future>(fut: F) -> Budgeted<F> {
    Budgeted {
        inner: fut,
        budget: None,
    }
}

/// Like [`budgeted`], with `budget` (a [`Budget`], or a number of units) for every poll instead
/// of the process default.
///
/// ```
/// use std::task::{Context, Waker};
/// use std::time::Duration;
///
/// use coop_core::Budget;
///
/// // 100 units or 10 ms per poll, whichever runs out first.
/// let per_poll = Budget::units(100).slice(Duration::from_millis(10));
/// let mut task = Box::pin(coop_core::budgeted_with(per_poll, async {
///     for _ in 0..250 {
///         coop_core::consume_budget().await;
///     }
/// }));
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut polls = 1;
/// while task.as_mut().poll(&mut cx).is_pending() {
///     polls += 1;
/// }
/// assert!(polls >= 3); // 100 + 100 + 50 units, more polls if a slice ran out first
/// ```
pub fn budgeted_with<F: Future>(budget: impl Into<Budget>, fut: F) -> Budgeted<F> {
    Budgeted {
        inner: fut,
        budget: Some(budget.into()),
    }
}

impl<F: Future> Future for Budgeted<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let budget = this.budget.unwrap_or_else(default_budget);
        let inner = this.inner;
        with_budget(budget, || inner.poll(cx))
    }
}

pin_project! {
    /// The future returned by [`unconstrained`]: never forced to yield by a budget.
    ///
    /// ```
    /// let fut: coop_core::Unconstrained<_> = coop_core::unconstrained(async { 1 });
    /// assert_eq!(futures::executor::block_on(fut), 1);
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Unconstrained<F> {
        // Wrapped by the ambient source too, so that the source charges nothing inside either
        // (tokio's own resources, with the `tokio` feature).
        #[pin]
        inner: ambient::Unconstrained<F>,
    }
}

/// Runs `fut` with budgets switched off: no yield point inside forces it to yield, and what it
/// spends is not charged to the surrounding budget. A scope set inside it ([`budgeted`],
/// [`with_budget`]) has a budget again, as nested scopes do: its yield points are forced to yield
/// once that budget is spent.
///
/// For work that must not be interrupted and is short anyway, or that yields by other means.
/// With the `tokio` feature it is also `tokio::task::coop::unconstrained`.
///
/// ```
/// # futures::executor::block_on(async {
/// let before = coop_core::forced_yield_count();
/// coop_core::unconstrained(async {
///     for _ in 0..10_000 {
///         coop_core::consume_budget().await; // never yields here
///     }
/// })
/// .await;
/// assert!(coop_core::has_budget_remaining());
/// # let _ = before;
/// # });
///
/// // A task budgeted inside it still gets 128 units per poll.
/// let mut task = Box::pin(coop_core::unconstrained(coop_core::budgeted(async {
///     for _ in 0..200 {
///         coop_core::consume_budget().await;
///     }
/// })));
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// assert!(task.as_mut().poll(&mut cx).is_pending());
/// assert!(task.as_mut().poll(&mut cx).is_ready());
/// ```
pub fn unconstrained<F: Future>(fut: F) -> Unconstrained<F> {
    Unconstrained {
        inner: ambient::unconstrained(fut),
    }
}

impl<F> core::fmt::Debug for Unconstrained<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Unconstrained").finish_non_exhaustive()
    }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let inner = self.project().inner;
        with_unconstrained(|| inner.poll(cx))
    }
}

pin_project! {
    /// The future (or stream) returned by [`cooperative`](fn@cooperative): spends a unit of
    /// budget per poll that completes it, or per item.
    ///
    /// ```
    /// let fut: coop_core::Coop<_> = coop_core::cooperative(async { 1 });
    /// assert_eq!(futures::executor::block_on(fut), 1);
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Coop<F> {
        #[pin]
        inner: F,
        // Where it was created: its forced yields are counted there.
        site: SiteRef,
        stage: Stage,
    }

    impl<F> PinnedDrop for Coop<F> {
        fn drop(this: Pin<&mut Self>) {
            // Dropped after its yield, before the poll that would have gone on: the next refusal
            // at its call site stands for that poll.
            let this = this.project();
            if let Stage::Yielded(resume) = *this.stage {
                cancelled(resume, *this.site);
            }
        }
    }
}

/// Where a [`Coop`] stands between polls.
#[derive(Clone, Copy, Debug)]
enum Stage {
    /// Asks for a unit before each poll of the inner future or stream.
    Spend,
    /// The last poll forced a yield: this one goes on whatever the budget says, as
    /// `consume_budget()` does, so that a scope never refreshed cannot hold it forever; the
    /// loop's pace goes with it.
    Yielded(Resume),
    /// The inner future completed, or the inner stream ended: it is polled as it is, charging
    /// nothing.
    Finished,
}

impl Stage {
    /// Polls `inner` under this stage's rules; `charged` says whether an output spends a unit.
    fn poll<T>(
        &mut self,
        cx: &mut Context<'_>,
        site: SiteRef,
        inner: impl FnOnce(&mut Context<'_>) -> Poll<T>,
        charged: impl Fn(&T) -> bool,
    ) -> Poll<T> {
        match *self {
            Stage::Finished => inner(cx),
            Stage::Yielded(resume) => {
                *self = Stage::Spend;
                resume_budget(resume, cx);
                let output = inner(cx);
                if matches!(&output, Poll::Ready(out) if charged(out)) {
                    spend_if_any(resume, cx);
                }
                output
            }
            Stage::Spend => match poll_spend(cx, site, false) {
                Err(resume) => {
                    *self = Stage::Yielded(resume);
                    Poll::Pending
                }
                Ok(charge) => {
                    let restore = RestoreOnPending::new(charge);
                    let output = inner(cx);
                    if matches!(&output, Poll::Ready(out) if charged(out)) {
                        restore.made_progress();
                    }
                    output
                }
            },
        }
    }
}

/// Makes any future a yield point: each poll first asks for a unit of budget (yielding if the
/// budget is spent), and the unit is charged only when the inner future is `Ready`.
///
/// For a leaf future that may be ready every time it is polled (a channel receive, a buffered
/// read) and is awaited in a loop. With the `futures-core` feature, `cooperative(stream)` is a
/// stream too: each item spends one unit, a spent budget yields before the next item, and a
/// `Pending` of the inner stream charges nothing (see [`Coop`]'s `Stream` impl). Its forced
/// yields are counted in [`sites`](crate::sites) for the line that called `cooperative`.
///
/// ```
/// use futures::channel::mpsc;
/// use futures::StreamExt;
///
/// # futures::executor::block_on(async {
/// let (tx, mut rx) = mpsc::unbounded();
/// for i in 0..1000 {
///     tx.unbounded_send(i).unwrap();
/// }
/// drop(tx);
/// let mut total = 0;
/// // Always ready, yet yields every 128 items.
/// while let Some(i) = coop_core::cooperative(rx.next()).await {
///     total += i;
/// }
/// assert_eq!(total, 499_500);
/// # });
/// ```
#[track_caller]
pub fn cooperative<F: Cooperable>(fut: F) -> Coop<F> {
    Coop {
        inner: fut,
        site: SiteRef::Caller(core::panic::Location::caller()),
        stage: Stage::Spend,
    }
}

/// What [`cooperative`] takes: every future, and with the `futures-core` feature every stream
/// too. Passing a stream without that feature is a compile error that names the feature, at the
/// call, instead of a missing method later on the wrapper.
///
/// ```
/// fn takes<T: coop_core::Cooperable>(_: T) {}
///
/// takes(async { 1 }); // any future
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a future: `cooperative` takes a future, or a stream with coop-core's `futures-core` feature",
    label = "not a future",
    note = "to make a stream cooperative, turn on coop-core's `futures-core` feature: `coop-core = {{ .., features = [\"futures-core\"] }}`"
)]
pub trait Cooperable {}

#[cfg(not(feature = "futures-core"))]
impl<F: Future> Cooperable for F {}

/// With the `futures-core` feature: anything, a future or a stream (a type may be both).
#[cfg(feature = "futures-core")]
impl<T> Cooperable for T {}

impl<F: Future> Future for Coop<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let inner = this.inner;
        let output = this
            .stage
            .poll(cx, *this.site, |cx| inner.poll(cx), |_| true);
        if output.is_ready() {
            *this.stage = Stage::Finished;
        }
        output
    }
}

/// With the `futures-core` feature: each `Ready(Some(item))` spends one unit, a spent budget
/// yields (waking the task) before the inner stream is polled, and a `Pending` or the end of the
/// inner stream charges nothing.
///
/// ```
/// use futures::StreamExt;
///
/// let yields = std::thread::spawn(|| {
///     let before = coop_core::forced_yield_count();
///     let sum: u64 = futures::executor::block_on(
///         coop_core::cooperative(futures::stream::iter(0..1000u64)).fold(0, |a, b| async move { a + b }),
///     );
///     assert_eq!(sum, 499_500);
///     coop_core::forced_yield_count() - before
/// });
/// assert!(yields.join().unwrap() >= 7); // always ready, yet it yields every 128 items
/// ```
#[cfg(feature = "futures-core")]
impl<S: futures_core::Stream> futures_core::Stream for Coop<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let inner = this.inner;
        let item = this
            .stage
            .poll(cx, *this.site, |cx| inner.poll_next(cx), Option::is_some);
        if let Poll::Ready(None) = item {
            *this.stage = Stage::Finished;
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// With the `futures-core` feature: a `FusedStream` where the inner stream is one. Once the
/// inner stream has ended, `Coop` polls it as it is, charging nothing and never yielding.
///
/// ```
/// use futures::stream::{FusedStream, StreamExt};
///
/// let mut numbers = coop_core::cooperative(futures::stream::iter(0..3).fuse());
/// futures::executor::block_on(async {
///     while numbers.next().await.is_some() {}
/// });
/// assert!(numbers.is_terminated());
/// ```
#[cfg(feature = "futures-core")]
impl<S: futures_core::stream::FusedStream> futures_core::stream::FusedStream for Coop<S> {
    fn is_terminated(&self) -> bool {
        self.inner.is_terminated()
    }
}
