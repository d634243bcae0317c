//! Fairness on tokio: current-thread (`spawn`, `LocalSet`, `block_on`) and multi-thread with one
//! worker, with coop-core's `tokio` feature (`--features tokio-bridge`) on and off.
//!
//! Every test runs on a fresh thread (see `on_fresh_thread`) so the ambient budget starts full,
//! and puts the hot loop and the other task on one worker.

use std::future::Future;
use std::sync::Arc;

use coop_core::{DEFAULT_BUDGET, cooperative};
use coop_tests::{
    FAIR_SPINS, Race, SPIN_CAP, count_polls, count_ticks_during, count_ticks_during_plain,
    on_fresh_thread, set_flag_once_hot, spin_until_flag, spin_until_flag_plain,
    tick_until_hot_done,
};
use tokio::runtime::{Builder, Runtime};
use tokio::task::LocalSet;

fn current_thread() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

/// Spawns `hot` and then the flag setter as tokio tasks on `rt`; returns the hot loop's spins.
fn spin_race_spawned<H, F>(rt: Runtime, hot: H) -> u64
where
    H: FnOnce(Arc<Race>) -> F,
    F: Future<Output = u64> + Send + 'static,
{
    let race = Race::new();
    rt.block_on(async {
        let hot = tokio::spawn(hot(race.clone()));
        let other = tokio::spawn(set_flag_once_hot(race.clone()));
        let spins = hot.await.unwrap();
        other.await.unwrap();
        assert!(race.flag());
        spins
    })
}

#[test]
fn current_thread_spawn_cooperative_loop_lets_other_task_run() {
    let spins = on_fresh_thread(|| spin_race_spawned(current_thread(), spin_until_flag));
    assert_eq!(spins, FAIR_SPINS);
}

#[test]
fn current_thread_spawn_plain_loop_starves_other_task() {
    let spins = on_fresh_thread(|| spin_race_spawned(current_thread(), spin_until_flag_plain));
    assert_eq!(spins, SPIN_CAP);
}

#[test]
fn multi_thread_one_worker_cooperative_loop_lets_other_task_run() {
    let spins = on_fresh_thread(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        spin_race_spawned(rt, spin_until_flag)
    });
    assert_eq!(spins, FAIR_SPINS);
}

#[test]
fn multi_thread_one_worker_plain_loop_starves_other_task() {
    let spins = on_fresh_thread(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        spin_race_spawned(rt, spin_until_flag_plain)
    });
    assert_eq!(spins, SPIN_CAP);
}

/// Runs `hot` and the flag setter with `spawn_local` on a `LocalSet`.
fn spin_race_local_set<F: Future<Output = u64> + 'static>(hot: impl FnOnce(Arc<Race>) -> F) -> u64 {
    let race = Race::new();
    let local = LocalSet::new();
    current_thread().block_on(local.run_until(async {
        let hot = tokio::task::spawn_local(hot(race.clone()));
        let other = tokio::task::spawn_local(set_flag_once_hot(race.clone()));
        let spins = hot.await.unwrap();
        other.await.unwrap();
        spins
    }))
}

#[test]
fn local_set_cooperative_loop_lets_other_task_run() {
    let spins = on_fresh_thread(|| spin_race_local_set(spin_until_flag));
    assert_eq!(spins, FAIR_SPINS);
}

#[test]
fn local_set_plain_loop_starves_other_task() {
    let spins = on_fresh_thread(|| spin_race_local_set(spin_until_flag_plain));
    assert_eq!(spins, SPIN_CAP);
}

/// Runs `hot` as `block_on`'s root future (not a task) with the flag setter spawned beside it.
fn spin_race_block_on<F: Future<Output = u64>>(hot: impl FnOnce(Arc<Race>) -> F) -> u64 {
    let race = Race::new();
    current_thread().block_on(async {
        let other = tokio::spawn(set_flag_once_hot(race.clone()));
        let spins = hot(race.clone()).await;
        other.await.unwrap();
        spins
    })
}

#[test]
fn block_on_cooperative_root_future_lets_spawned_task_run() {
    let spins = on_fresh_thread(|| spin_race_block_on(spin_until_flag));
    assert_eq!(spins, FAIR_SPINS);
}

#[test]
fn block_on_plain_root_future_starves_spawned_task() {
    let spins = on_fresh_thread(|| spin_race_block_on(spin_until_flag_plain));
    assert_eq!(spins, SPIN_CAP);
}

/// Iterations of the ticker tests: ten budgets' worth, so a cooperative loop yields nine times.
const TICKER_ITERATIONS: u64 = 10 * DEFAULT_BUDGET as u64;

/// Runs a hot loop of [`TICKER_ITERATIONS`] beside a ticker; returns the ticks the loop saw and
/// how many polls it took.
fn ticker_race<F>(hot: impl FnOnce(Arc<Race>, u64) -> F) -> (u64, u64)
where
    F: Future<Output = u64> + Send + 'static,
{
    let race = Race::new();
    current_thread().block_on(async {
        let ticker = tokio::spawn(tick_until_hot_done(race.clone()));
        let hot = tokio::spawn(count_polls(hot(race.clone(), TICKER_ITERATIONS)));
        let seen = hot.await.unwrap();
        ticker.await.unwrap();
        seen
    })
}

#[test]
fn cooperative_loop_lets_ticker_tick_at_every_forced_yield() {
    let (ticks, polls) = on_fresh_thread(|| ticker_race(count_ticks_during));
    assert_eq!(polls, 10, "one poll per budget of iterations");
    assert!(
        ticks >= polls - 1,
        "the ticker ran at each of the {} yields, saw {ticks}",
        polls - 1
    );
}

#[test]
fn plain_loop_never_lets_ticker_tick() {
    let (ticks, polls) = on_fresh_thread(|| ticker_race(count_ticks_during_plain));
    assert_eq!((ticks, polls), (0, 1));
}

/// Messages in the channel tests: always ready, so only budgets make the loop yield.
const MESSAGES: u64 = 1000;

/// Reads every message of a pre-filled tokio channel, one per iteration: each iteration passes
/// the loop's yield point and a tokio channel receive.
#[cooperative]
async fn drain_channel(mut rx: tokio::sync::mpsc::UnboundedReceiver<u64>) -> u64 {
    let mut sum = 0;
    for _ in 0..MESSAGES {
        sum += rx.recv().await.unwrap();
    }
    sum
}

/// How many polls [`drain_channel`] takes as a tokio task.
fn channel_drain_polls() -> u64 {
    on_fresh_thread(|| {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        for i in 0..MESSAGES {
            tx.send(i).unwrap();
        }
        current_thread().block_on(async {
            let (sum, polls) = tokio::spawn(count_polls(drain_channel(rx))).await.unwrap();
            assert_eq!(sum, MESSAGES * (MESSAGES - 1) / 2);
            polls
        })
    })
}

/// Whether coop-core's tokio bridge is on in this build, whatever this package's features say:
/// Cargo unifies features, so another package in the same build can switch it on. Inside a
/// task, with the bridge on, spending tokio's budget spends coop's.
fn bridge_is_on() -> bool {
    on_fresh_thread(|| {
        current_thread().block_on(async {
            tokio::spawn(async {
                for _ in 0..DEFAULT_BUDGET {
                    tokio::task::coop::consume_budget().await;
                }
                !coop_core::has_budget_remaining()
            })
            .await
            .unwrap()
        })
    })
}

#[cfg(feature = "tokio-bridge")]
#[test]
fn with_bridge_coop_and_tokio_channel_spend_one_budget() {
    assert!(bridge_is_on());
    // Two units per iteration (yield point + receive) out of one budget of 128.
    let per_poll = u64::from(DEFAULT_BUDGET) / 2;
    assert_eq!(channel_drain_polls(), MESSAGES.div_ceil(per_poll));
}

#[cfg(not(feature = "tokio-bridge"))]
#[test]
fn without_bridge_coop_and_tokio_channel_spend_separate_budgets() {
    assert!(
        !bridge_is_on(),
        "coop-core's tokio feature is on through feature unification; \
         run `cargo test -p coop-tests` on its own"
    );
    // coop's ambient budget and tokio's run side by side, 128 units each, one per iteration.
    assert_eq!(
        channel_drain_polls(),
        MESSAGES.div_ceil(u64::from(DEFAULT_BUDGET))
    );
}

/// Runs the cooperative spin-wait inside `tokio::task::coop::unconstrained` in a task.
fn spin_race_in_tokio_unconstrained() -> u64 {
    on_fresh_thread(|| {
        spin_race_spawned(current_thread(), |race| {
            tokio::task::coop::unconstrained(spin_until_flag(race))
        })
    })
}

#[cfg(feature = "tokio-bridge")]
#[test]
fn with_bridge_tokio_unconstrained_silences_cooperative_loop() {
    assert_eq!(spin_race_in_tokio_unconstrained(), SPIN_CAP);
}

#[cfg(not(feature = "tokio-bridge"))]
#[test]
fn without_bridge_tokio_unconstrained_leaves_cooperative_loop_fair() {
    assert_eq!(spin_race_in_tokio_unconstrained(), FAIR_SPINS);
}

#[test]
fn budgeted_task_on_tokio_gets_coops_own_budget() {
    let spins = on_fresh_thread(|| {
        spin_race_spawned(current_thread(), |race| {
            coop_core::budgeted(spin_until_flag(race))
        })
    });
    assert_eq!(spins, FAIR_SPINS);
}
