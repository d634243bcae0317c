//! Does a loop await on its own? Pure: it reads syntax and returns a verdict; the walker
//! decides where it applies, and [`Verdict::finding`] classifies it in the one vocabulary of
//! [`crate::lints`], which both `check` and cargo-coop render.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::visit::{self, Visit};
use syn::{
    Arm, Attribute, Expr, ExprAsync, ExprAwait, ExprCall, ExprClosure, ExprIf, FieldValue, Item,
    Lit, Macro, Pat, Stmt,
};

use crate::cfg_attr;
use crate::cfgs::{compiled_when, never_holds, stmt_attrs};
use crate::lints::FindingKind;
use crate::macro_table;
use crate::macros::{self, MacroBody, tokens_await};

/// What a loop does about yielding.
///
/// ```
/// # use coop_analysis::{Verdict, loop_verdict};
/// let forgotten: syn::Expr = syn::parse_quote!(loop { coop_core::consume_budget(); });
/// assert!(matches!(loop_verdict(&forgotten), Verdict::YieldPointNotAwaited(_)));
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Verdict {
    /// An `.await` in its body or `while` condition: it can return `Pending` on its own.
    Awaits,
    /// No `.await` anywhere in it.
    NeverAwaits,
    /// It builds a `consume_budget()` future and drops it without `.await`: the yield point is
    /// there, the `.await` is missing.
    YieldPointNotAwaited(Span),
}

impl Verdict {
    /// The finding this verdict is, if any: `instrumentable` says whether `#[cooperative]` may put
    /// a yield point in the loop (no temporary of a header alive there).
    ///
    /// ```
    /// use coop_analysis::{FindingKind, Verdict};
    ///
    /// assert_eq!(Verdict::NeverAwaits.finding(true), Some(FindingKind::NeverAwaits));
    /// assert_eq!(Verdict::NeverAwaits.finding(false), Some(FindingKind::UnderTemporary));
    /// assert_eq!(Verdict::Awaits.finding(true), None);
    /// ```
    pub fn finding(self, instrumentable: bool) -> Option<FindingKind> {
        match self {
            Verdict::Awaits => None,
            Verdict::NeverAwaits if instrumentable => Some(FindingKind::NeverAwaits),
            Verdict::NeverAwaits => Some(FindingKind::UnderTemporary),
            Verdict::YieldPointNotAwaited(_) => Some(FindingKind::YieldPointNotAwaited),
        }
    }
}

/// Whether a loop awaits on its own: an `.await` in its body or its `while` condition, not
/// inside a nested closure, async block or item (those run on their own schedule). The `for`
/// iterator expression does not count: it runs once, not per iteration.
///
/// The operands of a macro whose grammar coop knows (`vec!`, `format!`, `assert!`, ...) are
/// read as the rest of the body is; another macro counts when its tokens hold `.await`; the
/// awaiting macros (`select!`, `join!`, ...) count, so that `loop { select! { .. } }` passes.
/// The branch of an `if false { .. }` never runs, and its `.await`s do not count. An
/// `.await` in a statement, match arm or field under `#[cfg(pred)]` counts too, unless `pred`
/// fails in every build (`any()`, `false`): other predicates are not evaluated here (the
/// walker hands them on, see [`LoopSite`](crate::LoopSite)).
///
/// ```
/// use coop_analysis::{Verdict, loop_verdict};
///
/// let spin: syn::Expr = syn::parse_quote!(loop { spin(); });
/// assert!(matches!(loop_verdict(&spin), Verdict::NeverAwaits));
/// let recv: syn::Expr = syn::parse_quote!(while let Some(x) = rx.recv().await { use_it(x); });
/// assert!(matches!(loop_verdict(&recv), Verdict::Awaits));
/// ```
pub fn loop_verdict(expr: &Expr) -> Verdict {
    loop_verdict_where(expr).0
}

/// [`loop_verdict`], and, for a loop whose every `.await` is under `#[cfg]`, the predicate of
/// each one's `cfg`s: the loop awaits where any of them holds, and never awaits where none
/// does. Empty where an `.await` is always there, or none is.
pub(crate) fn loop_verdict_where(expr: &Expr) -> (Verdict, Vec<TokenStream>) {
    let mut finder = FindAwait {
        found: false,
        unawaited: None,
        cfgs: Vec::new(),
        conditional: Vec::new(),
    };
    match expr {
        Expr::Loop(e) => finder.visit_block(&e.body),
        Expr::While(e) => {
            finder.visit_expr(&e.cond);
            finder.visit_block(&e.body);
        }
        Expr::ForLoop(e) => finder.visit_block(&e.body),
        _ => {}
    }
    match (finder.found, finder.unawaited) {
        (true, _) => (Verdict::Awaits, Vec::new()),
        (false, _) if !finder.conditional.is_empty() => (Verdict::Awaits, finder.conditional),
        (false, Some(span)) => (Verdict::YieldPointNotAwaited(span), Vec::new()),
        (false, None) => (Verdict::NeverAwaits, Vec::new()),
    }
}

struct FindAwait {
    /// An `.await` that is always compiled.
    found: bool,
    unawaited: Option<Span>,
    /// The predicates of the `#[cfg]`s around the code being visited.
    cfgs: Vec<TokenStream>,
    /// For each `.await` under `#[cfg]`s, where it is compiled.
    conditional: Vec<TokenStream>,
}

impl FindAwait {
    /// An `.await` here.
    fn awaits(&mut self) {
        match self.cfgs.as_slice() {
            [] => self.found = true,
            [pred] => self.conditional.push(pred.clone()),
            preds => self.conditional.push(quote!(all(#(#preds),*))),
        }
    }

    /// Visits code carrying `attrs` with `visit`, under their `cfg`s.
    /// Code under a predicate that fails in every build (`any()`) is not there at all; one that
    /// holds in every build (`all()`) changes nothing.
    fn under(&mut self, attrs: &[Attribute], visit: impl FnOnce(&mut Self)) {
        match compiled_when(attrs) {
            Some(pred) if never_holds(&pred) => {}
            Some(pred) if cfg_attr::holds(&pred) == Some(true) => visit(self),
            Some(pred) => {
                self.cfgs.push(pred);
                visit(self);
                self.cfgs.pop();
            }
            None => visit(self),
        }
    }
}

impl<'ast> Visit<'ast> for FindAwait {
    /// Not visited further: a `consume_budget()` under an `.await` is awaited.
    fn visit_expr_await(&mut self, _: &'ast ExprAwait) {
        self.awaits();
    }

    fn visit_arm(&mut self, arm: &'ast Arm) {
        self.under(&arm.attrs, |finder| visit::visit_arm(finder, arm));
    }

    fn visit_field_value(&mut self, field: &'ast FieldValue) {
        self.under(&field.attrs, |finder| {
            visit::visit_field_value(finder, field)
        });
    }

    /// A `consume_budget()` whose future is dropped where it is built, a statement of its own
    /// or `let _ = ..`: the yield point is there, its `.await` is not. A future used any other
    /// way (polled in place, passed on) is the code's own business.
    fn visit_stmt(&mut self, stmt: &'ast Stmt) {
        let dropped = match stmt {
            Stmt::Expr(expr, Some(_)) => Some(expr),
            Stmt::Local(local) if matches!(local.pat, Pat::Wild(_)) => {
                local.init.as_ref().map(|init| &*init.expr)
            }
            _ => None,
        };
        self.under(stmt_attrs(stmt), |finder| {
            if let Some(Expr::Call(call)) = dropped
                && is_consume_budget(call)
            {
                finder
                    .unawaited
                    .get_or_insert(call.paren_token.span.close());
            }
            visit::visit_stmt(finder, stmt);
        });
    }

    fn visit_expr_closure(&mut self, _: &'ast ExprClosure) {}

    fn visit_expr_async(&mut self, _: &'ast ExprAsync) {}

    fn visit_item(&mut self, _: &'ast Item) {}

    /// `if false { .. }` never runs: an `.await` there is no yield point.
    fn visit_expr_if(&mut self, expr_if: &'ast ExprIf) {
        for attr in &expr_if.attrs {
            self.visit_attribute(attr);
        }
        self.visit_expr(&expr_if.cond);
        if !is_false(&expr_if.cond) {
            self.visit_block(&expr_if.then_branch);
        }
        if let Some((_, otherwise)) = &expr_if.else_branch {
            self.visit_expr(otherwise);
        }
    }

    /// A macro whose grammar coop knows is read as code: its operands are visited as the rest
    /// of the loop is (an `.await` in an async block among them is that block's, not the
    /// loop's). Another macro awaits where its tokens hold `.await`.
    fn visit_macro(&mut self, mac: &'ast Macro) {
        if macro_table::awaits(mac) {
            self.awaits();
        }
        match macros::parse(mac) {
            MacroBody::Inert => {}
            MacroBody::Opaque => {
                if tokens_await(mac.tokens.clone()) {
                    self.awaits();
                }
            }
            MacroBody::Exprs(mut body, _) | MacroBody::Async(mut body) => {
                for expr in body.exprs_mut() {
                    self.visit_expr(expr);
                }
            }
        }
    }
}

/// A call of a fn named `consume_budget`.
fn is_consume_budget(call: &ExprCall) -> bool {
    matches!(&*call.func, Expr::Path(path) if path
        .path
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "consume_budget"))
}

/// Whether a condition is the literal `false`: its branch never runs.
pub(crate) fn is_false(cond: &Expr) -> bool {
    match cond {
        Expr::Lit(lit) => matches!(&lit.lit, Lit::Bool(b) if !b.value),
        Expr::Paren(inner) => is_false(&inner.expr),
        Expr::Group(inner) => is_false(&inner.expr),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(src: &str) -> Verdict {
        loop_verdict(&syn::parse_str(src).unwrap())
    }

    fn awaits(src: &str) -> bool {
        matches!(verdict(src), Verdict::Awaits)
    }

    #[test]
    fn await_in_body_or_while_condition_counts() {
        assert!(awaits("loop { rx.recv().await; }"));
        assert!(awaits("while let Some(x) = rx.recv().await {}"));
        assert!(awaits("for x in xs { if x { inner.await } }"));
        assert!(awaits("loop { for y in ys { y.await; } }"));
        assert!(awaits("loop { coop_core::consume_budget().await; }"));
    }

    #[test]
    fn await_in_nested_closure_async_block_or_iterator_does_not() {
        assert!(!awaits("loop { let f = async { x.await }; }"));
        assert!(!awaits("loop { let f = async || x.await; }"));
        assert!(!awaits("for x in stream.collect().await {}"));
        assert!(!awaits("loop { async fn nested() { x.await } }"));
    }

    /// Where each `.await` is compiled, for a loop whose every `.await` is under `#[cfg]`.
    fn awaits_only_where(src: &str) -> Vec<String> {
        let (verdict, preds) = loop_verdict_where(&syn::parse_str(src).unwrap());
        assert!(preds.is_empty() || matches!(verdict, Verdict::Awaits));
        preds.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn awaits_under_cfg_count_where_their_predicate_holds() {
        assert_eq!(
            awaits_only_where("loop { #[cfg(unix)] x.await; }"),
            ["unix"]
        );
        assert_eq!(
            awaits_only_where(
                "loop { #[cfg(a)] { #[cfg(b)] let y = x.await; } #[cfg(c)] m!(x.await); }"
            ),
            ["all (a , b)", "c"]
        );
        assert_eq!(
            awaits_only_where("loop { match k { #[cfg(a)] 0 => x.await, _ => {} } }"),
            ["a"]
        );
        assert_eq!(
            awaits_only_where("loop { S { #[cfg(a)] f: x.await }; }"),
            ["a"]
        );
        // One `.await` always there: the loop awaits, whatever the others' predicates say.
        assert!(awaits_only_where("loop { #[cfg(a)] x.await; y.await; }").is_empty());
        assert!(awaits_only_where("loop { spin(); }").is_empty());
        // `loop_verdict` evaluates only predicates settled in every build: the loop may await.
        assert!(awaits("loop { #[cfg(unix)] x.await; }"));
        assert!(!awaits("loop { #[cfg(any())] x.await; }"));
        assert!(!awaits(
            "loop { #[cfg_attr(all(), cfg(false))] { x.await; } }"
        ));
        assert!(!awaits(
            "loop { match k { #[cfg(any())] 0 => x.await, _ => {} } }"
        ));
        assert!(awaits_only_where("loop { #[cfg(all())] x.await; }").is_empty());
        assert!(awaits("loop { #[cfg(all())] x.await; }"));
    }

    #[test]
    fn macros_count_when_they_await() {
        assert!(awaits("loop { tokio::select! { _ = a => {} } }"));
        assert!(awaits("loop { my_macro!(x.await) }"));
        assert!(awaits("loop { my_macro!([ {x . await} ]) }"));
        assert!(!awaits("loop { println!(\"{}\", x.wait) }"));
        assert!(awaits("loop { let v = vec![f().await]; }"));
        assert!(awaits("loop { let s = format!(\"{}\", f().await); }"));
        assert!(!awaits("loop { let s = stringify!(f().await); }"));
    }

    #[test]
    fn an_await_in_an_async_block_among_a_known_macros_operands_does_not() {
        assert!(!awaits("loop { let v = vec![async { f().await }]; }"));
        assert!(!awaits("loop { let v = vec![async { f().await }; 2]; }"));
        assert!(!awaits(
            "loop { let s = format!(\"{}\", async { f().await }.x()); }"
        ));
        assert!(!awaits("loop { assert!(ready(|| async { f().await })); }"));
        // A known macro whose operands do not parse as expressions is read as tokens.
        assert!(awaits("loop { assert!(matches!(x, y if f().await)); }"));
    }

    #[test]
    fn an_await_under_if_false_does_not() {
        assert!(!awaits("while !done { if false { cleanup().await; } }"));
        assert!(!awaits("loop { if (false) { x.await } }"));
        assert!(awaits("loop { if false { } else { x.await } }"));
        assert!(awaits("loop { if done() { x.await } }"));
    }

    #[test]
    fn a_yield_point_without_await_is_its_own_verdict() {
        assert!(matches!(
            verdict("loop { coop_core::consume_budget(); }"),
            Verdict::YieldPointNotAwaited(_)
        ));
        assert!(matches!(
            verdict("for x in xs { let _ = consume_budget(); }"),
            Verdict::YieldPointNotAwaited(_)
        ));
        assert!(matches!(verdict("loop { spin(); }"), Verdict::NeverAwaits));
    }

    #[test]
    fn a_consume_budget_future_used_some_other_way_is_not_a_forgotten_await() {
        assert!(matches!(
            verdict("while consume_budget().now_or_never().is_some() { n += 1; }"),
            Verdict::NeverAwaits
        ));
        assert!(matches!(
            verdict("loop { poll_once(consume_budget()); }"),
            Verdict::NeverAwaits
        ));
        assert!(matches!(
            verdict("loop { let pending = consume_budget(); keep(pending); }"),
            Verdict::NeverAwaits
        ));
    }
}
