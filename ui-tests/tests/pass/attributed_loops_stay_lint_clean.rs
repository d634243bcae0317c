#![deny(warnings, clippy::all)]

use coop_core::cooperative;

// Loops with attributes of their own are strip-mined with them on the rewrite's block: the
// `allow` still covers the loop, a `cfg` still removes it, and nothing new is linted.
#[cooperative]
pub async fn sum(v: &[u8]) -> u32 {
    let mut s = 0;
    #[allow(clippy::needless_range_loop)]
    for i in 0..v.len() {
        s += u32::from(v[i]);
    }
    #[cfg(any())]
    'again: loop {
        s += 1;
        if s > 9 {
            break 'again;
        }
    }
    #[cfg(all())]
    while s < 20 {
        s += 2;
    }
    #[allow(unused_variables)]
    for i in 0..3 {
        let unused = i;
    }
    s
}

// A body with code after its `return`: the `allow` covers it, as in the plain code, and no
// second report of unreachable code comes after the loop.
#[cooperative]
pub async fn leaves_early(n: u32) -> u32 {
    let mut s = n;
    #[allow(unreachable_code)]
    loop {
        s += 1;
        return s;
        s += 1;
    }
    s
}

fn main() {
    assert_eq!(futures::executor::block_on(leaves_early(5)), 6);
    let v: Vec<u8> = (0..200).map(|i| (i % 3) as u8).collect();
    // 200 bytes of 0, 1, 2 sum to 199, already past the `while`'s 20.
    assert_eq!(futures::executor::block_on(coop_core::budgeted(sum(&v))), 199);
}
