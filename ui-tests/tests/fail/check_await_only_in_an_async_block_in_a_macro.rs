use coop_core::cooperative;

async fn fetch() -> u32 {
    1
}

// Each loop's only `.await` belongs to an async block it builds, among a macro's operands: the
// block runs on its own schedule, and the loop never yields.
#[cooperative(check)]
async fn in_vec() -> usize {
    let mut built = 0;
    loop {
        let pending = vec![async { fetch().await }];
        built += pending.len();
        if built > 9 {
            break built;
        }
    }
}

#[cooperative(check)]
async fn under_if_false(done: &std::cell::Cell<bool>) {
    while !done.get() {
        if false {
            fetch().await;
        }
    }
}

fn main() {
    let _ = in_vec();
    let _ = under_if_false(&std::cell::Cell::new(true));
}
