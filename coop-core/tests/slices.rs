//! Time slices, counted on a manual clock: when a slice forces a yield, how its checks adapt,
//! the overrun bound, and how slices meet scopes, `unconstrained` and panics. No test reads real
//! time: each moves its own thread's clock by hand.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use coop_core::{
    Budget, budgeted_with, consume_budget, has_budget_remaining, poll_proceed, unconstrained,
    with_budget, with_unconstrained,
};
use coop_test_support::{
    advance_clock, forced_yields_per, install_manual_clock, manual_clock_reads, noop_cx,
    on_fresh_thread, run_counting_yields,
};

const fn ns(n: u64) -> Duration {
    Duration::from_nanos(n)
}

/// Spends units through `poll_proceed`, moving this thread's clock by `pace(i)` after unit `i`
/// (from 0), until one is refused; returns how many were granted and the clock at the refusal,
/// relative to the first unit.
fn spend_paced(mut pace: impl FnMut(u64) -> Duration) -> (u64, Duration) {
    let mut cx = noop_cx();
    let mut elapsed = Duration::ZERO;
    let mut granted = 0;
    while let Poll::Ready(unit) = poll_proceed(&mut cx) {
        unit.made_progress();
        let took = pace(granted);
        advance_clock(took);
        elapsed += took;
        granted += 1;
        assert!(granted <= 1_000_000, "never refused");
    }
    (granted, elapsed)
}

/// Units granted to a steady loop of `pace` per unit under `budget`, on a fresh thread.
fn granted_at_steady_pace(budget: Budget, pace: Duration) -> u64 {
    on_fresh_thread(|| with_budget(budget, || spend_paced(|_| pace).0))
}

#[test]
fn a_slice_ends_the_budget_at_the_first_unit_that_starts_after_it() {
    install_manual_clock();
    let slice = ns(1000);
    // At a steady pace every check lands at or before the slice's end, so exactly the units
    // that start inside the slice are granted: ceil(slice / pace).
    for pace in [1, 7, 99, 100, 101, 250, 333, 999, 1000, 1001, 5000] {
        let granted = granted_at_steady_pace(Budget::units(u16::MAX).slice(slice), ns(pace));
        assert_eq!(granted, 1000u64.div_ceil(pace), "pace {pace} ns");
    }
}

#[test]
fn units_still_end_a_budget_whose_slice_is_not_over() {
    install_manual_clock();
    let budget = Budget::DEFAULT.slice(Duration::from_millis(1));
    assert_eq!(granted_at_steady_pace(budget, ns(10)), 128);
    assert_eq!(granted_at_steady_pace(budget, Duration::ZERO), 128);
    assert_eq!(
        granted_at_steady_pace(Budget::units(5).slice(ns(1000)), ns(1)),
        5
    );
}

#[test]
fn a_budget_without_a_slice_ignores_the_clock() {
    install_manual_clock();
    assert_eq!(
        granted_at_steady_pace(Budget::DEFAULT, Duration::from_secs(1)),
        128
    );
}

#[test]
fn a_steady_loop_overruns_its_slice_by_less_than_one_iteration() {
    install_manual_clock();
    for (slice, pace) in [(1_000_000, 1_000), (1_000_000, 30_000), (1_000, 3), (50, 7)] {
        let (_, at_refusal) = on_fresh_thread(|| {
            with_budget(Budget::units(u16::MAX).slice(ns(slice)), || {
                spend_paced(|_| ns(pace))
            })
        });
        assert!(at_refusal >= ns(slice), "never before the slice ends");
        assert!(
            at_refusal < ns(slice + pace),
            "{slice}/{pace}: {at_refusal:?}"
        );
    }
}

/// The guarantee: at most a quarter of the slice plus one iteration late, when at most one
/// iteration of a check interval is slower than the pace the previous interval measured. Here
/// one iteration in `every` is `slow` and the rest `fast`, spaced wider than a check interval at
/// the fast pace (a quarter of the slice), for many phases and slices.
#[test]
fn one_slow_iteration_per_interval_overruns_by_at_most_a_quarter_slice_plus_that_iteration() {
    install_manual_clock();
    let mut checked = 0;
    for slice in [1_000u64, 10_000, 1_000_000] {
        for (fast, slow) in [(1u64, 2_000u64), (100, 2_000_000), (10, 400), (3, 7)] {
            let every = 2 * (slice / 4 / fast) + 2;
            for phase in (0..60).map(|j| j * every / 60) {
                let pace = |i: u64| {
                    ns(if (i + phase).is_multiple_of(every) {
                        slow
                    } else {
                        fast
                    })
                };
                let (_, late) = on_fresh_thread(|| {
                    with_budget(Budget::units(u16::MAX).slice(ns(slice)), || {
                        spend_paced(pace)
                    })
                });
                let bound = ns(slice + slice / 4 + slow);
                assert!(
                    late <= bound,
                    "slice {slice}, {fast}/{slow}/{every} @ {phase}: {late:?}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3 * 4 * 60);
}

/// The bursty loop of the benchmarks under the default units: one slow iteration in 500 lands
/// in a budget of 128 units, and the slice cannot make that budget end before the iteration
/// does, but it ends the budget right after it.
#[test]
fn a_bursty_loop_under_the_default_units_yields_right_after_its_slow_iteration() {
    install_manual_clock();
    let slice = Duration::from_millis(1);
    for phase in [0u64, 1, 64, 126, 127] {
        let (granted, late) = on_fresh_thread(|| {
            with_budget(Budget::DEFAULT.slice(slice), || {
                spend_paced(|i| {
                    if i == phase {
                        Duration::from_millis(2)
                    } else {
                        ns(100)
                    }
                })
            })
        });
        assert!(
            late <= slice + slice / 4 + Duration::from_millis(2),
            "{phase}: {late:?}"
        );
        assert!(
            granted <= u64::from(coop_core::DEFAULT_BUDGET),
            "{phase}: {granted}"
        );
    }
}

#[test]
fn checks_adapt_slow_loops_check_every_unit_fast_loops_double_their_chunks() {
    install_manual_clock();
    let reads = |budget: Budget, pace: Duration| {
        on_fresh_thread(|| {
            let before = manual_clock_reads();
            let granted = with_budget(budget, || spend_paced(|_| pace).0);
            (granted, manual_clock_reads() - before)
        })
    };
    // Slower than a quarter of the slice per unit: every unit is a check, and the fifth finds
    // the slice over.
    assert_eq!(
        reads(Budget::units(u16::MAX).slice(ns(1000)), ns(300)),
        (4, 5)
    );
    // Fast: the first unit starts the slice, then chunks of 2, 4, .. 64 and the last unit; the
    // units end the budget without another read.
    assert_eq!(reads(Budget::DEFAULT.slice(ns(1_000_000)), ns(1)), (128, 8));
    // In between: 10 ns a unit, a 4 µs slice; chunks grow to 100 units (a quarter of the slice)
    // and shrink towards its end.
    let (granted, checks) = reads(Budget::units(u16::MAX).slice(ns(4000)), ns(10));
    assert_eq!(granted, 400);
    assert!((8..=16).contains(&checks), "{checks} checks");
    // No slice: no read at all.
    assert_eq!(reads(Budget::DEFAULT, ns(1)), (128, 0));
}

#[test]
fn an_uneven_loop_is_measured_over_growing_chunks_and_its_slice_holds() {
    install_manual_clock();
    // One iteration in 16 takes 256 µs, the others 1 µs: 128 of them take 2.2 ms, and a pace
    // measured over one light unit would make a chunk of the whole budget.
    let slice = Duration::from_millis(1);
    let heavy = Duration::from_micros(256);
    for phase in [0u64, 1, 8, 15] {
        let (granted, late) = on_fresh_thread(|| {
            with_budget(Budget::DEFAULT.slice(slice), || {
                spend_paced(|i| {
                    if (i + phase) % 16 == 0 {
                        heavy
                    } else {
                        ns(1000)
                    }
                })
            })
        });
        assert!(
            granted < 128,
            "{phase}: the slice ended the budget, not the units"
        );
        assert!(late <= slice + slice / 4 + heavy, "{phase}: {late:?}");
    }
}

#[test]
fn a_time_sliced_task_yields_once_per_slice_and_resumes_on_a_fresh_one() {
    install_manual_clock();
    // 100 ns per iteration, a 1 µs slice: ten iterations per poll, whatever the units.
    let ((), yields) = on_fresh_thread(|| {
        run_counting_yields(budgeted_with(
            Budget::units(u16::MAX).slice(ns(1000)),
            async {
                for _ in 0..1000 {
                    consume_budget().await;
                    advance_clock(ns(100));
                }
            },
        ))
    });
    assert_eq!(yields, forced_yields_per(10, 1000));
}

#[test]
fn the_inserted_yield_point_yields_by_time_like_consume_budget() {
    install_manual_clock();
    let ((), yields) = on_fresh_thread(|| {
        run_counting_yields(budgeted_with(
            Budget::units(u16::MAX).slice(ns(1000)),
            async {
                for _ in 0..1000 {
                    coop_core::__private::yield_point!();
                    advance_clock(ns(100));
                }
            },
        ))
    });
    assert_eq!(yields, forced_yields_per(10, 1000));
}

#[test]
fn unconstrained_code_is_never_forced_to_yield_by_time() {
    install_manual_clock();
    let (yields, left) = on_fresh_thread(|| {
        with_budget(Budget::units(3).slice(ns(1000)), || {
            let (_, yields) = run_counting_yields(unconstrained(async {
                for _ in 0..10_000 {
                    consume_budget().await;
                    advance_clock(Duration::from_secs(1));
                }
            }));
            with_unconstrained(|| {
                for _ in 0..100 {
                    assert!(poll_proceed(&mut noop_cx()).is_ready());
                    advance_clock(Duration::from_secs(1));
                }
            });
            // The surrounding slice never started: nothing was spent from it.
            (yields, spend_paced(|_| Duration::ZERO).0)
        })
    });
    assert_eq!((yields, left), (0, 3));
}

#[test]
fn an_inner_slice_that_ends_leaves_the_outer_budget_as_it_was() {
    install_manual_clock();
    let outer = on_fresh_thread(|| {
        with_budget(Budget::units(10).slice(ns(1_000_000)), || {
            let mut cx = noop_cx();
            for _ in 0..4 {
                let Poll::Ready(unit) = poll_proceed(&mut cx) else {
                    panic!("the outer budget has units")
                };
                unit.made_progress();
            }
            let inner = with_budget(Budget::units(100).slice(ns(1000)), || {
                spend_paced(|_| ns(500)).0
            });
            assert_eq!(inner, 2);
            spend_paced(|_| Duration::ZERO).0
        })
    });
    assert_eq!(outer, 6);
}

#[test]
fn a_panic_inside_a_sliced_scope_restores_the_outer_one() {
    install_manual_clock();
    let left = on_fresh_thread(|| {
        with_budget(Budget::units(4).slice(ns(1000)), || {
            let caught = std::panic::catch_unwind(|| {
                with_budget(Budget::units(100).slice(ns(10)), || {
                    let _ = spend_paced(|_| ns(5));
                    panic!("inside a sliced scope");
                })
            });
            assert!(caught.is_err());
            spend_paced(|_| ns(100)).0
        })
    });
    assert_eq!(left, 4);
}

#[test]
fn a_slice_is_noticed_by_the_next_check_not_by_has_budget_remaining() {
    install_manual_clock();
    on_fresh_thread(|| {
        with_budget(Budget::units(10).slice(ns(100)), || {
            let mut cx = noop_cx();
            let Poll::Ready(unit) = poll_proceed(&mut cx) else {
                panic!("a fresh budget")
            };
            unit.made_progress();
            advance_clock(ns(1000));
            // The clock is only read by a yield point.
            assert!(has_budget_remaining());
            assert!(poll_proceed(&mut cx).is_pending());
            assert!(!has_budget_remaining());
        });
    });
}

#[test]
fn consume_budget_completes_after_a_time_slice_yield() {
    install_manual_clock();
    on_fresh_thread(|| {
        with_budget(Budget::units(10).slice(ns(100)), || {
            let Poll::Ready(unit) = poll_proceed(&mut noop_cx()) else {
                panic!("fresh")
            };
            unit.made_progress();
            advance_clock(ns(100));
            let mut fut = pin!(consume_budget());
            assert!(fut.as_mut().poll(&mut noop_cx()).is_pending());
            assert!(fut.as_mut().poll(&mut noop_cx()).is_ready());
        });
    });
}

/// `units` units through one `consume_budget()` call site, `pace` of manual time each.
async fn paced_loop(units: u64, pace: Duration) {
    for _ in 0..units {
        consume_budget().await;
        advance_clock(pace);
    }
}

/// The same, through another call site.
async fn other_paced_loop(units: u64, pace: Duration) {
    for _ in 0..units {
        consume_budget().await;
        advance_clock(pace);
    }
}

#[test]
fn a_loop_that_goes_on_after_its_forced_yield_reads_the_clock_once_per_chunk_of_budgets() {
    install_manual_clock();
    let (yields, reads) = on_fresh_thread(|| {
        let before = manual_clock_reads();
        let sliced = Budget::DEFAULT.slice(Duration::from_millis(1));
        let ((), yields) = run_counting_yields(budgeted_with(sliced, paced_loop(1000, ns(1))));
        (yields, manual_clock_reads() - before)
    });
    // Seven budgets end by their units. The first reads at its start and as its chunks double
    // (8 reads); the seven that resume the same yield point take all their units in their
    // first chunk, and that chunk doubles across budgets: budgets 1, 3 and 7 read the clock,
    // 2, 4, 5 and 6 go on their chunk without a read.
    assert_eq!(yields, 7);
    assert_eq!(reads, 8 + 3);
}

#[test]
fn a_budget_that_starts_at_another_yield_point_measures_its_first_unit_alone() {
    install_manual_clock();
    let yields = on_fresh_thread(|| {
        // A fast loop yields by its units and leaves its pace behind...
        let fast = Budget::DEFAULT.slice(ns(1000));
        run_counting_yields(budgeted_with(fast, paced_loop(300, ns(1))));
        // ...which a slow loop elsewhere does not inherit: four units per 1 µs slice.
        let slow = Budget::units(u16::MAX).slice(ns(1000));
        run_counting_yields(budgeted_with(slow, other_paced_loop(20, ns(300)))).1
    });
    assert_eq!(yields, forced_yields_per(4, 20));
}

/// A loop that ran fast, then slows down for good: the budget it slows down in, and at most the
/// three after it that its last chunk reached, run at the old pace (each still yields after its
/// units); every budget after that measures the new pace and ends within its slice. Wherever the
/// slowdown falls among the fast loop's chunks.
#[test]
fn a_loop_that_slows_down_is_measured_again_within_four_budgets() {
    install_manual_clock();
    let slice = Duration::from_millis(1);
    for fast in [10_000, 10_050, 10_200, 10_400, 10_700] {
        let polls = on_fresh_thread(|| {
            let mut polls: Vec<Duration> = Vec::new();
            let mut task = Box::pin(budgeted_with(
                Budget::DEFAULT.slice(slice),
                changing_pace_loop(fast, ns(10), 1_000, Duration::from_millis(1)),
            ));
            let mut cx = noop_cx();
            loop {
                let started = coop_test_support::manual_now();
                let done = task.as_mut().poll(&mut cx).is_ready();
                polls.push(coop_test_support::manual_now() - started);
                if done {
                    break polls;
                }
            }
        });
        // A poll at the old pace holds the thread for its 128 units; one at the new pace for at
        // most the slice, a quarter of it, and one iteration.
        let bound = slice + slice / 4 + Duration::from_millis(1);
        let over: Vec<usize> = (0..polls.len()).filter(|&i| polls[i] > bound).collect();
        assert!(!over.is_empty() && over.len() <= 4, "{fast}: {over:?}");
        assert_eq!(
            over,
            (over[0]..over[0] + over.len()).collect::<Vec<_>>(),
            "{fast}"
        );
        assert!(polls.len() - over[0] > 100, "{fast}: {} polls", polls.len());
    }
}

/// Two tasks run the same loop under different slices on one thread: each budget sizes its first
/// chunk against its own slice, not the other task's.
#[test]
fn a_pace_measured_under_one_slice_is_not_stretched_over_another() {
    install_manual_clock();
    let held = on_fresh_thread(|| {
        let pace = Duration::from_millis(1);
        let mut long = Box::pin(budgeted_with(
            Budget::units(u16::MAX).slice(Duration::from_millis(400)),
            paced_loop(2_000, pace),
        ));
        let mut short = Box::pin(budgeted_with(
            Budget::units(u16::MAX).slice(Duration::from_millis(4)),
            paced_loop(2_000, pace),
        ));
        let mut cx = noop_cx();
        let mut worst_short = Duration::ZERO;
        for _ in 0..5 {
            let _ = long.as_mut().poll(&mut cx);
            let started = coop_test_support::manual_now();
            let _ = short.as_mut().poll(&mut cx);
            worst_short = worst_short.max(coop_test_support::manual_now() - started);
        }
        worst_short
    });
    // 4 ms, a quarter of it, and one iteration.
    assert!(held <= Duration::from_millis(6), "held {held:?}");
}

/// `fast` iterations at `fast_pace`, then `slow` at `slow_pace`, through one yield point.
async fn changing_pace_loop(fast: u64, fast_pace: Duration, slow: u64, slow_pace: Duration) {
    for i in 0..fast + slow {
        consume_budget().await;
        advance_clock(if i < fast { fast_pace } else { slow_pace });
    }
}

/// `cooperative(fut)` in a scope that is never refreshed (a nested `block_on` inside one task
/// poll): after its forced yield it goes on, as `consume_budget()` does, instead of returning
/// `Pending` for ever.
#[test]
fn cooperative_futures_go_on_after_their_forced_yield_in_a_scope_never_refreshed() {
    let polls = on_fresh_thread(|| {
        with_budget(4, || {
            let mut polls = 0;
            let mut task = Box::pin(async {
                for _ in 0..10 {
                    coop_core::cooperative(async {}).await;
                }
            });
            let mut cx = noop_cx();
            while task.as_mut().poll(&mut cx).is_pending() {
                polls += 1;
                assert!(polls < 1000, "livelock");
            }
            polls
        })
    });
    // Four units, then one forced yield per remaining future.
    assert_eq!(polls, 6);
}
