//! Error output: the errors, then the original item, so the rest of the crate still
//! type-checks and IDEs keep working. One error per misuse, no cascade.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{ImplItem, Item, TraitItem};

use crate::visit::{Action, walk_fn_body};

/// Adds `error` to the errors collected so far.
pub(crate) fn combine(errors: &mut Option<syn::Error>, error: syn::Error) {
    match errors {
        Some(errors) => errors.combine(error),
        None => *errors = Some(error),
    }
}

/// `compile_error!`s for `error`, followed by `item` as the user wrote it, less the loop-level
/// `#[unconstrained]` markers: rustc rejects unknown attributes on expressions, which would be
/// a second error. A sibling `#[cooperative]`/`#[unconstrained]` on the item stays: it expands
/// next, no longer sees this attribute, and succeeds, so the conflict is reported once.
pub(crate) fn error_with_item(error: syn::Error, mut item: Item) -> TokenStream {
    strip_markers(&mut item);
    let mut tokens = error.into_compile_error();
    item.to_tokens(&mut tokens);
    tokens
}

/// Strips the loop markers from every fn body of `item`.
pub(crate) fn strip_markers(item: &mut Item) {
    match item {
        Item::Fn(f) => {
            walk_fn_body(&mut f.block, false, Action::StripMarkers);
        }
        Item::Impl(block) => {
            for item in &mut block.items {
                if let ImplItem::Fn(f) = item {
                    walk_fn_body(&mut f.block, false, Action::StripMarkers);
                }
            }
        }
        Item::Trait(block) => {
            for item in &mut block.items {
                if let TraitItem::Fn(f) = item
                    && let Some(body) = &mut f.default
                {
                    walk_fn_body(body, false, Action::StripMarkers);
                }
            }
        }
        _ => {}
    }
}

/// The outer attributes of the items coop's attributes apply to.
pub(crate) fn item_attrs(item: &mut Item) -> Option<&mut Vec<syn::Attribute>> {
    match item {
        Item::Fn(f) => Some(&mut f.attrs),
        Item::Impl(block) => Some(&mut block.attrs),
        Item::Trait(block) => Some(&mut block.attrs),
        _ => None,
    }
}
