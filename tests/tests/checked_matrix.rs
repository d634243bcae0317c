//! The per-poll promises of coop-core, checked on every executor of the matrix: each task is
//! wrapped in `check::checked`, which checks the iterations of every poll of it against the
//! documented bound, and that no budget scope outlives a poll.
//!
//! Whether a task has a budget of its own per poll or spends the thread's ambient budget, a
//! poll of a task whose branches share its waker runs at most the budget's units plus one
//! iteration per branch that goes on after its yield; a hand-written `poll_proceed` call site
//! refused twice refills the ambient budget once more.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use coop_core::{DEFAULT_BUDGET, consume_budget, cooperative, poll_proceed};
use coop_test_support::check::{Limits, Violations, checked, iteration};
use coop_test_support::executor_matrix;
use futures::StreamExt;

async fn spend(n: u32) {
    for _ in 0..n {
        consume_budget().await;
        iteration(Duration::ZERO);
    }
}

#[cooperative]
async fn spend_in_a_cooperative_loop(n: u32) {
    for _ in 0..n {
        iteration(Duration::ZERO);
    }
}

/// An always-ready stream on `poll_proceed`.
struct Counter(u32);

impl futures::Stream for Counter {
    type Item = ();

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        if self.0 == 0 {
            return Poll::Ready(None);
        }
        let unit = ready!(poll_proceed(cx));
        self.0 -= 1;
        iteration(Duration::ZERO);
        unit.made_progress();
        Poll::Ready(Some(()))
    }
}

fn units(extra_budgets: u64, branches: u64) -> Limits {
    Limits {
        units: Some(u64::from(DEFAULT_BUDGET) * (1 + extra_budgets) + branches),
        time: None,
    }
}

executor_matrix! {
    #[test]
    fn every_poll_keeps_the_documented_bound() {
        let violations = Violations::default();
        EXECUTOR.run(vec![
            checked(
                "join",
                async {
                    futures::join!(spend(1000), spend(1000), spend(300));
                },
                units(0, 3),
                &violations,
            ),
            checked("cooperative", spend_in_a_cooperative_loop(1000), units(0, 1), &violations),
            checked(
                "select",
                async {
                    futures::future::select(Box::pin(spend(2000)), Box::pin(spend(700))).await;
                },
                units(0, 2),
                &violations,
            ),
            checked("stream", Counter(1000).for_each(|()| async {}), units(1, 1), &violations),
        ]);
        let violations = violations.lock().unwrap();
        assert!(violations.is_empty(), "{violations:?}");
    }
}
