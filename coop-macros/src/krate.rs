//! Where coop-core is, as the annotated crate names it: `::coop_core`, unless `crate = ".."`
//! says otherwise.
//!
//! The manifest is not read: a crate that renames the dependency
//! (`coop = { package = "coop-core", .. }`) writes `crate = "coop"` (`cargo coop fix` does), as
//! tokio-macros asks of a renamed tokio. Reading it would put a TOML parser into every user's
//! build and lock file.

use syn::Path;

/// `::coop_core`.
pub(crate) fn default_path() -> Path {
    syn::parse_quote!(::coop_core)
}
