//! Nested shapes that real code has: a hot loop in a `join!` or `select!` branch, a stream
//! drained in a `while let` loop, loops in `FuturesUnordered` children, and several hot loops
//! sharing one budgeted task. Every test finishes: nothing livelocks.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use coop_core::{DEFAULT_BUDGET, budgeted, cooperative};
use coop_test_support::{
    Executor, FAIR_SPINS, Race, SPIN_CAP, cooperative_twins, count_polls, forced_yields,
    set_flag_once_hot, spin_until_flag, spin_until_flag_plain, tick_until_hot_done, wait_until,
};
use futures::stream::{FuturesUnordered, Stream, StreamExt};

/// Runs `fut` as a tokio task on a fresh current-thread runtime, on a fresh thread.
fn in_tokio_task<T: Send + 'static>(fut: impl Future<Output = T> + Send + 'static) -> T {
    Executor::TokioCurrentThread.race(fut, async {})
}

/// The hot loop joined with the flag setter in one tokio task.
async fn spin_in_join_branch<F: Future<Output = u64>>(hot: impl FnOnce(Arc<Race>) -> F) -> u64 {
    let race = Race::new();
    let (spins, ()) = futures::join!(hot(race.clone()), set_flag_once_hot(race));
    spins
}

#[test]
fn cooperative_loop_in_join_branch_lets_other_branch_run() {
    assert_eq!(
        in_tokio_task(spin_in_join_branch(spin_until_flag)),
        FAIR_SPINS
    );
}

#[test]
fn plain_loop_in_join_branch_starves_other_branch() {
    assert_eq!(
        in_tokio_task(spin_in_join_branch(spin_until_flag_plain)),
        SPIN_CAP
    );
}

cooperative_twins! {
    /// Work that runs until [`SPIN_CAP`] iterations unless cancelled, counting its iterations
    /// in `done` so they are known after a `select!` drops it.
    async fn long_work / long_work_plain(done: Arc<AtomicU64>, race: Arc<Race>) {
        race.start_hot();
        while done.load(Ordering::SeqCst) < SPIN_CAP {
            done.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// How a `select!` between the work and a shutdown signal ended.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// The shutdown branch won, after this many iterations of work.
    ShutDown(u64),
    /// The work ran to its end first.
    Finished(u64),
}

/// `tokio::select!` (biased toward shutdown) between `work` and a oneshot that another task
/// fires as soon as the work has begun.
fn select_work_against_shutdown<F>(work: fn(Arc<AtomicU64>, Arc<Race>) -> F) -> Outcome
where
    F: Future<Output = ()> + Send + 'static,
{
    in_tokio_task(async move {
        let race = Race::new();
        let done = Arc::new(AtomicU64::new(0));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let signal_race = race.clone();
        let signaller = tokio::spawn(async move {
            wait_until(|| signal_race.hot_started()).await;
            let _ = tx.send(());
        });
        let outcome = tokio::select! {
            biased;
            _ = rx => Outcome::ShutDown(done.load(Ordering::SeqCst)),
            () = work(done.clone(), race) => Outcome::Finished(done.load(Ordering::SeqCst)),
        };
        signaller.await.unwrap();
        outcome
    })
}

#[test]
fn cooperative_loop_in_select_branch_lets_shutdown_win() {
    // Cancelled at the yield point heading iteration 129: one full budget of work done.
    assert_eq!(
        select_work_against_shutdown(long_work),
        Outcome::ShutDown(u64::from(DEFAULT_BUDGET))
    );
}

#[test]
fn plain_loop_in_select_branch_runs_to_its_end_before_shutdown() {
    assert_eq!(
        select_work_against_shutdown(long_work_plain),
        Outcome::Finished(SPIN_CAP)
    );
}

/// Items in the stream tests: always ready, so only the budget makes the loop yield.
const ITEMS: u64 = 1000;

cooperative_twins! {
    /// Drains an always-ready stream in a `while let` loop; returns the ticks seen meanwhile.
    async fn drain_stream / drain_stream_plain(
        race: Arc<Race>,
        mut items: impl Stream<Item = u64> + Unpin + Send,
    ) -> u64 {
        race.start_hot();
        let first = race.ticks();
        let mut sum = 0;
        while let Some(item) = items.next().await {
            sum += item;
        }
        assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
        race.finish_hot();
        race.ticks() - first
    }
}

/// Runs `hot` (counting its polls) beside the ticker on a `LocalPool`: ticks seen and polls.
fn beside_ticker_on_local_pool<F>(hot: impl FnOnce(Arc<Race>) -> F) -> (u64, u64)
where
    F: Future<Output = u64> + Send + 'static,
{
    let race = Race::new();
    let hot = count_polls(hot(race.clone()));
    Executor::FuturesLocalPool.race(hot, async move {
        tick_until_hot_done(race).await;
    })
}

#[test]
fn cooperative_while_let_over_ready_stream_lets_ticker_tick() {
    let (ticks, polls) =
        beside_ticker_on_local_pool(|race| drain_stream(race, futures::stream::iter(0..ITEMS)));
    // 1000 items and the `None` that ends the loop: 1001 iterations, 7 forced yields.
    assert_eq!(polls - 1, forced_yields(ITEMS + 1));
    assert!(
        ticks >= polls - 1,
        "one tick per yield at least, saw {ticks}"
    );
}

#[test]
fn plain_while_let_over_ready_stream_never_lets_ticker_tick() {
    let drained = beside_ticker_on_local_pool(|race| {
        drain_stream_plain(race, futures::stream::iter(0..ITEMS))
    });
    assert_eq!(drained, (0, 1));
}

/// Children spinning on one flag inside `FuturesUnordered`.
const CHILDREN: usize = 4;

/// Spawns one task that drives [`CHILDREN`] spin-waits in a `FuturesUnordered`, and the flag
/// setter beside it, on tokio; returns each child's spins.
fn spin_children<F>(child: fn(Arc<Race>) -> F) -> Vec<u64>
where
    F: Future<Output = u64> + Send + 'static,
{
    let race = Race::new();
    let children: FuturesUnordered<_> = (0..CHILDREN).map(|_| child(race.clone())).collect();
    Executor::TokioCurrentThread.race(children.collect::<Vec<u64>>(), set_flag_once_hot(race))
}

#[test]
fn cooperative_loops_in_futures_unordered_children_let_other_task_run() {
    let spins = spin_children(spin_until_flag);
    assert_eq!(spins.len(), CHILDREN);
    // `FuturesUnordered` hands the thread back to the executor once two children have yielded
    // in one poll, so at most two budgets are spun before the other task runs. (With coop's
    // ambient budget, refilled at each forced yield, two children spin a full budget each; with
    // tokio's, spent once per task poll, the first child takes it all.)
    let total: u64 = spins.iter().sum();
    assert!(
        total <= 2 * FAIR_SPINS,
        "the flag was set within two budgets of spinning: {spins:?}"
    );
}

#[test]
fn plain_loops_in_futures_unordered_children_starve_other_task() {
    assert_eq!(
        spin_children(spin_until_flag_plain),
        vec![SPIN_CAP; CHILDREN]
    );
}

/// Iterations of each loop in the budgeted-join test.
const ITERATIONS: u64 = 1000;

/// A loop of [`ITERATIONS`] that only spends budget.
#[cooperative]
async fn spend_iterations() {
    for _ in 0..ITERATIONS {}
}

#[test]
fn two_hot_loops_joined_in_a_budgeted_task_both_finish() {
    // Inside `budgeted` a spent budget stays spent until the poll ends: the second branch's
    // yield points return `Pending` while the first hogs the budget, yet each poll still makes
    // progress, so the task finishes.
    let ((), polls) = in_tokio_task(count_polls(budgeted(async {
        futures::join!(spend_iterations(), spend_iterations());
    })));
    // And no poll is wasted: one per budget of units, as for a single loop.
    assert_eq!(polls, (2 * ITERATIONS).div_ceil(u64::from(DEFAULT_BUDGET)));
}
