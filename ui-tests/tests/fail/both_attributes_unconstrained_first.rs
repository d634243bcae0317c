use coop_core::{cooperative, unconstrained};

#[unconstrained]
#[cooperative]
async fn run() {
    loop {}
}

fn main() {
    let _ = run();
}
