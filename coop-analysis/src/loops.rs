//! The loops the walker reports: their kind, what it decided about each one it can walk
//! ([`LoopSite`]), and the loops it finds inside macro tokens it cannot walk ([`OpaqueLoop`]).

use proc_macro2::{Span, TokenStream};

use crate::awaits::Verdict;
use crate::lints::FindingKind;
pub use crate::loop_kind::LoopKind;

/// What the walker decided about one loop, handed to
/// [`Hooks::on_loop`](crate::Hooks::on_loop) after the loop's own body has been walked.
///
/// ```
/// use coop_analysis::{Hooks, LoopSite, walk_fn_body};
///
/// struct Count(usize);
/// impl Hooks for Count {
///     fn on_loop(&mut self, _: &mut syn::Expr, site: &LoopSite) -> bool {
///         self.0 += usize::from(site.is_finding());
///         false
///     }
/// }
///
/// let mut body: syn::Block = syn::parse_quote!({ loop { spin(); } loop { tick().await; } });
/// let mut count = Count(0);
/// walk_fn_body(&mut body, true, &mut count);
/// assert_eq!(count.0, 1);
/// ```
#[derive(Clone, Debug)]
pub struct LoopSite {
    /// `loop`, `while` or `for`.
    pub kind: LoopKind,
    /// The loop keyword.
    pub keyword: Span,
    /// The opening brace of the loop's body, where a hand-written yield point would go.
    pub body: Span,
    /// The loop runs in async context, in code that runs, and is not opted out by
    /// `#[unconstrained]` on itself or an enclosing loop.
    pub runs_in_async: bool,
    /// It runs in async context and `#[cooperative]` may put a yield point in it: no temporary
    /// of a header (its own or an enclosing one) is alive there.
    pub instrumentable: bool,
    /// Predicates of `#[cfg_attr(pred, unconstrained)]` on it and enclosing loops: opted out
    /// when any holds.
    pub cfg_opt_outs: Vec<TokenStream>,
    /// A `while let` (or let-chain): its yield point goes before the condition.
    pub yield_before_condition: bool,
    /// Whether it awaits on its own; `None` unless it runs in async context (the only loops
    /// `check` looks at). With `cfg_opt_outs`, the verdict stands where no predicate holds.
    pub verdict: Option<Verdict>,
    /// Where every `.await` of the loop is under `#[cfg(pred)]` (the verdict is then
    /// [`Verdict::Awaits`]): each one's predicate. The loop awaits where any holds and never
    /// where none does: `check` reports it there, and `cargo coop`, which does not evaluate
    /// predicates, counts it as awaiting.
    pub awaits_only_where: Vec<TokenStream>,
    /// The loop, or code around it in the fn body (a statement, a match arm, a field), carries
    /// `#[cfg(..)]`: where that code is configured out, so is the loop, and `check` reports
    /// nothing there.
    pub under_cfg: bool,
    /// The macro that prints the loop as written (`assert!`'s condition, `dbg!`'s operands):
    /// no yield point can go there.
    pub printed_by: Option<String>,
}

impl LoopSite {
    /// What the loop is reported as, if anything: its verdict's finding, where `#[cooperative]`
    /// may or may not put a yield point; a loop a macro prints as written is inside that macro.
    ///
    /// ```
    /// # use coop_analysis::{FindingKind, Hooks, LoopSite, walk_fn_body};
    /// # struct Findings(Vec<Option<FindingKind>>);
    /// # impl Hooks for Findings {
    /// #     fn on_loop(&mut self, _: &mut syn::Expr, site: &LoopSite) -> bool {
    /// #         self.0.push(site.finding());
    /// #         false
    /// #     }
    /// # }
    /// let mut body: syn::Block = syn::parse_quote!({
    ///     while !flag.get() {}
    ///     assert!(loop { break true });
    /// });
    /// let mut findings = Findings(Vec::new());
    /// walk_fn_body(&mut body, true, &mut findings);
    /// assert_eq!(
    ///     findings.0,
    ///     [Some(FindingKind::NeverAwaits), Some(FindingKind::InsideMacro("assert".into()))]
    /// );
    /// ```
    pub fn finding(&self) -> Option<FindingKind> {
        match self.verdict? {
            Verdict::NeverAwaits => Some(self.never_awaits()),
            verdict => verdict.finding(self.instrumentable),
        }
    }

    /// What the loop is reported as where it never awaits (also where its every `.await` is
    /// configured out): [`finding`](Self::finding) of a loop that never awaits.
    pub fn never_awaits(&self) -> FindingKind {
        match &self.printed_by {
            Some(name) => FindingKind::InsideMacro(name.clone()),
            None => Verdict::NeverAwaits
                .finding(self.instrumentable)
                .unwrap_or(FindingKind::NeverAwaits),
        }
    }

    /// The loop is what `#[cooperative(check)]` rejects and `cargo coop check` reports in a fn
    /// without `#[cooperative]`: it runs in async context, cannot be opted out, and never
    /// awaits.
    ///
    /// ```
    /// # use coop_analysis::{Hooks, LoopSite, walk_fn_body};
    /// # struct Sites(Vec<bool>);
    /// # impl Hooks for Sites {
    /// #     fn on_loop(&mut self, _: &mut syn::Expr, site: &LoopSite) -> bool {
    /// #         self.0.push(site.is_finding());
    /// #         false
    /// #     }
    /// # }
    /// let mut body: syn::Block = syn::parse_quote!({
    ///     #[unconstrained]
    ///     loop { spin(); }
    ///     let f = || loop { spin(); };
    ///     while !flag.get() {}
    /// });
    /// let mut sites = Sites(Vec::new());
    /// walk_fn_body(&mut body, true, &mut sites);
    /// assert_eq!(sites.0, [false, false, true]);
    /// ```
    pub fn is_finding(&self) -> bool {
        self.cfg_opt_outs.is_empty()
            && matches!(
                self.verdict,
                Some(Verdict::NeverAwaits | Verdict::YieldPointNotAwaited(_))
            )
    }
}

/// A loop keyword followed by a body, inside the tokens of a macro whose grammar is not known:
/// `#[cooperative]` cannot instrument it, `check` and cargo-coop report it.
///
/// ```
/// use coop_analysis::{Hooks, OpaqueLoop, walk_fn_body};
///
/// struct Names(Vec<String>);
/// impl Hooks for Names {
///     fn on_opaque_loop(&mut self, found: &OpaqueLoop) {
///         self.0.push(found.macro_name.clone());
///     }
/// }
///
/// let mut body: syn::Block = syn::parse_quote!({ my_macro!(x => loop { spin() }); });
/// let mut names = Names(Vec::new());
/// walk_fn_body(&mut body, true, &mut names);
/// assert_eq!(names.0, ["my_macro"]);
/// ```
#[derive(Clone, Debug)]
pub struct OpaqueLoop {
    /// `loop`, `while` or `for`.
    pub kind: LoopKind,
    /// The loop keyword, inside the macro's tokens.
    pub keyword: Span,
    /// The macro's name, without `!` (its last path segment).
    pub macro_name: String,
    /// The macro's path, as written.
    pub macro_path: Span,
}
