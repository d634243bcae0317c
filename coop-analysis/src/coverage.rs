//! What coop's attributes already do to an item: read with the attributes' own argument model
//! ([`crate::args`]), through `cfg_attr` and the renames a file's `use` items give them.

use proc_macro2::{Span, TokenStream};
use syn::Attribute;
use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::args::{CooperativeArgs, UnconstrainedArgs};
use crate::attr::{CoopAttr, is_attr};
use crate::cfg_attr;
use crate::lints::FindingKind;

/// What coop's attributes already do to a fn.
///
/// ```
/// use coop_analysis::Coverage;
///
/// let attrs: Vec<syn::Attribute> = vec![syn::parse_quote!(#[coop_core::unconstrained])];
/// assert_eq!(Coverage::of(&attrs), Some(Coverage::OptedOut));
/// let attrs: Vec<syn::Attribute> = vec![syn::parse_quote!(#[cfg_attr(unix, cooperative)])];
/// assert_eq!(Coverage::of(&attrs), Some(Coverage::Instrumented));
/// ```
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
    /// `#[cfg_attr(pred, cooperative)]` counts, unless `pred` never holds (`any()`): other
    /// predicates depend on the build, and the attribute applies where `pred` holds.
    ///
    /// ```
    /// use coop_analysis::Coverage;
    ///
    /// let attrs: Vec<syn::Attribute> = vec![syn::parse_quote!(#[cooperative(check)])];
    /// assert_eq!(Coverage::of(&attrs), Some(Coverage::Checked));
    /// assert_eq!(Coverage::of(&[]), None);
    /// ```
    pub fn of(attrs: &[Attribute]) -> Option<Coverage> {
        read_attrs(attrs, &AttrNames::default()).coverage
    }
}

/// The names coop's attributes go by in a file: their own, and the renames of its `use` items
/// (`use coop_core::cooperative as fair;`). Paths (`coop::cooperative`, a module alias such as
/// `use coop_core as c;`) and globs are matched by their last segment.
#[derive(Clone, Debug)]
pub(crate) struct AttrNames {
    cooperative: Vec<String>,
    unconstrained: Vec<String>,
}

impl Default for AttrNames {
    fn default() -> Self {
        AttrNames {
            cooperative: vec!["cooperative".to_owned()],
            unconstrained: vec!["unconstrained".to_owned()],
        }
    }
}

impl AttrNames {
    /// The names of `file`, the renames of every `use` in it included.
    pub(crate) fn of(file: &syn::File) -> AttrNames {
        struct Uses<'a>(&'a mut AttrNames);
        impl<'ast> Visit<'ast> for Uses<'_> {
            fn visit_use_rename(&mut self, rename: &'ast syn::UseRename) {
                let alias = rename.rename.to_string();
                if rename.ident == "cooperative" {
                    self.0.cooperative.push(alias);
                } else if rename.ident == "unconstrained" {
                    self.0.unconstrained.push(alias);
                }
            }
        }
        let mut names = AttrNames::default();
        Uses(&mut names).visit_file(file);
        names
    }

    fn last_is(attr: &Attribute, names: &[String]) -> bool {
        names.iter().any(|name| is_attr(attr, name))
    }

    pub(crate) fn is_cooperative(&self, attr: &Attribute) -> bool {
        AttrNames::last_is(attr, &self.cooperative)
    }

    pub(crate) fn is_unconstrained(&self, attr: &Attribute) -> bool {
        AttrNames::last_is(attr, &self.unconstrained)
    }

    /// Which of coop's attributes `attr` is, if any.
    fn which(&self, attr: &Attribute) -> Option<CoopAttr> {
        if self.is_cooperative(attr) {
            Some(CoopAttr::Cooperative)
        } else if self.is_unconstrained(attr) {
            Some(CoopAttr::Unconstrained)
        } else {
            None
        }
    }
}

/// The error `#[this]` raises on an item whose attributes written after it (`later`) hold a
/// coop attribute too: the other one (they contradict each other) or itself again (twice would
/// instrument every loop twice); the attribute it points at, and why. The attribute that
/// expands first rejects the item; the last one applies.
///
/// ```
/// use coop_analysis::{CoopAttr, FindingKind, stacked};
///
/// let later: Vec<syn::Attribute> = vec![syn::parse_quote!(#[inline]), syn::parse_quote!(#[coop_core::unconstrained])];
/// let (_, kind) = stacked(CoopAttr::Cooperative, &later).unwrap();
/// assert_eq!(kind, FindingKind::ConflictingAttributes(CoopAttr::Cooperative));
/// assert!(stacked(CoopAttr::Cooperative, &later[..1]).is_none());
/// ```
pub fn stacked(this: CoopAttr, later: &[Attribute]) -> Option<(&Attribute, FindingKind)> {
    stacked_with(&AttrNames::default(), this, later)
}

fn stacked_with<'a>(
    names: &AttrNames,
    this: CoopAttr,
    later: &'a [Attribute],
) -> Option<(&'a Attribute, FindingKind)> {
    let find = |kind: CoopAttr| later.iter().find(|attr| names.which(attr) == Some(kind));
    if let Some(attr) = find(this.other()) {
        return Some((attr, FindingKind::ConflictingAttributes(this)));
    }
    find(this).map(|attr| (attr, FindingKind::DuplicateAttribute(this)))
}

/// What a list of attributes says.
pub(crate) struct Read {
    /// The coverage they give, if any.
    pub(crate) coverage: Option<Coverage>,
    /// Each coop attribute the item's attributes reject, in order, as the attribute reports it:
    /// where, and why (rejected arguments, the parser's message; a second coop attribute after
    /// it, [`stacked`], which only fns, `impl` and `trait` blocks and modules look for).
    pub(crate) rejected: Vec<(Span, FindingKind)>,
    /// Each coop attribute a build applies to the item whose arguments parse, in order.
    pub(crate) present: Vec<CoopAttr>,
    /// The coop attribute that applies to the item: the last one, when its arguments parse.
    pub(crate) applied: Option<CoopAttr>,
}

/// Reads `attrs` with the attributes' own argument model, and the rules of two coop
/// attributes on one item ([`stacked`]): each but the last rejects the item, and the last
/// applies. A `cfg_attr` whose predicate holds in every configuration (`all()`) is read as the
/// attributes it applies, as rustc expands it before any attribute sees the item, and one whose
/// predicate never holds (`any()`) as nothing. Through any other `cfg_attr` an attribute counts
/// where its predicate holds: it gives coverage, and is not weighed against the others.
pub(crate) fn read_attrs(attrs: &[Attribute], names: &AttrNames) -> Read {
    let mut read = Read {
        coverage: None,
        rejected: Vec::new(),
        present: Vec::new(),
        applied: None,
    };
    // Each attribute the item may have, in order, with its index among those a build has in
    // every configuration (`None`: only where its predicate holds).
    let mut everywhere = Vec::new();
    let mut listed = Vec::new();
    for (predicate, attr) in attrs.iter().flat_map(cfg_attr::applied) {
        match (predicate.is_empty(), cfg_attr::holds(&predicate)) {
            (true, _) | (false, Some(true)) => {
                listed.push((Some(everywhere.len()), attr.clone()));
                everywhere.push(attr);
            }
            (false, Some(false)) => {}
            (false, None) => listed.push((None, attr)),
        }
    }
    let mut covers = None;
    for (index, attr) in &listed {
        let Some(kind) = names.which(attr) else {
            continue;
        };
        let args = match &attr.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => TokenStream::new(),
        };
        let parsed = match kind {
            CoopAttr::Unconstrained => {
                syn::parse2::<UnconstrainedArgs>(args).map(|_| Coverage::OptedOut)
            }
            CoopAttr::Cooperative => syn::parse2::<CooperativeArgs>(args).map(|args| {
                if args.check {
                    Coverage::Checked
                } else {
                    Coverage::Instrumented
                }
            }),
        };
        let found = match parsed {
            Ok(found) => found,
            Err(err) => {
                read.rejected
                    .push((err.span(), FindingKind::InvalidArguments(err.to_string())));
                // Rejected: the item is re-emitted as written, and what it would have
                // done is not reported again.
                read.coverage.get_or_insert(match kind {
                    CoopAttr::Unconstrained => Coverage::OptedOut,
                    CoopAttr::Cooperative => Coverage::Instrumented,
                });
                continue;
            }
        };
        if let Some(index) = *index {
            read.present.push(kind);
            if let Some((later, why)) = stacked_with(names, kind, &everywhere[index + 1..]) {
                read.rejected.push((later.span(), why));
                continue;
            }
            read.applied = Some(kind);
        }
        covers.get_or_insert(found);
    }
    read.coverage = covers.or(read.coverage);
    read
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

    #[test]
    fn renamed_attributes_are_read() {
        let file: syn::File = syn::parse_quote! {
            use coop_core::{cooperative as fair, unconstrained as nobudget};
        };
        let names = AttrNames::of(&file);
        let fair: Vec<Attribute> = vec![syn::parse_quote!(#[fair(check)])];
        assert_eq!(read_attrs(&fair, &names).coverage, Some(Coverage::Checked));
        let nobudget: Vec<Attribute> = vec![syn::parse_quote!(#[nobudget])];
        assert_eq!(
            read_attrs(&nobudget, &names).coverage,
            Some(Coverage::OptedOut)
        );
    }

    #[test]
    fn rejected_arguments_are_reported_with_the_attributes_words() {
        let attrs: Vec<Attribute> = vec![syn::parse_quote!(#[cooperative(chek)])];
        let read = read_attrs(&attrs, &AttrNames::default());
        let messages: Vec<String> = read.rejected.iter().map(|(_, kind)| kind.title()).collect();
        assert_eq!(messages, ["unknown argument `chek`: did you mean `check`?"]);
    }
}
