//! A library's `macro_rules!` can point `#[cooperative]` at its own re-export with
//! `crate = $crate::…`, so its users need no direct dependency on coop-core.
#![deny(warnings, clippy::all)]

mod library {
    pub use coop_core as coop;

    #[macro_export]
    macro_rules! hot_loop {
        ($name:ident) => {
            #[$crate::library::coop::cooperative(crate = $crate::library::coop)]
            pub async fn $name(n: u32) -> u32 {
                let mut total = 0;
                for i in 0..n {
                    total += i;
                }
                total
            }
        };
    }
}

mod user {
    // No `coop_core` in scope here, and a local item that would capture a relative path.
    #[allow(unused_imports)]
    use std as coop;

    crate::hot_loop!(sum);
}

fn main() {
    assert_eq!(futures::executor::block_on(user::sum(4)), 6);
}
