#![deny(unused_must_use, unreachable_code)]
#![allow(unused_mut, unused_variables)] // the unreachable loop is the only use of its variable

use coop_core::cooperative;

// A strip-mined loop whose value is a `Result` nobody uses, and one that cannot be reached:
// rustc's lints point at each loop, and suggest what they would for the loop, as without the
// attribute.
#[cooperative]
async fn find(items: Vec<u32>, wanted: u32) -> usize {
    let mut i = 0;
    loop {
        if items.get(i) == Some(&wanted) {
            break Ok::<usize, usize>(i);
        }
        if i == items.len() {
            break Err(i);
        }
        i += 1;
    };
    i
}

#[cooperative]
async fn unreachable_loop(n: u32) -> u32 {
    let mut total = 0;
    return n;
    while total < n {
        total += 1;
    }
    total
}

fn main() {
    let _ = find(vec![1, 2], 2);
    let _ = unreachable_loop(3);
}
