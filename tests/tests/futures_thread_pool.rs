//! futures' `ThreadPool`, the one executor outside the matrix (`executor_matrix.rs`): it polls a
//! task that woke itself during its poll again at once, without going back to its queue
//! (rust-lang/futures-rs#617), so on a pool of one thread no yield point lets another task in.

use coop_core::DEFAULT_BUDGET;
use coop_test_support::{
    Race, SPIN_CAP, count_polls, set_flag_once_hot, spin_until_flag, spin_until_flag_plain,
};
use futures::executor::{ThreadPool, block_on};
use futures::task::SpawnExt;
use std::future::Future;
use std::sync::Arc;

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
    // The cooperative loop yields once per budget, as everywhere, but the pool's one thread
    // never runs the other task in between. Fairness there needs a second pool thread, or
    // another executor.
    let (spins, polls) = spin_race_thread_pool(|race| count_polls(spin_until_flag(race)));
    assert_eq!(spins, SPIN_CAP);
    assert_eq!(polls, (SPIN_CAP - 1) / u64::from(DEFAULT_BUDGET) + 1);
}

#[test]
fn thread_pool_of_one_plain_loop_starves_other_task() {
    let (spins, polls) = spin_race_thread_pool(|race| count_polls(spin_until_flag_plain(race)));
    assert_eq!((spins, polls), (SPIN_CAP, 1));
}
