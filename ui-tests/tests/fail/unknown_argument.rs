use coop_core::cooperative;

#[cooperative(fast)]
async fn run() {
    #[unconstrained]
    loop {}
}

fn main() {
    let _ = run();
}
