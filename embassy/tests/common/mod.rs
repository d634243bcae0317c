//! What every test here shares: which build of coop-core it runs against, and one test at a
//! time (without `std` the budget is one per program, so two tests' loops on two threads would
//! spend one budget).

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

/// Holds the one-test-at-a-time lock.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether coop-core was built without `std`, told by what only that build does: one budget
/// per program, so a thread sees the budget of a scope another thread is in.
pub(crate) fn budget_is_per_program() -> bool {
    coop_core::with_budget(1, || {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let Poll::Ready(unit) = coop_core::poll_proceed(&mut cx) else {
            panic!("a fresh budget of one unit grants it");
        };
        unit.made_progress();
        std::thread::spawn(|| !coop_core::has_budget_remaining())
            .join()
            .unwrap()
    })
}

/// `scripts/test-all.sh` runs this package on its own with `COOP_EXPECT_NO_STD=1`: there the
/// tests must run against coop-core without `std`. In `cargo test --workspace` other packages
/// turn `std` on, and the same tests check the same counts on that build.
pub(crate) fn check_build() {
    if std::env::var_os("COOP_EXPECT_NO_STD").is_some() {
        assert!(
            budget_is_per_program(),
            "COOP_EXPECT_NO_STD is set, but coop-core was built with `std`"
        );
    }
}
