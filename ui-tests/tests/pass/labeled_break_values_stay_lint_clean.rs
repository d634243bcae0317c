//! A strip-mined loop's unlabeled `break` gets the loop's exit label; its value, when it is an
//! unlabeled block or loop, goes in parentheses, so that rustc's `break_with_label_and_loop`
//! (which the user's unlabeled `break` never triggers) stays quiet, and `unused_parens` too.
#![deny(warnings, clippy::all)]

use coop_core::cooperative;

#[cooperative]
pub async fn block_value() -> u32 {
    let mut n = 0;
    loop {
        n += 1;
        if n > 3 {
            break {
                let x = n;
                x * 2
            };
        }
    }
}

#[cooperative]
pub async fn loop_value() -> u32 {
    let mut n = 0;
    loop {
        n += 1;
        if n > 3 {
            break loop {
                break n;
            };
        }
    }
}

#[cooperative]
pub async fn while_and_for_values(v: &[u32]) {
    let mut n = 0;
    loop {
        n += 1;
        if n > 3 {
            break while n < 2 {};
        }
    }
    loop {
        n += 1;
        if n > 6 {
            break for _ in v {};
        }
    }
}

fn main() {
    let (a, b) = futures::executor::block_on(async {
        while_and_for_values(&[1]).await;
        (block_value().await, loop_value().await)
    });
    assert_eq!((a, b), (8, 4));
}
