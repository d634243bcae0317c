//! The body walker: finds the loops of a fn body, decides for each whether it runs in async
//! context, whether it may get a yield point and whether it awaits on its own, and hands each
//! decision to [`Hooks`], which act on it (coop-macros inserts yield points or raises `check`'s
//! errors; cargo-coop collects findings).
//!
//! The walker carries an explicit scope and saves and restores it at every boundary:
//!
//! - `async { .. }` blocks and `async |..| ..` closures enter async context;
//! - sync closures and every const position (`const { .. }` blocks, array lengths, types, const
//!   generic arguments) leave it: their loops cannot await;
//! - the branch of an `if false { .. }` never runs (generated fake return edges, such as
//!   `#[tracing::instrument]`'s, are written so): its loops are left alone;
//! - where a value the code never named may be alive (a header's temporaries, an earlier operand
//!   of the statement, a borrow a `let` extends; see [`crate::temporaries`]) or a macro prints
//!   the code as written, no yield point goes: the rule is stated in the docs of
//!   `#[cooperative]`, "Where the yield point goes";
//! - nested items (`fn`, `impl`, `mod`, `const`, `static`, ...) are not visited at all: they are
//!   someone else's code, with attributes of their own;
//! - macro invocations are walked where their grammar is known (see [`crate::macros`]): the arms
//!   of `select!` and the operands of `join!` run in async context, the operands of std's
//!   expression macros (`vec![..]`, `assert!(..)`, `format!(..)`) in the enclosing context, in
//!   order. In any other macro a loop keyword followed by a body is reported as an
//!   [`OpaqueLoop`] and never rewritten.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, Block, Expr, ExprIf, ExprMatch, GenericArgument, Item, Macro, Stmt, Type};

use crate::awaits::{is_false, loop_verdict_where};
use crate::cfg_attr;
use crate::cfgs::{compiled_when, never_compiled, never_holds, stmt_attrs};
use crate::hooks::{Hooks, Walked};
use crate::loops::{LoopKind, LoopSite, OpaqueLoop};
use crate::macros::{self, Body, MacroBody, Printed};
use crate::markers::{self, Marker, non_loop_attrs};
use crate::temporaries::{
    creates_temporaries, leaves_temporary, leaves_unmoved, let_extends_temporaries,
    output_owns_nothing, owns_nothing, scrutinee_stays_alive, statement_macro_extends,
    yields_plain_items,
};

/// Walks a fn body; `is_async_fn` says whether the body itself runs in async context. Every
/// `#[unconstrained]` marker on a loop is removed from the tree (rustc rejects unknown attributes
/// on expressions), and each loop, async block, async closure and opaque loop goes to `hooks`.
///
/// ```
/// use coop_analysis::{Hooks, LoopSite, walk_fn_body};
///
/// struct Instrumentable(Vec<bool>);
/// impl Hooks for Instrumentable {
///     fn on_loop(&mut self, _: &mut syn::Expr, site: &LoopSite) -> bool {
///         self.0.push(site.instrumentable);
///         false
///     }
/// }
///
/// let mut body: syn::Block = syn::parse_quote!({
///     for x in cell.borrow().iter() { use_it(x); } // the borrow lives through the loop
///     for x in items { use_it(x); }
/// });
/// let mut sites = Instrumentable(Vec::new());
/// walk_fn_body(&mut body, true, &mut sites);
/// assert_eq!(sites.0, [false, true]);
/// ```
pub fn walk_fn_body(block: &mut Block, is_async_fn: bool, hooks: &mut dyn Hooks) -> Walked {
    let mut walker = Walker {
        hooks,
        scope: Scope {
            in_async: is_async_fn,
            ..Scope::default()
        },
        found_async_code: false,
        touched: 0,
    };
    walker.visit_block_mut(block);
    Walked {
        found_async_code: walker.found_async_code,
    }
}

/// Reports and removes the loop markers on a fn's parameters (`self` included), as the walker
/// does on anything but a loop: `fn f(#[unconstrained] x: u8)` gets
/// [`Hooks::on_marker_not_on_a_loop`] where rustc would reject an attribute macro on a
/// parameter.
///
/// ```
/// use coop_analysis::{Hooks, reject_param_markers};
///
/// struct Rejected(usize);
/// impl Hooks for Rejected {
///     fn on_marker_not_on_a_loop(&mut self, _: proc_macro2::Span) {
///         self.0 += 1;
///     }
/// }
///
/// let mut sig: syn::Signature = syn::parse_quote!(async fn f(#[unconstrained] n: u8, m: u8));
/// let mut rejected = Rejected(0);
/// reject_param_markers(&mut sig, &mut rejected);
/// assert_eq!(rejected.0, 1);
/// assert_eq!(quote::quote!(#sig).to_string(), quote::quote!(async fn f(n: u8, m: u8)).to_string());
/// ```
pub fn reject_param_markers(sig: &mut syn::Signature, hooks: &mut dyn Hooks) {
    for span in markers::take_param_markers(sig) {
        hooks.on_marker_not_on_a_loop(span);
    }
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
    /// This code, or code around it, carries `#[cfg(..)]`.
    under_cfg: bool,
    /// This code never runs (`if false { .. }`).
    dead: bool,
    /// The macro that prints this code as written (`dbg!`'s operands, `assert!`'s condition):
    /// nothing may be inserted in it.
    printed_by: Option<String>,
}

struct Walker<'h> {
    hooks: &'h mut dyn Hooks,
    scope: Scope,
    found_async_code: bool,
    /// How many changes the hooks and marker removal made: a macro's tokens are re-emitted only
    /// when this moved while walking them.
    touched: usize,
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

    fn visit_loop(&mut self, expr: &mut Expr) {
        let (attrs, keyword, kind) = match expr {
            Expr::Loop(e) => (&mut e.attrs, e.loop_token.span, LoopKind::Loop),
            Expr::While(e) => (&mut e.attrs, e.while_token.span, LoopKind::While),
            Expr::ForLoop(e) => (&mut e.attrs, e.for_token.span, LoopKind::For),
            _ => return,
        };
        let mut scope = self.scope.clone();
        scope.under_cfg |= compiled_when(attrs).is_some();
        match self.take_markers(attrs) {
            Marker::None => {}
            Marker::Always => scope.opted_out = true,
            // A predicate that holds, or fails, in every build (`all()`, `any()`) is settled
            // here, as rustc settles it: the tool, which cannot evaluate the others, then
            // agrees with the build.
            Marker::When(pred) => match cfg_attr::holds(&pred) {
                Some(true) => scope.opted_out = true,
                Some(false) => {}
                None => scope.cfg_opt_outs.push(pred),
            },
        }
        let runs_in_async = scope.in_async && !scope.dead && !scope.opted_out;
        let mut instrumentable =
            runs_in_async && !scope.under_temporary && scope.printed_by.is_none();
        let mut yield_before_condition = false;
        match expr {
            Expr::Loop(e) => self.in_scope(scope.clone(), |w| w.visit_block_mut(&mut e.body)),
            Expr::ForLoop(e) => {
                // The iterator expression's temporaries live through the loop, and so does
                // each item where the pattern leaves part of it unnamed (`for _ in guards`).
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
                let lets = let_scrutinees(&e.cond);
                yield_before_condition = !lets.is_empty();
                let header_alive = lets.iter().any(|expr_let| {
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
        let (verdict, awaits_only_where) = match runs_in_async.then(|| loop_verdict_where(expr)) {
            Some((verdict, awaits_only_where)) => (Some(verdict), awaits_only_where),
            None => (None, Vec::new()),
        };
        let site = LoopSite {
            kind,
            keyword,
            body: loop_body_span(expr),
            runs_in_async,
            instrumentable,
            cfg_opt_outs: scope.cfg_opt_outs,
            yield_before_condition,
            verdict,
            awaits_only_where,
            under_cfg: scope.under_cfg,
            printed_by: scope.printed_by,
        };
        if self.hooks.on_loop(expr, &site) {
            self.touched += 1;
        }
    }

    /// Takes the loop's markers out of the tree (see [`crate::markers`]) and reports those
    /// written with arguments.
    fn take_markers(&mut self, attrs: &mut Vec<Attribute>) -> Marker {
        let taken = markers::take_loop_markers(attrs);
        self.touched += taken.changed;
        for span in taken.with_arguments {
            self.hooks.on_marker_with_arguments(span);
        }
        taken.marker
    }

    // `if false { .. }` never runs; the branches of an `if let` run while its scrutinee's
    // temporaries may be alive (in edition 2021 the `else` branch too).
    fn visit_if(&mut self, expr_if: &mut ExprIf) {
        let dead = is_false(&expr_if.cond);
        let header_alive = let_scrutinees(&expr_if.cond).iter().any(|expr_let| {
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
            // An arm under a `cfg` that fails in every build is not there (as a statement).
            if never_compiled(&arm.attrs) {
                continue;
            }
            self.reject_markers_on(&mut arm.attrs);
            let alive = temporaries || scrutinee_stays_alive(&expr_match.expr, &arm.pat);
            let arm_scope = Scope {
                under_temporary: self.scope.under_temporary || alive,
                under_cfg: self.scope.under_cfg || compiled_when(&arm.attrs).is_some(),
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

    /// A macro call: walked where its grammar is known, scanned for loops otherwise.
    fn visit_macro_call(&mut self, mac: &mut Macro) {
        let before = self.touched;
        match macros::parse(mac) {
            MacroBody::Inert => {}
            MacroBody::Opaque => {
                if self.scope.in_async && !self.scope.dead && !self.scope.opted_out {
                    let name = macros::name(mac);
                    let path = mac.path.span();
                    for (kind, keyword) in macros::scan_loops(mac.tokens.clone()) {
                        self.hooks.on_opaque_loop(&OpaqueLoop {
                            kind,
                            keyword,
                            macro_name: name.clone(),
                            macro_path: path,
                        });
                    }
                }
            }
            MacroBody::Exprs(mut body, printed) => {
                // The operands are evaluated where the call stands, in order, like a call's
                // arguments: once one may own something, the ones after it run while it is
                // alive. An operand the macro prints as written gets no yield point.
                let name = macros::name(mac);
                for (index, expr) in body.exprs_mut().into_iter().enumerate() {
                    let is_printed = match printed {
                        Printed::Nothing => false,
                        Printed::First => index == 0,
                        Printed::All => true,
                    };
                    let outer = self.scope.printed_by.clone();
                    if is_printed && outer.is_none() {
                        self.scope.printed_by = Some(name.clone());
                    }
                    self.visit_expr_mut(expr);
                    self.scope.printed_by = outer;
                    self.scope.under_temporary |= !owns_nothing(expr);
                }
                if self.touched != before {
                    mac.tokens = body.into_token_stream();
                }
            }
            MacroBody::Async(mut body) => {
                // `select!`, `join!`: only valid in async code, their operands and handlers run
                // in the enclosing future. `join!` polls its futures in turn: a later one runs
                // while an earlier one's output (or the future itself) is alive.
                let is_join = matches!(body, Body::List { .. });
                let scope = Scope {
                    in_async: true,
                    ..self.scope.clone()
                };
                self.in_scope(scope, |w| {
                    for expr in body.exprs_mut() {
                        w.visit_expr_mut(expr);
                        if is_join {
                            w.scope.under_temporary |= !output_owns_nothing(expr);
                        }
                    }
                });
                if self.touched != before {
                    mac.tokens = body.into_token_stream();
                }
            }
        }
    }
}
/// The `let` expressions of a condition: `let p = e`, or each `let` of a let-chain.
///
/// ```
/// let cond: syn::Expr = syn::parse_quote!(let Some(x) = a && x > 1 && let Ok(y) = b);
/// assert_eq!(coop_analysis::let_scrutinees(&cond).len(), 2);
/// ```
pub fn let_scrutinees(cond: &Expr) -> Vec<&syn::ExprLet> {
    match cond {
        Expr::Let(expr_let) => vec![expr_let],
        Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
            let mut lets = let_scrutinees(&binary.left);
            lets.extend(let_scrutinees(&binary.right));
            lets
        }
        _ => Vec::new(),
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
// recursive `visit_expr_mut` stays small: it recurses once per nesting level of the user's
// expression, on the compiler's stack, in an unoptimised proc macro.
impl Walker<'_> {
    #[inline(never)]
    fn visit_async(&mut self, expr: &mut Expr) {
        self.found_async_code = true;
        let scope = Scope {
            in_async: true,
            ..self.scope.clone()
        };
        self.in_scope(scope, |w| visit_mut::visit_expr_mut(w, expr));
        if self.scope.printed_by.is_none() && self.hooks.on_async_block(expr) {
            self.touched += 1;
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
        if is_async && self.scope.printed_by.is_none() && self.hooks.on_async_closure(closure) {
            self.touched += 1;
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
        for field in &mut literal.fields {
            if never_compiled(&field.attrs) {
                continue;
            }
            self.reject_markers_on(&mut field.attrs);
            let saved = self.scope.under_cfg;
            self.scope.under_cfg |= compiled_when(&field.attrs).is_some();
            self.visit_operands(std::iter::once(&mut field.expr));
            self.scope.under_cfg = saved;
        }
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

    /// Visits operands in evaluation order; once one holds a value that may own something, the
    /// ones after it run while that value is alive.
    #[inline(never)]
    fn visit_operands<'e>(&mut self, operands: impl Iterator<Item = &'e mut Expr>) {
        for operand in operands {
            self.visit_expr_mut(operand);
            self.scope.under_temporary |= !owns_nothing(operand);
        }
    }

    /// A marker on anything but a loop: reported, and removed so that rustc adds no errors of
    /// its own about attributes on expressions.
    fn reject_markers_on(&mut self, attrs: &mut Vec<Attribute>) {
        let rejected = markers::take_stray_markers(attrs);
        self.touched += rejected.len();
        for span in rejected {
            self.hooks.on_marker_not_on_a_loop(span);
        }
    }
}
impl VisitMut for Walker<'_> {
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

    /// A pattern: a closure's parameters carry their attributes there.
    fn visit_pat_mut(&mut self, pat: &mut syn::Pat) {
        if let Some(attrs) = markers::pat_attrs(pat) {
            // A closure parameter under a `cfg` that fails in every build is not there.
            if never_compiled(attrs) {
                return;
            }
            self.reject_markers_on(attrs);
        }
        visit_mut::visit_pat_mut(self, pat);
    }

    /// `let pat = init else { .. }`: rustc drops the initializer's temporaries, extended ones
    /// included, before the `else` block runs.
    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        self.reject_markers_on(&mut local.attrs);
        let Some(syn::LocalInit {
            expr,
            diverge: Some((_, otherwise)),
            ..
        }) = &mut local.init
        else {
            visit_mut::visit_local_mut(self, local);
            return;
        };
        let before = self.scope.under_temporary;
        self.visit_pat_mut(&mut local.pat);
        self.visit_expr_mut(expr);
        let after = self.scope.under_temporary;
        self.scope.under_temporary = before;
        self.visit_expr_mut(otherwise);
        self.scope.under_temporary = after;
    }

    /// A statement ends the temporaries created in it, except a block's tail expression (in
    /// edition 2021 its temporaries live on into the enclosing statement), a `let` that
    /// extends a borrowed temporary to the end of the block, and a macro statement that may
    /// expand to such a `let`.
    fn visit_block_mut(&mut self, block: &mut Block) {
        let count = block.stmts.len();
        for (index, stmt) in block.stmts.iter_mut().enumerate() {
            let compiled = compiled_when(stmt_attrs(stmt));
            // Never compiled: nothing in it is reported or rewritten (rustc removes it, markers
            // included, before it reads them).
            if compiled.as_ref().is_some_and(never_holds) {
                continue;
            }
            let is_tail = index + 1 == count && matches!(stmt, Stmt::Expr(_, None));
            let extends = match stmt {
                Stmt::Local(syn::Local {
                    pat,
                    init: Some(init),
                    ..
                }) => let_extends_temporaries(pat, &init.expr),
                Stmt::Macro(stmt) => statement_macro_extends(&stmt.mac),
                _ => false,
            };
            let saved = self.scope.under_temporary;
            let saved_cfg = self.scope.under_cfg;
            self.scope.under_cfg |= compiled.is_some();
            self.visit_stmt_mut(stmt);
            self.scope.under_cfg = saved_cfg;
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

    /// A macro call as a statement (`println!(..);`): a marker on it marks no loop.
    fn visit_stmt_macro_mut(&mut self, stmt: &mut syn::StmtMacro) {
        self.reject_markers_on(&mut stmt.attrs);
        visit_mut::visit_stmt_macro_mut(self, stmt);
    }

    /// Macro invocations: see the module docs and [`crate::macros`].
    fn visit_macro_mut(&mut self, mac: &mut Macro) {
        self.visit_macro_call(mac);
    }
}

#[cfg(test)]
mod tests {
    use crate::{FindingKind, Hooks, LoopSite, OpaqueLoop, scan_file, walk_fn_body};

    #[derive(Default)]
    struct Sites {
        instrumentable: Vec<bool>,
        opaque: usize,
    }

    impl Hooks for Sites {
        fn on_loop(&mut self, _: &mut syn::Expr, site: &LoopSite) -> bool {
            self.instrumentable.push(site.instrumentable);
            false
        }
        fn on_opaque_loop(&mut self, _: &OpaqueLoop) {
            self.opaque += 1;
        }
    }

    /// Whether each loop of `body` (in the order their walks end: inner loops first) may get a
    /// yield point, and how many loops sit in macros that cannot be walked.
    fn sites(body: syn::Block) -> Sites {
        let mut body = body;
        let mut sites = Sites::default();
        walk_fn_body(&mut body, true, &mut sites);
        sites
    }

    #[test]
    fn a_macro_operand_after_one_that_may_own_something_gets_no_yield_point() {
        let walked = sites(syn::parse_quote!({
            write!(out.borrow_mut(), "{}", {
                loop {
                    spin();
                }
            })
            .unwrap();
            let _ = format!("{:?} {}", m.lock(), {
                loop {
                    spin();
                }
            });
            let _ = format!("{} {}", n, {
                loop {
                    spin();
                }
            });
            let _ = vec![n, {
                loop {
                    spin();
                }
            }];
        }));
        assert_eq!(walked.instrumentable, [false, false, true, true]);
    }

    #[test]
    fn a_loop_after_a_let_keeps_its_yield_point_unless_the_let_extends_a_temporary() {
        let walked = sites(syn::parse_quote!({
            let v = std::mem::take(&mut *cell.borrow_mut());
            for x in &v {
                spin(x);
            }
            let shown = format_args!("{}", *cell.borrow());
            loop {
                spin(shown);
            }
        }));
        assert_eq!(walked.instrumentable, [true, false]);
        let walked = sites(syn::parse_quote!({
            let w = Wrap(&*cell.borrow());
            loop {
                spin(w);
            }
        }));
        assert_eq!(walked.instrumentable, [false]);
        let walked = sites(syn::parse_quote!({
            tracing::info!("start");
            loop {
                spin();
            }
            bind!(x, cell);
            loop {
                spin(x);
            }
        }));
        assert_eq!(walked.instrumentable, [true, false]);
    }

    #[test]
    fn an_operand_printed_as_written_gets_no_yield_point() {
        let walked = sites(syn::parse_quote!({
            dbg!({
                loop {
                    spin();
                }
            });
            assert!(
                {
                    loop {
                        spin();
                    }
                } == 1
            );
            assert!(ok, "{}", {
                loop {
                    spin();
                }
            });
            assert_eq!(
                {
                    loop {
                        spin();
                    }
                },
                1
            );
        }));
        assert_eq!(walked.instrumentable, [false, false, true, true]);
    }

    #[test]
    fn a_macro_of_your_own_is_not_rewritten() {
        let walked = sites(syn::parse_quote!({
            my_macro!(a, {
                loop {
                    spin();
                }
            });
        }));
        assert!(walked.instrumentable.is_empty());
        assert_eq!(walked.opaque, 1);
    }

    #[test]
    fn a_let_else_block_runs_after_the_initializer_is_dropped() {
        let walked = sites(syn::parse_quote!({
            let Some(x) = *c.borrow() else {
                loop {
                    spin();
                }
            };
            let (x, 2..) = (&c.borrow(), 1) else {
                loop {
                    spin();
                }
            };
            loop {
                spin();
            }
        }));
        // The second `let` extends the borrow for the rest of the block, not into its `else`.
        assert_eq!(walked.instrumentable, [true, true, false]);
    }

    #[test]
    fn check_does_not_advise_binding_a_let_else_initializer() {
        let file: syn::File = syn::parse_quote! {
            async fn wait(c: &std::cell::RefCell<Option<u32>>) -> u32 {
                let Some(x) = *c.borrow() else { loop { spin(); } };
                x
            }
        };
        let kinds: Vec<FindingKind> = scan_file(file)
            .findings
            .into_iter()
            .map(|f| f.kind)
            .collect();
        assert_eq!(kinds, [FindingKind::NeverAwaits]);
    }
}
