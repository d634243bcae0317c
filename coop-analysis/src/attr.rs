//! Reading attributes by name, whatever path they are written with, and coop's two attributes.

use std::fmt;

use syn::Attribute;

/// `#[name]` or `#[some::path::name]`, with or without arguments.
///
/// ```
/// let attr: syn::Attribute = syn::parse_quote!(#[coop_core::cooperative(check)]);
/// assert!(coop_analysis::is_attr(&attr, "cooperative"));
/// ```
pub fn is_attr(attr: &Attribute, name: &str) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == name)
}

/// coop's two attributes, which read each other on the items they are written on.
///
/// ```
/// use coop_analysis::CoopAttr;
///
/// let attr: syn::Attribute = syn::parse_quote!(#[coop_core::unconstrained]);
/// assert!(CoopAttr::Unconstrained.is(&attr));
/// assert_eq!(CoopAttr::Unconstrained.other(), CoopAttr::Cooperative);
/// assert_eq!(format!("`#[{}]`", CoopAttr::Cooperative), "`#[cooperative]`");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CoopAttr {
    /// `#[cooperative]`, `#[cooperative(check)]`.
    Cooperative,
    /// `#[unconstrained]`.
    Unconstrained,
}

impl CoopAttr {
    /// The name it is written with, under any path (`#[coop_core::cooperative]`).
    pub fn name(self) -> &'static str {
        match self {
            CoopAttr::Cooperative => "cooperative",
            CoopAttr::Unconstrained => "unconstrained",
        }
    }

    /// The attribute it contradicts on one item.
    pub fn other(self) -> CoopAttr {
        match self {
            CoopAttr::Cooperative => CoopAttr::Unconstrained,
            CoopAttr::Unconstrained => CoopAttr::Cooperative,
        }
    }

    /// `attr` is this attribute, under its own name.
    pub fn is(self, attr: &Attribute) -> bool {
        is_attr(attr, self.name())
    }

    /// `attrs` hold either of coop's attributes.
    pub fn any_in(attrs: &[Attribute]) -> bool {
        attrs
            .iter()
            .any(|attr| CoopAttr::Cooperative.is(attr) || CoopAttr::Unconstrained.is(attr))
    }
}

/// Its name, for messages: `` `#[{attr}]` ``.
impl fmt::Display for CoopAttr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
