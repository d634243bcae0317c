use coop_core::cooperative;

#[cooperative(crate = 5)]
async fn run() {}

fn main() {
    let _ = run();
}
