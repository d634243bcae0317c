use coop_core::cooperative;

#[cooperative]
enum State {
    Idle,
}

fn main() {
    let _ = State::Idle;
}
