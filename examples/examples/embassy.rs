//! `#[cooperative]` on embassy: a hot loop beside an `embassy_time::Ticker`, on embassy's
//! thread-mode executor.
//!
//! ```text
//! cargo run --release --example embassy
//! ```
//!
//! It runs on the host (embassy's `platform-std` executor and `std` time driver); on a
//! microcontroller the same tasks run unchanged under `#[embassy_executor::main]`, with
//! coop-core built without `std`:
//!
//! ```toml
//! coop-core = { path = "../coop/coop-core", default-features = false, features = ["macros"] }
//! ```
//!
//! Setup, once, first thing in `main`: time slices read embassy's clock. Nothing else: yield
//! points spend the executor's ambient budget, which refills at each forced yield. On a
//! higher-priority `InterruptExecutor`, run the tasks in a scope (`coop_core::budgeted(..)`
//! inside the task, as `hot` does below, or `coop_core::budget(|| executor.on_interrupt())`
//! in the interrupt handler), so that they never spend the budget of the task they preempt.

use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration as CoreDuration;

use coop_core::cooperative;
use embassy_executor::{Executor, Spawner};
use embassy_time::{Duration, Instant, Ticker};

static DONE: AtomicBool = AtomicBool::new(false);

/// A checksum of `rounds` passes over `data`, a block at a time: a loop that never awaits, the
/// kind that starves every other task of a cooperative executor. `#[cooperative]` puts a yield
/// point at the head of every pass.
#[cooperative]
async fn checksum(data: &[u8], rounds: u32) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for _ in 0..rounds {
        #[unconstrained] // one pass is short: no yield point per byte
        for byte in data {
            a = (a + u32::from(*byte)) % 65_521;
            b = (b + a) % 65_521;
        }
    }
    (b << 16) | a
}

/// A 1 ms ticker: the longest it waited between two ticks is what the loop cost it.
#[embassy_executor::task]
async fn ticker() {
    let mut ticker = Ticker::every(Duration::from_millis(1));
    let (mut ticks, mut longest, mut last) = (0u32, Duration::from_ticks(0), Instant::now());
    while !DONE.load(Ordering::Relaxed) {
        ticker.next().await;
        longest = longest.max(last.elapsed());
        last = Instant::now();
        ticks += 1;
    }
    println!(
        "meanwhile the 1 ms ticker ticked {ticks} times, never waiting more than {} µs.",
        longest.as_micros()
    );
    std::process::exit(0);
}

#[embassy_executor::task]
async fn hot() {
    let data = [0x5a_u8; 1024];
    let start = Instant::now();
    // A budget of its own per poll, as on an interrupt executor; plain `checksum(..)` spends the
    // executor's ambient budget instead, and is as fair here.
    let sum = coop_core::budgeted(checksum(&data, 80_000)).await;
    println!("checksum {sum:#x} in {} ms;", start.elapsed().as_millis());
    DONE.store(true, Ordering::Relaxed);
}

fn main() {
    // Time slices (`Budget::slice`) are measured on embassy's clock.
    coop_core::set_clock(|| CoreDuration::from_micros(Instant::now().as_micros())).ok();

    let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
    executor.run(|spawner: Spawner| {
        spawner.spawn(ticker().unwrap());
        spawner.spawn(hot().unwrap());
    });
}
