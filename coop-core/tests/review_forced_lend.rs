//! Hostile review of the lend a strip-mined loop's forced yield makes as it completes
//! (`Batch::forced_yield`, `lend_after_yield`): exact unit accounting per task poll on shapes,
//! lengths, scopes, cancellations and schedules off the paths of the other tests. Every test
//! takes `SERIAL` (counts are process-wide) and runs its body on fresh threads with a timeout.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

mod review_common;
use review_common::*;

use coop_core::{Budget, budgeted_with, cooperative, forced_yield_count};

const LENGTHS: [u64; 14] = [0, 1, 2, 3, 4, 5, 127, 128, 129, 255, 256, 257, 383, 1000];

/// `expected_per_poll` for a shape whose yield point comes before its exit check (`loop`,
/// `while let`): the exit check costs a unit too.
fn expected_for(shape: &str, k: u64, per: u64) -> Vec<u64> {
    if ["loop", "'l loop", "while let"].contains(&shape) {
        let mut v = expected_per_poll(k + 1, per);
        *v.last_mut().unwrap() -= 1;
        v
    } else {
        expected_per_poll(k, per)
    }
}

/// Polls `fut` with a no-op waker to completion; the counter after each poll. Panics past
/// `cap` polls (a livelock).
fn per_poll<F: Future>(fut: F, it: &AtomicU64, cap: usize) -> (Vec<u64>, F::Output) {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    let mut log = Vec::new();
    loop {
        let r = fut.as_mut().poll(&mut cx);
        log.push(it.load(SeqCst));
        if let Poll::Ready(out) = r {
            return (diffs(&log), out);
        }
        assert!(log.len() < cap, "livelock: {log:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Shapes.

#[cooperative]
async fn for_loop(k: u64, it: &AtomicU64) {
    for _ in 0..k {
        it.fetch_add(1, SeqCst);
    }
}

#[cooperative]
async fn while_loop(k: u64, it: &AtomicU64) {
    let mut i = 0;
    while i < k {
        it.fetch_add(1, SeqCst);
        i += 1;
    }
}

#[cooperative]
async fn while_let_loop(k: u64, it: &AtomicU64) {
    let mut v: Vec<u64> = (0..k).collect();
    while let Some(_x) = v.pop() {
        it.fetch_add(1, SeqCst);
    }
}

#[cooperative]
async fn plain_loop(k: u64, it: &AtomicU64) {
    let mut i = 0;
    loop {
        if i == k {
            break;
        }
        it.fetch_add(1, SeqCst);
        i += 1;
    }
}

#[cooperative]
async fn labeled_loop(k: u64, it: &AtomicU64) {
    let mut i = 0;
    'l: loop {
        if i == k {
            break 'l;
        }
        it.fetch_add(1, SeqCst);
        i += 1;
    }
}

#[cooperative]
async fn continue_labeled(k: u64, it: &AtomicU64) {
    let mut i = 0;
    'l: while i < k {
        i += 1;
        if i % 3 == 0 {
            it.fetch_add(1, SeqCst);
            continue 'l;
        }
        it.fetch_add(1, SeqCst);
    }
}

/// The iteration count is `k`; returns early from inside the loop at the last one.
#[cooperative]
async fn returns_at(k: u64, it: &AtomicU64) -> u64 {
    let mut i = 0;
    loop {
        it.fetch_add(1, SeqCst);
        i += 1;
        if i >= k {
            return i;
        }
    }
}

/// `?` out of the loop at iteration `k`.
#[cooperative]
async fn question_at(k: u64, it: &AtomicU64) -> Result<(), u64> {
    for i in 1..u64::MAX {
        it.fetch_add(1, SeqCst);
        let r: Result<(), u64> = if i >= k { Err(i) } else { Ok(()) };
        r?;
    }
    Ok(())
}

type Shape =
    for<'a> fn(u64, &'a AtomicU64) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

fn shapes() -> Vec<(&'static str, Shape)> {
    vec![
        ("for", |k, it| Box::pin(for_loop(k, it))),
        ("while", |k, it| Box::pin(while_loop(k, it))),
        ("while let", |k, it| Box::pin(while_let_loop(k, it))),
        ("loop", |k, it| Box::pin(plain_loop(k, it))),
        ("'l loop", |k, it| Box::pin(labeled_loop(k, it))),
        ("continue 'l", |k, it| Box::pin(continue_labeled(k, it))),
        ("return", |k, it| {
            Box::pin(async move {
                if k > 0 {
                    returns_at(k, it).await;
                }
            })
        }),
        ("?", |k, it| {
            Box::pin(async move {
                if k > 0 {
                    let _ = question_at(k, it).await;
                }
            })
        }),
    ]
}

/// Scopes of 1, 2, 3, 5 units and small time-sliced scopes, around every shape and length:
/// exactly `n` iterations per poll, and one forced yield counted per poll that ended `Pending`.
#[test]
fn small_scopes_every_shape() {
    let _g = serial();
    timed(120, || {
        let mut failures = Vec::new();
        let budgets: Vec<(String, Budget, u64)> = vec![
            ("units(1)".into(), Budget::units(1), 1),
            ("units(2)".into(), Budget::units(2), 2),
            ("units(3)".into(), Budget::units(3), 3),
            ("units(5)".into(), Budget::units(5), 5),
            (
                "units(3).slice(60s)".into(),
                Budget::units(3).slice(Duration::from_secs(60)),
                3,
            ),
            (
                "DEFAULT.slice(60s)".into(),
                Budget::DEFAULT.slice(Duration::from_secs(60)),
                B,
            ),
        ];
        for (bname, budget, n) in &budgets {
            for (sname, shape) in shapes() {
                for k in LENGTHS {
                    let it = AtomicU64::new(0);
                    let before = forced_yield_count();
                    let (polls, ()) = per_poll(budgeted_with(*budget, shape(k, &it)), &it, 5000);
                    let yields = forced_yield_count() - before;
                    let want = expected_for(sname, k, *n);
                    if polls != want {
                        failures.push(format!(
                            "{bname} {sname} k={k}: per poll {}, want {}",
                            compress(&polls),
                            compress(&want)
                        ));
                    }
                    if yields != polls.len() as u64 - 1 {
                        failures.push(format!(
                            "{bname} {sname} k={k}: {yields} forced yields for {} Pending polls",
                            polls.len() - 1
                        ));
                    }
                }
            }
        }
        check(failures);
    });
}

/// The ambient budget of a fresh thread (no runtime), every shape and length: 128 per poll.
#[test]
fn ambient_every_shape() {
    let _g = serial();
    let mut failures = Vec::new();
    for (i, _) in shapes().iter().enumerate() {
        for k in LENGTHS {
            let r = timed(30, move || {
                let (sname, shape) = shapes()[i];
                let it = AtomicU64::new(0);
                let before = forced_yield_count();
                let (polls, ()) = per_poll(shape(k, &it), &it, 5000);
                let yields = forced_yield_count() - before;
                let want = expected_for(sname, k, B);
                let mut f = Vec::new();
                if polls != want {
                    f.push(format!(
                        "ambient {sname} k={k}: per poll {}, want {}",
                        compress(&polls),
                        compress(&want)
                    ));
                }
                if yields != polls.len() as u64 - 1 {
                    f.push(format!(
                        "ambient {sname} k={k}: {yields} forced yields for {} Pending polls",
                        polls.len() - 1
                    ));
                }
                f
            });
            failures.extend(r);
        }
    }
    check(failures);
}

/// Counts what the running budget has left by spending it with `poll_proceed` (call last in a
/// poll: it forces a yield once spent).
fn coop_units_left() -> u64 {
    let mut cx = Context::from_waker(Waker::noop());
    let mut n = 0;
    while let Poll::Ready(unit) = coop_core::poll_proceed(&mut cx) {
        unit.made_progress();
        n += 1;
        if n > 100_000 {
            break;
        }
    }
    n
}

/// A loop left (`break` / `return` / `?`) `j` iterations into the poll after its forced yield,
/// under a scope of `n`: the scope has exactly `n - j` units left for the rest of that poll.
#[test]
fn leaving_right_after_the_yield_scoped() {
    let _g = serial();
    timed(60, || {
        let mut failures = Vec::new();
        for n in [1u64, 2, 3, 8, 128] {
            for j in 1..=n {
                for (sname, shape) in shapes() {
                    if !["return", "?", "for"].contains(&sname) {
                        continue;
                    }
                    let it = AtomicU64::new(0);
                    let left = Arc::new(AtomicU64::new(u64::MAX));
                    let l2 = left.clone();
                    let fut = budgeted_with(Budget::units(n as u16), {
                        let it = &it;
                        async move {
                            shape(n + j, it).await;
                            l2.store(coop_units_left(), SeqCst);
                        }
                    });
                    let (polls, ()) = per_poll(fut, &it, 100);
                    let got = left.load(SeqCst);
                    if polls.first() != Some(&n) || polls.get(1) != Some(&j) || got != n - j {
                        failures.push(format!(
                            "units({n}) {sname} left {j} after yield: per poll {polls:?}, units left after {got}, want {}",
                            n - j
                        ));
                    }
                }
            }
        }
        check(failures);
    });
}

/// Within one task poll under a scope: a loop polled once (`poll!`), parked at its forced
/// yield, dropped, and the same loop (same site) awaited again. Docs: `n` per poll plus one for
/// the call site reached again after its yield was dropped.
#[test]
fn cancelled_at_the_yield_then_recreated_scoped() {
    let _g = serial();
    timed(60, || {
        let mut failures = Vec::new();
        for n in [1u64, 2, 3, 128] {
            let it = AtomicU64::new(0);
            let before = forced_yield_count();
            let fut = budgeted_with(Budget::units(n as u16), {
                let it = &it;
                async move {
                    {
                        let mut a = pin!(for_loop(10 * n, it));
                        let p = futures::poll!(a.as_mut());
                        assert!(p.is_pending());
                    }
                    for_loop(3 * n, it).await;
                }
            });
            let (polls, ()) = per_poll(fut, &it, 100);
            let yields = forced_yield_count() - before;
            // poll 1: n (a) + 1 (b's site reached again after a's dropped yield), then n each.
            let mut want = vec![n + 1];
            want.extend(expected_per_poll(3 * n - 1, n));
            if polls != want {
                failures.push(format!(
                    "units({n}): per poll {}, want {}",
                    compress(&polls),
                    compress(&want)
                ));
            }
            // a's yield and b's in the same spent scope are one exhaustion: one per Pending poll.
            if yields != polls.len() as u64 - 1 {
                failures.push(format!(
                    "units({n}): {yields} forced yields, want {} (one per Pending poll)",
                    polls.len() - 1
                ));
            }
        }
        check(failures);
    });
}

/// Nested loops (the outer one not batched) and a hand-written `consume_budget` in a body.
#[cooperative]
async fn nested(rows: u64, cols: u64, it: &AtomicU64) {
    for _ in 0..rows {
        for _ in 0..cols {
            it.fetch_add(1, SeqCst);
        }
    }
}

#[cooperative]
async fn with_consume(k: u64, it: &AtomicU64) {
    for i in 0..k {
        it.fetch_add(1, SeqCst);
        if i % 7 == 0 {
            coop_core::consume_budget().await;
        }
    }
}

#[cooperative]
async fn break_outer(rows: u64, cols: u64, stop: u64, it: &AtomicU64) {
    'outer: for r in 0..rows {
        for c in 0..cols {
            if r * cols + c == stop {
                break 'outer;
            }
            it.fetch_add(1, SeqCst);
        }
    }
}

/// Units spent per poll under scopes of small n: never more than n + 1 (one for each resumed
/// yield point; at most one resumes per poll here) and progress every poll.
#[test]
fn nested_and_hand_written_scoped() {
    let _g = serial();
    timed(60, || {
        let mut failures = Vec::new();
        for n in [1u64, 2, 3, 7, 128] {
            for rows in [1u64, 2, 3, 5, 40] {
                for cols in [0u64, 1, 2, 3, 127, 128, 129] {
                    let it = AtomicU64::new(0);
                    let before = forced_yield_count();
                    let (polls, ()) = per_poll(
                        budgeted_with(Budget::units(n as u16), nested(rows, cols, &it)),
                        &it,
                        100_000,
                    );
                    let yields = forced_yield_count() - before;
                    let total: u64 = polls.iter().sum();
                    // Units: outer yield points (rows) + inner iterations (rows*cols).
                    let units = rows + rows * cols;
                    let min_polls = units.div_ceil(n);
                    if total != rows * cols
                        || polls.len() as u64 > min_polls + 1
                        || polls.iter().any(|&p| p > n)
                        || yields != polls.len() as u64 - 1
                    {
                        failures.push(format!(
                            "nested units({n}) {rows}x{cols}: {} polls (min {min_polls}), max per poll {:?}, yields {yields}",
                            polls.len(),
                            polls.iter().max()
                        ));
                    }
                }
            }
            for k in [1u64, 7, 8, 100, 1000] {
                let it = AtomicU64::new(0);
                let before = forced_yield_count();
                let (polls, ()) = per_poll(
                    budgeted_with(Budget::units(n as u16), with_consume(k, &it)),
                    &it,
                    100_000,
                );
                let yields = forced_yield_count() - before;
                if polls.iter().sum::<u64>() != k
                    || polls.iter().any(|&p| p > n)
                    || yields != polls.len() as u64 - 1
                {
                    failures.push(format!(
                        "with_consume units({n}) k={k}: {polls:?} yields {yields}"
                    ));
                }
            }
            for stop in [0u64, 1, n, n + 1, 2 * n, 2 * n + 1, 300] {
                let it = AtomicU64::new(0);
                let (polls, ()) = per_poll(
                    budgeted_with(Budget::units(n as u16), break_outer(20, 17, stop, &it)),
                    &it,
                    100_000,
                );
                let total: u64 = polls.iter().sum();
                if total != stop.min(340) || polls.iter().any(|&p| p > n) {
                    failures.push(format!("break 'outer units({n}) stop={stop}: {polls:?}"));
                }
            }
        }
        check(failures);
    });
}

/// Moved between threads: two worker threads take turns polling one task (a future sent over
/// channels); the ambient budget is per thread. Every poll runs at most 128 iterations, the
/// work is done, and forced yields equal Pending polls.
#[test]
fn moved_between_threads() {
    let _g = serial();
    timed(60, || {
        type Job = (
            std::pin::Pin<Box<dyn Future<Output = ()> + Send>>,
            Arc<AtomicU64>,
        );
        let it = Arc::new(AtomicU64::new(0));
        let before = forced_yield_count();
        let (back_tx, back_rx) = std::sync::mpsc::channel::<(Job, bool, u64)>();
        let mut workers = Vec::new();
        for _ in 0..2 {
            let (tx, rx) = std::sync::mpsc::channel::<Job>();
            let back = back_tx.clone();
            std::thread::spawn(move || {
                while let Ok((mut fut, it)) = rx.recv() {
                    let mut cx = Context::from_waker(Waker::noop());
                    let done = fut.as_mut().poll(&mut cx).is_ready();
                    let n = it.load(SeqCst);
                    back.send(((fut, it), done, n)).unwrap();
                }
            });
            workers.push(tx);
        }
        let it2 = it.clone();
        let mut job: Job = (
            Box::pin(async move { for_loop(5000, &it2).await }),
            it.clone(),
        );
        let mut log = Vec::new();
        for turn in 0.. {
            // Two turns on one thread, then two on the other, then one each.
            let w = if turn < 4 { (turn / 2) % 2 } else { turn % 2 };
            workers[w].send(job).unwrap();
            let (j, done, n) = back_rx.recv().unwrap();
            log.push(n);
            job = j;
            if done {
                break;
            }
            assert!(turn < 1000);
        }
        let yields = forced_yield_count() - before;
        let polls = diffs(&log);
        assert_eq!(polls.iter().sum::<u64>(), 5000);
        assert!(polls.iter().all(|&p| p <= B), "per poll {polls:?}");
        assert_eq!(yields, polls.len() as u64 - 1, "per poll {polls:?}");
    });
}

// ---------------------------------------------------------------------------------------------
// tokio: the ambient budget is tokio's.

#[cfg(feature = "tokio")]
mod on_tokio {
    use super::*;
    use std::sync::Mutex;

    /// Spawns `task` on `rt`, waits for it, and returns `snap()` after each of its task polls.
    fn task_polls<T: Send + 'static>(
        rt: &tokio::runtime::Runtime,
        task: impl Future<Output = ()> + Send + 'static,
        snap: impl FnMut() -> T + Send + 'static,
    ) -> Vec<T> {
        let log = Arc::new(Mutex::new(Vec::new()));
        let task = logged(task, snap, log.clone());
        rt.block_on(async { tokio::spawn(task).await.unwrap() });
        std::mem::take(&mut *log.lock().unwrap())
    }

    /// Every shape and length in a tokio task: 128 iterations per task poll.
    #[test]
    fn tokio_every_shape() {
        let _g = serial();
        timed(120, || {
            let rt = current_thread();
            let mut failures = Vec::new();
            for (sname, shape) in shapes() {
                for k in LENGTHS {
                    let it = Arc::new(AtomicU64::new(0));
                    let before = forced_yield_count();
                    let it2 = it.clone();
                    let polls = diffs(&task_polls(
                        &rt,
                        async move { shape(k, &it2).await },
                        move || it.load(SeqCst),
                    ));
                    let yields = forced_yield_count() - before;
                    let want = expected_for(sname, k, B);
                    if polls != want {
                        failures.push(format!(
                            "tokio {sname} k={k}: per poll {}, want {}",
                            compress(&polls),
                            compress(&want)
                        ));
                    }
                    if yields != polls.len() as u64 - 1 {
                        failures.push(format!(
                            "tokio {sname} k={k}: {yields} forced yields for {} Pending polls",
                            polls.len() - 1
                        ));
                    }
                }
            }
            check(failures);
        });
    }

    /// A loop left `j` iterations into the task poll after its forced yield: tokio's budget
    /// has exactly `128 - j` left (charged what was spent, no more, no less); and when left at
    /// the natural end (`for` running out) the same.
    #[test]
    fn tokio_charged_exactly_after_leaving() {
        let _g = serial();
        timed(120, || {
            let rt = current_thread();
            let mut failures = Vec::new();
            for (sname, shape) in shapes() {
                for yields_before in [1u64, 2] {
                    for j in [1u64, 2, 3, 16, 17, 64, 126, 127, 128] {
                        let k = yields_before * B + j;
                        let it = Arc::new(AtomicU64::new(0));
                        let left = Arc::new(AtomicU64::new(u64::MAX));
                        let (it2, l2) = (it.clone(), left.clone());
                        let task = async move {
                            shape(k, &it2).await;
                            l2.store(tokio_units_left(), SeqCst);
                        };
                        let polls = diffs(&task_polls(&rt, task, move || it.load(SeqCst)));
                        let got = left.load(SeqCst);
                        let want = expected_for(sname, k, B);
                        // Units spent in the last task poll (an exit check after the yield
                        // point costs one).
                        let pre = ["loop", "'l loop", "while let"].contains(&sname);
                        let spent = *expected_per_poll(k + u64::from(pre), B).last().unwrap();
                        if polls != want || got != B - spent {
                            failures.push(format!(
                                "tokio {sname} k={k}: per poll {polls:?} (want {want:?}), tokio left after {got}, want {}",
                                B - spent
                            ));
                        }
                    }
                }
            }
            check(failures);
        });
    }

    /// Yields once, waking itself, without touching any budget.
    struct YieldOnce(bool);
    impl Future for YieldOnce {
        type Output = ();
        fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                Poll::Ready(())
            } else {
                self.0 = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    /// Spends `per` of tokio's units by hand (`tokio::task::coop::consume_budget`), then
    /// yields without a budget; `rounds` times. Counts units in `spent`.
    async fn tokio_spender(per: u64, rounds: u64, spent: &AtomicU64) {
        for _ in 0..rounds {
            for _ in 0..per {
                tokio::task::coop::consume_budget().await;
                spent.fetch_add(1, SeqCst);
            }
            YieldOnce(false).await;
        }
    }

    /// join!(a branch that spends `per` tokio units per poll, then a #[cooperative] loop): in
    /// the loop's steady state the docs say its budget does not count what tokio's resources
    /// in branches polled before it spent in the task poll: the loop runs at most its own 128
    /// (plus the first lend's 16 and a resumed yield point's unit) on top of the branch's
    /// units, and none of them once the branch leaves tokio nothing (`per` >= 127).
    #[test]
    fn tokio_join_with_a_tokio_spender() {
        let _g = serial();
        timed(120, || {
            let rt = current_thread();
            let mut failures = Vec::new();
            for per in [1u64, 50, 100, 126, 127, 128] {
                let it = Arc::new(AtomicU64::new(0));
                let spent = Arc::new(AtomicU64::new(0));
                let (it2, s2) = (it.clone(), spent.clone());
                let task = async move {
                    futures::join!(tokio_spender(per, 30, &s2), for_loop(3000, &it2));
                };
                let log = task_polls(&rt, task, move || (it.load(SeqCst), spent.load(SeqCst)));
                let its = diffs(&log.iter().map(|x| x.0).collect::<Vec<_>>());
                let sps = diffs(&log.iter().map(|x| x.1).collect::<Vec<_>>());
                let bad: Vec<(usize, u64, u64)> = its
                    .iter()
                    .zip(&sps)
                    .enumerate()
                    .filter(|(_, (i, s))| {
                        let cap = if per + 1 >= B { B } else { 2 * B };
                        **i > B + 16 + 1 || **i + **s > cap + 16 + 1
                    })
                    .map(|(p, (i, s))| (p, *i, *s))
                    .collect();
                if !bad.is_empty() {
                    failures.push(format!(
                        "per={per}: task polls (poll, loop iterations, tokio units by the other branch) over the bound: {:?}{}",
                        &bad[..bad.len().min(6)],
                        if bad.len() > 6 { format!(" .. {} in all", bad.len()) } else { String::new() }
                    ));
                }
            }
            check(failures);
        });
    }

    /// Another task on the same thread spent coop's counter without tokio (a hot loop's steady
    /// state), then this task spends `pre` tokio units and enters a loop: its first task poll
    /// runs no more than tokio has left plus the first lend (16) plus one.
    #[test]
    fn tokio_other_task_then_spender_then_loop() {
        let _g = serial();
        timed(120, || {
            let mut failures = Vec::new();
            for (pre, delay) in [0u64, 64, 100, 120, 127]
                .into_iter()
                .flat_map(|p| [(p, 0u64), (p, 3)])
            {
                let rt = current_thread();
                let it = Arc::new(AtomicU64::new(0));
                let hot = Arc::new(AtomicU64::new(0));
                let log = Arc::new(Mutex::new(Vec::new()));
                let (it2, it3, h2) = (it.clone(), it.clone(), hot.clone());
                rt.block_on(async {
                    let a = tokio::spawn(async move { for_loop(5000, &h2).await });
                    let b = tokio::spawn(logged(
                        async move {
                            let sp = AtomicU64::new(0);
                            // Let A reach its steady state (lends in step) first.
                            for _ in 0..delay {
                                YieldOnce(false).await;
                            }
                            for _ in 0..pre {
                                tokio::task::coop::consume_budget().await;
                                sp.fetch_add(1, SeqCst);
                            }
                            for_loop(1000, &it2).await;
                        },
                        move || it3.load(SeqCst),
                        log.clone(),
                    ));
                    a.await.unwrap();
                    b.await.unwrap();
                });
                let polls = diffs(&log.lock().unwrap());
                // The poll that spent `pre` units and entered the loop.
                let first = polls.get(delay as usize).copied().unwrap_or(0);
                if first > (B - pre) + 16 + 1 {
                    failures.push(format!(
                        "pre={pre} delay={delay}: task poll ran {first} iterations after {pre} tokio units (tokio had {}), per poll {:?}",
                        B - pre,
                        &polls[..polls.len().min(5)]
                    ));
                }
            }
            check(failures);
        });
    }

    /// FuturesUnordered children sharing one tokio task: each child has a waker of its own, a
    /// task for coop's budget (docs), so a poll of the tokio task runs at most a budget of each
    /// child (+16 first lend +1 resumed); `FuturesUnordered` hands the thread back once two
    /// children yielded, and polls on while children finish.
    #[test]
    fn tokio_futures_unordered_children() {
        let _g = serial();
        timed(120, || {
            use futures::StreamExt;
            let rt = current_thread();
            let mut failures = Vec::new();
            for children in [2u64, 3, 5] {
                let it = Arc::new(AtomicU64::new(0));
                let it2 = it.clone();
                let task = async move {
                    let mut set = futures::stream::FuturesUnordered::new();
                    for _ in 0..children {
                        set.push(for_loop(700, &it2));
                    }
                    while set.next().await.is_some() {}
                };
                let polls = diffs(&task_polls(&rt, task, move || it.load(SeqCst)));
                assert_eq!(polls.iter().sum::<u64>(), 700 * children);
                let cap = children * (B + 17);
                if polls.iter().any(|&p| p > cap) {
                    failures.push(format!(
                        "{children} children: per task poll {polls:?}, cap {cap}"
                    ));
                }
            }
            check(failures);
        });
    }

    /// select!: the loop dropped while parked at its forced yield when the other branch wins,
    /// and a new loop started in the same task; every task poll within tokio's budget (+ the
    /// documented extras), and the work done.
    #[test]
    fn tokio_select_cancel_and_recreate() {
        let _g = serial();
        timed(120, || {
            let rt = current_thread();
            let it = Arc::new(AtomicU64::new(0));
            let it2 = it.clone();
            let task = async move {
                for _ in 0..20 {
                    let mut won = false;
                    tokio::select! {
                        biased;
                        _ = for_loop(10_000, &it2) => {}
                        _ = YieldOnce(false) => { won = true; }
                    }
                    assert!(won);
                }
                for_loop(500, &it2).await;
            };
            let polls = diffs(&task_polls(&rt, task, move || it.load(SeqCst)));
            // Each task poll: at most two loops' worth (a dropped loop's site reached again
            // refills, per the docs) plus the first lends.
            assert!(
                polls.iter().all(|&p| p <= 2 * B + 17),
                "per task poll {polls:?}"
            );
        });
    }

    /// multi_thread: tasks moved between workers; per task poll at most 128 iterations and
    /// forced yields equal Pending polls.
    #[test]
    fn tokio_multi_thread_per_poll() {
        let _g = serial();
        timed(120, || {
            let rt = multi_thread(2);
            let logs: Vec<_> = (0..4).map(|_| Arc::new(Mutex::new(Vec::new()))).collect();
            let before = forced_yield_count();
            rt.block_on(async {
                let mut hs = Vec::new();
                for log in &logs {
                    let it = Arc::new(AtomicU64::new(0));
                    let (it2, it3) = (it.clone(), it.clone());
                    hs.push(tokio::spawn(logged(
                        async move {
                            for r in 0..5u64 {
                                for_loop(1000 + r * 129, &it2).await;
                                tokio::task::yield_now().await;
                            }
                        },
                        move || it3.load(SeqCst),
                        log.clone(),
                    )));
                }
                for h in hs {
                    h.await.unwrap();
                }
            });
            let yields = forced_yield_count() - before;
            let mut pend = 0;
            for log in &logs {
                let polls = diffs(&log.lock().unwrap());
                assert!(polls.iter().all(|&p| p <= B), "per task poll {polls:?}");
                pend += polls.len() as u64 - 1 - 5; // yield_now's 5 are not forced
            }
            assert_eq!(yields, pend);
        });
    }
}
