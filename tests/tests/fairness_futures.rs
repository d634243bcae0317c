//! Fairness on the futures crate's executors: `LocalPool`, a one-thread `ThreadPool`, and
//! `block_on`, whose single future shares its thread only with its own branches.

mod common;
use common::race_on_local_pool;

use std::future::Future;
use std::sync::Arc;

use coop_core::{DEFAULT_BUDGET, cooperative};
use coop_tests::{
    FAIR_SPINS, Race, SPIN_CAP, count_polls, count_ticks_during, count_ticks_during_plain,
    on_fresh_thread, set_flag_once_hot, spin_until_flag, spin_until_flag_plain,
};
use futures::executor::{LocalPool, ThreadPool, block_on};
use futures::task::{LocalSpawnExt, SpawnExt};

/// Runs `hot` and the flag setter on a `LocalPool`; returns the spins.
fn spin_race_local_pool<F>(hot: impl FnOnce(Arc<Race>) -> F) -> u64
where
    F: Future<Output = u64> + 'static,
{
    let race = Race::new();
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let hot = spawner.spawn_local_with_handle(hot(race.clone())).unwrap();
    spawner
        .spawn_local(set_flag_once_hot(race.clone()))
        .unwrap();
    pool.run_until(hot)
}

#[test]
fn local_pool_cooperative_loop_lets_other_task_run() {
    assert_eq!(
        on_fresh_thread(|| spin_race_local_pool(spin_until_flag)),
        FAIR_SPINS
    );
}

#[test]
fn local_pool_plain_loop_starves_other_task() {
    assert_eq!(
        on_fresh_thread(|| spin_race_local_pool(spin_until_flag_plain)),
        SPIN_CAP
    );
}

/// Runs `hot` and the flag setter on a `ThreadPool` of one thread; this thread only waits.
fn spin_race_thread_pool<F, T>(hot: impl FnOnce(Arc<Race>) -> F) -> T
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let race = Race::new();
    let pool = ThreadPool::builder().pool_size(1).create().unwrap();
    let hot = pool.spawn_with_handle(hot(race.clone())).unwrap();
    let other = pool.spawn_with_handle(set_flag_once_hot(race)).unwrap();
    block_on(async {
        other.await;
        hot.await
    })
}

#[test]
fn thread_pool_repolls_a_self_woken_task_so_its_yields_cannot_help() {
    // futures' `ThreadPool` polls a task that woke itself during its poll again at once, without
    // going back to its queue (rust-lang/futures-rs#617): the cooperative loop yields once per
    // budget, as everywhere, but the pool's one thread never runs the other task in between.
    // Fairness there needs a second pool thread, or another executor.
    let (spins, polls) = spin_race_thread_pool(|race| count_polls(spin_until_flag(race)));
    assert_eq!(spins, SPIN_CAP);
    assert_eq!(polls, (SPIN_CAP - 1) / u64::from(DEFAULT_BUDGET) + 1);
}

#[test]
fn thread_pool_of_one_plain_loop_starves_other_task() {
    let (spins, polls) = spin_race_thread_pool(|race| count_polls(spin_until_flag_plain(race)));
    assert_eq!((spins, polls), (SPIN_CAP, 1));
}

/// Runs `hot` joined with the flag setter as `block_on`'s one future.
fn spin_race_block_on<F: Future<Output = u64>>(hot: impl FnOnce(Arc<Race>) -> F) -> u64 {
    let race = Race::new();
    let (spins, ()) = block_on(futures::future::join(
        hot(race.clone()),
        set_flag_once_hot(race),
    ));
    spins
}

#[test]
fn block_on_cooperative_loop_lets_joined_future_run() {
    assert_eq!(
        on_fresh_thread(|| spin_race_block_on(spin_until_flag)),
        FAIR_SPINS
    );
}

#[test]
fn block_on_plain_loop_starves_joined_future() {
    assert_eq!(
        on_fresh_thread(|| spin_race_block_on(spin_until_flag_plain)),
        SPIN_CAP
    );
}

/// A thousand iterations of nothing but the loop's yield point.
#[cooperative]
async fn thousand_iterations() {
    for _ in 0..1000 {}
}

#[test]
fn block_on_cooperative_loop_yields_once_per_budget() {
    let ((), polls) = on_fresh_thread(|| block_on(count_polls(thousand_iterations())));
    // Forced yields at iterations 129, 257, ..., 897: seven, so eight polls.
    assert_eq!(polls - 1, 1000 / u64::from(DEFAULT_BUDGET));
}

/// Ten budgets' worth of iterations: a cooperative loop yields nine times.
const TICKER_ITERATIONS: u64 = 10 * DEFAULT_BUDGET as u64;

#[test]
fn local_pool_cooperative_loop_lets_ticker_tick_at_every_forced_yield() {
    let (ticks, polls) = race_on_local_pool(|race| count_ticks_during(race, TICKER_ITERATIONS));
    assert_eq!(polls, 10);
    assert!(
        ticks >= polls - 1,
        "one tick per yield at least, saw {ticks}"
    );
}

#[test]
fn local_pool_plain_loop_never_lets_ticker_tick() {
    assert_eq!(
        race_on_local_pool(|race| count_ticks_during_plain(race, TICKER_ITERATIONS)),
        (0, 1)
    );
}
