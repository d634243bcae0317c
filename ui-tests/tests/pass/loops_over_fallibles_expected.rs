#![deny(warnings, clippy::all)]

use coop_core::cooperative;

// rustc's `for_loops_over_fallibles` meets only a `for`, which strip-mining takes apart: a
// loop that names the lint in an attribute of its own stays a `for` (with a yield point per
// iteration), so an `expect` of it stays fulfilled.
#[cooperative]
pub async fn sum(maybe: Option<u32>, pair: &Option<(u32, u32)>, parsed: Result<u8, ()>) -> u32 {
    let mut s = 0;
    #[expect(for_loops_over_fallibles)]
    for x in maybe {
        s += x;
    }
    #[expect(for_loops_over_fallibles, reason = "at most one pair")]
    for (a, b) in pair {
        s += a + b;
    }
    #[cfg_attr(all(), expect(for_loops_over_fallibles))]
    for x in parsed {
        s += u32::from(x);
    }
    s
}

fn main() {
    let pair = Some((1, 2));
    assert_eq!(
        futures::executor::block_on(sum(Some(3), &pair, Ok(4))),
        3 + 3 + 4
    );
}
