//! Item dispatch and code generation of `#[cooperative]` and `#[unconstrained]`: which items
//! they apply to, and what each shape becomes.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Block, ImplItem, Item, Path, ReturnType, Signature, TraitItem, Type};

use crate::args::{CooperativeArgs, UnconstrainedArgs};
use crate::error::{combine, error_with_item, item_attrs};
use crate::visit::{Action, is_attr, respan, walk_fn_body};

/// `#[cooperative(args)] item`.
pub(crate) fn cooperative(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(item, |item| {
        let args: CooperativeArgs = syn::parse2(args)?;
        reject_sibling(item, "cooperative", "unconstrained")?;
        let action = if args.check {
            Action::Check(&args.krate)
        } else {
            Action::InsertYieldPoints(&args.krate)
        };
        apply(item, "cooperative", action)
    })
}

/// `#[unconstrained(args)] item`.
pub(crate) fn unconstrained(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(item, |item| {
        let args: UnconstrainedArgs = syn::parse2(args)?;
        reject_sibling(item, "unconstrained", "cooperative")?;
        apply(item, "unconstrained", Action::Unconstrain(&args.krate))
    })
}

/// Parses the item, rewrites a copy with `transform`, and on error emits the error and the
/// original item instead.
fn expand(item: TokenStream, transform: impl FnOnce(&mut Item) -> syn::Result<()>) -> TokenStream {
    let original: Item = match syn::parse2(item.clone()) {
        Ok(original) => original,
        // Not an item syn knows: rustc reports the syntax error on the tokens themselves.
        Err(error) => {
            let mut tokens = error.into_compile_error();
            tokens.extend(item);
            return tokens;
        }
    };
    let mut expanded = original.clone();
    match transform(&mut expanded) {
        Ok(()) => expanded.into_token_stream(),
        Err(error) => error_with_item(error, original),
    }
}

/// `#[cooperative]` and `#[unconstrained]` on one item contradict each other. Whichever expands
/// first still sees the other among the item's attributes.
fn reject_sibling(item: &mut Item, this: &str, other: &str) -> syn::Result<()> {
    let Some(attrs) = item_attrs(item) else {
        return Ok(());
    };
    match attrs.iter().find(|attr| is_attr(attr, other)) {
        Some(attr) => Err(syn::Error::new_spanned(
            attr,
            format!(
                "`#[{this}]` and `#[{other}]` cannot both apply to one item: `#[cooperative]` \
                 inserts yield points, `#[unconstrained]` switches budgets off"
            ),
        )),
        None => Ok(()),
    }
}

/// Dispatches on the item: fns are transformed, `impl` and `trait` blocks have each eligible
/// fn transformed, anything else is an error on the item's keyword.
fn apply(item: &mut Item, attr: &str, action: Action<'_>) -> syn::Result<()> {
    match item {
        Item::Fn(f) => {
            if let Some(const_token) = f.sig.constness {
                return Err(syn::Error::new(
                    const_token.span,
                    format!("`#[{attr}]` cannot apply to a `const fn`: it cannot await"),
                ));
            }
            let found = transform_fn(&f.sig, &mut f.block, action)?;
            if found {
                Ok(())
            } else {
                Err(syn::Error::new(
                    f.sig.fn_token.span,
                    format!(
                        "`#[{attr}]` found no async code here: it applies to an `async fn`, or \
                         to a fn whose body holds async blocks or async closures"
                    ),
                ))
            }
        }
        Item::Impl(block) => {
            let mut errors = None;
            for item in &mut block.items {
                if let ImplItem::Fn(f) = item
                    && eligible(&f.attrs, &f.sig)
                    && let Err(error) = transform_fn(&f.sig, &mut f.block, action)
                {
                    combine(&mut errors, error);
                }
            }
            errors.map_or(Ok(()), Err)
        }
        Item::Trait(block) => {
            let mut errors = None;
            for item in &mut block.items {
                if let TraitItem::Fn(f) = item
                    && eligible(&f.attrs, &f.sig)
                    && let Some(body) = &mut f.default
                    && let Err(error) = transform_fn(&f.sig, body, action)
                {
                    combine(&mut errors, error);
                }
            }
            errors.map_or(Ok(()), Err)
        }
        Item::Verbatim(tokens) => {
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
            Err(unsupported_item(attr, item_keyword_span(item)))
        }
        _ => Err(unsupported_item(attr, item_keyword_span(item))),
    }
}

fn unsupported_item(attr: &str, span: Span) -> syn::Error {
    syn::Error::new(
        span,
        format!(
            "`#[{attr}]` applies to an `async fn`, a fn whose body holds async blocks or async \
             closures, or an `impl` or `trait` block"
        ),
    )
}

/// An fn inside an `impl`/`trait` block is transformed as if annotated on its own, unless it
/// is a `const fn` or carries `#[cooperative]`/`#[unconstrained]` itself: its own attribute
/// then decides, and expands after the block's.
fn eligible(attrs: &[syn::Attribute], sig: &Signature) -> bool {
    sig.constness.is_none()
        && !attrs
            .iter()
            .any(|attr| is_attr(attr, "cooperative") || is_attr(attr, "unconstrained"))
}

/// Transforms one fn body; `Ok(false)` when the fn holds no async code at all.
fn transform_fn(sig: &Signature, block: &mut Block, action: Action<'_>) -> syn::Result<bool> {
    let is_async = sig.asyncness.is_some();
    let walked = match (action, sig.asyncness) {
        (Action::Unconstrain(krate), Some(async_token)) => {
            let walked = walk_fn_body(block, true, Action::StripMarkers);
            unconstrain_async_body(krate, async_token.span, &sig.output, block);
            walked
        }
        _ => walk_fn_body(block, is_async, action),
    };
    match walked.errors {
        Some(errors) => Err(errors),
        None => Ok(is_async || walked.found_async_code),
    }
}

// Input:  `async fn f(args) -> R { body }`
// Output: `async fn f(args) -> R {
//              #krate::__private::unconstrained(async move {
//                  if false { return ::core::convert::identity::<R>(loop {}); }
//                  { body }
//              }).await
//          }`
//
// The async fn's parameters already live in its future, so an `async move` block that takes
// them keeps `self` receivers and borrowed arguments working. The never-taken `return` (the
// "fake return edge" of tracing's `#[instrument]`) gives the inner block the fn's return type
// up front, so `?` and `return` in the body infer as they did. It binds no local, so there is
// no hidden name for user code to collide with.
fn unconstrain_async_body(krate: &Path, async_span: Span, output: &ReturnType, block: &mut Block) {
    let fake_return_edge = fake_return_edge(output);
    let krate = respan(krate, async_span);
    let body = &*block;
    let wrapped: Block = syn::parse_quote_spanned! {async_span=>
        {
            #krate::__private::unconstrained(async move {
                #fake_return_edge
                #body
            })
            .await
        }
    };
    block.stmts = wrapped.stmts;
}

/// `if false { return ::core::convert::identity::<R>(loop {}); }`, or nothing when `R` is `()`
/// or holds `impl Trait` (which a turbofish cannot name).
fn fake_return_edge(output: &ReturnType) -> Option<TokenStream> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let mut finder = FindImplTrait(false);
    finder.visit_type(ty);
    if finder.0 {
        return None;
    }
    Some(quote_spanned! {ty.span()=>
        #[allow(
            unknown_lints,
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::needless_return,
            clippy::unreachable
        )]
        if false {
            return ::core::convert::identity::<#ty>(loop {});
        }
    })
}

struct FindImplTrait(bool);

impl<'ast> Visit<'ast> for FindImplTrait {
    fn visit_type(&mut self, ty: &'ast Type) {
        match ty {
            Type::ImplTrait(_) => self.0 = true,
            _ => syn::visit::visit_type(self, ty),
        }
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
