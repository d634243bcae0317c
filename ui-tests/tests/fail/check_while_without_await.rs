use coop_core::cooperative;

#[cooperative(check)]
async fn spin(flag: &std::cell::Cell<bool>) {
    while !flag.get() {}
}

fn main() {
    let _ = spin;
}
