use coop_core::cooperative;
use std::sync::mpsc::Receiver;

// The iterator of a `for` loop lives across the loop's yield point: a `try_iter()` over a
// `Receiver` (not `Sync`) makes the future non-`Send`, and rustc's note names the loop.
#[cooperative]
async fn drain(rx: Receiver<u32>) -> u32 {
    let mut total = 0;
    for msg in rx.try_iter() {
        total += msg;
    }
    total
}

fn assert_send<T: Send>(_: T) {}

fn main() {
    let (_tx, rx) = std::sync::mpsc::channel();
    assert_send(drain(rx));
}
