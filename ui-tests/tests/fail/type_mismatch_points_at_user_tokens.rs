use coop_core::{cooperative, unconstrained};

#[cooperative]
async fn cooperative_mismatch() -> u32 {
    let mut n = 0;
    loop {
        n += 1;
        if n > 3 {
            break "four";
        }
    }
}

#[unconstrained]
async fn unconstrained_mismatch() -> u32 {
    "not a number"
}

fn main() {
    let _ = cooperative_mismatch();
    let _ = unconstrained_mismatch();
}
