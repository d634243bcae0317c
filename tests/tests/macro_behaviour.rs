//! What `#[cooperative]` and `#[unconstrained]` do at run time, counted exactly: how many times
//! each shape is forced to yield, polled by a small counting executor with no budget scope, so
//! the budget is the thread's ambient one (128 units, refilled at each forced yield).
//!
//! Each test runs on a fresh thread so its ambient budget starts full (coop-test-support's
//! `count_yields_on_fresh_thread`, which also checks that each yield woke the task once). With one unit per
//! iteration, iteration 129 finds the budget spent and yields; the refill then lasts 128 more
//! iterations: `n` iterations yield `(n - 1) / 128` times, so 1000 iterations yield 7 times.

use std::future::Future;

use coop_core::{cooperative, unconstrained};
use coop_test_support::{count_yields_on_fresh_thread as on_fresh_thread, forced_yields};

#[cooperative]
async fn for_loop(n: u32) -> u32 {
    let mut count = 0;
    for _ in 0..n {
        count += 1;
    }
    count
}

#[test]
fn for_loop_of_1000_iterations_yields_exactly_7_times() {
    assert_eq!(on_fresh_thread(|| for_loop(1000)), (1000, 7));
    assert_eq!(on_fresh_thread(|| for_loop(128)), (128, 0));
    assert_eq!(on_fresh_thread(|| for_loop(129)), (129, 1));
}

#[cooperative]
async fn every_loop_kind(n: u32) -> u32 {
    let mut count = 0;
    let mut i = 0;
    while i < n {
        i += 1;
        count += 1;
    }
    let mut items: Vec<u32> = (0..n).collect();
    while let Some(_item) = items.pop() {
        count += 1;
    }
    let mut j = 0;
    loop {
        if j == n {
            break;
        }
        j += 1;
        count += 1;
    }
    count
}

#[test]
fn while_while_let_and_loop_spend_one_unit_per_iteration() {
    assert_eq!(
        on_fresh_thread(|| every_loop_kind(1000)),
        (3000, forced_yields(3000))
    );
    // `loop` runs its body once more than it counts: the iteration that breaks.
    assert_eq!(forced_yields(3001), 23);
}

#[cooperative]
async fn labelled_continue(n: u32) -> u32 {
    let mut outer = 0;
    'outer: for _ in 0..n {
        outer += 1;
        #[allow(clippy::never_loop)]
        loop {
            continue 'outer;
        }
    }
    outer
}

#[test]
fn continue_paths_pass_the_yield_point() {
    // Each outer iteration enters the inner loop once: two units per outer iteration.
    assert_eq!(
        on_fresh_thread(|| labelled_continue(500)),
        (500, forced_yields(1000))
    );
}

// The shape under test is the non-async fn returning an async block.
#[allow(clippy::manual_async_fn)]
#[cooperative]
fn returns_async_block(n: u32) -> impl Future<Output = u32> {
    async move {
        let mut count = 0;
        for _ in 0..n {
            count += 1;
        }
        count
    }
}

#[cooperative]
async fn async_block_and_async_closure(n: u32) -> u32 {
    let block = async move {
        let mut count = 0;
        for _ in 0..n {
            count += 1;
        }
        count
    };
    let closure = async |n: u32| {
        let mut count = 0;
        for _ in 0..n {
            count += 1;
        }
        count
    };
    block.await + closure(n).await
}

#[test]
fn loops_in_async_blocks_and_async_closures_are_instrumented() {
    assert_eq!(
        on_fresh_thread(|| returns_async_block(1000)),
        (1000, forced_yields(1000))
    );
    assert_eq!(
        on_fresh_thread(|| async_block_and_async_closure(1000)),
        (2000, forced_yields(2000))
    );
}

#[cooperative]
async fn sync_closure_and_nested_fn(n: u32) -> u32 {
    let sync_closure = |n: u32| {
        let mut count = 0;
        for _ in 0..n {
            count += 1;
        }
        count
    };
    fn nested(n: u32) -> u32 {
        let mut count = 0;
        while count < n {
            count += 1;
        }
        count
    }
    sync_closure(n) + nested(n)
}

#[test]
fn loops_in_sync_closures_and_nested_fns_are_not() {
    assert_eq!(
        on_fresh_thread(|| sync_closure_and_nested_fn(1000)),
        (2000, 0)
    );
}

#[cooperative]
async fn opted_out_loops(n: u32) -> u32 {
    let mut count = 0;
    #[unconstrained]
    for _ in 0..n {
        // Nested in an opted-out loop: opted out too.
        for _ in 0..2 {
            count += 1;
        }
    }
    count
}

#[test]
fn unconstrained_loops_and_the_loops_inside_them_are_not() {
    assert_eq!(on_fresh_thread(|| opted_out_loops(1000)), (2000, 0));
}

#[unconstrained]
async fn unconstrained_spender(n: u32) -> bool {
    for _ in 0..n {
        coop_core::consume_budget().await;
    }
    coop_core::has_budget_remaining()
}

#[cooperative]
async fn caller_of_unconstrained(n: u32) -> (bool, bool, bool) {
    for _ in 0..100 {}
    let inside = unconstrained_spender(n).await;
    // 28 units were left before the call, and the call charged none of its 1000.
    for _ in 0..27 {}
    let one_left = coop_core::has_budget_remaining();
    for _ in 0..1 {}
    (inside, one_left, coop_core::has_budget_remaining())
}

#[test]
fn unconstrained_fns_are_never_forced_and_charge_nothing_to_the_caller() {
    assert_eq!(on_fresh_thread(|| unconstrained_spender(10_000)), (true, 0));
    assert_eq!(
        on_fresh_thread(|| caller_of_unconstrained(1000)),
        ((true, true, false), 0)
    );
}

#[allow(clippy::manual_async_fn)]
#[unconstrained]
fn unconstrained_async_block(n: u32) -> impl Future<Output = u32> {
    async move {
        for _ in 0..n {
            coop_core::consume_budget().await;
        }
        n
    }
}

#[test]
fn unconstrained_sync_fn_runs_its_async_blocks_unconstrained() {
    assert_eq!(
        on_fresh_thread(|| unconstrained_async_block(1000)),
        (1000, 0)
    );
}

#[cooperative(check)]
async fn checked(n: u32) -> u32 {
    let mut count = 0;
    for _ in 0..n {
        coop_core::consume_budget().await;
        count += 1;
    }
    count
}

#[test]
fn check_mode_rewrites_nothing() {
    // Only the explicit yield point spends: one unit per iteration, not two.
    assert_eq!(
        on_fresh_thread(|| checked(1000)),
        (1000, forced_yields(1000))
    );
}

struct Worker {
    items: Vec<u32>,
}

#[cooperative]
impl Worker {
    async fn drain(&mut self) -> u32 {
        let mut count = 0;
        while self.items.pop().is_some() {
            count += 1;
        }
        count
    }
}

trait Drain {
    fn items(&mut self) -> &mut Vec<u32>;

    #[cooperative]
    async fn drain_default(&mut self) -> u32 {
        let mut count = 0;
        while self.items().pop().is_some() {
            count += 1;
        }
        count
    }
}

impl Drain for Worker {
    fn items(&mut self) -> &mut Vec<u32> {
        &mut self.items
    }
}

#[test]
fn methods_of_impl_blocks_and_trait_defaults_are_instrumented() {
    // 1000 pops succeed, the 1001st ends the loop: 1001 iterations.
    let drained = on_fresh_thread(|| async {
        let mut worker = Worker {
            items: (0..1000).collect(),
        };
        worker.drain().await
    });
    assert_eq!(drained, (1000, forced_yields(1001)));
    let drained = on_fresh_thread(|| async {
        let mut worker = Worker {
            items: (0..1000).collect(),
        };
        worker.drain_default().await
    });
    assert_eq!(drained, (1000, forced_yields(1001)));
}

#[cooperative]
async fn loop_in_select_arm(n: u32) -> u32 {
    tokio::select! {
        biased;
        start = std::future::ready(0u32) => {
            let mut count = start;
            for _ in 0..n {
                count += 1;
            }
            count
        }
    }
}

#[cooperative]
async fn loops_in_macro_operands(n: u32) -> u32 {
    let mut counts = vec![{
        let mut count = 0;
        for _ in 0..n {
            count += 1;
        }
        count
    }];
    counts.push(0);
    let (joined,) = futures::join!(std::future::ready({
        let mut count = 0;
        while count < n {
            count += 1;
        }
        count
    }));
    counts.iter().sum::<u32>() + joined
}

#[test]
fn loop_in_a_select_arm_yields_like_any_other() {
    // Once the loop the macro could not see: a hot loop in a `select!` handler.
    assert_eq!(on_fresh_thread(|| loop_in_select_arm(1000)), (1000, 7));
}

#[test]
fn loops_in_vec_and_join_operands_spend_one_unit_per_iteration() {
    assert_eq!(
        on_fresh_thread(|| loops_in_macro_operands(1000)),
        (2000, forced_yields(2000))
    );
}
