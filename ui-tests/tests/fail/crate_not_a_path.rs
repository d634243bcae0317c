use coop_core::cooperative;

#[cooperative(crate = "coop core")]
async fn run() {}

fn main() {
    let _ = run();
}
