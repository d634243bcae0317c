//! What changes on tokio when coop-core's `tokio` feature (the bridge) is on: run once with
//! `--features tokio-bridge` and once without (`scripts/test-all.sh` does both). The scenarios
//! that hold either way run on every executor in `executor_matrix.rs`.

use coop_core::{DEFAULT_BUDGET, cooperative};
use coop_test_support::{
    Executor, Race, count_polls, set_flag_once_hot, spin_until_flag, tokio_bridge_is_on,
};

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
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..MESSAGES {
        tx.send(i).unwrap();
    }
    let (sum, polls) = Executor::TokioCurrentThread.race(count_polls(drain_channel(rx)), async {});
    assert_eq!(sum, MESSAGES * (MESSAGES - 1) / 2);
    polls
}

#[cfg(feature = "tokio-bridge")]
#[test]
fn with_bridge_coop_and_tokio_channel_spend_one_budget() {
    assert!(tokio_bridge_is_on());
    // Two units per iteration (yield point + receive) out of one budget of 128.
    let per_poll = u64::from(DEFAULT_BUDGET) / 2;
    assert_eq!(channel_drain_polls(), MESSAGES.div_ceil(per_poll));
}

#[cfg(not(feature = "tokio-bridge"))]
#[test]
fn without_bridge_coop_and_tokio_channel_spend_separate_budgets() {
    assert!(
        !tokio_bridge_is_on(),
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
    let race = Race::new();
    let hot = tokio::task::coop::unconstrained(spin_until_flag(race.clone()));
    Executor::TokioCurrentThread.race(hot, set_flag_once_hot(race))
}

/// `tokio::task::unconstrained` switches tokio's budget off, not coop's: with the bridge too,
/// coop counts by itself there, as without it.
#[test]
fn tokio_unconstrained_leaves_cooperative_loop_fair() {
    assert_eq!(
        spin_race_in_tokio_unconstrained(),
        coop_test_support::FAIR_SPINS
    );
}
