//! What clippy compiles: every rewritten item is emitted twice, the rewrite under
//! `cfg(not(clippy))` and the item as written under `cfg(clippy)`, less the loop markers the
//! attribute reads. `cargo clippy --all-targets` (CI) builds this file: a marker left in the
//! clippy copy is an error there, and so is a marker taken from an item with an attribute of its
//! own, which expands after the outer one and needs it. `cargo test` runs the same items.

#![deny(warnings, clippy::all)]

use coop_core::cooperative;

#[cooperative]
mod worker {
    use coop_core::cooperative;

    pub(crate) async fn count_to(n: u32) -> u32 {
        let mut done = 0;
        #[unconstrained]
        while done < n {
            done += 1;
        }
        done
    }

    pub(crate) mod nested {
        pub(crate) struct Counter(pub(crate) u32);

        impl Counter {
            pub(crate) async fn count(&mut self, n: u32) {
                #[unconstrained]
                for _ in 0..n {
                    self.0 += 1;
                }
            }
        }
    }

    /// `check` rejects a loop that never awaits unless it is opted out: this one is, by a
    /// marker only its own attribute reads.
    #[cooperative(check)]
    pub(crate) async fn checked(n: u32) -> u32 {
        let mut done = 0;
        #[unconstrained]
        loop {
            done += 1;
            if done >= n {
                break done;
            }
        }
    }
}

struct Spinner;

#[cooperative]
impl Spinner {
    async fn spin(&self, n: u32) -> u32 {
        let mut done = 0;
        #[unconstrained]
        while done < n {
            done += 1;
        }
        done
    }

    #[cooperative(check)]
    async fn checked(&self, n: u32) -> u32 {
        let mut done = 0;
        #[unconstrained]
        while done < n {
            done += 1;
        }
        done
    }
}

#[test]
fn module_and_impl_fns_run_to_their_end() {
    use futures::executor::block_on;

    assert_eq!(block_on(worker::count_to(300)), 300);
    let mut counter = worker::nested::Counter(0);
    block_on(counter.count(300));
    assert_eq!(counter.0, 300);
    assert_eq!(block_on(worker::checked(300)), 300);
    assert_eq!(block_on(Spinner.spin(300)), 300);
    assert_eq!(block_on(Spinner.checked(300)), 300);
}
