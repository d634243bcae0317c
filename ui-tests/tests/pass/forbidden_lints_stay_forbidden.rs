//! A crate that forbids lints keeps them forbidden: the expansions add no `allow` (which a
//! `forbid` refuses, E0453, or warns about under `forbid(warnings)`), in every strip-mined loop
//! form, with bodies that always leave, and in `#[unconstrained]`'s fake return edge.
#![forbid(unreachable_code, warnings, clippy::all)]

use coop_core::{cooperative, unconstrained};

#[cooperative]
pub async fn every_form(v: &[u32], mut n: u32) -> u32 {
    let mut s = 0;
    for x in v {
        s += x;
    }
    for x in v {
        return s + x;
    }
    while n < 5 {
        n += 1;
    }
    while n < 9 {
        break;
    }
    let mut it = v.iter();
    while let Some(x) = it.next() {
        s += x;
    }
    while let Some(x) = it.next() {
        return *x;
    }
    loop {
        n += 1;
        if n > 20 {
            break;
        }
    }
    let found = loop {
        break n;
    };
    s + found
}

#[unconstrained]
pub async fn edge(v: &[u32]) -> Result<u32, String> {
    v.first().copied().ok_or_else(|| "empty".to_owned())
}

#[unconstrained]
pub async fn never(code: u32) -> ! {
    panic!("exit {code}")
}

fn main() {}
