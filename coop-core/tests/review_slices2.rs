//! Second hostile review of time slices, after the bookkeeping rewrite (`Timing` field by field
//! in its thread-local, the resumed yield point's first chunk and unit in one step, `Budget`'s
//! slice cached in nanoseconds). Schedules the other suites do not cover, all on the manual
//! per-thread clock, asserting counts and manual time only. Every test holds one lock, so the
//! process-wide counts (`forced_yield_count`, `time_slice_yield_count`) and the process default
//! budget are this test's alone while it runs.
//!
//! Three schedules failed when written, identically on the code before the rewrite, and are
//! fixed since:
//!
//! - `two_tasks_on_a_sliced_ambient_budget_keep_their_own_pace`: on a thread's sliced ambient
//!   budget, a slow task forced to yield by a budget a fast task's loop had paced kept the fast
//!   task's pace: its next two polls ran 128 iterations (12.8 ms) with no clock check. A budget's
//!   pace now belongs to the task that resumed on it first.
//! - `a_task_moving_between_threads_with_per_thread_clocks_keeps_its_slice`: a loop that moved to
//!   a thread whose clock (one time per thread, which `set_clock`'s docs allow) is ahead sized
//!   its first chunk with readings of two clocks (20 iterations, 2 ms, in one poll). A pace is
//!   now used only on the thread it was read on.
//! - `tokio_join_of_two_slow_loops_under_a_sliced_default` (`--features tokio`): once the slice
//!   was over and one branch yielded, tokio's budget refilled the counter for the other branch
//!   (118 iterations, 11.8 ms, more). A budget whose slice ended now stays spent within the
//!   task poll.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use coop_core::{
    Budget, budgeted_with, consume_budget, forced_yield_count, poll_proceed, set_default_budget,
    time_slice_yield_count, with_budget,
};
use coop_test_support::{
    advance_clock as advance, install_manual_clock, manual_clock_reads as reads,
    manual_time as now, on_fresh_thread,
};
use futures::FutureExt;

/// One test at a time: the counts and the default budget are process-wide.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    install_manual_clock();
    set_default_budget(Budget::DEFAULT);
    guard
}

const fn ns(n: u64) -> Duration {
    Duration::from_nanos(n)
}
const fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}
const HOUR: Duration = Duration::from_secs(3600);

/// Process-wide counts at a point, to take deltas from.
#[derive(Clone, Copy)]
struct Counts(u64, u64);

impl Counts {
    fn now() -> Counts {
        Counts(forced_yield_count(), time_slice_yield_count())
    }
    /// (forced yields, of which by a slice) since `self`.
    fn delta(self) -> (u64, u64) {
        (
            forced_yield_count() - self.0,
            time_slice_yield_count() - self.1,
        )
    }
}

thread_local! {
    static DONE: Cell<u64> = const { Cell::new(0) };
    static PACE: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    static SECOND: Cell<u64> = const { Cell::new(0) };
    static SECOND_LOG: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn done() -> u64 {
    DONE.with(Cell::get)
}

/// One iteration's work: counted, and `pace` of manual time.
fn iterate(pace: Duration) {
    DONE.with(|d| d.set(d.get() + 1));
    advance(pace);
}

/// `n` iterations, each a `consume_budget().await` then `pace(i)` of manual time.
async fn paced(n: u64, pace: impl Fn(u64) -> Duration) {
    for i in 0..n {
        consume_budget().await;
        iterate(pace(i));
    }
}

/// One poll of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rec {
    iterations: u64,
    took: Duration,
    reads: u64,
}

/// Polls `fut` to completion on this thread, with the no-op waker; `before(n)` runs before poll
/// `n`; poll `n` runs inside `with_budget(b, ..)` when `budget(n)` is `Some(b)`, on the thread's
/// ambient budget otherwise.
fn drive<F: Future>(
    fut: F,
    mut before: impl FnMut(usize),
    mut budget: impl FnMut(usize) -> Option<Budget>,
) -> Vec<Rec> {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    let mut recs = Vec::new();
    loop {
        before(recs.len());
        let (t0, r0, d0) = (now(), reads(), done());
        let polled = match budget(recs.len()) {
            Some(b) => with_budget(b, || fut.as_mut().poll(&mut cx)),
            None => fut.as_mut().poll(&mut cx),
        };
        recs.push(Rec {
            iterations: done() - d0,
            took: now() - t0,
            reads: reads() - r0,
        });
        assert!(recs.len() < 100_000, "never finished");
        if polled.is_ready() {
            return recs;
        }
    }
}

/// Units granted by `poll_proceed` (each kept, `pace` of manual time after it) until one is
/// refused or `cap` are granted.
fn spend(pace: Duration, cap: u64) -> u64 {
    let mut cx = Context::from_waker(Waker::noop());
    let mut granted = 0;
    while granted < cap {
        let Poll::Ready(unit) = poll_proceed(&mut cx) else {
            break;
        };
        unit.made_progress();
        advance(pace);
        granted += 1;
    }
    granted
}

fn iterations(recs: &[Rec]) -> Vec<u64> {
    recs.iter().map(|r| r.iterations).collect()
}

// ---------------------------------------------------------------------------------------------
// Nested scopes
// ---------------------------------------------------------------------------------------------

/// Outer scope sliced 1 µs, 3 units at 100 ns; an inner scope sliced 10 µs runs its whole slice
/// (exactly the 100 units that start in it); back in the outer scope, whose slice started at 0
/// and "keeps running meanwhile", the next check finds it over: no unit (its chunk was spent).
/// Same with a unit of the outer chunk left when the inner scope begins: that one unit, then over.
#[test]
fn outer_slice_keeps_its_start_across_an_inner_sliced_scope() {
    let _s = serial();
    on_fresh_thread(|| {
        for (before_inner, after_inner) in [(3, 0), (2, 1)] {
            let c = Counts::now();
            with_budget(Budget::units(u16::MAX).slice(ns(1000)), || {
                assert_eq!(spend(ns(100), before_inner), before_inner);
                let inner = with_budget(Budget::units(u16::MAX).slice(us(10)), || {
                    spend(ns(100), u64::MAX)
                });
                assert_eq!(inner, 100, "inner slice: the units that start in it");
                assert_eq!(spend(ns(100), u64::MAX), after_inner, "outer, resumed");
            });
            assert_eq!(c.delta(), (2, 2), "two exhaustions, both by a slice");
        }
    });
}

/// "The slice starts when the budget is first spent from": an outer sliced scope whose first
/// unit comes after an inner unsliced scope ran for hours still gets its whole slice (exactly
/// the 10 units of 100 ns that start in 1 µs).
#[test]
fn an_outer_slice_starts_at_its_first_unit_not_at_scope_entry() {
    let _s = serial();
    on_fresh_thread(|| {
        let c = Counts::now();
        with_budget(Budget::units(u16::MAX).slice(ns(1000)), || {
            assert_eq!(with_budget(5, || spend(HOUR, u64::MAX)), 5);
            assert_eq!(spend(ns(100), u64::MAX), 10);
        });
        assert_eq!(c.delta(), (2, 1));
    });
}

/// A sliced ambient default (64 units, 1 µs); 3 units at 100 ns; then a sliced scope that runs
/// its 5 units without time and panics; after `catch_unwind` the ambient budget goes on exactly
/// as without the scope: 7 more units (10 in all), then the slice's forced yield.
#[test]
fn a_panic_in_a_sliced_scope_leaves_the_sliced_ambient_budget_exactly_as_it_was() {
    let _s = serial();
    set_default_budget(Budget::units(64).slice(ns(1000)));
    for panics in [false, true] {
        let (first, rest, delta) = on_fresh_thread(move || {
            let c = Counts::now();
            let first = spend(ns(100), 3);
            if panics {
                let caught = std::panic::catch_unwind(|| {
                    with_budget(Budget::units(5).slice(ns(50)), || {
                        assert_eq!(spend(Duration::ZERO, u64::MAX), 5);
                        std::panic::panic_any("unwinds");
                    })
                });
                assert!(caught.is_err());
            }
            let rest = spend(ns(100), u64::MAX);
            // The scope's exhaustion (units) is one more forced yield, not a slice's.
            (first, rest, c.delta())
        });
        assert_eq!((first, rest), (3, 7), "panics: {panics}");
        assert_eq!(delta, (1 + u64::from(panics), 1), "panics: {panics}");
    }
    set_default_budget(Budget::DEFAULT);
}

/// A task under `budgeted_with(sliced)` whose loop panics in the middle of a chunk, caught
/// around the poll: the thread's sliced ambient budget is untouched (same units and slice as a
/// run without it), and a second task's budgets are whole.
#[test]
fn a_panic_inside_a_sliced_task_poll_leaves_no_trace() {
    let _s = serial();
    set_default_budget(Budget::units(64).slice(ns(1000)));
    let run = |panics: bool| {
        on_fresh_thread(move || {
            let first = spend(ns(100), 3);
            if panics {
                let task = budgeted_with(Budget::DEFAULT.slice(us(5)), async {
                    for i in 0..1000u64 {
                        consume_budget().await;
                        advance(ns(1));
                        if i == 77 {
                            std::panic::panic_any("mid-chunk");
                        }
                    }
                });
                let mut task = Box::pin(task);
                let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let mut cx = Context::from_waker(Waker::noop());
                    while task.as_mut().poll(&mut cx).is_pending() {}
                }));
                assert!(caught.is_err());
            }
            let rest = spend(ns(100), u64::MAX);
            let after = drive(
                paced(300, |_| ns(10)),
                |_| {},
                |_| Some(Budget::DEFAULT.slice(us(100))),
            );
            (first, rest, iterations(&after))
        })
    };
    let plain = run(false);
    let panicked = run(true);
    // 78 ns of the panicking task's time on the clock: the ambient slice has 78 ns less.
    assert_eq!(plain.0, 3);
    assert_eq!(plain.1, 7);
    assert!(panicked.1 == 7 || panicked.1 == 6, "{panicked:?}");
    assert_eq!(plain.2, panicked.2);
    assert_eq!(plain.2, [128, 128, 44]);
    set_default_budget(Budget::DEFAULT);
}

// ---------------------------------------------------------------------------------------------
// Edge budgets
// ---------------------------------------------------------------------------------------------

/// `Budget::units(1).slice(1 ms)`: one iteration per poll, every forced yield by units; a steady
/// fast loop reads the clock about once every four budgets. And `units(1).slice(1 ns)` with
/// 10 µs iterations: the unit is gone before any check, so the yields are still the units'.
#[test]
fn one_unit_with_a_slice() {
    let _s = serial();
    for slice in [us(1000), ns(1)] {
        let (recs, delta) = on_fresh_thread(move || {
            let c = Counts::now();
            let recs = drive(
                paced(20, |_| us(10)),
                |_| {},
                |_| Some(Budget::units(1).slice(slice)),
            );
            (recs, c.delta())
        });
        assert_eq!(iterations(&recs), [1; 20], "{slice:?}");
        assert_eq!(delta, (19, 0), "{slice:?}");
        let total_reads: u64 = recs.iter().map(|r| r.reads).sum();
        println!("units(1).slice({slice:?}): {total_reads} reads in 20 budgets");
        if slice == us(1000) {
            assert!(total_reads <= 20 / 4 + 3, "{total_reads} reads: {recs:?}");
        }
    }
}

/// `Budget::units(u16::MAX).slice(Duration::ZERO)`: "a slice shorter than an iteration yields at
/// every iteration", even iterations that take no time: one unit per budget, each forced yield
/// the slice's; as a scope, a task's budget and the ambient default.
#[test]
fn a_zero_slice_grants_one_unit_per_budget() {
    let _s = serial();
    let zero = Budget::units(u16::MAX).slice(Duration::ZERO);
    let (recs, delta, scoped) = on_fresh_thread(move || {
        let c = Counts::now();
        let recs = drive(paced(20, |_| Duration::ZERO), |_| {}, |_| Some(zero));
        let scoped = with_budget(zero, || spend(Duration::ZERO, u64::MAX));
        (recs, c.delta(), scoped)
    });
    assert_eq!(iterations(&recs), [1; 20]);
    assert_eq!(scoped, 1);
    assert_eq!(delta, (20, 20));
    set_default_budget(zero);
    assert_eq!(coop_core::default_budget(), zero);
    let (ambient, delta) = on_fresh_thread(|| {
        let c = Counts::now();
        (spend(Duration::ZERO, u64::MAX), c.delta())
    });
    set_default_budget(Budget::DEFAULT);
    assert_eq!((ambient, delta), (1, (1, 1)));
}

/// A slice of 1 ns: iterations that take no time never see it end (all 128 units); iterations
/// of 1 ns see it end at the first check, after the one unit that started it.
#[test]
fn a_one_nanosecond_slice() {
    let _s = serial();
    let one = Budget::DEFAULT.slice(ns(1));
    on_fresh_thread(move || {
        let c = Counts::now();
        assert_eq!(with_budget(one, || spend(Duration::ZERO, u64::MAX)), 128);
        assert_eq!(c.delta(), (1, 0));
        let c = Counts::now();
        assert_eq!(with_budget(one, || spend(ns(1), u64::MAX)), 1);
        assert_eq!(c.delta(), (1, 1));
        let recs = drive(paced(10, |_| ns(1)), |_| {}, |_| Some(one));
        assert_eq!(iterations(&recs), [1; 10]);
    });
}

/// `slice(Duration::MAX)` (saturating at u64::MAX ns, 584 years) is a count of units only, even
/// for iterations of an hour: exactly 128 per poll, no yield by time. As the process default it
/// is "kept to about 78 hours": there, iterations of an hour are cut by time after the 79 that
/// start within it (at most a quarter more).
#[test]
fn a_slice_of_duration_max() {
    let _s = serial();
    let huge = Budget::DEFAULT.slice(Duration::MAX);
    let (recs, delta) = on_fresh_thread(move || {
        let c = Counts::now();
        let recs = drive(paced(128 * 5 + 1, |_| HOUR), |_| {}, |_| Some(huge));
        (recs, c.delta())
    });
    assert_eq!(iterations(&recs), [128, 128, 128, 128, 128, 1]);
    assert_eq!(delta, (5, 0));

    set_default_budget(huge);
    let kept = coop_core::default_budget().time_slice().unwrap();
    assert_eq!(kept, ns((1 << 48) - 2));
    let (granted, delta) = on_fresh_thread(|| {
        let c = Counts::now();
        (spend(HOUR, u64::MAX), c.delta())
    });
    set_default_budget(Budget::DEFAULT);
    assert!((79..=98).contains(&granted), "{granted}");
    assert_eq!(delta, (1, 1));
}

// ---------------------------------------------------------------------------------------------
// Clock jumps, changing paces
// ---------------------------------------------------------------------------------------------

/// A steady 10 ns loop under `DEFAULT.slice(1 ms)` with one iteration of 3 hours in its 21st
/// budget: at most one poll is cut short (by the slice), every other poll runs its 128 units,
/// and the loop is back to about one clock read per four budgets afterwards (a pace measured
/// across the jump does not stick).
#[test]
fn a_clock_jump_of_hours_in_one_iteration() {
    let _s = serial();
    let jump_at = 128 * 20 + 50;
    let (recs, delta) = on_fresh_thread(move || {
        let c = Counts::now();
        let recs = drive(
            paced(
                128 * 80,
                move |i| if i == jump_at { 3 * HOUR } else { ns(10) },
            ),
            |_| {},
            |_| Some(Budget::DEFAULT.slice(us(1000))),
        );
        (recs, c.delta())
    });
    let pending = &recs[..recs.len() - 1];
    let short: Vec<usize> = (0..pending.len())
        .filter(|&i| pending[i].iterations != 128)
        .collect();
    println!(
        "short polls: {short:?}; delta {delta:?}; polls {}",
        recs.len()
    );
    assert!(short.len() <= 1, "{short:?}");
    assert!(delta.1 <= 1);
    assert_eq!(delta.0, pending.len() as u64);
    let tail: u64 = recs[recs.len() - 41..recs.len() - 1]
        .iter()
        .map(|r| r.reads)
        .sum();
    assert!(tail <= 40 / 4 + 2, "{tail} reads in the last 40 budgets");
}

/// A loop whose pace alternates every two budgets: 10 ns, 10 ns, 100 µs, 100 µs, ... under
/// `DEFAULT.slice(1 ms)`. Documented bound outside the precondition: at each slow-down, at most
/// four budgets run whole at the slow pace before a check measures it; each poll still ends
/// after its 128 units. Observed overshoots printed.
#[test]
fn a_loop_alternating_fast_and_slow_budgets() {
    let _s = serial();
    let recs = on_fresh_thread(|| {
        drive(
            paced(128 * 60, |_| PACE.with(Cell::get)),
            |n| PACE.with(|p| p.set(if n % 4 < 2 { ns(10) } else { us(100) })),
            |_| Some(Budget::DEFAULT.slice(us(1000))),
        )
    });
    let bound = us(1000) + us(250) + us(100);
    let mut over = Vec::new();
    for (n, r) in recs.iter().enumerate() {
        assert!(r.iterations <= 128);
        if n % 4 >= 2 && r.took > bound {
            over.push((n, r.took));
        }
    }
    println!("slow polls over the in-precondition bound: {over:?}");
    // Per slow stretch (two polls), at most four budgets whole before a check: trivially
    // within; but the second slow budget of each stretch must be measured.
    for (n, r) in recs.iter().enumerate() {
        if n % 4 == 3 && n + 1 < recs.len() {
            assert!(r.took <= bound, "poll {n}: {r:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tasks and the ambient budget
// ---------------------------------------------------------------------------------------------

/// Two tasks with wakers of their own on one thread's sliced ambient budget (no scope; default
/// 128 units, 1 ms): a fast one (10 ns, 20 budgets) and a slow one (100 µs), polled in turn.
/// Each is held to its own pace: every slow poll within the slice, a quarter and one
/// iteration, except the one that goes on with the budget the fast task ended on (documented
/// for the ambient budget); every fast poll its 128 units, never cut by time.
#[test]
fn two_tasks_on_a_sliced_ambient_budget_keep_their_own_pace() {
    let _s = serial();
    set_default_budget(Budget::DEFAULT.slice(us(1000)));
    let (fast_recs, slow_recs, delta) = on_fresh_thread(|| {
        let c = Counts::now();
        let fast_done = Rc::new(Cell::new(0u64));
        let slow_done = Rc::new(Cell::new(0u64));
        let (f, s) = (fast_done.clone(), slow_done.clone());
        let mut fast = pin!(async move {
            for _ in 0..128 * 20 {
                consume_budget().await;
                f.set(f.get() + 1);
                advance(ns(10));
            }
        });
        let mut slow = pin!(async move {
            for _ in 0..1000 {
                consume_budget().await;
                s.set(s.get() + 1);
                advance(us(100));
            }
        });
        let (_a, wa) = coop_test_support::CountingWaker::new();
        let (_b, wb) = coop_test_support::CountingWaker::new();
        let (mut fr, mut sr) = (Vec::new(), Vec::new());
        let (mut fast_ready, mut slow_ready) = (false, false);
        while !(fast_ready && slow_ready) {
            if !fast_ready {
                let (t, d) = (now(), fast_done.get());
                fast_ready = fast.as_mut().poll(&mut Context::from_waker(&wa)).is_ready();
                fr.push((fast_done.get() - d, now() - t, fast_ready));
            }
            if !slow_ready {
                let (t, d) = (now(), slow_done.get());
                slow_ready = slow.as_mut().poll(&mut Context::from_waker(&wb)).is_ready();
                sr.push((slow_done.get() - d, now() - t, slow_ready));
            }
        }
        (fr, sr, c.delta())
    });
    set_default_budget(Budget::DEFAULT);
    println!("fast {fast_recs:?}\nslow {slow_recs:?}\n{delta:?}");
    let bound = us(1000) + us(250) + us(100);
    // The slow poll right after the fast task ended (on a budget it spent exactly) goes on
    // with the fast task's budget (documented for the ambient budget): skipped. Every slow poll
    // after it starts a fresh budget of the slow task's own.
    let handover = fast_recs.len();
    for (n, (iters, took, _)) in slow_recs.iter().enumerate() {
        if n == handover - 1 {
            continue;
        }
        assert!(
            *took <= bound,
            "slow poll {n}: {iters} iterations, {took:?}"
        );
    }
    let fast_pending: Vec<_> = fast_recs.iter().filter(|r| !r.2).collect();
    for (n, (iters, ..)) in fast_pending.iter().enumerate() {
        assert_eq!(*iters, 128, "fast poll {n}");
    }
    let slow_pending = slow_recs.iter().filter(|r| !r.2).count() as u64;
    // Every slow poll's yield is its slice's, but the handover's: the fast task's budget ran
    // out of units under it.
    assert_eq!(
        delta,
        (fast_pending.len() as u64 + slow_pending, slow_pending - 1),
        "fast {fast_recs:?}\nslow {slow_recs:?}"
    );
}

/// Eight threads at once, each polling its own tasks under budgets with different slices and
/// paces: each thread's records equal those of the same run alone on a fresh thread, and the
/// process-wide counts add up to the runs' own.
#[test]
fn many_threads_with_their_own_sliced_budgets() {
    let _s = serial();
    fn run(k: u64) -> Vec<Rec> {
        let slice = us(100 * (k + 1));
        let units = [128u16, 16, 1, 500, 64, 3, 128, 1000][k as usize];
        drive(
            paced(2000, move |i| ns(100 + (i * 7919 * (k + 1)) % 20_000)),
            |_| {},
            move |_| Some(Budget::units(units).slice(slice)),
        )
    }
    let c = Counts::now();
    let alone: Vec<Vec<Rec>> = (0..8).map(|k| on_fresh_thread(move || run(k))).collect();
    let alone_delta = c.delta();
    let c = Counts::now();
    let together: Vec<Vec<Rec>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8).map(|k| scope.spawn(move || run(k))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(alone, together);
    assert_eq!(alone_delta, c.delta());
    let pending: u64 = alone.iter().map(|r| r.len() as u64 - 1).sum();
    assert_eq!(alone_delta.0, pending);
}

// ---------------------------------------------------------------------------------------------
// Yield points dropped after their forced yield; refunds
// ---------------------------------------------------------------------------------------------

/// In a scope of 65 535 units sliced 1 µs, one call site polled by `now_or_never` at 100 ns a
/// unit: the 10 units that start in the slice, then a forced yield (dropped); from then on, in
/// the spent scope, each time the call site is reached again after a dropped yield it goes on
/// once: None, Some, None, Some, ... The exhaustion counts once, as the slice's.
#[test]
fn a_yield_point_dropped_after_a_slice_yield_in_a_scope() {
    let _s = serial();
    on_fresh_thread(|| {
        let c = Counts::now();
        let pattern = with_budget(Budget::units(u16::MAX).slice(ns(1000)), || {
            let at_one_site = || consume_budget().now_or_never().is_some();
            let mut granted = 0;
            while at_one_site() {
                granted += 1;
                advance(ns(100));
            }
            let mut pattern = vec![granted];
            for _ in 0..10 {
                pattern.push(u64::from(at_one_site()));
                advance(ns(100));
            }
            pattern
        });
        assert_eq!(pattern, [10, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
        assert_eq!(c.delta(), (1, 1));
    });
}

/// The same on a sliced ambient default (65 535 units, 1 µs): each call site reached again after
/// its dropped yield refills the ambient budget, a fresh slice: rounds of exactly 10 units, each
/// ended by the slice, each counted.
#[test]
fn a_yield_point_dropped_after_a_slice_yield_on_the_ambient_budget() {
    let _s = serial();
    set_default_budget(Budget::units(u16::MAX).slice(ns(1000)));
    let (rounds, delta) = on_fresh_thread(|| {
        let c = Counts::now();
        let at_one_site = || consume_budget().now_or_never().is_some();
        let mut rounds = Vec::new();
        for _ in 0..6 {
            let mut granted = 0;
            while at_one_site() {
                granted += 1;
                advance(ns(100));
                assert!(granted < 100_000);
            }
            rounds.push(granted);
        }
        (rounds, c.delta())
    });
    set_default_budget(Budget::DEFAULT);
    assert_eq!(rounds, [10; 6]);
    assert_eq!(delta, (6, 6));
}

/// `select!` dropping a yield point after its forced yield, in a task under sliced budgets: the
/// branch loses to a ready one each time it is forced to yield; the task's polls still end by
/// the slice and the counts match its `Pending` polls.
#[test]
fn select_drops_a_sliced_yield_point() {
    let _s = serial();
    let (recs, delta, winners) = on_fresh_thread(|| {
        let c = Counts::now();
        let winners = Rc::new(Cell::new(0u64));
        let w = winners.clone();
        let task = async move {
            for _ in 0..400 {
                futures::select_biased! {
                    _ = consume_budget().fuse() => {}
                    _ = futures::future::ready(()).fuse() => w.set(w.get() + 1),
                }
                iterate(us(100));
                // A plain yield point after it, so the loop yields at all.
                consume_budget().await;
            }
        };
        let recs = drive(task, |_| {}, |_| Some(Budget::DEFAULT.slice(us(1000))));
        (recs, c.delta(), winners.get())
    });
    let bound = us(1000) + us(250) + 2 * us(100);
    for (n, r) in recs.iter().enumerate() {
        assert!(r.took <= bound, "poll {n}: {r:?}");
    }
    let pending = recs.len() as u64 - 1;
    println!(
        "select: {} polls, {winners} ready wins, {delta:?}",
        recs.len()
    );
    assert!(delta.0 >= pending, "{delta:?} for {pending} pending polls");
    assert_eq!(delta.0, delta.1, "every exhaustion by the slice");
}

/// Refunds in a sliced scope whose slice never ends (no time passes): units handed back by a
/// `RestoreOnPending` dropped without `made_progress` are spent again, across chunk boundaries
/// and with two guards held at once, so exactly the budget's 10 units make progress.
#[test]
fn refunds_in_a_sliced_scope_keep_the_unit_count() {
    let _s = serial();
    on_fresh_thread(|| {
        for seed in 1..20u64 {
            let mut rng = seed;
            let mut next = move || {
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                rng >> 33
            };
            let progress = with_budget(Budget::units(10).slice(us(1000)), || {
                let mut cx = Context::from_waker(Waker::noop());
                let mut progress = 0;
                for _ in 0..1000 {
                    let Poll::Ready(first) = poll_proceed(&mut cx) else {
                        return progress;
                    };
                    if next() % 3 == 0 {
                        // A second guard while the first is held.
                        let Poll::Ready(second) = poll_proceed(&mut cx) else {
                            // Spent: a refund now would come after the forced yield, which
                            // a spent budget does not take back (documented); keep it.
                            first.made_progress();
                            return progress + 1;
                        };
                        if next() % 2 == 0 {
                            drop(first); // refund
                            second.made_progress();
                            progress += 1;
                        } else {
                            second.made_progress();
                            progress += 1;
                            drop(first); // refund, after a later unit
                        }
                    } else if next() % 2 == 0 {
                        first.made_progress();
                        progress += 1;
                    } else {
                        drop(first); // refund
                    }
                }
                panic!("never refused: {progress}");
            });
            assert_eq!(progress, 10, "seed {seed}");
        }
    });
}

/// Refunds do not buy time: under 65 535 units sliced 1 µs at 100 ns per grant, every other
/// guard dropped without progress, the grants (kept or not) still stop at 10..=14; nothing
/// revives the budget after the slice's forced yield.
#[test]
fn refunds_do_not_extend_a_slice() {
    let _s = serial();
    on_fresh_thread(|| {
        let c = Counts::now();
        with_budget(Budget::units(u16::MAX).slice(ns(1000)), || {
            let mut cx = Context::from_waker(Waker::noop());
            let mut grants = 0u64;
            let mut held = None;
            while let Poll::Ready(unit) = poll_proceed(&mut cx) {
                grants += 1;
                advance(ns(100));
                if grants.is_multiple_of(2) {
                    unit.made_progress();
                    held = Some(unit); // kept: its drop gives nothing back
                } else {
                    drop(unit); // refund
                }
                assert!(grants < 1000, "never stopped");
            }
            println!("grants, every other refunded: {grants}");
            // The units that start in the slice, and at most a quarter of it more (a unit
            // that made progress every 200 ns).
            assert!((10..=14).contains(&grants), "{grants}");
            let last = poll_proceed(&mut cx);
            assert!(last.is_pending());
            drop(held);
            assert!(poll_proceed(&mut cx).is_pending(), "a refund revived it");
            assert!(!coop_core::has_budget_remaining());
        });
        assert_eq!(c.delta(), (1, 1));
    });
}

// ---------------------------------------------------------------------------------------------
// #[cooperative] loops
// ---------------------------------------------------------------------------------------------

fn uneven(i: u64) -> Duration {
    match i % 1000 {
        0..300 => ns(50),
        300..600 => us(30),
        _ => ns(100 + (i * 7919) % 80_000),
    }
}

/// Strip-mined: no `.await` in the body.
#[coop_core::cooperative]
async fn strip_mined(n: u64) {
    for i in 0..n {
        iterate(uneven(i));
    }
}

/// Strip-mined, `n` iterations of `pace` each.
#[cfg(feature = "tokio")]
#[coop_core::cooperative]
async fn paced_loop(n: u64, pace: Duration) {
    for _ in 0..n {
        iterate(pace);
    }
}

/// Per iteration: an `.await` in the body, so `#[cooperative]` does not batch it.
#[coop_core::cooperative]
async fn per_iteration(n: u64) {
    for i in 0..n {
        iterate(uneven(i));
        std::future::ready(()).await;
    }
}

/// The same uneven loop, strip-mined and per-iteration, under three sliced budgets and the
/// sliced ambient default: the same polls (iterations, manual time, clock reads) and the same
/// counts, forced and by the slice.
#[test]
fn strip_mined_and_per_iteration_loops_yield_alike_under_slices() {
    let _s = serial();
    let budgets = [
        Some(Budget::DEFAULT.slice(us(1000))),
        Some(Budget::units(16).slice(us(50))),
        Some(Budget::units(u16::MAX).slice(us(200))),
        None,
    ];
    set_default_budget(Budget::units(100).slice(us(300)));
    for budget in budgets {
        let a = on_fresh_thread(move || {
            let c = Counts::now();
            (drive(strip_mined(5000), |_| {}, |_| budget), c.delta())
        });
        let b = on_fresh_thread(move || {
            let c = Counts::now();
            (drive(per_iteration(5000), |_| {}, |_| budget), c.delta())
        });
        assert!(a.1.1 > 0, "{budget:?}: some yields by the slice");
        assert_eq!(a.0.len(), b.0.len(), "{budget:?}");
        assert_eq!(a, b, "{budget:?}");
    }
    set_default_budget(Budget::DEFAULT);
}

// ---------------------------------------------------------------------------------------------
// Tasks moving between threads, one clock per thread
// ---------------------------------------------------------------------------------------------

/// `set_clock`: "The clock is read on one thread at a time per budget, so a clock that keeps one
/// time per thread ... is enough." A steady loop of 100 µs iterations under
/// `budgeted_with(DEFAULT.slice(1 ms))`, its task polled on two threads in turn (as a
/// multi-threaded executor's workers take it), each thread's clock moving only with the
/// iterations it runs, the second 10 µs ahead of the first when the task comes to it. Steady
/// iterations are within the precondition: each poll must end within the slice, a quarter of it
/// and one iteration, on the clock of the thread that polls it.
#[test]
fn a_task_moving_between_threads_with_per_thread_clocks_keeps_its_slice() {
    let _s = serial();
    let log: Arc<Mutex<Vec<(usize, u64, Duration)>>> = Arc::default();
    let polls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (log2, polls2) = (log.clone(), polls.clone());
    let mut inner = Box::pin(budgeted_with(Budget::DEFAULT.slice(us(1000)), async {
        for _ in 0..200 {
            consume_budget().await;
            iterate(us(100));
        }
    }));
    let task = std::future::poll_fn(move |cx| {
        let n = polls2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if n == 1 {
            // The second thread's clock, 10 µs ahead of where the first one's started.
            advance(us(10));
        }
        let (t, d) = (now(), done());
        let polled = inner.as_mut().poll(cx);
        log2.lock().unwrap().push((n, done() - d, now() - t));
        polled
    });
    let threads = coop_test_support::poll_on_threads(2, Box::pin(task), |n| n % 2);
    let log = log.lock().unwrap().clone();
    println!("{} polls on {:?}..; {log:?}", threads.len(), &threads[..4]);
    let bound = us(1000) + us(250) + us(100);
    for (n, iters, took) in &log {
        assert!(*took <= bound, "poll {n}: {iters} iterations took {took:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// tokio
// ---------------------------------------------------------------------------------------------

/// Records each poll of the inner future: iterations and manual time.
#[cfg(feature = "tokio")]
fn recording<F: Future<Output = ()>>(
    fut: F,
    log: Rc<std::cell::RefCell<Vec<(u64, Duration)>>>,
) -> impl Future<Output = ()> {
    let mut fut = Box::pin(fut);
    std::future::poll_fn(move |cx| {
        let (t, d) = (now(), done());
        let polled = fut.as_mut().poll(cx);
        log.borrow_mut().push((done() - d, now() - t));
        SECOND_LOG.with(|l| l.borrow_mut().push(SECOND.with(Cell::get)));
        polled
    })
}

/// Per poll (iterations, manual time); the second branch's running totals; forced yields (all,
/// by a slice).
#[cfg(feature = "tokio")]
type TaskRun = (Vec<(u64, Duration)>, Vec<u64>, (u64, u64));

/// Runs the future `make` builds as a tokio task (`spawn_local` on a current-thread runtime) on
/// a fresh thread: each of its polls' iterations and manual time, the second branch's running
/// totals ([`SECOND_LOG`]), and the forced yields it counted.
#[cfg(feature = "tokio")]
fn in_a_tokio_task<F: Future<Output = ()> + 'static>(make: impl FnOnce() -> F + Send) -> TaskRun {
    on_fresh_thread(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let c = Counts::now();
        let log = Rc::new(std::cell::RefCell::new(Vec::new()));
        let l = log.clone();
        rt.block_on(tokio::task::LocalSet::new().run_until(async move {
            tokio::task::spawn_local(recording(make(), l))
                .await
                .unwrap();
        }));
        let log = log.borrow().clone();
        (log, SECOND_LOG.with(|l| l.borrow().clone()), c.delta())
    })
}

/// With `--features tokio`, the sliced default on the ambient budget inside a tokio task (the
/// units tokio's): a loop of 100 µs iterations is cut by the slice, each task poll within the
/// slice, a quarter and one iteration; all its forced yields the slice's.
#[cfg(feature = "tokio")]
#[test]
fn tokio_a_sliced_default_cuts_a_slow_loop_in_a_tokio_task() {
    let _s = serial();
    set_default_budget(Budget::DEFAULT.slice(us(1000)));
    let (log, _, delta) = in_a_tokio_task(|| paced(300, |_| us(100)));
    set_default_budget(Budget::DEFAULT);
    println!("{} polls: {log:?}; {delta:?}", log.len());
    let bound = us(1000) + us(250) + us(100);
    for (n, (iters, took)) in log.iter().enumerate() {
        assert!(*took <= bound, "poll {n}: {iters} iterations, {took:?}");
    }
    assert_eq!(delta.0, delta.1, "all by the slice");
    assert!(delta.0 >= log.len() as u64 - 1);
}

/// With `--features tokio`: `join!` of two loops of 100 µs iterations in one tokio task, sliced
/// default. "Time per task poll ... at most the slice and a quarter of it, plus one iteration
/// and one more for each branch that goes on after its yield": once the slice is over and one
/// branch yields, the other must not go on for tokio's remaining units.
#[cfg(feature = "tokio")]
#[test]
fn tokio_join_of_two_slow_loops_under_a_sliced_default() {
    let _s = serial();
    set_default_budget(Budget::DEFAULT.slice(us(1000)));
    let (log, second, delta) = in_a_tokio_task(|| async {
        let second = async {
            for _ in 0..300 {
                consume_budget().await;
                SECOND.with(|d| d.set(d.get() + 1));
                iterate(us(100));
            }
        };
        futures::join!(paced(300, |_| us(100)), second);
    });
    println!("second branch's iterations, running total after each poll: {second:?}");
    set_default_budget(Budget::DEFAULT);
    println!(
        "{} polls (iterations of both, time): {log:?}; {delta:?}",
        log.len()
    );
    let bound = us(1000) + us(250) + 2 * us(100);
    let over: Vec<_> = log
        .iter()
        .enumerate()
        .filter(|(_, (_, took))| *took > bound)
        .collect();
    assert!(over.is_empty(), "over the bound: {over:?} of {}", log.len());
}

/// With `--features tokio`: a sliced scope (`budgeted_with`) inside a tokio task keeps its own
/// slice (units and time exact, as without tokio) while tokio's budget is the ambient one.
#[cfg(feature = "tokio")]
#[test]
fn tokio_budgeted_with_a_slice_inside_a_tokio_task() {
    let _s = serial();
    let (log, _, delta) = in_a_tokio_task(|| {
        budgeted_with(
            Budget::units(u16::MAX).slice(us(1000)),
            paced(100, |_| us(100)),
        )
    });
    println!("{log:?} {delta:?}");
    let iters: Vec<u64> = log.iter().map(|r| r.0).collect();
    assert_eq!(iters, [10; 10]);
    assert_eq!(delta, (9, 9));
}

/// The poll that took longest, of a [`recording`] log.
#[cfg(feature = "tokio")]
fn slowest(log: &[(u64, Duration)]) -> (u64, Duration) {
    log.iter()
        .copied()
        .max_by_key(|(_, took)| *took)
        .expect("the task was polled")
}

/// With `--features tokio`: a task's first poll, on a thread whose sliced ambient budget another
/// task's fast loop kept paced, measures its own first unit ("a budget that starts anywhere
/// else (another task, ..) measures its first unit alone"): the fast task's pace and the chunk
/// it carries are not the new task's. Found by a hostile review: a 100 µs loop's first poll ran
/// 46–97 iterations under a 2 ms slice after a 5 µs loop.
#[cfg(feature = "tokio")]
#[test]
fn tokio_a_new_task_after_a_fast_one_measures_its_own_first_unit() {
    let _s = serial();
    set_default_budget(Budget::DEFAULT.slice(us(2000)));
    let firsts = on_fresh_thread(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut firsts = Vec::new();
        for fast_pace in [us(2), us(5), us(10), us(20)] {
            let log = Rc::new(std::cell::RefCell::new(Vec::new()));
            let l = log.clone();
            rt.block_on(tokio::task::LocalSet::new().run_until(async move {
                let fast = tokio::task::spawn_local(paced(4000, move |_| fast_pace));
                // The fast loop runs budgets of its own before the slow task starts.
                for _ in 0..8 {
                    tokio::task::yield_now().await;
                }
                let slow = tokio::task::spawn_local(recording(paced(60, |_| us(100)), l));
                fast.await.unwrap();
                slow.await.unwrap();
            }));
            firsts.push((fast_pace, log.borrow()[0]));
        }
        // The slow task started before, and woken (by a tokio resource, or by a future that
        // spends no tokio unit) while the fast loop runs: its first poll after it.
        for tokio_wakes in [true, false] {
            let log = Rc::new(std::cell::RefCell::new(Vec::new()));
            let l = log.clone();
            rt.block_on(tokio::task::LocalSet::new().run_until(async move {
                // A tokio channel's receive spends a unit of tokio's budget.
                let (tokio_tx, mut tokio_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
                let (tx, rx) = futures::channel::oneshot::channel::<()>();
                let slow = tokio::task::spawn_local(recording(
                    async move {
                        if tokio_wakes {
                            tokio_rx.recv().await.unwrap();
                        } else {
                            rx.await.unwrap();
                        }
                        paced(60, |_| us(100)).await;
                    },
                    l,
                ));
                let fast = tokio::task::spawn_local(paced(4000, |_| us(5)));
                for _ in 0..8 {
                    tokio::task::yield_now().await;
                }
                tokio_tx.send(()).unwrap();
                tx.send(()).unwrap();
                fast.await.unwrap();
                slow.await.unwrap();
            }));
            // The first poll is the one that waits.
            firsts.push((us(5), log.borrow()[1]));
        }
        // Strip-mined loops (`#[cooperative]`) on both sides, the fast one in calls of 1000
        // iterations, the slow one woken five times by the main task.
        for tokio_wakes in [true, false] {
            let log = Rc::new(std::cell::RefCell::new(Vec::new()));
            let l = log.clone();
            rt.block_on(tokio::task::LocalSet::new().run_until(async move {
                let stop = Rc::new(Cell::new(false));
                let (tokio_tx, mut tokio_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
                let (tx, mut rx) = futures::channel::mpsc::unbounded::<()>();
                let slow = tokio::task::spawn_local(recording(
                    async move {
                        for _ in 0..5 {
                            if tokio_wakes {
                                tokio_rx.recv().await.unwrap();
                            } else {
                                futures::StreamExt::next(&mut rx).await.unwrap();
                            }
                            paced_loop(60, us(100)).await;
                        }
                    },
                    l,
                ));
                let st = stop.clone();
                let fast = tokio::task::spawn_local(async move {
                    while !st.get() {
                        paced_loop(1000, us(5)).await;
                    }
                });
                for _ in 0..5 {
                    for _ in 0..8 {
                        tokio::task::yield_now().await;
                    }
                    tokio_tx.send(()).unwrap();
                    tx.unbounded_send(()).unwrap();
                }
                slow.await.unwrap();
                stop.set(true);
                fast.await.unwrap();
            }));
            let worst = slowest(&log.borrow());
            firsts.push((us(5), worst));
        }
        // A fast task that yields by itself (`yield_now`) with units of its budget left: the
        // slow task refills a budget the fast one installed and never exhausted. (With 120 or
        // 127 of the 128 units spent before each yield, the slow task first spends the units
        // left in the fast one's chunk and reserve at its pace, the documented exception, and
        // reads 2.8–5.9 ms a poll: left open.)
        {
            let spent = 64;
            let log = Rc::new(std::cell::RefCell::new(Vec::new()));
            let l = log.clone();
            rt.block_on(tokio::task::LocalSet::new().run_until(async move {
                let stop = Rc::new(Cell::new(false));
                let st = stop.clone();
                let fast = tokio::task::spawn_local(async move {
                    while !st.get() {
                        paced(spent, |_| us(2)).await;
                        tokio::task::yield_now().await;
                    }
                });
                let slow = tokio::task::spawn_local(recording(paced(200, |_| us(100)), l));
                slow.await.unwrap();
                stop.set(true);
                fast.await.unwrap();
            }));
            let worst = slowest(&log.borrow());
            firsts.push((us(2), worst));
        }
        firsts
    });
    set_default_budget(Budget::DEFAULT);
    println!("after a fast loop of (pace), the slow task's first poll: {firsts:?}");
    let bound = us(2000) + us(500) + us(100);
    for (fast_pace, (iterations, took)) in firsts {
        assert!(
            took <= bound,
            "after {fast_pace:?}: {iterations} iterations, {took:?}"
        );
    }
}
