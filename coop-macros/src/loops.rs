//! Where a loop's yield point goes, and the code that puts it there.
//!
//! The rule: a yield point sits where no temporary of the loop's own header is alive, and every
//! iteration passes through it once.
//!
//! - `loop { body }` and `for pat in iter { body }`: first statement of the body. A `for` whose
//!   iterator expression leaves a temporary alive gets none (see `temporaries`).
//! - `while cond { body }`: first statement of the body. The condition's temporaries are dropped
//!   before the body runs.
//! - `while let pat = expr { body }`, and let-chains: before the condition, because the
//!   scrutinee's temporaries live through the body. The loop becomes what rustc lowers it to,
//!   `loop { yield; if let pat = expr { body } else { break } }`, keeping its attributes and
//!   label, so `continue`, `break` and `break 'label` go where they went.
//!
//! A loop whose iterations cannot suspend or reach another yield point (no `.await`, no nested
//! loop, no async block or closure, no macro but the standard library's formatting and assertion
//! macros, no attribute) is *batched*: a `Batch` declared before it counts its units in a local
//! (a register), and its yield point reaches the thread's budget only at batch ends. The loop
//! becomes `{ batch!(__coop_batch); loop }`, its yield point
//! `yield_point!(in __coop_batch; ..)` in the same place; the batch settles when the loop is
//! left by any path, as it is dropped.

use proc_macro2::{Span, TokenStream, TokenTree};
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
// With a batch: `yield_point!(in __coop_batch; fn_name, ..)`.
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

/// The hidden local a batched loop counts its units in.
pub(crate) fn batch_name(keyword: Span) -> Ident {
    Ident::new("__coop_batch", glue(keyword))
}

/// Whether `expr`, a loop about to get a yield point, may be batched: nothing in an iteration
/// (its body, and a `while` condition) can suspend, reach another yield point or spend budget
/// by `.await`, and nothing hides such code from this check. The `for` iterator expression runs
/// once, before the first yield point, so it does not count. The loop carries no attribute, so
/// that a `cfg` on it cannot leave the batch's declaration behind.
pub(crate) fn batchable(expr: &Expr) -> bool {
    let mut scan = Batchable(true);
    match expr {
        Expr::Loop(e) if e.attrs.is_empty() => scan.visit_block(&e.body),
        Expr::ForLoop(e) if e.attrs.is_empty() => scan.visit_block(&e.body),
        Expr::While(e) if e.attrs.is_empty() => {
            scan.visit_expr(&e.cond);
            scan.visit_block(&e.body);
        }
        _ => return false,
    }
    scan.0
}

/// Macros of the standard library that evaluate their operands in place: neither an `.await`
/// nor a loop can hide in them unless their tokens show it.
const PLAIN_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "format",
    "format_args",
    "panic",
    "print",
    "println",
    "eprint",
    "eprintln",
    "todo",
    "unimplemented",
    "unreachable",
    "vec",
    "write",
    "writeln",
    "matches",
];

/// Keywords that, in a plain macro's tokens, may be code an iteration must not batch across.
const SUSPENDING_TOKENS: &[&str] = &["await", "async", "loop", "while", "for", "yield"];

struct Batchable(bool);

impl Batchable {
    fn plain_tokens(tokens: TokenStream) -> bool {
        tokens.into_iter().all(|token| match token {
            TokenTree::Ident(ident) => !SUSPENDING_TOKENS.iter().any(|k| ident == k),
            TokenTree::Group(group) => Self::plain_tokens(group.stream()),
            _ => true,
        })
    }
}

impl<'ast> Visit<'ast> for Batchable {
    fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
        self.0 = false;
    }
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {
        self.0 = false;
    }
    fn visit_expr_yield(&mut self, _: &'ast syn::ExprYield) {
        self.0 = false;
    }
    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {
        self.0 = false;
    }
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {
        self.0 = false;
    }
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {
        self.0 = false;
    }
    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        if closure.asyncness.is_some() {
            self.0 = false;
        } else {
            visit::visit_expr_closure(self, closure);
        }
    }
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let plain = mac.path.segments.last().is_some_and(|last| {
            PLAIN_MACROS.iter().any(|name| last.ident == name)
                && last.arguments.is_none()
                && mac.path.segments.len() <= 2
        });
        if !plain || !Self::plain_tokens(mac.tokens.clone()) {
            self.0 = false;
        }
    }
    // A nested item is code of its own, run on its own schedule.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

// Input:  a batchable loop `expr` (any kind, already given its `yield_point!(in batch; ..)`)
// Output: `{ #krate::__private::batch!(batch); expr }`
pub(crate) fn with_batch(krate: &Path, keyword: Span, batch: &Ident, expr: Expr) -> Expr {
    let krate = relocate(krate, keyword);
    let span = glue(keyword);
    let declare = quote_spanned! {span=> #krate::__private::batch!(#batch); };
    let declare: Stmt = syn::parse2(declare).expect("a batch declaration is a statement");
    Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: Block {
            brace_token: token::Brace(span),
            stmts: vec![declare, Stmt::Expr(expr, None)],
        },
    })
}

/// Inserts `yield_point` as the first statement of `body`.
pub(crate) fn insert_at_head(body: &mut Block, yield_point: Stmt) {
    body.stmts.insert(0, yield_point);
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

// Input:  a `check` finding, and the predicates `p, ..` of the loop's `cfg_attr` markers
// Output: `#[cfg(not(any(p, ..)))] ::core::compile_error! { .. }` at the head of the loop body,
//         one per message, spanned where the finding is
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
            quote::quote! { #[cfg(not(any(#(#preds),*)))] #error }
        })
        .collect();
    match syn::parse::Parser::parse2(Block::parse_within, statements) {
        Ok(stmts) => {
            body.stmts.splice(0..0, stmts);
            true
        }
        Err(_) => false,
    }
}
