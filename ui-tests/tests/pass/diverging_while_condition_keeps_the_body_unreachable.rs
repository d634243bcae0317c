#![deny(warnings)]
#![allow(unreachable_code, unused_mut, unused_variables)]

use coop_core::cooperative;

// A `while` whose condition always leaves (a placeholder): its body is unreachable to rustc, so
// the borrow checker does not look at it, with the attribute as without it.
#[cooperative]
pub async fn placeholder() -> u32 {
    let x: u32;
    let mut s = 0u32;
    while todo!() {
        s += x;
    }
    s
}

#[cooperative]
pub async fn returns_first(v: Vec<u32>, n: u32) -> usize {
    let mut count = 0;
    while {
        drop(v);
        return n as usize;
        true
    } {
        count += v.len();
    }
    count
}

fn main() {
    assert_eq!(futures::executor::block_on(returns_first(vec![1, 2], 7)), 7);
}
