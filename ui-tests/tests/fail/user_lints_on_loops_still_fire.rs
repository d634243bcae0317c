// The user's own lints on a loop fire under `#[cooperative]` as without it: an unused label on
// each loop form, and `while true`.
#![deny(unused_labels, while_true)]

use coop_core::cooperative;

#[cooperative]
pub async fn labels(v: &[u32], mut n: u32) -> u32 {
    let mut s = 0;
    'a: for x in v {
        s += x;
    }
    'b: while n > 0 {
        n -= 1;
    }
    'c: loop {
        s += 1;
        if s > 10 {
            break;
        }
    }
    'd: while let Some(x) = v.get(s as usize) {
        s += x;
    }
    // Only the unlabelled `continue` jumps: the label is still unused.
    'e: for x in v {
        if *x > 2 {
            continue;
        }
        s += x;
    }
    s
}

#[cooperative]
pub async fn forever(mut n: u32) -> u32 {
    while true {
        n += 1;
        if n > 10 {
            break;
        }
    }
    n
}

fn main() {}
