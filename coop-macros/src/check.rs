//! The `check` lint of `#[cooperative(check)]`: which loops await on their own, and the error
//! for the ones that do not.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Expr, ExprAsync, ExprAwait, ExprClosure, Item, Macro, Path};

use crate::visit::display_path;

/// Macros that await their operands without a `.await` in their tokens.
const AWAITING_MACROS: &[&str] = &["select", "select_biased", "join", "try_join", "pending"];

/// Whether a loop awaits on its own: an `.await` in its body or its `while` condition, not
/// inside a nested closure, async block or item (those run on their own schedule). The `for`
/// iterator expression does not count: it runs once, not per iteration.
///
/// Macro invocations count when their tokens hold `.await`, or when they are one of the
/// awaiting macros (`select!`, `join!`, ...), so that `loop { select! { .. } }` passes.
pub(crate) fn loop_awaits(expr: &Expr) -> bool {
    let mut finder = FindAwait { found: false };
    match expr {
        Expr::Loop(e) => finder.visit_block(&e.body),
        Expr::While(e) => {
            finder.visit_expr(&e.cond);
            finder.visit_block(&e.body);
        }
        Expr::ForLoop(e) => finder.visit_block(&e.body),
        _ => {}
    }
    finder.found
}

/// The lint's error, spanned on the loop keyword.
pub(crate) fn loop_never_awaits(keyword: Span, krate: &Path) -> syn::Error {
    syn::Error::new(
        keyword,
        format!(
            "this loop never awaits: it can hold its thread without ever yielding\n\
             \n\
             = help: add `{}::consume_budget().await;` to its body, drop `check` so that \
             `#[cooperative]` inserts a yield point, or mark the loop `#[unconstrained]`",
            display_path(krate),
        ),
    )
}

struct FindAwait {
    found: bool,
}

impl<'ast> Visit<'ast> for FindAwait {
    fn visit_expr_await(&mut self, _: &'ast ExprAwait) {
        self.found = true;
    }

    fn visit_expr_closure(&mut self, _: &'ast ExprClosure) {}

    fn visit_expr_async(&mut self, _: &'ast ExprAsync) {}

    fn visit_item(&mut self, _: &'ast Item) {}

    fn visit_macro(&mut self, mac: &'ast Macro) {
        let awaiting_macro = mac
            .path
            .segments
            .last()
            .is_some_and(|segment| AWAITING_MACROS.iter().any(|name| segment.ident == name));
        self.found |= awaiting_macro || tokens_await(mac.tokens.clone());
        visit::visit_macro(self, mac);
    }
}

/// `.await` anywhere in `tokens`, groups included.
fn tokens_await(tokens: TokenStream) -> bool {
    let mut after_dot = false;
    for token in tokens {
        match token {
            TokenTree::Punct(punct) if punct.as_char() == '.' => {
                after_dot = true;
                continue;
            }
            TokenTree::Ident(ident) if after_dot && ident == "await" => return true,
            TokenTree::Group(group) if tokens_await(group.stream()) => return true,
            _ => {}
        }
        after_dot = false;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn awaits(src: &str) -> bool {
        loop_awaits(&syn::parse_str(src).unwrap())
    }

    #[test]
    fn await_in_body_or_while_condition_counts() {
        assert!(awaits("loop { rx.recv().await; }"));
        assert!(awaits("while let Some(x) = rx.recv().await {}"));
        assert!(awaits("for x in xs { if x { inner.await } }"));
        assert!(awaits("loop { for y in ys { y.await; } }"));
    }

    #[test]
    fn await_in_nested_closure_async_block_or_iterator_does_not() {
        assert!(!awaits("loop { let f = async { x.await }; }"));
        assert!(!awaits("loop { let f = async || x.await; }"));
        assert!(!awaits("for x in stream.collect().await {}"));
        assert!(!awaits("loop { async fn nested() { x.await } }"));
    }

    #[test]
    fn macros_count_when_they_await() {
        assert!(awaits("loop { tokio::select! { _ = a => {} } }"));
        assert!(awaits("loop { my_macro!(x.await) }"));
        assert!(awaits("loop { my_macro!([ {x . await} ]) }"));
        assert!(!awaits("loop { println!(\"{}\", x.wait) }"));
    }
}
