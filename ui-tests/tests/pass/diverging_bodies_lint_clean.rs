//! Diverging bodies and loops that never break stay clean under `deny(warnings, clippy::all)`:
//! the yield point adds no `unreachable_code`, no unused value.
#![deny(warnings, clippy::all)]

use coop_core::{cooperative, unconstrained};

#[cooperative]
pub async fn serve_forever() -> std::convert::Infallible {
    loop {}
}

#[cooperative]
pub async fn spin_then_return(flag: &std::sync::atomic::AtomicBool) -> u32 {
    while !flag.load(std::sync::atomic::Ordering::Acquire) {}
    7
}

#[unconstrained]
pub async fn unconstrained_diverges() -> std::convert::Infallible {
    loop {}
}

#[unconstrained]
pub async fn unconstrained_returns_early(x: u32) -> Result<u32, String> {
    if x == 0 {
        return Err("zero".to_owned());
    }
    let doubled: u32 = x.checked_mul(2).ok_or("overflow")?;
    Ok(doubled)
}

#[unconstrained]
pub async fn unconstrained_unit() {}

fn main() {
    let flag = std::sync::atomic::AtomicBool::new(true);
    assert_eq!(futures::executor::block_on(spin_then_return(&flag)), 7);
    assert_eq!(
        futures::executor::block_on(unconstrained_returns_early(2)),
        Ok(4)
    );
    futures::executor::block_on(unconstrained_unit());
    let _ = serve_forever;
    let _ = unconstrained_diverges;
}
