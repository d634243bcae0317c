use coop_core::cooperative;

// A loop under a `#[cfg]` that holds is reported with the fn's other loops, all at once.
#[cooperative(check)]
pub async fn cfg_loop_then_loop(n: u32) -> u32 {
    let mut s = 0;
    #[cfg(all())]
    for x in 0..n {
        s += x;
    }
    while s < 100 {
        s += 1;
    }
    s
}

// A loop whose opt-out does not apply is reported beside another loop's misused marker.
#[cooperative(check)]
pub async fn opt_out_not_applied_beside_a_marker_error(n: u32) -> u32 {
    let mut t = 0;
    #[cfg_attr(any(), coop_core::unconstrained)]
    for _ in 0..n {
        t += 1
    }
    #[coop_core::unconstrained(x)]
    for _ in 0..n {
        t += 1
    }
    t
}

fn main() {}
