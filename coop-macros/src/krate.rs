//! Where coop-core is, as the annotated crate names it.
//!
//! Expansions call `<coop-core>::__private`. A crate that renamed the dependency
//! (`coop = { package = "coop-core", .. }`) is found in its manifest; `crate = ".."` still wins,
//! for a coop-core reached through another crate's re-export.

use proc_macro_crate::{FoundCrate, crate_name};
use proc_macro2::{Ident, Span};
use syn::Path;

/// `::coop_core`, or `::name` when the user's manifest names the dependency `name`.
pub(crate) fn default_path() -> Path {
    match crate_name("coop-core") {
        Ok(FoundCrate::Name(name)) => {
            let name = Ident::new(&name, Span::call_site());
            syn::parse_quote!(::#name)
        }
        // `Itself`: coop-core's own tests and doctests, which see it as `::coop_core`. Not found:
        // a re-export without `crate = ".."`, which rustc then reports on the path.
        Ok(FoundCrate::Itself) | Err(_) => syn::parse_quote!(::coop_core),
    }
}
