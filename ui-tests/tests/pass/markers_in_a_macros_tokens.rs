// A loop marker on a loop inside the tokens of a macro coop cannot read (a `macro_rules!` of the
// user's) is read there and taken out: the loop is opted out, and rustc sees no attribute on an
// expression. The same loop without the marker is a finding of `check`.
#![deny(warnings)]

use coop_core::cooperative;

macro_rules! id {
    ($e:expr) => {
        $e
    };
}

#[cooperative]
pub async fn rewritten(n: u32) -> u32 {
    id!({
        let mut t = 0;
        #[coop_core::unconstrained]
        for i in 0..n {
            t += i;
        }
        t
    })
}

#[cooperative(check)]
pub async fn checked(n: u32) -> u32 {
    id!({
        let mut t = 0;
        #[coop_core::unconstrained]
        #[allow(clippy::explicit_counter_loop)]
        'counting: while t < n {
            t += 1;
            if t == 7 {
                break 'counting;
            }
        }
        t
    })
}

fn main() {
    assert_eq!(futures::executor::block_on(rewritten(4)), 6);
    assert_eq!(futures::executor::block_on(checked(10)), 7);
}
