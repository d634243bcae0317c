use coop_core::cooperative;

#[cooperative(crate = "coop_core", crate = "coop_core")]
async fn run() {}

fn main() {
    let _ = run();
}
