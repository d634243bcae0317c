//! Reading attributes by name, whatever path they are written with.

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
