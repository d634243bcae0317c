//! `crate = "..."` reaches coop-core through another path; the default path is absolute, so a
//! local item named `coop_core` does not capture it.
#![deny(warnings, clippy::all)]

extern crate coop_core as coop1;

mod shadow {
    // A local `coop_core` that is not coop-core: the expansion must not resolve through it.
    #[allow(unused_imports)]
    use std as coop_core;

    #[coop1::cooperative(crate = "coop1")]
    pub async fn renamed() -> u32 {
        let mut n = 0;
        while n < 3 {
            n += 1;
        }
        n
    }

    #[coop1::unconstrained(crate = "coop_ui_tests::reexported")]
    pub async fn reexported() -> u32 {
        let mut n = 0;
        for _ in 0..3 {
            n += 1;
        }
        n
    }

    #[coop1::cooperative]
    pub async fn default_path_is_absolute() {
        loop {
            break;
        }
    }
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(shadow::renamed().await, 3);
        assert_eq!(shadow::reexported().await, 3);
        shadow::default_path_is_absolute().await;
    });
}
