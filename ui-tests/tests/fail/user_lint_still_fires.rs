#![deny(unused_variables)]

use coop_core::cooperative;

#[cooperative]
async fn run() {
    for i in 0..3 {}
}

fn main() {
    let _ = run();
}
