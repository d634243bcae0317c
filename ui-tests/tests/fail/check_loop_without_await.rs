use coop_core::cooperative;

#[cooperative(check)]
async fn spin(flag: &std::cell::Cell<bool>) {
    loop {
        if flag.get() {
            break;
        }
    }
}

fn main() {
    let _ = spin;
}
