//! The code that puts a yield point in a loop: at the head of the body, or, for a `while let`,
//! before the condition (the loop rewritten as rustc lowers it). Where one goes and where none
//! does is stated once, in the docs of `#[cooperative]` ("Where the yield point goes" in
//! `lib.rs`); coop-analysis decides it for each loop.
//!
//! A loop whose iterations cannot suspend or reach another yield point is strip-mined instead
//! (see `strip`): the same yield point, in the same order with the loop's own steps, spending
//! from a local batch.

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::visit::{self, Visit};
use syn::{Block, Expr, ExprLoop, ExprWhile, Ident, Path, Stmt, Token, token};

use crate::attrs::{glue, relocate};

// Input:  (the loop keyword's span, the enclosing fn's name)
// Output: `#krate::__private::yield_point!(fn_name, file!(), line!(), column!());` (paths
//         `::core::…`), or, when enclosing loops carry `#[cfg_attr(pred, unconstrained)]`,
//         `if !::core::cfg!(any(pred, ..)) { #krate::__private::yield_point!(..); }`
//
// The whole invocation is at the keyword: rustc names a macro call by its joined span, so a
// non-`Send` note says "await occurs here" on the loop keyword. The site's `file!()`, `line!()`
// and `column!()` carry the keyword's own span, without the attribute's hygiene: those macros
// report the outermost macro call their span comes from, which for glued tokens is the
// attribute, and for these the keyword. The fn's name keeps the user's span.
//
// With a batch (see `strip`): `yield_point!(in __coop_batch; fn_name, ..)`.
pub(crate) fn yield_point(
    krate: &Path,
    keyword: Span,
    function: Option<&Ident>,
    cfg_opt_outs: &[TokenStream],
    batch: Option<&Ident>,
) -> Stmt {
    let krate = relocate(krate, keyword);
    let span = glue(keyword);
    let site = function.map(|function| {
        quote_spanned! {keyword=>
            #function, ::core::file!(), ::core::line!(), ::core::column!()
        }
    });
    let args = match (batch, site) {
        (Some(batch), Some(site)) => quote_spanned! {span=> in #batch; #site },
        (Some(batch), None) => quote_spanned! {span=> in #batch },
        (None, site) => quote::quote! { #site },
    };
    let call = quote_spanned! {span=> #krate::__private::yield_point!(#args); };
    let tokens = if cfg_opt_outs.is_empty() {
        call
    } else {
        quote_spanned! {span=>
            if !::core::cfg!(any(#(#cfg_opt_outs),*)) {
                #call
            }
        }
    };
    syn::parse2(tokens).expect("a yield point is a statement")
}

/// Inserts `yield_point` as the first statement of `body`.
pub(crate) fn insert_at_head(body: &mut Block, yield_point: Stmt) {
    body.stmts.insert(0, yield_point);
}

/// Whether `expr` is a `while` whose condition holds an unlabeled `break` or `continue` of its
/// own (not of a loop, closure, async block or item inside it).
pub(crate) fn condition_jumps_unlabeled(expr: &Expr) -> bool {
    struct Find(bool);
    impl<'ast> Visit<'ast> for Find {
        fn visit_expr_break(&mut self, e: &'ast syn::ExprBreak) {
            self.0 |= e.label.is_none();
            visit::visit_expr_break(self, e);
        }
        fn visit_expr_continue(&mut self, e: &'ast syn::ExprContinue) {
            self.0 |= e.label.is_none();
        }
        fn visit_expr_loop(&mut self, _: &'ast ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'ast ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let Expr::While(e) = expr else {
        return false;
    };
    let mut find = Find(false);
    find.visit_expr(&e.cond);
    find.0
}

// Input:  `#attrs 'label: while cond { body }`
// Output: `#attrs 'label: loop { #yield_point if cond { body } else { break } }`
pub(crate) fn yield_before_condition(expr: ExprWhile, yield_point: Stmt) -> Expr {
    let span = glue(expr.while_token.span);
    let ExprWhile {
        attrs,
        label,
        cond,
        body,
        ..
    } = expr;
    let break_expr = Expr::Break(syn::ExprBreak {
        attrs: Vec::new(),
        break_token: Token![break](span),
        label: None,
        expr: None,
    });
    let otherwise = Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: Block {
            brace_token: token::Brace(span),
            stmts: vec![Stmt::Expr(break_expr, None)],
        },
    });
    let branch = Expr::If(syn::ExprIf {
        attrs: Vec::new(),
        if_token: Token![if](span),
        cond,
        then_branch: body,
        else_branch: Some((Token![else](span), Box::new(otherwise))),
    });
    Expr::Loop(ExprLoop {
        attrs,
        label,
        loop_token: Token![loop](span),
        body: Block {
            brace_token: token::Brace(span),
            stmts: vec![yield_point, Stmt::Expr(branch, None)],
        },
    })
}

// Input:  a `check` finding, and the predicates `p, ..` where it does not stand (the loop's
//         `cfg_attr` markers', its `#[cfg]`'d `.await`s')
// Output: `#[cfg(not(any(p, ..)))] ::core::compile_error! { .. }` at the head of the loop body,
//         one per message, spanned where the finding is (without predicates, no `cfg`: the
//         loop itself is under one)
pub(crate) fn report_unless(expr: &mut Expr, preds: &[TokenStream], finding: syn::Error) -> bool {
    let body = match expr {
        Expr::Loop(e) => &mut e.body,
        Expr::While(e) => &mut e.body,
        Expr::ForLoop(e) => &mut e.body,
        _ => return false,
    };
    let statements: TokenStream = finding
        .into_iter()
        .map(|message| {
            let error = message.into_compile_error();
            if preds.is_empty() {
                error
            } else {
                quote::quote! { #[cfg(not(any(#(#preds),*)))] #error }
            }
        })
        .collect();
    prepend(body, statements)
}

/// `finding` raised from the first statements of `body`: where the block is compiled, and not
/// where a `#[cfg]` removes it. `false` if it could not be put there.
pub(crate) fn report_in(body: &mut Block, finding: &syn::Error) -> bool {
    prepend(body, finding.to_compile_error())
}

/// `statements` at the start of `body`; `false` if they are not statements.
fn prepend(body: &mut Block, statements: TokenStream) -> bool {
    match syn::parse::Parser::parse2(Block::parse_within, statements) {
        Ok(stmts) => {
            body.stmts.splice(0..0, stmts);
            true
        }
        Err(_) => false,
    }
}
