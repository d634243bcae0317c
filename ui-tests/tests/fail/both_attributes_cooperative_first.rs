use coop_core::{cooperative, unconstrained};

#[cooperative]
#[unconstrained]
async fn run() {
    loop {}
}

fn main() {
    let _ = run();
}
