//! The yield point `#[cooperative]` inserts (`__private::yield_point!`) counts like
//! `consume_budget().await`.
#![cfg(not(coop_disable))]

mod common;

#[test]
fn inserted_yield_point_yields_7_times_in_1000_iterations() {
    let yields = common::on_fresh_thread(|| {
        common::run_counting_yields(async {
            for _ in 0..1000 {
                coop_core::__private::yield_point!();
            }
        })
        .1
    });
    assert_eq!(yields, 7);
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
