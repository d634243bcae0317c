use coop_core::cooperative;

#[cooperative]
#[cooperative]
async fn twice() {
    loop {}
}

fn main() {}
