use coop_core::cooperative;

#[cooperative]
mod helpers {
    pub fn double(x: u32) -> u32 {
        x * 2
    }
}

fn main() {
    let _ = helpers::double(2);
}
