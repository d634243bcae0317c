//! The items inside item-position macro calls whose contents can be known without expanding
//! them (`cfg_if!`, and macros whose tokens parse as items).

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
