#![deny(dead_code)]

use coop_core::{cooperative, unconstrained};

#[cooperative]
async fn never_called() {
    loop {}
}

#[unconstrained]
async fn never_called_either() {}

fn main() {}
