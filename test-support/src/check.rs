//! A checking executor: runs tasks on the calling thread and checks coop-core's documented
//! promises after every task poll, so a schedule that breaks one fails where it breaks.
//!
//! Work is counted, not guessed: every iteration of a loop under test calls [`iteration`], which
//! counts it and moves this thread's manual clock (see [`install_manual_clock`]) by the
//! iteration's cost. After each task poll the executor checks:
//!
//! - the iterations the poll ran against the task's [`Limits::units`];
//! - the manual time the poll took against the task's [`Limits::time`];
//! - that the poll left the thread's budget scope as it found it (no scope outlives its poll,
//!   also when the task panicked inside it);
//! - that a task which returned `Pending` was woken (no task left without a wake-up), and that no
//!   task needs more than the poll cap (no livelock).
//!
//! The forced yields it saw ([`Report::pending_polls`], every executor of the thread together)
//! are for the caller to hold against `coop_core::forced_yield_count()`, which is process-wide.
//!
//! [`install_manual_clock`]: crate::install_manual_clock

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use coop_core::Budget;

use crate::clock::{advance_clock, manual_now};

thread_local! {
    static ITERATIONS: Cell<u64> = const { Cell::new(0) };
    static PENDING_POLLS: Cell<u64> = const { Cell::new(0) };
}

/// One iteration of a loop under test: counts it for the task poll running it, and moves this
/// thread's manual clock by `cost`.
///
/// ```
/// let before = coop_test_support::check::iterations();
/// coop_test_support::check::iteration(std::time::Duration::from_micros(1));
/// assert_eq!(coop_test_support::check::iterations(), before + 1);
/// ```
pub fn iteration(cost: Duration) {
    ITERATIONS.with(|n| n.set(n.get() + 1));
    advance_clock(cost);
}

/// Iterations counted on this thread so far.
///
/// ```
/// assert_eq!(coop_test_support::check::iterations(), 0);
/// ```
pub fn iterations() -> u64 {
    ITERATIONS.with(Cell::get)
}

/// Task polls that returned `Pending`, counted by every checking executor on this thread.
///
/// ```
/// assert_eq!(coop_test_support::check::pending_polls(), 0);
/// ```
pub fn pending_polls() -> u64 {
    PENDING_POLLS.with(Cell::get)
}

/// Where the executor puts each task poll: its own budget scope, or none (the ambient budget).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundary {
    /// No scope: the executor knows nothing of budgets, as smol or `futures`' executors.
    Ambient,
    /// Each task poll runs inside `coop_core::with_budget(budget, ..)`, as an executor that
    /// knows budgets does.
    Scope(Budget),
}

/// What one poll of a task may do; `None`: not checked.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    /// Iterations ([`iteration`]) in one task poll.
    pub units: Option<u64>,
    /// Manual time in one task poll.
    pub time: Option<Duration>,
}

/// What a run saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Task polls.
    pub polls: u64,
    /// Task polls that returned `Pending`.
    pub pending_polls: u64,
    /// The most iterations one task poll ran.
    pub most_units: u64,
    /// The longest task poll, in manual time.
    pub longest: Duration,
}

struct Wakeup {
    task: usize,
    queue: Arc<Mutex<VecDeque<usize>>>,
    woken: Mutex<bool>,
}

impl Wake for Wakeup {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut woken = self.woken.lock().unwrap_or_else(PoisonError::into_inner);
        if !*woken {
            *woken = true;
            self.queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_back(self.task);
        }
    }
}

struct Slot {
    future: Option<Pin<Box<dyn Future<Output = ()>>>>,
    limits: Limits,
    wakeup: Arc<Wakeup>,
    waker: Waker,
}

/// The checking executor. Tasks run in the order they are woken, one poll at a time.
///
/// ```
/// use coop_test_support::check::{Boundary, Checker, Limits, iteration};
///
/// coop_test_support::install_manual_clock();
/// let mut checker = Checker::new(Boundary::Scope(coop_core::Budget::DEFAULT));
/// checker.spawn(
///     async {
///         for _ in 0..300 {
///             coop_core::consume_budget().await;
///             iteration(std::time::Duration::from_micros(1));
///         }
///     },
///     Limits { units: Some(128), time: None },
/// );
/// let report = checker.run(100).unwrap();
/// assert_eq!((report.polls, report.pending_polls), (3, 2));
/// ```
pub struct Checker {
    boundary: Boundary,
    tasks: Vec<Slot>,
    queue: Arc<Mutex<VecDeque<usize>>>,
}

impl Checker {
    /// An executor with no tasks yet, putting each task poll in `boundary`.
    pub fn new(boundary: Boundary) -> Checker {
        Checker {
            boundary,
            tasks: Vec::new(),
            queue: Arc::default(),
        }
    }

    /// Adds a task, woken once to start, whose every poll is checked against `limits`.
    pub fn spawn(&mut self, future: impl Future<Output = ()> + 'static, limits: Limits) {
        let wakeup = Arc::new(Wakeup {
            task: self.tasks.len(),
            queue: self.queue.clone(),
            woken: Mutex::new(false),
        });
        let waker = Waker::from(wakeup.clone());
        waker.wake_by_ref();
        self.tasks.push(Slot {
            future: Some(Box::pin(future)),
            limits,
            wakeup,
            waker,
        });
    }

    /// Runs every task to completion, checking each poll; `Err` names the first promise broken.
    /// `poll_cap`: the most polls all tasks together may take.
    pub fn run(mut self, poll_cap: u64) -> Result<Report, String> {
        let mut report = Report::default();
        loop {
            let next = self
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop_front();
            let Some(index) = next else { break };
            let slot = &mut self.tasks[index];
            *slot
                .wakeup
                .woken
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = false;
            let Some(future) = slot.future.as_mut() else {
                continue;
            };
            report.polls += 1;
            if report.polls > poll_cap {
                return Err(format!("livelock: more than {poll_cap} task polls"));
            }
            let scope_before = coop_core::test_util::no_scope_active();
            let (units_before, time_before) = (iterations(), manual_now());
            let mut cx = Context::from_waker(&slot.waker);
            let poll = match self.boundary {
                Boundary::Ambient => future.as_mut().poll(&mut cx),
                Boundary::Scope(budget) => {
                    coop_core::with_budget(budget, || future.as_mut().poll(&mut cx))
                }
            };
            let units = iterations() - units_before;
            let time = manual_now().saturating_sub(time_before);
            report.most_units = report.most_units.max(units);
            report.longest = report.longest.max(time);
            if coop_core::test_util::no_scope_active() != scope_before {
                return Err(format!("task {index}: a budget scope outlived its poll"));
            }
            if let Some(limit) = slot.limits.units
                && units > limit
            {
                return Err(format!(
                    "task {index}, poll {}: {units} units, more than {limit}",
                    report.polls
                ));
            }
            if let Some(limit) = slot.limits.time
                && time > limit
            {
                return Err(format!(
                    "task {index}, poll {}: {time:?}, longer than {limit:?}",
                    report.polls
                ));
            }
            match poll {
                Poll::Ready(()) => slot.future = None,
                Poll::Pending => {
                    report.pending_polls += 1;
                    PENDING_POLLS.with(|n| n.set(n.get() + 1));
                }
            }
        }
        if let Some(index) = self.tasks.iter().position(|slot| slot.future.is_some()) {
            return Err(format!("task {index} was left without a wake-up"));
        }
        Ok(report)
    }
}

/// Where [`checked`] tasks write the promises they saw broken.
pub type Violations = Arc<Mutex<Vec<String>>>;

/// Wraps a task so that every poll of it is checked as [`Checker`] checks its tasks, on any
/// executor: the iterations and manual time of the poll against `limits`, and the budget scope
/// left as it was found. A broken promise is written to `violations`, named `name`.
///
/// ```
/// use coop_test_support::check::{Limits, Violations, checked, iteration};
///
/// let violations = Violations::default();
/// let task = checked(
///     "hot",
///     coop_core::budgeted(async {
///         for _ in 0..300 {
///             coop_core::consume_budget().await;
///             iteration(std::time::Duration::ZERO);
///         }
///     }),
///     Limits { units: Some(128), time: None },
///     &violations,
/// );
/// let ((), yields) = coop_test_support::run_counting_yields(task);
/// assert_eq!(yields, 2);
/// assert!(violations.lock().unwrap().is_empty());
/// ```
pub fn checked<F: Future<Output = ()> + Send + 'static>(
    name: &'static str,
    future: F,
    limits: Limits,
    violations: &Violations,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    let violations = violations.clone();
    let mut future = Box::pin(future);
    let mut polls = 0u64;
    Box::pin(std::future::poll_fn(move |cx| {
        polls += 1;
        let scope_before = coop_core::test_util::no_scope_active();
        let (units_before, time_before) = (iterations(), manual_now());
        let poll = future.as_mut().poll(cx);
        let units = iterations() - units_before;
        let time = manual_now().saturating_sub(time_before);
        let mut broken = Vec::new();
        if coop_core::test_util::no_scope_active() != scope_before {
            broken.push(format!(
                "{name}, poll {polls}: a budget scope outlived its poll"
            ));
        }
        if let Some(limit) = limits.units
            && units > limit
        {
            broken.push(format!(
                "{name}, poll {polls}: {units} units, more than {limit}"
            ));
        }
        if let Some(limit) = limits.time
            && time > limit
        {
            broken.push(format!(
                "{name}, poll {polls}: {time:?}, longer than {limit:?}"
            ));
        }
        if !broken.is_empty() {
            violations
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(broken);
        }
        poll
    }))
}
