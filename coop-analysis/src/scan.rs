//! The rules applied to a whole file: every fn, method and trait default body, with the
//! attributes already on it and on its `impl`, `trait` or inline `mod`, and the findings
//! `cargo coop` reports.

use std::borrow::Cow;

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{
    Attribute, Block, Expr, ForeignItem, ImplItem, ImplItemFn, Item, ItemFn, ItemImpl, ItemMod,
    ItemTrait, Signature, TraitItem, TraitItemFn, Visibility,
};

use crate::attr::{CoopAttr, is_attr};
use crate::cfg_attr;
use crate::cfgs::never_compiled;
use crate::coverage::{AttrNames, Coverage, read_attrs};
use crate::hooks::Hooks;
use crate::item_macros::{macro_impl_items, macro_items, macro_trait_items, out_of_reach};
use crate::lints::{FindingKind, ItemKind};
use crate::loops::{LoopKind, LoopSite, OpaqueLoop};
use crate::macros::{self, MacroBody};
use crate::shapes::unsupported;
use crate::walk::{reject_param_markers, walk_fn_body};

/// Where `#[cooperative]` goes to fix a finding.
///
/// ```
/// use coop_analysis::FixTarget;
///
/// let file: syn::File = syn::parse_quote! {
///     #[async_trait::async_trait]
///     impl Source for Zeros {
///         async fn fill(&self, buf: &mut Vec<u8>) { while buf.len() < 64 { buf.push(0); } }
///     }
/// };
/// let fix = coop_analysis::scan_file(file).findings[0].fix.unwrap();
/// assert_eq!(fix.target, FixTarget::Block);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixTarget {
    /// On the fn or method itself.
    Fn,
    /// On the `impl` or `trait` block, above its `#[async_trait]`, which rewrites the methods
    /// before a method's own attribute would see them.
    Block,
}

/// Where to insert the attribute: before `before`, the item's first attribute that is not a
/// doc comment (so it expands before other attribute macros and sees the item as written), or
/// its first token.
///
/// ```
/// let file: syn::File = syn::parse_quote! {
///     /// Docs stay above.
///     #[tokio::main]
///     async fn main() { loop { spin(); } }
/// };
/// let fix = coop_analysis::scan_file(file).findings[0].fix.unwrap();
/// // `before` is the `#` of `#[tokio::main]`.
/// assert_eq!(fix.target, coop_analysis::FixTarget::Fn);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct FixSite {
    /// The token to insert before.
    pub before: Span,
    /// What the attribute goes on.
    pub target: FixTarget,
}

/// One finding `cargo coop check` reports: a loop, or a coop attribute that does not compile.
///
/// ```
/// let file: syn::File = syn::parse_quote! {
///     impl Codec {
///         fn spawn(&self) -> impl Future<Output = ()> { async { loop { spin(); } } }
///     }
/// };
/// let finding = &coop_analysis::scan_file(file).findings[0];
/// assert_eq!(finding.function, "Codec::spawn");
/// assert_eq!(finding.loop_kind, Some(coop_analysis::LoopKind::Loop));
/// assert!(!finding.fn_is_async && finding.fn_holds_async_blocks);
/// ```
#[derive(Clone, Debug)]
pub struct Finding {
    /// Why.
    pub kind: FindingKind,
    /// `loop`, `while` or `for`; `None` for a finding on an attribute that is not a loop's.
    pub loop_kind: Option<LoopKind>,
    /// Where it points: the loop keyword, or the offending attribute or argument.
    pub keyword: Span,
    /// The fn, as `module::Type::method` within the file.
    pub function: String,
    /// The fn is an `async fn`.
    pub fn_is_async: bool,
    /// The fn's body holds async blocks or async closures.
    pub fn_holds_async_blocks: bool,
    /// What coop's attributes already do to the fn: it decides which help compiles there.
    pub coverage: Coverage,
    /// Where `#[cooperative]` goes to fix it; `None` when the attribute would not.
    pub fix: Option<FixSite>,
}

/// Code the rules cannot see before it expands, counted so that a report says it was not
/// checked.
///
/// ```
/// let file: syn::File = syn::parse_quote! {
///     include!("generated.rs");
///     macro_rules! spin { () => { async fn spin() { loop {} } }; }
/// };
/// let unchecked = coop_analysis::scan_file(file).unchecked;
/// assert_eq!((unchecked.included_files, unchecked.macro_rules_fns, unchecked.macro_rules_loops), (1, 1, 1));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unchecked {
    /// `include!(..)` calls: their files are not read.
    pub included_files: usize,
    /// `async fn`s written inside `macro_rules!` bodies.
    pub macro_rules_fns: usize,
    /// Loops written inside `macro_rules!` bodies, in sync and async code alike: which one a
    /// loop runs in is known only where the macro expands.
    pub macro_rules_loops: usize,
}

/// What [`scan_file`] found in one file.
///
/// ```
/// let file: syn::File = syn::parse_quote! {
///     async fn a() { loop { tick().await; } }
///     fn b() {}
/// };
/// let scanned = coop_analysis::scan_file(file);
/// assert_eq!((scanned.async_fns, scanned.async_loops, scanned.findings.len()), (1, 1, 0));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Scanned {
    /// Fns with async code (async fns, and fns holding async blocks or closures).
    pub async_fns: usize,
    /// Loops that run in async context.
    pub async_loops: usize,
    /// Every finding, fn by fn.
    pub findings: Vec<Finding>,
    /// A coop attribute (`#[cooperative]`, `#[unconstrained]`, or a rename) is written on an
    /// item of the file.
    pub uses_attributes: bool,
    /// What the rules could not see.
    pub unchecked: Unchecked,
}

/// Applies the loop rules to every fn of `file` (nested items, methods and trait default bodies
/// included) and reports each loop that runs in async context, never awaits, and is neither
/// instrumented by `#[cooperative]` nor opted out by `#[unconstrained]`; and each coop attribute
/// that does not compile (rejected arguments, a loop marker outside a `#[cooperative]` item).
///
/// ```
/// let file: syn::File = syn::parse_quote! {
///     #[coop_core::cooperative]
///     async fn covered() { loop { spin(); } }
///     async fn plain() { for x in 0..10 { spin(); } }
///     async fn awaits() { loop { tick().await; } }
///     fn sync() { loop { spin(); } }
/// };
/// let scanned = coop_analysis::scan_file(file);
/// assert_eq!(scanned.async_fns, 3);
/// let names: Vec<_> = scanned.findings.iter().map(|f| f.function.as_str()).collect();
/// assert_eq!(names, ["plain"]);
/// ```
pub fn scan_file(mut file: syn::File) -> Scanned {
    let mut unchecked = Unchecked::default();
    unchecked.visit_file(&file);
    let mut scanner = Scanner {
        names: AttrNames::of(&file),
        path: Vec::new(),
        coverage: Coverage::None,
        block_fix: None,
        reached_async_code: false,
        reaching: None,
        in_macro: None,
        scanned: Scanned {
            unchecked,
            ..Scanned::default()
        },
    };
    scanner.visit_file_mut(&mut file);
    scanner.scanned
}

impl<'ast> Visit<'ast> for Unchecked {
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if mac.path.is_ident("macro_rules") {
            count_in_tokens(mac.tokens.clone(), self);
        } else if mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "include")
        {
            self.included_files += 1;
        }
    }
}

/// `async fn`s and loops (`loop {`, `while`, `for .. in .. {`) in a `macro_rules!` body.
fn count_in_tokens(tokens: TokenStream, unchecked: &mut Unchecked) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1);
        match token {
            TokenTree::Ident(ident) if ident == "async" => {
                if matches!(next, Some(TokenTree::Ident(next)) if next == "fn") {
                    unchecked.macro_rules_fns += 1;
                }
            }
            TokenTree::Ident(ident) if ident == "loop" => {
                if matches!(next, Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace) {
                    unchecked.macro_rules_loops += 1;
                }
            }
            TokenTree::Ident(ident) if ident == "while" => unchecked.macro_rules_loops += 1,
            TokenTree::Ident(ident) if ident == "for" => {
                let header = tokens[i + 1..].iter().take_while(
                    |t| !matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace),
                );
                if header
                    .into_iter()
                    .any(|t| matches!(t, TokenTree::Ident(word) if word == "in"))
                {
                    unchecked.macro_rules_loops += 1;
                }
            }
            TokenTree::Group(group) => count_in_tokens(group.stream(), unchecked),
            _ => {}
        }
    }
}

struct Scanner {
    /// The names coop's attributes go by in this file.
    names: AttrNames,
    /// Inline modules, types and fns enclosing the current item.
    path: Vec<String>,
    /// What the enclosing `impl`, `trait` or `mod` applies.
    coverage: Coverage,
    /// The enclosing block carries `#[async_trait]`: the fix goes on the block, here.
    block_fix: Option<Span>,
    /// The attribute of the enclosing item has reached async code (a fn with async code, or an
    /// item with an attribute of its own).
    reached_async_code: bool,
    /// The coop attribute of the enclosing inline modules that reaches the current items: it
    /// reads the modules nested in them too, and rejects a `mod name;` there.
    reaching: Option<CoopAttr>,
    /// The current items are inside an item-position macro call, which no attribute on an
    /// enclosing item reads.
    in_macro: Option<InMacro>,
    scanned: Scanned,
}

/// An item-position macro call the scan reads into.
struct InMacro {
    /// The innermost call's macro, without `!`.
    name: String,
    /// What the attribute of the item around the outermost call would do to its fns, if it
    /// could read them: a loop `#[cooperative]` would have instrumented is reported as inside
    /// the macro, one `#[unconstrained]` would have opted out is not reported.
    enclosing: Coverage,
}

/// Collects one fn's decisions.
#[derive(Default)]
struct Collect {
    sites: Vec<LoopSite>,
    opaque: Vec<OpaqueLoop>,
    /// Loop markers the attributes reject (with arguments, or not on a loop), in the order the
    /// walk meets them.
    rejected_markers: Vec<(Span, FindingKind)>,
}

impl Hooks for Collect {
    fn on_loop(&mut self, _: &mut Expr, site: &LoopSite) -> bool {
        self.sites.push(site.clone());
        false
    }

    fn on_opaque_loop(&mut self, found: &OpaqueLoop) {
        self.opaque.push(found.clone());
    }

    fn on_marker_with_arguments(&mut self, span: Span) {
        self.rejected_markers
            .push((span, FindingKind::MarkerWithArguments));
    }

    fn on_marker_not_on_a_loop(&mut self, span: Span) {
        self.rejected_markers
            .push((span, FindingKind::MarkerNotOnALoop));
    }
}

/// The loop markers (`#[unconstrained]`, also through `cfg_attr`) in a fn body, nested items
/// left out: the pound sign of each, the kind of loop it is on, and the `cfg_attr` predicate
/// under which it is there.
struct Markers<'a> {
    names: &'a AttrNames,
    found: Vec<(Span, Option<LoopKind>, Option<String>)>,
}

impl Markers<'_> {
    fn note(&mut self, attrs: &[Attribute], kind: Option<LoopKind>) {
        for attr in attrs {
            let applied = cfg_attr::applied(attr);
            // Under a predicate that never holds (`any()`), rustc removes the marker; under one
            // that always does (`all()`), it is there as if written plainly.
            let Some((predicate, marker)) = applied.iter().find(|(predicate, attr)| {
                self.names.is_unconstrained(attr) && cfg_attr::holds(predicate) != Some(false)
            }) else {
                continue;
            };
            let predicate = (!predicate.is_empty() && cfg_attr::holds(predicate).is_none())
                .then(|| cfg_attr::predicate_text(predicate));
            // On the marker's name, where the build points.
            let name = marker.path().segments.last().map(|name| name.ident.span());
            self.found
                .push((name.unwrap_or(attr.pound_token.span), kind, predicate));
        }
    }
}

impl<'ast> Visit<'ast> for Markers<'_> {
    /// Code under a `cfg` that fails in every build is not there: nothing in it is read.
    fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
        if !never_compiled(crate::cfgs::stmt_attrs(stmt)) {
            visit::visit_stmt(self, stmt);
        }
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        if !never_compiled(&arm.attrs) {
            visit::visit_arm(self, arm);
        }
    }

    fn visit_field_value(&mut self, field: &'ast syn::FieldValue) {
        if !never_compiled(&field.attrs) {
            visit::visit_field_value(self, field);
        }
    }

    /// The operands of a macro whose grammar coop knows are code (the build reads a marker
    /// there); another macro's tokens are its own.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if let MacroBody::Exprs(mut body, _) | MacroBody::Async(mut body) = macros::parse(mac) {
            for expr in body.exprs_mut() {
                self.visit_expr(expr);
            }
        }
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        if never_compiled(crate::cfgs::expr_attrs(expr)) {
            return;
        }
        let kind = match expr {
            Expr::Loop(_) => Some(LoopKind::Loop),
            Expr::While(_) => Some(LoopKind::While),
            Expr::ForLoop(_) => Some(LoopKind::For),
            _ => None,
        };
        self.note(crate::cfgs::expr_attrs(expr), kind);
        visit::visit_expr(self, expr);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        self.note(&local.attrs, None);
        visit::visit_local(self, local);
    }

    /// A closure's parameters carry their attributes on their pattern (`Pat::Type`'s are read
    /// below, as a fn parameter's); no other pattern takes attributes.
    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        for input in &closure.inputs {
            if matches!(input, syn::Pat::Type(_)) {
                continue;
            }
            let mut input = input.clone();
            if let Some(attrs) = crate::markers::pat_attrs(&mut input)
                && !never_compiled(attrs)
            {
                self.note(attrs, None);
            }
        }
        visit::visit_expr_closure(self, closure);
    }

    fn visit_pat_type(&mut self, typed: &'ast syn::PatType) {
        if !never_compiled(&typed.attrs) {
            self.note(&typed.attrs, None);
            visit::visit_pat_type(self, typed);
        }
    }

    fn visit_receiver(&mut self, receiver: &'ast syn::Receiver) {
        if !never_compiled(&receiver.attrs) {
            self.note(&receiver.attrs, None);
            visit::visit_receiver(self, receiver);
        }
    }

    fn visit_item(&mut self, _: &'ast Item) {}
}

/// The first attribute that is not a doc comment, or else `first_token`.
fn insertion_point(attrs: &[Attribute], first_token: Span) -> Span {
    attrs
        .iter()
        .find(|attr| !attr.path().is_ident("doc"))
        .map_or(first_token, |attr| attr.pound_token.span)
}

fn sig_start(vis: &Visibility, sig: &Signature) -> Span {
    if !matches!(vis, Visibility::Inherited) {
        return vis.span();
    }
    sig.constness
        .map(|t| t.span)
        .or(sig.asyncness.map(|t| t.span))
        .or(match &sig.safety {
            syn::Safety::Unsafe(t) => Some(t.span),
            syn::Safety::Safe(t) => Some(t.span),
            syn::Safety::Default => None,
        })
        .or(sig.abi.as_ref().map(|abi| abi.extern_token.span))
        .unwrap_or(sig.fn_token.span)
}

impl Scanner {
    fn with<R>(
        &mut self,
        name: Option<String>,
        coverage: Coverage,
        block_fix: Option<Span>,
        f: impl FnOnce(&mut Self) -> R,
    ) -> R {
        let pushed = name.is_some();
        if let Some(name) = name {
            self.path.push(name);
        }
        let saved = (self.coverage, self.block_fix, self.reaching);
        self.coverage = coverage;
        self.block_fix = block_fix;
        self.reaching = None;
        let result = f(self);
        (self.coverage, self.block_fix, self.reaching) = saved;
        if pushed {
            self.path.pop();
        }
        result
    }

    /// The coverage an item's attributes give inside the current one, and the coop attribute
    /// written on the item itself that applies to it; each attribute rejected on the item is a
    /// finding on it.
    fn read(&mut self, attrs: &[Attribute], item: &str) -> (Coverage, Option<CoopAttr>) {
        let read = read_attrs(attrs, &self.names);
        // A coop attribute is among them (`cfg_attr` included).
        self.scanned.uses_attributes |= read.coverage.is_some();
        for (span, kind) in read.rejected {
            self.item_finding(kind, span, item);
        }
        (read.coverage.unwrap_or(self.coverage), read.applied)
    }

    /// An item of a shape coop's attributes reject ([`unsupported`]): a struct, a `use`, an
    /// associated `const`, a fn without a body. Each coop attribute a build applies to it
    /// rejects it (each one once: rustc shows an error repeated on the same token once), after
    /// its arguments; a second attribute is not read as stacked, since each rejects the item
    /// before looking for one.
    fn reject_shape(&mut self, item: &Item, name: &str) {
        let attrs = item_attrs(item);
        if !self.may_name_an_attribute(&attrs) {
            return;
        }
        let function = self.nested(name);
        let read = read_attrs(&attrs, &self.names);
        self.scanned.uses_attributes |= read.coverage.is_some();
        for (span, kind) in read.rejected {
            if let FindingKind::InvalidArguments(_) = kind {
                self.item_finding(kind, span, &function);
            }
        }
        let mut present = Vec::new();
        for attr in read.present {
            if !present.contains(&attr) {
                present.push(attr);
            }
        }
        for attr in present {
            if let Some((span, kind)) = unsupported(attr, item) {
                self.item_finding(kind, span, &function);
            }
        }
    }

    /// A finding on an item's attributes (not on its body).
    fn item_finding(&mut self, kind: FindingKind, keyword: Span, item: &str) {
        self.finding_outside_async_code(kind, None, keyword, item);
    }

    /// A finding in code that runs no async code, which no attribute fixes: on an item, a
    /// marker in a `const fn` or in a `const` or `static` initializer.
    fn finding_outside_async_code(
        &mut self,
        kind: FindingKind,
        loop_kind: Option<LoopKind>,
        keyword: Span,
        item: &str,
    ) {
        self.scanned.findings.push(Finding {
            kind,
            loop_kind,
            keyword,
            function: item.to_owned(),
            fn_is_async: false,
            fn_holds_async_blocks: false,
            coverage: Coverage::None,
            fix: None,
        });
    }

    /// An `impl` or `trait` block or inline module: its attribute (or the enclosing one) reaches
    /// the fns inside; one written on it that reaches no async code is rejected, as the attribute
    /// rejects it (`kind` says where it looked).
    fn scan_block(
        &mut self,
        attrs: &[Attribute],
        name: String,
        kind: ItemKind,
        keyword: Span,
        block_fix: Option<Span>,
        visit: impl FnOnce(&mut Self),
    ) {
        let function = self.nested(&name);
        let (coverage, applied) = self.read(attrs, &function);
        let outer = std::mem::take(&mut self.reached_async_code);
        // An attribute on a module reads the modules nested in it, up to one with a coop
        // attribute of its own.
        let reaching = match kind {
            ItemKind::Mod if applied.is_none() && !self.own_attribute(attrs) => self.reaching,
            ItemKind::Mod => applied,
            _ => None,
        };
        self.with(Some(name), coverage, block_fix, |s| {
            s.reaching = reaching;
            visit(s);
        });
        if let Some(attr) = applied
            && !self.reached_async_code
        {
            self.item_finding(FindingKind::NoAsyncCode(attr, kind), keyword, &function);
        }
        // With an attribute of its own, an enclosing one leaves it to that attribute.
        self.reached_async_code = outer || self.reached_async_code || self.own_attribute(attrs);
    }

    /// `mod name;`: its items are in another file, which neither an attribute on it nor one on
    /// an inline module around it can read; each rejects it, and reads no further.
    fn scan_out_of_line_module(&mut self, module: &ItemMod) {
        let function = self.nested(&module.ident.to_string());
        let (_, applied) = self.read(&module.attrs, &function);
        let attr = if applied.is_some() || self.own_attribute(&module.attrs) {
            applied
        } else {
            self.reaching
        };
        if let Some(attr) = attr
            && let Some((span, kind)) = unsupported(attr, &Item::Mod(module.clone()))
        {
            self.item_finding(kind, span, &function);
            self.reached_async_code = true;
        }
        self.reached_async_code |= self.own_attribute(&module.attrs);
    }

    /// An item nested in an `impl` or `trait` block or an extern block, other than a fn with a
    /// body: its coop attributes receive it as an item of its own. `attrs`: its attributes,
    /// `None` when syn keeps it as tokens.
    fn reject_nested(&mut self, attrs: Option<&[Attribute]>, item: &dyn ToTokens) {
        if attrs.is_some_and(|attrs| !self.may_name_an_attribute(attrs)) {
            return;
        }
        // Every shape of a nested item parses as an `Item` (`Item::Verbatim` at worst).
        if let Ok(item) = syn::parse2::<Item>(item.to_token_stream()) {
            self.reject_shape(&item, &item_name(&item));
        }
    }

    /// A coop attribute, or a `cfg_attr` that may apply one, is among `attrs`.
    fn may_name_an_attribute(&self, attrs: &[Attribute]) -> bool {
        attrs.iter().any(|attr| {
            self.names.is_cooperative(attr)
                || self.names.is_unconstrained(attr)
                || attr.path().is_ident("cfg_attr")
        })
    }

    /// A coop attribute is written on the item itself.
    fn own_attribute(&self, attrs: &[Attribute]) -> bool {
        attrs
            .iter()
            .any(|attr| self.names.is_cooperative(attr) || self.names.is_unconstrained(attr))
    }

    /// One fn body: the rules, then the items nested in it (with no coverage: the attributes of
    /// the enclosing fn do not reach them).
    fn scan_fn(
        &mut self,
        attrs: &[Attribute],
        vis: &Visibility,
        sig: &Signature,
        block: &mut Block,
    ) {
        let function = self.nested(&sig.ident.to_string());
        let (coverage, applied) = self.read(attrs, &function);
        let is_async = sig.asyncness.is_some();
        if let (Some(attr), Some(const_token)) = (applied, sig.constness) {
            self.item_finding(FindingKind::ConstFn(attr), const_token.span, &function);
        }
        // With an attribute of its own, an enclosing one leaves it to that attribute.
        self.reached_async_code |= self.own_attribute(attrs);
        // A `const fn` an attribute reaches gets no yield points, but its markers are read.
        if sig.constness.is_some() && coverage != Coverage::None && applied.is_none() {
            let mut collect = Collect::default();
            reject_param_markers(&mut sig.clone(), &mut collect);
            walk_fn_body(&mut block.clone(), false, &mut collect);
            for (span, kind) in collect.rejected_markers {
                self.finding_outside_async_code(kind, None, span, &function);
            }
        }
        if sig.constness.is_none() {
            let fix_site = match self.block_fix {
                Some(before) => FixSite {
                    before,
                    target: FixTarget::Block,
                },
                None => FixSite {
                    before: insertion_point(attrs, sig_start(vis, sig)),
                    target: FixTarget::Fn,
                },
            };
            // Loop markers are read by `#[cooperative]` alone: anywhere else rustc rejects them.
            let mut markers = Markers {
                names: &self.names,
                found: Vec::new(),
            };
            if coverage == Coverage::None {
                for input in &sig.inputs {
                    markers.visit_fn_arg(input);
                }
                markers.visit_block(block);
            }
            let markers = markers.found;
            let mut collect = Collect::default();
            reject_param_markers(&mut sig.clone(), &mut collect);
            let walked = walk_fn_body(block, is_async, &mut collect);
            let async_code = is_async || walked.found_async_code;
            if async_code {
                self.scanned.async_fns += 1;
            }
            if let Some(attr) = applied
                && !async_code
            {
                let kind = FindingKind::NoAsyncCode(attr, ItemKind::Fn);
                self.item_finding(kind, sig.fn_token.span, &function);
            }
            if coverage != Coverage::None {
                self.reached_async_code |= async_code;
            }
            let finding = |kind, loop_kind, keyword, fix| Finding {
                kind,
                loop_kind,
                keyword,
                function: function.clone(),
                fn_is_async: is_async,
                fn_holds_async_blocks: walked.found_async_code,
                coverage,
                fix,
            };
            let mut findings = Vec::new();
            // `#[cooperative]` on a fn without async code does not compile, and under it a
            // marker on anything but a loop is an error: such a marker is only removed.
            for (pound, loop_kind, predicate) in markers {
                let fix = (async_code && loop_kind.is_some()).then_some(fix_site);
                findings.push(finding(
                    FindingKind::StrayLoopMarker(predicate),
                    loop_kind,
                    pound,
                    fix,
                ));
            }
            // Where a coop attribute reads the markers, it rejects those it cannot read (where
            // none does, all of them are stray, above).
            if coverage != Coverage::None {
                for (span, kind) in collect.rejected_markers {
                    findings.push(finding(kind, None, span, None));
                }
            }
            for site in &collect.sites {
                self.scanned.async_loops += usize::from(site.runs_in_async);
                // Opted out where a `cfg_attr` predicate holds: the tool does not evaluate
                // predicates (`check` reports it under `cfg(not(..))`).
                if !site.cfg_opt_outs.is_empty() {
                    continue;
                }
                let Some(kind) = site.finding() else {
                    continue;
                };
                // In a macro call the enclosing item's attribute does not read, its loops are
                // still the ones the attribute was written for.
                let kind = match (&self.in_macro, coverage) {
                    (Some(call), Coverage::None) if out_of_reach(site) => match call.enclosing {
                        Coverage::Instrumented | Coverage::Checked => {
                            FindingKind::InsideMacro(call.name.clone())
                        }
                        Coverage::OptedOut => continue,
                        Coverage::None => kind,
                    },
                    _ => kind,
                };
                let fix = match (coverage, &kind) {
                    (Coverage::OptedOut, _) => continue,
                    (Coverage::Instrumented, FindingKind::NeverAwaits) => continue,
                    (Coverage::None, FindingKind::NeverAwaits) => Some(fix_site),
                    // `#[cooperative]` on the fn itself, inside the call, reaches the loop.
                    (Coverage::None, FindingKind::InsideMacro(_)) if out_of_reach(site) => {
                        Some(fix_site)
                    }
                    _ => None,
                };
                findings.push(finding(kind, Some(site.kind), site.keyword, fix));
            }
            let opted_out_around = coverage == Coverage::None
                && self
                    .in_macro
                    .as_ref()
                    .is_some_and(|call| call.enclosing == Coverage::OptedOut);
            if coverage != Coverage::OptedOut && !opted_out_around {
                self.scanned.async_loops += collect.opaque.len();
                for opaque in collect.opaque {
                    findings.push(finding(
                        FindingKind::InsideMacro(opaque.macro_name),
                        Some(opaque.kind),
                        opaque.keyword,
                        None,
                    ));
                }
            }
            self.scanned.findings.extend(findings);
        }
        // The items nested in its body are not reached by its attribute, nor by one around a
        // macro call it is in.
        let reached = std::mem::take(&mut self.reached_async_code);
        let in_macro = self.in_macro.take();
        self.with(Some(sig.ident.to_string()), Coverage::None, None, |s| {
            visit_mut::visit_block_mut(s, block);
        });
        self.in_macro = in_macro;
        self.reached_async_code = reached;
    }

    /// The loop markers in `expr`, code that runs no async code (a `const` or `static`
    /// initializer named `name`): each one is stray, and only removing it compiles.
    fn stray_markers_in(&mut self, name: &str, expr: &Expr) {
        let mut markers = Markers {
            names: &self.names,
            found: Vec::new(),
        };
        markers.visit_expr(expr);
        let function = self.nested(name);
        for (span, loop_kind, predicate) in markers.found {
            let kind = FindingKind::StrayLoopMarker(predicate);
            self.finding_outside_async_code(kind, loop_kind, span, &function);
        }
    }

    /// The items inside the item-position macro call `mac`, which `visit` scans: fns of their
    /// own, which no coop attribute around the call reaches (an attribute never reads a macro
    /// call's tokens), and whose async code is none of that attribute's. They keep their spans,
    /// so findings and fix sites point into the file, where `#[cooperative]` goes on the fn
    /// inside the call (never on an `#[async_trait]` block around it, which does not read it
    /// either).
    fn in_macro_call(&mut self, mac: &syn::Macro, visit: impl FnOnce(&mut Self)) {
        let enclosing = match (self.coverage, &self.in_macro) {
            (Coverage::None, Some(outer)) => outer.enclosing,
            (coverage, _) => coverage,
        };
        let name = macros::name(mac);
        let outer = self.in_macro.replace(InMacro { name, enclosing });
        let reached = std::mem::take(&mut self.reached_async_code);
        self.with(None, Coverage::None, None, visit);
        self.reached_async_code = reached;
        self.in_macro = outer;
    }

    /// The name of an item nested in the current path (a fn, a module, an impl or trait block).
    fn nested(&self, name: &str) -> String {
        let mut path = self.path.clone();
        path.push(name.to_owned());
        path.join("::")
    }
}

fn has_async_trait(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| is_attr(attr, "async_trait"))
}

/// `Type` of `impl Trait for Type`, for names.
fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map_or_else(|| ty.to_token_stream().to_string(), |s| s.ident.to_string()),
        _ => ty.to_token_stream().to_string(),
    }
}

/// The attributes of an associated item syn knows.
fn impl_item_attrs(item: &ImplItem) -> Option<&[Attribute]> {
    match item {
        ImplItem::Fn(i) => Some(&i.attrs),
        ImplItem::Const(i) => Some(&i.attrs),
        ImplItem::Type(i) => Some(&i.attrs),
        ImplItem::Macro(i) => Some(&i.attrs),
        _ => None,
    }
}

/// The attributes of a trait item syn knows.
fn trait_item_attrs(item: &TraitItem) -> Option<&[Attribute]> {
    match item {
        TraitItem::Fn(i) => Some(&i.attrs),
        TraitItem::Const(i) => Some(&i.attrs),
        TraitItem::Type(i) => Some(&i.attrs),
        TraitItem::Macro(i) => Some(&i.attrs),
        _ => None,
    }
}

/// The outer attributes of any item (of one syn keeps as tokens, those it starts with).
fn item_attrs(item: &Item) -> Cow<'_, [Attribute]> {
    Cow::Borrowed(match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        Item::Verbatim(tokens) => {
            let leading = |input: ParseStream<'_>| {
                let attrs = input.call(Attribute::parse_outer)?;
                input.parse::<TokenStream>()?;
                Ok(attrs)
            };
            return Cow::Owned(leading.parse2(tokens.clone()).unwrap_or_default());
        }
        _ => &[],
    })
}

/// An item's name in findings: its own (`S`, `MAX`), a macro call's path with its `!`, a `use`'s
/// path, an extern block's ABI.
fn item_name(item: &Item) -> String {
    let ident = match item {
        Item::Const(i) => &i.ident,
        Item::Enum(i) => &i.ident,
        Item::ExternCrate(i) => i.rename.as_ref().map_or(&i.ident, |(_, rename)| rename),
        Item::Fn(i) => &i.sig.ident,
        Item::Mod(i) => &i.ident,
        Item::Static(i) => &i.ident,
        Item::Struct(i) => &i.ident,
        Item::Trait(i) => &i.ident,
        Item::TraitAlias(i) => &i.ident,
        Item::Type(i) => &i.ident,
        Item::Union(i) => &i.ident,
        Item::Macro(syn::ItemMacro {
            ident: Some(ident), ..
        }) => ident,
        Item::Macro(i) => return format!("{}!", compact(&i.mac.path)),
        Item::Use(i) => return format!("use {}", compact(&i.tree)),
        Item::ForeignMod(i) => return format!("extern {}", compact(&i.abi.name)),
        Item::Impl(i) => return type_name(&i.self_ty),
        // `type Item;`, `fn f();`: the first word after its keywords.
        Item::Verbatim(tokens) => {
            const KEYWORDS: &[&str] = &[
                "pub", "crate", "default", "const", "async", "unsafe", "safe", "extern", "fn",
                "type", "static", "mut",
            ];
            // Attributes and `pub(crate)` are groups, no words.
            let name = tokens
                .clone()
                .into_iter()
                .filter_map(|token| match token {
                    TokenTree::Ident(ident) => Some(ident.to_string()),
                    _ => None,
                })
                .find(|word| !KEYWORDS.contains(&word.as_str()));
            return name.unwrap_or_default();
        }
        _ => return String::new(),
    };
    ident.to_string()
}

/// Tokens as written without the spaces a token stream prints between them.
fn compact(tokens: &impl ToTokens) -> String {
    tokens.to_token_stream().to_string().replace(' ', "")
}

impl Scanner {
    /// An item a `#[cfg]` removes in every build is not checked; but an attribute on the item
    /// around it sees it as written, and counts an async fn there as the async code it found.
    fn compiled_out_fn(&mut self, async_fn: bool) {
        self.reached_async_code |= async_fn;
    }
}

impl VisitMut for Scanner {
    fn visit_item_fn_mut(&mut self, f: &mut ItemFn) {
        self.scan_fn(&f.attrs, &f.vis, &f.sig, &mut f.block);
    }

    fn visit_impl_item_fn_mut(&mut self, f: &mut ImplItemFn) {
        self.scan_fn(&f.attrs, &f.vis, &f.sig, &mut f.block);
    }

    fn visit_trait_item_fn_mut(&mut self, f: &mut TraitItemFn) {
        match &mut f.default {
            Some(block) => self.scan_fn(&f.attrs, &Visibility::Inherited, &f.sig, block),
            None => {
                self.reject_nested(Some(&f.attrs), f);
                // With an attribute of its own, an enclosing one leaves it to that attribute.
                self.reached_async_code |= self.own_attribute(&f.attrs);
            }
        }
    }

    /// Associated consts, types and macro calls: their coop attributes reject them, and no coop
    /// attribute reaches the fns nested in their expressions.
    fn visit_impl_item_mut(&mut self, item: &mut ImplItem) {
        if impl_item_attrs(item).is_some_and(never_compiled) {
            self.compiled_out_fn(matches!(item, ImplItem::Fn(f) if f.sig.asyncness.is_some()));
            return;
        }
        if let ImplItem::Fn(f) = item {
            return self.visit_impl_item_fn_mut(f);
        }
        self.reject_nested(impl_item_attrs(item), item);
        if let ImplItem::Macro(call) = item {
            if let Some(mut items) = macro_impl_items(&call.mac) {
                self.in_macro_call(&call.mac, |s| {
                    items
                        .iter_mut()
                        .for_each(|item| s.visit_impl_item_mut(item));
                });
            }
            return;
        }
        self.with(None, Coverage::None, None, |s| {
            visit_mut::visit_impl_item_mut(s, item);
        });
    }

    fn visit_trait_item_mut(&mut self, item: &mut TraitItem) {
        if trait_item_attrs(item).is_some_and(never_compiled) {
            self.compiled_out_fn(matches!(item, TraitItem::Fn(f) if f.sig.asyncness.is_some()));
            return;
        }
        if let TraitItem::Fn(f) = item {
            return self.visit_trait_item_fn_mut(f);
        }
        self.reject_nested(trait_item_attrs(item), item);
        if let TraitItem::Macro(call) = item {
            if let Some(mut items) = macro_trait_items(&call.mac) {
                self.in_macro_call(&call.mac, |s| {
                    items
                        .iter_mut()
                        .for_each(|item| s.visit_trait_item_mut(item));
                });
            }
            return;
        }
        self.with(None, Coverage::None, None, |s| {
            visit_mut::visit_trait_item_mut(s, item);
        });
    }

    /// The items of an extern block: a coop attribute rejects each (a fn there has no body).
    fn visit_foreign_item_mut(&mut self, item: &mut ForeignItem) {
        let attrs = match &*item {
            ForeignItem::Fn(i) => Some(&i.attrs[..]),
            ForeignItem::Static(i) => Some(&i.attrs[..]),
            ForeignItem::Type(i) => Some(&i.attrs[..]),
            ForeignItem::Macro(i) => Some(&i.attrs[..]),
            _ => None,
        };
        self.reject_nested(attrs, item);
    }

    fn visit_item_impl_mut(&mut self, block: &mut ItemImpl) {
        let name = type_name(&block.self_ty);
        let fix = has_async_trait(&block.attrs)
            .then(|| insertion_point(&block.attrs, block.impl_token.span));
        let attrs = block.attrs.clone();
        let keyword = block.impl_token.span;
        self.scan_block(&attrs, name, ItemKind::Impl, keyword, fix, |s| {
            visit_mut::visit_item_impl_mut(s, block);
        });
    }

    fn visit_item_trait_mut(&mut self, block: &mut ItemTrait) {
        let fix = has_async_trait(&block.attrs)
            .then(|| insertion_point(&block.attrs, block.trait_token.span));
        let attrs = block.attrs.clone();
        let (name, keyword) = (block.ident.to_string(), block.trait_token.span);
        self.scan_block(&attrs, name, ItemKind::Trait, keyword, fix, |s| {
            visit_mut::visit_item_trait_mut(s, block);
        });
    }

    fn visit_item_mod_mut(&mut self, module: &mut ItemMod) {
        let attrs = module.attrs.clone();
        let (name, keyword) = (module.ident.to_string(), module.mod_token.span);
        if module.content.is_none() {
            return self.scan_out_of_line_module(module);
        }
        self.scan_block(&attrs, name, ItemKind::Mod, keyword, None, |s| {
            visit_mut::visit_item_mod_mut(s, module);
        });
    }

    /// Items inside an item-position macro call (`cfg_if! { .. }`, tokio's `cfg_rt! { .. }`)
    /// are scanned when its tokens parse as items (see [`Scanner::in_macro_call`]).
    fn visit_item_macro_mut(&mut self, item: &mut syn::ItemMacro) {
        if item.ident.is_some() || item.mac.path.is_ident("macro_rules") {
            return;
        }
        if let Some(mut items) = macro_items(&item.mac) {
            self.in_macro_call(&item.mac, |s| {
                items.iter_mut().for_each(|item| s.visit_item_mut(item));
            });
        }
    }

    /// Other items (consts, statics, ...) are rejected by their coop attributes, and reset the
    /// coverage: no coop attribute reaches into them, but fns nested in their expressions are
    /// still fns.
    fn visit_item_mut(&mut self, item: &mut Item) {
        if never_compiled(&item_attrs(item)) {
            self.compiled_out_fn(matches!(item, Item::Fn(f) if f.sig.asyncness.is_some()));
            return;
        }
        match item {
            Item::Fn(_) | Item::Impl(_) | Item::Trait(_) | Item::Mod(_) => {
                visit_mut::visit_item_mut(self, item);
            }
            _ => {
                self.reject_shape(item, &item_name(item));
                if let Item::Macro(call) = item {
                    return self.visit_item_macro_mut(call);
                }
                // A `const` or `static` initializer is no fn body: a loop marker there is stray.
                let name = item_name(item);
                if let Item::Const(syn::ItemConst { expr, .. })
                | Item::Static(syn::ItemStatic { expr, .. }) = item
                {
                    self.stray_markers_in(&name, expr);
                }
                self.with(None, Coverage::None, None, |s| {
                    visit_mut::visit_item_mut(s, item)
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (function, lint name) of each finding of `source`, fn by fn.
    fn findings(source: &str) -> Vec<(String, &'static str)> {
        let file = syn::parse_file(source).unwrap();
        scan_file(file)
            .findings
            .into_iter()
            .map(|finding| (finding.function, finding.kind.lint().name))
            .collect()
    }

    /// (function, kind) of each finding of `source` on an item's attributes.
    fn rejected(source: &str) -> Vec<(String, FindingKind)> {
        let file = syn::parse_file(source).unwrap();
        scan_file(file)
            .findings
            .into_iter()
            .filter(|finding| finding.kind.is_on_an_item())
            .map(|finding| (finding.function, finding.kind))
            .collect()
    }

    fn expect_kinds(found: &[(&str, FindingKind)]) -> Vec<(String, FindingKind)> {
        found
            .iter()
            .map(|(f, kind)| ((*f).to_owned(), kind.clone()))
            .collect()
    }

    fn expect(found: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        found
            .iter()
            .map(|(f, lint)| ((*f).to_owned(), *lint))
            .collect()
    }

    /// (function, lint name, fixable, line of the loop or attribute) of each finding.
    fn located(source: &str) -> Vec<(String, &'static str, bool, usize)> {
        let file = syn::parse_file(source).unwrap();
        scan_file(file)
            .findings
            .into_iter()
            .map(|finding| {
                let line = finding.keyword.start().line;
                (
                    finding.function,
                    finding.kind.lint().name,
                    finding.fix.is_some(),
                    line,
                )
            })
            .collect()
    }

    /// tokio's `impl TcpListener { cfg_not_wasip1! { pub async fn bind(..) { for .. } } }`: its
    /// loop went unreported, uncounted.
    #[test]
    fn fns_inside_macro_calls_in_impl_blocks_and_traits_are_read_as_at_module_level() {
        let source = r#"
macro_rules! cfg_x { ($($item:item)*) => { $( #[cfg(all())] $item )* } }
pub struct S;
impl S { cfg_x! { pub async fn in_impl_macro(n: u32) -> u32 { let mut s = 0; for i in 0..n { s += i } s } } }
cfg_x! { pub async fn in_item_macro(n: u32) -> u32 { let mut s = 0; for i in 0..n { s += i } s } }
pub trait T {
    cfg_x! {
        async fn default_body(&self) { loop { spin(); } }
        fn no_body(&self);
    }
}
pub fn host() {
    impl S { cfg_x! { pub async fn nested_impl(&self) { while go() {} } } }
    mod m { cfg_x! { pub async fn nested_mod() { loop {} } } }
}
impl S { cfg_x! { pub async fn awaits(&self) { loop { tick().await; } } } }
impl S { cfg_x! { #[cfg(any())] pub async fn removed(&self) { loop {} } } }
impl S { not_items! { => loop {} } }
"#;
        let scanned = scan_file(syn::parse_file(source).unwrap());
        assert_eq!(scanned.async_loops, 6);
        assert_eq!(
            located(source),
            [
                (
                    "S::in_impl_macro".to_owned(),
                    "loop_without_yield_point",
                    true,
                    4
                ),
                (
                    "in_item_macro".to_owned(),
                    "loop_without_yield_point",
                    true,
                    5
                ),
                (
                    "T::default_body".to_owned(),
                    "loop_without_yield_point",
                    true,
                    8
                ),
                (
                    "host::S::nested_impl".to_owned(),
                    "loop_without_yield_point",
                    true,
                    13
                ),
                (
                    "host::m::nested_mod".to_owned(),
                    "loop_without_yield_point",
                    true,
                    14
                ),
            ]
        );
        // Each fix goes on the fn inside the call, before its visibility.
        let fix = scan_file(syn::parse_file(source).unwrap()).findings[0]
            .fix
            .unwrap();
        assert_eq!(fix.target, FixTarget::Fn);
        assert_eq!(
            (fix.before.start().line, fix.before.start().column),
            (4, 18)
        );
    }

    /// An attribute never reads a macro call's tokens: around the call, `#[cooperative]` leaves
    /// its fns' loops as they are (reported as inside the macro, and fixed by an attribute on the
    /// fn), `#[unconstrained]` would have opted them out, and neither finds async code there.
    #[test]
    fn attributes_around_a_macro_call_do_not_reach_the_fns_inside() {
        let found = located(
            r#"
#[cooperative]
impl S {
    cfg_x! { pub async fn spins(&self) { loop { spin(); } } }
    cfg_x! { #[cooperative] pub async fn own(&self) { loop { spin(); } } }
    cfg_x! { pub async fn marked(&self) { #[unconstrained] loop { spin(); } } }
    cfg_x! { pub async fn opaque(&self) { my_macro!(loop {}); } }
    pub async fn direct(&self) { loop { spin(); } }
}
#[cooperative(check)]
trait T { cfg_x! { async fn spins(&self) { for _ in 0..3 {} } } }
#[cooperative]
mod m { cfg_x! { pub async fn spins() { loop {} } } }
#[unconstrained]
impl U { cfg_x! { pub async fn spins(&self) { loop {} } } pub async fn a(&self) {} }
#[cfg_attr(all(), async_trait::async_trait)]
#[async_trait::async_trait]
impl V for W { cfg_x! { async fn spins(&self) { loop {} } } }
"#,
        );
        assert_eq!(
            found,
            [
                ("S::spins".to_owned(), "loop_inside_macro", true, 4),
                ("S::marked".to_owned(), "stray_loop_marker", true, 6),
                ("S::opaque".to_owned(), "loop_inside_macro", false, 7),
                ("T::spins".to_owned(), "loop_inside_macro", true, 11),
                ("T".to_owned(), "unsupported_item", false, 11),
                ("m::spins".to_owned(), "loop_inside_macro", true, 13),
                ("m".to_owned(), "unsupported_item", false, 13),
                ("W::spins".to_owned(), "loop_without_yield_point", true, 18),
            ]
        );
    }

    #[test]
    fn items_a_cfg_removes_in_every_build_are_not_checked() {
        let found = findings(
            r#"
#[cooperative(check)]
impl S {
    #[cfg(any())] async fn removed(&self) { loop {} }
    #[cfg(all())] async fn kept(&self) { loop {} }
}
#[cooperative(check)]
trait T { #[cfg(not(all()))] async fn removed(&self) { loop {} } }
#[cooperative(check)]
mod m {
    #[cfg(false)] mod removed { pub async fn spin() { loop {} } }
    #[cfg(test)] pub async fn in_tests() { loop {} }
}
#[cfg(any())]
#[cooperative(check)]
async fn removed() { loop {} }
#[cooperative(check)]
impl U {
    #[cfg_attr(all(), cfg_attr(true, cfg(any())))] async fn removed(&self) { loop {} }
    async fn statements(&self) {
        #[cfg(any())] for _ in 0..3 {}
        #[cfg_attr(all(), cfg(any()))] let _x = async { for _ in 0..3 {} };
        #[cfg(not(all()))] { loop {} }
        #[cfg(unix)] loop {}
    }
}
"#,
        );
        assert_eq!(
            found,
            expect(&[
                ("S::kept", "loop_without_yield_point"),
                ("m::in_tests", "loop_without_yield_point"),
                ("U::statements", "loop_without_yield_point"),
            ])
        );
    }

    #[test]
    fn loop_markers_a_cooperative_item_rejects_are_findings() {
        let found = findings(
            r#"use coop_core::cooperative;
#[cooperative]
pub async fn a() { #[coop_core::unconstrained(x)] loop {} }
#[cooperative(check)]
pub async fn b() { #[coop_core::unconstrained(crate = "coop_core")] for _ in 0..3 {} }
#[cooperative]
pub async fn c() { #[coop_core::unconstrained] let x = 1; }
#[coop_core::unconstrained]
pub async fn d() { #[cfg_attr(unix, unconstrained)] { x(); } }
#[cooperative]
impl S { async fn e() { #[unconstrained(x)] while f() {} } }
#[cooperative]
pub async fn f(mut t: u32) -> u32 { #[coop_core::unconstrained] t = 1; #[unconstrained] t + 1 }
#[cooperative]
pub async fn g(t: u32) -> P { #[unconstrained] println!(); match t { #[unconstrained] _ => P { #[unconstrained] x: 1 } } }
"#,
        );
        assert_eq!(
            found,
            expect(&[
                ("a", "marker_with_arguments"),
                ("b", "marker_with_arguments"),
                ("c", "marker_not_on_a_loop"),
                ("d", "marker_not_on_a_loop"),
                ("S::e", "marker_with_arguments"),
                ("f", "marker_not_on_a_loop"),
                ("f", "marker_not_on_a_loop"),
                ("g", "marker_not_on_a_loop"),
                ("g", "marker_not_on_a_loop"),
                ("g", "marker_not_on_a_loop"),
            ])
        );
    }

    #[test]
    fn loop_markers_on_parameters_are_findings_inside_and_outside_cooperative_items() {
        let found = findings(
            r#"
#[cooperative]
pub async fn a(#[unconstrained] n: u8, #[coop_core::unconstrained] (x, y): (u8, u8)) {}
#[cooperative]
impl S { async fn b(#[unconstrained] &self) { let f = |#[unconstrained] z: u8| z; } }
#[coop_core::unconstrained]
pub async fn c(#[cfg_attr(all(), unconstrained)] n: u8) {}
pub async fn d(#[unconstrained] n: u8) { let f = |#[unconstrained] z| z; }
pub async fn e(#[cfg_attr(any(), unconstrained)] n: u8) {}
"#,
        );
        assert_eq!(
            found,
            expect(&[
                ("a", "marker_not_on_a_loop"),
                ("a", "marker_not_on_a_loop"),
                ("S::b", "marker_not_on_a_loop"),
                ("S::b", "marker_not_on_a_loop"),
                ("c", "marker_not_on_a_loop"),
                ("d", "stray_loop_marker"),
                ("d", "stray_loop_marker"),
            ])
        );
    }

    #[test]
    fn loop_markers_under_a_predicate_settled_in_every_build_count_as_the_build_does() {
        let found = findings(
            r#"
#[cooperative(check)]
pub async fn never(v: &[u8]) {
    #[cfg_attr(any(), unconstrained)] for _ in 0..v.len() {}
    #[cfg_attr(not(all()), unconstrained)] loop {}
}
#[cooperative(check)]
pub async fn always(v: &[u8]) {
    #[cfg_attr(all(), unconstrained)] for _ in 0..v.len() {}
    #[cfg_attr(any(true, unix), unconstrained)] while v.is_empty() {}
}
#[cooperative(check)]
pub async fn unknown(v: &[u8]) { #[cfg_attr(unix, unconstrained)] for _ in 0..v.len() {} }
"#,
        );
        assert_eq!(
            found,
            expect(&[
                ("never", "loop_without_yield_point"),
                ("never", "loop_without_yield_point"),
            ])
        );
    }

    #[test]
    fn markers_and_cfgs_settled_in_every_build_are_read_as_the_build_reads_them() {
        let found = findings(
            r#"
#[cooperative(check)]
pub async fn check(n: u32) -> u32 {
    let mut t = 0;
    #[cfg_attr(true, coop_core::unconstrained)] for i in 0..n { t += i; }
    #[cfg_attr(any(), coop_core::unconstrained)] t += 1;
    #[cfg_attr(all(), coop_core::unconstrained)] t += 1;
    while t < 10 { t += 1; #[cfg(any())] coop_core::consume_budget().await; }
    for _ in 0..n { #[cfg(false)] { coop_core::consume_budget().await; } }
    let _v = match n { #[cfg(any())] 0 => loop {}, _ => 1 };
    let _s = S { #[cfg(any())] a: loop {}, ..S::default() };
    t
}
#[cooperative]
impl S {
    #[cfg(any())]
    pub async fn removed(n: u32) { #[coop_core::unconstrained(x)] for _ in 0..n {} }
    pub async fn kept(&self) {}
}
"#,
        );
        assert_eq!(
            found,
            expect(&[
                ("check", "marker_not_on_a_loop"),
                ("check", "loop_without_yield_point"),
                ("check", "loop_without_yield_point"),
            ])
        );
    }

    #[test]
    fn a_stray_marker_in_a_fn_without_async_code_offers_no_attribute() {
        let file = syn::parse_file(
            "pub fn s(n: u32) { #[coop_core::unconstrained] for _ in 0..n {} }\n\
             pub async fn a(n: u32) { #[coop_core::unconstrained] for _ in 0..n {} }",
        )
        .unwrap();
        let found: Vec<_> = scan_file(file)
            .findings
            .into_iter()
            .map(|finding| {
                let place = crate::lints::Place::Uncovered {
                    fix_on: finding.fix.map(|_| "it"),
                };
                (
                    finding.function.clone(),
                    finding.kind.help("coop_core", &place),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "s".to_owned(),
                    "remove the marker: it opts out only a loop of async code under \
                     `#[cooperative]`"
                        .to_owned()
                ),
                (
                    "a".to_owned(),
                    "add `#[coop_core::cooperative]` to it (`cargo coop fix` does), or put \
                     `#[coop_core::unconstrained]` on the fn instead"
                        .to_owned()
                ),
            ]
        );
    }

    #[test]
    fn markers_in_a_const_fn_an_attribute_reaches_are_read() {
        let found = findings(
            r#"
#[cooperative]
pub mod md {
    pub const fn c(n: u32) -> u32 {
        #[unconstrained] let x = n;
        let mut t = 0;
        #[unconstrained(zzz)] while t < x { t += 1; }
        #[unconstrained] while t < x { t += 1; }
        t
    }
    pub async fn k() {}
}
pub const fn uncovered(n: u32) -> u32 { n }
"#,
        );
        assert_eq!(
            found,
            expect(&[
                ("md::c", "marker_not_on_a_loop"),
                ("md::c", "marker_with_arguments"),
            ])
        );
    }

    #[test]
    fn stray_markers_anywhere_outside_cooperative_items_are_findings() {
        let found = findings(
            r#"
pub const K: u32 = { let mut t = 0; #[coop_core::unconstrained] while t < 3 { t += 1; } t };
pub static S: u32 = { #[unconstrained] loop { break 1 } };
pub fn f(x: u32) -> u32 { let y = #[coop_core::unconstrained] (x + 1); y }
#[cooperative]
pub async fn g() { const C: u32 = { #[unconstrained] loop { break 2 } }; }
"#,
        );
        assert_eq!(
            found,
            expect(&[
                ("K", "stray_loop_marker"),
                ("S", "stray_loop_marker"),
                ("f", "stray_loop_marker"),
                ("g::C", "stray_loop_marker"),
            ])
        );
    }

    #[test]
    fn stray_markers_in_macro_operands_are_read_and_code_a_cfg_removes_is_not() {
        let file = syn::parse_file(
            r#"
pub async fn a() -> Vec<u32> { vec![#[coop_core::unconstrained] loop { break 1 }] }
pub async fn g1() { #[cfg(any())] { #[coop_core::unconstrained] loop { break } } }
pub fn g2() { #[cfg(false)] #[coop_core::unconstrained] loop { break } }
pub fn g3(x: u8) -> u8 { match x { #[cfg(any())] 0 => #[coop_core::unconstrained] loop { break 1 }, _ => 2 } }
pub async fn g4(#[cfg(any())] #[coop_core::unconstrained] _x: u8) {}
pub async fn e(x: u32) -> u32 { let y = #[coop_core::unconstrained] (x + 1); y }
#[cooperative]
pub async fn f(#[cfg(any())] #[unconstrained] n: u8) {}
#[cooperative]
pub async fn s4() -> u8 { let f = |#[cfg(any())] #[unconstrained] _y: u8, x: u8| x; f(1) }
"#,
        )
        .unwrap();
        let found: Vec<_> = scan_file(file)
            .findings
            .into_iter()
            .map(|finding| {
                (
                    finding.function,
                    finding.kind.lint().name,
                    finding.fix.is_some(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("a".to_owned(), "stray_loop_marker", true),
                ("e".to_owned(), "stray_loop_marker", false),
            ]
        );
    }

    #[test]
    fn items_the_attributes_reject_are_findings_and_the_last_attribute_applies() {
        let found = findings(
            r#"
#[cooperative(check)] #[unconstrained] async fn both() { loop {} }
#[unconstrained] #[cooperative(check)] async fn reversed() { loop {} }
#[cooperative(check)] #[cooperative(check)] async fn twice() { loop {} }
#[cooperative] const fn konst() {}
#[cooperative] fn no_async() { loop {} }
#[cooperative] fn blocks() -> impl Future<Output = ()> { async {} }
#[cooperative] mod sync { fn f() {} }
#[cooperative] mod own { #[unconstrained] async fn f() {} }
#[cooperative] trait T { fn f(&self) {} async fn g(&self); }
#[cooperative(chek)] const fn rejected_arguments_only() {}
"#,
        );
        assert_eq!(
            found,
            expect(&[
                ("both", "conflicting_attributes"),
                ("reversed", "conflicting_attributes"),
                ("reversed", "loop_without_yield_point"),
                ("twice", "duplicate_attribute"),
                ("twice", "loop_without_yield_point"),
                ("konst", "unsupported_item"),
                ("no_async", "unsupported_item"),
                ("sync", "unsupported_item"),
                ("T", "unsupported_item"),
                ("rejected_arguments_only", "invalid_arguments"),
            ])
        );
    }

    #[test]
    fn every_item_kind_the_attributes_do_not_apply_to_is_rejected() {
        use CoopAttr::{Cooperative as C, Unconstrained as U};
        let found = rejected(
            r#"
#[cooperative] pub struct S;
#[unconstrained] enum E { A }
#[cooperative(check)] union Un { a: u32 }
#[cooperative] const C: u32 = 1;
#[cooperative] static ST: u32 = 1;
#[cooperative] type A = u32;
#[cooperative] use std::fmt::Debug;
#[cooperative] extern crate alloc;
#[cooperative] extern "C" { fn ext(); }
#[cooperative] macro_rules! m { () => {} }
#[cooperative] items! { struct FromMacro; }
#[cooperative] trait Alias = Send;
#[cooperative] pub async fn declared();
unsafe extern "C" {
    #[cooperative] fn ext2();
    #[unconstrained] static EXT: u32;
}
impl S {
    #[cooperative] const X: u32 = 1;
    /// Docs.
    #[cooperative] type Y = u32;
    #[unconstrained] items!();
    pub async fn ok(&self) {}
}
trait T {
    #[cooperative] const X: u32;
    #[unconstrained] type Y;
    #[cooperative] async fn no_body(&self);
    #[cooperative] const Z: u32 = 2;
}
mod inline {
    #[cooperative] struct Nested;
    fn host() {
        #[unconstrained] struct InFn;
    }
}
"#,
        );
        let unsupported = FindingKind::UnsupportedItem;
        assert_eq!(
            found,
            expect_kinds(&[
                ("S", unsupported(C)),
                ("E", unsupported(U)),
                ("Un", unsupported(C)),
                ("C", unsupported(C)),
                ("ST", unsupported(C)),
                ("A", unsupported(C)),
                ("use std::fmt::Debug", unsupported(C)),
                ("alloc", unsupported(C)),
                ("extern \"C\"", unsupported(C)),
                ("m", unsupported(C)),
                ("items!", unsupported(C)),
                ("Alias", unsupported(C)),
                ("declared", FindingKind::FnWithoutBody(C)),
                // An extern block's fn reads as a trait's to the attribute.
                ("ext2", FindingKind::TraitMethodWithoutBody(C)),
                ("EXT", unsupported(U)),
                ("S::X", unsupported(C)),
                ("S::Y", unsupported(C)),
                ("S::items!", unsupported(U)),
                ("T::X", unsupported(C)),
                ("T::Y", unsupported(U)),
                ("T::no_body", FindingKind::TraitMethodWithoutBody(C)),
                ("T::Z", unsupported(C)),
                ("inline::Nested", unsupported(C)),
                ("inline::host::InFn", unsupported(U)),
            ])
        );
    }

    /// Each attribute rejects the item before looking for a second one: two different ones are
    /// two errors on its keyword, the same one twice is one (rustc shows an error repeated on
    /// the same token once).
    #[test]
    fn on_an_unsupported_item_each_attribute_rejects_it_once() {
        use CoopAttr::{Cooperative as C, Unconstrained as U};
        let found = rejected(
            r#"
#[cooperative] #[unconstrained] struct Both;
#[cooperative] #[cooperative] struct Twice;
#[cooperative(chek)] #[cooperative] struct Misspelled;
trait T { #[cooperative] #[cooperative] fn f(&self); }
"#,
        );
        let names: Vec<(String, String)> = found
            .iter()
            .map(|(f, kind)| (f.clone(), kind.lint().name.to_owned()))
            .collect();
        assert_eq!(names.len(), 6, "{names:?}");
        assert_eq!(
            found[..3],
            expect_kinds(&[
                ("Both", FindingKind::UnsupportedItem(C)),
                ("Both", FindingKind::UnsupportedItem(U)),
                ("Twice", FindingKind::UnsupportedItem(C)),
            ])
        );
        assert!(matches!(found[3].1, FindingKind::InvalidArguments(_)));
        assert_eq!(
            found[4],
            ("Misspelled".to_owned(), FindingKind::UnsupportedItem(C))
        );
        assert_eq!(
            found[5],
            ("T::f".to_owned(), FindingKind::TraitMethodWithoutBody(C))
        );
    }

    #[test]
    fn cfg_attr_applies_the_attributes_on_items_they_reject_where_its_predicate_always_holds() {
        use CoopAttr::{Cooperative as C, Unconstrained as U};
        let found = rejected(
            r#"
#[cfg_attr(all(), cooperative)] pub union Un { a: u32 }
#[cfg_attr(all(), cfg_attr(not(any()), cooperative))] struct Nested;
#[cfg_attr(all(), allow(unused), unconstrained)] struct Multi;
#[cfg_attr(true, cooperative)] struct Literal;
#[cfg_attr(any(), cooperative)] struct Off;
#[cfg_attr(unix, cooperative)] struct DependsOnTheBuild;
impl Un { #[cfg_attr(all(), unconstrained)] const X: u32 = 1; }
trait T { #[cfg_attr(not(false), cooperative)] fn f(&self); }
"#,
        );
        assert_eq!(
            found,
            expect_kinds(&[
                ("Un", FindingKind::UnsupportedItem(C)),
                ("Nested", FindingKind::UnsupportedItem(C)),
                ("Multi", FindingKind::UnsupportedItem(U)),
                ("Literal", FindingKind::UnsupportedItem(C)),
                ("Un::X", FindingKind::UnsupportedItem(U)),
                ("T::f", FindingKind::TraitMethodWithoutBody(C)),
            ])
        );
    }

    #[test]
    fn the_attributes_reject_a_module_in_another_file() {
        let found = rejected(
            r#"
#[cooperative] mod worker;
#[cooperative]
mod outer {
    mod inner;
    mod deeper { mod leaf; }
    #[unconstrained] mod own;
}
#[cooperative] mod ok { mod elsewhere; pub async fn a() {} }
mod plain;
"#,
        );
        let out_of_line = FindingKind::OutOfLineModule;
        assert_eq!(
            found,
            expect_kinds(&[
                ("worker", out_of_line(CoopAttr::Cooperative)),
                ("outer::inner", out_of_line(CoopAttr::Cooperative)),
                ("outer::deeper::leaf", out_of_line(CoopAttr::Cooperative)),
                ("outer::own", out_of_line(CoopAttr::Unconstrained)),
                ("ok::elsewhere", out_of_line(CoopAttr::Cooperative)),
            ])
        );
    }

    #[test]
    fn cfg_attr_applies_the_attributes_where_its_predicate_always_holds() {
        let found = findings(
            r#"
#[cfg_attr(all(), cooperative)] const fn konst() {}
#[cfg_attr(true, cooperative)] fn sync() {}
#[cfg_attr(false, cooperative(chek))] async fn off_arguments() {}
#[cooperative] #[cfg_attr(all(), unconstrained)] async fn conflict() {}
#[cfg_attr(all(), cooperative)] #[cfg_attr(all(), cooperative)] async fn dup() {}
#[cfg_attr(all(), cfg_attr(not(any()), allow(unused), cooperative, unconstrained))]
async fn both_in_one() {}
#[cfg_attr(any(), cooperative)] #[cooperative] async fn dup_false() {}
#[cooperative] #[cfg_attr(unix, unconstrained)] async fn conflict_somewhere() {}
#[cfg_attr(any(), cooperative)] async fn never() { loop {} }
"#,
        );
        assert_eq!(
            found,
            expect(&[
                ("konst", "unsupported_item"),
                ("sync", "unsupported_item"),
                ("conflict", "conflicting_attributes"),
                ("dup", "duplicate_attribute"),
                ("both_in_one", "conflicting_attributes"),
                ("never", "loop_without_yield_point"),
            ])
        );
    }

    #[test]
    fn a_loop_marker_under_a_predicate_that_never_holds_is_not_there() {
        let scanned = scan_file(
            syn::parse_file(
                r#"
async fn f() {
    #[cfg_attr(any(), unconstrained)] loop {}
    #[cfg_attr(all(), unconstrained)] loop {}
    #[cfg_attr(unix, unconstrained)] loop {}
}
"#,
            )
            .unwrap(),
        );
        let markers: Vec<FindingKind> = scanned
            .findings
            .into_iter()
            .map(|finding| finding.kind)
            .filter(|kind| matches!(kind, FindingKind::StrayLoopMarker(_)))
            .collect();
        assert_eq!(
            markers,
            [
                FindingKind::StrayLoopMarker(None),
                FindingKind::StrayLoopMarker(Some("unix".to_owned())),
            ]
        );
    }
}
