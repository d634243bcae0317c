//! Strip mining: a loop whose iterations cannot suspend gets a yield point that counts its units
//! in a local batch, and a fast path with no `.await` in it.
//!
//! Any `.await` inside a loop puts the loop's variables in the future's memory for the whole
//! loop, and its resume edge enters the loop in the middle; the optimizer then keeps them there,
//! and each iteration's dependency chain goes through a store and a load. So a batched loop
//! becomes two: an outer one, the loop's own label on it, that reaches the budget (and awaits
//! the forced yield) only at batch ends, and an inner one without `.await`, that runs
//! iterations while the batch has units. The batch is a `coop_core::__private::Batch` declared
//! before the loop: it is lent the budget's units at batch ends and settles what it spent when
//! the loop is left by any path (its drop), so the budget's counts stay exact.
//!
//! Which loops: those whose iterations (body, and a `while` condition) have no `.await`, no
//! nested loop, no async block or closure, no `yield`, no macro but the standard library's
//! formatting and assertion macros with plain operands, and no attribute. Nothing in them can
//! suspend or reach another yield point between a lend and its settlement.
//!
//! The order of a loop's own steps and its yield point is kept: `for` fetches the next item
//! and then spends, `while` tests its condition and then spends, `loop` and `while let` spend
//! first. In the body, `continue` (unlabeled, or naming the loop's label) becomes a `break` out
//! of a labeled block around the body, to the inner loop's next iteration; an unlabeled
//! `break` names the outer loop.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprBreak, Ident, Lifetime, Pat, Path, Stmt, Token};

use crate::attrs::{glue, relocate};

/// Whether `expr`, a loop about to get a yield point, may be strip-mined: nothing in an
/// iteration (its body, and a `while` condition) can suspend, reach another yield point, or
/// hide such code from this check, and the loop carries no attribute (a `cfg` on it would
/// leave the batch's declaration behind). The `for` iterator expression runs once, before the
/// first yield point, so it does not count.
pub(crate) fn batchable(expr: &Expr) -> bool {
    let mut scan = Batchable { ok: true };
    match expr {
        Expr::Loop(e) if e.attrs.is_empty() => scan.visit_block(&e.body),
        Expr::ForLoop(e) if e.attrs.is_empty() => scan.visit_block(&e.body),
        Expr::While(e) if e.attrs.is_empty() => {
            let mut cond = Batchable { ok: true };
            cond.visit_expr(&e.cond);
            // A condition runs outside the body's labeled block: no jump may start in it.
            scan.ok = cond.ok && !jumps(&e.cond);
            scan.visit_block(&e.body);
        }
        _ => return false,
    }
    scan.ok
}

/// Macros of the standard library that evaluate their operands in place.
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

/// Keywords that, in a plain macro's tokens, may be code the strip mining must see.
const OPAQUE_KEYWORDS: &[&str] = &[
    "await", "async", "loop", "while", "for", "yield", "break", "continue",
];

struct Batchable {
    ok: bool,
}

fn plain_tokens(tokens: TokenStream) -> bool {
    tokens.into_iter().all(|token| match token {
        TokenTree::Ident(ident) => !OPAQUE_KEYWORDS.iter().any(|k| ident == k),
        TokenTree::Group(group) => plain_tokens(group.stream()),
        _ => true,
    })
}

impl<'ast> Visit<'ast> for Batchable {
    fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
        self.ok = false;
    }
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {
        self.ok = false;
    }
    fn visit_expr_yield(&mut self, _: &'ast syn::ExprYield) {
        self.ok = false;
    }
    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {
        self.ok = false;
    }
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {
        self.ok = false;
    }
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {
        self.ok = false;
    }
    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        if closure.asyncness.is_some() {
            self.ok = false;
        } else {
            visit::visit_expr_closure(self, closure);
        }
    }
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let plain = mac.path.segments.len() <= 2
            && mac.path.segments.last().is_some_and(|last| {
                last.arguments.is_none() && PLAIN_MACROS.iter().any(|name| last.ident == name)
            });
        if !plain || !plain_tokens(mac.tokens.clone()) {
            self.ok = false;
        }
    }
    // A nested item is code of its own.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Whether `expr` holds a `break` or `continue` of its own (not in a closure or item).
fn jumps(expr: &Expr) -> bool {
    struct Jumps(bool);
    impl<'ast> Visit<'ast> for Jumps {
        fn visit_expr_break(&mut self, _: &'ast syn::ExprBreak) {
            self.0 = true;
        }
        fn visit_expr_continue(&mut self, _: &'ast syn::ExprContinue) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut found = Jumps(false);
    found.visit_expr(expr);
    found.0
}

/// Rewrites the jumps of a body that moves into the inner loop: `continue` (unlabeled, or
/// naming `own`) leaves the labeled block `body` instead; an unlabeled `break` names `exit`.
struct Retarget<'a> {
    own: Option<&'a Lifetime>,
    exit: &'a Lifetime,
    body: &'a Lifetime,
    /// A `break` was given the `exit` label.
    exits: bool,
    /// A `continue` became a `break` out of `body`.
    continues: bool,
}

impl VisitMut for Retarget<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Continue(e) if e.label.is_none() || e.label.as_ref() == self.own => {
                let span = e.continue_token.span;
                self.continues = true;
                *expr = Expr::Break(ExprBreak {
                    attrs: std::mem::take(&mut e.attrs),
                    break_token: Token![break](span),
                    label: Some(self.body.clone()),
                    expr: None,
                });
            }
            Expr::Break(e) if e.label.is_none() => {
                self.exits = true;
                e.label = Some(self.exit.clone());
                visit_mut::visit_expr_break_mut(self, e);
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// What a strip-mined loop needs besides the loop itself.
pub(crate) struct Strip<'a> {
    pub(crate) krate: &'a Path,
    pub(crate) keyword: Span,
    /// The yield point, `yield_point!(in __coop_batch; ..)`.
    pub(crate) yield_point: Stmt,
    /// Its hidden local.
    pub(crate) batch: Ident,
    /// `while let` and let-chains: spend before the condition.
    pub(crate) yield_before_condition: bool,
}

/// The hidden local a strip-mined loop counts its units in.
pub(crate) fn batch_name(keyword: Span) -> Ident {
    Ident::new("__coop_batch", glue(keyword))
}

// Input:  `'label: for pat in iter { body }` (batchable)
// Output: { batch!(b);
//           match IntoIterator::into_iter(iter) { mut it => {
//             let mut next = None;
//             'label: loop {
//               let mut item = match next.take() { Some(item) => item, None => match
//                 Iterator::next(&mut it) { Some(item) => item, None => break 'label } };
//               #yield_point
//               loop {
//                 let pat = item;
//                 'body: { body }
//                 item = match Iterator::next(&mut it) { Some(i) => i, None => break 'label };
//                 if !b.spend_local() { next = Some(item); break }
//               } } } } }
// `while cond` the same with a flag for a condition that held; `loop` and `while let`:
//   'label: loop { #yield_point loop { 'body: { body } if !b.spend_local() { break } } }
//
// Returns `expr` unchanged (as `Err`) if the pieces do not parse back.
pub(crate) fn strip_mine(strip: Strip<'_>, expr: Expr) -> Result<Expr, Expr> {
    let span = glue(strip.keyword);
    let krate = relocate(strip.krate, strip.keyword);
    let b = &strip.batch;
    let yield_point = &strip.yield_point;
    let (label, body) = match &expr {
        Expr::ForLoop(e) => (&e.label, &e.body),
        Expr::While(e) => (&e.label, &e.body),
        Expr::Loop(e) => (&e.label, &e.body),
        _ => return Err(expr),
    };
    let own = label.as_ref().map(|label| &label.name);
    let exit = own
        .cloned()
        .unwrap_or_else(|| Lifetime::new("'__coop_loop", span));
    let body_label = Lifetime::new("'__coop_body", span);
    let mut retarget = Retarget {
        own,
        exit: &exit,
        body: &body_label,
        exits: false,
        continues: false,
    };
    let mut body = body.clone();
    retarget.visit_block_mut(&mut body);
    let body = if retarget.continues {
        quote_spanned! {span=> #body_label: #body }
    } else {
        body.into_token_stream()
    };
    let some = quote_spanned! {span=> ::core::option::Option::Some };
    let none = quote_spanned! {span=> ::core::option::Option::None };
    let (inner, needs_exit) = match &expr {
        Expr::ForLoop(e) => {
            let pat = match &*e.pat {
                pat @ Pat::Or(_) => quote! { (#pat) },
                pat => pat.to_token_stream(),
            };
            let iter = &e.expr;
            // Rotated: the inner loop fetches the next item at its end, so that its iterations
            // run straight through, with no join before the body.
            let tokens = quote_spanned! {span=>
                match ::core::iter::IntoIterator::into_iter(#iter) {
                    mut __coop_iter => {
                        let mut __coop_next = #none;
                        #exit: loop {
                            let mut __coop_item = match ::core::option::Option::take(&mut __coop_next) {
                                #some(__coop_item) => __coop_item,
                                #none => match ::core::iter::Iterator::next(&mut __coop_iter) {
                                    #some(__coop_item) => __coop_item,
                                    #none => break #exit,
                                },
                            };
                            #yield_point
                            loop {
                                let #pat = __coop_item;
                                #body
                                __coop_item = match ::core::iter::Iterator::next(&mut __coop_iter) {
                                    #some(__coop_item) => __coop_item,
                                    #none => break #exit,
                                };
                                if !#b.spend_local() {
                                    __coop_next = #some(__coop_item);
                                    break;
                                }
                            }
                        }
                    }
                }
            };
            (tokens, true)
        }
        Expr::While(e) if !strip.yield_before_condition => {
            let cond = &e.cond;
            let tokens = quote_spanned! {span=>
                let mut __coop_ready = false;
                #exit: loop {
                    if __coop_ready {
                        #yield_point
                    }
                    loop {
                        if __coop_ready {
                            __coop_ready = false;
                        } else {
                            if #cond {} else {
                                break #exit;
                            }
                            if !#b.spend_local() {
                                __coop_ready = true;
                                break;
                            }
                        }
                        #body
                    }
                }
            };
            (tokens, true)
        }
        Expr::While(e) => {
            let cond = &e.cond;
            let tokens = quote_spanned! {span=>
                #exit: loop {
                    #yield_point
                    loop {
                        if #cond {
                            #body
                        } else {
                            break #exit;
                        }
                        if !#b.spend_local() {
                            break;
                        }
                    }
                }
            };
            (tokens, true)
        }
        _ => {
            let tokens = quote_spanned! {span=>
                #exit: loop {
                    #yield_point
                    loop {
                        #body
                        if !#b.spend_local() {
                            break;
                        }
                    }
                }
            };
            (tokens, retarget.exits)
        }
    };
    // A label nothing names would be a lint in the user's crate; the user's own is theirs.
    let inner = if needs_exit || own.is_some() {
        inner
    } else {
        strip_label(inner, &exit)
    };
    let tokens = quote_spanned! {span=>
        {
            #krate::__private::batch!(#b);
            #inner
        }
    };
    syn::parse2(tokens).map_err(|_| expr)
}

/// `'label: loop { .. }` without its label.
fn strip_label(tokens: TokenStream, label: &Lifetime) -> TokenStream {
    let mut tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let starts_with_label = matches!(
        (tokens.first(), tokens.get(1), tokens.get(2)),
        (Some(TokenTree::Punct(quote)), Some(TokenTree::Ident(name)), Some(TokenTree::Punct(colon)))
            if quote.as_char() == '\'' && *name == label.ident && colon.as_char() == ':'
    );
    if starts_with_label {
        tokens.drain(..3);
    }
    tokens.into_iter().collect()
}
