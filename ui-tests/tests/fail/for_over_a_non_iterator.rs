use coop_core::cooperative;

pub struct Totals {
    pub count: u32,
}

// A `for` whose head is not an iterator: rustc's own error at the head, and one more where
// the rewritten loop asks that iterator for its items, not one per place the rewrite names it.
#[cooperative]
async fn sum_to(n: u32) -> u32 {
    let mut total = 0;
    for x in n {
        total += x;
    }
    total
}

#[cooperative]
async fn sum_field(totals: Totals) -> u32 {
    let mut total = 0;
    for x in core::convert::identity(totals.count) {
        total += x;
    }
    total
}

fn main() {
    let _ = sum_to(3);
    let _ = sum_field(Totals { count: 3 });
}
