// `check` on a block or module: a fn a `#[cfg]` removes is not reported, one it keeps is.
struct S;

#[coop_core::cooperative(check)]
impl S {
    #[cfg(any())]
    async fn removed(&self) {
        loop {}
    }

    #[cfg(all())]
    async fn kept(&self) {
        loop {}
    }

    #[cfg_attr(all(), cfg(any()))]
    async fn removed_by_cfg_attr(&self) {
        loop {}
    }
}

#[coop_core::cooperative(check)]
trait T {
    #[cfg(test)]
    async fn only_in_tests(&self) {
        loop {}
    }
}

#[coop_core::cooperative(check)]
mod m {
    #[cfg(any())]
    mod removed {
        pub async fn spin() {
            loop {}
        }
    }

    pub async fn checked() {
        loop {}
    }
}

fn main() {
    let _ = S.kept();
    let _ = m::checked;
}
