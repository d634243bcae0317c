#![deny(warnings, clippy::all)]

use coop_core::cooperative;

// A loop that `#[cfg]` removes (on the loop, an enclosing statement, a match arm or a field) is
// not there to report.
#[cooperative(check)]
pub async fn removed(n: u32) -> u32 {
    let mut s = 0;
    #[cfg(any())]
    for i in 0..n {
        s += i;
    }
    #[cfg(any())]
    {
        loop {
            s += 1;
        }
    }
    let picked = match n {
        #[cfg(any())]
        0 => loop {},
        _ => n,
    };
    #[cfg(any())]
    let _never = async {
        loop {
            s += 1;
        }
    };
    s += 1;
    coop_core::consume_budget().await;
    s + picked
}

// An `.await` that `#[cfg]` keeps is the loop's own.
#[cooperative(check)]
pub async fn kept_awaits(n: u32) -> u32 {
    let mut s = 0;
    for i in 0..n {
        #[cfg(all())]
        coop_core::consume_budget().await;
        s += i;
    }
    s
}

fn main() {
    assert_eq!(futures::executor::block_on(removed(3)), 4);
    assert_eq!(futures::executor::block_on(kept_awaits(4)), 6);
}
