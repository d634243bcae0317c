//! The equivalence suite (see `coop-equivalence`) on edition 2021: the same shapes, the same
//! harness, another edition's temporary scopes and lints. Let-chains are edition 2024 only.
//!
//! This package depends on coop-core renamed to `coop`: every shape also checks that the
//! attributes reach a renamed dependency through `crate = $crate::coop`.
#![deny(warnings)]
#![deny(clippy::pedantic)]

/// coop-core, as this package names it.
pub use ::coop;

#[path = "../../src/support.rs"]
pub mod support;

#[path = "../../src/shapes.rs"]
pub mod shapes;

#[path = "../../src/shapes_temporaries.rs"]
pub mod shapes_temporaries;

#[path = "../../src/shapes_labels.rs"]
pub mod shapes_labels;

#[path = "../../src/shapes_items.rs"]
pub mod shapes_items;
