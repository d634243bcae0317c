use coop_core::cooperative;

#[cooperative]
mod worker {
    pub async fn run() {
        loop {}
    }
}

fn main() {
    let _ = worker::run;
}
