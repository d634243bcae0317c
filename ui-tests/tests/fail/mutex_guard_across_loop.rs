use coop_core::cooperative;
use std::sync::Mutex;

#[cooperative]
async fn holds_guard(state: &Mutex<Vec<u32>>) -> u32 {
    let guard = state.lock().unwrap();
    let mut total = 0;
    for x in guard.iter() {
        total += x;
    }
    total
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    static STATE: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    tokio::spawn(holds_guard(&STATE)).await.unwrap();
}
