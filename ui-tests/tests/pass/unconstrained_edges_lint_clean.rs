//! `#[unconstrained]` keeps the fn's return type, coercions and lints exactly as written:
//! `-> !`, `impl Trait` anywhere in the return type, one-line and unit bodies, parameters of
//! every pattern, all under `deny(warnings, clippy::all, clippy::pedantic)`.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::error::Error;
use std::fmt::Display;

use coop_core::unconstrained;

/// Never returns.
///
/// # Panics
///
/// Always.
#[unconstrained]
pub async fn never_returns(code: u32) -> ! {
    panic!("exit {code}")
}

/// `impl Trait` nested in the return type, with a coercion at `return`.
///
/// # Errors
///
/// When `fail`.
#[unconstrained]
pub async fn shown(fail: bool) -> Result<impl Display, Box<dyn Error>> {
    if fail {
        return Err(Box::new(std::fmt::Error));
    }
    Ok(7)
}

/// A one-line body.
#[unconstrained]
pub async fn one_line(x: u32) -> u32 {
    x + 1
}

/// A unit body that is one call.
#[unconstrained]
pub async fn unit_call(items: &mut Vec<u32>) {
    items.clear();
}

/// `Ok(())` alone.
///
/// # Errors
///
/// Never.
#[unconstrained]
pub async fn ok_unit() -> Result<(), String> {
    Ok(())
}

/// Parameters of every pattern.
#[unconstrained]
pub async fn patterns(
    mut counter: u32,
    (a, b): (u32, u32),
    _: u32,
    _unused: String,
    [first, ..]: [u32; 3],
) -> u32 {
    counter += a + b + first;
    counter
}

fn main() {
    futures::executor::block_on(async {
        assert_eq!(shown(false).await.unwrap().to_string(), "7");
        assert!(shown(true).await.is_err());
        assert_eq!(one_line(1).await, 2);
        let mut items = vec![1];
        unit_call(&mut items).await;
        assert!(items.is_empty());
        assert_eq!(ok_unit().await, Ok(()));
        assert_eq!(patterns(1, (2, 3), 4, String::new(), [5, 6, 7]).await, 11);
    });
    let _ = never_returns;
}
