use coop_core::cooperative;
use std::rc::Rc;

#[cooperative]
async fn holds_rc() -> u32 {
    let shared = Rc::new(3);
    let mut total = 0;
    for _ in 0..*shared {
        total += 1;
    }
    total + *shared
}

fn assert_send<T: Send>(_: T) {}

fn main() {
    assert_send(holds_rc());
}
