//! The `#[cooperative]` and `#[unconstrained]` attributes of
//! [coop-core](https://docs.rs/coop-core). Use them through coop-core, which re-exports them
//! (feature `macros`, on by default): the expansions name `::coop_core::__private` items.
//!
//! The entry points only convert tokens; all the logic works on `proc_macro2` so it can be
//! tested outside a compiler session.

mod args;
mod check;
mod error;
mod expand;
mod visit;

use proc_macro::TokenStream;

/// Makes the loops of async code cooperative: every loop that runs in async context spends one
/// unit of the task's budget per iteration, and yields to the executor once the budget is spent.
#[proc_macro_attribute]
pub fn cooperative(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::cooperative(args.into(), item.into()).into()
}

/// Runs async code with budgets switched off: never forced to yield, and charging nothing to
/// its caller's budget.
#[proc_macro_attribute]
pub fn unconstrained(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::unconstrained(args.into(), item.into()).into()
}

#[cfg(test)]
mod tests;
