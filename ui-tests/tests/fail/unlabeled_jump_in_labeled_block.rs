//! An unlabeled `break` or `continue` inside a labeled block is rustc's error E0695 in a loop
//! `#[cooperative]` rewrites, as in the loop as written.
use coop_core::cooperative;

#[cooperative]
pub async fn continue_in_block(n: u32) -> u32 {
    let mut s = 0;
    for x in 0..n {
        s += 'blk: {
            if x == 2 {
                continue;
            }
            x
        };
    }
    s
}

#[cooperative]
pub async fn break_in_block(n: u32) -> u32 {
    let mut s = 0;
    while s < n {
        s += 'blk: {
            if s == 2 {
                break;
            }
            1
        };
    }
    s
}

fn main() {}
