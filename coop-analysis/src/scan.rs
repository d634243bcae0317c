//! The rules applied to a whole file: every fn, method and trait default body, with the
//! attributes already on it and on its `impl`, `trait` or inline `mod`, and the findings
//! `cargo coop` reports.

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{
    Attribute, Block, Expr, ImplItemFn, Item, ItemFn, ItemImpl, ItemMod, ItemTrait, Signature,
    TraitItemFn, Visibility,
};

use crate::attr::is_attr;
use crate::awaits::Verdict;
use crate::hooks::Hooks;
use crate::item_macros::macro_items;
use crate::loops::{LoopKind, LoopSite, OpaqueLoop};
use crate::walk::walk_fn_body;

/// What coop's attributes already do to a fn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// No coop attribute applies.
    None,
    /// `#[cooperative]` applies (on the fn, or its `impl`, `trait` or inline `mod`).
    Instrumented,
    /// `#[cooperative(check)]` applies.
    Checked,
    /// `#[unconstrained]` applies: budgets are off, nothing to report.
    OptedOut,
}

impl Coverage {
    /// Reads a list of attributes; `None` when no coop attribute is among them.
    ///
    /// ```
    /// use coop_analysis::Coverage;
    ///
    /// let attrs: Vec<syn::Attribute> = vec![syn::parse_quote!(#[cooperative(check)])];
    /// assert_eq!(Coverage::of(&attrs), Some(Coverage::Checked));
    /// assert_eq!(Coverage::of(&[]), None);
    /// ```
    pub fn of(attrs: &[Attribute]) -> Option<Coverage> {
        attrs.iter().find_map(|attr| {
            // `#[cfg_attr(pred, cooperative)]`: the tool does not evaluate predicates, and
            // counts the item as covered (a second attribute would be an error where `pred`
            // holds).
            if attr.path().is_ident("cfg_attr") {
                let nested = attr
                    .parse_args_with(
                        syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                    )
                    .ok()?;
                let attrs: Vec<Attribute> = nested
                    .into_iter()
                    .skip(1)
                    .map(|meta| Attribute {
                        pound_token: attr.pound_token,
                        style: attr.style,
                        bracket_token: attr.bracket_token,
                        meta,
                    })
                    .collect();
                return Coverage::of(&attrs);
            }
            if is_attr(attr, "unconstrained") {
                Some(Coverage::OptedOut)
            } else if is_attr(attr, "cooperative") {
                let check = attr.meta.require_list().is_ok_and(|list| {
                    list.tokens
                        .clone()
                        .into_iter()
                        .any(|t| t.to_string() == "check")
                });
                Some(if check {
                    Coverage::Checked
                } else {
                    Coverage::Instrumented
                })
            } else {
                None
            }
        })
    }
}

/// Why a loop is reported.
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
}

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

/// One loop `cargo coop check` reports.
///
/// ```
/// let file: syn::File = syn::parse_quote! {
///     impl Codec {
///         fn spawn(&self) -> impl Future<Output = ()> { async { loop { spin(); } } }
///     }
/// };
/// let finding = &coop_analysis::scan_file(file).findings[0];
/// assert_eq!(finding.function, "Codec::spawn");
/// assert_eq!(finding.loop_kind, coop_analysis::LoopKind::Loop);
/// assert!(!finding.fn_is_async && finding.fn_holds_async_blocks);
/// ```
#[derive(Clone, Debug)]
pub struct Finding {
    /// Why.
    pub kind: FindingKind,
    /// `loop`, `while` or `for`.
    pub loop_kind: LoopKind,
    /// The loop keyword.
    pub keyword: Span,
    /// The fn, as `module::Type::method` within the file.
    pub function: String,
    /// The fn is an `async fn`.
    pub fn_is_async: bool,
    /// The fn's body holds async blocks or async closures.
    pub fn_holds_async_blocks: bool,
    /// Where `#[cooperative]` goes to fix it; `None` when the attribute would not.
    pub fix: Option<FixSite>,
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
    /// Every reported loop, fn by fn.
    pub findings: Vec<Finding>,
}

/// Applies the loop rules to every fn of `file` (nested items, methods and trait default bodies
/// included) and reports each loop that runs in async context, never awaits, and is neither
/// instrumented by `#[cooperative]` nor opted out by `#[unconstrained]`.
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
    let mut scanner = Scanner {
        path: Vec::new(),
        coverage: Coverage::None,
        block_fix: None,
        scanned: Scanned::default(),
    };
    scanner.visit_file_mut(&mut file);
    scanner.scanned
}

struct Scanner {
    /// Inline modules, types and fns enclosing the current item.
    path: Vec<String>,
    /// What the enclosing `impl`, `trait` or `mod` applies.
    coverage: Coverage,
    /// The enclosing block carries `#[async_trait]`: the fix goes on the block, here.
    block_fix: Option<Span>,
    scanned: Scanned,
}

/// Collects one fn's decisions.
struct Collect {
    sites: Vec<(LoopSite, bool)>,
    opaque: Vec<OpaqueLoop>,
}

impl Hooks for Collect {
    fn on_loop(&mut self, _: &mut Expr, site: &LoopSite) -> bool {
        self.sites.push((site.clone(), false));
        false
    }

    fn on_opaque_loop(&mut self, found: &OpaqueLoop) {
        self.opaque.push(found.clone());
    }
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
        let saved = (self.coverage, self.block_fix);
        self.coverage = coverage;
        self.block_fix = block_fix;
        let result = f(self);
        (self.coverage, self.block_fix) = saved;
        if pushed {
            self.path.pop();
        }
        result
    }

    fn function(&self, name: &syn::Ident) -> String {
        let mut path = self.path.clone();
        path.push(name.to_string());
        path.join("::")
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
        let coverage = Coverage::of(attrs).unwrap_or(self.coverage);
        let is_async = sig.asyncness.is_some();
        let function = self.function(&sig.ident);
        if sig.constness.is_none() {
            let mut collect = Collect {
                sites: Vec::new(),
                opaque: Vec::new(),
            };
            let walked = walk_fn_body(block, is_async, &mut collect);
            if is_async || walked.found_async_code {
                self.scanned.async_fns += 1;
            }
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
            let mut findings = Vec::new();
            for (site, _) in &collect.sites {
                self.scanned.async_loops += usize::from(site.runs_in_async);
                // Opted out where a `cfg_attr` predicate holds: the tool does not evaluate
                // predicates (`check` reports it under `cfg(not(..))`).
                if !site.cfg_opt_outs.is_empty() {
                    continue;
                }
                let kind = match site.verdict {
                    Some(Verdict::NeverAwaits) if site.instrumentable => FindingKind::NeverAwaits,
                    Some(Verdict::NeverAwaits) => FindingKind::UnderTemporary,
                    Some(Verdict::YieldPointNotAwaited(_)) => FindingKind::YieldPointNotAwaited,
                    Some(Verdict::Awaits) | None => continue,
                };
                let fix = match (coverage, &kind) {
                    (Coverage::OptedOut, _) => continue,
                    (Coverage::Instrumented, FindingKind::NeverAwaits) => continue,
                    (Coverage::None, FindingKind::NeverAwaits) => Some(fix_site),
                    _ => None,
                };
                findings.push(Finding {
                    kind,
                    loop_kind: site.kind,
                    keyword: site.keyword,
                    function: function.clone(),
                    fn_is_async: is_async,
                    fn_holds_async_blocks: walked.found_async_code,
                    fix,
                });
            }
            if coverage != Coverage::OptedOut {
                self.scanned.async_loops += collect.opaque.len();
                for opaque in collect.opaque {
                    findings.push(Finding {
                        kind: FindingKind::InsideMacro(opaque.macro_name),
                        loop_kind: opaque.kind,
                        keyword: opaque.keyword,
                        function: function.clone(),
                        fn_is_async: is_async,
                        fn_holds_async_blocks: walked.found_async_code,
                        fix: None,
                    });
                }
            }
            self.scanned.findings.extend(findings);
        }
        self.with(Some(sig.ident.to_string()), Coverage::None, None, |s| {
            visit_mut::visit_block_mut(s, block);
        });
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

impl VisitMut for Scanner {
    fn visit_item_fn_mut(&mut self, f: &mut ItemFn) {
        self.scan_fn(&f.attrs, &f.vis, &f.sig, &mut f.block);
    }

    fn visit_impl_item_fn_mut(&mut self, f: &mut ImplItemFn) {
        self.scan_fn(&f.attrs, &f.vis, &f.sig, &mut f.block);
    }

    fn visit_trait_item_fn_mut(&mut self, f: &mut TraitItemFn) {
        if let Some(block) = &mut f.default {
            self.scan_fn(&f.attrs, &Visibility::Inherited, &f.sig, block);
        }
    }

    fn visit_item_impl_mut(&mut self, block: &mut ItemImpl) {
        let coverage = Coverage::of(&block.attrs).unwrap_or(self.coverage);
        let fix = has_async_trait(&block.attrs)
            .then(|| insertion_point(&block.attrs, block.impl_token.span));
        let name = type_name(&block.self_ty);
        self.with(Some(name), coverage, fix, |s| {
            visit_mut::visit_item_impl_mut(s, block);
        });
    }

    fn visit_item_trait_mut(&mut self, block: &mut ItemTrait) {
        let coverage = Coverage::of(&block.attrs).unwrap_or(self.coverage);
        let fix = has_async_trait(&block.attrs)
            .then(|| insertion_point(&block.attrs, block.trait_token.span));
        self.with(Some(block.ident.to_string()), coverage, fix, |s| {
            visit_mut::visit_item_trait_mut(s, block);
        });
    }

    fn visit_item_mod_mut(&mut self, module: &mut ItemMod) {
        let coverage = Coverage::of(&module.attrs).unwrap_or(self.coverage);
        self.with(Some(module.ident.to_string()), coverage, None, |s| {
            visit_mut::visit_item_mod_mut(s, module);
        });
    }

    /// Items inside an item-position macro call (`cfg_if! { .. }`, tokio's `cfg_rt! { .. }`)
    /// are scanned when its tokens parse as items; they keep their spans, so findings and fix
    /// sites point into the file.
    fn visit_item_macro_mut(&mut self, item: &mut syn::ItemMacro) {
        if item.ident.is_some() || item.mac.path.is_ident("macro_rules") {
            return;
        }
        if let Some(mut items) = macro_items(&item.mac) {
            for nested in &mut items {
                self.visit_item_mut(nested);
            }
        }
    }

    /// Other items (consts, statics, ...) reset the coverage: no coop attribute reaches into
    /// them, but fns nested in their expressions are still fns.
    fn visit_item_mut(&mut self, item: &mut Item) {
        match item {
            Item::Fn(_) | Item::Impl(_) | Item::Trait(_) | Item::Mod(_) => {
                visit_mut::visit_item_mut(self, item);
            }
            _ => self.with(None, Coverage::None, None, |s| {
                visit_mut::visit_item_mut(s, item)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfg_attr_attributes_count_as_coverage() {
        let cooperative: Vec<Attribute> =
            vec![syn::parse_quote!(#[cfg_attr(unix, coop_core::cooperative)])];
        assert_eq!(Coverage::of(&cooperative), Some(Coverage::Instrumented));
        let opted_out: Vec<Attribute> =
            vec![syn::parse_quote!(#[cfg_attr(test, allow(x), unconstrained)])];
        assert_eq!(Coverage::of(&opted_out), Some(Coverage::OptedOut));
        let other: Vec<Attribute> = vec![syn::parse_quote!(#[cfg_attr(test, allow(x))])];
        assert_eq!(Coverage::of(&other), None);
    }
}
