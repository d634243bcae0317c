//! Error output: the messages, and the errors followed by the item as written, so the rest of
//! the crate still type-checks and IDEs keep working. One error per misuse, no cascade.
//!
//! Stable proc macros can only raise errors: no `help:` or `note:` lines, no warnings. Where
//! rustc would print a `help:` line, coop raises a second error spanned where the fix goes, whose
//! message starts with `help:`, so the fix is shown on the right source line.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Item, Path};

use crate::attrs::display_path;

/// Adds `error` to the errors collected so far.
pub(crate) fn combine(errors: &mut Option<syn::Error>, error: syn::Error) {
    match errors {
        Some(errors) => errors.combine(error),
        None => *errors = Some(error),
    }
}

/// `compile_error!`s for `error`, followed by `item`.
pub(crate) fn with_item(error: syn::Error, item: &Item) -> TokenStream {
    let mut tokens = error.into_compile_error();
    item.to_tokens(&mut tokens);
    tokens
}

/// The `check` lint on a loop with no `.await` of its own: the message on the loop keyword, the
/// fix at the start of its body. `instrumentable` says whether `#[cooperative]` would put a
/// yield point there.
pub(crate) fn loop_never_awaits(
    keyword: Span,
    body: Span,
    krate: &Path,
    instrumentable: bool,
) -> syn::Error {
    let mut error = syn::Error::new(
        keyword,
        "this loop never awaits: it can hold its thread without ever yielding",
    );
    let help = if instrumentable {
        format!(
            "help: add `{}::consume_budget().await;` at the start of this body, drop `check` so \
             that `#[cooperative]` inserts a yield point, or mark the loop `#[unconstrained]`",
            display_path(krate),
        )
    } else {
        format!(
            "help: this loop runs while a temporary is alive (one its `for` header, an \
             enclosing `match`, `if let` or `while let` header, or an earlier part of the same \
             statement created), so `#[cooperative]` puts no yield point here: yielding would \
             hold it across an await. Bind that value with `let` before the loop and add \
             `{}::consume_budget().await;` here, or mark the loop `#[unconstrained]`",
            display_path(krate),
        )
    };
    error.combine(syn::Error::new(body, help));
    error
}

/// The `check` lint on a loop that calls `consume_budget()` and never awaits the future.
pub(crate) fn yield_point_not_awaited(keyword: Span, call: Span) -> syn::Error {
    let mut error = syn::Error::new(
        keyword,
        "this loop never awaits: the `consume_budget()` future in its body is created and \
         dropped, so it never yields",
    );
    error.combine(syn::Error::new(
        call,
        "help: add `.await` after this call: `consume_budget().await`",
    ));
    error
}

/// A loop marker with arguments.
pub(crate) fn marker_with_arguments(span: Span) -> syn::Error {
    syn::Error::new(
        span,
        "`#[unconstrained]` on a loop takes no arguments: it opts that loop out of yield points",
    )
}

/// A loop marker on something that is not a loop.
pub(crate) fn marker_not_on_a_loop(span: Span) -> syn::Error {
    syn::Error::new(
        span,
        "`#[unconstrained]` inside a `#[cooperative]` item marks loops only (`loop`, `while`, \
         `for`): mark each loop to opt out, or move this code into an `#[unconstrained]` fn",
    )
}

/// The `check` lint on a loop inside a macro call whose grammar coop does not know: its tokens
/// are not Rust syntax before that macro expands, so no yield point can go there.
pub(crate) fn loop_inside_macro(found: &coop_analysis::OpaqueLoop, krate: &Path) -> syn::Error {
    let mut error = syn::Error::new(
        found.keyword,
        format!(
            "this loop is inside `{}!`, which `#[cooperative]` cannot instrument: it may hold its \
             thread without ever yielding",
            found.macro_name
        ),
    );
    error.combine(syn::Error::new(
        found.macro_path,
        format!(
            "help: move the loop out of the macro call, add `{}::consume_budget().await;` to its \
             body, or mark the fn `#[unconstrained]`",
            display_path(krate)
        ),
    ));
    error
}
