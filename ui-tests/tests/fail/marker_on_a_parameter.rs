use coop_core::{cooperative, unconstrained};

// A loop marker on a fn's or a closure's parameter is one error each, on the marker, in the
// attribute's words: no error of rustc's own about an attribute macro on a parameter follows.
#[cooperative]
async fn params(#[unconstrained] n: u32, #[coop_core::unconstrained] (a, b): (u32, u32)) -> u32 {
    let f = |#[unconstrained] x: u32| x + 1;
    let g = |#[cfg_attr(all(), unconstrained)] y| y * 2;
    f(n) + g(a) + b
}

struct S;

// Methods too, `self` included; `check` and `#[unconstrained]` say the same.
#[cooperative]
impl S {
    async fn method(#[unconstrained] &self, m: u32) -> u32 {
        m
    }
}

#[cooperative(check)]
async fn checked(#[unconstrained] n: u32) -> u32 {
    n
}

#[unconstrained]
async fn opted_out(#[unconstrained] n: u32) -> u32 {
    n
}

fn main() {
    let _ = params;
    let _ = S.method(1);
    let _ = checked;
    let _ = opted_out;
}
