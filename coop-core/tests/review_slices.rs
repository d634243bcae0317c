//! Time slices attacked from the docs' words, on a manual per-thread clock: the chunk that
//! reaches past its budget, the slice's bookkeeping across nested scopes, and yield points
//! after their forced yield.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use coop_core::{Budget, consume_budget, with_budget};

use coop_test_support::{
    advance_clock as advance, install_manual_clock, manual_clock_reads as reads,
    manual_time as now, on_fresh_thread,
};

/// On a thread of its own, with the manual clock installed.
fn fresh<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    install_manual_clock();
    on_fresh_thread(f)
}

const fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

/// One poll of a task: iterations run, time it took, clock reads it made.
#[derive(Debug, Clone, Copy)]
struct PollRecord {
    iterations: u64,
    took: Duration,
    reads: u64,
}

/// A loop of `n` iterations, each a yield point then `pace(i)` of manual time; counts into `done`.
async fn paced_loop(n: u64, done: Rc<Cell<u64>>, pace: impl Fn(u64) -> Duration) {
    for i in 0..n {
        consume_budget().await;
        done.set(done.get() + 1);
        advance(pace(i));
    }
}

/// Polls `fut` to completion, each poll inside `with_budget(budget(poll), ..)`, recording each.
fn drive<F: Future>(
    fut: F,
    done: &Rc<Cell<u64>>,
    mut budget: impl FnMut(usize) -> Budget,
) -> Vec<PollRecord> {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    let mut records = Vec::new();
    loop {
        let (start, reads_before, iters_before) = (now(), reads(), done.get());
        let polled = with_budget(budget(records.len()), || fut.as_mut().poll(&mut cx));
        records.push(PollRecord {
            iterations: done.get() - iters_before,
            took: now() - start,
            reads: reads() - reads_before,
        });
        assert!(records.len() < 100_000, "never finished");
        if polled.is_ready() {
            return records;
        }
    }
}

/// The documented bound outside the pace precondition: a loop that slows down suddenly runs at
/// most four budgets at the slow pace, each forced to yield after its units, before a check
/// measures it. Here its budgets shrink from 128 to 8 units (same slice) as it slows from
/// 100 ns to 1 ms an iteration: its last chunk, sized for budgets of 128, must not carry it
/// through more than three budgets unread.
#[test]
fn a_chunk_reaches_at_most_three_budgets_past_its_own_whatever_their_size() {
    fresh(|| {
        let done = Rc::new(Cell::new(0));
        let fast = 128 * 40;
        let records = drive(
            paced_loop(fast + 8 * 20, done.clone(), move |i| {
                if i < fast {
                    Duration::from_nanos(100)
                } else {
                    us(1000)
                }
            }),
            &done,
            |poll| Budget::units(if poll < 40 { 128 } else { 8 }).slice(us(1000)),
        );
        let slow = &records[40..];
        // Up to three budgets past the chunk's own take their units unread.
        assert!(slow.iter().take(4).any(|r| r.reads > 0), "{slow:?}");
        let whole_slow_budgets = slow.iter().take_while(|r| r.iterations == 8).count();
        assert!(
            whole_slow_budgets <= 4,
            "{whole_slow_budgets} budgets of 8 ms under a 1 ms slice: {slow:?}"
        );
        // Once measured, each budget ends within a quarter of the slice and one iteration of it.
        for r in &slow[5..slow.len() - 1] {
            assert!(r.took <= us(1250 + 1000), "{r:?}");
        }
    });
}

/// Spends units through `poll_proceed`, `pace` of manual time each, until one is refused or
/// `cap` are granted; returns how many were granted.
fn spend(pace: Duration, cap: u64) -> u64 {
    let mut cx = Context::from_waker(Waker::noop());
    let mut granted = 0;
    while granted < cap {
        let Poll::Ready(unit) = coop_core::poll_proceed(&mut cx) else {
            break;
        };
        unit.made_progress();
        advance(pace);
        granted += 1;
    }
    granted
}

const fn ns(n: u64) -> Duration {
    Duration::from_nanos(n)
}

/// A steady loop of 100 ns under a slice of 1000 ns is granted the units that start inside the
/// slice, and at most those that start within a quarter of it after (the docs' bound).
fn steady_slice_ok(granted: u64) -> bool {
    (10..=13).contains(&granted)
}

/// Sliced inside unsliced inside sliced, with and without a panic unwinding out of the inner
/// ones: the unsliced scope keeps exactly its units (no slice of its own), the innermost slice
/// runs on its own clock, and the outer slice kept running meanwhile.
#[test]
fn sliced_in_unsliced_in_sliced_scopes_keep_their_own_slices() {
    for panics in [false, true] {
        fresh(move || {
            let outer = Budget::units(u16::MAX).slice(ns(1000));
            with_budget(outer, || {
                assert_eq!(spend(ns(100), 2), 2);
                let middle = || {
                    with_budget(50, || {
                        assert_eq!(spend(ns(100), 20), 20);
                        let inner = std::panic::catch_unwind(|| {
                            with_budget(outer, || {
                                let granted = spend(ns(100), u64::MAX);
                                assert!(steady_slice_ok(granted), "inner: {granted}");
                                if panics {
                                    std::panic::panic_any("unwinds");
                                }
                            })
                        });
                        assert_eq!(inner.is_err(), panics);
                        // No slice here, however long: exactly the 30 units left.
                        advance(us(10));
                        assert_eq!(spend(ns(100), u64::MAX), 30);
                    });
                };
                if panics {
                    let _ = std::panic::catch_unwind(|| {
                        middle();
                        std::panic::panic_any("unwinds through both");
                    });
                } else {
                    middle();
                }
                // The outer slice ended long ago: refused within a chunk of a quarter of it.
                assert!(spend(ns(100), u64::MAX) <= 2);
            });
        });
    }
}

/// `with_unconstrained` inside a sliced scope spends nothing and is never stopped by time; the
/// sliced scope's slice went on meanwhile, and a sliced scope inside it has its own.
#[test]
fn unconstrained_inside_a_sliced_scope() {
    fresh(|| {
        let sliced = Budget::units(u16::MAX).slice(ns(1000));
        with_budget(sliced, || {
            assert_eq!(spend(ns(100), 3), 3);
            coop_core::with_unconstrained(|| {
                assert_eq!(spend(ns(100), 1000), 1000);
                let granted = with_budget(sliced, || spend(ns(100), u64::MAX));
                assert!(steady_slice_ok(granted), "{granted}");
                assert_eq!(spend(ns(100), 1000), 1000);
            });
            assert!(spend(ns(100), u64::MAX) <= 2);
        });
    });
}

/// A sliced ambient default: a sliced scope inside it has its own slice, the ambient slice kept
/// running meanwhile, and once refilled the ambient budget has a fresh slice.
#[test]
fn a_sliced_scope_inside_a_sliced_ambient_budget() {
    fresh(|| {
        coop_core::set_default_budget(Budget::units(u16::MAX).slice(ns(1000)));
        assert_eq!(spend(ns(100), 3), 3);
        let granted = with_budget(Budget::units(u16::MAX).slice(ns(2000)), || {
            spend(ns(100), u64::MAX)
        });
        assert!((20..=23).contains(&granted), "{granted}");
        // A scope without a slice in between, nothing for the ambient slice to keep.
        assert_eq!(with_budget(5, || spend(ns(100), u64::MAX)), 5);
        assert!(spend(ns(100), u64::MAX) <= 2, "the ambient slice is over");
        // The same call site refused again: a new task poll, a fresh ambient slice.
        let granted = spend(ns(100), u64::MAX);
        assert!(steady_slice_ok(granted), "refilled: {granted}");
    });
}

/// Inside one spent scope (an executor nested in the task polls there): a yield point that went
/// on after its forced yield is done, so its drop gives its call site nothing; one dropped
/// before it went on lets its call site go on once. With and without a slice.
#[test]
fn a_completed_yield_point_is_done_and_a_dropped_one_goes_on_once() {
    fresh(|| {
        let mut cx = Context::from_waker(Waker::noop());
        let at_one_site = || consume_budget();
        let mut poll = |fut: &mut coop_core::ConsumeBudget| pin!(fut).poll(&mut cx).is_ready();
        for budget in [Budget::units(1), Budget::units(1).slice(us(1000))] {
            with_budget(budget, || {
                assert!(poll(&mut at_one_site()), "the one unit");
                let mut went_on = at_one_site();
                assert!(!poll(&mut went_on), "spent: forced yield");
                assert!(poll(&mut went_on), "goes on after its yield");
                drop(went_on);
                assert!(!poll(&mut at_one_site()), "it went on: nothing more");
            });
            with_budget(budget, || {
                assert!(poll(&mut at_one_site()));
                let mut dropped = at_one_site();
                assert!(!poll(&mut dropped));
                drop(dropped);
                assert!(
                    poll(&mut at_one_site()),
                    "stands for the dropped one's poll"
                );
                assert!(!poll(&mut at_one_site()), "once");
            });
        }
    });
}

async fn site_loop(n: u64, done: Rc<Cell<u64>>, pace: impl Fn(u64) -> Duration) {
    for i in 0..n {
        consume_budget().await; // the site counted below
        done.set(done.get() + 1);
        advance(pace(i));
    }
}

/// Each task poll that ended `Pending` is one forced yield of the loop's site; those that ended
/// before the budget's units are the slice's, whether or not the budget read the clock.
#[test]
fn a_sites_forced_yields_split_by_units_and_by_slice() {
    let line = include_str!("review_slices.rs")
        .lines()
        .position(|l| l.ends_with("// the site counted below"))
        .unwrap() as u32
        + 1;
    let (records, units) = fresh(|| {
        let done = Rc::new(Cell::new(0));
        let pace = |i: u64| match i % 1000 {
            0..400 => ns(100),
            400..700 => us(100),
            _ => ns(100 + (i * 7919) % 50_000),
        };
        let records = drive(site_loop(5000, done.clone(), pace), &done, |_| {
            Budget::units(16).slice(us(1000))
        });
        (records, 16)
    });
    let pending = &records[..records.len() - 1];
    let by_slice = pending.iter().filter(|r| r.iterations < units).count() as u64;
    let site = coop_core::sites()
        .into_iter()
        .find(|s| s.file() == file!() && s.line() == line)
        .expect("the loop's site");
    assert_eq!(site.forced_yields(), pending.len() as u64);
    assert_eq!(site.time_slice_yields(), by_slice);
    assert!(by_slice > 0 && by_slice < pending.len() as u64);
    let longest = pending.iter().map(|r| r.took).max().unwrap();
    assert!(site.longest_slice() > Duration::ZERO && site.longest_slice() <= longest);
}

/// Two tasks running the same loop at different paces, polled in turn under sliced budgets:
/// each is held to its own pace, never the other's.
#[test]
fn two_tasks_same_loop_different_paces() {
    fresh(|| {
        let slice = us(1000);
        let (fast_done, slow_done) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let mut fast = pin!(paced_loop(128 * 50, fast_done.clone(), |_| ns(100)));
        let mut slow = pin!(paced_loop(200, slow_done.clone(), |_| us(300)));
        let mut cx = Context::from_waker(Waker::noop());
        let budget = Budget::DEFAULT.slice(slice);
        let (mut fast_ready, mut slow_ready) = (false, false);
        while !(fast_ready && slow_ready) {
            if !fast_ready {
                fast_ready = with_budget(budget, || fast.as_mut().poll(&mut cx)).is_ready();
            }
            if !slow_ready {
                let start = now();
                slow_ready = with_budget(budget, || slow.as_mut().poll(&mut cx)).is_ready();
                // Inside the precondition: the slice, a quarter of it, one iteration.
                assert!(
                    now() - start <= slice + slice / 4 + us(300),
                    "{:?}",
                    now() - start
                );
            }
        }
    });
}

/// Branches of one task share its budget's measured pace: a steady slow branch that goes on in
/// the chunk its fast sibling took (the sibling ended there) runs outside the precondition, for
/// what is left of that chunk only; then its own pace is measured and it is held to the slice.
#[test]
fn a_slow_branch_goes_on_in_its_fast_siblings_chunk_for_that_chunk_only() {
    fresh(|| {
        let slice = us(1000);
        let slow_done = Rc::new(Cell::new(0));
        let fut = async {
            futures::join!(
                paced_loop(257, Rc::new(Cell::new(0)), |_| ns(100)),
                paced_loop(400, slow_done.clone(), |_| us(1000)),
            );
        };
        let records = drive(fut, &slow_done, |_| Budget::DEFAULT.slice(slice));
        let over: Vec<_> = records
            .iter()
            .filter(|r| r.took > slice + slice / 4 + us(1000))
            .collect();
        assert!(over.len() <= 1, "{over:?}");
        assert!(records.iter().all(|r| r.iterations <= 128));
    });
}
