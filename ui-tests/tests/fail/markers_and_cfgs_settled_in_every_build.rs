use coop_core::cooperative;

// A `cfg` or `cfg_attr` predicate that holds (`all()`, `true`) or fails (`any()`, `false`) in
// every build is settled as rustc settles it: the errors below are the only ones.
#[cooperative(check)]
pub async fn check(n: u32) -> u32 {
    let mut t = 0;
    // Opted out: no error.
    #[cfg_attr(true, coop_core::unconstrained)]
    for i in 0..n {
        t += i;
    }
    // Removed in every build: no error.
    #[cfg_attr(any(), coop_core::unconstrained)]
    t += 1;
    // There in every build, on a statement: an error on the marker.
    #[cfg_attr(all(), coop_core::unconstrained)]
    t += 1;
    // Its only `.await` is removed in every build: it never awaits.
    while t < 10 {
        t += 1;
        #[cfg(any())]
        coop_core::consume_budget().await;
    }
    // An arm and a field removed in every build hold no loop.
    let _v = match n {
        #[cfg(any())]
        0 => loop {},
        _ => 1,
    };
    t
}

pub struct S;

// A method removed in every build is not read: its misused marker is no error.
#[cooperative]
impl S {
    #[cfg(any())]
    pub async fn removed(n: u32) {
        #[coop_core::unconstrained(x)]
        for _ in 0..n {}
    }

    pub async fn kept(&self, #[cfg(any())] #[coop_core::unconstrained] _x: u32) -> u32 {
        // A parameter removed in every build: its marker is no error.
        let f = |#[cfg(any())] #[coop_core::unconstrained] _y: u32, z: u32| z;
        f(1)
    }
}

fn main() {}
