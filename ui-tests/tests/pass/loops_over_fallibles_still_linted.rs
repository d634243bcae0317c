#![deny(warnings, clippy::all)]

use coop_core::cooperative;

// rustc's `for_loops_over_fallibles` meets only a `for`, and a strip-mined `for` is rewritten
// into other loops: the rewrite still has rustc see a `for` over the loop's own iterator
// expression, so the lint fires as on the loop as written, and each `expect` is fulfilled.
#[cooperative]
pub async fn sum(maybe: Option<u32>, pair: &Option<(u32, u32)>, parsed: Result<u8, ()>) -> u32 {
    let mut s = 0;
    #[expect(for_loops_over_fallibles)]
    for x in maybe {
        s += x;
    }
    #[expect(for_loops_over_fallibles)]
    for (a, b) in pair {
        s += a + b;
    }
    #[expect(for_loops_over_fallibles)]
    for x in parsed {
        s += u32::from(x);
    }
    // Not a fallible: nothing to expect, nothing reported.
    for x in maybe.iter().chain(&[1, 2]) {
        s += x;
    }
    s
}

fn main() {
    let pair = Some((1, 2));
    assert_eq!(
        futures::executor::block_on(sum(Some(3), &pair, Ok(4))),
        3 + 3 + 4 + 3 + 1 + 2
    );
}
