//! Stacked with `#[tokio::main]`, in either order.
#![deny(warnings, clippy::all)]

use coop_core::cooperative;

#[cooperative]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut n = 0;
    for _ in 0..300 {
        n += 1;
    }
    assert_eq!(n, 300);
    inner().await;
}

#[tokio::main(flavor = "current_thread")]
#[cooperative]
async fn inner_runtime() -> u32 {
    let mut n = 0;
    while n < 300 {
        n += 1;
    }
    n
}

async fn inner() {
    let n = std::thread::spawn(inner_runtime).join().unwrap();
    assert_eq!(n, 300);
}
