//! Strip mining: a loop whose iterations cannot suspend gets a yield point that counts its units
//! in a local batch, and a fast path with no `.await` in it.
//!
//! Any `.await` inside a loop puts the loop's variables in the future's memory for the whole
//! loop, and its resume edge enters the loop in the middle; the optimizer then keeps them there,
//! and each iteration's dependency chain goes through a store and a load. So a batched loop
//! becomes two: an outer one (the loop's own label on a block around both) that reaches the budget (and awaits
//! the forced yield) only at batch ends, and an inner one without `.await`, that runs
//! iterations while the batch has units. The batch is a `coop_core::__private::Batch` declared
//! before the loop: it is lent the budget's units at batch ends and settles what it spent when
//! the loop is left by any path (its drop), so the budget's counts stay exact.
//!
//! Which loops: those whose iterations (body, and a `while` condition) have no `.await`, no
//! nested loop, no async block or closure, no `yield`, no macro but the standard library's
//! formatting and assertion macros with plain operands, no call to `has_budget_remaining`, no
//! attribute, and no `break` with a value in a `for` or `while` (rustc's error, left to rustc).
//! Nothing in them can suspend or reach another yield point between a lend and its
//! settlement, and a loop that asks the budget finds each iteration's unit spent from it.
//!
//! The order of a loop's own steps and its yield point is kept: `for` fetches the next item
//! and then spends, `while` tests its condition and then spends, `loop` and `while let` spend
//! first. In the body, `continue` (unlabeled, or naming the loop's label) becomes a `break` out
//! of a labeled block around the body, to the inner loop's next iteration; an unlabeled
//! `break` names the outer loop.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprBreak, Ident, Lifetime, Pat, Path, Stmt, Token};

use crate::attrs::{glue, relocate};
use crate::loops;

/// Whether `expr`, a loop about to get a yield point, may be strip-mined: nothing in an
/// iteration (its body, and a `while` condition) can suspend, reach another yield point, or
/// hide such code from this check. The loop's attributes (a `cfg`, an `allow`) go on the block
/// that replaces it, batch declaration included. The `for` iterator expression runs once, before
/// the first yield point, so it does not count.
pub(crate) fn batchable(expr: &Expr) -> bool {
    let mut scan = Batchable {
        ok: true,
        valued_breaks: None,
    };
    let body = match expr {
        Expr::Loop(e) => &e.body,
        // rustc's `for_loops_over_fallibles` meets only a `for`, which the rewrite takes apart:
        // a loop that names the lint in an attribute of its own (`#[expect(..)]`, which the
        // lint's silence would leave unfulfilled) stays a `for`, with a yield point per
        // iteration.
        Expr::ForLoop(e) if names_fallibles_lint(&e.attrs) => return false,
        Expr::ForLoop(e) => {
            // `break value` in a `for` or `while` is rustc's error to report, on the loop as
            // written: the outer `loop` would take the value.
            scan.valued_breaks = Some(e.label.as_ref().map(|label| &label.name));
            &e.body
        }
        // `while true` stays a `while`, so that rustc's `while_true` lint still sees it; a
        // condition that always leaves (`while todo!() { .. }`) stays one, so that its body
        // stays unreachable to rustc (the rewrite can reach the body without the condition).
        Expr::While(e) if !literal_true(&e.cond) && !always_leaves(&e.cond) => {
            scan.valued_breaks = Some(e.label.as_ref().map(|label| &label.name));
            let mut cond = Batchable {
                ok: true,
                valued_breaks: None,
            };
            cond.visit_expr(&e.cond);
            // A condition runs outside the body's labeled block: no jump may start in it.
            scan.ok = cond.ok && !jumps(&e.cond);
            &e.body
        }
        _ => return false,
    };
    scan.visit_block(body);
    scan.ok && !code_after_divergence(&body.stmts)
}

/// Whether a statement follows one that always leaves (`return`, `break`, `continue`, `panic!`
/// and its kin, or a block ending so): code rustc reports as unreachable in the body. The rewrite
/// would keep that report and add one of its own, after the loop, which the plain code does not
/// make: rustc reports one unreachable point per path. Such a loop keeps a plain yield point.
fn code_after_divergence(stmts: &[Stmt]) -> bool {
    let count = stmts.len();
    stmts
        .iter()
        .enumerate()
        .any(|(index, stmt)| index + 1 < count && diverges(stmt))
}

/// Whether `stmt` always leaves: `return`, `break`, `continue`, `panic!` and its kin, or a
/// block that does.
fn diverges(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Expr(expr, _) => always_leaves(expr),
        Stmt::Macro(mac) => always_panics(&mac.mac),
        _ => false,
    }
}

/// Whether `expr` always leaves (see [`diverges`]).
fn always_leaves(expr: &Expr) -> bool {
    match expr {
        Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => true,
        Expr::Macro(mac) => always_panics(&mac.mac),
        Expr::Paren(paren) => always_leaves(&paren.expr),
        // Code after a divergence, or a last statement that diverges: one look at each
        // statement, so that nested blocks cost their depth, not two to its power.
        Expr::Block(block) if block.label.is_none() => block.block.stmts.iter().any(diverges),
        _ => false,
    }
}

fn always_panics(mac: &syn::Macro) -> bool {
    mac.path.segments.last().is_some_and(|segment| {
        ["panic", "unreachable", "todo", "unimplemented"]
            .iter()
            .any(|name| segment.ident == name)
    })
}

/// Whether one of `attrs` names rustc's `for_loops_over_fallibles` (a lint level, also inside a
/// `cfg_attr`).
fn names_fallibles_lint(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|attr| names_any(attr.meta.to_token_stream(), &["for_loops_over_fallibles"]))
}

/// Whether `cond` is the literal `true`, in any parentheses, as rustc's `while_true` lint reads it.
fn literal_true(cond: &Expr) -> bool {
    match cond {
        Expr::Paren(e) => literal_true(&e.expr),
        Expr::Lit(e) => matches!(&e.lit, syn::Lit::Bool(b) if b.value),
        _ => false,
    }
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

/// The function that reads the budget: a loop that calls it is not batched.
const ASKS_THE_BUDGET: &str = "has_budget_remaining";

/// Keywords that, in a plain macro's tokens, may be code the strip mining must see, and the
/// function that reads the budget.
const OPAQUE_KEYWORDS: &[&str] = &[
    "await",
    "async",
    "loop",
    "while",
    "for",
    "yield",
    "break",
    "continue",
    ASKS_THE_BUDGET,
];

struct Batchable<'a> {
    ok: bool,
    /// A `for` or `while` (by its label, if any): a `break` with a value to it is not batched.
    valued_breaks: Option<Option<&'a Lifetime>>,
}

fn plain_tokens(tokens: TokenStream) -> bool {
    !names_any(tokens, OPAQUE_KEYWORDS)
}

/// Whether an identifier of `tokens`, groups included, is one of `names`.
fn names_any(tokens: TokenStream, names: &[&str]) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => names.iter().any(|name| ident == name),
        TokenTree::Group(group) => names_any(group.stream(), names),
        _ => false,
    })
}

impl<'ast> Visit<'ast> for Batchable<'_> {
    fn visit_expr_break(&mut self, e: &'ast syn::ExprBreak) {
        if let Some(own) = self.valued_breaks
            && e.expr.is_some()
            && (e.label.is_none() || e.label.as_ref() == own)
        {
            self.ok = false;
        }
        visit::visit_expr_break(self, e);
    }
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
    // A loop that asks whether the budget has a unit left must have spent each iteration's unit
    // from the budget by then: a batch counts them in a local the budget cannot see.
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Expr::Path(path) = &*call.func
            && path
                .path
                .segments
                .last()
                .is_some_and(|last| last.ident == ASKS_THE_BUDGET)
        {
            self.ok = false;
        }
        visit::visit_expr_call(self, call);
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

/// Whether `body` holds a `break` and a `continue` naming `label` (not in a closure or item).
fn named_jumps(body: &syn::Block, label: &Lifetime) -> (bool, bool) {
    struct Named<'a> {
        label: &'a Lifetime,
        found: (bool, bool),
    }
    impl<'ast> Visit<'ast> for Named<'_> {
        fn visit_expr_break(&mut self, e: &'ast syn::ExprBreak) {
            self.found.0 |= e.label.as_ref() == Some(self.label);
            visit::visit_expr_break(self, e);
        }
        fn visit_expr_continue(&mut self, e: &'ast syn::ExprContinue) {
            self.found.1 |= e.label.as_ref() == Some(self.label);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut named = Named {
        label,
        found: (false, false),
    };
    named.visit_block(body);
    named.found
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
    /// Inside a labeled block of the body: an unlabeled `break` or `continue` there is rustc's
    /// error E0695, and stays unlabeled so that rustc reports it as without the attribute.
    in_labeled_block: bool,
}

impl VisitMut for Retarget<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        let unlabeled_retargets = !self.in_labeled_block;
        match expr {
            Expr::Block(e) if e.label.is_some() => {
                let outer = std::mem::replace(&mut self.in_labeled_block, true);
                visit_mut::visit_expr_block_mut(self, e);
                self.in_labeled_block = outer;
            }
            Expr::Continue(e)
                if match &e.label {
                    None => unlabeled_retargets,
                    Some(label) => Some(label) == self.own,
                } =>
            {
                let span = e.continue_token.span;
                self.continues = true;
                *expr = Expr::Break(ExprBreak {
                    attrs: std::mem::take(&mut e.attrs),
                    break_token: Token![break](span),
                    label: Some(self.body.clone()),
                    expr: None,
                });
            }
            Expr::Break(e) if e.label.is_none() && unlabeled_retargets => {
                self.exits = true;
                e.label = Some(self.exit.clone());
                visit_mut::visit_expr_break_mut(self, e);
                // rustc lints a labeled `break` whose value is an unlabeled block or loop
                // (`break_with_label_and_loop`), which the user's unlabeled one was not: the
                // value goes in parentheses, as the lint asks.
                if let Some(value) = e.expr.as_deref_mut()
                    && lints_as_labeled_break_value(value)
                {
                    let span = value.span();
                    let inner = std::mem::replace(value, Expr::Verbatim(TokenStream::new()));
                    *value = Expr::Paren(syn::ExprParen {
                        attrs: Vec::new(),
                        paren_token: syn::token::Paren(span),
                        expr: Box::new(inner),
                    });
                }
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }
    fn visit_expr_closure_mut(&mut self, _: &mut syn::ExprClosure) {}
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Whether rustc's `break_with_label_and_loop` lint takes `value` after a labeled `break` for a
/// labeled expression: an unlabeled block or loop.
fn lints_as_labeled_break_value(value: &Expr) -> bool {
    match value {
        Expr::Block(e) => e.label.is_none() && e.attrs.is_empty(),
        Expr::Loop(e) => e.label.is_none(),
        Expr::While(e) => e.label.is_none(),
        Expr::ForLoop(e) => e.label.is_none(),
        _ => false,
    }
}

/// What a strip-mined loop needs besides the loop itself.
pub(crate) struct Strip<'a> {
    pub(crate) krate: &'a Path,
    pub(crate) keyword: Span,
    /// The fn, for the yield point's site.
    pub(crate) function: Option<&'a Ident>,
    /// `while let` and let-chains: spend before the condition.
    pub(crate) yield_before_condition: bool,
}

// Input:  `'label: for pat in iter { body }` (batchable)
// Output: match Batch::new() { mut b => {
//           match IntoIterator::into_iter(iter) { mut it => 'label: {
//             let mut next = None;
//             'exit: loop {
//               let mut item = match next.take() { Some(item) => item, None => match
//                 Iterator::next(&mut it) { Some(item) => item, None => break 'exit } };
//               #yield_point
//               loop {
//                 if true { let held = item; let pat = held; 'body: { body }; }
//                 item = match Iterator::next(&mut it) { Some(i) => i, None => break 'exit };
//                 if !b.spend_local() { next = Some(item); break }
//               } } } } } }
// `while cond` the same with a flag for a condition that held; `loop` and `while let`:
//   match Batch::new() { mut b => 'label: { 'exit: loop { #yield_point
//     loop { if true { 'body: { body }; } if !b.spend_local() { break } } } } }
//
// The skeleton is parsed with placeholders, and the user's pieces (pattern, iterator,
// condition, body) are moved into it: they are neither cloned nor printed and parsed again,
// which in an unoptimised compiler's stack would not fit a deeply nested body. Leaves `expr`
// unchanged (and returns `false`) if the skeleton does not parse.
pub(crate) fn strip_mine(strip: Strip<'_>, expr: &mut Expr) -> bool {
    let span = glue(strip.keyword);
    let krate = relocate(strip.krate, strip.keyword);
    // The hidden local the loop counts its units in, and the yield point that spends from it,
    // `yield_point!(in __coop_batch; ..)`.
    let b = &Ident::new("__coop_batch", glue(strip.keyword));
    let yield_point = &loops::yield_point(strip.krate, strip.keyword, strip.function, &[], Some(b));
    // The user's label goes on a block around the rewrite (for a `for`, after its iterator
    // expression, which is outside the loop), where `break 'label` still leaves the loop; the
    // rewrite's own jumps name a label of its own. A body that continues the loop by its label
    // and never breaks it by name gets the label itself instead: `continue 'label` becomes
    // `break 'label` out of the body. So the user's label is used exactly where the user uses
    // it, and rustc's `unused_labels` still sees it.
    let (label, body) = match &*expr {
        Expr::ForLoop(e) => (&e.label, &e.body),
        Expr::While(e) => (&e.label, &e.body),
        Expr::Loop(e) => (&e.label, &e.body),
        _ => return false,
    };
    let braces = body.brace_token.span.join();
    let own = label.as_ref().map(|label| label.name.clone());
    let continue_by_label = own
        .as_ref()
        .is_some_and(|own| named_jumps(body, own) == (false, true));
    let (for_label, label) = match (continue_by_label, &*expr) {
        (true, _) => (None, None),
        (false, Expr::ForLoop(_)) => (label.clone(), None),
        (false, _) => (None, label.clone()),
    };
    let exit = Lifetime::new("'__coop_loop", span);
    // In statement position, as a statement, `;` kept: the user's block as a block's tail (or
    // before another statement with no `;`) would be `unused_braces` on a one-line body.
    let body = quote_spanned! {span=> __COOP_BODY; };
    let cond = quote_spanned! {span=> __COOP_COND };
    let some = quote_spanned! {span=> ::core::option::Option::Some };
    let none = quote_spanned! {span=> ::core::option::Option::None };
    let skeleton = match &*expr {
        // Rotated: the inner loop fetches the next item at its end, so that its iterations
        // run straight through, with no join before the body.
        Expr::ForLoop(e) => {
            let IterOver {
                into_iter,
                binding,
                next_arg,
            } = into_iter_over(&e.expr, span);
            quote_spanned! {span=>
            match #into_iter {
                #binding => #for_label {
                    let mut __coop_next = #none;
                    #exit: loop {
                        let mut __coop_item = match ::core::option::Option::take(&mut __coop_next) {
                            #some(__coop_item) => __coop_item,
                            #none => match ::core::iter::Iterator::next(#next_arg) {
                                #some(__coop_item) => __coop_item,
                                #none => break #exit,
                            },
                        };
                        #yield_point
                        loop {
                            // The item moves into a local of the iteration's block: it drops
                            // at the end of the body, after the pattern's bindings, before the
                            // next item is fetched, as in a `for`, also where the pattern moves
                            // nothing out of it. `if true`: where the body always leaves, what
                            // follows is still reachable code to rustc, as the rest of a `for`
                            // is, with no `allow` that a crate's `forbid` would refuse.
                            if true {
                                let __coop_held = __coop_item;
                                let __COOP_PAT = __coop_held;
                                #body
                            }
                            {
                                __coop_item = match ::core::iter::Iterator::next(#next_arg) {
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
            }
            }
        }
        Expr::While(_) if !strip.yield_before_condition => quote_spanned! {span=>
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
        },
        Expr::While(_) => quote_spanned! {span=>
            #exit: loop {
                #yield_point
                loop {
                    if #cond {
                        if true {
                            __COOP_BODY;
                        }
                    } else {
                        break #exit;
                    }
                    if !#b.spend_local() {
                        break;
                    }
                }
            }
        },
        _ => quote_spanned! {span=>
            #exit: loop {
                #yield_point
                loop {
                    if true {
                        #body
                    }
                    if !#b.spend_local() {
                        break;
                    }
                }
            }
        },
    };
    // The rewrite is a `match` that holds the batch, spanning the loop as written (its keyword
    // and its body's braces): where rustc reads the loop as a whole (`unused_must_use` on a
    // `loop { break Err(..) };`, an unreachable loop), it points at the loop and suggests what
    // it would for the loop, not for the attribute.
    let mut arms = Group::new(
        Delimiter::Brace,
        quote_spanned! {span=> mut #b => { #skeleton } },
    );
    arms.set_span(braces);
    let match_token = Token![match](strip.keyword);
    let tokens = quote_spanned! {span=> #match_token #krate::__private::Batch::new() #arms };
    let Ok(mut skeleton) = syn::parse2::<Expr>(tokens) else {
        return false;
    };

    let (attrs, pat, iter, cond, mut body) =
        match std::mem::replace(expr, Expr::Verbatim(TokenStream::new())) {
            Expr::ForLoop(e) => (e.attrs, Some(*e.pat), Some(*e.expr), None, e.body),
            Expr::While(e) => (e.attrs, None, None, Some(*e.cond), e.body),
            Expr::Loop(e) => (e.attrs, None, None, None, e.body),
            other => {
                *expr = other;
                return false;
            }
        };
    let body_label = match &own {
        Some(own) if continue_by_label => own.clone(),
        _ => Lifetime::new("'__coop_body", span),
    };
    if let Expr::Match(rewrite) = &mut skeleton {
        // A `cfg` removes the whole rewrite, as it would the loop; an `allow` covers it.
        rewrite.attrs = attrs;
        if let Some(arm) = rewrite.arms.first_mut()
            && let Expr::Block(block) = &mut *arm.body
        {
            block.label = label;
        }
    }
    let mut retarget = Retarget {
        own: own.as_ref(),
        exit: &exit,
        body: &body_label,
        exits: false,
        continues: false,
        in_labeled_block: false,
    };
    retarget.visit_block_mut(&mut body);
    let body = Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: retarget.continues.then(|| syn::Label {
            name: body_label.clone(),
            colon_token: Token![:](span),
        }),
        block: body,
    });
    // A top-level or-pattern is a `let`'s only in parentheses.
    let pat = pat.map(|pat| match pat {
        pat @ Pat::Or(_) => Pat::Paren(syn::PatParen {
            attrs: Vec::new(),
            paren_token: syn::token::Paren(span),
            pat: Box::new(pat),
        }),
        pat => pat,
    });
    // A label nothing names would be a lint in the user's crate; the user's own is theirs.
    let unused_exit = pat.is_none() && cond.is_none() && !retarget.exits;
    let mut splice = Splice {
        body: Some(body),
        cond,
        iter,
        pat,
        unlabel: unused_exit.then_some(exit),
    };
    splice.visit_expr_mut(&mut skeleton);
    *expr = skeleton;
    true
}

/// The pieces of a strip-mined `for` that name its iterator.
struct IterOver {
    /// `::core::iter::IntoIterator::into_iter(__COOP_ITER)`.
    into_iter: TokenStream,
    /// `mut __coop_iter`, the binding that holds the iterator.
    binding: TokenStream,
    /// `&mut __coop_iter`, the argument of each `Iterator::next` call.
    next_arg: TokenStream,
}

/// A strip-mined `for`'s iterator pieces, their tokens at the iterator expression's first and
/// last tokens, so that they span the expression as written: a note about the iterator held
/// across the yield point (a non-`Send` one) shows the user's expression, as it does for the
/// `for` rustc lowers. A head that is not an iterator fails one bound at the head, at the
/// `into_iter` call and at each `next` call, and rustc reports a failed bound once per span: the
/// call spans exactly the head (the user's own spans at both ends), so it adds no report of its
/// own; both `next` calls' arguments sit at the head's first token, so they add one, there.
fn into_iter_over(iter: &Expr, span: Span) -> IterOver {
    let mut tokens = iter.to_token_stream().into_iter();
    let head = tokens.next().map_or(span, |token| token.span());
    let tail = tokens.last().map_or(head, |token| token.span());
    let (first, last) = (glue(head), glue(tail));
    let path = quote_spanned! {head=> ::core::iter::IntoIterator::into_iter };
    let mut args = Group::new(
        Delimiter::Parenthesis,
        quote_spanned! {first=> __COOP_ITER },
    );
    args.set_span(tail);
    let mut_token = Token![mut](first);
    let name = Ident::new("__coop_iter", last);
    let next_arg = quote_spanned! {first=> &mut __coop_iter };
    IterOver {
        into_iter: quote_spanned! {span=> #path #args },
        binding: quote_spanned! {span=> #mut_token #name },
        next_arg,
    }
}

/// Moves the user's pieces into a parsed skeleton, in place of its placeholders.
struct Splice {
    body: Option<Expr>,
    cond: Option<Expr>,
    iter: Option<Expr>,
    pat: Option<Pat>,
    /// The generated exit label, where nothing names it.
    unlabel: Option<Lifetime>,
}

impl VisitMut for Splice {
    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        if let Stmt::Expr(expr @ Expr::Path(_), Some(_)) = stmt {
            self.visit_expr_mut(expr);
            return;
        }
        visit_mut::visit_stmt_mut(self, stmt);
    }
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Path(path) = expr
            && let Some(name) = path.path.get_ident()
        {
            let piece = if name == "__COOP_BODY" {
                self.body.take()
            } else if name == "__COOP_COND" {
                self.cond.take()
            } else if name == "__COOP_ITER" {
                self.iter.take()
            } else {
                None
            };
            if let Some(piece) = piece {
                *expr = piece;
            }
            return;
        }
        if let (Expr::Loop(e), Some(unused)) = (&mut *expr, &self.unlabel)
            && e.label.as_ref().is_some_and(|label| label.name == *unused)
        {
            e.label = None;
        }
        visit_mut::visit_expr_mut(self, expr);
    }
    fn visit_pat_mut(&mut self, pat: &mut Pat) {
        if let Pat::Ident(ident) = pat
            && ident.ident == "__COOP_PAT"
            && let Some(piece) = self.pat.take()
        {
            *pat = piece;
        }
    }
    // The yield point's macro and the batch's declaration hold nothing to replace.
    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}
