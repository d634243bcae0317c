//! The marker grammar: `#[unconstrained]` and `#[cfg_attr(pred, .., unconstrained, ..)]` (nested
//! `cfg_attr`s included), read and removed from an attribute list. rustc rejects attributes it
//! does not know on expressions, so every marker the walker meets is taken out of the tree: on a
//! loop it opts the loop out, anywhere else it is reported.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, FnArg, Meta, Pat, Signature, Token};

use crate::attr::is_attr;
use crate::cfg_attr;

/// A loop's `#[unconstrained]` marker, as written.
pub(crate) enum Marker {
    None,
    Always,
    /// `#[cfg_attr(pred, unconstrained)]`: the predicate.
    When(TokenStream),
}

/// What [`take_loop_markers`] took from a loop's attributes.
pub(crate) struct LoopMarkers {
    pub(crate) marker: Marker,
    /// How many attributes were removed or rewritten.
    pub(crate) changed: usize,
    /// Markers written with arguments (they take none); removed all the same.
    pub(crate) with_arguments: Vec<Span>,
}

/// Removes every `#[unconstrained]` from a loop's attributes, also inside `cfg_attr`. A marker
/// with arguments is reported, and still removed.
pub(crate) fn take_loop_markers(attrs: &mut Vec<Attribute>) -> LoopMarkers {
    let mut taken = LoopMarkers {
        marker: Marker::None,
        changed: 0,
        with_arguments: Vec::new(),
    };
    if !attrs
        .iter()
        .any(|attr| is_attr(attr, "unconstrained") || attr.path().is_ident("cfg_attr"))
    {
        return taken;
    }
    let mut kept = Vec::with_capacity(attrs.len());
    for mut attr in attrs.drain(..) {
        if is_attr(&attr, "unconstrained") && !is_attr(&attr, "cfg_attr") {
            if let Err(err) = attr.meta.require_path_only() {
                taken.with_arguments.push(err.span());
            }
            taken.marker = Marker::Always;
            taken.changed += 1;
            continue;
        }
        if attr.path().is_ident("cfg_attr") {
            match strip_cfg_attr_marker(&mut attr.meta, &mut taken.with_arguments) {
                CfgMarker::NotFound => {}
                CfgMarker::Found {
                    pred, now_empty, ..
                } => {
                    taken.changed += 1;
                    // Opted out where any of the loop's markers applies.
                    taken.marker = match std::mem::replace(&mut taken.marker, Marker::None) {
                        Marker::Always => Marker::Always,
                        Marker::None => Marker::When(pred),
                        Marker::When(earlier) => Marker::When(quote::quote!(any(#earlier, #pred))),
                    };
                    if now_empty {
                        continue;
                    }
                }
            }
        }
        kept.push(attr);
    }
    *attrs = kept;
    taken
}

/// Removes the markers from the attributes of anything but a loop, and returns where each one
/// stood, so that it is reported and rustc adds no errors of its own about attributes on
/// expressions.
pub(crate) fn take_stray_markers(attrs: &mut Vec<Attribute>) -> Vec<Span> {
    let mut rejected = Vec::new();
    if !attrs
        .iter()
        .any(|attr| is_attr(attr, "unconstrained") || attr.path().is_ident("cfg_attr"))
    {
        return rejected;
    }
    let mut with_arguments = Vec::new();
    attrs.retain_mut(|attr| {
        if attr.path().is_ident("cfg_attr") {
            return match strip_cfg_attr_marker(&mut attr.meta, &mut with_arguments) {
                CfgMarker::NotFound => true,
                CfgMarker::Found {
                    now_empty,
                    pred,
                    marker,
                } => {
                    // Under a predicate that fails in every build (`any()`), rustc removes it
                    // everywhere: nothing is misused.
                    if cfg_attr::holds(&pred) != Some(false) {
                        rejected.push(marker);
                    }
                    !now_empty
                }
            };
        }
        if is_attr(attr, "unconstrained") {
            let name = attr
                .path()
                .segments
                .last()
                .map(|segment| segment.ident.span());
            rejected.push(name.unwrap_or_else(|| attr.span()));
            return false;
        }
        true
    });
    rejected
}

enum CfgMarker {
    NotFound,
    /// `pred`: the predicate under which the marker applies; `marker`: its name's span.
    Found {
        pred: TokenStream,
        now_empty: bool,
        marker: Span,
    },
}

/// Takes `unconstrained` out of `cfg_attr(pred, a, unconstrained, b)` (nested `cfg_attr`s
/// included, their predicates joined with `all`). `now_empty`: nothing is left to apply.
fn strip_cfg_attr_marker(meta: &mut Meta, with_arguments: &mut Vec<Span>) -> CfgMarker {
    let Meta::List(list) = meta else {
        return CfgMarker::NotFound;
    };
    // The predicate is read as tokens (`true` and `false` are no `Meta`), the rest as attributes.
    let mut args = cfg_attr::comma_separated(&list.tokens).into_iter();
    let Some(pred) = args.next().filter(|pred| !pred.is_empty()) else {
        return CfgMarker::NotFound;
    };
    let attrs: TokenStream = args.flat_map(|arg| quote::quote!(#arg,)).collect();
    let Ok(parts) = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attrs) else {
        return CfgMarker::NotFound;
    };
    let mut found: Option<(TokenStream, Span)> = None;
    let mut rest = Punctuated::<Meta, Token![,]>::new();
    for mut part in parts {
        if let Some(name) = part
            .path()
            .segments
            .last()
            .filter(|s| s.ident == "unconstrained")
        {
            let name = name.ident.span();
            if let Err(err) = part.require_path_only() {
                with_arguments.push(err.span());
            }
            found = Some((pred.clone(), name));
            continue;
        }
        if part.path().is_ident("cfg_attr")
            && let CfgMarker::Found {
                pred: inner,
                now_empty,
                marker,
            } = strip_cfg_attr_marker(&mut part, with_arguments)
        {
            found = Some((quote::quote!(all(#pred, #inner)), marker));
            if now_empty {
                continue;
            }
        }
        rest.push(part);
    }
    let Some((found, marker)) = found else {
        return CfgMarker::NotFound;
    };
    let now_empty = rest.is_empty();
    list.tokens = quote::quote!(#pred, #rest);
    CfgMarker::Found {
        pred: found,
        now_empty,
        marker,
    }
}

/// The attributes of expressions that are not loops (loops take markers).
pub(crate) fn non_loop_attrs(expr: &mut Expr) -> Option<&mut Vec<Attribute>> {
    // Every expression but the loops: a marker may sit on any of them (syn puts a statement's
    // `#[attr] a = b` or `#[attr] a + b` on its first operand, `a`).
    match expr {
        Expr::Array(e) => Some(&mut e.attrs),
        Expr::Assign(e) => Some(&mut e.attrs),
        Expr::Async(e) => Some(&mut e.attrs),
        Expr::Await(e) => Some(&mut e.attrs),
        Expr::Binary(e) => Some(&mut e.attrs),
        Expr::Block(e) => Some(&mut e.attrs),
        Expr::Break(e) => Some(&mut e.attrs),
        Expr::Call(e) => Some(&mut e.attrs),
        Expr::Cast(e) => Some(&mut e.attrs),
        Expr::Closure(e) => Some(&mut e.attrs),
        Expr::Const(e) => Some(&mut e.attrs),
        Expr::Continue(e) => Some(&mut e.attrs),
        Expr::Field(e) => Some(&mut e.attrs),
        Expr::Group(e) => Some(&mut e.attrs),
        Expr::If(e) => Some(&mut e.attrs),
        Expr::Index(e) => Some(&mut e.attrs),
        Expr::Infer(e) => Some(&mut e.attrs),
        Expr::Let(e) => Some(&mut e.attrs),
        Expr::Lit(e) => Some(&mut e.attrs),
        Expr::Macro(e) => Some(&mut e.attrs),
        Expr::Match(e) => Some(&mut e.attrs),
        Expr::MethodCall(e) => Some(&mut e.attrs),
        Expr::Paren(e) => Some(&mut e.attrs),
        Expr::Path(e) => Some(&mut e.attrs),
        Expr::Range(e) => Some(&mut e.attrs),
        Expr::RawAddr(e) => Some(&mut e.attrs),
        Expr::Reference(e) => Some(&mut e.attrs),
        Expr::Repeat(e) => Some(&mut e.attrs),
        Expr::Return(e) => Some(&mut e.attrs),
        Expr::Struct(e) => Some(&mut e.attrs),
        Expr::Try(e) => Some(&mut e.attrs),
        Expr::TryBlock(e) => Some(&mut e.attrs),
        Expr::Tuple(e) => Some(&mut e.attrs),
        Expr::Unary(e) => Some(&mut e.attrs),
        Expr::Unsafe(e) => Some(&mut e.attrs),
        Expr::Yield(e) => Some(&mut e.attrs),
        _ => None,
    }
}

/// The attributes of a pattern: a closure's parameters carry theirs on their pattern.
pub(crate) fn pat_attrs(pat: &mut Pat) -> Option<&mut Vec<Attribute>> {
    match pat {
        Pat::Const(p) => Some(&mut p.attrs),
        Pat::Ident(p) => Some(&mut p.attrs),
        Pat::Lit(p) => Some(&mut p.attrs),
        Pat::Macro(p) => Some(&mut p.attrs),
        Pat::Or(p) => Some(&mut p.attrs),
        Pat::Paren(p) => Some(&mut p.attrs),
        Pat::Path(p) => Some(&mut p.attrs),
        Pat::Range(p) => Some(&mut p.attrs),
        Pat::Reference(p) => Some(&mut p.attrs),
        Pat::Rest(p) => Some(&mut p.attrs),
        Pat::Slice(p) => Some(&mut p.attrs),
        Pat::Struct(p) => Some(&mut p.attrs),
        Pat::Tuple(p) => Some(&mut p.attrs),
        Pat::TupleStruct(p) => Some(&mut p.attrs),
        Pat::Type(p) => Some(&mut p.attrs),
        Pat::Wild(p) => Some(&mut p.attrs),
        _ => None,
    }
}

/// Removes the markers from a fn's parameters (`fn f(#[unconstrained] x: u8)`, `self`
/// included) and returns where each one stood: a marker opts a loop out, and rustc rejects an
/// attribute macro on a parameter with words of its own.
pub(crate) fn take_param_markers(sig: &mut Signature) -> Vec<Span> {
    let mut rejected = Vec::new();
    for input in &mut sig.inputs {
        // A parameter under a `cfg` that fails in every build is not there.
        let attrs = match input {
            FnArg::Receiver(receiver) => &receiver.attrs,
            FnArg::Typed(typed) => &typed.attrs,
        };
        if crate::cfgs::never_compiled(attrs) {
            continue;
        }
        match input {
            FnArg::Receiver(receiver) => rejected.extend(take_stray_markers(&mut receiver.attrs)),
            FnArg::Typed(typed) => {
                rejected.extend(take_stray_markers(&mut typed.attrs));
                if let Some(attrs) = pat_attrs(&mut typed.pat) {
                    rejected.extend(take_stray_markers(attrs));
                }
            }
        }
    }
    rejected
}
