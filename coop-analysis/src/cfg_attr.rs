//! Reading `#[cfg_attr(pred, a, b, ..)]`: the attributes it may apply, with the predicate under
//! which each applies. Predicates are never evaluated here: a reader of source files sees every
//! configuration at once.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::{Attribute, Meta, Token};

/// Each attribute `attr` may apply, as `(predicate, attribute)`: the attribute itself with an
/// empty predicate when it is not a `cfg_attr`, or each attribute of a `cfg_attr` (nested ones
/// flattened, their predicates joined with `all`). A malformed `cfg_attr` applies nothing.
///
/// ```
/// let attr: syn::Attribute = syn::parse_quote!(#[cfg_attr(unix, cfg_attr(test, path = "a.rs"), inline)]);
/// let applied: Vec<String> = coop_analysis::cfg_attr::applied(&attr)
///     .into_iter()
///     .map(|(pred, attr)| format!("{pred} => {}", quote::ToTokens::to_token_stream(&attr.meta)))
///     .collect();
/// assert_eq!(applied, ["all (unix , test) => path = \"a.rs\"", "unix => inline"]);
/// ```
pub fn applied(attr: &Attribute) -> Vec<(TokenStream, Attribute)> {
    let mut out = Vec::new();
    collect(attr, TokenStream::new(), &mut out);
    out
}

fn collect(attr: &Attribute, outer: TokenStream, out: &mut Vec<(TokenStream, Attribute)>) {
    if !attr.path().is_ident("cfg_attr") {
        out.push((outer, attr.clone()));
        return;
    }
    let Ok(parts) = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) else {
        return;
    };
    let mut parts = parts.into_iter();
    let Some(pred) = parts.next() else { return };
    let pred = pred.to_token_stream();
    let pred = if outer.is_empty() {
        pred
    } else {
        quote!(all(#outer, #pred))
    };
    for meta in parts {
        let nested = Attribute {
            pound_token: attr.pound_token,
            style: attr.style,
            bracket_token: attr.bracket_token,
            meta,
        };
        collect(&nested, pred.clone(), out);
    }
}

/// A `cfg` predicate as written in a message: `all(unix, feature = "fast")`, without the spaces
/// a token stream prints between its tokens.
///
/// ```
/// let predicate: proc_macro2::TokenStream = quote::quote!(all(unix, not(feature = "fast")));
/// assert_eq!(
///     coop_analysis::cfg_attr::predicate_text(&predicate),
///     "all(unix, not(feature = \"fast\"))"
/// );
/// ```
pub fn predicate_text(predicate: &TokenStream) -> String {
    let Ok(meta) = syn::parse2::<Meta>(predicate.clone()) else {
        return predicate.to_string();
    };
    meta_text(&meta)
}

fn meta_text(meta: &Meta) -> String {
    let path = |path: &syn::Path| {
        path.segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect::<Vec<_>>()
            .join("::")
    };
    match meta {
        Meta::Path(name) => path(name),
        Meta::NameValue(pair) => {
            format!("{} = {}", path(&pair.path), pair.value.to_token_stream())
        }
        Meta::List(list) => {
            let Ok(nested) = list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            else {
                return meta.to_token_stream().to_string();
            };
            let nested: Vec<String> = nested.iter().map(meta_text).collect();
            format!("{}({})", path(&list.path), nested.join(", "))
        }
    }
}
