//! `#[cooperative]` on smol: a hot loop and a 1 ms timer on one `LocalExecutor`.
//!
//! ```text
//! cargo run --release --example smol
//! ```
//!
//! smol needs no setup: yield points spend the thread's ambient budget. Spawn tasks as
//! `coop_core::budgeted(task)` to give each of them a budget of its own per poll instead.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coop_core::{budgeted, cooperative};

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
    let ex = smol::LocalExecutor::new();
    let done = Rc::new(Cell::new(false));
    // A periodic task: the longest it waited between two ticks is what the loop cost it.
    let ticker = ex.spawn({
        let done = done.clone();
        async move {
            let (mut ticks, mut longest, mut last) = (0, Duration::ZERO, Instant::now());
            let mut next = Instant::now();
            while !done.get() {
                next += Duration::from_millis(1);
                smol::Timer::at(next).await;
                longest = longest.max(last.elapsed());
                last = Instant::now();
                ticks += 1;
            }
            (ticks, longest)
        }
    });

    let data: Arc<[u8]> = (0..=255).cycle().take(1 << 20).collect();
    let hot = ex.spawn(budgeted(checksum(data, 300)));
    let (sum, took, (ticks, longest)) = smol::block_on(ex.run(async {
        smol::future::yield_now().await; // let the ticker start
        let start = Instant::now();
        let sum = hot.await;
        let took = start.elapsed();
        done.set(true);
        (sum, took, ticker.await)
    }));
    println!("checksum {sum:#x} in {took:.0?}; meanwhile the 1 ms timer fired {ticks} times,");
    println!("never waiting more than {longest:.1?} between two ticks.");
}
