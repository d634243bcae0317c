//! The equivalence suite: every loop form in every context, written once and generated twice,
//! plain and under coop's attributes, run on a one-thread executor beside a task that touches
//! the same state. The twins must return the same, panic the same, drop the same values in the
//! same order, and the other task must never find the state taken where plain code never let
//! it. coop's attributes promise that nothing changes but where the task may yield; this
//! package holds them to it.
//!
//! It is also the lint-diff: the crate denies warnings and `clippy::pedantic`, so a twin that
//! gains a warning its plain original does not have fails CI's clippy step. The same shapes are
//! compiled on edition 2021 by `coop-equivalence-2021`.
#![deny(warnings)]
#![deny(clippy::pedantic)]

/// coop-core, under the name the shared shapes use.
pub use ::coop_core as coop;

pub mod support;

pub mod shapes;
pub mod shapes_2024;
pub mod shapes_items;
pub mod shapes_labels;
pub mod shapes_temporaries;
