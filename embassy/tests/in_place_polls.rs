//! On embassy's executor, a `#[cooperative]` loop whose body polls another cooperative future in
//! place (once, under a no-op waker, as `now_or_never` does) still yields once every 128 of its
//! own iterations, on the ambient budget, which without `std` is the program's one budget.
//!
//! The oracle is embassy: a second task, spawned after the looping one, sets a flag that ends
//! the loop; the loop counts its iterations until then.

mod common;

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::task::{Context, Poll, Waker};

use coop_core::cooperative;
use embassy_executor::{Executor, Spawner};

static STOP: AtomicBool = AtomicBool::new(false);
static ITERATIONS: AtomicU32 = AtomicU32::new(0);
static DONE: AtomicBool = AtomicBool::new(false);

/// Polls `future` once under a no-op waker, as `now_or_never` does.
fn poll_once<F: Future>(future: Pin<&mut F>) -> Option<F::Output> {
    match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// A cooperative future of `k` iterations.
#[cooperative]
async fn steps(k: u32) -> u32 {
    let mut sum = 0;
    for i in 0..k {
        sum += i;
    }
    sum
}

/// A cooperative future that never ends.
#[cooperative]
async fn forever() {
    loop {
        core::hint::black_box(());
    }
}

/// Builds `steps(k)` and polls it once in place.
fn poll_fresh(k: u32) -> Option<u32> {
    poll_once(pin!(steps(k)))
}

/// The loop: polls `steps(k)` afresh each iteration, or (`k` = 0) one `forever()` again. Its
/// body calls no macro and cannot suspend: the loop is strip-mined.
#[cooperative]
async fn spin(k: u32) {
    let mut kept = Box::pin(forever());
    let mut n = 0;
    while !STOP.load(Ordering::Relaxed) && n < 100_000 {
        n += 1;
        if k == 0 {
            let _ = poll_once(kept.as_mut());
        } else {
            let _ = poll_fresh(k);
        }
    }
    ITERATIONS.store(n, Ordering::Relaxed);
    DONE.store(true, Ordering::Relaxed);
}

/// Queues the other task, then runs the loop: the other task runs at the loop's first yield.
#[embassy_executor::task(pool_size = 8)]
async fn looping(spawner: Spawner, k: u32) {
    spawner.spawn(stopper().unwrap());
    spin(k).await;
}

#[embassy_executor::task(pool_size = 8)]
async fn stopper() {
    STOP.store(true, Ordering::Relaxed);
}

/// The loop's iterations before the other task ran.
fn race(k: u32) -> u32 {
    STOP.store(false, Ordering::Relaxed);
    DONE.store(false, Ordering::Relaxed);
    std::thread::spawn(move || {
        let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
        executor.run_until(
            |spawner: Spawner| spawner.spawn(looping(spawner, k).unwrap()),
            || DONE.load(Ordering::Relaxed),
        );
    })
    .join()
    .unwrap();
    ITERATIONS.load(Ordering::Relaxed)
}

#[test]
fn a_loop_polling_in_place_lets_the_other_task_in() {
    let _serial = common::serial();
    common::check_build();
    // The loop yields after at most one budget of its own iterations (128; the program's
    // budget may be part spent by an earlier test); embassy then polls the tasks it has
    // queued, the loop and the other one, in its own order: the other task runs at most two
    // budgets in.
    let starved: Vec<(u32, u32)> = (0..=6)
        .map(|k| (k, race(k)))
        .filter(|&(_, n)| n > 2 * 128 + 1)
        .collect();
    assert!(
        starved.is_empty(),
        "(inner iterations, loop iterations before the other task ran): {starved:?}"
    );
}
