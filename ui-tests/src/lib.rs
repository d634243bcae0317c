//! Re-exports coop-core for the trybuild cases.
