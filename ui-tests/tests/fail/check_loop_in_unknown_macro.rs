use coop_core::cooperative;

macro_rules! twice {
    ($($body:tt)*) => {
        $($body)*
        $($body)*
    };
}

#[cooperative(check)]
async fn spin(flag: &std::cell::Cell<bool>) {
    twice! {
        let mut spins = 0u32;
        while !flag.get() {
            spins += 1;
        }
        assert!(spins < u32::MAX);
    }
}

fn main() {
    let _ = spin;
}
