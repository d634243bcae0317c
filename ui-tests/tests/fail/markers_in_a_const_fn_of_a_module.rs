// A `const fn` that `#[cooperative]` on a module reaches gets no yield points, but its loop
// markers are read as in the module's other fns: a misused one is an error on the marker, and
// a marker on a loop is taken off.
#[coop_core::cooperative]
pub mod md {
    pub const fn c(n: u32) -> u32 {
        #[coop_core::unconstrained]
        let x = n;
        let mut t = 0;
        #[coop_core::unconstrained(zzz)]
        while t < x {
            t += 1;
        }
        #[coop_core::unconstrained]
        while t < 2 * x {
            t += 1;
        }
        t
    }

    pub async fn k() {}
}

fn main() {
    let _ = md::c(1);
}
