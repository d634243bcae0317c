//! A `#[cooperative]` loop whose body polls another cooperative future in place (`now_or_never`,
//! `poll!`, by hand) still yields once every 128 of its own iterations on the ambient budget.
//!
//! The oracle is the executor: a second task, spawned after the looping one, sets a flag that
//! ends the loop; the loop reports how many iterations it ran before the flag was set. The
//! inner future's own forced yields go nowhere (`now_or_never` polls with a no-op waker and drops
//! the future, or keeps it and polls it again in the same task poll), so only the loop's own
//! budget can let the other task in. Each race runs on a fresh thread, whose ambient budget is
//! full, so the loop's first forced yield comes after at most 128 of its iterations.

#![cfg(not(coop_disable))]

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use coop_core::cooperative;
use futures::FutureExt;
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;

/// A cooperative future of `k` iterations, built afresh at each call.
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
        std::hint::black_box(());
    }
}

/// How the loop's body polls the inner future.
#[derive(Clone, Copy, Debug)]
enum Inner {
    /// `steps(k).now_or_never()`, a new future each time, `.1` times an iteration.
    Fresh(u32, u32),
    /// `cooperative(ready(())).now_or_never()`, the wrapper built each iteration.
    Wrapper,
    /// One `forever()` kept across iterations, polled again with `now_or_never`.
    Persistent,
    /// `steps(k)` polled once with a waker of its own (data, a new one each time), as an
    /// executor nested in the body polls its tasks.
    OwnWaker(u32),
}

/// A waker with data that wakes nothing: a nested executor's, as far as coop can tell.
struct OwnWaker;

impl std::task::Wake for OwnWaker {
    fn wake(self: std::sync::Arc<Self>) {}
}

/// One body: polls the inner future in place as `inner` says.
fn body(inner: Inner, kept: &mut Pin<Box<dyn Future<Output = ()>>>) {
    match inner {
        Inner::Fresh(k, calls) => {
            for _ in 0..calls {
                let _ = steps(k).now_or_never();
            }
        }
        Inner::Wrapper => {
            let _ = coop_core::cooperative(std::future::ready(())).now_or_never();
        }
        Inner::Persistent => {
            let _ = kept.as_mut().now_or_never();
        }
        Inner::OwnWaker(k) => {
            let waker = std::task::Waker::from(std::sync::Arc::new(OwnWaker));
            let _ = Box::pin(steps(k))
                .as_mut()
                .poll(&mut std::task::Context::from_waker(&waker));
        }
    }
}

/// The loop, strip-mined: its iterations cannot suspend.
#[cooperative]
async fn spin(flag: Rc<Cell<bool>>, inner: Inner) -> u64 {
    let mut kept: Pin<Box<dyn Future<Output = ()>>> = Box::pin(forever());
    let mut n = 0u64;
    while !flag.get() && n < 100_000 {
        n += 1;
        body(inner, &mut kept);
    }
    n
}

/// The loop with an `.await` of its own: a yield point per iteration.
#[cooperative]
async fn spin_awaiting(flag: Rc<Cell<bool>>, inner: Inner) -> u64 {
    let mut kept: Pin<Box<dyn Future<Output = ()>>> = Box::pin(forever());
    let mut n = 0u64;
    while !flag.get() && n < 100_000 {
        n += 1;
        std::future::ready(()).await;
        body(inner, &mut kept);
    }
    n
}

/// The loop polling the inner future with its task's own waker (`poll!`).
#[cooperative]
async fn spin_polling(flag: Rc<Cell<bool>>, k: u32) -> u64 {
    let mut n = 0u64;
    while !flag.get() && n < 100_000 {
        n += 1;
        let _ = futures::poll!(Box::pin(steps(k)));
    }
    n
}

type Spin = fn(Rc<Cell<bool>>) -> Pin<Box<dyn Future<Output = u64>>>;

/// Runs the loop and the flag's task on a `LocalPool` on a fresh thread: the loop's iterations
/// before the other task ran.
fn race(
    spin: impl FnOnce(Rc<Cell<bool>>) -> Pin<Box<dyn Future<Output = u64>>> + Send + 'static,
) -> u64 {
    std::thread::spawn(move || {
        let mut pool = LocalPool::new();
        let flag = Rc::new(Cell::new(false));
        let set = Rc::clone(&flag);
        let looping = pool
            .spawner()
            .spawn_local_with_handle(spin(flag))
            .expect("spawn");
        pool.spawner()
            .spawn_local(async move { set.set(true) })
            .expect("spawn");
        pool.run_until(looping)
    })
    .join()
    .expect("the race's thread")
}

/// Every shape: inner loops of 0 to 12 iterations polled 1 to 3 times an iteration, so that
/// the loop's own unit and the inner ones take the budget's last unit in every order.
fn shapes() -> impl Iterator<Item = Inner> {
    let fresh = (0..=12).flat_map(|k| (1..=3).map(move |calls| Inner::Fresh(k, calls)));
    fresh.chain([Inner::Wrapper, Inner::Persistent])
}

/// Inner futures polled under wakers of their own, from 1 to 300 iterations: more than a
/// budget each, and less.
fn own_waker_shapes() -> impl Iterator<Item = Inner> {
    [1, 2, 5, 127, 128, 129, 200, 300]
        .into_iter()
        .map(Inner::OwnWaker)
}

fn assert_yields(what: &str, shapes: impl Iterator<Item = Inner>, run: impl Fn(Inner) -> u64) {
    let starved: Vec<String> = shapes
        .map(|inner| (inner, run(inner)))
        .filter(|&(_, n)| n > 129)
        .map(|(inner, n)| format!("{inner:?}: {n} iterations"))
        .collect();
    assert!(
        starved.is_empty(),
        "{what}: the other task waited past 129 iterations: {starved:?}"
    );
}

#[test]
fn a_strip_mined_loop_polling_in_place_yields() {
    assert_yields(
        "strip-mined loop",
        shapes().chain(own_waker_shapes()),
        |inner| race(move |flag| Box::pin(spin(flag, inner))),
    );
}

#[test]
fn a_loop_with_its_own_await_polling_in_place_yields() {
    // Not under wakers of their own: to a loop that reaches the budget at every iteration,
    // such code is another task (lib.rs: a branch with a waker of its own gets a budget).
    assert_yields("loop with an .await", shapes(), |inner| {
        race(move |flag| Box::pin(spin_awaiting(flag, inner)))
    });
}

#[test]
fn a_loop_polling_with_its_tasks_waker_yields() {
    let spins: [Spin; 3] = [
        |flag| Box::pin(spin_polling(flag, 1)),
        |flag| Box::pin(spin_polling(flag, 2)),
        |flag| Box::pin(spin_polling(flag, 5)),
    ];
    for (k, spin) in spins.into_iter().enumerate() {
        let n = race(spin);
        assert!(
            n <= 129,
            "poll! shape {k}: {n} iterations before the other task ran"
        );
    }
}
