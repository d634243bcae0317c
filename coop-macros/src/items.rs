//! The item shapes coop's attributes apply to, listed once: an `async fn` (or a fn with async
//! code), an `impl` block, a trait, an inline module. Everything that depends on an item's
//! shape asks here: its attributes, the fns an attribute on it reaches, how errors name it.

use coop_analysis::ItemList;
use coop_analysis::lints::ItemKind;
use coop_analysis::never_compiled;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Block, ImplItem, Item, ItemMod, Macro, Signature, TraitItem};

use crate::attrs::CoopAttr;

/// The outer attributes of an item of a shape coop's attributes apply to; `None` for any other
/// item.
pub(crate) fn attrs_mut(item: &mut Item) -> Option<&mut Vec<Attribute>> {
    match item {
        Item::Fn(f) => Some(&mut f.attrs),
        Item::Impl(block) => Some(&mut block.attrs),
        Item::Trait(block) => Some(&mut block.attrs),
        Item::Mod(module) => Some(&mut module.attrs),
        _ => None,
    }
}

/// What an attribute written on an item reaches inside it.
pub(crate) enum Reached<'a> {
    /// A fn with a body (a `const fn` too: the caller decides); `bool`: it, or an item it is
    /// nested in, has a `#[cfg]` or `#[cfg_attr]`, which may remove it.
    Fn(&'a mut Signature, &'a mut Block, bool),
    /// A method or nested item with `#[cooperative]` or `#[unconstrained]` of its own: its own
    /// attribute decides for it, and expands after this one.
    OwnAttribute,
    /// `mod name;`: its items are in another file, which an attribute cannot see.
    OutOfLineModule(&'a ItemMod),
    /// An item-position macro call (`cfg_if! { .. }`, tokio's `cfg_net! { .. }`) in that list:
    /// an attribute never rewrites a macro's tokens, so the fns inside are out of its reach.
    MacroCall(&'a Macro, ItemList),
}

/// Hands `visit` everything an attribute on `item` reaches, in source order: the fn itself; each
/// method with a body of an `impl` block or trait; the items of an inline module, recursively.
/// The first error `visit` returns ends the traversal.
pub(crate) fn for_each_fn(
    item: &mut Item,
    visit: &mut dyn FnMut(Reached<'_>) -> syn::Result<()>,
) -> syn::Result<()> {
    reach(item, true, false, visit)
}

/// Whether `attrs` hold a `#[cfg]` or a `#[cfg_attr]` (which may write one).
fn configured(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr"))
}

/// `top`: `item` is the annotated item itself, whose own attribute is the one expanding;
/// `configured`: an item it is nested in has a `#[cfg]` (see [`Reached::Fn`]).
fn reach(
    item: &mut Item,
    top: bool,
    configured: bool,
    visit: &mut dyn FnMut(Reached<'_>) -> syn::Result<()>,
) -> syn::Result<()> {
    // Under a `cfg` that fails in every build (`any()`), rustc removes it: nothing to reach.
    if !top && attrs_mut(item).is_some_and(|attrs| never_compiled(attrs)) {
        return Ok(());
    }
    if !top && attrs_mut(item).is_some_and(|attrs| CoopAttr::any_in(attrs)) {
        return visit(Reached::OwnAttribute);
    }
    let configured = configured || attrs_mut(item).is_some_and(|attrs| self::configured(attrs));
    match item {
        Item::Fn(f) => visit(Reached::Fn(&mut f.sig, &mut f.block, configured)),
        Item::Impl(block) => {
            for item in &mut block.items {
                if let ImplItem::Macro(call) = item
                    && !never_compiled(&call.attrs)
                {
                    visit(Reached::MacroCall(&call.mac, ItemList::Impl))?;
                }
                if let ImplItem::Fn(f) = item
                    && !never_compiled(&f.attrs)
                {
                    if CoopAttr::any_in(&f.attrs) {
                        visit(Reached::OwnAttribute)?;
                    } else {
                        let configured = configured || self::configured(&f.attrs);
                        visit(Reached::Fn(&mut f.sig, &mut f.block, configured))?;
                    }
                }
            }
            Ok(())
        }
        Item::Trait(block) => {
            for item in &mut block.items {
                if let TraitItem::Macro(call) = item
                    && !never_compiled(&call.attrs)
                {
                    visit(Reached::MacroCall(&call.mac, ItemList::Trait))?;
                }
                if let TraitItem::Fn(f) = item
                    && !never_compiled(&f.attrs)
                {
                    if CoopAttr::any_in(&f.attrs) {
                        visit(Reached::OwnAttribute)?;
                    } else if let Some(body) = &mut f.default {
                        let configured = configured || self::configured(&f.attrs);
                        visit(Reached::Fn(&mut f.sig, body, configured))?;
                    }
                }
            }
            Ok(())
        }
        Item::Mod(module) => match &mut module.content {
            Some((_, items)) => {
                for item in items {
                    reach(item, false, configured, visit)?;
                }
                Ok(())
            }
            None => visit(Reached::OutOfLineModule(module)),
        },
        Item::Macro(call) if !top && call.ident.is_none() && !never_compiled(&call.attrs) => {
            visit(Reached::MacroCall(&call.mac, ItemList::Module))
        }
        _ => Ok(()),
    }
}

/// Where "found no async code" points, and where it says it looked.
pub(crate) fn searched(item: &Item) -> (Span, ItemKind) {
    match item {
        Item::Fn(f) => (f.sig.fn_token.span, ItemKind::Fn),
        Item::Impl(block) => (block.impl_token.span, ItemKind::Impl),
        Item::Trait(block) => (block.trait_token.span, ItemKind::Trait),
        Item::Mod(module) => (module.mod_token.span, ItemKind::Mod),
        other => (other.span(), ItemKind::Fn),
    }
}
