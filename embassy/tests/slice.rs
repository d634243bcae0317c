//! A time slice measured on embassy's clock: `set_clock` with `embassy_time::Instant`, the
//! one line an embassy program adds, and a loop whose units never run out is still made to
//! yield by time, on embassy's executor.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};

use coop_core::{Budget, budgeted_with, cooperative};
use embassy_executor::{Executor, Spawner};
use embassy_time::{Duration, Instant};

/// Iterations of the loop, each a busy wait of [`ITERATION`] on embassy's clock.
const ITERATIONS: u32 = 40;
const ITERATION: Duration = Duration::from_micros(250);

static DONE: AtomicU32 = AtomicU32::new(0);

#[cooperative]
async fn busy() {
    for _ in 0..ITERATIONS {
        let until = Instant::now() + ITERATION;
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    }
}

#[embassy_executor::task]
async fn sliced() {
    // Units enough for the whole loop: only the 1 ms slice can end a poll.
    let budget = Budget::units(u16::MAX).slice(core::time::Duration::from_millis(1));
    budgeted_with(budget, busy()).await;
    DONE.store(1, Ordering::Relaxed);
}

#[test]
fn a_slice_on_embassys_clock_ends_a_poll_whose_units_never_run_out() {
    let _serial = common::serial();
    common::check_build();
    coop_core::set_clock(|| core::time::Duration::from_micros(Instant::now().as_micros()))
        .expect("the first clock installed");
    let (forced, by_time) = (
        coop_core::forced_yield_count(),
        coop_core::time_slice_yield_count(),
    );
    std::thread::spawn(|| {
        let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
        executor.run_until(
            |spawner: Spawner| spawner.spawn(sliced().unwrap()),
            || DONE.load(Ordering::Relaxed) == 1,
        );
    })
    .join()
    .unwrap();
    let forced = coop_core::forced_yield_count() - forced;
    let by_time = coop_core::time_slice_yield_count() - by_time;
    // 10 ms of iterations; a poll under a 1 ms slice ends at most a quarter of the slice plus
    // one iteration (1.5 ms) after the slice starts, so at least 6 polls (5 forced yields), and every forced
    // yield is the slice's. On a loaded machine iterations only get longer: more yields.
    println!(
        "{ITERATIONS} iterations of {} µs: {forced} forced yields, {by_time} by the slice",
        ITERATION.as_micros()
    );
    assert_eq!(forced, by_time);
    assert!(by_time >= 5, "{by_time} yields forced by the slice");
}
