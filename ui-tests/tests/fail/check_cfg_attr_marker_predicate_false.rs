use coop_core::cooperative;

// The marker opts the loop out only where its predicate holds: here it never does, so the
// loop is reported.
#[cooperative(check)]
pub async fn spin(flag: &std::cell::Cell<bool>) {
    #[cfg_attr(any(), coop_core::unconstrained)]
    while !flag.get() {}
}

// Here it always does: no report.
#[cooperative(check)]
pub async fn spin_opted_out(flag: &std::cell::Cell<bool>) {
    #[cfg_attr(all(), coop_core::unconstrained)]
    while !flag.get() {}
}

fn main() {}
