use coop_core::cooperative;

#[cooperative]
#[path = "out_of_line/worker.rs"]
mod worker;

fn main() {}
