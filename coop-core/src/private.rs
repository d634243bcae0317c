//! What `#[cooperative]` and `#[unconstrained]` expansions call. Not public API: no stability
//! promise, hidden from the docs.

pub use crate::budget::try_spend;

/// Whether no budget scope is active on this thread, as between two task polls: for tests that
/// check a scope never outlives its poll (a panic, a task dropped mid-poll).
pub fn no_scope_active() -> bool {
    crate::budget::is_ambient()
}
pub use crate::wrappers::unconstrained;
pub use crate::yield_point::forced_yield;

/// The yield point `#[cooperative]` inserts at the head of each loop body.
///
/// Its fast path is [`try_spend`], inlined: a thread-local decrement and a branch, with no
/// future built or polled. Only a spent budget reaches the `.await`, whose future forces the
/// yield at once, without asking the budget a second time. Under
/// `--cfg coop_disable` it expands to nothing at all.
pub use crate::__coop_yield_point as yield_point;

#[doc(hidden)]
#[macro_export]
#[cfg(not(coop_disable))]
macro_rules! __coop_yield_point {
    () => {
        if !$crate::__private::try_spend() {
            $crate::__private::forced_yield().await
        }
    };
}

#[doc(hidden)]
#[macro_export]
#[cfg(coop_disable)]
macro_rules! __coop_yield_point {
    () => {
        ()
    };
}
