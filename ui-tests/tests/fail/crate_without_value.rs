use coop_core::cooperative;

#[cooperative(crate)]
async fn run() {}

fn main() {
    let _ = run();
}
