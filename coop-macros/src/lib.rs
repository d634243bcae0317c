//! The `#[cooperative]` and `#[unconstrained]` attributes of
//! [coop-core](https://docs.rs/coop-core). Use them through coop-core, which re-exports them
//! (feature `macros`, on by default): the expansions name `::coop_core::__private` items.
//!
//! The entry points only convert tokens; all the logic works on `proc_macro2` so it can be
//! tested outside a compiler session.
//!
//! Which loops run in async context, await on their own, may get a yield point or hide in a
//! macro call is decided by [coop-analysis](https://docs.rs/coop-analysis), which `cargo coop`
//! uses too: this crate keeps the code generation and the error messages.

mod args;
mod attrs;
mod error;
mod expand;
mod items;
mod krate;
mod loops;
mod strip;
mod unconstrain;
mod walk;

use proc_macro::TokenStream;

/// Makes the loops of async code cooperative: every loop that runs in async context spends one
/// unit of the task's budget per iteration, and yields to the executor once the budget is
/// spent.
///
/// A hot loop in an `async fn` that never awaits (parsing a buffer, draining an always-ready
/// stream, spinning on a flag) holds its thread until it ends. With `#[cooperative]` it lets
/// other tasks run every 128 iterations, on any executor.
///
/// ```
/// use coop_core::cooperative;
///
/// #[cooperative]
/// async fn checksum(data: &[u8]) -> u32 {
///     let mut sum = 0u32;
///     for byte in data {
///         sum = sum.wrapping_add(u32::from(*byte));
///     }
///     sum
/// }
///
/// // 1000 iterations under a budget of 128 units per poll: 8 polls, 7 forced yields.
/// let data = vec![1u8; 1000];
/// let mut task = Box::pin(coop_core::budgeted(checksum(&data)));
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let mut polls = 1;
/// while task.as_mut().poll(&mut cx).is_pending() {
///     polls += 1;
/// }
/// assert_eq!(polls, 8);
/// ```
///
/// # Expansion
///
/// A yield point is inserted so that every iteration passes through it once; labels, `break`
/// values and the trailing expression stay as written, and nothing else changes: signature,
/// visibility, attributes, docs, generics, `self`, `?`, `return`, return-type inference, drop
/// order. The `checksum` above becomes:
///
/// ```
/// # async fn checksum(data: &[u8]) -> u32 {
/// let mut sum = 0u32;
/// for byte in data {
///     ::coop_core::__private::yield_point!(checksum, ::core::file!(), ::core::line!(), ::core::column!());
///     sum = sum.wrapping_add(u32::from(*byte));
/// }
/// sum
/// # }
/// ```
///
/// where the yield point is, in effect, `if !try_spend() { coop_core::consume_budget().await }`:
/// a thread-local decrement on the fast path, a real `.await` only once the budget is spent.
/// Its arguments name the site, the fn and the loop keyword's location, for
/// `coop_core::sites()`. Under `RUSTFLAGS="--cfg coop_disable"` it compiles to nothing.
///
/// # Where the yield point goes
///
/// This is the one statement of the rule; `cargo coop` and the crate docs of coop-analysis
/// apply it and point here. A yield point suspends the task, so it never goes where plain code
/// keeps something alive that it never named: a `RefCell` borrow, a lock guard, any value
/// rustc holds in a temporary. Suspending there would let another task find the borrow taken
/// (a panic), the lock held (a deadlock on one thread), or make the future non-`Send`. What is
/// alive where is rustc's decision, so the rule follows rustc's temporary scopes, and a
/// differential fuzzer (random async fns in every position below, compiled and run plain and
/// annotated, with every unnamed temporary checked at every forced yield) holds it to them.
///
/// **Where it goes**, in a loop that runs in async context (see "Which loops"):
///
/// - `loop { .. }`, `for pat in iter { .. }`, `while cond { .. }`: the first statement of the
///   body. A `while` condition's temporaries are dropped before the body runs.
/// - `while let pat = expr { .. }` and let-chains: before the condition, because the
///   scrutinee's temporaries live through the body. The loop becomes what rustc lowers it to,
///   `loop { yield; if let pat = expr { .. } else { break } }`, label and attributes kept, so
///   `continue`, `break` and `break 'label` go where they went.
///
/// **Where no yield point goes**: a loop gets none where a value the code never named may be
/// alive, that is, in
///
/// - the body of a `for` whose iterator expression creates a temporary
///   (`for x in cell.borrow().iter()`), or whose items live through the body unnamed
///   (`for _ in guards.drain(..)`, `for (_, n) in &mut guards`; name them, `for _guard in ..`,
///   and they are yours);
/// - the arms of a `match`, and the branches of an `if let`, whose scrutinee creates a
///   temporary (`match queue.borrow_mut().pop() { .. }`) or leaves its own value unmoved in that
///   arm (`_`, `..`, `ref`); the body of a `while let` under such a scrutinee gets its yield
///   point before the condition instead (above);
/// - the rest of a statement after an operand evaluated before the loop that may own something:
///   call and method arguments, receivers, tuple, array and struct fields, binary operands, and
///   the operands of `format!`, `write!`, `println!`, `vec!`, `assert!` and the other std
///   macros, which are evaluated in order like a call's arguments
///   (`f(cell.borrow_mut(), { loop { .. } })`, `write!(out.borrow_mut(), "{}", { loop { .. } })`);
///   and, in `join!`, the futures after one whose output may own something;
/// - the rest of a block after a `let` that extends a temporary to the end of the block, by any
///   rule of rustc's temporary lifetime extension: the operand of an extending borrow
///   (`let items = &cell.borrow();`), and through it the operands of derefs, fields, tuple
///   indexes and indexes (`&*cell.borrow()`, `&*&cell.borrow()`, `&&cell.borrow()`,
///   `&make().items[0]`); the operands of braced struct, tuple, array, cast and tuple-struct or
///   variant constructor expressions (`Some(&cell.borrow())`); block and `unsafe` block tails
///   (`unsafe { &*cell.borrow() }`); `if`/`else` tails and `match` arms; a `ref` binding
///   (`let ref v = *cell.borrow();`); `format_args!`'s operands (`let shown =
///   format_args!("{}", *cell.borrow());`); raw borrows (`&raw const *cell.borrow()`); and any
///   macro coop does not know, whose expansion it cannot see, in a `let` or as a statement of
///   its own (which may expand to such a `let`): the std macros that return a value of their
///   own, `json!` and tracing's span macros do not extend, nor do tracing's and log's events,
///   `metrics`' `counter!`, `gauge!` and `histogram!`, `tokio::pin!`, `pin_mut!`, `bail!` and
///   `ensure!` as statements (unless their tokens hold a `let`, as `tokio::pin! { let .. }`'s
///   do; a macro of your own named like them is taken for them). `pin!` extends what a `let` of
///   its operand would (`pin!(&*cell.borrow())`); its operand's own value is the one its
///   binding pins, named by it as `let guard = cell.borrow_mut();` names its guard. The
///   arguments of a type's associated function (`Vec::from_iter(..)`) and of std's `mem`,
///   `cmp`, `ptr` and `convert` functions (`let v = mem::take(&mut *cell.borrow_mut());` drops
///   its guard at the `;`) are not extended; any other call's are taken to be, as a
///   constructor's (`some(..)` or `m::just(..)` may be `Some` imported under another name). A
///   `let .. else`'s `else` block is not in that rest: rustc
///   drops the initializer's temporaries, extended ones too, before it runs, so a loop there
///   gets its yield point;
/// - the operands a macro prints as written: `dbg!`'s, and `assert!`'s and `debug_assert!`'s
///   condition (their failure message is the condition's text). A yield point there would be
///   printed, also under `--cfg coop_disable`.
///
/// Without types, "may own something" is decided on syntax and errs towards no yield point:
/// only places, literals, references, casts, comparisons, arithmetic on literals and casts
/// (`n + 1` or `&a * 2` may be an overloaded operator that returns a guard or an `Rc`), ranges, and borrowed views and plain iterators of those (`v.iter()`, `s.trim().lines()`,
/// `v.iter().enumerate()`) are known to own nothing. A named value moved into an operand
/// (`f(guard, { loop { .. } })`) is a value you bound: it stays yours, as it would named.
/// Any call, macro, `.await` or unknown method may return a guard, including methods whose name
/// suggests a move (`slot.borrow_mut().take()` goes through one). A loop the rule leaves out is
/// one `check` reports; bind the value with `let` before the loop to make it cooperative.
///
/// Under clippy (`cfg(clippy)`), the attribute emits the item as written, so clippy lints
/// exactly your code: its loop lints and your `#[expect(clippy::..)]` on loops behave as
/// without the attribute. Builds compile the rewrite, where one rustc lint no longer sees a
/// loop it reads: `for_loops_over_fallibles` (a `for` over an `Option` or a `Result`) on a loop
/// that is strip-mined (below). `cargo clippy`, which runs rustc's lints too, reports it at the
/// loop.
///
/// ```
/// use std::cell::RefCell;
/// use coop_core::cooperative;
///
/// #[cooperative]
/// async fn drain(queue: &RefCell<Vec<u32>>) -> u32 {
///     let mut total = 0;
///     // Yields before `queue.borrow_mut()`, never while the borrow is held.
///     while let Some(x) = queue.borrow_mut().pop() {
///         total += x;
///     }
///     total
/// }
/// # let queue = RefCell::new((1..=300).collect());
/// # assert_eq!(futures::executor::block_on(drain(&queue)), 45150);
/// ```
///
/// A value you bind yourself and keep across a loop is held across its yield point: see
/// `Send` below.
///
/// # What does change
///
/// Only where the task may suspend, and what follows from it:
///
/// - another task may run in the middle of a loop: that is the point;
/// - a `select!`, a timeout or any other owner may drop the future in the middle of a loop,
///   where before the loop always ran to its end within one poll;
/// - a caller that holds a borrow or a guard across `.await` of this fn now holds it across a
///   real suspension (clippy's `await_holding_refcell_ref` and `await_holding_lock` find
///   these);
/// - a loop's own iterator is held across its yield points like a variable you named: an
///   iterator that holds a lock (`stdin.lines()`, a concurrent map's `iter()`) keeps it while
///   other tasks run. Mark such a loop `#[unconstrained]`, or collect first;
/// - methods are trusted by name where the rule above says so: a type of yours whose `iter()`
///   holds a `RefCell` borrow is treated like a slice's, and `for` over `&x` is trusted to
///   yield references, as a collection's do (`&rx`, over a `std::sync::mpsc::Receiver`,
///   yields owned messages: with `_` or `..` in the pattern, their unnamed parts live across
///   the yield point);
/// - a macro that expands to `let x = &*cell.borrow();` hides the borrow from the attribute.
///
/// A `while let` is rewritten into `loop { .. if let .. else { break } }`, as rustc lowers it,
/// so a `break value` in it, which rustc rejects in a `while`, is accepted by a build (clippy,
/// which sees the code as written, still rejects it). rustc's lints on the rewritten parts
/// still fire, worded for where the parts now stand: an irrefutable `while let` pattern is
/// reported as an "irrefutable `if let` pattern", and, in a strip-mined loop (below), needless
/// parentheses around a `for` iterator or a `while` condition as around a "function argument"
/// or an "`if` condition".
///
/// A loop whose iterations cannot suspend (no `.await`, no nested loop, no async block or
/// closure, and no macro but the standard library's formatting and assertion macros with plain
/// operands) and do not ask the budget (no call to `has_budget_remaining` by that name, in the
/// loop or a standard macro's operands, whose answer is then exact in the loop) is
/// strip-mined: its yield point, in the same place, spends from a batch of the
/// budget's units counted in a local and reaches the budget only when the batch runs out, and
/// its iterations run in an inner loop with no `.await`, so its variables stay in registers.
/// The loop's own attributes (`#[cfg(..)]`, `#[allow(..)]`) go on the block that replaces it,
/// so they cover the rewrite as they did the loop. Counts stay exact: a budget of N units still lets exactly N iterations pass before the
/// forced yield, and what a loop left by `break`, `return`, `?` or a panic did not spend stays
/// in the budget. A future polled in place inside such a body (no `.await`) still finds the
/// budget and is charged for what it spends; the loop may then run that many iterations past
/// the budget before its forced yield, and no more than one budget of its own iterations where
/// that future's forced yields refill the budget (`now_or_never` polling it again, or building
/// it again, each time). `has_budget_remaining()` asked from a function such a
/// loop calls, or under another name (`use coop_core::has_budget_remaining as more;`), counts
/// the loop's batch as spent: it answers `false` early, never late.
///
/// # What it applies to
///
/// - an `async fn`: free, inherent method, trait-impl method, or trait method with a default
///   body;
/// - a non-async fn whose body holds `async` blocks or async closures, such as a fn returning
///   `impl Future`, or what `#[async_trait]` and `#[tokio::main]` expand to: the blocks and
///   closures are instrumented;
/// - an `impl` or `trait` block, or an inline `mod name { .. }`: each fn inside that is one of
///   the above is instrumented as if annotated on its own; a fn with its own `#[cooperative]` or
///   `#[unconstrained]`, a `const fn`, and every other item are left untouched, macro calls
///   included: a fn inside `cfg_x! { .. }` is not reached (put the attribute on the fn, inside
///   the call; `check` reports its loops that never await). An out-of-line
///   `mod name;` cannot be reached: on stable Rust an attribute sees only the tokens it is
///   written on.
///
/// Anything else (a struct, a `const fn`, a fn or block with no async code, a trait method
/// without a body) is a compile error on the item, and so is `#[cooperative]` twice.
///
/// # Which loops
///
/// `loop`, `while`, `while let` and `for`, labelled or not, whose body runs in async context:
/// the fn body of an `async fn`, `async` blocks, async closures. Left untouched:
///
/// - loops in sync closures and const positions (`const { .. }`, array lengths, const generic
///   arguments), which cannot await;
/// - loops under `if false { .. }`, which never run (the fake return edges other attributes
///   generate are written so);
/// - nested items (`fn`, `impl`, `mod`, `const`, `static`): they are other code, with
///   attributes of their own;
/// - loops inside macro calls whose grammar coop does not know (your own macros): their tokens
///   are not Rust syntax until the macro expands, after this attribute ran. `check` reports
///   each such loop ("inside `my_macro!`, which `#[cooperative]` cannot instrument").
///
/// Macro calls whose grammar is known are walked like the rest of the body: the futures, guards
/// and handlers of `select!`/`select_biased!` and the operands of `join!`/`try_join!` (tokio's
/// and futures') run in async context; the operands of std's expression macros (`vec!`,
/// `format!`, `write!`, `println!`, `assert!`, `assert_eq!`, `dbg!`, `matches!`, `panic!`, ...)
/// run where the call stands. A macro of your own is not rewritten, whatever its tokens look
/// like: it may print an operand as written, evaluate it twice or move it into a closure.
///
/// `#[unconstrained]` on a loop opts that loop, and the loops nested in it, out. Write it
/// `#[coop_core::unconstrained]` (no import needed), or import `unconstrained` when you also
/// use it on fns: the attribute takes the marker off the loop, so an import used only by loop
/// markers is an unused import to rustc. `#[cfg_attr(pred, unconstrained)]` opts out when `pred` holds. The marker
/// only works inside a `#[cooperative]` item: elsewhere rustc rejects an attribute on an
/// expression.
///
/// ```
/// use coop_core::cooperative;
///
/// #[cooperative]
/// async fn clear(rows: &mut [[u8; 64]]) {
///     for row in rows.iter_mut() {
///         #[coop_core::unconstrained] // short and bounded: no yield point per pixel
///         for pixel in row.iter_mut() {
///             *pixel = 0;
///         }
///     }
/// }
/// # let mut rows = vec![[1u8; 64]; 3];
/// # futures::executor::block_on(clear(&mut rows));
/// # assert!(rows.iter().flatten().all(|p| *p == 0));
/// ```
///
/// # Arguments
///
/// - `crate = "path"` (or `crate = path`, which a `macro_rules!` can fill with
///   `$crate::coop`): where coop-core is, when the crate does not reach it as `::coop_core`: a
///   re-exported dependency (`#[cooperative(crate = "my_runtime::coop")]`), or one renamed in
///   `Cargo.toml` (`coop = { package = "coop-core", .. }` takes `crate = "coop"`; `cargo coop
///   fix` writes it).
/// - `check`: the lint below.
///
/// An unknown, duplicate or malformed argument is an error on that argument.
///
/// # `#[cooperative(check)]`: the lint
///
/// Rewrites nothing. Every loop in async context with no `.await` of its own (in its body or
/// its `while` condition, not inside a nested closure or async block), and not marked
/// `#[unconstrained]`, is a compile error on its keyword; all are reported at once. A macro
/// invocation counts as awaiting when its tokens hold `.await` or it is `select!`,
/// `select_biased!`, `join!`, `try_join!` or `pending!`. `#[cfg]` is followed as the compiler
/// configures the code: a loop whose every `.await` is under `#[cfg(pred)]` is reported where
/// no such `pred` holds, and a loop that `#[cfg]` removes (on the loop, or on a statement, match
/// arm or field around it) is not reported.
///
/// ```compile_fail
/// #[coop_core::cooperative(check)]
/// async fn spin(flag: &std::cell::Cell<bool>) {
///     while !flag.get() {}
/// }
/// ```
///
/// Stable proc macros cannot attach a `help:` line to an error, so the fix comes as a second
/// error, spanned where it goes:
///
/// ```text
/// error: this loop never awaits: it can hold its thread without ever yielding
///  --> src/lib.rs:3:5
///   |
/// 3 |     while !flag.get() {}
///   |     ^^^^^
///
/// error: help: add `coop_core::consume_budget().await;` at the start of this body, drop `check` so that `#[cooperative]` inserts a yield point, or mark the loop `#[unconstrained]`
///  --> src/lib.rs:3:23
///   |
/// 3 |     while !flag.get() {}
///   |                       ^
/// ```
///
/// # `Send` and `Sync`
///
/// The annotated future is `Send` whenever the original is, with one catch: a loop becomes an
/// await point, so a non-`Send` value (an `Rc`, a `std::sync::MutexGuard`) that lives across a
/// loop now lives across an await, and rustc says so, naming the loop:
///
/// ```text
/// note: future is not `Send` as this value is used across an await
///  --> src/lib.rs:8:5
///   |
/// 6 |     let shared = Rc::new(3);
///   |         ------ has type `Rc<u32>` which is not `Send`
/// 7 |     let mut total = 0;
/// 8 |     for _ in 0..*shared {
///   |     ^^^ await occurs here, with `shared` maybe used later
/// ```
///
/// Fixes: end the value's (or the guard's) scope before the loop, in a block of its own (rustc's
/// `Send` analysis does not count a `drop(value)` before the loop: the value still counts as
/// maybe used later), copy what the loop needs out of it, use `Arc`/an async-aware mutex, or
/// mark that loop `#[unconstrained]` if it is short.
///
/// A `for` loop's own iterator is such a value: it lives across the loop's yield points like a
/// variable you named, so an iterator that is not `Send` (`rx.try_iter()` over a
/// `std::sync::mpsc::Receiver`, `.iter()` over a `Vec<Cell<u64>>`) makes the future non-`Send`,
/// and rustc's note points at the `for` keyword ("await occurs here"). Fixes: mark that loop
/// `#[unconstrained]`, or collect first (`let msgs: Vec<_> = rx.try_iter().collect();` then
/// `for msg in msgs`). The same holds for `Sync`: a `Cell` or `RefCell` that lives across a loop makes the
/// future `!Sync`, which matters only where a future is shared by reference (`&fut` sent to
/// another thread).
///
/// # Errors and stacking
///
/// On an error the attribute emits the error and the item as written (less the loop markers),
/// so the rest of the crate still type-checks: one error, no cascade. A syntax error in the
/// body is the exception: rustc reports it, and so does the attribute, which cannot read the
/// item (as `tokio-macros` does). It works stacked with
/// `#[async_trait]`, `#[tokio::main]`, `#[tokio::test]` and `#[tracing::instrument]`, in either
/// order. `#[cooperative]` and `#[unconstrained]` on one item is an error.
#[proc_macro_attribute]
pub fn cooperative(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::cooperative(args.into(), item.into()).into()
}

/// Runs async code with budgets switched off: never forced to yield, and charging nothing to
/// its caller's budget, as if wrapped in `coop_core::unconstrained`.
///
/// For code that must finish in one go (a critical section between two awaits, a short
/// computation you measured), or that a caller already budgets.
///
/// ```
/// use coop_core::unconstrained;
///
/// #[unconstrained]
/// async fn parse_len(input: &[u8]) -> Result<usize, String> {
///     let mut len = 0usize;
///     for digit in input {
///         coop_core::consume_budget().await; // never forces a yield in here
///         let d = char::from(*digit).to_digit(10).ok_or("not a digit")?;
///         len = len * 10 + d as usize;
///     }
///     Ok(len)
/// }
///
/// // A budget of one unit per poll, and still one poll: the body runs in one go.
/// let mut task = Box::pin(parse_len(b"1234"));
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let done = coop_core::with_budget(1, || task.as_mut().poll(&mut cx));
/// assert_eq!(done, std::task::Poll::Ready(Ok(1234)));
/// ```
///
/// # Expansion
///
/// An `async fn`'s body runs in an `async move` block under `__private::unconstrained`. Every
/// parameter is moved into it whole and in order, as rustc lowers an async fn, so parameters
/// drop in the order they did (a parameter whose pattern is not a plain name, or whose name
/// starts with `_`, is moved through a hidden `__coop_argN`). A never-taken `return` (as in
/// `#[tracing::instrument]`) fixes the block's type to the fn's return type, with `_` for each
/// `impl Trait`, so `?`, `return` and coercions infer as without the attribute; `-> !` goes through
/// `Infallible`.
///
/// ```
/// # struct Header { len: usize }
/// # fn read_len(input: &[u8]) -> Result<usize, String> { Ok(input.len()) }
/// # async fn expanded(input: &[u8]) -> Result<Header, String> {
/// ::coop_core::__private::unconstrained(async move {
///     let input = input;
///     if false {
///         return ::coop_core::__private::fake_return::<Result<Header, String>>();
///     }
///     {
///         let len = read_len(input)?;
///         Ok(Header { len })
///     }
/// })
/// .await
/// # }
/// ```
///
/// On a non-async fn, each `async` block becomes `__private::unconstrained(async { .. })` and
/// each async closure's body runs under `__private::unconstrained`.
///
/// # What it applies to
///
/// The same items as `#[cooperative]`: an `async fn`, a non-async fn with async blocks or
/// async closures, an `impl` or `trait` block or inline module (each such fn in it). Its only
/// argument is `crate = "path"`. `#[cooperative]` and `#[unconstrained]` on one item is an
/// error.
///
/// Inside a `#[cooperative]` item, `#[unconstrained]` on a loop is a marker, not this
/// attribute: it opts that loop out of yield points (see `#[cooperative]`).
#[proc_macro_attribute]
pub fn unconstrained(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::unconstrained(args.into(), item.into()).into()
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
