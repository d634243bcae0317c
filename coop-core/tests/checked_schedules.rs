//! Random schedules on the checking executor (`coop_test_support::check`): tasks of `join!`,
//! `select_all`, `join_all`, `FuturesUnordered`, executors nested in tasks, scopes of 0, 1, 128
//! and 65 535 units with and without a slice, `poll_proceed` streams, `cooperative` futures,
//! `#[cooperative]` loops, guards dropped early and late, panics under `catch_unwind`, loops
//! cancelled mid-yield, several tasks running one loop at different paces, on the manual clock.
//!
//! Every task poll is checked against the bound coop-core documents for it, and every run against
//! the counts: `forced_yield_count()` equal to the forced yields the executors saw (at least as
//! many where a combinator swallows a yield: `select_all`, `FuturesUnordered`), `sites()` adding
//! up to it, no scope left active, no task left without a wake-up, none over the poll cap.
//!
//! Seeded and shrinking (proptest). `COOP_CHECK_CASES=N` runs N cases instead of the CI's 64.

#![cfg(feature = "macros")]

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use coop_core::{Budget, poll_proceed};
use coop_test_support::check::{Boundary, Checker, Limits, iteration, pending_polls};
use futures::{FutureExt, StreamExt};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

/// The process-wide counts and the process default budget are shared: one schedule at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// One loop of a task: what spends a unit per iteration, how many, at what cost each.
#[derive(Clone, Copy, Debug)]
enum Loop {
    /// `consume_budget().await` per iteration.
    Consume(u32, u64),
    /// A `#[cooperative]` loop.
    Macro(u32, u64),
    /// A hand-written stream on `poll_proceed`, which keeps nothing of its yields.
    Proceed(u32, u64),
    /// `cooperative(fut)` over an always-ready future, per iteration.
    CoopFuture(u32, u64),
    /// A `poll_proceed` guard taken, the loop run, the guard dropped after the loop's yields.
    GuardLate(u32, u64),
    /// A loop that panics at its last iteration, under `catch_unwind`.
    Panics(u32, u64),
}

impl Loop {
    fn len(self) -> u64 {
        match self {
            Loop::Consume(n, _)
            | Loop::Macro(n, _)
            | Loop::Proceed(n, _)
            | Loop::CoopFuture(n, _)
            | Loop::GuardLate(n, _)
            | Loop::Panics(n, _) => u64::from(n),
        }
    }

    fn cost(self) -> Duration {
        match self {
            Loop::Consume(_, c)
            | Loop::Macro(_, c)
            | Loop::Proceed(_, c)
            | Loop::CoopFuture(_, c)
            | Loop::GuardLate(_, c)
            | Loop::Panics(_, c) => Duration::from_nanos(c),
        }
    }

    fn memoryless(self) -> bool {
        matches!(self, Loop::Proceed(..) | Loop::GuardLate(..))
    }

    fn run(self) -> Pin<Box<dyn Future<Output = ()>>> {
        let cost = self.cost();
        match self {
            Loop::Consume(n, _) => Box::pin(async move {
                for _ in 0..n {
                    coop_core::consume_budget().await;
                    iteration(cost);
                }
            }),
            Loop::Macro(n, _) => Box::pin(macro_loop(n, cost)),
            Loop::Proceed(n, _) => Box::pin(Proceed(n, cost).for_each(|()| async {})),
            Loop::CoopFuture(n, _) => Box::pin(async move {
                for _ in 0..n {
                    coop_core::cooperative(std::future::ready(())).await;
                    iteration(cost);
                }
            }),
            Loop::GuardLate(n, _) => Box::pin(async move {
                let guard = std::future::poll_fn(|cx| poll_proceed(cx)).await;
                for _ in 0..n {
                    coop_core::consume_budget().await;
                    iteration(cost);
                }
                drop(guard);
            }),
            Loop::Panics(n, _) => Box::pin(async move {
                let caught = std::panic::AssertUnwindSafe(async move {
                    for i in 0..n {
                        coop_core::consume_budget().await;
                        iteration(cost);
                        assert!(i + 1 < n, "the loop under test panics");
                    }
                })
                .catch_unwind()
                .await;
                assert!(caught.is_err() || n == 0);
            }),
        }
    }
}

#[coop_core::cooperative]
async fn macro_loop(n: u32, cost: Duration) {
    for _ in 0..n {
        iteration(cost);
    }
}

/// An always-ready stream of `n` items on `poll_proceed`, as coop-core's own docs write one.
struct Proceed(u32, Duration);

impl futures::Stream for Proceed {
    type Item = ();

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        if self.0 == 0 {
            return Poll::Ready(None);
        }
        let unit = ready!(poll_proceed(cx));
        self.0 -= 1;
        iteration(self.1);
        unit.made_progress();
        Poll::Ready(Some(()))
    }
}

/// The budget an executor or a scope gives.
#[derive(Clone, Copy, Debug)]
struct Spec {
    units: u16,
    slice_us: Option<u64>,
}

impl Spec {
    fn budget(self) -> Budget {
        let units = Budget::units(self.units);
        match self.slice_us {
            Some(us) => units.slice(Duration::from_micros(us)),
            None => units,
        }
    }
}

/// How a task combines its loops.
#[derive(Clone, Debug)]
enum Shape {
    One(Loop),
    Join(Vec<Loop>),
    Select(Vec<Loop>),
    JoinAll(Vec<Loop>),
    Unordered(Vec<Loop>),
    /// A checking executor nested in the task, its own tasks one per loop.
    Nested(Option<Spec>, Vec<Loop>),
    /// The loop under a scope of its own (`budgeted_with`).
    Scoped(Spec, Loop),
    /// A loop that panics inside a scope of its own, caught outside it: the panic unwinds
    /// through the scope.
    PanicThroughScope(Spec, u32),
    Unconstrained(Loop),
}

impl Shape {
    fn loops(&self) -> &[Loop] {
        match self {
            Shape::One(l) | Shape::Scoped(_, l) | Shape::Unconstrained(l) => {
                std::slice::from_ref(l)
            }
            Shape::PanicThroughScope(..) => &[],
            Shape::Join(v)
            | Shape::Select(v)
            | Shape::JoinAll(v)
            | Shape::Unordered(v)
            | Shape::Nested(_, v) => v,
        }
    }

    /// Whether forced yields and the task polls that end `Pending` may differ in number: a
    /// combinator that polls a yielded branch again or drops it within one task poll (counted,
    /// not seen), an executor nested in the task that polls again inside a spent scope (one
    /// exhaustion, several nested yields).
    fn inexact(&self) -> bool {
        matches!(
            self,
            Shape::Select(_) | Shape::Unordered(_) | Shape::Nested(..)
        )
    }

    fn run(&self) -> Pin<Box<dyn Future<Output = ()>>> {
        match self.clone() {
            Shape::One(l) => l.run(),
            Shape::Join(v) => {
                Box::pin(futures::future::join_all(v.iter().map(|l| l.run())).map(drop))
            }
            Shape::Select(v) => {
                Box::pin(futures::future::select_all(v.iter().map(|l| l.run())).map(drop))
            }
            Shape::JoinAll(v) => {
                Box::pin(futures::future::join_all(v.iter().map(|l| l.run())).map(drop))
            }
            Shape::Unordered(v) => Box::pin(
                v.iter()
                    .map(|l| l.run())
                    .collect::<futures::stream::FuturesUnordered<_>>()
                    .for_each(|()| async {}),
            ),
            Shape::Nested(spec, v) => Box::pin(async move {
                let boundary = spec.map_or(Boundary::Ambient, |s| Boundary::Scope(s.budget()));
                let mut nested = Checker::new(boundary);
                let cap = poll_cap(&v);
                for l in v {
                    nested.spawn(l.run(), Limits::default());
                }
                if let Err(broken) = nested.run(cap) {
                    panic!("nested executor: {broken}");
                }
            }),
            Shape::Scoped(spec, l) => Box::pin(coop_core::budgeted_with(spec.budget(), l.run())),
            Shape::Unconstrained(l) => Box::pin(coop_core::unconstrained(l.run())),
            Shape::PanicThroughScope(spec, n) => Box::pin(async move {
                let scoped = coop_core::budgeted_with(spec.budget(), async move {
                    for i in 0..n {
                        coop_core::consume_budget().await;
                        iteration(Duration::ZERO);
                        assert!(i + 1 < n, "the loop under test panics");
                    }
                });
                let caught = std::panic::AssertUnwindSafe(scoped).catch_unwind().await;
                assert!(caught.is_err());
            }),
        }
    }

    /// The documented bound on one poll of this task under `boundary` (`default`: the ambient
    /// budget's units).
    fn limits(&self, boundary: Option<Spec>) -> Limits {
        let loops = self.loops();
        let branches = loops.len() as u64;
        let units_of = |spec: Option<Spec>| u64::from(spec.map_or(128, |s| s.units).max(1));
        let same_cost = loops.windows(2).all(|w| w[0].cost() == w[1].cost());
        let time_of = |spec: Spec| {
            spec.slice_us.map(|us| {
                let slice = Duration::from_micros(us);
                // A quarter of the slice and one iteration past its end (of each branch that
                // goes on after its yield).
                slice + slice / 4 + loops[0].cost() * (branches as u32 + 1)
            })
        };
        match (self, boundary) {
            (Shape::Nested(..) | Shape::Unconstrained(_), _) => Limits::default(),
            (Shape::PanicThroughScope(spec, _), _) => Limits {
                units: Some(units_of(Some(*spec)) + 1),
                time: None,
            },
            (Shape::Scoped(spec, _), _) => Limits {
                units: Some(units_of(Some(*spec)) + 1),
                time: time_of(*spec),
            },
            (Shape::Unordered(_), None) => Limits {
                // Each branch has a waker of its own: the ambient budget counts it as a task.
                units: Some(units_of(None) * (branches + 1) + branches),
                time: None,
            },
            (_, None) => {
                // Memoryless branches at one call site each refill once per poll.
                let memoryless = loops.iter().filter(|l| l.memoryless()).count() as u64;
                Limits {
                    units: Some(units_of(None) * (1 + memoryless) + branches),
                    time: None,
                }
            }
            (Shape::Unordered(_), Some(spec)) => Limits {
                units: Some(units_of(Some(spec)) + 2 * branches),
                time: None,
            },
            (_, Some(spec)) => Limits {
                units: Some(units_of(Some(spec)) + branches),
                time: if same_cost { time_of(spec) } else { None },
            },
        }
    }
}

fn poll_cap(loops: &[Loop]) -> u64 {
    loops.iter().map(|l| l.len() + 2).sum::<u64>() * 4 + 2000
}

#[derive(Clone, Debug)]
struct Schedule {
    /// `None`: the ambient budget (the executor has no scopes).
    boundary: Option<Spec>,
    tasks: Vec<Shape>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop_oneof![Just(0u16), Just(1), Just(128), Just(65_535), 2u16..300],
        prop_oneof![Just(None), (1u64..2000).prop_map(Some)],
    )
        .prop_map(|(units, slice_us)| Spec { units, slice_us })
}

fn one_loop() -> impl Strategy<Value = Loop> {
    let n = 0u32..600;
    let cost = prop_oneof![
        Just(0u64),
        Just(100),
        Just(1_000),
        Just(50_000),
        Just(1_000_000)
    ];
    (0..6u8, n, cost).prop_map(|(kind, n, cost)| match kind {
        0 => Loop::Consume(n, cost),
        1 => Loop::Macro(n, cost),
        2 => Loop::Proceed(n, cost),
        3 => Loop::CoopFuture(n, cost),
        4 => Loop::GuardLate(n, cost),
        _ => Loop::Panics(n.max(1), cost),
    })
}

fn shape() -> impl Strategy<Value = Shape> {
    let loops = || prop::collection::vec(one_loop(), 1..5);
    prop_oneof![
        3 => one_loop().prop_map(Shape::One),
        2 => loops().prop_map(Shape::Join),
        1 => loops().prop_map(Shape::Select),
        1 => loops().prop_map(Shape::JoinAll),
        1 => loops().prop_map(Shape::Unordered),
        1 => (prop::option::of(spec()), loops()).prop_map(|(s, v)| Shape::Nested(s, v)),
        1 => (spec(), one_loop()).prop_map(|(s, l)| Shape::Scoped(s, l)),
        1 => one_loop().prop_map(Shape::Unconstrained),
        1 => (spec(), 1u32..400).prop_map(|(s, n)| Shape::PanicThroughScope(s, n)),
    ]
}

fn schedule() -> impl Strategy<Value = Schedule> {
    (
        prop::option::of(spec()),
        prop::collection::vec(shape(), 1..5),
    )
        .prop_map(|(boundary, tasks)| Schedule { boundary, tasks })
}

fn site_total() -> u64 {
    coop_core::sites().iter().map(|s| s.forced_yields()).sum()
}

/// Runs `schedule` on a fresh thread's checking executor and checks the run's counts.
fn check(schedule: &Schedule) -> Result<(), TestCaseError> {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    coop_test_support::install_manual_clock();
    let schedule = schedule.clone();
    let outcome = std::thread::spawn(move || {
        in_a_tokio_task(schedule.boundary.is_some(), move || {
            let (yields, sites) = (coop_core::forced_yield_count(), site_total());
            let boundary = schedule
                .boundary
                .map_or(Boundary::Ambient, |s| Boundary::Scope(s.budget()));
            let mut checker = Checker::new(boundary);
            let mut cap = 0;
            for task in &schedule.tasks {
                checker.spawn(task.run(), task.limits(schedule.boundary));
                cap += poll_cap(task.loops());
            }
            checker.run(cap)?;
            if !coop_core::test_util::no_scope_active() {
                return Err("a scope is still active after the run".to_string());
            }
            let counted = coop_core::forced_yield_count() - yields;
            let seen = pending_polls();
            // On the ambient budget a hand-written call site refused twice refills it within the
            // task poll: two exhaustions, one `Pending`.
            let refills_within_a_poll = schedule.boundary.is_none()
                && schedule
                    .tasks
                    .iter()
                    .any(|task| task.loops().iter().any(|l| l.memoryless()));
            if !refills_within_a_poll
                && !schedule.tasks.iter().any(Shape::inexact)
                && counted != seen
            {
                return Err(format!(
                    "forced_yield_count rose by {counted}; the executors saw {seen}"
                ));
            }
            let by_site = site_total() - sites;
            if by_site != counted {
                return Err(format!(
                    "sites add up to {by_site}, forced_yield_count to {counted}"
                ));
            }
            Ok(())
        })
    })
    .join();
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(broken)) => Err(TestCaseError::fail(broken)),
        Err(panic) => Err(TestCaseError::fail(format!(
            "panicked: {:?}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or(panic.downcast_ref::<&str>().copied())
        ))),
    }
}

/// With the `tokio` feature, a schedule whose executor gives each task poll a scope runs inside
/// a tokio task (its executor nested in it), where coop's scopes must wake their own wakers.
/// On the ambient budget inside a tokio task the budget is tokio's, which wakes a nested
/// executor's tasks only after the tokio task's poll: not a schedule coop-core runs.
fn in_a_tokio_task<R: 'static>(scoped: bool, run: impl FnOnce() -> R + 'static) -> R {
    if !(cfg!(feature = "tokio") && scoped) {
        return run();
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        tokio::task::spawn_local(async move { run() })
            .await
            .unwrap()
    })
}

#[test]
fn random_schedules_keep_every_promise() {
    let cases = std::env::var("COOP_CHECK_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64);
    let seed = std::env::var("COOP_CHECK_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x18);
    // The loops that panic on purpose print nothing.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or_default();
        if message != "the loop under test panics" {
            eprintln!("{info}");
        }
    }));
    let mut runner = TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&schedule(), |schedule| check(&schedule));
    std::panic::set_hook(hook);
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
