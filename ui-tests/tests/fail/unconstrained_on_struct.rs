use coop_core::unconstrained;

#[unconstrained]
struct Config;

fn main() {
    let _ = Config;
}
