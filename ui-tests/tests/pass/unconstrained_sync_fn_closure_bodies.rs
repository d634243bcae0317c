//! `#[unconstrained]` on a sync fn wraps each async closure's body as one expression, whatever
//! its shape: a block followed by an operator, a `match` followed by an operator, a typed body.
#![deny(warnings, clippy::all)]

use coop_core::unconstrained;

#[unconstrained]
fn closures() -> (u32, u32, u32) {
    let a = async |y: u32| { y } + 1;
    let b = async |y: u32| match y {
        0 => 10,
        _ => 20,
    } - 1;
    let c = async |y: u32| -> u32 { y * 2 };
    futures::executor::block_on(async { (a(1).await, b(0).await, c(4).await) })
}

fn main() {
    assert_eq!(closures(), (2, 9, 8));
}
