//! Cooperative scheduling budgets for async Rust, on any executor.
//!
//! A hot async loop (parsing a buffer, compressing, draining a stream that is always ready,
//! spinning on a flag) never returns `Pending`, so it holds its thread and every other task on
//! that thread waits. tokio answers this inside tokio with a budget of 128 units per task poll
//! (`tokio::task::coop`); coop gives that budget to every executor, and attributes that put the
//! yield points in for you.
//!
//! - [`consume_budget`] is a yield point: it spends one unit, and once the budget is spent it
//!   yields to the executor. [`poll_proceed`] is the same for hand-written futures.
//! - `#[cooperative]` (feature `macros`, on by default) inserts a yield point in every loop of an
//!   async fn; `#[unconstrained]` opts out. See the attributes' docs.
//! - Scopes set the budget: [`budget`](fn@budget), [`with_budget`], [`with_unconstrained`]
//!   around a task poll, or the future wrappers [`budgeted`], [`budgeted_with`],
//!   [`unconstrained`](fn@unconstrained) and [`cooperative`](fn@cooperative) (a stream too, with
//!   the `futures-core` feature).
//! - A [`Budget`] is a number of units and, optionally, a time slice; [`set_default_budget`]
//!   sets the one every scope and every thread's ambient budget starts from.
//!
//! # Where the budget comes from
//!
//! - Inside a scope ([`budget`](fn@budget), [`budgeted`], ...): the scope's units. Once they are
//!   spent, every yield point returns `Pending` until the scope ends, so the whole task goes back
//!   to its executor, as in tokio.
//! - With no scope at all (a plain `block_on`, smol, a hand-written executor): the thread's
//!   *ambient* budget, the process default ([`DEFAULT_BUDGET`] units unless
//!   [`set_default_budget`] changed it). No executor tells it where task polls begin, so once
//!   spent it stays spent until a sign that one has: a yield point reached with another task's
//!   waker (one that does not `will_wake` the waker of the yield that spent it; a waker with no
//!   data, such as the no-op one `now_or_never` polls with, is no task's), the yield point
//!   that was forced to yield polled again, or dropped before that and its call site reached
//!   again (`now_or_never`, `poll!`, a hand-written future that builds `cooperative(..)` at each
//!   poll), or a hand-written [`poll_proceed`] call site that was refused asking again (it is
//!   granted then). A refill that code polled in place inside a `#[cooperative]` loop's body
//!   gets from those signs is that code's: where the loop's iterations cannot suspend (no
//!   `.await`, the loops `#[cooperative]` strip-mines), the loop still yields within 128 of its
//!   own iterations. A loop with an `.await` of its own reaches the budget at every iteration
//!   and cannot tell such a refill from a new task poll: code its body polls in place under a
//!   waker of its own (a nested executor), or polls again after that code's forced yield, can
//!   refill the budget for it; give such a loop a scope ([`budgeted`]). So, on any executor,
//!   a loop that spends a unit per iteration yields once every 128 iterations once its task
//!   has a full budget, and the branches of one task
//!   (`join!`, `select!`) share one budget per task poll. It belongs to the thread and carries
//!   over between tasks: a task polled after another task's loop goes on with the units that
//!   loop left: its first forced yield can come after fewer than 128 iterations, not after
//!   more. Wrap tasks in [`budgeted`] to give each its own.
//! - With the `tokio` feature, inside a tokio task and no coop scope: tokio's own budget, shared
//!   with tokio's sockets, channels and timers, wherever tokio's budget can force a yield. Its
//!   units are tokio's 128 per task poll whatever [`set_default_budget`] says; a default time
//!   slice still applies there. A loop `#[cooperative]` strip-mines (its iterations cannot
//!   suspend, so they poll none of tokio's resources) asks tokio only at its batch ends, not at
//!   each iteration, and charges tokio what it spent at those ends and when it is left, so it
//!   still yields once tokio's 128 units are spent; its first batch, before tokio's budget is
//!   read, may run up to 16 iterations past a budget that tokio's resources spent before it.
//!   In a task poll that such a loop resumes after its own forced yield and ends with the next
//!   (a hot loop's steady state), it spends a fresh budget without a call per unit and tokio is
//!   not charged for it: other branches of the task (`join!`, `select!`) then find coop's budget
//!   spent, and their tokio resources find tokio's budget as the loop found it. Nor does that
//!   budget count what tokio's resources in branches polled before the loop in the same task
//!   poll spent: the loop still runs its budget (at least one unit of tokio's must be left), so
//!   such a task poll runs up to the loop's 128 units on top of theirs. The children of a
//!   `FuturesUnordered` have wakers of their own, so each is a task for coop's budget: two of
//!   them can each run a budget in one poll of the tokio task. coop reads tokio's budget by
//!   taking its units and giving them back, so with `--cfg tokio_unstable` tokio's
//!   `budget_forced_yield_count` metric also counts those reads that reached its last unit.
//!
//! A budget holds at least one unit: a budget of 0 is a budget of 1, so every task poll can make
//! progress.
//!
//! # What coop-core promises
//!
//! The checking executor of coop's tests (`test-support`'s `check` module, fed random schedules
//! of `join!`, `select_all`, `join_all`, `FuturesUnordered`, nested executors, scopes, streams,
//! guards, panics and cancellations by `coop-core/tests/checked_schedules.rs`, and wrapped
//! around tasks on every executor of the test matrix by `tests/tests/checked_matrix.rs`)
//! asserts these after every task poll, and nothing beyond them:
//!
//! - **Units per task poll.** Under a scope of `n` units, a task poll runs at most `n` yield
//!   points' worth of work, plus one each time a yield point that was forced to yield goes on
//!   (`consume_budget`, a `#[cooperative]` loop, `cooperative(fut)`) or, dropped after its
//!   yield before it went on, has its call site reached again, and each time a hand-written
//!   call site that the spent scope refused is refused again (so an executor nested in the
//!   task, polling inside the spent scope, never spins). On the ambient budget: the same, plus
//!   `n` for each branch that calls `poll_proceed` by hand (a call site that was refused
//!   refills the budget when it asks again), `n` each time a yield point dropped after its forced yield has its call site
//!   reached again (that refills it too), `n` each time code polls a yield point that was
//!   forced to yield again within the task poll (`now_or_never` on a kept future: that refills
//!   it as well), and `n` for each branch with a waker of its own
//!   (`FuturesUnordered`, `join_all` of more than 30 futures), which the ambient budget cannot
//!   tell from a task. A `#[cooperative]` loop whose iterations cannot suspend counts its own
//!   units in a batch lent from the budget and settled at the batch's end, so code its body
//!   polls in place (`now_or_never`) spends the same units again: such a task poll may run up to
//!   `n` more of the loop's iterations (see [`cooperative`](macro@cooperative)).
//!   Inside an inner scope the inner budget counts; executors nested in a task and
//!   [`unconstrained`](fn@unconstrained) code are not bounded by the task's budget.
//! - **Time per task poll**, for a task whose loops cost the same per iteration, under a scope
//!   with a time slice: at most the slice and a quarter of it, plus one iteration and one more
//!   for each branch that goes on after its yield (see [`Budget`] for the precondition).
//! - **Counts.** [`forced_yield_count`] counts each exhaustion once, and equals the task polls
//!   that ended `Pending` because a budget was spent, except where a task poll got a second
//!   budget (counted twice, seen once), where a combinator polls again or drops a branch that
//!   yielded within one task poll (`select!`, `FuturesUnordered`: counted, not seen), and where
//!   an executor nested in a task polls inside a spent scope (seen several times, counted once).
//!   [`sites`] adds up to [`forced_yield_count`], except for the forced yields of hand-written
//!   yield points whose call site found no slot in the table of caller sites (certain past
//!   1024 call sites, see [`sites`]), and without `std` of yield points past its fixed tables
//!   (32 hand-written call sites, 64 `#[cooperative]` yield points): those are counted by
//!   [`forced_yield_count`] only, and [`write_report`] ends with a row of them.
//! - **Scopes and wake-ups.** No scope outlives its poll, on return, on a panic that unwinds
//!   through it, or on cancellation; every task that returned `Pending` because a budget was
//!   spent has been woken; no schedule livelocks (every task finishes within a poll cap).
//!
//! ```
//! # futures::executor::block_on(async {
//! // 1000 iterations on a fresh thread's ambient budget: a forced yield every 128 units.
//! let before = coop_core::forced_yield_count();
//! let yields = std::thread::spawn(|| {
//!     futures::executor::block_on(async {
//!         for _ in 0..1000 {
//!             coop_core::consume_budget().await;
//!         }
//!     })
//! });
//! yields.join().unwrap();
//! assert!(coop_core::forced_yield_count() >= before + 7);
//! # });
//! ```
//!
//! # Time slices
//!
//! 128 units bound how many iterations run between yields, not how long: 128 iterations of 1 ms
//! hold the thread for 128 ms. A time slice bounds the time as well:
//! `Budget::DEFAULT.slice(Duration::from_millis(1))` is 128 units or 1 ms, whichever runs out
//! first. Set it per task ([`budgeted_with`], [`with_budget`]) or for the whole process
//! ([`set_default_budget`]).
//!
//! - **The guarantee**: a loop under a time slice is forced to yield at most a quarter of the
//!   slice plus one iteration after its slice ends, as long as its iterations in each check
//!   interval are no slower than the pace measured before it (see [`Budget`] for that pace and
//!   the bound outside it).
//! - **Choosing one**: the longest you accept another task on the thread to wait, minus your
//!   loops' longest single iteration. Loops whose 128 iterations always fit in it never notice.
//! - **What it costs**: nothing on the yield point's fast path, which stays a decrement and a
//!   branch. The slow path reads the clock when the budget starts and then every k units, where
//!   k adapts to the loop's pace: a fast loop that goes on after its forced yield reads it once
//!   every four budgets, a slow one once per iteration.
//!   BENCHMARKS.md has the numbers.
//! - When the slice is over, the next check forces a yield exactly as a spent budget does
//!   (counted by [`forced_yield_count`], and by [`time_slice_yield_count`]), and the next budget
//!   starts fresh. Unconstrained code ([`unconstrained`](fn@unconstrained),
//!   [`with_unconstrained`], `#[unconstrained]`) is never forced to yield by time either; with
//!   the `tokio` feature, `tokio::task::unconstrained` switches tokio's budget off, not coop's:
//!   there coop's ambient budget counts units and time by itself.
//! - The clock is the CPU's time-stamp counter (feature `quanta`) or `Instant`, unless
//!   [`set_clock`] installs another.
//! - The ambient budget has no task polls to start at, so its slice, like its units, carries
//!   over between polls and tasks on a thread until it is spent: time the thread spent elsewhere
//!   counts, the first yield point after a pause may yield early, and a task that goes on with
//!   units another task left goes on at that task's measured pace. With the `tokio` feature, a
//!   budget that another task installed or exhausted, or that refills from a task poll's
//!   untouched tokio budget, starts its slice anew when it refills. Wrap tasks in [`budgeted`]
//!   to give each poll a fresh slice.
//!
//! ```
//! use std::task::{Context, Poll, Waker};
//! use std::time::Duration;
//!
//! use coop_core::Budget;
//!
//! // Iterations of 2 ms under a 5 ms slice: 128 units would take 256 ms, the slice ends the
//! // poll after 3 iterations (the check that finds it over comes with the fourth).
//! let mut task = Box::pin(coop_core::budgeted_with(
//!     Budget::DEFAULT.slice(Duration::from_millis(5)),
//!     async {
//!         for _ in 0..4 {
//!             coop_core::consume_budget().await;
//!             std::thread::sleep(Duration::from_millis(2));
//!         }
//!     },
//! ));
//! let mut cx = Context::from_waker(Waker::noop());
//! let mut polls = 1;
//! while task.as_mut().poll(&mut cx).is_pending() {
//!     polls += 1;
//! }
//! assert!(polls >= 2);
//! ```
//!
//! # Finding the hot loop
//!
//! Every yield point knows where it is: the loop keyword and the fn's path for the yield points
//! `#[cooperative]` inserts, the caller's line for [`consume_budget`], [`poll_proceed`] and
//! [`cooperative`](fn@cooperative). Each forced yield is counted for its yield point, on the
//! slow path only; [`sites`] lists them, most forced yields first, and [`report`] prints the top
//! ones. The loop at the top is the one that held its thread longest.
//!
//! ```
//! use coop_core::cooperative;
//!
//! #[cooperative]
//! async fn parse(input: &[u8]) -> usize {
//!     input.iter().filter(|b| b.is_ascii_digit()).count() // no loop, no yield point
//! }
//!
//! #[cooperative]
//! async fn checksum(data: &[u8]) -> u32 {
//!     let mut sum = 0u32;
//!     for byte in data {
//!         sum = sum.wrapping_add(u32::from(*byte));
//!     }
//!     sum
//! }
//!
//! std::thread::spawn(|| {
//!     futures::executor::block_on(async {
//!         parse(b"12a3").await;
//!         checksum(&[1; 10_000]).await;
//!     })
//! })
//! .join()
//! .unwrap();
//! let hot = coop_core::sites()
//!     .into_iter()
//!     .find(|site| site.function().ends_with("::checksum"))
//!     .unwrap();
//! assert_eq!(hot.forced_yields(), 78); // 10 000 iterations, a yield every 128
//! print!("{}", coop_core::report(3));
//! ```
//!
//! # The attributes
//!
//! `#[cooperative]` puts a yield point at the head of every loop body of an async fn (and of
//! its `async` blocks and async closures), so each iteration spends one unit:
//!
//! ```
//! use coop_core::cooperative;
//!
//! #[cooperative]
//! async fn checksum(data: &[u8]) -> u32 {
//!     let mut sum = 0u32;
//!     for byte in data {
//!         sum = sum.wrapping_add(u32::from(*byte));
//!     }
//!     sum
//! }
//!
//! // 1000 iterations under a budget of 128 units per poll: polled 8 times, yielding 7.
//! let data = vec![1u8; 1000];
//! let mut task = Box::pin(coop_core::budgeted(checksum(&data)));
//! let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! let mut polls = 1;
//! let sum = loop {
//!     match task.as_mut().poll(&mut cx) {
//!         std::task::Poll::Ready(sum) => break sum,
//!         std::task::Poll::Pending => polls += 1,
//!     }
//! };
//! assert_eq!((sum, polls), (1000, 8));
//! ```
//!
//! `#[unconstrained]` on a loop inside a `#[cooperative]` fn opts that loop out; on a fn, it
//! runs the whole body with budgets off:
//!
//! ```
//! use coop_core::{cooperative, unconstrained};
//!
//! #[cooperative]
//! async fn clear(rows: &mut [[u8; 64]]) {
//!     for row in rows.iter_mut() {
//!         #[unconstrained] // short and bounded: no yield point per pixel
//!         for pixel in row.iter_mut() {
//!             *pixel = 0;
//!         }
//!     }
//! }
//!
//! #[unconstrained]
//! async fn parse_len(input: &[u8]) -> Result<usize, String> {
//!     let mut len = 0usize;
//!     for digit in input {
//!         let d = char::from(*digit).to_digit(10).ok_or("not a digit")?;
//!         len = len * 10 + d as usize;
//!     }
//!     Ok(len)
//! }
//!
//! # futures::executor::block_on(async {
//! let mut rows = vec![[1u8; 64]; 200];
//! clear(&mut rows).await;
//! assert!(rows.iter().flatten().all(|p| *p == 0));
//! assert_eq!(parse_len(b"1234").await, Ok(1234));
//! assert_eq!(parse_len(b"12x").await, Err("not a digit".to_string()));
//! # });
//! ```
//!
//! `#[cooperative(check)]` rewrites nothing and turns every loop without an `.await` of its
//! own into a compile error, for code bases that place their yield points by hand. See the
//! attributes' own docs for the full rules.
//!
//! # Features
//!
//! - `std` (default): the budget per thread, `std::time::Instant` as the default clock (or
//!   the time-stamp counter, with `quanta`),
//!   [`sites`] and [`report`]. Without it the crate is `#![no_std]` and needs no allocator: see
//!   "Without `std`" below.
//! - `quanta` (default, with `std`): the default clock reads the CPU's time-stamp counter
//!   through the `quanta` crate, cheaper to read than `Instant::now()`, which a time slice
//!   reads every few budgets (the repository's BENCHMARKS.md measures a slice with each). `quanta` calibrates the counter against the OS clock
//!   once per process (half a millisecond or more); the first clock read starts that on a thread
//!   of its own, which ends when it is done, and the clock is `Instant` until then. Where the
//!   counter is not usable (no invariant TSC, another architecture) `quanta` reads the OS clock.
//!   A clock installed with [`set_clock`] replaces it, and nothing is calibrated then.
//! - `macros` (default): re-exports `#[cooperative]` and `#[unconstrained]`. The attributes and
//!   the future wrappers share names in separate namespaces, so `use coop_core::cooperative;`
//!   brings both.
//! - `tokio`: inside a tokio task the ambient budget is tokio's (`tokio::task::coop`), and the
//!   yields it forces let the runtime poll its I/O and timer driver before the task goes on, as
//!   tokio's own yields do, at least once per 100 µs of coop's clock while a thread's hot loops
//!   keep their pace: at every forced yield of a loop whose budget takes longer, once per 100
//!   µs of a cheaper one (a driver turn is a system call, dearer than a cheap loop's whole
//!   budget); otherwise a plain wake-up puts the task at the back of the run queue. The other
//!   branches of a task poll that find its budget spent yield the same way as the branch that
//!   spent it. The pace is measured every few exhaustions, so where it changes (a loop slows
//!   down, a slower task runs beside cheaper ones) the exhaustions counted at the old pace go by
//!   first: never more than tokio's own cadence, a driver poll every 61 task polls (tokio's
//!   default `event_interval`). That cadence is also the bound where a plain wake-up puts the
//!   task back in tokio's run queue before its turn (a `FuturesUnordered` child or a `LocalSet`
//!   task, which have wakers of their own, beside one that asked for a turn), or where other
//!   tasks keep the run queue from emptying: a turn lets the driver in once the queue is
//!   empty. **Turn
//!   it on when you run on tokio**: without it every forced yield is a plain wake-up, and
//!   tokio's scheduler polls its driver only every 61 task polls, so timers and sockets can
//!   wait up to 61 budgets (see BENCHMARKS.md). Explicit coop scopes still win, and their
//!   forced yields wake their waker at once, whoever drives it (an executor nested in a
//!   tokio task included). Where tokio's budget cannot force a yield (`spawn_blocking`,
//!   `block_in_place`, `tokio::task::unconstrained`) coop counts by itself and wakes its task
//!   plainly, exactly as without the feature. The future `Runtime::block_on` runs (a
//!   `#[tokio::main]` body) is no task: there coop's counter and tokio's budget are spent in
//!   step, the counter going on with what a loop before it on the thread left (its first forced
//!   yield may come early, never late), and its forced yields wake it plainly, since tokio
//!   polls its driver before each of that future's polls anyway: an executor nested there
//!   finishes, and since tokio's budget stays spent until it returns, coop counts by itself
//!   there from its first forced yield on, as on any executor. Inside an executor nested in a tokio task, the
//!   ambient budget is still the tokio task's, whose forced yields tokio wakes only after that
//!   task's poll: a nested executor that waits for that wake-up (`futures::executor::block_on`,
//!   `LocalPool::run`) then never finishes, since the tokio task's poll is the one it blocks.
//!   Give the nested executor's tasks a scope ([`budgeted`]) there, whose forced yields wake at
//!   once, or run it in `block_in_place` or `spawn_blocking`, where coop counts by itself (but
//!   not in `Handle::block_on` there, whose future tokio counts in the blocking task: an
//!   executor nested in it finishes, yielding at every unit once tokio's budget is spent).
//! - `tracing`: one `trace`-level event (target `coop`) per forced yield. `tokio` and `tracing`
//!   turn `std` on.
//! - `futures-core`: `cooperative(stream)` is a `futures_core::Stream`: one unit per item.
//! - `test-util`: hooks for coop's own tests and benchmarks ([`test_util`]); no stability
//!   promise.
//!
//! # Compiling yield points out
//!
//! Build with `RUSTFLAGS="--cfg coop_disable"` and every yield point compiles to nothing: the
//! ones `#[cooperative]` inserts disappear from the expansion, [`consume_budget`] completes at
//! once, [`poll_proceed`] always proceeds, and no budget is ever spent.
//!
//! It is a `cfg`, not a Cargo feature, on purpose. Features are unified across the dependency
//! graph, so a feature that removes fairness could be switched on by any library for the whole
//! program; a `cfg` is set only by whoever builds the final binary, for a measurement or a
//! known-single-task program, and cannot leak in through a dependency.
//!
//! # Without `std` (embedded, embassy)
//!
//! `coop-core = { path = "../coop/coop-core", default-features = false, features = ["macros"] }`
//! builds a `#![no_std]` crate, without `alloc`. Everything you write stays the same: the
//! attributes, [`consume_budget`], [`poll_proceed`], the scopes, the wrappers, [`Budget`]. What
//! changes:
//!
//! - **One budget per program**, not per thread: the state of the running code's budget is
//!   one atomic word, spent with a relaxed load and a relaxed store (no compare-and-swap, so
//!   `thumbv6m` works as well as `thumbv7em`; no critical section per unit). The rest (a time
//!   slice's reserve, the counters, the sites) is read on the slow path only, inside a
//!   `critical-section`; the program links an implementation, as every embassy program does.
//! - **Interrupt executors**: a higher-priority executor's task preempts a lower one in the
//!   middle of its poll. A scope saves the budget on entry and restores it on exit, and
//!   interrupts nest last in, first out, so code running in a scope hands the preempted task its
//!   budget back exactly as it found it, even between the load and the store of a unit. Run the
//!   tasks of every executor above the lowest priority in a scope: [`budgeted`] inside each
//!   task (a budget per task poll), or `coop_core::budget(|| executor.on_interrupt())` in the
//!   interrupt handler (one budget per run of that executor). Code that runs in an interrupt
//!   outside any scope spends, and refills, the budget of the task it preempted.
//! - **One core**: two cores running coop code at once share the one budget with nothing to
//!   order their updates: units are lost, one core's scope can overwrite the other's, and a loop
//!   can run far past its budget. Run coop's yield points on one core (or keep `std`, where
//!   the budget is per thread).
//! - **Time slices** read the clock [`set_clock`] installs; there is no default, and until one
//!   is installed a slice never ends (units still do). On embassy:
//!   `coop_core::set_clock(|| Duration::from_micros(embassy_time::Instant::now().as_micros()))`.
//! - **Sites** live in fixed tables (32 hand-written call sites, 64 `#[cooperative]` yield
//!   points); [`write_report`] writes the table to any `core::fmt::Write`. A budget's number,
//!   which makes a late refund go to the budget that charged it, repeats every 8192 budgets.
//!
//! # Thread-local teardown
//!
//! With `std` the budget is a thread-local without a destructor. Nothing here panics during thread-local
//! teardown: a budget that cannot be read counts as unconstrained.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod ambient;
mod batch;
mod budget;
mod clock;
mod counts;
mod exhaustion;
mod platform;
mod resumed;
mod scope;
mod sites;
mod slice;
mod state;
#[cfg(feature = "test-util")]
pub mod test_util;
// Without the feature the hooks are compiled all the same, so that what they call stays checked.
#[cfg(not(feature = "test-util"))]
#[allow(dead_code, unreachable_pub)]
mod test_util;
mod wrappers;
mod yield_point;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use budget::{Budget, DEFAULT_BUDGET, default_budget, set_default_budget};
pub use clock::set_clock;
pub use counts::{forced_yield_count, time_slice_yield_count};
pub use scope::{budget, has_budget_remaining, with_budget, with_unconstrained};
pub use sites::{SiteStats, write_report};
#[cfg(feature = "std")]
pub use sites::{report, sites};

pub use wrappers::{
    Budgeted, Coop, Cooperable, Unconstrained, budgeted, budgeted_with, cooperative, unconstrained,
};
pub use yield_point::{ConsumeBudget, RestoreOnPending, consume_budget, poll_proceed};

#[cfg(feature = "macros")]
pub use coop_macros::{cooperative, unconstrained};
