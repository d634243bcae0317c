//! The yield point `#[cooperative]` inserts (`__private::yield_point!`) counts like
//! `consume_budget().await`.
#![cfg(not(coop_disable))]

use coop_test_support::{count_yields_on_fresh_thread, forced_yields};

#[test]
fn inserted_yield_point_yields_7_times_in_1000_iterations() {
    let ((), yields) = count_yields_on_fresh_thread(|| async {
        for _ in 0..1000 {
            coop_core::__private::yield_point!();
        }
    });
    assert_eq!(yields, forced_yields(1000));
}

#[test]
fn inserted_yield_point_future_is_send() {
    fn assert_send<T: Send>(_: T) {}
    assert_send(async {
        loop {
            coop_core::__private::yield_point!();
        }
    });
}
