use coop_core::unconstrained;

#[unconstrained = "yes"]
async fn f() {}

fn main() {}
