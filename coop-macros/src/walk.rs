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
use crate::temporaries::{
    creates_temporaries, leaves_temporary, leaves_unmoved, let_extends_temporaries, owns_nothing,
    scrutinee_stays_alive, yields_plain_items,
};
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

    /// Visits operands in evaluation order; once one holds a value that may own something, the
    /// ones after it run while that value is alive.
    #[inline(never)]
    fn visit_operands<'e>(&mut self, operands: impl Iterator<Item = &'e mut Expr>) {
        for operand in operands {
            self.visit_expr_mut(operand);
            self.scope.under_temporary |= !owns_nothing(operand);
        }
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
                // The iterator expression's temporaries live through the loop, and so does
                // each item where the pattern leaves part of it unmoved (`for _ in guards`).
                let own_temporaries = creates_temporaries(&e.expr)
                    || leaves_unmoved(&e.pat) && !yields_plain_items(&e.expr);
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
            Action::Check(krate) if runs_in_async => {
                let body = loop_body_span(expr);
                let finding = match check::loop_verdict(expr) {
                    Verdict::Awaits => None,
                    Verdict::NeverAwaits => Some(error::loop_never_awaits(
                        keyword,
                        body,
                        krate,
                        instrumentable,
                    )),
                    Verdict::YieldPointNotAwaited(call) => {
                        Some(error::yield_point_not_awaited(keyword, call))
                    }
                };
                match finding {
                    None => {}
                    Some(finding) if scope.cfg_opt_outs.is_empty() => self.error(finding),
                    // Opted out only where a `cfg_attr` predicate holds: the finding stands
                    // where none does.
                    Some(finding) => {
                        if let Some(body) = loop_body(expr) {
                            report_unless(body, &scope.cfg_opt_outs, finding);
                        }
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
        // The condition is a scope of its own: what it creates is dropped before a branch
        // runs, except a `let` scrutinee's temporaries and value (`header_alive`).
        let saved = self.scope.under_temporary;
        self.visit_expr_mut(&mut expr_if.cond);
        self.scope.under_temporary = saved;
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
            self.in_scope(arm_scope, |w| {
                // A guard (syn keeps it in the pattern) is a scope of its own: its temporaries
                // are gone before the body runs.
                let saved = w.scope.under_temporary;
                w.visit_pat_mut(&mut arm.pat);
                w.scope.under_temporary = saved;
                w.visit_expr_mut(&mut arm.body);
            });
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

// Input:  a finding, and the predicates `p, ..` of enclosing `cfg_attr` markers
// Output: `#[cfg(not(any(p, ..)))] ::core::compile_error! { .. }` at the head of the loop body,
//         one per message, spanned where the finding is
fn report_unless(body: &mut Block, preds: &[TokenStream], finding: syn::Error) {
    let statements: TokenStream = finding
        .into_iter()
        .map(|message| {
            let error = message.into_compile_error();
            quote::quote! { #[cfg(not(any(#(#preds),*)))] #error }
        })
        .collect();
    if let Ok(stmts) = syn::parse::Parser::parse2(Block::parse_within, statements) {
        body.stmts.splice(0..0, stmts);
    }
}

fn loop_body(expr: &mut Expr) -> Option<&mut Block> {
    match expr {
        Expr::Loop(e) => Some(&mut e.body),
        Expr::While(e) => Some(&mut e.body),
        Expr::ForLoop(e) => Some(&mut e.body),
        _ => None,
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

// Within a statement, what was evaluated before a loop may still be alive when it runs: a
// temporary left by an operand, or an earlier operand's value not yet consumed by its call,
// tuple, struct or operator. Each kind of node has its own method, out of line, so the
// recursive `visit_expr_mut` stays small (see there).
impl Walker<'_> {
    #[inline(never)]
    fn visit_async(&mut self, expr: &mut Expr) {
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

    #[inline(never)]
    fn visit_closure(&mut self, expr: &mut Expr) {
        let Expr::Closure(closure) = expr else { return };
        let is_async = closure.asyncness.is_some();
        self.found_async_code |= is_async;
        let scope = Scope {
            in_async: is_async,
            ..self.scope.clone()
        };
        self.in_scope(scope, |w| visit_mut::visit_expr_closure_mut(w, closure));
        if let (Some(async_token), Action::Unconstrain(krate)) = (closure.asyncness, self.action) {
            unconstrain::async_closure_body(krate, async_token.span, &mut closure.body);
        }
    }

    #[inline(never)]
    fn visit_const(&mut self, expr: &mut Expr) {
        let scope = self.sync_scope();
        self.in_scope(scope, |w| visit_mut::visit_expr_mut(w, expr));
    }

    #[inline(never)]
    fn visit_repeat(&mut self, repeat: &mut syn::ExprRepeat) {
        self.visit_expr_mut(&mut repeat.expr);
        let scope = self.sync_scope();
        self.in_scope(scope, |w| w.visit_expr_mut(&mut repeat.len));
    }

    #[inline(never)]
    fn visit_method_call(&mut self, call: &mut syn::ExprMethodCall) {
        self.visit_expr_mut(&mut call.receiver);
        self.scope.under_temporary |= !owns_nothing(&call.receiver);
        if let Some(turbofish) = &mut call.turbofish {
            self.visit_angle_bracketed_generic_arguments_mut(turbofish);
        }
        self.visit_operands(call.args.iter_mut());
    }

    #[inline(never)]
    fn visit_index(&mut self, index: &mut syn::ExprIndex) {
        self.visit_expr_mut(&mut index.expr);
        self.scope.under_temporary |= !owns_nothing(&index.expr);
        self.visit_expr_mut(&mut index.index);
    }

    #[inline(never)]
    fn visit_call(&mut self, call: &mut syn::ExprCall) {
        self.visit_expr_mut(&mut call.func);
        self.visit_operands(call.args.iter_mut());
    }

    #[inline(never)]
    fn visit_struct(&mut self, literal: &mut syn::ExprStruct) {
        self.visit_operands(literal.fields.iter_mut().map(|field| &mut field.expr));
        if let Some(rest) = &mut literal.rest {
            self.visit_expr_mut(rest);
        }
    }

    #[inline(never)]
    fn visit_binary(&mut self, binary: &mut syn::ExprBinary) {
        self.visit_expr_mut(&mut binary.left);
        self.scope.under_temporary |= !owns_nothing(&binary.left);
        self.visit_expr_mut(&mut binary.right);
        self.scope.under_temporary |= !owns_nothing(&binary.right);
    }

    #[inline(never)]
    fn visit_place_operand(&mut self, expr: &mut Expr) {
        let leaves = leaves_temporary(expr);
        visit_mut::visit_expr_mut(self, expr);
        self.scope.under_temporary |= leaves;
    }
}

impl Walker<'_> {
    /// A marker on anything but a loop: one clear error, and the marker removed, so rustc adds
    /// none of its own about attributes on expressions.
    fn reject_markers_on(&mut self, attrs: &mut Vec<Attribute>) {
        let mut errors = None;
        attrs.retain_mut(|attr| {
            if attr.path().is_ident("cfg_attr") {
                let mut ignored = None;
                return match strip_cfg_attr_marker(&mut attr.meta, &mut ignored) {
                    CfgMarker::NotFound => true,
                    CfgMarker::Found { now_empty, .. } => {
                        combine(&mut errors, error::marker_not_on_a_loop(attr.span()));
                        !now_empty
                    }
                };
            }
            let marker = is_attr(attr, "unconstrained") && !attr.path().is_ident("cfg_attr");
            if marker {
                let name = attr
                    .path()
                    .segments
                    .last()
                    .map(|segment| segment.ident.span());
                combine(
                    &mut errors,
                    error::marker_not_on_a_loop(name.unwrap_or_else(|| attr.span())),
                );
            }
            !marker
        });
        if let Some(errors) = errors {
            self.error(errors);
        }
    }
}

/// The attributes of expressions that are not loops (loops take markers).
fn non_loop_attrs(expr: &mut Expr) -> Option<&mut Vec<Attribute>> {
    match expr {
        Expr::Block(e) => Some(&mut e.attrs),
        Expr::Async(e) => Some(&mut e.attrs),
        Expr::Closure(e) => Some(&mut e.attrs),
        Expr::If(e) => Some(&mut e.attrs),
        Expr::Match(e) => Some(&mut e.attrs),
        Expr::Unsafe(e) => Some(&mut e.attrs),
        Expr::Call(e) => Some(&mut e.attrs),
        Expr::MethodCall(e) => Some(&mut e.attrs),
        Expr::Macro(e) => Some(&mut e.attrs),
        Expr::Await(e) => Some(&mut e.attrs),
        Expr::Assign(e) => Some(&mut e.attrs),
        _ => None,
    }
}

impl VisitMut for Walker<'_> {
    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        self.reject_markers_on(&mut local.attrs);
        visit_mut::visit_local_mut(self, local);
    }

    // Kept small, each kind in a method of its own: the walk recurses once per nesting level
    // of the user's expression, on the compiler's stack, in an unoptimised proc macro.
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Some(attrs) = non_loop_attrs(expr) {
            self.reject_markers_on(attrs);
        }
        match expr {
            Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) => self.visit_loop(expr),
            Expr::Async(_) => self.visit_async(expr),
            Expr::Closure(_) => self.visit_closure(expr),
            Expr::Const(_) => self.visit_const(expr),
            Expr::Repeat(repeat) => self.visit_repeat(repeat),
            Expr::If(expr_if) => self.visit_if(expr_if),
            Expr::Match(expr_match) => self.visit_match(expr_match),
            Expr::MethodCall(call) => self.visit_method_call(call),
            Expr::Index(index) => self.visit_index(index),
            Expr::Call(call) => self.visit_call(call),
            Expr::Tuple(tuple) => self.visit_operands(tuple.elems.iter_mut()),
            Expr::Array(array) => self.visit_operands(array.elems.iter_mut()),
            Expr::Struct(literal) => self.visit_struct(literal),
            Expr::Binary(binary) => self.visit_binary(binary),
            Expr::Macro(_) | Expr::Reference(_) | Expr::Field(_) | Expr::Unary(_) => {
                self.visit_place_operand(expr);
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    /// A statement ends the temporaries created in it, except a block's tail expression (in
    /// edition 2021 its temporaries live on into the enclosing statement) and a `let` that
    /// extends a borrowed temporary to the end of the block.
    fn visit_block_mut(&mut self, block: &mut Block) {
        let count = block.stmts.len();
        for (index, stmt) in block.stmts.iter_mut().enumerate() {
            let is_tail = index + 1 == count && matches!(stmt, Stmt::Expr(_, None));
            let extends = matches!(
                stmt,
                Stmt::Local(syn::Local { pat, init: Some(init), .. })
                    if let_extends_temporaries(pat, &init.expr)
            );
            let saved = self.scope.under_temporary;
            self.visit_stmt_mut(stmt);
            if extends {
                self.scope.under_temporary = true;
            } else if !is_tail {
                self.scope.under_temporary = saved;
            }
        }
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
