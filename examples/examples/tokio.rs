//! `#[cooperative]` on tokio: a hot loop and a 1 ms interval on one current-thread runtime.
//!
//! ```text
//! cargo run --release --example tokio                          # coop-core's `tokio` feature on
//! cargo run --release --example tokio --no-default-features    # the same without it
//! ```
//!
//! On tokio, turn coop-core's `tokio` feature on, as this package does by default
//! (`coop-core = { .., features = ["tokio"] }` in your manifest): coop's yield points then spend
//! tokio's own budget and yield the way tokio's do, after the runtime has looked at its timers.
//! Without it the interval below waits up to 61 budgets of the loop.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use coop_core::cooperative;

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

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let done = Arc::new(AtomicBool::new(false));
    // A periodic task: the longest it waited between two ticks is what the loop cost it.
    let ticker = tokio::spawn({
        let done = done.clone();
        async move {
            let mut interval = tokio::time::interval(Duration::from_millis(1));
            let (mut ticks, mut longest, mut last) = (0, Duration::ZERO, Instant::now());
            while !done.load(Ordering::Relaxed) {
                interval.tick().await;
                longest = longest.max(last.elapsed());
                last = Instant::now();
                ticks += 1;
            }
            (ticks, longest)
        }
    });
    tokio::task::yield_now().await; // let the ticker start

    let data: Arc<[u8]> = (0..=255).cycle().take(1 << 20).collect();
    let start = Instant::now();
    let sum = tokio::spawn(checksum(data, 300)).await.unwrap();
    let took = start.elapsed();
    done.store(true, Ordering::Relaxed);

    let (ticks, longest) = ticker.await.unwrap();
    println!("checksum {sum:#x} in {took:.0?}; meanwhile the 1 ms interval ticked {ticks} times,");
    println!("never waiting more than {longest:.1?} between two ticks.");
}
