//! Where the ambient budget comes from: the one place that knows, and the only place the `tokio`
//! feature changes how a yield point behaves.
//!
//! With no coop scope active, a yield point spends the *ambient* budget. coop always keeps its
//! own ambient counter (in `state`); this module is the *source* that stands beside it and has
//! the last word. Two sources exist, chosen here by `cfg` and nowhere else:
//!
//! - `ambient/thread.rs` (default): nothing beside the counter. The thread's counter is the
//!   ambient budget; it refills at each forced yield.
//! - `ambient/tokio.rs` (feature `tokio`): tokio's `tokio::task::coop` budget. Inside a tokio task
//!   it is the ambient budget, shared unit for unit with tokio's own resources, and coop's
//!   counter is only the fallback for code outside a task; a strip-mined loop counts on coop's
//!   counter alone, and asks tokio at its batch ends.
//!
//! Every source provides the same interface, which is all the rest of the crate may call:
//!
//! - [`spend`]`(cx) -> Poll<Unit>`: takes one unit from the source (`state` takes the
//!   counter's alongside; a strip-mined loop's batch only at its batch ends, see `batch`).
//!   `Pending`: the source's budget is spent; it has registered `cx`'s waker to wake the task
//!   once it refreshes.
//! - [`Unit`]: a unit the source handed out, settled once its operation is known to have made
//!   progress ([`Unit::keep`]: it stays spent) or not ([`Unit::refund`]: it goes back).
//! - [`refill`]`(cx, budget) -> Option<(Unit, u16, bool)>`: counter number `budget` is empty.
//!   `Some`: the source keeps a budget per task poll of its own here, so the counter refills at
//!   once, to no more than the units the source has left (the `u16`), and the unit is the
//!   source's; the `bool` says the source's budget was untouched in this task poll, so the
//!   refill begins the poll's budget (its slice starts anew); `None`: the ambient budget is spent
//!   and the caller forces a yield. Rarely called (once per counter's worth of units), so it may
//!   be slow.
//! - [`has_remaining`]`(counter_has_units, budget) -> bool`: whether a yield point could spend an
//!   ambient unit now, without spending one.
//! - [`spent_by_a_batch`]`(budget)`: a strip-mined loop spent counter number `budget` without
//!   asking the source for each unit: the source must not refill it.
//! - [`units_left`]`() -> u16`: how many units the source has left (`u16::MAX`: no limit), for a
//!   strip-mined loop's lend; may be slow. [`first_lend`]`(counter) -> u16`: what a loop's
//!   first lend takes of the counter before that is known. [`in_step`]`(counter)`: whether a
//!   counter, right after the loop's own forced yield, holds what the source's budget holds.
//! - [`charge`]`(units)`: a strip-mined loop was left having spent `units` of the counter that
//!   the source was not asked for: the source takes them now.
//! - [`budget_installed`]`()` and [`budget_of_another_task`]`()`: a fresh ambient budget is
//!   installed for the running task; whether the thread's ambient budget is another task's of
//!   the source's executor (never, for a source without one), so that a refill for this task
//!   begins a budget of its own.
//! - [`exhausted_in_this_task`]`()`: whether the thread's last forced yield of the ambient
//!   budget was in the running task of the source's executor (always, for a source without
//!   one): a spent budget refilled for another branch of that task is still the task poll's.
//! - [`wake_after_forced_yield`]`(cx, exhaustion, now)`: wakes the task after a forced yield of
//!   the ambient budget, the way the source's executor wants a yielding task woken (a scope's
//!   forced yield wakes its waker at once); `exhaustion`: the yield began the budget's
//!   exhaustion (else it is another branch of the same task poll finding it spent); `now` is
//!   coop's clock, for a source that paces its wake-ups.
//! - [`spend_resumed`]`() -> Poll<Unit>`: [`spend`] for a yield point polled again after its
//!   forced yield (with no waker to register): a source whose budget was not refreshed by then
//!   (an executor nested in the poll that holds it) learns that it cannot be, and coop's counter
//!   counts by itself there until it is.
//! - [`Unconstrained`] and [`unconstrained`]: how a future is wrapped so that the source charges
//!   nothing inside it either.
//!
//! The source never reads or writes coop's own budget state: the counter's value and its refill
//! stay in `state`, which passes in what the source needs to know. So this module imports
//! nothing from the crate, and the budget's representation (units, a time slice) can change
//! without it.

#[cfg(not(feature = "tokio"))]
#[path = "ambient/thread.rs"]
mod source;

#[cfg(feature = "tokio")]
#[path = "ambient/tokio.rs"]
mod source;

pub(crate) use source::{
    Unconstrained, Unit, budget_installed, budget_of_another_task, charge, exhausted_in_this_task,
    first_lend, has_remaining, in_step, refill, spend, spend_resumed, spent_by_a_batch,
    unconstrained, units_left, wake_after_forced_yield,
};
