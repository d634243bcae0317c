//! The `#[cooperative]` and `#[unconstrained]` attributes of
//! [coop-core](https://docs.rs/coop-core). Use them through coop-core, which re-exports them
//! (feature `macros`, on by default): the expansions name `::coop_core::__private` items.
//!
//! The entry points only convert tokens; all the logic works on `proc_macro2` so it can be
//! tested outside a compiler session.

mod args;
mod attrs;
mod check;
mod error;
mod expand;
mod krate;
mod loops;
mod temporaries;
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
/// ```ignore
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
/// ```
///
/// # Expansion
///
/// A yield point is inserted as the first statement of each loop body, so every iteration
/// passes through it, `continue` and `continue 'label` included; labels, `break` values and
/// the trailing expression stay as written. Nothing else changes: signature, visibility,
/// attributes, docs, generics, `self`, `?`, `return` and return-type inference are the user's.
///
/// ```ignore
/// async fn checksum(data: &[u8]) -> u32 {
///     let mut sum = 0u32;
///     for byte in data {
///         ::coop_core::__private::yield_point!();
///         sum = sum.wrapping_add(u32::from(*byte));
///     }
///     sum
/// }
/// ```
///
/// where the yield point is, in effect,
/// `if !try_spend() { coop_core::consume_budget().await }`: a thread-local decrement on the
/// fast path, a real `.await` only once the budget is spent. Under
/// `RUSTFLAGS="--cfg coop_disable"` it compiles to nothing.
///
/// # What it applies to
///
/// - an `async fn`: free, inherent method, trait-impl method, or trait method with a default
///   body;
/// - a non-async fn whose body holds `async` blocks or async closures, such as a fn returning
///   `impl Future`, or what `#[async_trait]` and `#[tokio::main]` expand to: the blocks and
///   closures are instrumented;
/// - an `impl` or `trait` block: each fn inside that is one of the above is instrumented as if
///   annotated on its own; a fn with its own `#[cooperative]` or `#[unconstrained]`, a
///   `const fn`, and every other item are left untouched.
///
/// Anything else (a struct, a `const fn`, a fn with no async code, a trait method without a
/// body) is a compile error on the item.
///
/// # Which loops
///
/// `loop`, `while`, `while let` and `for`, labelled or not, whose body runs in async context:
/// the fn body of an `async fn`, `async` blocks, async closures. Left untouched:
///
/// - loops in sync closures and `const` blocks, which cannot await;
/// - nested items (`fn`, `impl`, `mod`, `const`, `static`): they are other code, with
///   attributes of their own;
/// - loops inside macro invocations (`vec![..]`, `select! {..}`, your own macros): a macro's
///   tokens are opaque until it expands, which happens after this attribute ran.
///
/// `#[unconstrained]` on a loop opts that loop, and the loops nested in it, out:
///
/// ```ignore
/// #[cooperative]
/// async fn render(frame: &mut Frame) {
///     #[unconstrained] // a short, bounded loop: not worth a yield point
///     for pixel in frame.row_mut(0) {
///         *pixel = 0;
///     }
/// }
/// ```
///
/// # Arguments
///
/// - `crate = "path"`: where coop-core is, for a renamed or re-exported dependency
///   (`#[cooperative(crate = "my_runtime::coop")]`). Default `::coop_core`.
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
/// `select_biased!`, `join!`, `try_join!` or `pending!`.
///
/// ```text
/// error: this loop never awaits: it can hold its thread without ever yielding
///
///        = help: add `coop_core::consume_budget().await;` to its body, drop `check` so that `#[cooperative]` inserts a yield point, or mark the loop `#[unconstrained]`
///  --> src/lib.rs:6:5
///   |
/// 6 |     while !flag.get() {}
///   |     ^^^^^
/// ```
///
/// # `Send`
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
/// Fixes: drop the value (or end the guard's scope) before the loop, copy what the loop needs
/// out of it, use `Arc`/an async-aware mutex, or mark that loop `#[unconstrained]` if it is
/// short.
///
/// # Errors and stacking
///
/// On an error the attribute emits the error and the item as written (less the loop markers),
/// so the rest of the crate still type-checks: one error, no cascade. It works stacked with
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
/// ```ignore
/// use coop_core::unconstrained;
///
/// #[unconstrained]
/// async fn parse_header(input: &[u8]) -> Result<Header, Error> {
///     let len = read_len(input)?;
///     Ok(Header { len })
/// }
/// ```
///
/// # Expansion
///
/// An `async fn`'s body runs in an `async move` block under `__private::unconstrained`. The
/// async fn's parameters already live in its future, so `self` receivers and borrowed
/// arguments work; a never-taken `return` (as in `#[tracing::instrument]`) fixes the block's
/// type to the fn's return type, so `?` and `return` infer as before.
///
/// ```ignore
/// async fn parse_header(input: &[u8]) -> Result<Header, Error> {
///     ::coop_core::__private::unconstrained(async move {
///         #[allow(unreachable_code, /* ... */)]
///         if false {
///             return ::core::convert::identity::<Result<Header, Error>>(loop {});
///         }
///         {
///             let len = read_len(input)?;
///             Ok(Header { len })
///         }
///     })
///     .await
/// }
/// ```
///
/// On a non-async fn, each `async` block becomes `__private::unconstrained(async { .. })` and
/// each async closure's body runs under `__private::unconstrained`.
///
/// # What it applies to
///
/// The same items as `#[cooperative]`: an `async fn`, a non-async fn with async blocks or
/// async closures, an `impl` or `trait` block (each such fn in it). Its only argument is
/// `crate = "path"`. `#[cooperative]` and `#[unconstrained]` on one item is an error.
///
/// Inside a `#[cooperative]` fn, `#[unconstrained]` on a loop is a marker, not this attribute:
/// it opts that loop out of yield points (see `#[cooperative]`).
#[proc_macro_attribute]
pub fn unconstrained(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::unconstrained(args.into(), item.into()).into()
}

#[cfg(test)]
mod tests;
