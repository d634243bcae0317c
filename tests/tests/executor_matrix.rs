//! Every scenario once, on every executor: tokio (current-thread, `LocalSet`, multi-thread with
//! one worker, `block_on`), smol (`LocalExecutor` and `Executor`, tasks plain and `budgeted`),
//! futures (`LocalPool`, `block_on`) and a hand-written executor with and without a budget
//! scope per poll. `executor_matrix!` makes one module per executor (`tokio_local_set::…`), each
//! running all the tests below; `scripts/test-all.sh` runs them with coop-core's tokio bridge
//! off and on.
//!
//! A scenario is a hot loop and another task on one thread, counted, never timed: a cooperative
//! spin-wait ends at iteration 129 (`FAIR_SPINS`), once its budget of 128 is spent and the other
//! task has set the flag; a plain one runs to `SPIN_CAP`, starved.
//!
//! The time-slice scenarios run their hot loop on a manual clock that the loop moves by
//! [`PACE`] per iteration, and set the process default budget to 128 units and a slice of ten
//! iterations ([`sliced_default`]). The other scenarios never move their threads' clocks, so a
//! slice never ends for them and their counts hold whether a slice scenario ran before or not.

use coop_core::{Budget, DEFAULT_BUDGET, budgeted, budgeted_with, cooperative, unconstrained};
use coop_test_support::{
    FAIR_SPINS, Race, SPIN_CAP, Task, count_polls, count_ticks_during, count_ticks_during_plain,
    executor_matrix, forced_yields, set_flag_once_hot, sliced_default, spin_paced_until_flag,
    spin_until_flag, spin_until_flag_plain, tick_until_hot_done, wait_until, yield_now,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The time slice of the slice scenarios, and the manual time each of their iterations takes.
const SLICE: Duration = Duration::from_micros(1);
const PACE: Duration = Duration::from_nanos(100);

/// Where a spin-wait under [`SLICE`] ends: ten iterations fit in the slice, the eleventh finds
/// it over and yields, the other task sets the flag, and that iteration is the last.
const SLICED_SPINS: u64 = 11;

/// Iterations of the ticker scenarios: ten budgets' worth, so a cooperative loop yields nine
/// times.
const TICKER_ITERATIONS: u64 = 10 * DEFAULT_BUDGET as u64;

/// Units spent before the hot loop starts, in the carry-over scenarios.
const SPENT_BEFORE: u64 = 100;

/// A thousand iterations of nothing but the loop's yield point.
#[cooperative]
async fn thousand_iterations() {
    for _ in 0..1000 {}
}

/// Spends [`SPENT_BEFORE`] units without yielding.
#[cooperative]
async fn spend_some_budget() {
    for _ in 0..SPENT_BEFORE {}
}

/// Where a cooperative spin-wait ends when [`SPENT_BEFORE`] units were spent before it: at
/// [`FAIR_SPINS`] if its poll starts with a full budget, else one iteration after the 28 units
/// the ambient budget has left.
fn spins_after_spending(fresh_budget_per_poll: bool) -> u64 {
    if fresh_budget_per_poll {
        FAIR_SPINS
    } else {
        u64::from(DEFAULT_BUDGET) - SPENT_BEFORE + 1
    }
}

/// The other task of the ticker scenarios, with its tick count dropped.
async fn ticker(race: Arc<Race>) {
    tick_until_hot_done(race).await;
}

executor_matrix! {
    #[test]
    fn cooperative_spin_wait_lets_other_task_run() {
        let race = Race::new();
        let spins = EXECUTOR.race(spin_until_flag(race.clone()), set_flag_once_hot(race));
        assert_eq!(spins, FAIR_SPINS);
    }

    #[test]
    fn plain_spin_wait_starves_other_task() {
        let race = Race::new();
        let spins = EXECUTOR.race(spin_until_flag_plain(race.clone()), set_flag_once_hot(race));
        assert_eq!(spins, SPIN_CAP);
    }

    #[test]
    fn budgeted_spin_wait_lets_other_task_run() {
        let race = Race::new();
        let hot = budgeted(spin_until_flag(race.clone()));
        assert_eq!(EXECUTOR.race(hot, set_flag_once_hot(race)), FAIR_SPINS);
    }

    #[test]
    fn cooperative_loop_lets_ticker_tick_at_every_forced_yield() {
        let race = Race::new();
        let hot = count_polls(count_ticks_during(race.clone(), TICKER_ITERATIONS));
        let (ticks, polls) = EXECUTOR.race(hot, ticker(race));
        assert_eq!(polls, 10, "one poll per budget of iterations");
        assert!(ticks >= polls - 1, "the ticker ran at each of the {} yields, saw {ticks}", polls - 1);
    }

    #[test]
    fn plain_loop_never_lets_ticker_tick() {
        let race = Race::new();
        let hot = count_polls(count_ticks_during_plain(race.clone(), TICKER_ITERATIONS));
        assert_eq!(EXECUTOR.race(hot, ticker(race)), (0, 1));
    }

    #[test]
    fn thousand_iterations_yield_once_per_budget() {
        let ((), polls) = EXECUTOR.race(count_polls(thousand_iterations()), async {});
        // Forced yields at iterations 129, 257, ..., 897: seven, so eight polls.
        assert_eq!(polls, forced_yields(1000) + 1);
    }

    #[test]
    fn budget_carries_over_between_tasks_unless_each_poll_gets_its_own() {
        // A first task spends 100 units and ends; then the hot task races the flag setter.
        let race = Race::new();
        let spent = Arc::new(AtomicBool::new(false));
        let spins = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let first: Task = Box::pin({
            let spent = spent.clone();
            async move {
                spend_some_budget().await;
                spent.store(true, Ordering::SeqCst);
            }
        });
        let hot: Task = Box::pin({
            let (race, spins) = (race.clone(), spins.clone());
            async move {
                wait_until(|| spent.load(Ordering::SeqCst)).await;
                spins.store(spin_until_flag(race).await, Ordering::SeqCst);
            }
        });
        EXECUTOR.run(vec![first, hot, Box::pin(set_flag_once_hot(race))]);
        assert_eq!(
            spins.load(Ordering::SeqCst),
            spins_after_spending(EXECUTOR.fresh_budget_per_poll(1))
        );
    }

    #[test]
    fn budget_carries_over_between_polls_unless_each_poll_gets_its_own() {
        // The hot task spends 100 units in one poll, yields, and races in its next poll.
        let race = Race::new();
        let hot = {
            let race = race.clone();
            async move {
                spend_some_budget().await;
                yield_now().await;
                spin_until_flag(race).await
            }
        };
        let spins = EXECUTOR.race(hot, set_flag_once_hot(race));
        assert_eq!(spins, spins_after_spending(EXECUTOR.fresh_budget_per_poll(0)));
    }

    #[test]
    fn default_time_slice_lets_other_task_run() {
        // The default reaches every budget: the ambient one, `budget` per poll, `budgeted`, and
        // with the bridge tokio's budget in a task.
        sliced_default(Budget::DEFAULT.slice(SLICE));
        let race = Race::new();
        let spins = EXECUTOR.race(spin_paced_until_flag(race.clone(), PACE), set_flag_once_hot(race));
        assert_eq!(spins, SLICED_SPINS);
    }

    #[test]
    fn budgeted_with_a_time_slice_lets_other_task_run() {
        sliced_default(Budget::DEFAULT.slice(SLICE));
        let race = Race::new();
        let sliced = Budget::units(u16::MAX).slice(SLICE);
        let hot = budgeted_with(sliced, spin_paced_until_flag(race.clone(), PACE));
        assert_eq!(EXECUTOR.race(hot, set_flag_once_hot(race)), SLICED_SPINS);
    }

    #[test]
    fn unconstrained_loop_is_never_forced_to_yield_by_time() {
        sliced_default(Budget::DEFAULT.slice(SLICE));
        let race = Race::new();
        let hot = unconstrained(spin_paced_until_flag(race.clone(), PACE));
        assert_eq!(EXECUTOR.race(hot, set_flag_once_hot(race)), SPIN_CAP);
    }

    #[test]
    fn a_slice_that_never_ends_changes_no_count() {
        sliced_default(Budget::DEFAULT.slice(SLICE));
        let ((), polls) = EXECUTOR.race(count_polls(thousand_iterations()), async {});
        assert_eq!(polls, forced_yields(1000) + 1);
    }
}
