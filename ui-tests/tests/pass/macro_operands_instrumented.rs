//! Loops in `select!` arms, `join!` operands and comma-separated macro operands get yield
//! points; `check` accepts them once they await.
use coop_core::cooperative;

#[cooperative]
async fn handle(mut rx: tokio::sync::mpsc::Receiver<u64>) -> Vec<u64> {
    let mut total = 0;
    tokio::select! {
        biased;
        Some(n) = rx.recv(), if total == 0 => {
            for i in 0..n {
                total += i;
            }
        }
        else => {}
    }
    let (a, b) = tokio::join!(async { loop { break 1 } }, async { 2 });
    assert!(a + b == 3, "{}", loop { break 3 });
    vec![total, loop { break 4 }]
}

#[cooperative(check)]
async fn checked(mut rx: tokio::sync::mpsc::Receiver<u64>) -> u64 {
    let mut total = 0;
    tokio::select! {
        Some(n) = rx.recv() => {
            for i in 0..n {
                coop_core::consume_budget().await;
                total += i;
            }
        }
        else => {}
    }
    total
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tx.try_send(1000).unwrap();
    let out = rt.block_on(handle(rx));
    assert_eq!(out, [499_500, 4]);
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tx.try_send(10).unwrap();
    assert_eq!(rt.block_on(checked(rx)), 45);
}
