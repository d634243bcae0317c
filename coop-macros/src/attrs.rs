//! Leaf helpers every other module may use, and that use none of them: coop's two attributes
//! ([`CoopAttr`], declared in coop-analysis, which `cargo coop` reads them with), and the spans
//! generated code is built on.
//!
//! Span rule: the user's tokens are re-emitted with their own spans; every token coop adds
//! (keywords, punctuation, paths, hidden locals) gets [`glue`]: the location of the user token it
//! stands for, with `Span::mixed_site()` hygiene. rustc and clippy treat such tokens as macro
//! output, so no lint fires on code the user did not write, while diagnostics still point at the
//! user's source (a non-`Send` note says "await occurs here" on the loop keyword).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::Path;

pub(crate) use coop_analysis::CoopAttr;

/// A span for generated code standing at `location`: its location, macro hygiene.
pub(crate) fn glue(location: Span) -> Span {
    Span::mixed_site().located_at(location)
}

/// `path`'s tokens, each keeping its own hygiene (a `$crate` from a `macro_rules!` still
/// resolves) but moved to `location`, so that a macro call built on it has one joined span.
pub(crate) fn relocate(path: &Path, location: Span) -> TokenStream {
    path.to_token_stream()
        .into_iter()
        .map(|mut token| {
            token.set_span(token.span().located_at(location));
            token
        })
        .collect()
}

/// Renders `path` for a message: `::coop_core` reads as `coop_core`.
pub(crate) fn display_path(path: &Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
