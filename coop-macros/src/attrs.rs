//! Leaf helpers every other module may use, and that use none of them: coop's two attributes
//! ([`CoopAttr`]), and the spans generated code is built on.
//!
//! Span rule: the user's tokens are re-emitted with their own spans; every token coop adds
//! (keywords, punctuation, paths, hidden locals) gets [`glue`]: the location of the user token it
//! stands for, with `Span::mixed_site()` hygiene. rustc and clippy treat such tokens as macro
//! output, so no lint fires on code the user did not write, while diagnostics still point at the
//! user's source (a non-`Send` note says "await occurs here" on the loop keyword).

use std::fmt;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Attribute, Path};

use coop_analysis::is_attr;

/// coop's two attributes, which read each other on the items they are written on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CoopAttr {
    /// `#[cooperative]`, `#[cooperative(check)]`.
    Cooperative,
    /// `#[unconstrained]`.
    Unconstrained,
}

impl CoopAttr {
    /// The name it is written with, under any path (`#[coop_core::cooperative]`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            CoopAttr::Cooperative => "cooperative",
            CoopAttr::Unconstrained => "unconstrained",
        }
    }

    /// The attribute it contradicts on one item.
    pub(crate) fn other(self) -> CoopAttr {
        match self {
            CoopAttr::Cooperative => CoopAttr::Unconstrained,
            CoopAttr::Unconstrained => CoopAttr::Cooperative,
        }
    }

    /// `attr` is this attribute.
    pub(crate) fn is(self, attr: &Attribute) -> bool {
        is_attr(attr, self.name())
    }

    /// `attrs` hold either of coop's attributes.
    pub(crate) fn any_in(attrs: &[Attribute]) -> bool {
        attrs
            .iter()
            .any(|attr| CoopAttr::Cooperative.is(attr) || CoopAttr::Unconstrained.is(attr))
    }
}

/// Its name, for messages: `` `#[{attr}]` ``.
impl fmt::Display for CoopAttr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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
