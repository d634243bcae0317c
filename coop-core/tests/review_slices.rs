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

thread_local! {
    static NOW: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    static READS: Cell<u64> = const { Cell::new(0) };
}

fn manual() -> Duration {
    READS.with(|r| r.set(r.get() + 1));
    NOW.with(Cell::get)
}

fn now() -> Duration {
    NOW.with(Cell::get)
}

fn reads() -> u64 {
    READS.with(Cell::get)
}

fn advance(by: Duration) {
    NOW.with(|now| now.set(now.get() + by));
}

fn install() {
    let _ = coop_core::set_clock(manual);
}

fn fresh<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    install();
    std::thread::scope(|s| s.spawn(f).join().unwrap())
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
