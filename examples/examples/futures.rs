//! `#[cooperative]` on the futures crate's `LocalPool`, with a `futures-timer` ticker.
//!
//! ```text
//! cargo run --release --example futures
//! ```
//!
//! `LocalPool` and `block_on` need no setup. Avoid a one-thread `ThreadPool`: it polls a task
//! that woke itself again at once, so a yield there lets no other task in.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coop_core::cooperative;
use futures::task::LocalSpawnExt;

/// A checksum of `rounds` passes over `data`, a KiB at a time: a loop that never awaits.
/// `#[cooperative]` puts a yield point at the head of every iteration (of both loops).
#[cooperative]
async fn checksum(data: Arc<[u8]>, rounds: u32) -> u64 {
    let mut sum = 0u64;
    for _ in 0..rounds {
        for chunk in data.chunks(1024) {
            sum = chunk.iter().fold(sum, |sum, &byte| {
                sum.wrapping_mul(31).wrapping_add(u64::from(byte))
            });
        }
    }
    sum
}

fn main() {
    let mut pool = futures::executor::LocalPool::new();
    let spawner = pool.spawner();
    let done = Rc::new(Cell::new(false));
    // A periodic task: the longest it waited between two ticks is what the loop cost it.
    let ticker = spawner
        .spawn_local_with_handle({
            let done = done.clone();
            async move {
                let (mut ticks, mut longest, mut last) = (0, Duration::ZERO, Instant::now());
                while !done.get() {
                    futures_timer::Delay::new(Duration::from_millis(1)).await;
                    longest = longest.max(last.elapsed());
                    last = Instant::now();
                    ticks += 1;
                }
                (ticks, longest)
            }
        })
        .unwrap();

    let data: Arc<[u8]> = (0..=255).cycle().take(1 << 20).collect();
    let hot = spawner
        .spawn_local_with_handle(checksum(data, 300))
        .unwrap();
    let (sum, took, (ticks, longest)) = pool.run_until(async {
        let start = Instant::now();
        let sum = hot.await;
        let took = start.elapsed();
        done.set(true);
        (sum, took, ticker.await)
    });
    println!("checksum {sum:#x} in {took:.0?}; meanwhile the 1 ms delay fired {ticks} times,");
    println!("never waiting more than {longest:.1?} between two ticks.");
}
