#![deny(warnings)]

// The help of a loop inside a macro coop cannot read, followed: the fn is opted out with
// `#[unconstrained]` in place of its `#[cooperative(check)]`, and it compiles (beside it, the
// same `#[unconstrained]` next to `#[cooperative(check)]` would not).
use coop_core::unconstrained;

macro_rules! twice {
    ($($body:tt)*) => {
        $($body)*
        $($body)*
    };
}

#[unconstrained]
async fn spin(flag: &std::cell::Cell<bool>) {
    twice! {
        let mut spins = 0u32;
        while !flag.get() {
            spins += 1;
        }
        assert!(spins < u32::MAX);
    }
}

fn main() {
    let flag = std::cell::Cell::new(true);
    futures::executor::block_on(spin(&flag));
}
