//! Drivers shared by the fairness tests that need the dev-dependencies (`futures`).

use std::future::Future;
use std::sync::Arc;

use coop_tests::{Race, count_polls, on_fresh_thread, tick_until_hot_done};
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;

/// Runs the hot future `hot` makes beside [`tick_until_hot_done`] on a fresh thread's
/// `LocalPool`; returns what the hot future returned and how many polls it took.
pub(crate) fn race_on_local_pool<F>(hot: impl FnOnce(Arc<Race>) -> F + Send) -> (u64, u64)
where
    F: Future<Output = u64> + 'static,
{
    on_fresh_thread(|| {
        let race = Race::new();
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        let ticker = spawner
            .spawn_local_with_handle(tick_until_hot_done(race.clone()))
            .unwrap();
        let hot = spawner
            .spawn_local_with_handle(count_polls(hot(race)))
            .unwrap();
        pool.run_until(async {
            ticker.await;
            hot.await
        })
    })
}
