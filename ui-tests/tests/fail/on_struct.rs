use coop_core::cooperative;

#[cooperative]
#[derive(Debug)]
struct Config {
    budget: u32,
}

fn main() {
    // The struct is still emitted: this line type-checks, no second error.
    let _ = Config { budget: 1 }.budget;
}
