//! An error in one fn of a `#[cooperative]` module: the module comes back with every loop
//! marker taken out, so the one error is the only one (a marker left in would be a second).

use coop_core::cooperative;

#[cooperative]
mod worker {
    pub async fn opted_out() {
        #[unconstrained]
        for _ in 0..3 {}
    }

    pub async fn misused() {
        #[unconstrained(crate = "coop_core")]
        for _ in 0..3 {}
    }
}

fn main() {
    let _ = worker::opted_out();
    let _ = worker::misused();
}
