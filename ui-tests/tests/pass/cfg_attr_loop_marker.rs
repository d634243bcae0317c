//! `#[cfg_attr(pred, unconstrained)]` on a loop opts it out exactly when `pred` holds.
#![deny(warnings, clippy::all)]

use std::task::{Context, Poll, Waker};

use coop_core::cooperative;

#[cooperative]
async fn opted_out_when_true() -> u32 {
    let mut n = 0;
    #[cfg_attr(all(), unconstrained)]
    for _ in 0..10 {
        n += 1;
    }
    n
}

#[cooperative]
async fn instrumented_when_false() -> u32 {
    let mut n = 0;
    #[cfg_attr(any(), allow(unused), unconstrained)]
    for _ in 0..10 {
        n += 1;
    }
    n
}

/// Polls under a budget of 3 units per poll; returns how many polls it took.
fn polls<F: std::future::Future<Output = u32>>(fut: F) -> u32 {
    let mut fut = Box::pin(fut);
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 1;
    while coop_core::with_budget(3, || fut.as_mut().poll(&mut cx)) == Poll::Pending {
        polls += 1;
    }
    polls
}

fn main() {
    assert_eq!(polls(opted_out_when_true()), 1);
    assert_eq!(polls(instrumented_when_false()), 4);
}
