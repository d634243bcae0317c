//! Where coop's state lives: the one place that knows whether `std` is there.
//!
//! Two homes, chosen here by the `std` feature and nowhere else:
//!
//! - `platform/std.rs` (feature `std`, the default): the budget is a thread-local, so every
//!   thread has its own; counters are atomics; the default clock reads `std::time::Instant`.
//! - `platform/bare.rs` (no `std`): no threads to hang a budget on, so there is one budget per
//!   program. The fast path's counter is one `AtomicU32`, read and written with relaxed loads and
//!   stores (no compare-and-swap, so it works on `thumbv6m` as on `thumbv7em`, and no critical
//!   section per unit); everything the slow path touches sits behind a `critical-section`
//!   mutex; there is no default clock.
//!
//! What one budget per program means under interrupts: a scope ([`budget`](crate::budget),
//! [`budgeted`](crate::budgeted), ...) saves the state on entry and restores it on exit, and
//! interrupts nest last in, first out, so code that preempts a task inside a scope hands back
//! exactly the state it found: the preempted task's load and store of its counter see nothing
//! happen in between. Preempting code that spends the ambient budget outside any scope does
//! spend (and refill) the preempted task's ambient budget, which is why higher-priority
//! executors run their tasks in scopes (see the crate docs, "Without `std`"). Two cores running coop
//! code at once do not nest, and share the one budget: only one core may run coop's yield points
//! without `std`.
//!
//! The interface, the same in both homes:
//!
//! - `local!` declares a value the slow path reads and writes (`try_with(|cell: &Cell<T>| ..)`),
//!   and `fast_local!` the fast path's counter (`try_with(|cell: &FastCell<T>| ..)`, whose
//!   `get`/`set` are a plain load and store); [`Packed`] is how a fast value fits in 32 bits.
//!   `local_cells!` declares a value made of `Cell`s that the slow path reads and writes in
//!   place, field by field (`try_with(|value: &T| ..)`).
//! - [`Counter`]: a process-wide `u64` counter (forced yields, per-site statistics);
//!   [`Flag`]: set once; [`Once`]: a `Copy` value set once; [`Guarded`]: a value behind a lock;
//!   [`List`]: a list the slow path appends to, bounded without `std`.
//! - [`default_clock`]: the time since the first reading, where the platform has a clock;
//!   [`default_clock_if_read`]: the same, only where it was read before.
//! - [`CALLER_SITES`]: the size of the hand-written yield points' table of sites.

#[cfg(feature = "std")]
#[path = "platform/std.rs"]
pub(crate) mod home;

#[cfg(not(feature = "std"))]
#[path = "platform/bare.rs"]
pub(crate) mod home;

pub(crate) use home::{
    CALLER_SITES, Counter, FastCell, Flag, Guarded, List, Once, Packed, default_clock,
    default_clock_if_read, fast_local, local, local_cells,
};
