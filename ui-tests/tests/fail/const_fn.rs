use coop_core::cooperative;

#[cooperative]
const fn limit() -> u32 {
    4
}

fn main() {
    let _ = limit();
}
