//! coop's examples: `cargo run --release --example <name>` from the repository's root.
//!
//! - `starvation`: a hot loop beside a 1 ms ticker on tokio, smol and futures, plain and
//!   `#[cooperative]`, with a ticker that polls the clock and one that waits on the executor's
//!   timer.
//! - `tokio`, `smol`, `futures`: `#[cooperative]` on that executor, in a page you can copy.
//! - `hand_written_executor`: what an executor author adds, `coop_core::budget` around a poll.
//!
//! This library is empty; the examples are in `examples/`.
