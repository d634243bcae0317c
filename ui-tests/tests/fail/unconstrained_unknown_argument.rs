use coop_core::unconstrained;

#[unconstrained(check)]
async fn run() {}

fn main() {
    let _ = run();
}
