use coop_core::cooperative;

// A loop marker on an expression that is not a loop, of any shape, is one error each, on the
// marker: no error of rustc's own about attributes on expressions follows.
#[cooperative]
async fn shapes(mut t: u32, v: &[u32]) -> u32 {
    #[coop_core::unconstrained]
    t = t * 2;
    #[coop_core::unconstrained]
    t += 1;
    #[coop_core::unconstrained]
    v[0];
    #[coop_core::unconstrained]
    (t, t);
    #[coop_core::unconstrained]
    t as u64;
    #[coop_core::unconstrained]
    t + 1
}

fn main() {
    let _ = shapes;
}
