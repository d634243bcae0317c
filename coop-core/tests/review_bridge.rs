//! Hostile review of the `tokio` feature (the bridge): strip-mined loops on tokio's budget, on
//! schedules and shapes other than the obvious. Every test takes `SERIAL` (forced-yield counts,
//! sites and the default budget are process-wide) and runs its body on a fresh thread with a
//! timeout.
#![cfg(feature = "tokio")]

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod review_common;
use review_common::*;

use coop_core::{Budget, budgeted, budgeted_with, forced_yield_count};
use futures::FutureExt;

/// The most a strip-mined loop's first batch runs before it reads tokio's budget (docs).
const FIRST_LEND: u64 = 16;

const LENGTHS: [u64; 8] = [0, 1, 127, 128, 129, 255, 256, 10_000];

/// Forced yields counted at the sites of `#[cooperative]` fn `name` in this file.
fn site_yields(name: &str) -> u64 {
    let suffix = format!("::{name}");
    coop_core::sites()
        .iter()
        .filter(|s| s.file() == file!() && s.function().ends_with(&suffix))
        .map(|s| s.forced_yields())
        .sum()
}

fn new_log<T>() -> Arc<Mutex<Vec<T>>> {
    Arc::new(Mutex::new(Vec::new()))
}

fn take<T: Clone>(log: &Arc<Mutex<Vec<T>>>) -> Vec<T> {
    log.lock().unwrap().clone()
}

// ---------------------------------------------------------------------------------------------
// Strip-mined loops (no .await, no nested loop, no macro).

#[coop_core::cooperative]
async fn count_to(n: u64, it: &AtomicU64) {
    for _ in 0..n {
        it.fetch_add(1, SeqCst);
    }
}

#[coop_core::cooperative]
async fn count_while(n: u64, it: &AtomicU64) {
    let mut i = 0;
    while i < n {
        i += 1;
        it.fetch_add(1, SeqCst);
    }
}

/// Leaves by `break` at the iteration that makes `it` reach `stop` (that iteration's unit spent).
#[coop_core::cooperative]
async fn exit_break(stop: u64, it: &AtomicU64) {
    loop {
        let n = it.fetch_add(1, SeqCst) + 1;
        if n >= stop {
            break;
        }
    }
}

#[coop_core::cooperative]
async fn exit_return(stop: u64, it: &AtomicU64) -> u64 {
    for i in 0..100_000u64 {
        let n = it.fetch_add(1, SeqCst) + 1;
        if n >= stop {
            return i;
        }
    }
    0
}

fn fails_at(n: u64, stop: u64) -> Result<(), u64> {
    if n >= stop { Err(n) } else { Ok(()) }
}

#[coop_core::cooperative]
async fn exit_question(stop: u64, it: &AtomicU64) -> Result<(), u64> {
    for _ in 0..100_000u64 {
        let n = it.fetch_add(1, SeqCst) + 1;
        fails_at(n, stop)?;
    }
    Ok(())
}

fn explode_at(n: u64, stop: u64) {
    if n >= stop {
        std::panic::panic_any("review: planned panic");
    }
}

#[coop_core::cooperative]
async fn exit_panic(stop: u64, it: &AtomicU64) {
    for _ in 0..100_000u64 {
        let n = it.fetch_add(1, SeqCst) + 1;
        explode_at(n, stop);
    }
}

/// Runs until `step(iteration)` says stop.
#[coop_core::cooperative]
async fn hot_until(mut step: impl FnMut(u64) -> bool, it: &AtomicU64) {
    loop {
        let n = it.fetch_add(1, SeqCst) + 1;
        if step(n) {
            break;
        }
    }
}

/// A loop with an .await and a strip-mined loop nested in it.
#[coop_core::cooperative]
async fn nested(rounds: u64, inner: u64, outer_it: &AtomicU64, inner_it: &AtomicU64) {
    for _ in 0..rounds {
        outer_it.fetch_add(1, SeqCst);
        tokio::task::coop::consume_budget().await;
        for _ in 0..inner {
            inner_it.fetch_add(1, SeqCst);
        }
    }
}

fn spin(d: Duration) {
    let t = Instant::now();
    while t.elapsed() < d {
        std::hint::spin_loop();
    }
}

#[coop_core::cooperative]
async fn slow_loop(n: u64, each: Duration, it: &AtomicU64) {
    for _ in 0..n {
        spin(each);
        it.fetch_add(1, SeqCst);
    }
}

async fn recv_all(mut rx: tokio::sync::mpsc::Receiver<u64>, got: &AtomicU64) {
    while rx.recv().await.is_some() {
        got.fetch_add(1, SeqCst);
    }
}

async fn tokio_spend(n: u64, spent: &AtomicU64) {
    for _ in 0..n {
        tokio::task::coop::consume_budget().await;
        spent.fetch_add(1, SeqCst);
    }
}

async fn coop_spend(n: u64, spent: &AtomicU64) {
    for _ in 0..n {
        coop_core::consume_budget().await;
        spent.fetch_add(1, SeqCst);
    }
}

fn filled_channel(n: u64) -> tokio::sync::mpsc::Receiver<u64> {
    let (tx, rx) = tokio::sync::mpsc::channel(n.max(1) as usize);
    for i in 0..n {
        tx.try_send(i).unwrap();
    }
    rx
}

/// One loop of `k` iterations as a tokio task: (iterations per poll, tokio units left after the
/// loop in its last poll, forced-yield delta, site delta).
fn loop_in_task(
    rt: &tokio::runtime::Runtime,
    k: u64,
    use_while: bool,
) -> (Vec<u64>, u64, u64, u64) {
    let it = Arc::new(AtomicU64::new(0));
    let log = new_log();
    let (f0, s0) = (
        forced_yield_count(),
        site_yields("count_to") + site_yields("count_while"),
    );
    let left = rt.block_on({
        let it = it.clone();
        let snap = it.clone();
        let log = log.clone();
        async move {
            tokio::spawn(logged(
                async move {
                    if use_while {
                        count_while(k, &it).await;
                    } else {
                        count_to(k, &it).await;
                    }
                    tokio_units_left()
                },
                move || snap.load(SeqCst),
                log,
            ))
            .await
            .unwrap()
        }
    });
    (
        diffs(&take(&log)),
        left,
        forced_yield_count() - f0,
        site_yields("count_to") + site_yields("count_while") - s0,
    )
}

fn check_lengths(rt_name: &str, make: fn() -> tokio::runtime::Runtime) {
    let mut failures = Vec::new();
    for use_while in [false, true] {
        for k in LENGTHS {
            let (per_poll, left, yields, site) = timed(60, move || {
                let rt = make();
                loop_in_task(&rt, k, use_while)
            });
            let want = expected_per_poll(k, B);
            let want_yields = want.len() as u64 - 1;
            let want_left = B - want.last().copied().unwrap();
            let got = (compress(&per_poll), left, yields, site);
            let exp = (compress(&want), want_left, want_yields, want_yields);
            if got != exp {
                failures.push(format!(
                    "{rt_name} while={use_while} k={k}: (per poll, tokio left, forced yields, site) got {got:?}, want {exp:?}"
                ));
            }
        }
    }
    check(failures);
}

#[test]
fn lengths_in_current_thread_task() {
    let _g = serial();
    check_lengths("current_thread", current_thread);
}

#[test]
fn lengths_in_multi_thread_task() {
    let _g = serial();
    check_lengths("multi_thread(2)", || multi_thread(2));
}

/// The root future of `Runtime::block_on` (not a spawned task).
#[test]
fn lengths_as_block_on_root_future() {
    let _g = serial();
    let mut failures = Vec::new();
    for multi in [false, true] {
        for k in LENGTHS {
            let (per_poll, yields) = timed(60, move || {
                let rt = if multi {
                    multi_thread(2)
                } else {
                    current_thread()
                };
                let it = Arc::new(AtomicU64::new(0));
                let log = new_log();
                let f0 = forced_yield_count();
                let snap = it.clone();
                rt.block_on(logged(
                    async { count_to(k, &it).await },
                    move || snap.load(SeqCst),
                    log.clone(),
                ));
                (diffs(&take(&log)), forced_yield_count() - f0)
            });
            let want = expected_per_poll(k, B);
            if (compress(&per_poll), yields) != (compress(&want), want.len() as u64 - 1) {
                failures.push(format!(
                    "block_on multi={multi} k={k}: per poll {} (yields {yields}), want {}",
                    compress(&per_poll),
                    compress(&want)
                ));
            }
        }
    }
    check(failures);
}

#[test]
fn local_set_spawn_local() {
    let _g = serial();
    let (per_poll, yields, left) = timed(60, || {
        let rt = current_thread();
        let local = tokio::task::LocalSet::new();
        let it = std::rc::Rc::new(AtomicU64::new(0));
        let log = new_log();
        let f0 = forced_yield_count();
        let left = local.block_on(&rt, {
            let it = it.clone();
            let snap = it.clone();
            let log = log.clone();
            async move {
                tokio::task::spawn_local(logged(
                    async move {
                        count_to(1000, &it).await;
                        tokio_units_left()
                    },
                    move || snap.load(SeqCst),
                    log,
                ))
                .await
                .unwrap()
            }
        });
        (diffs(&take(&log)), forced_yield_count() - f0, left)
    });
    assert_eq!(
        (compress(&per_poll), yields, left),
        ("128x7,104".to_string(), 7, 128 - 104)
    );
}

/// Many tasks running the same loop fn: each gets 128 per poll, every forced yield counted once
/// and at the one site.
#[test]
fn many_tasks_same_loop() {
    let _g = serial();
    let mut failures = Vec::new();
    for (name, workers) in [("current_thread", 0usize), ("multi_thread(2)", 2)] {
        let (per_task, yields, site) = timed(120, move || {
            let rt = if workers == 0 {
                current_thread()
            } else {
                multi_thread(workers)
            };
            let f0 = forced_yield_count();
            let s0 = site_yields("count_to");
            let per_task = rt.block_on(async {
                let mut handles = Vec::new();
                for _ in 0..16 {
                    let it = Arc::new(AtomicU64::new(0));
                    let snap = it.clone();
                    let log = new_log();
                    let l2 = log.clone();
                    handles.push((
                        tokio::spawn(logged(
                            async move { count_to(1000, &it).await },
                            move || snap.load(SeqCst),
                            l2,
                        )),
                        log,
                    ));
                }
                let mut out = Vec::new();
                for (h, log) in handles {
                    h.await.unwrap();
                    out.push(compress(&diffs(&take(&log))));
                }
                out
            });
            (
                per_task,
                forced_yield_count() - f0,
                site_yields("count_to") - s0,
            )
        });
        for (i, p) in per_task.iter().enumerate() {
            if p != "128x7,104" {
                failures.push(format!("{name} task {i}: per poll {p}, want 128x7,104"));
            }
        }
        if (yields, site) != (16 * 7, 16 * 7) {
            failures.push(format!(
                "{name}: forced yields {yields}, site {site}, want 112 and 112"
            ));
        }
    }
    check(failures);
}

/// Minimal reproducer for `many_tasks_same_loop`: `tasks` tasks spawned together on a
/// current_thread runtime, each a loop of `len`. Each task poll is a tokio task poll with tokio's
/// fresh 128 units, so each task runs expected_per_poll(len, 128).
#[test]
fn concurrent_tasks_each_get_128_per_poll() {
    let _g = serial();
    let mut failures = Vec::new();
    for tasks in [2usize, 3] {
        for len in [200u64, 1000] {
            let (per_task, yields) = timed(60, move || {
                let rt = current_thread();
                let f0 = forced_yield_count();
                let per_task = rt.block_on(async {
                    let mut hs = Vec::new();
                    for _ in 0..tasks {
                        let it = Arc::new(AtomicU64::new(0));
                        let snap = it.clone();
                        let log = new_log();
                        hs.push((
                            tokio::spawn(logged(
                                async move { count_to(len, &it).await },
                                move || snap.load(SeqCst),
                                log.clone(),
                            )),
                            log,
                        ));
                    }
                    let mut out = Vec::new();
                    for (h, log) in hs {
                        h.await.unwrap();
                        out.push(compress(&diffs(&take(&log))));
                    }
                    out
                });
                (per_task, forced_yield_count() - f0)
            });
            let want = expected_per_poll(len, B);
            let want_yields = tasks as u64 * (want.len() as u64 - 1);
            if per_task.iter().any(|p| *p != compress(&want)) || yields != want_yields {
                failures.push(format!(
                    "{tasks} tasks x {len}: per poll {per_task:?} (forced yields {yields}), want {} each ({want_yields})",
                    compress(&want)
                ));
            }
        }
    }
    check(failures);
}

// ---------------------------------------------------------------------------------------------
// join! / select! / FuturesUnordered

/// Per task poll: (loop iterations, other branch's count), cumulative.
fn join_in_task(which: &'static str) -> (Vec<(u64, u64)>, u64) {
    timed(60, move || {
        let rt = current_thread();
        let it = Arc::new(AtomicU64::new(0));
        let other = Arc::new(AtomicU64::new(0));
        let log = new_log();
        let f0 = forced_yield_count();
        rt.block_on({
            let (it, other) = (it.clone(), other.clone());
            let (s1, s2) = (it.clone(), other.clone());
            let log = log.clone();
            async move {
                tokio::spawn(logged(
                    async move {
                        match which {
                            "futures::join!(loop, recv)" => {
                                let rx = filled_channel(300);
                                futures::join!(count_to(300, &it), recv_all(rx, &other));
                            }
                            "futures::join!(recv, loop)" => {
                                let rx = filled_channel(300);
                                futures::join!(recv_all(rx, &other), count_to(300, &it));
                            }
                            "tokio::join!(loop, recv)" => {
                                let rx = filled_channel(300);
                                tokio::join!(count_to(300, &it), recv_all(rx, &other));
                            }
                            "futures::join!(loop, tokio consume_budget)" => {
                                futures::join!(count_to(300, &it), tokio_spend(300, &other));
                            }
                            "futures::join!(tokio consume_budget, loop)" => {
                                futures::join!(tokio_spend(300, &other), count_to(300, &it));
                            }
                            "futures::join!(loop, coop consume_budget)" => {
                                futures::join!(count_to(300, &it), coop_spend(300, &other));
                            }
                            "tokio::join!(loop, tokio consume_budget)" => {
                                tokio::join!(count_to(300, &it), tokio_spend(300, &other));
                            }
                            _ => unreachable!(),
                        }
                    },
                    move || (s1.load(SeqCst), s2.load(SeqCst)),
                    log,
                ))
                .await
                .unwrap()
            }
        });
        (take(&log), forced_yield_count() - f0)
    })
}

fn per_poll_pairs(log: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut prev = (0, 0);
    log.iter()
        .map(|&(a, b)| {
            let d = (a - prev.0, b - prev.1);
            prev = (a, b);
            d
        })
        .collect()
}

/// Loop polled first. Its first task poll charges tokio for its units, so the receiving branch
/// finds tokio's budget spent; in the polls it resumes after its own forced yield and ends with
/// the next one, tokio is not charged, and the other branch finds tokio's budget as the loop
/// found it (docs), less the unit the loop's resumed yield point took.
#[test]
fn join_loop_first_then_tokio_resource() {
    let _g = serial();
    let mut failures = Vec::new();
    for which in [
        "futures::join!(loop, recv)",
        "futures::join!(loop, tokio consume_budget)",
    ] {
        let (log, yields) = join_in_task(which);
        let pp = per_poll_pairs(&log);
        let want = vec![(128, 0), (128, 127), (44, 84), (0, 89)];
        if pp != want || yields != 2 {
            failures.push(format!(
                "{which}: per poll (loop, other) {pp:?}, forced yields {yields}; want {want:?}, 2"
            ));
        }
    }
    check(failures);
}

/// The other order: tokio's resource spends tokio's budget first, then the loop. Docs: one
/// budget per task poll, shared; the loop "yields when the ambient budget is spent, or at a batch
/// end that finds tokio's budget spent". Asserts that no task poll runs more than 128 units of
/// work (loop iterations + tokio units) plus one.
#[test]
fn join_tokio_resource_first_then_loop() {
    let _g = serial();
    let mut failures = Vec::new();
    for which in [
        "futures::join!(recv, loop)",
        "futures::join!(tokio consume_budget, loop)",
        "tokio::join!(loop, recv)",
        "tokio::join!(loop, tokio consume_budget)",
    ] {
        let (log, yields) = join_in_task(which);
        let pp = per_poll_pairs(&log);
        let last = *log.last().unwrap();
        if last != (300, 300) {
            failures.push(format!("{which}: ended at {last:?}"));
        }
        // The only documented excess: a poll the loop ends with a forced yield leaves tokio's
        // budget uncharged for the other branch (up to 128 + 128). Anything beyond is a failure.
        for (i, &(a, b)) in pp.iter().enumerate() {
            if a > B || b > B + 1 {
                failures.push(format!(
                    "{which}: poll {i} ran loop {a}, other {b} (> one budget each); all {pp:?}, yields {yields}"
                ));
            }
        }
        eprintln!("{which}: per poll {pp:?}, forced yields {yields}");
    }
    check(failures);
}

/// Docs: other branches "still find coop's budget spent" in a poll the loop ended with a forced
/// yield. Then the loop, left with 44 units spent, leaves 84 in the budget.
#[test]
fn join_loop_with_coop_consume_budget() {
    let _g = serial();
    let (log, yields) = join_in_task("futures::join!(loop, coop consume_budget)");
    let pp = per_poll_pairs(&log);
    // In a poll the loop ends with a forced yield the coop branch gets nothing but the one unit
    // of its own yield point going on ("plus one each time a yield point that was forced to
    // yield goes on"); after the loop is left (44 units), the branch has the rest: 84.
    let ok = pp.len() >= 3
        && pp[0] == (128, 0)
        && pp[1].0 == 128
        && pp[1].1 <= 1
        && pp[2].0 == 44
        && (84..=85).contains(&pp[2].1)
        && pp[3..].iter().all(|&(a, b)| a == 0 && b <= B + 1)
        && *log.last().unwrap() == (300, 300);
    assert!(ok, "per poll {pp:?}, forced yields {yields}");
}

/// Minimal reproducer for the carry-over seen in `many_tasks_same_loop`: task A runs a loop of
/// 104 iterations to its end; task B, spawned after A finished, runs 1000. B's every task poll
/// gets tokio's fresh 128 ("128 units per task poll"), so B runs 128x7,104 with 7 forced yields.
#[test]
fn a_finished_tasks_leftover_does_not_shorten_the_next_tasks_poll() {
    let _g = serial();
    let mut failures = Vec::new();
    for a_len in [1u64, 50, 104, 127] {
        for b_len in [1000u64, 200] {
            let (per_poll, yields) = timed(60, move || {
                let rt = current_thread();
                rt.block_on(async {
                    tokio::spawn(async move {
                        let it = AtomicU64::new(0);
                        count_to(a_len, &it).await;
                    })
                    .await
                    .unwrap();
                });
                let f0 = forced_yield_count();
                let (p, _, y, _) = loop_in_task(&rt, b_len, false);
                let _ = f0;
                (p, y)
            });
            let want = expected_per_poll(b_len, B);
            if (compress(&per_poll), yields) != (compress(&want), want.len() as u64 - 1) {
                failures.push(format!(
                    "A ran {a_len}, then B {b_len}: B per poll {} (forced yields {yields}), want {} ({})",
                    compress(&per_poll),
                    compress(&want),
                    want.len() - 1
                ));
            }
        }
    }
    check(failures);
}

/// biased select!: loop (1000) first, then a ready receive. The loop's forced yield leaves tokio's
/// budget uncharged: the receive is served in the same poll, the select ends, tokio has 127 left.
#[test]
fn select_loop_then_ready_recv() {
    let _g = serial();
    let (polls, iterations, left, yields) = timed(60, || {
        let rt = current_thread();
        let it = Arc::new(AtomicU64::new(0));
        let polls = Arc::new(AtomicU64::new(0));
        let f0 = forced_yield_count();
        let left = rt.block_on({
            let it = it.clone();
            let polls = polls.clone();
            async move {
                let log = new_log();
                let p2 = polls.clone();
                tokio::spawn(logged(
                    async move {
                        let mut rx = filled_channel(1);
                        tokio::select! {
                            biased;
                            () = count_to(1000, &it) => panic!("loop finished first"),
                            m = rx.recv() => assert_eq!(m, Some(0)),
                        }
                        tokio_units_left()
                    },
                    move || p2.fetch_add(1, SeqCst),
                    log,
                ))
                .await
                .unwrap()
            }
        });
        (
            polls.load(SeqCst),
            it.load(SeqCst),
            left,
            forced_yield_count() - f0,
        )
    });
    // Poll 1: the loop's first poll charges tokio, so the receive finds tokio's budget spent;
    // poll 2: the loop resumes after its forced yield and yields again without charging tokio,
    // and the receive is served (127 of tokio's units left, less the receive's).
    assert_eq!((polls, iterations, left, yields), (2, 256, 126, 2));
}

/// FuturesUnordered of 4 loops in one task: each loop has a waker of its own (counts as a task
/// for coop's ambient budget), and all share the tokio task's budget. Each loop: at most 128 per
/// own poll, all finish; forced yields counted once each (process count and sites agree).
#[test]
fn futures_unordered_of_loops() {
    let _g = serial();
    let (per_loop, yields, site) = timed(60, || {
        let rt = current_thread();
        let f0 = forced_yield_count();
        let s0 = site_yields("count_to");
        let per_loop = rt.block_on(async {
            tokio::spawn(async {
                use futures::StreamExt;
                let mut fu = futures::stream::FuturesUnordered::new();
                let mut logs = Vec::new();
                for _ in 0..4 {
                    let it = Arc::new(AtomicU64::new(0));
                    let snap = it.clone();
                    let log = new_log();
                    logs.push(log.clone());
                    fu.push(logged(
                        async move { count_to(1000, &it).await },
                        move || snap.load(SeqCst),
                        log,
                    ));
                }
                while fu.next().await.is_some() {}
                logs.iter().map(|l| diffs(&take(l))).collect::<Vec<_>>()
            })
            .await
            .unwrap()
        });
        (
            per_loop,
            forced_yield_count() - f0,
            site_yields("count_to") - s0,
        )
    });
    let mut failures = Vec::new();
    for (i, polls) in per_loop.iter().enumerate() {
        if polls.iter().any(|&n| n > B) || polls.iter().sum::<u64>() != 1000 {
            failures.push(format!(
                "loop {i}: per own poll {}, want at most 128 each, 1000 in all",
                compress(polls)
            ));
        }
    }
    if yields != site {
        failures.push(format!(
            "forced yields {yields}, site {site}: counted differently"
        ));
    }
    check(failures);
}

// ---------------------------------------------------------------------------------------------
// Loops left early: tokio is charged exactly the units the loop spent.

#[test]
fn early_exit_charges_tokio_exactly() {
    let _g = serial();
    let mut failures = Vec::new();
    for kind in ["break", "return", "?", "panic"] {
        for stop in [1u64, 50, 127, 128, 129, 200, 256] {
            let (per_poll, left) = timed(60, move || {
                let rt = current_thread();
                let it = Arc::new(AtomicU64::new(0));
                let log = new_log();
                let left = rt.block_on({
                    let it = it.clone();
                    let snap = it.clone();
                    let log = log.clone();
                    async move {
                        tokio::spawn(logged(
                            async move {
                                match kind {
                                    "break" => exit_break(stop, &it).await,
                                    "return" => {
                                        exit_return(stop, &it).await;
                                    }
                                    "?" => assert_eq!(exit_question(stop, &it).await, Err(stop)),
                                    "panic" => {
                                        let r = AssertUnwindSafe(exit_panic(stop, &it))
                                            .catch_unwind()
                                            .await;
                                        assert!(r.is_err());
                                    }
                                    _ => unreachable!(),
                                }
                                tokio_units_left()
                            },
                            move || snap.load(SeqCst),
                            log,
                        ))
                        .await
                        .unwrap()
                    }
                });
                (diffs(&take(&log)), left)
            });
            let want = expected_per_poll(stop, B);
            let want_left = B - want.last().unwrap();
            if (compress(&per_poll), left) != (compress(&want), want_left) {
                failures.push(format!(
                    "{kind} at {stop}: per poll {} tokio left {left}; want {} and {want_left}",
                    compress(&per_poll),
                    compress(&want)
                ));
            }
        }
    }
    check(failures);
}

// ---------------------------------------------------------------------------------------------
// Tokio's budget partly spent by tokio's resources before the loop.

#[test]
fn resources_spend_part_of_the_budget_then_loop() {
    let _g = serial();
    let mut failures = Vec::new();
    for spent in [1u64, 28, 100, 127, 128] {
        let (per_poll, yields) = timed(60, move || {
            let rt = current_thread();
            let it = Arc::new(AtomicU64::new(0));
            let log = new_log();
            let f0 = forced_yield_count();
            rt.block_on({
                let it = it.clone();
                let snap = it.clone();
                let log = log.clone();
                async move {
                    tokio::spawn(logged(
                        async move {
                            let mut rx = filled_channel(spent);
                            for _ in 0..spent {
                                // Ready at once: one tokio unit each, no yield while units last.
                                rx.recv().await.unwrap();
                            }
                            count_to(1000, &it).await;
                        },
                        move || snap.load(SeqCst),
                        log,
                    ))
                    .await
                    .unwrap()
                }
            });
            (diffs(&take(&log)), forced_yield_count() - f0)
        });
        // One budget of 128 per task poll, shared: the first poll has 128 - spent for the loop,
        // plus at most the first batch's 16 units (docs: a strip-mined loop's first batch may
        // run up to 16 iterations past a tokio budget spent before it); every later poll 128.
        let first = per_poll[0];
        let later = &per_poll[1..per_poll.len() - 1];
        if first < B - spent
            || first > B - spent + FIRST_LEND
            || later.iter().any(|&n| n != B)
            || per_poll.iter().sum::<u64>() != 1000
        {
            failures.push(format!(
                "recv {spent} then loop 1000: per poll {} (forced yields {yields}), want {}..={} then 128s",
                compress(&per_poll),
                B - spent,
                B - spent + FIRST_LEND
            ));
        }
    }
    check(failures);
}

// ---------------------------------------------------------------------------------------------
// A strip-mined loop nested in a loop with an .await.

#[test]
fn nested_strip_mined_loop_inside_awaiting_loop() {
    let _g = serial();
    let mut failures = Vec::new();
    for inner in [0u64, 1, 10, 126, 127, 128, 129, 300] {
        let rounds = 50;
        let (log, yields) = timed(60, move || {
            let rt = current_thread();
            let o = Arc::new(AtomicU64::new(0));
            let i = Arc::new(AtomicU64::new(0));
            let log = new_log();
            let f0 = forced_yield_count();
            rt.block_on({
                let (o, i) = (o.clone(), i.clone());
                let (so, si) = (o.clone(), i.clone());
                let log = log.clone();
                async move {
                    tokio::spawn(logged(
                        async move { nested(rounds, inner, &o, &i).await },
                        move || (so.load(SeqCst), si.load(SeqCst)),
                        log,
                    ))
                    .await
                    .unwrap()
                }
            });
            (take(&log), forced_yield_count() - f0)
        });
        let last = *log.last().unwrap();
        if last != (rounds, rounds * inner) {
            failures.push(format!("inner {inner}: ended at {last:?}"));
        }
        // Units per poll: outer yield point + tokio consume_budget per round, inner iterations.
        // One budget: at most 128 (+1 for a yield point that goes on after its forced yield,
        // +1 for the tokio consume_budget that goes on after its refusal), and the inner loop's
        // first batch may run up to 16 iterations past tokio's budget (docs).
        for (n, (dout, din)) in per_poll_pairs(&log).into_iter().enumerate() {
            let units = 2 * dout + din;
            if units > B + 2 + FIRST_LEND || (dout == 0 && din == 0 && n + 1 < log.len()) {
                failures.push(format!(
                    "inner {inner}: poll {n} ran {dout} rounds + {din} inner iterations = {units} units (yields {yields})"
                ));
            }
        }
    }
    check(failures);
}

// ---------------------------------------------------------------------------------------------
// Where tokio's budget cannot force a yield; coop unconstrained; explicit scopes.

fn per_poll_of(fut_kind: &'static str) -> (Vec<u64>, u64) {
    timed(60, move || {
        let rt = multi_thread(2);
        let it = Arc::new(AtomicU64::new(0));
        let log = new_log();
        let f0 = forced_yield_count();
        let snap = it.clone();
        let l2 = log.clone();
        let wrapped = logged(
            {
                let it = it.clone();
                async move { count_to(1000, &it).await }
            },
            move || snap.load(SeqCst),
            l2,
        );
        rt.block_on(async move {
            match fut_kind {
                "spawn_blocking + futures block_on" => {
                    tokio::task::spawn_blocking(move || futures::executor::block_on(wrapped))
                        .await
                        .unwrap();
                }
                "block_in_place + futures block_on" => {
                    tokio::spawn(async move {
                        tokio::task::block_in_place(move || futures::executor::block_on(wrapped))
                    })
                    .await
                    .unwrap();
                }
                "tokio::task::unconstrained" => {
                    tokio::spawn(tokio::task::unconstrained(wrapped))
                        .await
                        .unwrap();
                }
                "coop_core::unconstrained" => {
                    tokio::spawn(coop_core::unconstrained(wrapped))
                        .await
                        .unwrap();
                }
                "budgeted" => {
                    tokio::spawn(budgeted(wrapped)).await.unwrap();
                }
                "budgeted_with(50)" => {
                    tokio::spawn(budgeted_with(Budget::units(50), wrapped))
                        .await
                        .unwrap();
                }
                "budgeted_with(300)" => {
                    tokio::spawn(budgeted_with(Budget::units(300), wrapped))
                        .await
                        .unwrap();
                }
                "with_budget(10)" => {
                    tokio::spawn(async move {
                        let mut w = Box::pin(wrapped);
                        std::future::poll_fn(|cx| {
                            coop_core::with_budget(Budget::units(10), || w.as_mut().poll(cx))
                        })
                        .await
                    })
                    .await
                    .unwrap();
                }
                "recv 100 then budgeted" => {
                    tokio::spawn(async move {
                        let mut rx = filled_channel(100);
                        for _ in 0..100 {
                            rx.recv().await.unwrap();
                        }
                        budgeted(wrapped).await
                    })
                    .await
                    .unwrap();
                }
                "futures block_on(budgeted) nested in a tokio task" => {
                    tokio::spawn(async move { futures::executor::block_on(budgeted(wrapped)) })
                        .await
                        .unwrap();
                }
                "futures block_on(budgeted) nested, tokio budget spent first" => {
                    tokio::spawn(async move {
                        tokio_units_left();
                        futures::executor::block_on(budgeted(wrapped))
                    })
                    .await
                    .unwrap();
                }
                _ => unreachable!(),
            }
        });
        (diffs(&take(&log)), forced_yield_count() - f0)
    })
}

#[test]
fn where_tokio_cannot_force_a_yield_and_explicit_scopes() {
    let _g = serial();
    let mut failures = Vec::new();
    for (kind, per) in [
        ("spawn_blocking + futures block_on", Some(B)),
        ("block_in_place + futures block_on", Some(B)),
        ("tokio::task::unconstrained", Some(B)),
        ("coop_core::unconstrained", None),
        ("budgeted", Some(B)),
        ("budgeted_with(50)", Some(50)),
        ("budgeted_with(300)", Some(300)),
        ("with_budget(10)", Some(10)),
        ("recv 100 then budgeted", Some(B)),
        ("futures block_on(budgeted) nested in a tokio task", Some(B)),
        (
            "futures block_on(budgeted) nested, tokio budget spent first",
            Some(B),
        ),
    ] {
        let (per_poll, yields) = per_poll_of(kind);
        let want = match per {
            Some(p) => expected_per_poll(1000, p),
            None => vec![1000],
        };
        if (compress(&per_poll), yields) != (compress(&want), want.len() as u64 - 1) {
            failures.push(format!(
                "{kind}: per poll {} (forced yields {yields}), want {} ({})",
                compress(&per_poll),
                compress(&want),
                want.len() - 1
            ));
        }
    }
    check(failures);
}

// ---------------------------------------------------------------------------------------------
// set_default_budget (process-wide: serialised, restored).

struct RestoreDefault;
impl Drop for RestoreDefault {
    fn drop(&mut self) {
        coop_core::set_default_budget(Budget::DEFAULT);
    }
}

#[test]
fn default_budget_units_do_not_change_tokios_128() {
    let _g = serial();
    let _r = RestoreDefault;
    let mut failures = Vec::new();
    for units in [16u16, 64, 127, 129, 300] {
        coop_core::set_default_budget(Budget::units(units));
        for kind in [
            "task",
            "spawn_blocking + futures block_on",
            "tokio::task::unconstrained",
        ] {
            let (per_poll, yields) = if kind == "task" {
                timed(60, || {
                    let rt = current_thread();
                    let (p, _, y, _) = loop_in_task(&rt, 1000, false);
                    (p, y)
                })
            } else {
                per_poll_of(kind)
            };
            // In a task: tokio's 128 whatever the default says. Where tokio's budget cannot
            // force a yield, coop counts by itself: the default.
            let per = if kind == "task" { B } else { u64::from(units) };
            let want = expected_per_poll(1000, per);
            if (compress(&per_poll), yields) != (compress(&want), want.len() as u64 - 1) {
                failures.push(format!(
                    "default {units} units, {kind}: per poll {} (yields {yields}), want {}",
                    compress(&per_poll),
                    compress(&want)
                ));
            }
        }
    }
    check(failures);
}

/// "a default time slice still applies there" (in a tokio task): 300 iterations of 200 µs under
/// a 2 ms slice yield long before 128 iterations. Also under tokio::task::unconstrained;
/// `coop_core::unconstrained` switches it off.
#[test]
fn default_time_slice_applies_in_tokio_task() {
    let _g = serial();
    let _r = RestoreDefault;
    coop_core::set_default_budget(Budget::DEFAULT.slice(Duration::from_millis(2)));
    let mut failures = Vec::new();
    for kind in [
        "task",
        "tokio::task::unconstrained",
        "coop_core::unconstrained",
    ] {
        let (per_poll, slice_yields) = timed(60, move || {
            let rt = current_thread();
            let it = Arc::new(AtomicU64::new(0));
            let log = new_log();
            let t0 = coop_core::time_slice_yield_count();
            rt.block_on({
                let it = it.clone();
                let snap = it.clone();
                let log = log.clone();
                async move {
                    let body = logged(
                        async move { slow_loop(300, Duration::from_micros(200), &it).await },
                        move || snap.load(SeqCst),
                        log,
                    );
                    match kind {
                        "task" => tokio::spawn(body).await.unwrap(),
                        "tokio::task::unconstrained" => {
                            tokio::spawn(tokio::task::unconstrained(body))
                                .await
                                .unwrap()
                        }
                        _ => tokio::spawn(coop_core::unconstrained(body)).await.unwrap(),
                    }
                }
            });
            (diffs(&take(&log)), coop_core::time_slice_yield_count() - t0)
        });
        let max = per_poll.iter().copied().max().unwrap();
        let ok = if kind == "coop_core::unconstrained" {
            per_poll == vec![300]
        } else {
            // 2 ms + 0.5 ms + one iteration = 13 iterations at pace; allow 3x for a loaded VM.
            max <= 40 && slice_yields > 0
        };
        eprintln!("{kind}: per poll {per_poll:?}, slice yields {slice_yields}");
        if !ok {
            failures.push(format!(
                "slice 2 ms, {kind}: per poll {} (max {max}), slice yields {slice_yields}",
                compress(&per_poll)
            ));
        }
    }
    check(failures);
}

// ---------------------------------------------------------------------------------------------
// Timers and sockets are not starved by a hot strip-mined loop.

/// What a task beside the hot loop waits for.
#[cfg(unix)]
#[derive(Clone, Copy)]
enum Event {
    /// A `tokio::time::sleep_until` 20 ms ahead; surely due 2 ms after its deadline, past
    /// tokio's millisecond rounding.
    Timer,
    /// A socket's readiness; the hot loop writes the data at its 1000th iteration.
    Socket,
}

/// Iterations the hot loop ran between the moment `event` was surely ready and the waiting
/// task's turn, on the runtime and in the place `shape` names.
#[cfg(unix)]
fn wait_behind_hot_loop(event: Event, shape: &'static str) -> u64 {
    use std::io::Write;
    const WRITE_AT: u64 = 1000;
    timed(60, move || {
        let (theirs, ours) = std::os::unix::net::UnixStream::pair().unwrap();
        theirs.set_nonblocking(true).unwrap();
        let rt = match shape {
            "multi_thread(1) task" => multi_thread(1),
            _ => current_thread(),
        };
        let done = Arc::new(AtomicBool::new(false));
        let it = Arc::new(AtomicU64::new(0));
        let ready_at = Arc::new(AtomicU64::new(0));
        let hot = {
            let (done, it, ready_at) = (done.clone(), it.clone(), ready_at.clone());
            async move {
                let deadline = tokio::time::Instant::now() + Duration::from_millis(20);
                let due = deadline.into_std() + Duration::from_millis(2);
                let done2 = done.clone();
                let waiter = async move {
                    match event {
                        Event::Timer => tokio::time::sleep_until(deadline).await,
                        Event::Socket => {
                            let stream = tokio::net::UnixStream::from_std(theirs).unwrap();
                            stream.readable().await.unwrap();
                        }
                    }
                    done2.store(true, SeqCst);
                };
                let mut ours = Some(ours);
                let step = |n: u64| {
                    // Slower than the driver pace by coop's clock: a driver turn at every
                    // forced yield (`tokio_bridge.rs` times the cheap loops' pace).
                    coop_test_support::advance_clock(Duration::from_micros(10));
                    let ready = match event {
                        Event::Timer => Instant::now() >= due,
                        Event::Socket => {
                            if n == WRITE_AT
                                && let Some(mut s) = ours.take()
                            {
                                s.write_all(b"ready").unwrap();
                            }
                            n >= WRITE_AT
                        }
                    };
                    if ready_at.load(SeqCst) == 0 && ready {
                        ready_at.store(n, SeqCst);
                    }
                    done.load(SeqCst) || n >= 50_000_000
                };
                match shape {
                    "hot in join! with the waiting branch" => {
                        futures::join!(waiter, hot_until(step, &it));
                    }
                    "LocalSet" => {
                        let h = tokio::task::spawn_local(waiter);
                        hot_until(step, &it).await;
                        h.await.unwrap();
                    }
                    _ => {
                        let h = tokio::spawn(waiter);
                        hot_until(step, &it).await;
                        h.await.unwrap();
                    }
                }
            }
        };
        match shape {
            "block_on root" => rt.block_on(hot),
            "LocalSet" => {
                let local = tokio::task::LocalSet::new();
                local.block_on(
                    &rt,
                    async move { tokio::task::spawn_local(hot).await.unwrap() },
                )
            }
            _ => rt.block_on(async move { tokio::spawn(hot).await.unwrap() }),
        }
        assert!(done.load(SeqCst), "{shape}: the waiting task never ran");
        let ready = ready_at.load(SeqCst);
        if ready == 0 {
            0
        } else {
            it.load(SeqCst) - ready
        }
    })
}

/// A timer and a socket behind a hot loop whose budget takes longer than the driver pace get
/// their turn within two budgets of iterations once ready, in every place the loop can run:
/// the budget the loop is in ends with a driver turn, which wakes the waiting task, and the loop
/// may run one more budget before it. On a multi-thread runtime, three: its worker's
/// maintenance (every 61 of its ticks) polls the driver too, and wakes the deferred loop into
/// the worker's LIFO slot, ahead of the task the previous turn woke. A task that calls tokio's
/// own `yield_now` every 128 iterations waits the same; with that maintenance out of the way
/// (`event_interval` past the loop's length), 1400 runs with the ready moment before the turn
/// (two CPU hogs beside them) all read two budgets at most, and 2-4 % read three without.
#[cfg(unix)]
#[test]
fn timers_and_sockets_not_starved_by_hot_loop() {
    let _g = serial();
    coop_test_support::install_clock_ahead_of_real_time();
    let mut failures = Vec::new();
    for event in [Event::Timer, Event::Socket] {
        for shape in [
            "current_thread task",
            "multi_thread(1) task",
            "block_on root",
            "LocalSet",
            "hot in join! with the waiting branch",
        ] {
            let waited = wait_behind_hot_loop(event, shape);
            let bound = match shape {
                "multi_thread(1) task" => 3 * B,
                _ => 2 * B,
            };
            if waited > bound {
                let what = match event {
                    Event::Timer => "timer",
                    Event::Socket => "socket reader",
                };
                failures.push(format!(
                    "{shape}: the {what} waited {waited} hot iterations after it was ready (> {bound})"
                ));
            }
        }
    }
    check(failures);
}
