//! The bound every wait and spin of the support code gives up at, so a starved or broken test
//! ends instead of hanging.

/// Iterations after which a hot spin-wait gives up: a loop that reaches it never saw the other
/// task run. Big enough that a fair loop never gets near it, small enough to cost microseconds.
pub const SPIN_CAP: u64 = 100_000;
