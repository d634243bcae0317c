use coop_core::cooperative;

#[cooperative]
async fn run() {
    #[unconstrained(crate = "coop_core")]
    for _ in 0..3 {}
}

fn main() {
    let _ = run();
}
