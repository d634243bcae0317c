//! The body walker: finds the loops of a fn body that run in async context, and acts on them
//! (inserts a yield point, checks them, or only strips their `#[unconstrained]` markers).
//!
//! The walker carries an explicit [`Scope`] and saves and restores it at every boundary:
//!
//! - `async { .. }` blocks and `async |..| ..` closures enter async context;
//! - sync closures and every const position (`const { .. }` blocks, array lengths, types, const
//!   generic arguments) leave it: their loops cannot await;
//! - the branch of an `if false { .. }` never runs (generated fake return edges, such as
//!   `#[tracing::instrument]`'s, are written so): its loops are left alone;
//! - the arms of a `match`, the branches of an `if let`, the body of a `while let` or `for` run
//!   while their header's temporaries may be alive (see `temporaries`): no yield point goes
//!   there;
//! - nested items (`fn`, `impl`, `mod`, `const`, `static`, ...) are not visited at all: they are
//!   someone else's code, with attributes of their own;
//! - macro invocations are opaque: their tokens are not Rust syntax until they expand, after
//!   this attribute has run, so loops written inside `vec![..]`, `select!{..}` and friends are
//!   left untouched.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{
    Attribute, Block, Expr, ExprIf, ExprMatch, GenericArgument, Ident, ImplItem, Item, Lit, Macro,
    Meta, Path, Stmt, Token, TraitItem, Type,
};

use crate::attrs::is_attr;
use crate::check::{self, Verdict};
use crate::error::{self, combine};
use crate::loops;
use crate::temporaries::{creates_temporaries, leaves_temporary, scrutinee_stays_alive};
use crate::unconstrain;

/// What the walker does with each loop it meets in async context.
#[derive(Clone, Copy)]
pub(crate) enum Action<'a> {
    /// `#[cooperative]`: insert a yield point in each loop (see `loops`).
    InsertYieldPoints(&'a Path),
    /// `#[cooperative(check)]`: rewrite nothing, report each loop that never awaits.
    Check(&'a Path),
    /// `#[unconstrained]` on a sync fn: wrap each async block and async closure body in
    /// `#krate::__private::unconstrained`; loops are left as they are.
    Unconstrain(&'a Path),
    /// Any error path and `#[unconstrained]` on an async fn: only strip loop markers.
    StripMarkers,
}

#[derive(Clone, Default)]
struct Scope {
    /// Code here runs inside a future: it can `.await`.
    in_async: bool,
    /// An enclosing loop carries `#[unconstrained]`.
    opted_out: bool,
    /// Predicates of enclosing loops' `#[cfg_attr(pred, unconstrained)]`: the loop is opted
    /// out when any holds.
    cfg_opt_outs: Vec<TokenStream>,
    /// A temporary of an enclosing header may be alive here.
    under_temporary: bool,
    /// This code never runs (`if false { .. }`).
    dead: bool,
}

/// What a walk found.
pub(crate) struct Walked {
    /// The body holds at least one async block or async closure.
    pub(crate) found_async_code: bool,
    /// Misplaced markers and (in check mode) loops that never await.
    pub(crate) errors: Option<syn::Error>,
}

/// Walks a fn body; `is_async_fn` says whether the body itself runs in async context, and
/// `function` names the fn, for the yield points' sites.
pub(crate) fn walk_fn_body(
    block: &mut Block,
    is_async_fn: bool,
    function: Option<&Ident>,
    action: Action<'_>,
) -> Walked {
    let mut walker = Walker {
        action,
        function,
        scope: Scope {
            in_async: is_async_fn,
            ..Scope::default()
        },
        found_async_code: false,
        errors: None,
    };
    walker.visit_block_mut(block);
    Walked {
        found_async_code: walker.found_async_code,
        errors: walker.errors,
    }
}

/// Strips the loop markers from every fn body of `item`, for the error path: rustc rejects
/// unknown attributes on expressions, which would be a second error.
pub(crate) fn strip_markers(item: &mut Item) {
    let strip = |block: &mut Block| {
        walk_fn_body(block, false, None, Action::StripMarkers);
    };
    match item {
        Item::Fn(f) => strip(&mut f.block),
        Item::Impl(block) => {
            for item in &mut block.items {
                if let ImplItem::Fn(f) = item {
                    strip(&mut f.block);
                }
            }
        }
        Item::Trait(block) => {
            for item in &mut block.items {
                if let TraitItem::Fn(f) = item
                    && let Some(body) = &mut f.default
                {
                    strip(body);
                }
            }
        }
        _ => {}
    }
}

struct Walker<'a> {
    action: Action<'a>,
    function: Option<&'a Ident>,
    scope: Scope,
    found_async_code: bool,
    errors: Option<syn::Error>,
}

/// A loop's `#[unconstrained]` marker, as written.
enum Marker {
    None,
    Always,
    /// `#[cfg_attr(pred, unconstrained)]`: the predicate.
    When(TokenStream),
}

impl Walker<'_> {
    /// Runs `f` in `scope`, then restores the current scope.
    fn in_scope(&mut self, scope: Scope, f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.scope, scope);
        f(self);
        self.scope = saved;
    }

    fn sync_scope(&self) -> Scope {
        Scope {
            in_async: false,
            ..self.scope.clone()
        }
    }

    fn error(&mut self, error: syn::Error) {
        combine(&mut self.errors, error);
    }

    fn visit_loop(&mut self, expr: &mut Expr) {
        let (attrs, keyword) = match expr {
            Expr::Loop(e) => (&mut e.attrs, e.loop_token.span),
            Expr::While(e) => (&mut e.attrs, e.while_token.span),
            Expr::ForLoop(e) => (&mut e.attrs, e.for_token.span),
            _ => return,
        };
        let mut scope = self.scope.clone();
        match self.take_markers(attrs) {
            Marker::None => {}
            Marker::Always => scope.opted_out = true,
            Marker::When(pred) => scope.cfg_opt_outs.push(pred),
        }
        let runs_in_async = scope.in_async && !scope.dead && !scope.opted_out;
        let mut instrumentable = runs_in_async && !scope.under_temporary;
        let mut yield_before_condition = false;
        match expr {
            Expr::Loop(e) => self.in_scope(scope.clone(), |w| w.visit_block_mut(&mut e.body)),
            Expr::ForLoop(e) => {
                let own_temporaries = creates_temporaries(&e.expr);
                instrumentable &= !own_temporaries;
                let body_scope = Scope {
                    under_temporary: scope.under_temporary || own_temporaries,
                    ..scope.clone()
                };
                self.in_scope(scope.clone(), |w| {
                    w.visit_pat_mut(&mut e.pat);
                    w.visit_expr_mut(&mut e.expr);
                });
                self.in_scope(body_scope, |w| w.visit_block_mut(&mut e.body));
            }
            Expr::While(e) => {
                yield_before_condition = loops::yields_before_condition(&e.cond);
                let header_alive = loops::let_scrutinees(&e.cond).iter().any(|expr_let| {
                    creates_temporaries(&expr_let.expr)
                        || scrutinee_stays_alive(&expr_let.expr, &expr_let.pat)
                });
                let body_scope = Scope {
                    under_temporary: scope.under_temporary || header_alive,
                    ..scope.clone()
                };
                self.in_scope(scope.clone(), |w| w.visit_expr_mut(&mut e.cond));
                self.in_scope(body_scope, |w| w.visit_block_mut(&mut e.body));
            }
            _ => {}
        }
        match self.action {
            Action::Check(krate) if runs_in_async && scope.cfg_opt_outs.is_empty() => {
                let body = loop_body_span(expr);
                match check::loop_verdict(expr) {
                    Verdict::Awaits => {}
                    Verdict::NeverAwaits => self.error(error::loop_never_awaits(
                        keyword,
                        body,
                        krate,
                        instrumentable,
                    )),
                    Verdict::YieldPointNotAwaited(call) => {
                        self.error(error::yield_point_not_awaited(keyword, call));
                    }
                }
            }
            Action::InsertYieldPoints(krate) if instrumentable => {
                let yield_point =
                    loops::yield_point(krate, keyword, self.function, &scope.cfg_opt_outs);
                if yield_before_condition {
                    let placeholder = Expr::Verbatim(TokenStream::new());
                    if let Expr::While(e) = std::mem::replace(expr, placeholder) {
                        *expr = loops::yield_before_condition(e, yield_point);
                    }
                    return;
                }
                match expr {
                    Expr::While(e) => loops::insert_at_head(&mut e.body, yield_point),
                    Expr::Loop(e) => loops::insert_at_head(&mut e.body, yield_point),
                    Expr::ForLoop(e) => loops::insert_at_head(&mut e.body, yield_point),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Removes every `#[unconstrained]` from a loop's attributes, also inside `cfg_attr`:
    /// rustc rejects attributes it does not know on expressions. A marker with arguments is an
    /// error, and still removed.
    fn take_markers(&mut self, attrs: &mut Vec<Attribute>) -> Marker {
        let mut marker = Marker::None;
        let mut errors = None;
        let mut kept = Vec::with_capacity(attrs.len());
        for mut attr in attrs.drain(..) {
            if is_attr(&attr, "unconstrained") && !is_attr(&attr, "cfg_attr") {
                if let Err(err) = attr.meta.require_path_only() {
                    combine(&mut errors, error::marker_with_arguments(err.span()));
                }
                marker = Marker::Always;
                continue;
            }
            if attr.path().is_ident("cfg_attr") {
                match strip_cfg_attr_marker(&mut attr.meta, &mut errors) {
                    CfgMarker::NotFound => {}
                    CfgMarker::Found { pred, now_empty } => {
                        if !matches!(marker, Marker::Always) {
                            marker = Marker::When(pred);
                        }
                        if now_empty {
                            continue;
                        }
                    }
                }
            }
            kept.push(attr);
        }
        *attrs = kept;
        if let Some(errors) = errors {
            self.error(errors);
        }
        marker
    }

    // `if false { .. }` never runs; the branches of an `if let` run while its scrutinee's
    // temporaries may be alive (in edition 2021 the `else` branch too).
    fn visit_if(&mut self, expr_if: &mut ExprIf) {
        let dead = is_false(&expr_if.cond);
        let header_alive = loops::let_scrutinees(&expr_if.cond).iter().any(|expr_let| {
            creates_temporaries(&expr_let.expr)
                || scrutinee_stays_alive(&expr_let.expr, &expr_let.pat)
        });
        self.visit_expr_mut(&mut expr_if.cond);
        let branch_scope = Scope {
            under_temporary: self.scope.under_temporary || header_alive,
            ..self.scope.clone()
        };
        let then_scope = Scope {
            dead: branch_scope.dead || dead,
            ..branch_scope.clone()
        };
        self.in_scope(then_scope, |w| w.visit_block_mut(&mut expr_if.then_branch));
        if let Some((_, otherwise)) = &mut expr_if.else_branch {
            self.in_scope(branch_scope, |w| w.visit_expr_mut(otherwise));
        }
    }

    // The arms run while the scrutinee's temporaries are alive, and, where the arm's pattern
    // leaves part of it unmoved, the scrutinee itself.
    fn visit_match(&mut self, expr_match: &mut ExprMatch) {
        self.visit_expr_mut(&mut expr_match.expr);
        let temporaries = creates_temporaries(&expr_match.expr);
        for arm in &mut expr_match.arms {
            let alive = temporaries || scrutinee_stays_alive(&expr_match.expr, &arm.pat);
            let arm_scope = Scope {
                under_temporary: self.scope.under_temporary || alive,
                ..self.scope.clone()
            };
            self.in_scope(arm_scope, |w| w.visit_arm_mut(arm));
        }
    }
}

enum CfgMarker {
    NotFound,
    Found { pred: TokenStream, now_empty: bool },
}

/// Takes `unconstrained` out of `cfg_attr(pred, a, unconstrained, b)` (nested `cfg_attr`s
/// included, their predicates joined with `all`). `now_empty`: nothing is left to apply.
fn strip_cfg_attr_marker(meta: &mut Meta, errors: &mut Option<syn::Error>) -> CfgMarker {
    let Meta::List(list) = meta else {
        return CfgMarker::NotFound;
    };
    let Ok(parts) = list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) else {
        return CfgMarker::NotFound;
    };
    if parts.is_empty() {
        return CfgMarker::NotFound;
    }
    let pred = parts[0].to_token_stream();
    let mut found: Option<TokenStream> = None;
    let mut rest = Punctuated::<Meta, Token![,]>::new();
    for mut part in parts.iter().skip(1).cloned() {
        if part
            .path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "unconstrained")
        {
            if let Err(err) = part.require_path_only() {
                combine(errors, error::marker_with_arguments(err.span()));
            }
            found = Some(pred.clone());
            continue;
        }
        if part.path().is_ident("cfg_attr")
            && let CfgMarker::Found {
                pred: inner,
                now_empty,
            } = strip_cfg_attr_marker(&mut part, errors)
        {
            found = Some(quote::quote!(all(#pred, #inner)));
            if now_empty {
                continue;
            }
        }
        rest.push(part);
    }
    let Some(found) = found else {
        return CfgMarker::NotFound;
    };
    let now_empty = rest.is_empty();
    let first = parts.into_iter().next().expect("checked non-empty");
    list.tokens = quote::quote!(#first, #rest);
    CfgMarker::Found {
        pred: found,
        now_empty,
    }
}

fn is_false(cond: &Expr) -> bool {
    match cond {
        Expr::Lit(lit) => matches!(&lit.lit, Lit::Bool(b) if !b.value),
        Expr::Paren(inner) => is_false(&inner.expr),
        Expr::Group(inner) => is_false(&inner.expr),
        _ => false,
    }
}

fn loop_body_span(expr: &Expr) -> Span {
    match expr {
        Expr::Loop(e) => e.body.brace_token.span.open(),
        Expr::While(e) => e.body.brace_token.span.open(),
        Expr::ForLoop(e) => e.body.brace_token.span.open(),
        other => other.span(),
    }
}

impl VisitMut for Walker<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) => self.visit_loop(expr),
            Expr::Async(_) => {
                self.found_async_code = true;
                let scope = Scope {
                    in_async: true,
                    ..self.scope.clone()
                };
                self.in_scope(scope, |w| visit_mut::visit_expr_mut(w, expr));
                if let Action::Unconstrain(krate) = self.action {
                    unconstrain::async_block(krate, expr);
                }
            }
            Expr::Closure(closure) => {
                let is_async = closure.asyncness.is_some();
                self.found_async_code |= is_async;
                let scope = Scope {
                    in_async: is_async,
                    ..self.scope.clone()
                };
                self.in_scope(scope, |w| visit_mut::visit_expr_closure_mut(w, closure));
                if let (Some(async_token), Action::Unconstrain(krate)) =
                    (closure.asyncness, self.action)
                {
                    unconstrain::async_closure_body(krate, async_token.span, &mut closure.body);
                }
            }
            Expr::Const(_) => {
                let scope = self.sync_scope();
                self.in_scope(scope, |w| visit_mut::visit_expr_mut(w, expr));
            }
            Expr::Repeat(repeat) => {
                self.visit_expr_mut(&mut repeat.expr);
                let scope = self.sync_scope();
                self.in_scope(scope, |w| w.visit_expr_mut(&mut repeat.len));
            }
            Expr::If(expr_if) => self.visit_if(expr_if),
            Expr::Match(expr_match) => self.visit_match(expr_match),
            // A temporary left by an operand stays alive to the end of the statement: loops
            // evaluated after it, in the same statement, run while it lives.
            Expr::MethodCall(_) | Expr::Index(_) => {
                let leaves = leaves_temporary(expr);
                match expr {
                    Expr::MethodCall(call) => {
                        self.visit_expr_mut(&mut call.receiver);
                        self.scope.under_temporary |= leaves;
                        if let Some(turbofish) = &mut call.turbofish {
                            self.visit_angle_bracketed_generic_arguments_mut(turbofish);
                        }
                        for arg in &mut call.args {
                            self.visit_expr_mut(arg);
                        }
                    }
                    Expr::Index(index) => {
                        self.visit_expr_mut(&mut index.expr);
                        self.scope.under_temporary |= leaves;
                        self.visit_expr_mut(&mut index.index);
                    }
                    _ => {}
                }
            }
            Expr::Reference(_) | Expr::Field(_) | Expr::Unary(_) => {
                let leaves = leaves_temporary(expr);
                visit_mut::visit_expr_mut(self, expr);
                self.scope.under_temporary |= leaves;
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    /// A statement ends the temporaries created in it.
    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        let saved = self.scope.under_temporary;
        visit_mut::visit_stmt_mut(self, stmt);
        self.scope.under_temporary = saved;
    }

    /// Types are const context: an array length cannot await.
    fn visit_type_mut(&mut self, ty: &mut Type) {
        let scope = self.sync_scope();
        self.in_scope(scope, |w| visit_mut::visit_type_mut(w, ty));
    }

    /// Const generic arguments (`f::<{ .. }>()`) are const context.
    fn visit_generic_argument_mut(&mut self, arg: &mut GenericArgument) {
        let scope = self.sync_scope();
        match arg {
            GenericArgument::Const(_) => {
                self.in_scope(scope, |w| visit_mut::visit_generic_argument_mut(w, arg));
            }
            _ => visit_mut::visit_generic_argument_mut(self, arg),
        }
    }

    /// Nested items are not this fn's body: leave them, markers included, to their own
    /// attributes.
    fn visit_item_mut(&mut self, _: &mut Item) {}

    /// Macro invocation bodies are opaque tokens: see the module docs.
    fn visit_macro_mut(&mut self, _: &mut Macro) {}
}
