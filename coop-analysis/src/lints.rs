//! The findings' vocabulary: every kind of finding, its stable lint name, its title, its help
//! and its explanation, declared once. `#[cooperative(check)]` (coop-macros) and `cargo coop`
//! render these words and hold none of their own.
//!
//! Each lint is a [`Lint`] constant, declared with its explanation in one block, as clippy
//! declares its lints; [`FindingKind`] is the one classification of findings, and
//! [`FindingKind::lint`] names its lint.

use std::fmt;

use crate::attr::CoopAttr;

/// One lint: its name, its title and its explanation. The explanation is the rustdoc of its
/// constant in this module, which [`Lint::doc_url`] links to.
///
/// ```
/// use coop_analysis::lints::LOOP_WITHOUT_YIELD_POINT;
///
/// assert_eq!(LOOP_WITHOUT_YIELD_POINT.to_string(), "coop::loop_without_yield_point");
/// assert!(LOOP_WITHOUT_YIELD_POINT.doc_url().ends_with("constant.LOOP_WITHOUT_YIELD_POINT.html"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lint {
    /// The name after `coop::`, in snake case: stable across releases.
    pub name: &'static str,
    /// The constant's name, for the link to its documentation.
    pub constant: &'static str,
    /// What the tool says when the lint fires, as a one-line title (the `error:` line).
    pub title: &'static str,
    /// Why it matters, in one sentence (SARIF's `shortDescription`, the docs' first line).
    pub explanation: &'static str,
    /// The one-line help where no finding-specific one applies (a package's manifest).
    pub help: &'static str,
}

impl Lint {
    /// The lint's section in the documentation.
    ///
    /// ```
    /// let url = coop_analysis::lints::STRAY_LOOP_MARKER.doc_url();
    /// assert_eq!(
    ///     url,
    ///     "https://docs.rs/coop-analysis/latest/coop_analysis/lints/constant.STRAY_LOOP_MARKER.html"
    /// );
    /// ```
    pub fn doc_url(&self) -> String {
        format!(
            "https://docs.rs/coop-analysis/latest/coop_analysis/lints/constant.{}.html",
            self.constant
        )
    }
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "coop::{}", self.name)
    }
}

/// Declares one lint: its rustdoc (the explanation users follow the link to), its name, its
/// title and its one-sentence explanation.
macro_rules! declare_lint {
    (
        $(#[doc = $doc:literal])*
        $constant:ident, $name:literal, $title:expr, $explanation:literal, $help:literal $(,)?
    ) => {
        $(#[doc = $doc])*
        pub const $constant: Lint = Lint {
            name: $name,
            constant: stringify!($constant),
            title: $title,
            explanation: $explanation,
            help: $help,
        };
    };
}

const NEVER_AWAITS_TITLE: &str =
    "this loop never awaits: it can hold its thread without ever yielding";

declare_lint! {
    /// A loop in async code with no `.await` of its own and no yield point: while it runs, no
    /// other task on its thread runs.
    ///
    /// Fix: add `#[coop_core::cooperative]` to the fn (`cargo coop fix` does), which puts a yield
    /// point at the head of the loop's body; or write `coop_core::consume_budget().await;` there
    /// yourself; or, when holding the thread is what you want, mark the fn
    /// `#[coop_core::unconstrained]` (inside a `#[cooperative]` item, the loop itself).
    ///
    /// ```
    /// let file: syn::File = syn::parse_quote!(async fn f() { loop { spin(); } });
    /// let finding = &coop_analysis::scan_file(file).findings[0];
    /// assert_eq!(finding.kind.lint(), coop_analysis::lints::LOOP_WITHOUT_YIELD_POINT);
    /// ```
    LOOP_WITHOUT_YIELD_POINT,
    "loop_without_yield_point",
    NEVER_AWAITS_TITLE,
    "A loop in async code that never awaits holds its thread: no other task there runs until it ends.",
    "add `#[coop_core::cooperative]` to the fn (`cargo coop fix` does)",
}

declare_lint! {
    /// A loop that never awaits while a temporary of a header is alive in it (its own `for`
    /// header, an enclosing `match`, `if let` or `while let`, or an earlier part of the same
    /// statement): `#[cooperative]` puts no yield point there, since yielding would hold that
    /// value (a lock guard, a `RefCell` borrow) across an await.
    ///
    /// Fix: bind the value with `let` before the loop and add
    /// `coop_core::consume_budget().await;` to its body, or opt the loop out.
    ///
    /// ```
    /// let file: syn::File = syn::parse_quote! {
    ///     async fn f(cell: &std::cell::RefCell<Vec<u8>>) { for x in cell.borrow().iter() { use_it(x); } }
    /// };
    /// let finding = &coop_analysis::scan_file(file).findings[0];
    /// assert_eq!(finding.kind.lint(), coop_analysis::lints::LOOP_UNDER_TEMPORARY);
    /// ```
    LOOP_UNDER_TEMPORARY,
    "loop_under_temporary",
    NEVER_AWAITS_TITLE,
    "A temporary alive in this loop keeps `#[cooperative]` from adding a yield point to it.",
    "bind the temporary's value (of the loop's `for` header, an enclosing `match`, `if let` or `while let` header, an earlier part of the statement, or a borrow that a `let` or a macro before the loop extends to the end of the block) with `let` before the loop and add `coop_core::consume_budget().await;` to its body",
}

declare_lint! {
    /// A loop that calls `consume_budget()` and drops the future without `.await`: the yield
    /// point is written, and never runs.
    ///
    /// ```
    /// let file: syn::File = syn::parse_quote!(async fn f() { loop { coop_core::consume_budget(); } });
    /// let finding = &coop_analysis::scan_file(file).findings[0];
    /// assert_eq!(finding.kind.lint(), coop_analysis::lints::YIELD_POINT_NOT_AWAITED);
    /// ```
    YIELD_POINT_NOT_AWAITED,
    "yield_point_not_awaited",
    "this loop never awaits: the `consume_budget()` future in its body is created and dropped, \
     so it never yields",
    "A `consume_budget()` future dropped without `.await` never yields.",
    "add `.await` after the `consume_budget()` call",
}

declare_lint! {
    /// A loop inside the tokens of a macro call whose grammar coop does not know: its tokens are
    /// not Rust syntax until that macro expands, so `#[cooperative]` cannot put a yield point
    /// there.
    ///
    /// Also a loop of a fn written inside an item-position macro call (tokio's
    /// `cfg_net! { .. }`) in an `impl` block, trait or module that carries `#[cooperative]`: the
    /// attribute does not rewrite the call's tokens. `#[cooperative]` on the fn itself, inside
    /// the call, reaches it (`cargo coop fix` writes it there).
    ///
    /// ```
    /// let file: syn::File = syn::parse_quote!(async fn f() { my_macro!(=> loop { spin(); }); });
    /// let finding = &coop_analysis::scan_file(file).findings[0];
    /// assert_eq!(finding.kind.lint(), coop_analysis::lints::LOOP_INSIDE_MACRO);
    /// ```
    LOOP_INSIDE_MACRO,
    "loop_inside_macro",
    "this loop is inside a macro call, which `#[cooperative]` cannot instrument: it may hold \
     its thread without ever yielding",
    "`#[cooperative]` cannot instrument a loop inside the tokens of an unknown macro.",
    "move the loop out of the macro call",
}

declare_lint! {
    /// `#[unconstrained]` on a loop outside any `#[cooperative]` item. Only `#[cooperative]`
    /// reads (and removes) loop markers; elsewhere rustc rejects the attribute ("attributes on
    /// expressions are experimental", "cannot find attribute"), so the crate does not build.
    ///
    /// Fix: add `#[coop_core::cooperative]` to the fn (`cargo coop fix` does), or put
    /// `#[coop_core::unconstrained]` on the fn instead of the loop. A marker on anything but a
    /// loop, or where no async code runs (a sync fn, a `const` or `static` initializer), is
    /// only removed: neither attribute compiles there with it.
    ///
    /// ```
    /// let file: syn::File = syn::parse_quote! {
    ///     async fn f() { #[unconstrained] loop { spin(); } }
    /// };
    /// let finding = &coop_analysis::scan_file(file).findings[0];
    /// assert_eq!(finding.kind.lint(), coop_analysis::lints::STRAY_LOOP_MARKER);
    /// ```
    STRAY_LOOP_MARKER,
    "stray_loop_marker",
    "`#[unconstrained]` marks a loop only inside a `#[cooperative]` item: rustc rejects it here",
    "A loop marker outside a `#[cooperative]` item does not compile.",
    "add `#[coop_core::cooperative]` to the fn (`cargo coop fix` does)",
}

declare_lint! {
    /// Arguments of `#[cooperative(..)]` or `#[unconstrained(..)]` that the attribute rejects
    /// (an unknown key such as `chek`, a duplicate, a malformed `crate = ".."`).
    ///
    /// ```
    /// let file: syn::File = syn::parse_quote!(#[cooperative(chek)] async fn f() {});
    /// let finding = &coop_analysis::scan_file(file).findings[0];
    /// assert_eq!(finding.kind.lint(), coop_analysis::lints::INVALID_ARGUMENTS);
    /// ```
    INVALID_ARGUMENTS,
    "invalid_arguments",
    "coop's attribute does not accept these arguments",
    "The attribute rejects its arguments, so the crate does not build.",
    "`#[cooperative]` accepts `check` and `crate = \"path\"`; `#[unconstrained]` accepts `crate = \"path\"`",
}

declare_lint! {
    /// A package that depends on tokio and on coop-core without coop-core's `tokio` feature.
    /// Without it, a forced yield puts the task back at the end of tokio's run queue, and tokio
    /// looks at its timers and sockets only every 61 tasks: a long loop still delays them. With
    /// it, coop spends tokio's own budget and a forced yield goes through tokio's scheduler.
    ///
    /// Fix: `features = ["tokio"]` on the coop-core dependency (`cargo coop fix` adds it).
    TOKIO_WITHOUT_BRIDGE,
    "tokio_without_bridge",
    "this package depends on tokio, and its coop-core dependency leaves the `tokio` feature off",
    "Without the `tokio` feature, coop's forced yields do not let tokio poll its timers and sockets.",
    "add `features = [\"tokio\"]` to the coop-core dependency (`cargo coop fix` does)",
}

declare_lint! {
    /// A package that writes `#[cooperative]` or `#[unconstrained]` while its coop-core
    /// dependency turns the `macros` feature off (`default-features = false`): rustc then finds
    /// the future wrapper `coop_core::cooperative`, a function, where an attribute should be.
    ///
    /// Fix: `features = ["macros"]` on the coop-core dependency (`cargo coop fix` adds it).
    MISSING_MACROS_FEATURE,
    "missing_macros_feature",
    "this package uses coop's attributes, and its coop-core dependency leaves the `macros` \
     feature off",
    "Without the `macros` feature, `#[cooperative]` names a function, not an attribute.",
    "add `features = [\"macros\"]` to the coop-core dependency (`cargo coop fix` does)",
}

declare_lint! {
    /// A source file that cannot be read (a directory, a link that does not resolve, no
    /// permission), is not UTF-8 text, or cannot be parsed: its loops are not checked; the other
    /// files are.
    UNREADABLE_FILE,
    "unreadable_file",
    "could not check this file",
    "A file that cannot be read or parsed is not checked.",
    "its loops were not checked; the other files were",
}

declare_lint! {
    /// `#[unconstrained]` on a loop inside a `#[cooperative]` item, written with arguments: a
    /// loop marker takes none (`crate = ".."` goes on the item's own attribute). `#[cooperative]`
    /// rejects it, spanned on the arguments.
    ///
    /// ```
    /// let file: syn::File = syn::parse_quote! {
    ///     #[cooperative]
    ///     async fn f() { #[unconstrained(crate = "coop")] for x in xs { spin(x); } }
    /// };
    /// let finding = &coop_analysis::scan_file(file).findings[0];
    /// assert_eq!(finding.kind.lint(), coop_analysis::lints::MARKER_WITH_ARGUMENTS);
    /// ```
    MARKER_WITH_ARGUMENTS,
    "marker_with_arguments",
    "`#[unconstrained]` on a loop takes no arguments: it opts that loop out of yield points",
    "A loop marker with arguments does not compile.",
    "write the marker without arguments: `#[unconstrained]`",
}

declare_lint! {
    /// `#[unconstrained]` inside a `#[cooperative]` item on something that is not a loop (a
    /// `let`, a block, a call): there it marks loops only, and `#[cooperative]` rejects it,
    /// spanned on the marker.
    ///
    /// ```
    /// let file: syn::File = syn::parse_quote! {
    ///     #[cooperative]
    ///     async fn f() { #[unconstrained] let x = 1; }
    /// };
    /// let finding = &coop_analysis::scan_file(file).findings[0];
    /// assert_eq!(finding.kind.lint(), coop_analysis::lints::MARKER_NOT_ON_A_LOOP);
    /// ```
    MARKER_NOT_ON_A_LOOP,
    "marker_not_on_a_loop",
    "`#[unconstrained]` inside a `#[cooperative]` item marks loops only (`loop`, `while`, `for`): \
     mark each loop to opt out, or move this code into an `#[unconstrained]` fn",
    "A loop marker on anything but a loop does not compile.",
    "mark each loop inside it `#[unconstrained]`, or move this code into an `#[unconstrained]` fn",
}

declare_lint! {
    /// `#[cooperative]` and `#[unconstrained]` on one item: one inserts yield points, the other
    /// switches budgets off. The attribute written first rejects the item, spanned on the other;
    /// the one written last applies.
    ///
    /// ```
    /// let file: syn::File = syn::parse_quote! {
    ///     #[cooperative(check)]
    ///     #[unconstrained]
    ///     async fn f() { loop { spin(); } }
    /// };
    /// let finding = &coop_analysis::scan_file(file).findings[0];
    /// assert_eq!(finding.kind.lint(), coop_analysis::lints::CONFLICTING_ATTRIBUTES);
    /// ```
    CONFLICTING_ATTRIBUTES,
    "conflicting_attributes",
    "`#[cooperative]` and `#[unconstrained]` cannot both apply to one item",
    "`#[cooperative]` and `#[unconstrained]` on one item contradict each other, so the crate does not build.",
    "keep one: `#[cooperative]` to add yield points, `#[unconstrained]` to switch budgets off",
}

declare_lint! {
    /// The same coop attribute twice on one item (twice `#[cooperative]` would put two yield
    /// points in every loop). The first rejects the item, spanned on the second; the second
    /// applies.
    ///
    /// ```
    /// let file: syn::File = syn::parse_quote! {
    ///     #[cooperative]
    ///     #[cooperative]
    ///     async fn f() { loop { spin(); } }
    /// };
    /// let finding = &coop_analysis::scan_file(file).findings[0];
    /// assert_eq!(finding.kind.lint(), coop_analysis::lints::DUPLICATE_ATTRIBUTE);
    /// ```
    DUPLICATE_ATTRIBUTE,
    "duplicate_attribute",
    "a coop attribute is applied twice to this item",
    "A coop attribute written twice on one item does not compile.",
    "remove one of them",
}

declare_lint! {
    /// A coop attribute on an item it does not apply to: an item that is not a fn, an `impl` or
    /// `trait` block or an inline module (a struct, a `const`, a `use`, an associated type, an
    /// extern block, a macro call), a fn or trait method without a body, an out-of-line module
    /// (`mod name;`, whose file an attribute cannot read), a `const fn` (it cannot await), or a
    /// fn, `impl` or `trait` block or inline module with no async code in it. The attribute
    /// rejects it, spanned on the item's keyword (on a fn without a body, its `;`).
    ///
    /// ```
    /// let file: syn::File = syn::parse_quote! {
    ///     #[cooperative]
    ///     fn f() { loop { spin(); } }
    ///     #[cooperative]
    ///     struct S;
    /// };
    /// let findings = coop_analysis::scan_file(file).findings;
    /// assert!(findings.iter().all(|f| f.kind.lint() == coop_analysis::lints::UNSUPPORTED_ITEM));
    /// assert_eq!(findings.len(), 2);
    /// ```
    UNSUPPORTED_ITEM,
    "unsupported_item",
    "coop's attribute does not apply to this item",
    "A coop attribute on an item other than a fn, an `impl` or `trait` block or an inline module, \
     on a fn without a body, on a `const fn`, or on an item with no async code, does not compile.",
    "remove the attribute: it applies to an `async fn`, or to a fn whose body holds async blocks \
     or async closures (or to the `impl` or `trait` block or inline module holding them)",
}

/// Where an attribute looked for async code: the kinds of item it applies to.
///
/// ```
/// use coop_analysis::lints::{FindingKind, ItemKind};
/// use coop_analysis::CoopAttr;
///
/// let kind = FindingKind::NoAsyncCode(CoopAttr::Cooperative, ItemKind::Impl);
/// assert!(kind.title().starts_with("`#[cooperative]` found no async code in this `impl` block"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// A fn.
    Fn,
    /// An `impl` block.
    Impl,
    /// A trait.
    Trait,
    /// An inline module.
    Mod,
}

impl ItemKind {
    /// Where "found no async code" says it looked.
    pub fn searched(self) -> &'static str {
        match self {
            ItemKind::Fn => "here",
            ItemKind::Impl => "in this `impl` block",
            ItemKind::Trait => "in this trait",
            ItemKind::Mod => "in this module",
        }
    }
}

/// Every lint, in the order the documentation lists them.
///
/// ```
/// let names: Vec<_> = coop_analysis::lints::ALL.iter().map(|lint| lint.name).collect();
/// assert!(names.contains(&"loop_without_yield_point"));
/// ```
pub const ALL: &[Lint] = &[
    LOOP_WITHOUT_YIELD_POINT,
    LOOP_UNDER_TEMPORARY,
    YIELD_POINT_NOT_AWAITED,
    LOOP_INSIDE_MACRO,
    STRAY_LOOP_MARKER,
    MARKER_WITH_ARGUMENTS,
    MARKER_NOT_ON_A_LOOP,
    INVALID_ARGUMENTS,
    CONFLICTING_ATTRIBUTES,
    DUPLICATE_ATTRIBUTE,
    UNSUPPORTED_ITEM,
    TOKIO_WITHOUT_BRIDGE,
    MISSING_MACROS_FEATURE,
    UNREADABLE_FILE,
];

/// Why a loop (or an attribute) is reported: the one classification of findings, shared by
/// `#[cooperative(check)]` and `cargo coop`.
///
/// ```
/// use coop_analysis::FindingKind;
///
/// let file: syn::File = syn::parse_quote! {
///     async fn f(cell: &std::cell::RefCell<Vec<u8>>) {
///         for x in cell.borrow().iter() { use_it(x); }
///         my_macro!(=> loop { spin(); });
///     }
/// };
/// let kinds: Vec<_> = coop_analysis::scan_file(file).findings.into_iter().map(|f| f.kind).collect();
/// assert_eq!(kinds, [FindingKind::UnderTemporary, FindingKind::InsideMacro("my_macro".into())]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindingKind {
    /// It runs in async context and never awaits; `#[cooperative]` would put a yield point in it.
    NeverAwaits,
    /// It never awaits, and a temporary of a header is alive in it, so `#[cooperative]` puts no
    /// yield point there: it needs a hand-written one after binding that value with `let`.
    UnderTemporary,
    /// It calls `consume_budget()` and drops the future without `.await`.
    YieldPointNotAwaited,
    /// It sits in the tokens of a macro whose grammar is not known (the name, without `!`):
    /// `#[cooperative]` cannot instrument it.
    InsideMacro(String),
    /// `#[unconstrained]` on a loop outside any `#[cooperative]` item; through
    /// `#[cfg_attr(pred, ..)]`, the predicate under which it is there.
    StrayLoopMarker(Option<String>),
    /// `#[unconstrained]` on a loop inside a `#[cooperative]` item, with arguments.
    MarkerWithArguments,
    /// `#[unconstrained]` inside a `#[cooperative]` item on something that is not a loop.
    MarkerNotOnALoop,
    /// The attribute rejects its arguments: the parser's message (with "did you mean").
    InvalidArguments(String),
    /// This attribute, and the other one after it on the same item.
    ConflictingAttributes(CoopAttr),
    /// This attribute, written again after it on the same item.
    DuplicateAttribute(CoopAttr),
    /// This attribute on a `const fn`.
    ConstFn(CoopAttr),
    /// This attribute on an item with no async code.
    NoAsyncCode(CoopAttr, ItemKind),
    /// This attribute on an item of a kind it does not apply to: a struct, an enum, a `const`,
    /// a `use`, an associated type, an extern block, a macro call.
    UnsupportedItem(CoopAttr),
    /// This attribute on a fn with no body (`async fn f();` outside a trait).
    FnWithoutBody(CoopAttr),
    /// This attribute on a trait method with no default body (or a fn of an extern block).
    TraitMethodWithoutBody(CoopAttr),
    /// This attribute on `mod name;`, or on an inline module holding one: it cannot read the
    /// items of another file.
    OutOfLineModule(CoopAttr),
}

impl FindingKind {
    /// The lint this kind of finding reports under.
    ///
    /// ```
    /// use coop_analysis::{FindingKind, lints};
    /// assert_eq!(FindingKind::NeverAwaits.lint().to_string(), "coop::loop_without_yield_point");
    /// assert_eq!(FindingKind::StrayLoopMarker(None).lint(), lints::STRAY_LOOP_MARKER);
    /// ```
    pub fn lint(&self) -> Lint {
        match self {
            FindingKind::NeverAwaits => LOOP_WITHOUT_YIELD_POINT,
            FindingKind::UnderTemporary => LOOP_UNDER_TEMPORARY,
            FindingKind::YieldPointNotAwaited => YIELD_POINT_NOT_AWAITED,
            FindingKind::InsideMacro(_) => LOOP_INSIDE_MACRO,
            FindingKind::StrayLoopMarker(_) => STRAY_LOOP_MARKER,
            FindingKind::MarkerWithArguments => MARKER_WITH_ARGUMENTS,
            FindingKind::MarkerNotOnALoop => MARKER_NOT_ON_A_LOOP,
            FindingKind::InvalidArguments(_) => INVALID_ARGUMENTS,
            FindingKind::ConflictingAttributes(_) => CONFLICTING_ATTRIBUTES,
            FindingKind::DuplicateAttribute(_) => DUPLICATE_ATTRIBUTE,
            FindingKind::ConstFn(_)
            | FindingKind::NoAsyncCode(..)
            | FindingKind::UnsupportedItem(_)
            | FindingKind::FnWithoutBody(_)
            | FindingKind::TraitMethodWithoutBody(_)
            | FindingKind::OutOfLineModule(_) => UNSUPPORTED_ITEM,
        }
    }

    /// It reports a loop that can hold its thread (not an attribute that does not compile).
    ///
    /// ```
    /// use coop_analysis::FindingKind;
    /// assert!(FindingKind::UnderTemporary.is_a_loop_without_yield_point());
    /// assert!(!FindingKind::StrayLoopMarker(None).is_a_loop_without_yield_point());
    /// ```
    pub fn is_a_loop_without_yield_point(&self) -> bool {
        matches!(
            self,
            FindingKind::NeverAwaits
                | FindingKind::UnderTemporary
                | FindingKind::YieldPointNotAwaited
                | FindingKind::InsideMacro(_)
        )
    }

    /// It reports an attribute on an item (its arguments, a second coop attribute, the item it
    /// is on), not something in the item's body.
    ///
    /// ```
    /// use coop_analysis::{CoopAttr, FindingKind};
    /// assert!(FindingKind::DuplicateAttribute(CoopAttr::Cooperative).is_on_an_item());
    /// assert!(!FindingKind::MarkerNotOnALoop.is_on_an_item());
    /// ```
    pub fn is_on_an_item(&self) -> bool {
        matches!(
            self,
            FindingKind::InvalidArguments(_)
                | FindingKind::ConflictingAttributes(_)
                | FindingKind::DuplicateAttribute(_)
                | FindingKind::ConstFn(_)
                | FindingKind::NoAsyncCode(..)
                | FindingKind::UnsupportedItem(_)
                | FindingKind::FnWithoutBody(_)
                | FindingKind::TraitMethodWithoutBody(_)
                | FindingKind::OutOfLineModule(_)
        )
    }

    /// The first line of the message.
    ///
    /// ```
    /// use coop_analysis::FindingKind;
    /// assert_eq!(
    ///     FindingKind::InsideMacro("m".into()).title(),
    ///     "this loop is inside `m!`, which `#[cooperative]` cannot instrument: it may hold its \
    ///      thread without ever yielding"
    /// );
    /// ```
    pub fn title(&self) -> String {
        match self {
            FindingKind::InsideMacro(name) => format!(
                "this loop is inside `{name}!`, which `#[cooperative]` cannot instrument: it may \
                 hold its thread without ever yielding"
            ),
            FindingKind::StrayLoopMarker(Some(predicate)) => format!(
                "`#[unconstrained]` marks a loop only inside a `#[cooperative]` item: rustc \
                 rejects it where `{predicate}` holds"
            ),
            FindingKind::InvalidArguments(message) => message.clone(),
            FindingKind::ConflictingAttributes(this) => format!(
                "`#[{this}]` and `#[{}]` cannot both apply to one item: `#[cooperative]` inserts \
                 yield points, `#[unconstrained]` switches budgets off",
                this.other()
            ),
            FindingKind::DuplicateAttribute(CoopAttr::Cooperative) => {
                "`#[cooperative]` is applied twice to this item: remove one (twice would put two \
                 yield points in every loop)"
                    .to_owned()
            }
            FindingKind::DuplicateAttribute(CoopAttr::Unconstrained) => {
                "`#[unconstrained]` is applied twice to this item: remove one".to_owned()
            }
            FindingKind::ConstFn(this) => {
                format!("`#[{this}]` cannot apply to a `const fn`: it cannot await")
            }
            FindingKind::NoAsyncCode(this, item) => format!(
                "`#[{this}]` found no async code {}: it applies to an `async fn`, or to a fn whose \
                 body holds async blocks or async closures",
                item.searched()
            ),
            FindingKind::UnsupportedItem(this) => format!(
                "`#[{this}]` applies to an `async fn`, a fn whose body holds async blocks or async \
                 closures, an `impl` or `trait` block, or an inline module"
            ),
            FindingKind::FnWithoutBody(this) => {
                format!("`#[{this}]` needs a fn body: this fn has none")
            }
            FindingKind::TraitMethodWithoutBody(this) => format!(
                "`#[{this}]` needs a fn body: put it on the trait method's default body or on each \
                 impl's method"
            ),
            FindingKind::OutOfLineModule(this) => format!(
                "`#[{this}]` cannot reach the items of an out-of-line module (`mod name;`): on \
                 stable Rust an attribute sees only the tokens it is written on. Put `#[{this}]` \
                 on the items in that file, or write the module inline (`mod name {{ .. }}`)"
            ),
            other => other.lint().title.to_owned(),
        }
    }

    /// The one-line help: only what compiles where the finding is.
    ///
    /// ```
    /// use coop_analysis::lints::{FindingKind, Place};
    ///
    /// let help = FindingKind::NeverAwaits.help("coop_core", &Place::Uncovered { fix_on: Some("`f`") });
    /// assert_eq!(
    ///     help,
    ///     "add `#[coop_core::cooperative]` to `f` (`cargo coop fix` does), add \
    ///      `coop_core::consume_budget().await;` to the loop's body, or mark the fn \
    ///      `#[coop_core::unconstrained]`"
    /// );
    /// // coop-core under another name: the attributes say where it is.
    /// let help = FindingKind::StrayLoopMarker(None).help("coop", &Place::Uncovered { fix_on: Some("`f`") });
    /// assert_eq!(
    ///     help,
    ///     "add `#[coop::cooperative(crate = \"coop\")]` to `f` (`cargo coop fix` does), or put \
    ///      `#[coop::unconstrained(crate = \"coop\")]` on the fn instead"
    /// );
    /// ```
    pub fn help(&self, krate: &str, place: &Place<'_>) -> String {
        self.help_where(krate, None, place)
    }

    /// [`help`](Self::help) for a crate that has coop-core only when the `cfg` predicate
    /// `condition` holds (an optional dependency, a target's): what it offers is written under
    /// that predicate.
    ///
    /// ```
    /// use coop_analysis::lints::{FindingKind, Place};
    ///
    /// let place = Place::Uncovered { fix_on: Some("`f`") };
    /// let help = FindingKind::NeverAwaits.help_where("coop_core", Some("feature = \"fair\""), &place);
    /// assert_eq!(
    ///     help,
    ///     "add `#[cfg_attr(feature = \"fair\", coop_core::cooperative)]` to `f` (`cargo coop fix` \
    ///      does), add `#[cfg(feature = \"fair\")] coop_core::consume_budget().await;` to the \
    ///      loop's body, or mark the fn `#[cfg_attr(feature = \"fair\", coop_core::unconstrained)]`"
    /// );
    /// ```
    pub fn help_where(&self, krate: &str, condition: Option<&str>, place: &Place<'_>) -> String {
        let yield_point = match condition {
            Some(condition) => format!("`#[cfg({condition})] {krate}::consume_budget().await;`"),
            None => format!("`{krate}::consume_budget().await;`"),
        };
        let attribute = |name: &str| format!("`{}`", attribute(krate, name, condition));
        let cooperative = attribute("cooperative");
        let unconstrained = attribute("unconstrained");
        // Inside a `#[cooperative]` item a loop can be opted out on its own; elsewhere only the
        // fn can be.
        let opt_out = match place {
            Place::Uncovered { .. } => format!("mark the fn {unconstrained}"),
            Place::Check | Place::Instrumented => "mark the loop `#[unconstrained]`".to_owned(),
        };
        match (self, place) {
            (FindingKind::NeverAwaits, Place::Check) => format!(
                "add {yield_point} at the start of this body, drop `check` so that \
                 `#[cooperative]` inserts a yield point, or {opt_out}"
            ),
            (FindingKind::NeverAwaits, Place::Uncovered { fix_on: Some(on) }) => format!(
                "add {cooperative} to {on} (`cargo coop fix` does), add {yield_point} to the \
                 loop's body, or {opt_out}"
            ),
            (FindingKind::NeverAwaits, _) => {
                format!("add {yield_point} to the loop's body, or {opt_out}")
            }
            (FindingKind::UnderTemporary, Place::Check) => format!(
                "this loop runs while a temporary is alive (one its `for` header, an enclosing \
                 `match`, `if let` or `while let` header, or an earlier part of the same \
                 statement created, or a borrow that a `let` or a macro statement before it \
                 extends to the end of the block), so `#[cooperative]` puts no yield point here: \
                 yielding would hold it across an await. Bind that value with `let` before the \
                 loop (an extended borrow: end it in a block of its own) and add {yield_point} \
                 here, or {opt_out}"
            ),
            (FindingKind::UnderTemporary, _) => format!(
                "bind the temporary's value (of the loop's `for` header, an enclosing `match`, \
                 `if let` or `while let` header, or an earlier part of the statement) with `let` \
                 before the loop, or end a borrow that a `let` or a macro statement before the \
                 loop extends in a block of its own, and add {yield_point} to its body, or \
                 {opt_out}"
            ),
            (FindingKind::YieldPointNotAwaited, Place::Check) => {
                "add `.await` after this call: `consume_budget().await`".to_owned()
            }
            (FindingKind::YieldPointNotAwaited, _) => {
                "add `.await` after the `consume_budget()` call".to_owned()
            }
            // A fn written inside an item macro call: an attribute on the fn, inside the call,
            // reaches the loop where one around the call does not.
            (FindingKind::InsideMacro(_), Place::Uncovered { fix_on: Some(on) }) => format!(
                "add {cooperative} to {on}, inside the macro call (`cargo coop fix` does), add \
                 {yield_point} to the loop's body, or {opt_out}"
            ),
            (FindingKind::InsideMacro(_), Place::Uncovered { .. }) => format!(
                "move the loop out of the macro call, add {yield_point} to its body, or {opt_out}"
            ),
            // A loop marker in a macro's tokens is not read, and `#[unconstrained]` beside the
            // fn's own coop attribute does not compile: it replaces it.
            (FindingKind::InsideMacro(_), Place::Check) => format!(
                "move the loop out of the macro call, add {yield_point} to its body, or opt the \
                 fn out with {unconstrained} (in place of `#[cooperative(check)]` where that is \
                 on the fn)"
            ),
            (FindingKind::InsideMacro(_), Place::Instrumented) => format!(
                "move the loop out of the macro call, add {yield_point} to its body, or opt the \
                 fn out with {unconstrained} (in place of `#[cooperative]` where that is on the \
                 fn)"
            ),
            (FindingKind::StrayLoopMarker(_), Place::Uncovered { fix_on: Some(on) }) => format!(
                "add {cooperative} to {on} (`cargo coop fix` does), or put {unconstrained} on \
                 the fn instead"
            ),
            // No fix: no async code runs there (a sync fn, a `const`), or it is on no loop.
            (FindingKind::StrayLoopMarker(_), Place::Uncovered { fix_on: None }) => {
                "remove the marker: it opts out only a loop of async code under `#[cooperative]`"
                    .to_owned()
            }
            (FindingKind::StrayLoopMarker(_), _) => {
                format!("put {unconstrained} on the fn instead of the loop")
            }
            (
                FindingKind::MarkerWithArguments
                | FindingKind::MarkerNotOnALoop
                | FindingKind::InvalidArguments(_)
                | FindingKind::ConflictingAttributes(_)
                | FindingKind::DuplicateAttribute(_)
                | FindingKind::ConstFn(_)
                | FindingKind::NoAsyncCode(..)
                | FindingKind::UnsupportedItem(_)
                | FindingKind::FnWithoutBody(_)
                | FindingKind::TraitMethodWithoutBody(_)
                | FindingKind::OutOfLineModule(_),
                _,
            ) => self.lint().help.to_owned(),
        }
    }
}

/// Where a finding is, which decides what help compiles there.
///
/// ```
/// use coop_analysis::lints::{FindingKind, Place};
///
/// // Inside `#[cooperative(check)]` the attribute is there already: the help is about the loop.
/// let help = FindingKind::NeverAwaits.help("coop_core", &Place::Check);
/// assert!(!help.contains("add `#[coop_core::cooperative]`"));
/// assert!(help.contains("consume_budget().await"));
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Place<'a> {
    /// In a fn no coop attribute covers; `fix_on` names what `#[cooperative]` goes on (`` `f` ``,
    /// or "its `#[async_trait]` block") when it fixes the finding.
    Uncovered {
        /// What `#[cooperative]` goes on, when it fixes the finding.
        fix_on: Option<&'a str>,
    },
    /// In a `#[cooperative]` item: loop markers are read there.
    Instrumented,
    /// In a `#[cooperative(check)]` item, as its compile error.
    Check,
}

/// The closest of `known` to `word` when it looks like a misspelling of it (at most half of
/// its letters differ): `chek` → `check`.
///
/// ```
/// assert_eq!(coop_analysis::lints::did_you_mean("chek", &["check", "crate"]), Some("check"));
/// assert_eq!(coop_analysis::lints::did_you_mean("fast", &["check", "crate"]), None);
/// ```
pub fn did_you_mean<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|candidate| (edit_distance(word, candidate), *candidate))
        .filter(|(distance, candidate)| *distance > 0 && *distance * 2 <= candidate.len().max(3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The attribute `name` (`cooperative`, `unconstrained`) of the coop-core reached as `krate`,
/// under `cfg_attr` when the dependency is there only where `condition` holds. The attributes'
/// expansions name `::coop_core`: under another name they need `crate = ".."`.
///
/// ```
/// use coop_analysis::lints::attribute;
///
/// assert_eq!(attribute("coop_core", "cooperative", None), "#[coop_core::cooperative]");
/// assert_eq!(
///     attribute("coop", "unconstrained", Some("unix")),
///     "#[cfg_attr(unix, coop::unconstrained(crate = \"coop\"))]"
/// );
/// ```
pub fn attribute(krate: &str, name: &str, condition: Option<&str>) -> String {
    let inner = match krate {
        "coop_core" | "::coop_core" => format!("{krate}::{name}"),
        _ => format!("{krate}::{name}(crate = \"{krate}\")"),
    };
    match condition {
        Some(condition) => format!("#[cfg_attr({condition}, {inner})]"),
        None => format!("#[{inner}]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lint_names_are_unique_snake_case() {
        let mut names: Vec<_> = ALL.iter().map(|lint| lint.name).collect();
        assert!(
            names
                .iter()
                .all(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }

    #[test]
    fn unconstrained_twice_says_nothing_of_yield_points() {
        let twice = FindingKind::DuplicateAttribute(CoopAttr::Unconstrained).title();
        assert_eq!(
            twice,
            "`#[unconstrained]` is applied twice to this item: remove one"
        );
        let twice = FindingKind::DuplicateAttribute(CoopAttr::Cooperative).title();
        assert!(twice.ends_with("(twice would put two yield points in every loop)"));
    }

    #[test]
    fn misspellings_suggest_the_key() {
        assert_eq!(did_you_mean("chekc", &["check", "crate"]), Some("check"));
        assert_eq!(did_you_mean("crat", &["check", "crate"]), Some("crate"));
        assert_eq!(did_you_mean("check", &["check", "crate"]), None);
        assert_eq!(did_you_mean("x", &["check", "crate"]), None);
    }
}
