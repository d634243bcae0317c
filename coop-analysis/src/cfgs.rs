//! `#[cfg(pred)]` inside a fn body: the code it removes where `pred` does not hold. The
//! predicates are never evaluated here; `check` hands them to the compiler, which does.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Expr, Stmt};

use crate::cfg_attr;

/// The predicate under which code carrying `attrs` is compiled: each `#[cfg(pred)]` among
/// them (and each `cfg` a `#[cfg_attr(outer, cfg(pred))]` applies, which holds where `outer`
/// does not or `pred` does), all together. `None`: no `cfg`, the code is always there.
pub(crate) fn compiled_when(attrs: &[Attribute]) -> Option<TokenStream> {
    let mut preds = Vec::new();
    for attr in attrs {
        for (outer, applied) in cfg_attr::applied(attr) {
            if !applied.path().is_ident("cfg") {
                continue;
            }
            let Ok(pred) = applied.parse_args::<TokenStream>() else {
                continue;
            };
            preds.push(if outer.is_empty() {
                pred
            } else {
                quote!(any(not(#outer), #pred))
            });
        }
    }
    match preds.len() {
        0 => None,
        1 => preds.pop(),
        _ => Some(quote!(all(#(#preds),*))),
    }
}

/// Whether code carrying `attrs` is removed in every build: a `#[cfg]` among them (written
/// directly or through `cfg_attr`) whose predicate fails whatever the configuration.
///
/// ```
/// use coop_analysis::never_compiled;
///
/// let f: syn::ItemFn = syn::parse_quote!(#[cfg(any())] fn f() {});
/// assert!(never_compiled(&f.attrs));
/// let g: syn::ItemFn = syn::parse_quote!(#[cfg_attr(all(), cfg(false))] fn g() {});
/// assert!(never_compiled(&g.attrs));
/// let h: syn::ItemFn = syn::parse_quote!(#[cfg(test)] fn h() {});
/// assert!(!never_compiled(&h.attrs));
/// ```
pub fn never_compiled(attrs: &[Attribute]) -> bool {
    compiled_when(attrs).is_some_and(|pred| never_holds(&pred))
}

/// Whether `pred` fails whatever the configuration.
pub(crate) fn never_holds(pred: &TokenStream) -> bool {
    cfg_attr::holds(pred) == Some(false)
}

/// A statement's own attributes (an expression statement's are its expression's).
pub(crate) fn stmt_attrs(stmt: &Stmt) -> &[Attribute] {
    match stmt {
        Stmt::Local(local) => &local.attrs,
        Stmt::Macro(mac) => &mac.attrs,
        Stmt::Expr(expr, _) => expr_attrs(expr),
        Stmt::Item(_) => &[],
    }
}

/// Any expression's outer attributes.
pub(crate) fn expr_attrs(expr: &Expr) -> &[Attribute] {
    match expr {
        Expr::Array(e) => &e.attrs,
        Expr::Assign(e) => &e.attrs,
        Expr::Async(e) => &e.attrs,
        Expr::Await(e) => &e.attrs,
        Expr::Binary(e) => &e.attrs,
        Expr::Block(e) => &e.attrs,
        Expr::Break(e) => &e.attrs,
        Expr::Call(e) => &e.attrs,
        Expr::Cast(e) => &e.attrs,
        Expr::Closure(e) => &e.attrs,
        Expr::Const(e) => &e.attrs,
        Expr::Continue(e) => &e.attrs,
        Expr::Field(e) => &e.attrs,
        Expr::ForLoop(e) => &e.attrs,
        Expr::Group(e) => &e.attrs,
        Expr::If(e) => &e.attrs,
        Expr::Index(e) => &e.attrs,
        Expr::Infer(e) => &e.attrs,
        Expr::Let(e) => &e.attrs,
        Expr::Lit(e) => &e.attrs,
        Expr::Loop(e) => &e.attrs,
        Expr::Macro(e) => &e.attrs,
        Expr::Match(e) => &e.attrs,
        Expr::MethodCall(e) => &e.attrs,
        Expr::Paren(e) => &e.attrs,
        Expr::Path(e) => &e.attrs,
        Expr::Range(e) => &e.attrs,
        Expr::RawAddr(e) => &e.attrs,
        Expr::Reference(e) => &e.attrs,
        Expr::Repeat(e) => &e.attrs,
        Expr::Return(e) => &e.attrs,
        Expr::Struct(e) => &e.attrs,
        Expr::Try(e) => &e.attrs,
        Expr::TryBlock(e) => &e.attrs,
        Expr::Tuple(e) => &e.attrs,
        Expr::Unary(e) => &e.attrs,
        Expr::Unsafe(e) => &e.attrs,
        Expr::While(e) => &e.attrs,
        Expr::Yield(e) => &e.attrs,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn when(stmt: Stmt) -> Option<String> {
        compiled_when(stmt_attrs(&stmt)).map(|pred| pred.to_string())
    }

    #[test]
    fn cfgs_on_statements_are_read_and_joined() {
        assert_eq!(
            when(syn::parse_quote!(#[cfg(unix)] x.await;)).as_deref(),
            Some("unix")
        );
        assert_eq!(
            when(syn::parse_quote!(#[cfg(unix)] #[cfg(test)] let x = 1;)).as_deref(),
            Some("all (unix , test)")
        );
        assert_eq!(
            when(syn::parse_quote!(
                #[cfg_attr(unix, cfg(test))]
                for x in y {}
            ))
            .as_deref(),
            Some("any (not (unix) , test)")
        );
        assert_eq!(when(syn::parse_quote!(#[inline] f();)), None);
        assert_eq!(
            when(syn::parse_quote!(#[cfg_attr(unix, inline)] f();)),
            None
        );
    }
}
