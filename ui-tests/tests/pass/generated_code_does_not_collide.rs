//! The expansion binds no hidden local and names everything by absolute path, so user items
//! named like coop's or std's do not capture it.
//! A user local named like a hidden one is just a local.
#![deny(warnings, clippy::all)]
#![allow(non_camel_case_types, dead_code)]

mod core {}

mod coop_core {}

fn identity() {}

fn unconstrained() {}

#[::coop_core::unconstrained]
async fn answer(n: u32) -> Result<u32, String> {
    let __coop_fake_return = n;
    if __coop_fake_return == 0 {
        return Err("zero".to_owned());
    }
    Ok(__coop_fake_return)
}

#[::coop_core::cooperative]
async fn count(n: u32) -> u32 {
    // Named like the strip-mined loop's own context and items: the body still sees these.
    let __coop_cx = 1;
    let __coop_item = 0;
    let mut i = 0;
    while i < n {
        i += __coop_cx + __coop_item;
    }
    for step in 0..n {
        i += step * __coop_cx;
    }
    i
}

fn main() {
    identity();
    unconstrained();
    assert_eq!(futures::executor::block_on(answer(2)), Ok(2));
    assert_eq!(futures::executor::block_on(count(3)), 6);
}
