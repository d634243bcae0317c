//! Reading `#[cfg_attr(pred, a, b, ..)]`: the attributes it may apply, with the predicate under
//! which each applies. A reader of source files sees every configuration at once: only a
//! predicate that holds or fails in all of them (`all()`, `any()`, `true`, and `not`, `all`,
//! `any` of these) is evaluated ([`holds`]).

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::parse::Parser;
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
    let Meta::List(list) = &attr.meta else { return };
    // The predicate is read as tokens: `true` and `false` are no `Meta`.
    let mut args = comma_separated(&list.tokens).into_iter();
    let Some(pred) = args.next().filter(|pred| !pred.is_empty()) else {
        return;
    };
    let rest: TokenStream = args.flat_map(|arg| quote!(#arg,)).collect();
    let Ok(parts) = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(rest) else {
        return;
    };
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

/// Whether `predicate` holds in every configuration (`Some(true)`: `all()`, `true`,
/// `not(any())`), in none (`Some(false)`: `any()`, `false`), or depends on the build (`None`:
/// `unix`, `feature = "x"`, `test`, and anything that does not parse as a predicate).
///
/// ```
/// use coop_analysis::cfg_attr::holds;
///
/// assert_eq!(holds(&quote::quote!(all())), Some(true));
/// assert_eq!(holds(&quote::quote!(any(unix, not(any())))), Some(true));
/// assert_eq!(holds(&quote::quote!(all(feature = "fast", false))), Some(false));
/// assert_eq!(holds(&quote::quote!(all(unix, true))), None);
/// ```
pub fn holds(predicate: &TokenStream) -> Option<bool> {
    let tokens: Vec<TokenTree> = predicate.clone().into_iter().collect();
    match &tokens[..] {
        [TokenTree::Ident(word)] if word == "true" => Some(true),
        [TokenTree::Ident(word)] if word == "false" => Some(false),
        [TokenTree::Ident(word), TokenTree::Group(group)]
            if group.delimiter() == Delimiter::Parenthesis =>
        {
            let values: Vec<Option<bool>> =
                comma_separated(&group.stream()).iter().map(holds).collect();
            // `all`: one that fails decides, whatever the others depend on; `any`: one that
            // holds. Otherwise it goes the other way only where every one does.
            let decisive = match word.to_string().as_str() {
                "all" => Some(false),
                "any" => Some(true),
                _ => None,
            };
            if let Some(decisive) = decisive {
                if values.contains(&Some(decisive)) {
                    Some(decisive)
                } else {
                    values
                        .iter()
                        .all(|value| *value == Some(!decisive))
                        .then_some(!decisive)
                }
            } else if word == "not" && values.len() == 1 {
                values[0].map(|value| !value)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// `tokens` split at its commas (not those inside brackets): `a, b(c, d),` is `a` and
/// `b(c, d)`; nothing is no part.
pub(crate) fn comma_separated(tokens: &TokenStream) -> Vec<TokenStream> {
    let mut parts = Vec::new();
    let mut part = TokenStream::new();
    for token in tokens.clone() {
        match &token {
            TokenTree::Punct(punct) if punct.as_char() == ',' => {
                parts.push(std::mem::take(&mut part));
            }
            _ => part.extend([token]),
        }
    }
    if !part.is_empty() {
        parts.push(part);
    }
    parts
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
