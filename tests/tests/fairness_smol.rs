//! Fairness on smol's executors (async-executor): `LocalExecutor` and `Executor`, driven by one
//! thread, with tasks spawned plain (the thread's ambient budget) and wrapped in `budgeted`.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use coop_core::{DEFAULT_BUDGET, budgeted, cooperative};
use coop_tests::{
    FAIR_SPINS, Race, SPIN_CAP, count_polls, count_ticks_during, count_ticks_during_plain,
    on_fresh_thread, set_flag_once_hot, spin_until_flag, spin_until_flag_plain,
    tick_until_hot_done, wait_until,
};
use smol::{Executor, LocalExecutor};

/// Runs the hot future `hot` and the flag setter on a `LocalExecutor`; returns the spins.
fn spin_race_local<F: Future<Output = u64>>(hot: impl FnOnce(Arc<Race>) -> F) -> u64 {
    let race = Race::new();
    let ex = LocalExecutor::new();
    let hot = ex.spawn(hot(race.clone()));
    let other = ex.spawn(set_flag_once_hot(race.clone()));
    smol::block_on(ex.run(async {
        other.await;
        hot.await
    }))
}

/// The same on a (multi-threaded) `Executor`, run by this thread alone.
fn spin_race_executor<F>(hot: impl FnOnce(Arc<Race>) -> F) -> u64
where
    F: Future<Output = u64> + Send + 'static,
{
    let race = Race::new();
    let ex = Executor::new();
    let hot = ex.spawn(hot(race.clone()));
    let other = ex.spawn(set_flag_once_hot(race.clone()));
    smol::block_on(ex.run(async {
        other.await;
        hot.await
    }))
}

#[test]
fn local_executor_cooperative_loop_lets_other_task_run() {
    assert_eq!(
        on_fresh_thread(|| spin_race_local(spin_until_flag)),
        FAIR_SPINS
    );
}

#[test]
fn local_executor_budgeted_cooperative_loop_lets_other_task_run() {
    let spins = on_fresh_thread(|| spin_race_local(|race| budgeted(spin_until_flag(race))));
    assert_eq!(spins, FAIR_SPINS);
}

#[test]
fn local_executor_plain_loop_starves_other_task() {
    assert_eq!(
        on_fresh_thread(|| spin_race_local(spin_until_flag_plain)),
        SPIN_CAP
    );
}

#[test]
fn executor_cooperative_loop_lets_other_task_run() {
    assert_eq!(
        on_fresh_thread(|| spin_race_executor(spin_until_flag)),
        FAIR_SPINS
    );
}

#[test]
fn executor_budgeted_cooperative_loop_lets_other_task_run() {
    let spins = on_fresh_thread(|| spin_race_executor(|race| budgeted(spin_until_flag(race))));
    assert_eq!(spins, FAIR_SPINS);
}

#[test]
fn executor_plain_loop_starves_other_task() {
    assert_eq!(
        on_fresh_thread(|| spin_race_executor(spin_until_flag_plain)),
        SPIN_CAP
    );
}

/// Units the first task spends before the hot loop starts.
const SPENT_BEFORE: u64 = 100;

/// A task that spends [`SPENT_BEFORE`] units and ends without yielding.
#[cooperative]
async fn spend_some_budget(spent: Arc<AtomicBool>) {
    for _ in 0..SPENT_BEFORE {}
    spent.store(true, Ordering::SeqCst);
}

/// A task spends [`SPENT_BEFORE`] units first; then the hot loop, wrapped by `wrap`, races the
/// flag setter. Returns the hot loop's spins.
fn spins_after_another_task_spent_budget<F>(wrap: impl FnOnce(Arc<Race>) -> F + Send) -> u64
where
    F: Future<Output = u64>,
{
    on_fresh_thread(|| {
        let race = Race::new();
        let spent = Arc::new(AtomicBool::new(false));
        let ex = LocalExecutor::new();
        let first = ex.spawn(spend_some_budget(spent.clone()));
        let hot_race = race.clone();
        let hot = ex.spawn(async move {
            wait_until(|| spent.load(Ordering::SeqCst)).await;
            wrap(hot_race).await
        });
        let other = ex.spawn(set_flag_once_hot(race));
        smol::block_on(ex.run(async {
            first.await;
            other.await;
            hot.await
        }))
    })
}

#[test]
fn ambient_budget_carries_over_between_plain_tasks() {
    // The hot task starts with what the first task left: 128 - 100 units.
    let spins = spins_after_another_task_spent_budget(spin_until_flag);
    assert_eq!(spins, u64::from(DEFAULT_BUDGET) - SPENT_BEFORE + 1);
}

#[test]
fn budgeted_task_starts_with_a_full_budget() {
    let spins = spins_after_another_task_spent_budget(|race| budgeted(spin_until_flag(race)));
    assert_eq!(spins, FAIR_SPINS);
}

/// Ten budgets' worth of iterations: a cooperative loop yields nine times.
const TICKER_ITERATIONS: u64 = 10 * DEFAULT_BUDGET as u64;

/// Runs a hot loop beside a ticker on a `LocalExecutor`; returns ticks seen and polls taken.
fn ticker_race_local<F: Future<Output = u64>>(
    hot: impl FnOnce(Arc<Race>, u64) -> F + Send,
) -> (u64, u64) {
    on_fresh_thread(|| {
        let race = Race::new();
        let ex = LocalExecutor::new();
        let ticker = ex.spawn(tick_until_hot_done(race.clone()));
        let hot = ex.spawn(count_polls(hot(race, TICKER_ITERATIONS)));
        smol::block_on(ex.run(async {
            ticker.await;
            hot.await
        }))
    })
}

#[test]
fn local_executor_cooperative_loop_lets_ticker_tick_at_every_forced_yield() {
    let (ticks, polls) = ticker_race_local(count_ticks_during);
    assert_eq!(polls, 10);
    assert!(
        ticks >= polls - 1,
        "one tick per yield at least, saw {ticks}"
    );
}

#[test]
fn local_executor_plain_loop_never_lets_ticker_tick() {
    assert_eq!(ticker_race_local(count_ticks_during_plain), (0, 1));
}
