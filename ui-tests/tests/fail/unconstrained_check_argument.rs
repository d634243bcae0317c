use coop_core::unconstrained;

#[unconstrained(check)]
async fn f() {}

fn main() {}
