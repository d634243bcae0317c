//! `#[cooperative(check)]` below `#[tracing::instrument]` sees tracing's expansion, whose fake
//! return edge holds a `loop {}` under `if false`: code that never runs is not reported.
#![deny(warnings)]

use coop_core::cooperative;

#[tracing::instrument]
#[cooperative(check)]
async fn traced(rx: u32) -> u32 {
    let mut n = 0;
    while n < rx {
        coop_core::consume_budget().await;
        n += 1;
    }
    n
}

#[tracing::instrument]
#[cooperative]
async fn traced_rewritten(rx: u32) -> u32 {
    let mut n = 0;
    while n < rx {
        n += 1;
    }
    n
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(traced(3).await, 3);
        assert_eq!(traced_rewritten(3).await, 3);
    });
}
