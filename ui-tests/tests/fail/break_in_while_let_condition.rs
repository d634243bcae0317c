//! An unlabeled `break` or `continue` in a `while` condition is rustc's error E0590, and stays
//! one under the attribute: the loop is left as written (the yield point's rewrite would move
//! the condition into a loop body, where the jump is valid).
use coop_core::cooperative;

#[cooperative]
async fn break_in_while_let(mut n: u32) -> u32 {
    while let Some(_) = {
        if n > 5 {
            break;
        }
        Some(1)
    } {
        n += 1;
    }
    n
}

#[cooperative]
async fn continue_in_let_chain(v: Option<u32>, mut n: u32) -> u32 {
    while let Some(x) = v
        && {
            if n > 5 {
                continue;
            }
            x > 0
        }
    {
        n += x;
    }
    n
}

fn main() {}
