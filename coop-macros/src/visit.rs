//! The body walker: finds the loops of a fn body that run in async context, and acts on them
//! (inserts a yield point, checks them, or only strips their `#[unconstrained]` markers).
//!
//! The walker carries an explicit [`Scope`]: whether code at this point can `.await` (the body
//! of an `async fn`, an `async` block, an async closure) and whether an enclosing loop opted
//! out with `#[unconstrained]`. It saves and restores the scope at every boundary:
//!
//! - `async { .. }` blocks and `async |..| ..` closures enter async context;
//! - sync closures and `const { .. }` blocks leave it: their loops cannot await;
//! - nested items (`fn`, `impl`, `mod`, `const`, `static`, ...) are not visited at all: they are
//!   someone else's code, with attributes of their own;
//! - macro invocations are opaque: their tokens are not Rust syntax until they expand, after
//!   this attribute has run, so loops written inside `vec![..]`, `select!{..}` and friends are
//!   left untouched.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, Block, Expr, Item, Macro, Path, Stmt};

use crate::check;
use crate::error::combine;

/// What the walker does with each loop it meets in async context.
#[derive(Clone, Copy)]
pub(crate) enum Action<'a> {
    /// `#[cooperative]`: insert `#krate::__private::yield_point!();` at the head of the body.
    InsertYieldPoints(&'a Path),
    /// `#[cooperative(check)]`: rewrite nothing, report each loop that never awaits.
    Check(&'a Path),
    /// `#[unconstrained]` on a sync fn: wrap each async block and async closure body in
    /// `#krate::__private::unconstrained`; loops are left as they are.
    Unconstrain(&'a Path),
    /// Any error path and `#[unconstrained]` on an async fn: only strip loop markers.
    StripMarkers,
}

#[derive(Clone, Copy)]
struct Scope {
    /// Code here runs inside a future: it can `.await`.
    in_async: bool,
    /// An enclosing loop carries `#[unconstrained]`.
    opted_out: bool,
}

/// What a walk found.
pub(crate) struct Walked {
    /// The body holds at least one async block or async closure.
    pub(crate) found_async_code: bool,
    /// Misplaced markers and (in check mode) loops that never await.
    pub(crate) errors: Option<syn::Error>,
}

/// Walks a fn body; `is_async_fn` says whether the body itself runs in async context.
pub(crate) fn walk_fn_body(block: &mut Block, is_async_fn: bool, action: Action<'_>) -> Walked {
    let mut walker = Walker {
        action,
        scope: Scope {
            in_async: is_async_fn,
            opted_out: false,
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

struct Walker<'a> {
    action: Action<'a>,
    scope: Scope,
    found_async_code: bool,
    errors: Option<syn::Error>,
}

impl Walker<'_> {
    /// Visits `expr`'s children in `scope`, then restores the current scope.
    fn visit_children_in(&mut self, scope: Scope, expr: &mut Expr) {
        let saved = std::mem::replace(&mut self.scope, scope);
        visit_mut::visit_expr_mut(self, expr);
        self.scope = saved;
    }

    fn error(&mut self, error: syn::Error) {
        combine(&mut self.errors, error);
    }

    // Input:  `'label: for x in xs { body }` (or `loop`, `while`, `while let`)
    // Output: `'label: for x in xs { #krate::__private::yield_point!(); body }`
    //
    // The yield point is the first statement of the body, so every iteration passes through it,
    // `continue` and `continue 'label` included, while `break value` and the trailing
    // expression stay as written. It is spanned on the loop keyword so rustc's notes (a
    // non-`Send` value held across an await point) name the loop.
    fn visit_loop(&mut self, expr: &mut Expr) {
        let Some((attrs, keyword)) = loop_attrs_and_keyword(expr) else {
            return;
        };
        let marked = self.take_markers(attrs);
        let scope = Scope {
            in_async: self.scope.in_async,
            opted_out: self.scope.opted_out || marked,
        };
        let instrumented = scope.in_async && !scope.opted_out;
        if let (true, Action::Check(krate)) = (instrumented, self.action)
            && !check::loop_awaits(expr)
        {
            self.error(check::loop_never_awaits(keyword, krate));
        }
        self.visit_children_in(scope, expr);
        if let (true, Action::InsertYieldPoints(krate)) = (instrumented, self.action) {
            // The whole invocation, path included, is on the keyword: rustc names a macro
            // call by its joined span, and tokens from two places would fall back to the
            // attribute.
            let krate = respan(krate, keyword);
            let yield_point: Stmt = syn::parse_quote_spanned! {keyword=>
                #krate::__private::yield_point!();
            };
            if let Some(body) = loop_body(expr) {
                body.stmts.insert(0, yield_point);
            }
        }
    }

    /// Removes every `#[unconstrained]` from a loop's attributes: rustc rejects attributes it
    /// does not know on expressions. A marker with arguments is an error, and still removed.
    fn take_markers(&mut self, attrs: &mut Vec<Attribute>) -> bool {
        let mut marked = false;
        let mut errors = None;
        attrs.retain(|attr| {
            if !is_attr(attr, "unconstrained") {
                return true;
            }
            marked = true;
            if let Err(err) = attr.meta.require_path_only() {
                combine(
                    &mut errors,
                    syn::Error::new(
                        err.span(),
                        "`#[unconstrained]` on a loop takes no arguments",
                    ),
                );
            }
            false
        });
        if let Some(errors) = errors {
            self.error(errors);
        }
        marked
    }

    // Input:  `async move { body }`
    // Output: `#krate::__private::unconstrained(async move { body })`
    fn unconstrain_async_block(krate: &Path, expr: &mut Expr) {
        let span = expr.span();
        *expr = syn::parse_quote_spanned! {span=>
            #krate::__private::unconstrained(#expr)
        };
    }

    // Input:  `async |args| body`
    // Output: `async |args| { #krate::__private::unconstrained(async { body }).await }`
    //
    // The inner block does not `move`: it is awaited at once, so it may borrow the closure's
    // captures, which an `AsyncFn` closure must not give away.
    fn unconstrain_async_closure(krate: &Path, body: &mut Expr) {
        let span = body.span();
        *body = syn::parse_quote_spanned! {span=>
            { #krate::__private::unconstrained(async { #body }).await }
        };
    }
}

impl VisitMut for Walker<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        let in_async = Scope {
            in_async: true,
            ..self.scope
        };
        let in_sync = Scope {
            in_async: false,
            ..self.scope
        };
        match expr {
            Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) => self.visit_loop(expr),
            Expr::Async(_) => {
                self.found_async_code = true;
                self.visit_children_in(in_async, expr);
                if let Action::Unconstrain(krate) = self.action {
                    Self::unconstrain_async_block(krate, expr);
                }
            }
            Expr::Closure(closure) => {
                let is_async = closure.asyncness.is_some();
                self.found_async_code |= is_async;
                self.visit_children_in(if is_async { in_async } else { in_sync }, expr);
                if let (true, Action::Unconstrain(krate), Expr::Closure(closure)) =
                    (is_async, self.action, &mut *expr)
                {
                    Self::unconstrain_async_closure(krate, &mut closure.body);
                }
            }
            Expr::Const(_) => self.visit_children_in(in_sync, expr),
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    /// Nested items are not this fn's body: leave them, markers included, to their own
    /// attributes.
    fn visit_item_mut(&mut self, _: &mut Item) {}

    /// Macro invocation bodies are opaque tokens: see the module docs.
    fn visit_macro_mut(&mut self, _: &mut Macro) {}
}

/// The attributes and the keyword span of a loop expression.
fn loop_attrs_and_keyword(expr: &mut Expr) -> Option<(&mut Vec<Attribute>, Span)> {
    match expr {
        Expr::Loop(e) => Some((&mut e.attrs, e.loop_token.span)),
        Expr::While(e) => Some((&mut e.attrs, e.while_token.span)),
        Expr::ForLoop(e) => Some((&mut e.attrs, e.for_token.span)),
        _ => None,
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

/// `path`'s tokens, all on `span`.
pub(crate) fn respan(path: &Path, span: Span) -> TokenStream {
    path.to_token_stream()
        .into_iter()
        .map(|mut token| {
            token.set_span(span);
            token
        })
        .collect()
}

/// `#[name]` or `#[some::path::name]`, with or without arguments.
pub(crate) fn is_attr(attr: &Attribute, name: &str) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == name)
}

/// Renders `path` for a message: `::coop_core` reads as `coop_core`.
pub(crate) fn display_path(path: &Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
