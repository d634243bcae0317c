//! The equivalence suite (see `coop-equivalence`) on edition 2021: the same shapes, the same
//! harness, another edition's temporary scopes and lints. Let-chains are edition 2024 only.
#![deny(warnings)]
#![deny(clippy::pedantic)]

#[path = "../../src/support.rs"]
pub mod support;

#[path = "../../src/shapes.rs"]
pub mod shapes;
