//! What each attribute does with the decisions of coop-analysis' body walker: insert a yield
//! point in each loop that may get one, raise `check`'s errors, wrap async code in
//! `unconstrained`, or only strip the loop markers. Which loops run in async context, which
//! await, which may get a yield point: all decided in coop-analysis (see its `walk` module),
//! shared with `cargo coop`.

use proc_macro2::TokenStream;
use syn::{Block, Expr, ExprClosure, Ident, Item, Path, Signature};

use coop_analysis::{Hooks, LoopSite, OpaqueLoop, Verdict};

use crate::error::{self, combine};
use crate::items::{self, Reached};
use crate::loops;
use crate::strip;
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

/// What a walk found.
pub(crate) struct Walked {
    /// The body holds at least one async block or async closure.
    pub(crate) found_async_code: bool,
    /// Misplaced markers and (in check mode) loops that never await.
    pub(crate) errors: Option<syn::Error>,
}

/// Walks a fn body; `is_async_fn` says whether the body itself runs in async context.
/// `function` names the fn, for the yield points' sites.
pub(crate) fn walk_fn_body(
    block: &mut Block,
    is_async_fn: bool,
    function: Option<&Ident>,
    action: Action<'_>,
) -> Walked {
    let mut act = Act {
        action,
        function,
        errors: Vec::new(),
    };
    let walked = coop_analysis::walk_fn_body(block, is_async_fn, &mut act);
    // The walker reaches a loop after the loops in its body: the errors go out in the order of
    // the source, as rustc's do.
    act.errors
        .sort_by_key(|error| error::position(error.span()));
    let mut errors = None;
    for found in act.errors {
        combine(&mut errors, found);
    }
    Walked {
        found_async_code: walked.found_async_code,
        errors,
    }
}

/// Removes the loop markers from a fn's parameters, with an error on each: a marker opts a loop
/// out, and rustc's own error on an attribute macro on a parameter would name no loop.
pub(crate) fn param_markers(sig: &mut Signature) -> Option<syn::Error> {
    let mut act = Act {
        action: Action::StripMarkers,
        function: None,
        errors: Vec::new(),
    };
    coop_analysis::reject_param_markers(sig, &mut act);
    let mut errors = None;
    for found in act.errors {
        combine(&mut errors, found);
    }
    errors
}

/// Strips the loop markers from every fn body the attribute on `item` reaches, for the clippy
/// copy and the error path: rustc rejects unknown attributes on expressions, which would be a
/// second error. Items with an attribute of their own keep theirs: it expands after this one
/// and reads them.
pub(crate) fn strip_markers(item: &mut Item) {
    let stripped = items::for_each_fn(item, &mut |reached| {
        if let Reached::Fn(sig, block, _) = reached {
            let _ = param_markers(sig);
            walk_fn_body(block, false, None, Action::StripMarkers);
        }
        Ok(())
    });
    debug_assert!(stripped.is_ok(), "the visitor returns no error");
}

struct Act<'a> {
    action: Action<'a>,
    function: Option<&'a Ident>,
    errors: Vec<syn::Error>,
}

impl Hooks for Act<'_> {
    fn on_loop(&mut self, expr: &mut Expr, site: &LoopSite) -> bool {
        match self.action {
            Action::Check(krate) => {
                let never_awaits = || error::loop_never_awaits(site, krate);
                let finding = match site.verdict {
                    Some(Verdict::NeverAwaits) => Some(never_awaits()),
                    Some(Verdict::YieldPointNotAwaited(call)) => {
                        Some(error::yield_point_not_awaited(site.keyword, call))
                    }
                    // Its `.await`s are all under `#[cfg]`: it never awaits where none holds.
                    Some(Verdict::Awaits) if !site.awaits_only_where.is_empty() => {
                        Some(never_awaits())
                    }
                    Some(Verdict::Awaits) | None => None,
                };
                let unless: Vec<TokenStream> = site
                    .cfg_opt_outs
                    .iter()
                    .chain(&site.awaits_only_where)
                    .cloned()
                    .collect();
                match finding {
                    None => false,
                    Some(finding) if unless.is_empty() && !site.under_cfg => {
                        self.errors.push(finding);
                        false
                    }
                    // Opted out, or awaiting, only where a predicate holds: the finding stands
                    // where none does, in the loop's body, so that a `#[cfg]` that removes the
                    // loop removes it too.
                    Some(finding) => loops::report_unless(expr, &unless, finding),
                }
            }
            // A `while` condition's unlabeled `break` or `continue` is rustc's error E0590; the
            // rewrites move the condition into a loop's body, where it would be valid: such a
            // loop stays as written, for rustc to report.
            Action::InsertYieldPoints(_) if loops::condition_jumps_unlabeled(expr) => false,
            Action::InsertYieldPoints(krate) if site.instrumentable => {
                let strip = strip::Strip {
                    krate,
                    keyword: site.keyword,
                    function: self.function,
                    yield_before_condition: site.yield_before_condition,
                };
                if site.cfg_opt_outs.is_empty()
                    && strip::batchable(expr)
                    && strip::strip_mine(strip, expr)
                {
                    return true;
                }
                let yield_point = loops::yield_point(
                    krate,
                    site.keyword,
                    self.function,
                    &site.cfg_opt_outs,
                    None,
                );
                if site.yield_before_condition {
                    let placeholder = Expr::Verbatim(TokenStream::new());
                    if let Expr::While(e) = std::mem::replace(expr, placeholder) {
                        *expr = loops::yield_before_condition(e, yield_point);
                    }
                } else {
                    match expr {
                        Expr::While(e) => loops::insert_at_head(&mut e.body, yield_point),
                        Expr::Loop(e) => loops::insert_at_head(&mut e.body, yield_point),
                        Expr::ForLoop(e) => loops::insert_at_head(&mut e.body, yield_point),
                        _ => return false,
                    }
                }
                true
            }
            _ => false,
        }
    }

    fn on_async_block(&mut self, expr: &mut Expr) -> bool {
        if let Action::Unconstrain(krate) = self.action {
            unconstrain::async_block(krate, expr);
            return true;
        }
        false
    }

    fn on_async_closure(&mut self, closure: &mut ExprClosure) -> bool {
        if let (Some(async_token), Action::Unconstrain(krate)) = (closure.asyncness, self.action) {
            unconstrain::async_closure_body(krate, async_token.span, &mut closure.body);
            return true;
        }
        false
    }

    fn on_opaque_loop(&mut self, found: &OpaqueLoop) {
        if let Action::Check(krate) = self.action {
            self.errors.push(error::loop_inside_macro(found, krate));
        }
    }

    fn on_marker_with_arguments(&mut self, span: proc_macro2::Span) {
        self.errors.push(error::marker_with_arguments(span));
    }

    fn on_marker_not_on_a_loop(&mut self, span: proc_macro2::Span) {
        self.errors.push(error::marker_not_on_a_loop(span));
    }
}
