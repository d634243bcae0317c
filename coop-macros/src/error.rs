//! Error output: the messages, and the errors followed by the item as written, so the rest of
//! the crate still type-checks and IDEs keep working. One error per misuse, no cascade.
//!
//! Stable proc macros can only raise errors: no `help:` or `note:` lines, no warnings. Where
//! rustc would print a `help:` line, coop raises a second error spanned where the fix goes, whose
//! message starts with `help:`, so the fix is shown on the right source line.

use coop_analysis::lints::{self, FindingKind, Place};
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

/// Where `span` starts in its file, as (line, column), to order errors as the source does;
/// `(0, 0)` outside a macro's expansion (the crate's unit tests), where no location is known.
pub(crate) fn position(span: Span) -> (usize, usize) {
    if proc_macro::is_available() {
        let span = span.unwrap();
        (span.line(), span.column())
    } else {
        (0, 0)
    }
}

/// `compile_error!`s for `error`, followed by `item`.
pub(crate) fn with_item(error: syn::Error, item: &Item) -> TokenStream {
    let mut tokens = error.into_compile_error();
    item.to_tokens(&mut tokens);
    tokens
}

/// The `check` lint on a loop with no `.await` of its own: the message on the loop keyword, the
/// fix at the start of its body.
pub(crate) fn loop_never_awaits(site: &coop_analysis::LoopSite, krate: &Path) -> syn::Error {
    finding(&site.never_awaits(), site.keyword, site.body, krate)
}

/// The `check` lint on a loop that calls `consume_budget()` and never awaits the future.
pub(crate) fn yield_point_not_awaited(keyword: Span, call: Span) -> syn::Error {
    let krate = crate::krate::default_path();
    finding(&FindingKind::YieldPointNotAwaited, keyword, call, &krate)
}

/// The `check` lint on a loop inside a macro call whose grammar coop does not know: its tokens
/// are not Rust syntax before that macro expands, so no yield point can go there.
pub(crate) fn loop_inside_macro(found: &coop_analysis::OpaqueLoop, krate: &Path) -> syn::Error {
    let kind = FindingKind::InsideMacro(found.macro_name.clone());
    finding(&kind, found.keyword, found.macro_path, krate)
}

/// The `check` lint on a loop in a fn inside an item-position macro call, which the attribute
/// on the enclosing item cannot reach: in `cargo coop`'s words, with the help it gives for a fn
/// no attribute covers (`#[cooperative]` on the fn, inside the call, where that reaches it).
pub(crate) fn loop_out_of_reach(out: &coop_analysis::LoopOutOfReach, krate: &Path) -> syn::Error {
    let found = &out.found;
    let kind = FindingKind::InsideMacro(found.macro_name.clone());
    let place = Place::Uncovered {
        fix_on: out.fixed_on_the_fn.then_some("the fn"),
    };
    let mut error = syn::Error::new(found.keyword, kind.title());
    let help = kind.help(&display_path(krate), &place);
    error.combine(syn::Error::new(found.macro_path, format!("help: {help}")));
    error
}

/// A finding as `check`'s errors: its title on `at`, its help (`help: ..`) on `help_at`, both in
/// the words of [`coop_analysis::lints`].
fn finding(kind: &FindingKind, at: Span, help_at: Span, krate: &Path) -> syn::Error {
    let mut error = syn::Error::new(at, kind.title());
    let help = kind.help(&display_path(krate), &Place::Check);
    error.combine(syn::Error::new(help_at, format!("help: {help}")));
    error
}

/// A loop marker with arguments.
pub(crate) fn marker_with_arguments(span: Span) -> syn::Error {
    syn::Error::new(span, lints::MARKER_WITH_ARGUMENTS.title)
}

/// A loop marker on something that is not a loop.
pub(crate) fn marker_not_on_a_loop(span: Span) -> syn::Error {
    syn::Error::new(span, lints::MARKER_NOT_ON_A_LOOP.title)
}
