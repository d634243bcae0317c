use coop_core::cooperative;

// A loop marker on an expression that is not a loop, of any shape, is one error each, on the
// marker: no error of rustc's own about attributes on expressions follows.
#[cooperative]
async fn shapes(mut t: u32, v: &[u32]) -> u32 {
    #[coop_core::unconstrained]
    t = t * 2;
    #[coop_core::unconstrained]
    t += 1;
    #[coop_core::unconstrained]
    v[0];
    #[coop_core::unconstrained]
    (t, t);
    #[coop_core::unconstrained]
    t as u64;
    #[coop_core::unconstrained]
    t + 1
}

struct P {
    x: u32,
}

// Nor on a macro statement, a match arm or a field of a struct literal.
#[cooperative]
async fn places(t: u32) -> P {
    #[coop_core::unconstrained]
    println!("{t}");
    let x = match t {
        #[coop_core::unconstrained]
        0 => 1,
        _ => t,
    };
    P {
        #[coop_core::unconstrained]
        x,
    }
}

fn main() {
    let _ = shapes;
    let _ = places;
}
