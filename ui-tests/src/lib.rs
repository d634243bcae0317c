//! trybuild cases of coop's attributes: `tests/pass/*.rs` must compile, `tests/fail/*.rs` must
//! fail with the `.stderr` next to them. Bless a changed message with
//! `TRYBUILD=overwrite cargo test -p coop-ui-tests`, then read the diff.
//!
//! The library re-exports coop-core under a second path, for the `crate = "..."` cases.

/// coop-core, re-exported: `#[cooperative(crate = "coop_ui_tests::reexported")]`.
pub use coop_core as reexported;
