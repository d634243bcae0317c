use coop_core::cooperative;

#[cooperative(check)]
async fn handle(mut rx: tokio::sync::mpsc::Receiver<u64>) -> u64 {
    let mut total = 0;
    tokio::select! {
        Some(n) = rx.recv() => {
            for i in 0..n {
                total += i;
            }
        }
        else => {}
    }
    total
}

fn main() {
    let _ = handle;
}
