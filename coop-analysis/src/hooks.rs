//! What a caller of the walker implements ([`Hooks`]) and gets back ([`Walked`]).

use proc_macro2::Span;
use syn::{Expr, ExprClosure};

use crate::loops::{LoopSite, OpaqueLoop};

/// What the caller does with each decision. Every method has a default that does nothing, so a
/// caller overrides only what it acts on. The `bool` results say "I changed the syntax tree",
/// so that a macro's tokens are re-emitted only when something inside them changed.
///
/// ```
/// use coop_analysis::{Hooks, walk_fn_body};
///
/// struct AsyncBlocks(usize);
/// impl Hooks for AsyncBlocks {
///     fn on_async_block(&mut self, _: &mut syn::Expr) -> bool {
///         self.0 += 1;
///         false
///     }
/// }
///
/// let mut body: syn::Block = syn::parse_quote!({ spawn(async { 1 }); vec![async { 2 }] });
/// let mut hooks = AsyncBlocks(0);
/// let walked = walk_fn_body(&mut body, false, &mut hooks);
/// assert_eq!(hooks.0, 2);
/// assert!(walked.found_async_code);
/// ```
pub trait Hooks {
    /// A loop, after its header and body have been walked.
    fn on_loop(&mut self, expr: &mut Expr, site: &LoopSite) -> bool {
        let _ = (expr, site);
        false
    }

    /// An `async { .. }` block, after its body has been walked.
    fn on_async_block(&mut self, expr: &mut Expr) -> bool {
        let _ = expr;
        false
    }

    /// An `async |..| ..` closure, after its body has been walked.
    fn on_async_closure(&mut self, closure: &mut ExprClosure) -> bool {
        let _ = closure;
        false
    }

    /// A loop in a macro's tokens that cannot be walked, in async context.
    fn on_opaque_loop(&mut self, found: &OpaqueLoop) {
        let _ = found;
    }

    /// `#[unconstrained]` on a loop with arguments (it takes none); the marker is still removed.
    fn on_marker_with_arguments(&mut self, span: Span) {
        let _ = span;
    }

    /// `#[unconstrained]` (or `cfg_attr(.., unconstrained)`) on an expression or statement that
    /// is not a loop; the marker is removed.
    fn on_marker_not_on_a_loop(&mut self, span: Span) {
        let _ = span;
    }
}

/// What a walk found.
///
/// ```
/// struct Nothing;
/// impl coop_analysis::Hooks for Nothing {}
///
/// let mut body: syn::Block = syn::parse_quote!({ let f = async || 1; });
/// assert!(coop_analysis::walk_fn_body(&mut body, false, &mut Nothing).found_async_code);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Walked {
    /// The body holds at least one async block or async closure.
    pub found_async_code: bool,
}
