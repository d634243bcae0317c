use coop_core::cooperative;

trait Source {
    /// What it yields.
    #[cooperative]
    type Item;
}

fn main() {}
