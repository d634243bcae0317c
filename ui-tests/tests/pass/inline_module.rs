//! `#[cooperative]` on an inline module: every fn inside is treated as if annotated; structs,
//! consts and sync fns without async code are left alone.

use coop_core::cooperative;

#[cooperative]
mod worker {
    pub struct Config {
        pub rounds: u32,
    }

    pub const LIMIT: u32 = 3;

    pub fn sync_helper(x: u32) -> u32 {
        let mut y = x;
        while y > LIMIT {
            y -= 1;
        }
        y
    }

    pub async fn run(config: &Config) -> u32 {
        let mut n = 0;
        for _ in 0..config.rounds {
            n += 1;
        }
        n
    }

    pub mod nested {
        pub async fn spin(rounds: u32) -> u32 {
            let mut n = 0;
            while n < rounds {
                n += 1;
            }
            n
        }
    }
}

fn main() {
    let config = worker::Config { rounds: 300 };
    let n = futures::executor::block_on(worker::run(&config));
    assert_eq!(n, 300);
    assert_eq!(futures::executor::block_on(worker::nested::spin(5)), 5);
    assert_eq!(worker::sync_helper(10), 3);
}
