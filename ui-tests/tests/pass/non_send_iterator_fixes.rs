use coop_core::cooperative;
use std::sync::mpsc::Receiver;

// The documented fixes for a `for` over an iterator that is not `Send`.
#[cooperative]
async fn drain_unconstrained(rx: Receiver<u32>) -> u32 {
    let mut total = 0;
    // A marker needs no import (an import used only by markers is unused to rustc).
    #[coop_core::unconstrained]
    for msg in rx.try_iter() {
        total += msg;
    }
    total
}

#[cooperative]
async fn drain_collected(rx: Receiver<u32>) -> u32 {
    let msgs: Vec<u32> = rx.try_iter().collect();
    let mut total = 0;
    for msg in msgs {
        total += msg;
    }
    total
}

fn assert_send<T: Send>(_: T) {}

fn main() {
    let (_tx, rx) = std::sync::mpsc::channel();
    assert_send(drain_unconstrained(rx));
    let (_tx, rx) = std::sync::mpsc::channel();
    assert_send(drain_collected(rx));
}
