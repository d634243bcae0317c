//! A refutable pattern in a strip-mined `for` is rustc's error E0005, at the pattern.
use coop_core::cooperative;

#[cooperative]
pub async fn sum(items: Vec<Option<u32>>) -> u32 {
    let mut s = 0;
    for Some(x) in items {
        s += x;
    }
    s
}

fn main() {}
