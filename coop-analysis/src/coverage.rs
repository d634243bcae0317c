//! What coop's attributes already do to an item: read with the attributes' own argument model
//! ([`crate::args`]), through `cfg_attr` and the renames a file's `use` items give them.

use proc_macro2::{Span, TokenStream};
use syn::Attribute;
use syn::visit::Visit;

use crate::args::{CooperativeArgs, UnconstrainedArgs};
use crate::attr::is_attr;
use crate::cfg_attr;

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
    /// `#[cfg_attr(pred, cooperative)]` counts: predicates are not evaluated (a second attribute
    /// would be an error where `pred` holds).
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
}

/// What a list of attributes says.
pub(crate) struct Read {
    /// The coverage they give, if any.
    pub(crate) coverage: Option<Coverage>,
    /// The first coop attribute whose arguments the attribute rejects: where, and the parser's
    /// message.
    pub(crate) invalid: Option<(Span, String)>,
}

/// Reads `attrs` with the attributes' own argument model.
pub(crate) fn read_attrs(attrs: &[Attribute], names: &AttrNames) -> Read {
    let mut invalid = None;
    let mut coverage = None;
    for (_, attr) in attrs.iter().flat_map(cfg_attr::applied) {
        let args = match &attr.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => TokenStream::new(),
        };
        let found = if names.is_unconstrained(&attr) {
            if let Err(err) = syn::parse2::<UnconstrainedArgs>(args) {
                invalid.get_or_insert((err.span(), err.to_string()));
            }
            Coverage::OptedOut
        } else if names.is_cooperative(&attr) {
            match syn::parse2::<CooperativeArgs>(args) {
                Ok(args) if args.check => Coverage::Checked,
                Ok(_) => Coverage::Instrumented,
                Err(err) => {
                    invalid.get_or_insert((err.span(), err.to_string()));
                    Coverage::Instrumented
                }
            }
        } else {
            continue;
        };
        coverage.get_or_insert(found);
    }
    Read { coverage, invalid }
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
        assert_eq!(
            read.invalid.map(|(_, message)| message).as_deref(),
            Some("unknown argument `chek`: did you mean `check`?")
        );
    }
}
