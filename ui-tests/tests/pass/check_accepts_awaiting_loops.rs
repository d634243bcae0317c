//! `#[cooperative(check)]` accepts a fn whose every loop awaits or opts out.
#![deny(warnings, clippy::all)]

use coop_core::cooperative;

#[cooperative(check)]
async fn every_loop_awaits(mut rx: futures::channel::mpsc::Receiver<u32>) -> u32 {
    use futures::StreamExt;
    let mut total = 0;
    while let Some(x) = rx.next().await {
        total += x;
    }
    loop {
        coop_core::consume_budget().await;
        if total > 0 {
            break;
        }
        total += 1;
    }
    for _ in 0..3 {
        coop_core::consume_budget().await;
    }
    #[unconstrained]
    for i in 0..3 {
        total += i;
    }
    let inner = |n: u32| {
        // A sync closure cannot await: the lint leaves it alone.
        let mut m = 0;
        while m < n {
            m += 1;
        }
        m
    };
    total + inner(2)
}

fn main() {
    let (mut tx, rx) = futures::channel::mpsc::channel(4);
    tx.try_send(1).unwrap();
    drop(tx);
    assert_eq!(futures::executor::block_on(every_loop_awaits(rx)), 6);
}
