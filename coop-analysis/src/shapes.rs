//! The item shapes coop's attributes apply to (a fn, an `impl` or `trait` block, an inline
//! module), and the error every other shape gets, where it points and in which words. The
//! attributes reject an item with this rule before reading any body, and `cargo coop` reports
//! with it.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, Item, Signature, Token, TraitItemFn, Visibility};

use crate::attr::CoopAttr;
use crate::lints::FindingKind;

/// The error `#[this]` raises on `item` for its shape alone: on a `const fn`, on an item that
/// is not a fn, an `impl` or `trait` block or a module, on a fn without a body (a trait
/// method's, or another), on `mod name;`. Where it points (the item's keyword; a bodiless fn's
/// `;`), and why. `None` for the shapes it applies to, whose bodies decide the rest.
///
/// `item` is the item as the attribute receives it: an associated item or an extern block's
/// item, printed and parsed again as an [`Item`], is one too.
///
/// ```
/// use coop_analysis::{CoopAttr, FindingKind, unsupported};
///
/// let item: syn::Item = syn::parse_quote!(pub struct S;);
/// let (_, why) = unsupported(CoopAttr::Cooperative, &item).unwrap();
/// assert_eq!(why, FindingKind::UnsupportedItem(CoopAttr::Cooperative));
///
/// let method: syn::TraitItem = syn::parse_quote!(async fn next(&mut self) -> u32;);
/// let item: syn::Item = syn::parse2(quote::ToTokens::to_token_stream(&method)).unwrap();
/// let (_, why) = unsupported(CoopAttr::Unconstrained, &item).unwrap();
/// assert_eq!(why, FindingKind::TraitMethodWithoutBody(CoopAttr::Unconstrained));
///
/// let item: syn::Item = syn::parse_quote!(async fn f() {});
/// assert!(unsupported(CoopAttr::Cooperative, &item).is_none());
/// ```
pub fn unsupported(this: CoopAttr, item: &Item) -> Option<(Span, FindingKind)> {
    match item {
        Item::Fn(f) => f
            .sig
            .constness
            .map(|const_token| (const_token.span, FindingKind::ConstFn(this))),
        Item::Impl(_) | Item::Trait(_) => None,
        Item::Mod(module) => match module.content {
            Some(_) => None,
            None => Some((
                module.semi.map_or(module.ident.span(), |semi| semi.span),
                FindingKind::OutOfLineModule(this),
            )),
        },
        // A fn without a body is no item syn knows: its tokens are kept as they are.
        Item::Verbatim(tokens) => Some(without_body(this, tokens).unwrap_or_else(|| {
            (
                keyword_of_verbatim(tokens),
                FindingKind::UnsupportedItem(this),
            )
        })),
        other => Some((keyword_span(other), FindingKind::UnsupportedItem(this))),
    }
}

/// `async fn f(&self);`, as a trait declares it (no visibility), or `pub async fn f();`: the
/// `;` where the body should be.
fn without_body(this: CoopAttr, tokens: &TokenStream) -> Option<(Span, FindingKind)> {
    if let Ok(f) = syn::parse2::<TraitItemFn>(tokens.clone())
        && let (None, Some(semi)) = (&f.default, f.semi_token)
    {
        return Some((semi.span, FindingKind::TraitMethodWithoutBody(this)));
    }
    let semi = fn_without_body.parse2(tokens.clone()).ok()?;
    Some((semi.span, FindingKind::FnWithoutBody(this)))
}

/// `pub async fn f();`: a signature and a `;`.
fn fn_without_body(input: ParseStream<'_>) -> syn::Result<Token![;]> {
    input.call(Attribute::parse_outer)?;
    input.parse::<Visibility>()?;
    input.parse::<Signature>()?;
    input.parse()
}

/// The first token after an item's outer attributes and visibility (`type` of an associated
/// `type Item;`, `static` of an extern block's static), or the tokens' own span.
fn keyword_of_verbatim(tokens: &TokenStream) -> Span {
    let keyword = |input: ParseStream<'_>| {
        input.call(Attribute::parse_outer)?;
        input.parse::<Visibility>()?;
        let span = input.span();
        input.parse::<TokenStream>()?;
        Ok(span)
    };
    keyword
        .parse2(tokens.clone())
        .unwrap_or_else(|_| tokens.span())
}

/// The span of the keyword that says what kind of item this is.
fn keyword_span(item: &Item) -> Span {
    match item {
        Item::Const(i) => i.const_token.span,
        Item::Enum(i) => i.enum_token.span,
        Item::ExternCrate(i) => i.extern_token.span,
        Item::ForeignMod(i) => i.abi.extern_token.span,
        Item::Macro(i) => i.mac.path.span(),
        Item::Mod(i) => i.mod_token.span,
        Item::Static(i) => i.static_token.span,
        Item::Struct(i) => i.struct_token.span,
        Item::TraitAlias(i) => i.trait_token.span,
        Item::Type(i) => i.type_token.span,
        Item::Union(i) => i.union_token.span,
        Item::Use(i) => i.use_token.span,
        other => other.span(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (why, the text of the token it points at) for `#[cooperative]` on `source`.
    fn rejected(source: &str) -> Option<(FindingKind, String)> {
        let item: Item = syn::parse_str(source).unwrap();
        unsupported(CoopAttr::Cooperative, &item)
            .map(|(span, why)| (why, span.source_text().unwrap_or_default()))
    }

    #[test]
    fn every_item_kind_but_fns_blocks_and_inline_modules_is_rejected_on_its_keyword() {
        let unsupported = FindingKind::UnsupportedItem(CoopAttr::Cooperative);
        for (source, keyword) in [
            ("pub struct S;", "struct"),
            ("enum E { A }", "enum"),
            ("union U { a: u32 }", "union"),
            ("pub const C: u32 = 1;", "const"),
            ("static S: u32 = 1;", "static"),
            ("type A = u32;", "type"),
            ("use std::fmt::Debug;", "use"),
            ("extern crate alloc;", "extern"),
            ("extern \"C\" { fn f(); }", "extern"),
            ("macro_rules! m { () => {} }", "macro_rules"),
            ("items! { struct S; }", "items"),
            ("trait Alias = Send;", "trait"),
            // Associated items, as the attribute receives them.
            ("/// Docs.\n#[inline] pub(crate) type Item;", "type"),
            ("const X: u32;", "const"),
        ] {
            assert_eq!(
                rejected(source),
                Some((unsupported.clone(), keyword.to_owned())),
                "{source}"
            );
        }
    }

    #[test]
    fn a_fn_without_a_body_is_rejected_on_its_semicolon() {
        assert_eq!(
            rejected("async fn next(&mut self) -> u32;"),
            Some((
                FindingKind::TraitMethodWithoutBody(CoopAttr::Cooperative),
                ";".to_owned()
            ))
        );
        assert_eq!(
            rejected("pub async fn declared();"),
            Some((
                FindingKind::FnWithoutBody(CoopAttr::Cooperative),
                ";".to_owned()
            ))
        );
    }

    #[test]
    fn fns_blocks_and_inline_modules_are_left_to_their_bodies() {
        for source in [
            "fn f() {}",
            "async fn f() {}",
            "impl S {}",
            "trait T {}",
            "mod m {}",
        ] {
            assert_eq!(rejected(source), None, "{source}");
        }
        assert_eq!(
            rejected("const fn f() {}"),
            Some((
                FindingKind::ConstFn(CoopAttr::Cooperative),
                "const".to_owned()
            ))
        );
        assert_eq!(
            rejected("mod worker;"),
            Some((
                FindingKind::OutOfLineModule(CoopAttr::Cooperative),
                ";".to_owned()
            ))
        );
    }
}
