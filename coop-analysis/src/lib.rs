//! The loop rules of coop's `#[cooperative]`, as a plain library: which loops of a fn body run
//! in async context, which await on their own, which may get a yield point (no temporary of a
//! header alive there), which are opted out with `#[unconstrained]`, and which sit in macro
//! calls that cannot be walked.
//!
//! coop-macros and `cargo coop` both decide with this crate, so the attribute and the tool
//! cannot disagree: a loop that `#[cooperative(check)]` rejects is a loop `cargo coop check`
//! reports, and a loop `#[cooperative]` instruments is one it does not.
//!
//! - [`walk_fn_body`] walks one fn body and hands each decision ([`LoopSite`], [`OpaqueLoop`],
//!   async blocks and closures) to your [`Hooks`];
//! - [`loop_verdict`] says whether a loop awaits on its own;
//! - [`temporaries`] says where a yield point would suspend the task under a live temporary;
//! - [`scan_file`] applies the rules to every fn of a parsed file, reading the attributes
//!   already there, and returns its [`Finding`]s.
//!
//! ```
//! let file: syn::File = syn::parse_quote! {
//!     async fn spin(flag: &std::cell::Cell<bool>) {
//!         while !flag.get() {}
//!     }
//! };
//! let scanned = coop_analysis::scan_file(file);
//! assert_eq!(scanned.findings.len(), 1);
//! assert_eq!(scanned.findings[0].function, "spin");
//! ```

#![forbid(unsafe_code)]

pub mod args;
pub mod awaits;
pub mod cfg_attr;
mod coverage;
pub mod lints;
mod macros;
mod scan;
pub mod temporaries;
mod walk;

pub use awaits::{Verdict, loop_verdict};

pub use coverage::Coverage;
pub use lints::{FindingKind, Lint};
pub use scan::{Finding, FixSite, FixTarget, Scanned, Unchecked, scan_file};
pub use walk::{Hooks, LoopKind, LoopSite, OpaqueLoop, Walked, let_scrutinees, walk_fn_body};

/// `#[name]` or `#[some::path::name]`, with or without arguments.
///
/// ```
/// let attr: syn::Attribute = syn::parse_quote!(#[coop_core::cooperative(check)]);
/// assert!(coop_analysis::is_attr(&attr, "cooperative"));
/// ```
pub fn is_attr(attr: &syn::Attribute, name: &str) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == name)
}

/// The items inside an item-position macro call, where they can be known without expanding it:
/// tokens that parse as items (tokio's `cfg_rt! { .. }`), or `cfg_if!`'s
/// `if #[cfg(..)] { .. } else if .. else { .. }`, every branch's items. `None` otherwise.
///
/// ```
/// let mac: syn::Macro = syn::parse_quote! {
///     cfg_if::cfg_if! { if #[cfg(unix)] { mod unix; } else { mod other; } }
/// };
/// assert_eq!(coop_analysis::macro_items(&mac).map(|items| items.len()), Some(2));
/// ```
pub fn macro_items(mac: &syn::Macro) -> Option<Vec<syn::Item>> {
    if mac
        .path
        .segments
        .last()
        .is_some_and(|s| s.ident == "cfg_if")
        && let Ok(items) = syn::parse::Parser::parse2(cfg_if_items, mac.tokens.clone())
    {
        return Some(items);
    }
    syn::parse2::<syn::File>(mac.tokens.clone())
        .ok()
        .map(|file| file.items)
}

/// `if #[cfg(..)] { items } else if #[cfg(..)] { items } .. else { items }`
fn cfg_if_items(input: syn::parse::ParseStream<'_>) -> syn::Result<Vec<syn::Item>> {
    let mut items = Vec::new();
    loop {
        input.parse::<syn::Token![if]>()?;
        input.call(syn::Attribute::parse_outer)?;
        let branch;
        syn::braced!(branch in input);
        items.extend(branch.parse::<syn::File>()?.items);
        if !input.peek(syn::Token![else]) {
            break;
        }
        input.parse::<syn::Token![else]>()?;
        if input.peek(syn::Token![if]) {
            continue;
        }
        let last;
        syn::braced!(last in input);
        items.extend(last.parse::<syn::File>()?.items);
        break;
    }
    Ok(items)
}
