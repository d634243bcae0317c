//! Which expressions leave hidden temporaries alive while a loop runs.
//!
//! A yield point suspends the task. If a value the user never named (a `RefCell` borrow, a lock
//! guard, a `Vec` built for the loop) is alive at that moment, another task can run while it is
//! held: a second `borrow_mut` panics, a second `lock` deadlocks a one-thread executor, a
//! non-`Send` temporary makes the future non-`Send`. Plain code never suspended there, so the
//! yield point would change what the program does. The walker therefore puts no yield point
//! where such a temporary may be alive:
//!
//! - the scrutinee of a `match`, `if let` or `while let` (and let-chains) lives through the arms
//!   and the body: temporaries created while evaluating it, and, in arms whose pattern does not
//!   move the whole value out (`_`, `..`, `ref`), the scrutinee's own value;
//! - the iterator expression of a `for` lives through the whole loop: temporaries created while
//!   evaluating it (`cell.borrow().iter()`; the iterator itself is the loop's own state).
//!
//! Without types, "creates a temporary" is decided on syntax, conservatively: a value that is
//! not a place (a call, a method call, a macro, an `.await`, a block, ...) used where a place is
//! needed (a method receiver, the operand of `&`, a field or index base, a `*` operand) is a
//! temporary, unless the method is known to take its receiver by value (iterator adapters,
//! `unwrap`, ...) or the value is known to own nothing (`s.trim()`, `v.iter()`, ranges,
//! arithmetic). A false "yes" costs a yield point in one loop; a false "no" would change the
//! program, so every unknown counts as a temporary.

use syn::visit::{self, Visit};
use syn::{Expr, ExprAsync, ExprClosure, Item, Pat, UnOp};

/// Methods that take `self` by value: their receiver is moved into the call, not left behind as
/// a temporary.
const MOVES_RECEIVER: &[&str] = &[
    "into_iter",
    "map",
    "filter",
    "filter_map",
    "flat_map",
    "flatten",
    "enumerate",
    "zip",
    "chain",
    "rev",
    "skip",
    "take",
    "skip_while",
    "take_while",
    "map_while",
    "step_by",
    "peekable",
    "fuse",
    "inspect",
    "cloned",
    "copied",
    "cycle",
    "scan",
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "into",
    "collect",
];

/// Methods whose result owns nothing that a drop or a thread could observe: borrowed views and
/// plain iterators over a place.
const OWNS_NOTHING: &[&str] = &[
    "iter",
    "iter_mut",
    "chars",
    "char_indices",
    "bytes",
    "lines",
    "split",
    "split_whitespace",
    "split_terminator",
    "rsplit",
    "splitn",
    "windows",
    "chunks",
    "chunks_exact",
    "keys",
    "values",
    "values_mut",
    "as_bytes",
    "as_str",
    "as_slice",
    "as_mut_slice",
    "as_ref",
    "as_mut",
    "as_deref",
    "as_deref_mut",
    "trim",
    "trim_start",
    "trim_end",
    "len",
];

/// Whether evaluating `expr` creates a temporary that stays alive after `expr` has produced its
/// value (until the end of the enclosing statement, `match`, `if let` or `for`).
///
/// ```
/// use coop_analysis::temporaries::creates_temporaries;
///
/// assert!(creates_temporaries(&syn::parse_quote!(cell.borrow().iter())));
/// assert!(!creates_temporaries(&syn::parse_quote!(items.iter().enumerate())));
/// ```
pub fn creates_temporaries(expr: &Expr) -> bool {
    let mut finder = FindTemporaries(false);
    finder.visit_expr(expr);
    finder.0
}

/// Whether a scrutinee's own value may stay alive in an arm with this pattern: it is not a
/// place, and the pattern leaves part of it unmoved (`_`, `..`, `ref`).
///
/// ```
/// use coop_analysis::temporaries::scrutinee_stays_alive;
///
/// let guard: syn::Expr = syn::parse_quote!(m.lock());
/// let wild: syn::Pat = syn::parse_quote!(_);
/// assert!(scrutinee_stays_alive(&guard, &wild));
/// ```
pub fn scrutinee_stays_alive(scrutinee: &Expr, pat: &Pat) -> bool {
    if !is_value(scrutinee) {
        return false;
    }
    let mut finder = FindUnmoved(false);
    finder.visit_pat(pat);
    finder.0
}

/// A value expression that may own something: anything but a place, a literal, or a value known
/// to own nothing.
fn is_value(expr: &Expr) -> bool {
    match expr {
        Expr::Path(_) | Expr::Lit(_) | Expr::Range(_) | Expr::Binary(_) | Expr::Cast(_) => false,
        Expr::Unary(unary) => match unary.op {
            UnOp::Deref(_) => is_value(&unary.expr),
            _ => false,
        },
        Expr::Paren(inner) => is_value(&inner.expr),
        Expr::Group(inner) => is_value(&inner.expr),
        Expr::Field(field) => is_value(&field.base),
        Expr::Index(index) => is_value(&index.expr),
        // `&place` owns nothing; `&value()` is itself a temporary, found by the visitor.
        Expr::Reference(_) => false,
        Expr::Tuple(tuple) => tuple.elems.iter().any(is_value),
        Expr::Array(array) => array.elems.iter().any(is_value),
        Expr::MethodCall(call) => !OWNS_NOTHING.iter().any(|name| call.method == name),
        _ => true,
    }
}

struct FindTemporaries(bool);

/// Whether this node itself leaves a temporary behind once its operand is evaluated: a value
/// used where a place is needed. Its operands are not looked at (see [`creates_temporaries`]).
pub fn leaves_temporary(expr: &Expr) -> bool {
    let place_operand = match expr {
        Expr::MethodCall(call) if !MOVES_RECEIVER.iter().any(|name| call.method == name) => {
            Some(&*call.receiver)
        }
        Expr::Reference(reference) => Some(&*reference.expr),
        Expr::Field(field) => Some(&*field.base),
        Expr::Index(index) => Some(&*index.expr),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Deref(_)) => Some(&*unary.expr),
        _ => None,
    };
    place_operand.is_some_and(is_value)
}

impl<'ast> Visit<'ast> for FindTemporaries {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        self.0 |= leaves_temporary(expr);
        visit::visit_expr(self, expr);
    }

    // Closures, async blocks and items run on their own schedule, with temporaries of their own.
    fn visit_expr_closure(&mut self, _: &'ast ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast ExprAsync) {}
    fn visit_item(&mut self, _: &'ast Item) {}
}

struct FindUnmoved(bool);

impl<'ast> Visit<'ast> for FindUnmoved {
    fn visit_pat(&mut self, pat: &'ast Pat) {
        match pat {
            Pat::Wild(_) | Pat::Rest(_) => self.0 = true,
            Pat::Ident(ident) if ident.by_ref.is_some() => self.0 = true,
            _ => visit::visit_pat(self, pat),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temporaries(src: &str) -> bool {
        creates_temporaries(&syn::parse_str(src).unwrap())
    }

    #[test]
    fn guards_and_owned_receivers_are_temporaries() {
        assert!(temporaries("q.borrow_mut().pop()"));
        assert!(temporaries("m.lock().unwrap().iter()"));
        assert!(temporaries("data.lock().await.drain(..)"));
        assert!(temporaries("make_vec().iter()"));
        assert!(temporaries("&make_guard()"));
        assert!(temporaries("cell.borrow()[0]"));
        assert!(temporaries("*m.lock().unwrap()"));
        assert!(temporaries("pair().0"));
        assert!(temporaries("my_macro!().iter()"));
    }

    #[test]
    fn places_and_moved_receivers_are_not() {
        assert!(!temporaries("items"));
        assert!(!temporaries("self.items.iter_mut()"));
        assert!(!temporaries("v.iter().enumerate().map(|(i, x)| i + x)"));
        assert!(!temporaries("(0..n).rev().step_by(2)"));
        assert!(!temporaries("text.trim().lines()"));
        assert!(!temporaries("rx.recv().await"));
        assert!(!temporaries("it.next()"));
        assert!(!temporaries("stream.next().await"));
        assert!(!temporaries("make_vec()"));
        assert!(!temporaries("&self.buf[..]"));
        assert!(!temporaries("f(|| g().iter().count())"));
    }

    #[test]
    fn a_scrutinee_stays_alive_where_the_pattern_leaves_it_unmoved() {
        let stays = |scrutinee: &str, pat: &str| {
            scrutinee_stays_alive(
                &syn::parse_str(scrutinee).unwrap(),
                &syn::parse::Parser::parse_str(Pat::parse_single, pat).unwrap(),
            )
        };
        assert!(stays("m.lock()", "_"));
        assert!(stays("m.lock()", "Ok(_)"));
        assert!(stays("next_frame().await", "Frame { ref body, .. }"));
        assert!(!stays("next_frame().await", "Some(frame)"));
        assert!(!stays("queue", "_"));
        assert!(!stays("rx.try_recv()", "None"));
    }
}
