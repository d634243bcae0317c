use coop_core::cooperative;

// A loop in an operand a macro prints as written (`assert!`'s condition): no yield point can
// go there, and `check` says so by the macro's name.
#[cooperative(check)]
async fn settles(flag: &std::cell::Cell<bool>) {
    assert!(loop {
        if flag.get() {
            break true;
        }
    });
}

fn main() {
    let _ = settles(&std::cell::Cell::new(true));
}
