use coop_core::cooperative;

#[cooperative]
fn spin(n: u32) -> u32 {
    let mut i = 0;
    while i < n {
        i += 1;
    }
    i
}

fn main() {
    let _ = spin(3);
}
