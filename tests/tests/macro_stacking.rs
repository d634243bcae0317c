//! `#[cooperative]` and `#[unconstrained]` stacked with `#[tokio::main]`, `#[tokio::test]`,
//! `#[async_trait]` and `#[tracing::instrument]`, in either order: the loops are still
//! instrumented exactly once (a `for` of 1000 iterations forces 7 yields on a fresh thread's
//! ambient budget) and unconstrained code is never forced.
//!
//! The tokio runtimes here run without the `tokio` bridge feature, so the budget is coop's
//! ambient one; each count is the difference of the process-wide `forced_yield_count`, taken
//! on a fresh thread, and tests that count run one at a time.

use std::sync::Mutex;

use async_trait::async_trait;
use coop_core::{cooperative, forced_yield_count, unconstrained};
use coop_test_support::{forced_yields, on_fresh_thread};

/// Serialises the tests that read the process-wide forced-yield counter.
static COUNTING: Mutex<()> = Mutex::new(());

/// Forced yields that happen while `f` runs on a fresh thread.
///
/// Every `for` below makes 1000 iterations: `forced_yields(1000)`, seven, forced yields.
fn forced_yields_on_fresh_thread<T: Send + 'static>(f: fn() -> T) -> (T, u64) {
    let _serial = COUNTING.lock().unwrap_or_else(|poison| poison.into_inner());
    let before = forced_yield_count();
    let output = on_fresh_thread(f);
    (output, forced_yield_count() - before)
}

fn count_to(n: u32) -> u32 {
    n
}

#[cooperative]
#[tokio::main(flavor = "current_thread")]
async fn cooperative_above_tokio_main() -> u32 {
    let mut count = 0;
    for _ in 0..count_to(1000) {
        count += 1;
    }
    count
}

#[tokio::main(flavor = "current_thread")]
#[cooperative]
async fn cooperative_below_tokio_main() -> u32 {
    let mut count = 0;
    for _ in 0..count_to(1000) {
        count += 1;
    }
    count
}

#[test]
fn tokio_main_in_either_order() {
    assert_eq!(
        forced_yields_on_fresh_thread(cooperative_above_tokio_main),
        (1000, forced_yields(1000))
    );
    assert_eq!(
        forced_yields_on_fresh_thread(cooperative_below_tokio_main),
        (1000, forced_yields(1000))
    );
}

#[cooperative]
#[tokio::test(flavor = "current_thread")]
async fn cooperative_above_tokio_test() {
    // Fewer iterations than a budget: this test forces no yield, so it leaves the counter
    // alone while other tests read it.
    let mut count = 0;
    while count < 100 {
        count += 1;
    }
    assert_eq!(count, 100);
}

#[tokio::test(flavor = "current_thread")]
#[cooperative]
async fn cooperative_below_tokio_test() {
    // Fewer iterations than a budget: this test forces no yield, so it leaves the counter
    // alone while other tests read it.
    let mut count = 0;
    while count < 100 {
        count += 1;
    }
    assert_eq!(count, 100);
}

#[async_trait]
trait Source {
    async fn drain(&mut self) -> u32;
}

struct Items(Vec<u32>);

#[async_trait]
impl Source for Items {
    #[cooperative]
    async fn drain(&mut self) -> u32 {
        let mut count = 0;
        for _item in self.0.drain(..) {
            count += 1;
        }
        count
    }
}

struct OtherItems(Vec<u32>);

#[cooperative]
#[async_trait]
impl Source for OtherItems {
    async fn drain(&mut self) -> u32 {
        let mut count = 0;
        for _item in self.0.drain(..) {
            count += 1;
        }
        count
    }
}

#[test]
fn async_trait_in_either_order() {
    let inside = forced_yields_on_fresh_thread(|| {
        futures::executor::block_on(Items((0..1000).collect()).drain())
    });
    assert_eq!(inside, (1000, forced_yields(1000)));
    let outside = forced_yields_on_fresh_thread(|| {
        futures::executor::block_on(OtherItems((0..1000).collect()).drain())
    });
    assert_eq!(outside, (1000, forced_yields(1000)));
}

#[tracing::instrument]
#[cooperative]
async fn instrumented_outside(n: u32) -> Result<u32, String> {
    let mut count = 0;
    for _ in 0..n {
        count += 1;
    }
    Ok(count)
}

#[cooperative]
#[tracing::instrument]
async fn instrumented_inside(n: u32) -> Result<u32, String> {
    let mut count = 0;
    for _ in 0..n {
        count += 1;
    }
    Ok(count)
}

#[tracing::instrument]
#[unconstrained]
async fn instrumented_unconstrained(n: u32) -> Result<u32, String> {
    for _ in 0..n {
        coop_core::consume_budget().await;
    }
    Ok(n)
}

#[test]
fn tracing_instrument_in_either_order() {
    let outside =
        forced_yields_on_fresh_thread(|| futures::executor::block_on(instrumented_outside(1000)));
    assert_eq!(outside, (Ok(1000), forced_yields(1000)));
    let inside =
        forced_yields_on_fresh_thread(|| futures::executor::block_on(instrumented_inside(1000)));
    assert_eq!(inside, (Ok(1000), forced_yields(1000)));
    let unconstrained = forced_yields_on_fresh_thread(|| {
        futures::executor::block_on(instrumented_unconstrained(1000))
    });
    assert_eq!(unconstrained, (Ok(1000), 0));
}
