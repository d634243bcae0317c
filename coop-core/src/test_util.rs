//! Hooks for coop's own tests and benchmarks (feature `test-util`, as tokio's): what they
//! observe or compare against, kept out of `__private`, which holds only what expansions call.

/// Whether no budget scope is active on this thread, as between two task polls: for tests that
/// check a scope never outlives its poll (a panic, a task dropped mid-poll).
///
/// ```
/// assert!(coop_core::test_util::no_scope_active());
/// coop_core::with_budget(3, || assert!(!coop_core::test_util::no_scope_active()));
/// assert!(coop_core::test_util::no_scope_active());
/// ```
pub fn no_scope_active() -> bool {
    crate::scope::is_ambient()
}

/// The slow path of the yield point `#[cooperative]` inserts, counted by the process only (no
/// site): what a forced yield costs without its site, for the benchmarks to compare against.
///
/// ```
/// futures::executor::block_on(async {
///     if !coop_core::__private::try_spend() {
///         coop_core::test_util::forced_yield_unsited().await;
///     }
/// });
/// ```
pub fn forced_yield_unsited() -> crate::ConsumeBudget {
    crate::ConsumeBudget::exhausted(crate::sites::SiteRef::None)
}
