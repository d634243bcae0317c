use std::cell::RefCell;

use coop_core::cooperative;

#[cooperative(check)]
async fn under_borrow(queue: &RefCell<Vec<u32>>) -> u32 {
    let mut total = 0;
    for item in queue.borrow().iter() {
        total += item;
    }
    total
}

fn main() {}
