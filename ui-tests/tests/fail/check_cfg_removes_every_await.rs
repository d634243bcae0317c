use coop_core::cooperative;

// The loop's only `.await` is compiled out: the loop that is built never yields, and is reported.
#[cooperative(check)]
pub async fn spin(n: u32) -> u32 {
    let mut s = 0;
    for i in 0..n {
        #[cfg(any())]
        coop_core::consume_budget().await;
        s += i;
    }
    s
}

// One `.await` per configuration, but none where neither predicate holds: reported there.
#[cooperative(check)]
pub async fn match_arms(n: u32, mode: u8) -> u32 {
    let mut s = 0;
    loop {
        match mode {
            #[cfg(any())]
            0 => coop_core::consume_budget().await,
            _ => s += 1,
        }
        #[cfg_attr(any(), cfg(all()))]
        #[cfg(any())]
        coop_core::consume_budget().await;
        if s > n {
            break s;
        }
    }
}

// A loop that `#[cfg]` keeps is reported as any other.
#[cooperative(check)]
pub async fn kept(n: u32) -> u32 {
    let mut s = 0;
    #[cfg(all())]
    for i in 0..n {
        s += i;
    }
    s
}

fn main() {}
