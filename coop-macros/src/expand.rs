//! Item dispatch of `#[cooperative]` and `#[unconstrained]`: which items they apply to, what
//! each shape becomes, and the error path that still emits the item.

use coop_analysis::lints::FindingKind;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Block, Item, Signature};

use crate::args::{CooperativeArgs, UnconstrainedArgs};
use crate::attrs::CoopAttr;
use crate::error::{combine, with_item};
use crate::items::{self, Reached};
use crate::unconstrain;
use crate::walk::{Action, param_markers, strip_markers, walk_fn_body};

/// `#[cooperative(args)] item`.
pub(crate) fn cooperative(args: TokenStream, item: TokenStream) -> TokenStream {
    expansion(CoopAttr::Cooperative, args, item).into_token_stream()
}

/// `#[unconstrained(args)] item`.
pub(crate) fn unconstrained(args: TokenStream, item: TokenStream) -> TokenStream {
    expansion(CoopAttr::Unconstrained, args, item).into_token_stream()
}

/// What an attribute emits.
pub(crate) enum Expansion {
    /// The item rewritten, for builds, and the item as written, for clippy (see [`expand`]).
    Twinned {
        written: Box<Item>,
        rewritten: Box<Item>,
    },
    /// Anything else: the item (rewritten or not), or an error and what is left of the input.
    Tokens(TokenStream),
}

impl ToTokens for Expansion {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Expansion::Twinned { written, rewritten } => tokens.extend(quote::quote! {
                #[cfg(clippy)]
                #written
                #[cfg(not(clippy))]
                #rewritten
            }),
            Expansion::Tokens(expanded) => expanded.to_tokens(tokens),
        }
    }
}

/// `#[attr(args)] item`.
pub(crate) fn expansion(attr: CoopAttr, args: TokenStream, item: TokenStream) -> Expansion {
    if written_as_key_value() {
        return Expansion::Tokens(item_unchanged(item));
    }
    match attr {
        CoopAttr::Cooperative => expand(attr, item, |item| {
            let args: CooperativeArgs = syn::parse2(args)?;
            reject_stacking(item, attr)?;
            if args.check {
                // The lint rewrites nothing but its findings on loops under `#[cfg]`, which it
                // writes into their bodies (a `#[cfg]` that removes the loop removes its
                // finding): the item it checked goes out with its other findings, or those
                // would be lost until the others are fixed.
                apply(item, attr, Action::Check(&args.krate)).map_err(Failed::keeping_item)?;
                return Ok(false);
            }
            apply(item, attr, Action::InsertYieldPoints(&args.krate))?;
            Ok(true)
        }),
        CoopAttr::Unconstrained => expand(attr, item, |item| {
            let args: UnconstrainedArgs = syn::parse2(args)?;
            reject_stacking(item, attr)?;
            apply(item, attr, Action::Unconstrain(&args.krate))?;
            Ok(true)
        }),
    }
}

/// Why `transform` failed: the error, and whether the item it worked on goes out with it in
/// place of the original (less its loop markers).
struct Failed {
    error: syn::Error,
    keep_item: bool,
}

impl Failed {
    /// The item `transform` worked on goes out with the error.
    fn keeping_item(error: syn::Error) -> Failed {
        Failed {
            error,
            keep_item: true,
        }
    }
}

impl From<syn::Error> for Failed {
    fn from(error: syn::Error) -> Failed {
        Failed {
            error,
            keep_item: false,
        }
    }
}

/// Parses the item, rewrites a copy with `transform`, and on error emits the error and the
/// original item (less its loop markers) instead, or the copy where the failure says so.
///
/// When `transform` rewrote the item (`Ok(true)`), the item as written is emitted too, under
/// `#[cfg(clippy)]`, and the rewrite under `#[cfg(not(clippy))]`: clippy then lints exactly
/// the user's code, as if the attribute were not there. Its loop lints (`manual_memcpy`,
/// `while_let_on_iterator`, ...) look at loop bodies a yield point would change, and an
/// `#[expect]` for one of them must stay fulfilled. A build type-checks the rewrite; clippy
/// type-checks the original.
fn expand(
    attr: CoopAttr,
    item: TokenStream,
    transform: impl FnOnce(&mut Item) -> Result<bool, Failed>,
) -> Expansion {
    // Parsing and rewriting recurse once per nesting level, on the compiler's stack: an item
    // nested deeper than any written by hand is refused with an error, not a crash, and kept.
    if let Some(group) = nested_deeper_than(&item, MAX_NESTING) {
        let message = format!(
            "`#[{attr}]` reads items nested at most {MAX_NESTING} brackets, braces or \
             parentheses deep, and this one nests deeper here: split it into smaller fns, or \
             remove the attribute"
        );
        let mut tokens = syn::Error::new(group, message).into_compile_error();
        tokens.extend(item);
        return Expansion::Tokens(tokens);
    }
    let original: Item = match syn::parse2(item.clone()) {
        Ok(original) => original,
        // A loop marker outside a `#[cooperative]` item reaches rustc's attribute-on-expression
        // errors, which never say where the marker works: one error of ours says it, and the
        // loop is kept as an expression.
        Err(_) if syn::parse2::<syn::Expr>(item.clone()).is_ok() || is_statement(&item) => {
            let message = if is_loop(&item) && attr == CoopAttr::Unconstrained {
                // In `cargo coop check`'s words, with the help that fits any fn it may be in.
                format!(
                    "{}; put `#[cooperative]` on the enclosing async fn (or impl block, or \
                     module; a fn nested in one, or the tokens of a macro of your own, are not \
                     read), or remove the marker",
                    FindingKind::StrayLoopMarker(None).title()
                )
            } else {
                format!(
                    "`#[{attr}]` applies to items (an async fn, an impl or trait block, a \
                     module), not to expressions or statements: put it on the enclosing fn"
                )
            };
            let error = syn::Error::new(Span::call_site(), message).into_compile_error();
            return Expansion::Tokens(if syn::parse2::<syn::Expr>(item.clone()).is_ok() {
                quote::quote! { { #error #item } }
            } else {
                quote::quote! { #error #item }
            });
        }
        // Not an item syn knows: rustc reports the syntax error on the tokens themselves.
        Err(error) => {
            let mut tokens = error.into_compile_error();
            tokens.extend(item);
            return Expansion::Tokens(tokens);
        }
    };
    // Parsed again rather than cloned: a derived `Clone` recurses once per nesting level of the
    // user's expressions, which overflows the compiler's stack long before parsing does.
    let Ok(mut expanded) = syn::parse2::<Item>(item.clone()) else {
        return Expansion::Tokens(original.into_token_stream());
    };
    let mut original = original;
    match transform(&mut expanded) {
        Ok(false) => Expansion::Tokens(expanded.into_token_stream()),
        Ok(true) => {
            strip_markers(&mut original);
            Expansion::Twinned {
                written: Box::new(original),
                rewritten: Box::new(expanded),
            }
        }
        Err(Failed {
            error,
            keep_item: true,
        }) => {
            // A failure before the walk reached every fn left some markers on.
            strip_markers(&mut expanded);
            Expansion::Tokens(with_item(error, &expanded))
        }
        Err(Failed { error, .. }) => {
            strip_markers(&mut original);
            Expansion::Tokens(with_item(error, &original))
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

/// How deep an item's groups may nest (`{ { .. } }`, `f(g(..))`, `[[..]]`): deeper than code
/// written by hand, and far enough from where the compiler's stack ends (a debug build of this
/// crate overflowed it at about 450 nested blocks).
const MAX_NESTING: usize = 128;

/// The span of the first group of `tokens` nested more than `limit` deep, found without
/// recursion.
fn nested_deeper_than(tokens: &TokenStream, limit: usize) -> Option<Span> {
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(proc_macro2::TokenTree::Group(group)) => {
                if stack.len() > limit {
                    return Some(group.span_open());
                }
                stack.push(group.stream().into_iter());
            }
            Some(_) => {}
            None => {
                stack.pop();
            }
        }
    }
    None
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
/// it expands next on its own and succeeds, so the misuse is reported once. The rule and its
/// words are coop-analysis's, which `cargo coop` reports with.
fn reject_stacking(item: &mut Item, this: CoopAttr) -> syn::Result<()> {
    let Some(attrs) = items::attrs_mut(item) else {
        return Ok(());
    };
    match coop_analysis::stacked(this, attrs) {
        Some((attr, why)) => Err(syn::Error::new_spanned(attr, why.title())),
        None => Ok(()),
    }
}

/// Dispatches on the item: fns are transformed, `impl` and `trait` blocks and inline modules
/// have each eligible fn transformed, anything else is an error on the item's keyword.
fn apply(item: &mut Item, attr: CoopAttr, action: Action<'_>) -> syn::Result<()> {
    reject_unsupported(item, attr)?;
    let mut errors = None;
    let mut found = false;
    items::for_each_fn(item, &mut |reached| {
        match reached {
            // Only a nested one: the annotated `const fn` itself is rejected above. It gets no
            // yield points, but its loop markers are read as anywhere the attribute reaches.
            Reached::Fn(sig, block, _) if sig.constness.is_some() => {
                let params = param_markers(sig);
                let walked = walk_fn_body(block, false, None, Action::StripMarkers);
                for error in params.into_iter().chain(walked.errors) {
                    combine(&mut errors, error);
                }
            }
            // Keeps going after a fn's errors, so every fn of a block reports at once.
            Reached::Fn(sig, block, configured) => match transform_fn(sig, block, action) {
                Ok(async_code) => found |= async_code,
                Err(error) => {
                    found = true;
                    // The lint's findings in a fn a `#[cfg]` may remove go in its body, so that
                    // they go with it (its loops under a `#[cfg]` of their own do the same).
                    let in_body = configured
                        && matches!(action, Action::Check(_))
                        && crate::loops::report_in(block, &error);
                    if !in_body {
                        combine(&mut errors, error);
                    }
                }
            },
            // Its fns are out of reach: `check` reports the loops it would have instrumented
            // there, as the tool does; the others get no yield point and no word (a proc macro
            // has no warnings), as a loop in an unknown macro in a body.
            Reached::MacroCall(mac, list) => {
                if let Action::Check(krate) = action {
                    let own = |attrs: &[syn::Attribute]| CoopAttr::any_in(attrs);
                    for out in coop_analysis::loops_out_of_reach(mac, list, &own) {
                        combine(&mut errors, crate::error::loop_out_of_reach(&out, krate));
                    }
                }
            }
            Reached::OwnAttribute => found = true,
            Reached::OutOfLineModule(module) => {
                return Err(syn::Error::new(
                    module.semi.map_or(module.ident.span(), |semi| semi.span),
                    FindingKind::OutOfLineModule(attr).title(),
                ));
            }
        }
        Ok(())
    })?;
    if let Some(errors) = errors {
        return Err(errors);
    }
    if found {
        return Ok(());
    }
    let (span, searched) = items::searched(item);
    Err(syn::Error::new(
        span,
        FindingKind::NoAsyncCode(attr, searched).title(),
    ))
}

/// The annotated item is of a shape the attribute applies to, and not a `const fn`. The rule
/// and its words are coop-analysis's, which `cargo coop` reports with.
fn reject_unsupported(item: &Item, attr: CoopAttr) -> syn::Result<()> {
    match coop_analysis::unsupported(attr, item) {
        Some((span, why)) => Err(syn::Error::new(span, why.title())),
        None => Ok(()),
    }
}

/// Transforms one fn body; `Ok(false)` when the fn holds no async code at all.
fn transform_fn(sig: &mut Signature, block: &mut Block, action: Action<'_>) -> syn::Result<bool> {
    let is_async = sig.asyncness.is_some();
    let mut errors = param_markers(sig);
    let walked = match (action, sig.asyncness) {
        (Action::Unconstrain(krate), Some(async_token)) => {
            let walked = walk_fn_body(block, true, None, Action::StripMarkers);
            if walked.errors.is_none() && errors.is_none() {
                unconstrain::async_fn(krate, async_token.span, sig, block);
            }
            walked
        }
        _ => walk_fn_body(block, is_async, Some(&sig.ident), action),
    };
    if let Some(found) = walked.errors {
        combine(&mut errors, found);
    }
    match errors {
        Some(errors) => Err(errors),
        None => Ok(is_async || walked.found_async_code),
    }
}
