use coop_core::unconstrained;

#[unconstrained]
fn compute() -> u32 {
    42
}

fn main() {
    let _ = compute();
}
