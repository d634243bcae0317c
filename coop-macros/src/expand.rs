//! Item dispatch of `#[cooperative]` and `#[unconstrained]`: which items they apply to, what
//! each shape becomes, and the error path that still emits the item.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Attribute, Block, ImplItem, Item, Signature, TraitItem};

use crate::args::{CooperativeArgs, UnconstrainedArgs};
use crate::attrs::{is_attr, item_attrs};
use crate::error::{combine, with_item};
use crate::unconstrain;
use crate::walk::{Action, strip_markers, walk_fn_body};

/// `#[cooperative(args)] item`.
pub(crate) fn cooperative(args: TokenStream, item: TokenStream) -> TokenStream {
    if written_as_key_value() {
        return item_unchanged(item);
    }
    expand("cooperative", item, |item| {
        let args: CooperativeArgs = syn::parse2(args)?;
        reject_stacking(item, "cooperative")?;
        let action = if args.check {
            Action::Check(&args.krate)
        } else {
            Action::InsertYieldPoints(&args.krate)
        };
        apply(item, "cooperative", action)?;
        Ok(!args.check)
    })
}

/// `#[unconstrained(args)] item`.
pub(crate) fn unconstrained(args: TokenStream, item: TokenStream) -> TokenStream {
    if written_as_key_value() {
        return item_unchanged(item);
    }
    expand("unconstrained", item, |item| {
        let args: UnconstrainedArgs = syn::parse2(args)?;
        reject_stacking(item, "unconstrained")?;
        apply(item, "unconstrained", Action::Unconstrain(&args.krate))?;
        Ok(true)
    })
}

/// Parses the item, rewrites a copy with `transform`, and on error emits the error and the
/// original item (less its loop markers) instead.
///
/// When `transform` rewrote the item (`Ok(true)`), the item as written is emitted too, under
/// `#[cfg(clippy)]`, and the rewrite under `#[cfg(not(clippy))]`: clippy then lints exactly
/// the user's code, as if the attribute were not there. Its loop lints (`manual_memcpy`,
/// `while_let_on_iterator`, ...) look at loop bodies a yield point would change, and an
/// `#[expect]` for one of them must stay fulfilled. A build type-checks the rewrite; clippy
/// type-checks the original.
fn expand(
    attr: &str,
    item: TokenStream,
    transform: impl FnOnce(&mut Item) -> syn::Result<bool>,
) -> TokenStream {
    let original: Item = match syn::parse2(item.clone()) {
        Ok(original) => original,
        // A loop marker outside a `#[cooperative]` item reaches rustc's attribute-on-expression
        // errors, which never say where the marker works: one error of ours says it, and the
        // loop is kept as an expression.
        Err(_) if syn::parse2::<syn::Expr>(item.clone()).is_ok() || is_statement(&item) => {
            let message = if is_loop(&item) && attr == "unconstrained" {
                "`#[unconstrained]` on a loop only works directly inside a `#[cooperative]` \
                 item (not in a fn nested in one): put `#[cooperative]` on the enclosing fn \
                 (or impl block, or module), or remove this attribute"
                    .to_owned()
            } else {
                format!(
                    "`#[{attr}]` applies to items (an async fn, an impl or trait block, a \
                     module), not to expressions or statements: put it on the enclosing fn"
                )
            };
            let error = syn::Error::new(Span::call_site(), message).into_compile_error();
            return if syn::parse2::<syn::Expr>(item.clone()).is_ok() {
                quote::quote! { { #error #item } }
            } else {
                quote::quote! { #error #item }
            };
        }
        // Not an item syn knows: rustc reports the syntax error on the tokens themselves.
        Err(error) => {
            let mut tokens = error.into_compile_error();
            tokens.extend(item);
            return tokens;
        }
    };
    // Parsed again rather than cloned: a derived `Clone` recurses once per nesting level of the
    // user's expressions, which overflows the compiler's stack long before parsing does.
    let Ok(mut expanded) = syn::parse2::<Item>(item.clone()) else {
        return original.into_token_stream();
    };
    match transform(&mut expanded) {
        Ok(false) => expanded.into_token_stream(),
        Ok(true) => {
            let mut original = original;
            strip_markers(&mut original);
            quote::quote! {
                #[cfg(clippy)]
                #original
                #[cfg(not(clippy))]
                #expanded
            }
        }
        Err(error) => {
            let mut original = original;
            strip_markers(&mut original);
            with_item(error, &original)
        }
    }
}

/// `#[attr = value]`: rustc itself rejects the form ("key-value macro attributes are not
/// supported") and still runs the macro with `value` as its arguments, where a second error
/// would only repeat the first. Only a real compiler session knows the attribute's text.
fn written_as_key_value() -> bool {
    Span::call_site().source_text().is_some_and(|text| {
        let after_path = text
            .trim_start_matches("#[")
            .trim_start_matches(|c: char| c.is_alphanumeric() || "_: \t\n".contains(c));
        after_path.starts_with('=')
    })
}

/// The item as written, less its loop markers.
fn item_unchanged(item: TokenStream) -> TokenStream {
    match syn::parse2::<Item>(item.clone()) {
        Ok(mut item) => {
            strip_markers(&mut item);
            item.into_token_stream()
        }
        Err(_) => item,
    }
}

/// A statement that is not an item (a `let`).
fn is_statement(tokens: &TokenStream) -> bool {
    matches!(
        syn::parse2::<syn::Stmt>(tokens.clone()),
        Ok(syn::Stmt::Local(_))
    )
}

fn is_loop(tokens: &TokenStream) -> bool {
    matches!(
        syn::parse2::<syn::Expr>(tokens.clone()),
        Ok(syn::Expr::Loop(_) | syn::Expr::While(_) | syn::Expr::ForLoop(_))
    )
}

/// A second coop attribute on the same item: `#[cooperative]` twice would put two yield points
/// in every loop, and `#[cooperative]` with `#[unconstrained]` contradict each other. Whichever
/// expands first still sees the other among the item's attributes; the error path re-emits it,
/// it expands next on its own and succeeds, so the misuse is reported once.
fn reject_stacking(item: &mut Item, this: &str) -> syn::Result<()> {
    let Some(attrs) = item_attrs(item) else {
        return Ok(());
    };
    let other = if this == "cooperative" {
        "unconstrained"
    } else {
        "cooperative"
    };
    if let Some(attr) = attrs.iter().find(|attr| is_attr(attr, other)) {
        return Err(syn::Error::new_spanned(
            attr,
            format!(
                "`#[{this}]` and `#[{other}]` cannot both apply to one item: `#[cooperative]` \
                 inserts yield points, `#[unconstrained]` switches budgets off"
            ),
        ));
    }
    if let Some(attr) = attrs.iter().find(|attr| is_attr(attr, this)) {
        return Err(syn::Error::new_spanned(
            attr,
            format!(
                "`#[{this}]` is applied twice to this item: remove one (twice would put two \
                 yield points in every loop)"
            ),
        ));
    }
    Ok(())
}

/// Dispatches on the item: fns are transformed, `impl` and `trait` blocks and inline modules
/// have each eligible fn transformed, anything else is an error on the item's keyword.
fn apply(item: &mut Item, attr: &str, action: Action<'_>) -> syn::Result<()> {
    let mut errors = None;
    let found = apply_in(item, attr, action, &mut errors, true)?;
    if let Some(errors) = errors {
        return Err(errors);
    }
    if found {
        return Ok(());
    }
    let (span, what) = match item {
        Item::Fn(f) => (f.sig.fn_token.span, "here"),
        Item::Impl(block) => (block.impl_token.span, "in this `impl` block"),
        Item::Trait(block) => (block.trait_token.span, "in this trait"),
        Item::Mod(module) => (module.mod_token.span, "in this module"),
        other => (other.span(), "here"),
    };
    Err(syn::Error::new(
        span,
        format!(
            "`#[{attr}]` found no async code {what}: it applies to an `async fn`, or to a fn \
             whose body holds async blocks or async closures"
        ),
    ))
}

/// Applies to one item; `Ok(true)` when it holds async code. `top` is the annotated item
/// itself: items nested in a module that the attribute does not apply to are left alone.
fn apply_in(
    item: &mut Item,
    attr: &str,
    action: Action<'_>,
    errors: &mut Option<syn::Error>,
    top: bool,
) -> syn::Result<bool> {
    match item {
        Item::Fn(f) => {
            if let Some(const_token) = f.sig.constness {
                if top {
                    return Err(syn::Error::new(
                        const_token.span,
                        format!("`#[{attr}]` cannot apply to a `const fn`: it cannot await"),
                    ));
                }
                return Ok(false);
            }
            if !top && has_own_attribute(&f.attrs) {
                return Ok(true);
            }
            collect(errors, transform_fn(&mut f.sig, &mut f.block, action))
        }
        Item::Impl(block) => {
            if !top && has_own_attribute(&block.attrs) {
                return Ok(true);
            }
            let mut found = false;
            for item in &mut block.items {
                if let ImplItem::Fn(f) = item {
                    if has_own_attribute(&f.attrs) {
                        found = true;
                    } else if f.sig.constness.is_none() {
                        found |= collect(errors, transform_fn(&mut f.sig, &mut f.block, action))?;
                    }
                }
            }
            Ok(found)
        }
        Item::Trait(block) => {
            if !top && has_own_attribute(&block.attrs) {
                return Ok(true);
            }
            let mut found = false;
            for item in &mut block.items {
                if let TraitItem::Fn(f) = item {
                    if has_own_attribute(&f.attrs) {
                        found = true;
                    } else if f.sig.constness.is_none()
                        && let Some(body) = &mut f.default
                    {
                        found |= collect(errors, transform_fn(&mut f.sig, body, action))?;
                    }
                }
            }
            Ok(found)
        }
        Item::Mod(module) => {
            if !top && has_own_attribute(&module.attrs) {
                return Ok(true);
            }
            let Some((_, items)) = &mut module.content else {
                return Err(syn::Error::new(
                    module.semi.map_or(module.ident.span(), |semi| semi.span),
                    format!(
                        "`#[{attr}]` cannot reach the items of an out-of-line module (`mod \
                         name;`): on stable Rust an attribute sees only the tokens it is written \
                         on. Put `#[{attr}]` on the items in that file, or write the module \
                         inline (`mod name {{ .. }}`)"
                    ),
                ));
            };
            let mut found = false;
            for item in items {
                found |= apply_in(item, attr, action, errors, false)?;
            }
            Ok(found)
        }
        Item::Verbatim(tokens) if top => {
            if let Ok(f) = syn::parse2::<syn::TraitItemFn>(tokens.clone())
                && let (None, Some(semi)) = (&f.default, f.semi_token)
            {
                return Err(syn::Error::new(
                    semi.span,
                    format!(
                        "`#[{attr}]` needs a fn body: put it on the trait method's default \
                         body or on each impl's method"
                    ),
                ));
            }
            if let Ok(semi) = syn::parse::Parser::parse2(fn_without_body, tokens.clone()) {
                return Err(syn::Error::new(
                    semi.span,
                    format!("`#[{attr}]` needs a fn body: this fn has none"),
                ));
            }
            Err(unsupported_item(attr, item_keyword_span(item)))
        }
        _ if top => Err(unsupported_item(attr, item_keyword_span(item))),
        _ => Ok(false),
    }
}

/// `pub async fn f();`: a signature and a `;`, which syn keeps as verbatim tokens.
fn fn_without_body(input: syn::parse::ParseStream<'_>) -> syn::Result<syn::Token![;]> {
    input.call(syn::Attribute::parse_outer)?;
    input.parse::<syn::Visibility>()?;
    input.parse::<Signature>()?;
    input.parse()
}

/// Keeps going after a fn's errors, so every fn of a block reports at once.
fn collect(errors: &mut Option<syn::Error>, result: syn::Result<bool>) -> syn::Result<bool> {
    match result {
        Ok(found) => Ok(found),
        Err(error) => {
            combine(errors, error);
            Ok(true)
        }
    }
}

fn unsupported_item(attr: &str, span: Span) -> syn::Error {
    syn::Error::new(
        span,
        format!(
            "`#[{attr}]` applies to an `async fn`, a fn whose body holds async blocks or async \
             closures, an `impl` or `trait` block, or an inline module"
        ),
    )
}

/// An item inside a block or module with `#[cooperative]`/`#[unconstrained]` of its own: its
/// own attribute decides, and expands after the block's.
fn has_own_attribute(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .any(|attr| is_attr(attr, "cooperative") || is_attr(attr, "unconstrained"))
}

/// Transforms one fn body; `Ok(false)` when the fn holds no async code at all.
fn transform_fn(sig: &mut Signature, block: &mut Block, action: Action<'_>) -> syn::Result<bool> {
    let is_async = sig.asyncness.is_some();
    let walked = match (action, sig.asyncness) {
        (Action::Unconstrain(krate), Some(async_token)) => {
            let walked = walk_fn_body(block, true, None, Action::StripMarkers);
            if walked.errors.is_none() {
                unconstrain::async_fn(krate, async_token.span, sig, block);
            }
            walked
        }
        _ => walk_fn_body(block, is_async, Some(&sig.ident), action),
    };
    match walked.errors {
        Some(errors) => Err(errors),
        None => Ok(is_async || walked.found_async_code),
    }
}

/// The span of the keyword that says what kind of item this is, for "does not apply" errors.
fn item_keyword_span(item: &Item) -> Span {
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
