use coop_core::cooperative;

#[cooperative(check, check)]
async fn run() {}

fn main() {
    let _ = run();
}
