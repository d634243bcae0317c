use std::hint::black_box;

#[coop_core::cooperative]
async fn hot(n: u64) -> u64 {
    let mut total = 0u64;
    for i in 0..n {
        total = total.wrapping_add(black_box(i) ^ 0x5555);
    }
    total
}

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    #[cfg(feature = "tokio")]
    let out = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async { tokio::spawn(hot(n)).await.unwrap() });
    #[cfg(not(feature = "tokio"))]
    let out = futures::executor::block_on(hot(n));
    println!("{out}");
}
