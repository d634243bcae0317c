use coop_core::cooperative;

#[cooperative(chek)]
async fn run() {
    loop {}
}

fn main() {
    let _ = run();
}
