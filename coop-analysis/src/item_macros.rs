//! The items inside item-position macro calls whose contents can be known without expanding
//! them (`cfg_if!`, and macros whose tokens parse as items of the list the call stands in: a
//! module's, an `impl` block's, a trait's), and the loops in them that an attribute on the
//! enclosing item cannot reach.
//!
//! A coop attribute never rewrites a macro call's tokens (what a macro does with them is its
//! own business), so a fn written inside one is a fn of its own: the attribute on the enclosing
//! `impl`, trait or module does not reach it, and only an attribute written on the fn itself,
//! inside the call, does.

use syn::parse::{Parse, ParseStream, Parser};
use syn::visit::{self, Visit};
use syn::{Attribute, Block, ImplItem, Item, Macro, Signature, TraitItem};

use crate::cfgs::never_compiled;
use crate::hooks::Hooks;
use crate::lints::FindingKind;
use crate::loops::{LoopSite, OpaqueLoop};
use crate::walk::walk_fn_body;

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
pub fn macro_items(mac: &Macro) -> Option<Vec<Item>> {
    list_items(mac)
}

/// The associated items inside a macro call in an `impl` block (tokio's
/// `impl TcpListener { cfg_not_wasip1! { pub async fn bind(..) { .. } } }`), read as
/// [`macro_items`] reads a module's. `None` where the tokens do not parse as associated items.
///
/// ```
/// let mac: syn::Macro = syn::parse_quote! {
///     cfg_net! { pub async fn bind(&self) {} pub const MAX: usize = 8; }
/// };
/// assert_eq!(coop_analysis::macro_impl_items(&mac).map(|items| items.len()), Some(2));
/// ```
pub fn macro_impl_items(mac: &Macro) -> Option<Vec<ImplItem>> {
    list_items(mac)
}

/// The trait items inside a macro call in a trait, read as [`macro_items`] reads a module's.
///
/// ```
/// let mac: syn::Macro = syn::parse_quote! { cfg_net! { async fn poll(&self) {} fn id(&self); } };
/// assert_eq!(coop_analysis::macro_trait_items(&mac).map(|items| items.len()), Some(2));
/// ```
pub fn macro_trait_items(mac: &Macro) -> Option<Vec<TraitItem>> {
    list_items(mac)
}

/// The items of one item list (a module's, an impl block's, a trait's), to its end.
fn parse_list<T: Parse>(input: ParseStream<'_>) -> syn::Result<Vec<T>> {
    // A module's inner attributes (`#![allow(..)]`) are allowed where its items are.
    input.call(Attribute::parse_inner)?;
    let mut items = Vec::new();
    while !input.is_empty() {
        items.push(input.parse()?);
    }
    Ok(items)
}

fn list_items<T: Parse>(mac: &Macro) -> Option<Vec<T>> {
    if mac
        .path
        .segments
        .last()
        .is_some_and(|s| s.ident == "cfg_if")
        && let Ok(items) = Parser::parse2(cfg_if_items::<T>, mac.tokens.clone())
    {
        return Some(items);
    }
    Parser::parse2(parse_list::<T>, mac.tokens.clone()).ok()
}

/// `if #[cfg(..)] { items } else if #[cfg(..)] { items } .. else { items }`
fn cfg_if_items<T: Parse>(input: ParseStream<'_>) -> syn::Result<Vec<T>> {
    let mut items = Vec::new();
    loop {
        input.parse::<syn::Token![if]>()?;
        input.call(Attribute::parse_outer)?;
        let branch;
        syn::braced!(branch in input);
        items.extend(parse_list::<T>(&branch)?);
        if !input.peek(syn::Token![else]) {
            break;
        }
        input.parse::<syn::Token![else]>()?;
        if input.peek(syn::Token![if]) {
            continue;
        }
        let last;
        syn::braced!(last in input);
        items.extend(parse_list::<T>(&last)?);
        break;
    }
    Ok(items)
}

/// Where an item-position macro call stands: its tokens are read as items of that list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemList {
    /// A file's or an inline module's items.
    Module,
    /// An `impl` block's associated items.
    Impl,
    /// A trait's items.
    Trait,
}

/// A loop `#[cooperative]` on the enclosing item would have a yield point put in, written in a
/// fn inside the macro call `mac`, which the attribute does not read: it reports each one as
/// inside that macro (its `macro_name`, the innermost item macro around the fn), where
/// `#[cooperative(check)]` and `cargo coop` report the same loops. Reported are the loops of
/// each fn in the call's items (nested modules, `impl` blocks and traits, and item macros in
/// them, included) without a coop attribute of its own (`own_attribute` says which have one)
/// that never await, and the loops inside unknown macros in their bodies. Items a `#[cfg]`
/// removes in every build are not read; nor are fns nested in those fns' bodies, which no
/// enclosing attribute reaches anyway.
///
/// ```
/// use coop_analysis::{ItemList, loops_out_of_reach};
///
/// let mac: syn::Macro = syn::parse_quote! {
///     cfg_net! {
///         pub async fn bind(&self, n: u32) { for _ in 0..n { spin(); } }
///         #[cooperative] pub async fn own(&self) { loop { spin(); } }
///     }
/// };
/// let own = |attrs: &[syn::Attribute]| attrs.iter().any(|a| a.path().is_ident("cooperative"));
/// let found = loops_out_of_reach(&mac, ItemList::Impl, &own);
/// assert_eq!(found.len(), 1);
/// assert_eq!((found[0].found.kind.keyword(), found[0].found.macro_name.as_str()), ("for", "cfg_net"));
/// assert!(found[0].fixed_on_the_fn);
/// ```
pub fn loops_out_of_reach(
    mac: &Macro,
    list: ItemList,
    own_attribute: &dyn Fn(&[Attribute]) -> bool,
) -> Vec<LoopOutOfReach> {
    let mut reach = OutOfReach {
        own_attribute,
        mac: mac.clone(),
        found: Vec::new(),
    };
    reach.read(mac, list);
    reach.found
}

/// A loop [`loops_out_of_reach`] reports.
#[derive(Clone, Debug)]
pub struct LoopOutOfReach {
    /// The loop, and the macro call it is inside.
    pub found: OpaqueLoop,
    /// `#[cooperative]` written on its fn, inside the call, instruments it (`cargo coop fix`
    /// writes it there); `false` for a loop inside an unknown macro in the fn's body.
    pub fixed_on_the_fn: bool,
}

/// Whether a loop of a fn inside an item macro call is one `#[cooperative]` on the enclosing
/// item would have instrumented: it never awaits, and `#[cooperative]` would put a yield point
/// in it (not opted out under a `cfg_attr` predicate, no temporary alive, not printed).
pub(crate) fn out_of_reach(site: &LoopSite) -> bool {
    site.cfg_opt_outs.is_empty() && site.finding() == Some(FindingKind::NeverAwaits)
}

struct OutOfReach<'a> {
    own_attribute: &'a dyn Fn(&[Attribute]) -> bool,
    /// The innermost item macro call being read.
    mac: Macro,
    found: Vec<LoopOutOfReach>,
}

/// One fn's loops, as [`OutOfReach`] reports them.
struct Sites<'a> {
    mac: &'a Macro,
    found: &'a mut Vec<LoopOutOfReach>,
}

impl Hooks for Sites<'_> {
    fn on_loop(&mut self, _: &mut syn::Expr, site: &LoopSite) -> bool {
        if out_of_reach(site) {
            self.found.push(LoopOutOfReach {
                found: OpaqueLoop {
                    kind: site.kind,
                    keyword: site.keyword,
                    macro_name: crate::macros::name(self.mac),
                    macro_path: syn::spanned::Spanned::span(&self.mac.path),
                },
                fixed_on_the_fn: true,
            });
        }
        false
    }

    fn on_opaque_loop(&mut self, found: &OpaqueLoop) {
        self.found.push(LoopOutOfReach {
            found: found.clone(),
            fixed_on_the_fn: false,
        });
    }
}

impl OutOfReach<'_> {
    fn read(&mut self, mac: &Macro, list: ItemList) {
        if mac.path.is_ident("macro_rules") {
            return;
        }
        let outer = std::mem::replace(&mut self.mac, mac.clone());
        match list {
            ItemList::Module => macro_items(mac)
                .iter()
                .flatten()
                .for_each(|item| self.visit_item(item)),
            ItemList::Impl => macro_impl_items(mac)
                .iter()
                .flatten()
                .for_each(|item| self.visit_impl_item(item)),
            ItemList::Trait => macro_trait_items(mac)
                .iter()
                .flatten()
                .for_each(|item| self.visit_trait_item(item)),
        }
        self.mac = outer;
    }

    fn read_fn(&mut self, attrs: &[Attribute], sig: &Signature, block: &Block) {
        if (self.own_attribute)(attrs) || sig.constness.is_some() {
            return;
        }
        let mut sites = Sites {
            mac: &self.mac,
            found: &mut self.found,
        };
        walk_fn_body(&mut block.clone(), sig.asyncness.is_some(), &mut sites);
    }

    /// An item that an attribute of its own, or a `#[cfg]` that fails in every build, takes
    /// out of the enclosing attribute's hands.
    fn skipped(&self, attrs: &[Attribute]) -> bool {
        never_compiled(attrs) || (self.own_attribute)(attrs)
    }
}

impl<'ast> Visit<'ast> for OutOfReach<'_> {
    fn visit_item(&mut self, item: &'ast Item) {
        match item {
            Item::Fn(f) if !never_compiled(&f.attrs) => self.read_fn(&f.attrs, &f.sig, &f.block),
            Item::Impl(block) if !self.skipped(&block.attrs) => visit::visit_item_impl(self, block),
            Item::Trait(block) if !self.skipped(&block.attrs) => {
                visit::visit_item_trait(self, block)
            }
            Item::Mod(module) if !self.skipped(&module.attrs) => {
                visit::visit_item_mod(self, module)
            }
            Item::Macro(call) if call.ident.is_none() && !never_compiled(&call.attrs) => {
                self.read(&call.mac, ItemList::Module)
            }
            _ => {}
        }
    }

    fn visit_impl_item(&mut self, item: &'ast ImplItem) {
        match item {
            ImplItem::Fn(f) if !never_compiled(&f.attrs) => {
                self.read_fn(&f.attrs, &f.sig, &f.block)
            }
            ImplItem::Macro(call) if !never_compiled(&call.attrs) => {
                self.read(&call.mac, ItemList::Impl)
            }
            _ => {}
        }
    }

    fn visit_trait_item(&mut self, item: &'ast TraitItem) {
        match item {
            TraitItem::Fn(f) if !never_compiled(&f.attrs) => {
                if let Some(body) = &f.default {
                    self.read_fn(&f.attrs, &f.sig, body);
                }
            }
            TraitItem::Macro(call) if !never_compiled(&call.attrs) => {
                self.read(&call.mac, ItemList::Trait)
            }
            _ => {}
        }
    }
}
