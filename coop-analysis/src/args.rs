//! The arguments of `#[cooperative(...)]` and `#[unconstrained(...)]`: one typed model and its
//! `Parse` impls, for the attribute and for `cargo coop` alike. Unknown, duplicate and malformed
//! arguments are errors on the offending token; a misspelled key gets "did you mean".

use proc_macro2::{Span, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Path, Token};

mod kw {
    syn::custom_keyword!(check);
}

/// `#[cooperative]`, `#[cooperative(check)]`, `#[cooperative(crate = "path", check)]`.
///
/// ```
/// use coop_analysis::args::CooperativeArgs;
///
/// let args: CooperativeArgs = syn::parse_str(r#"check, crate = "my::coop""#).unwrap();
/// assert!(args.check && args.krate.is_some());
/// let err = syn::parse_str::<CooperativeArgs>("chek").err().unwrap();
/// assert_eq!(err.to_string(), "unknown argument `chek`: did you mean `check`?");
/// ```
#[derive(Clone)]
pub struct CooperativeArgs {
    /// The path of coop-core when `crate = "..."` names it.
    pub krate: Option<Path>,
    /// `check`: lint the loops instead of rewriting them.
    pub check: bool,
}

/// `#[unconstrained]`, `#[unconstrained(crate = "path")]`.
///
/// ```
/// use coop_analysis::args::UnconstrainedArgs;
///
/// let args: UnconstrainedArgs = syn::parse_str(r#"crate = "coop""#).unwrap();
/// assert!(args.krate.is_some());
/// ```
#[derive(Clone)]
pub struct UnconstrainedArgs {
    /// The path of coop-core when `crate = "..."` names it.
    pub krate: Option<Path>,
}

/// The keys `#[cooperative(..)]` accepts.
const COOPERATIVE_KEYS: &[&str] = &["check", "crate"];

impl Parse for CooperativeArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut krate = None;
        let mut check = None;
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::check) {
                let token: kw::check = input.parse()?;
                if input.peek(Token![=]) || input.peek(syn::token::Paren) {
                    return Err(syn::Error::new(
                        token.span,
                        "`check` takes no value: write `#[cooperative(check)]`",
                    ));
                }
                if check.replace(token).is_some() {
                    return Err(syn::Error::new(token.span, "duplicate `check` argument"));
                }
            } else if lookahead.peek(Token![crate]) {
                set_krate(&mut krate, input)?;
            } else if let Some(error) = misspelled(input, COOPERATIVE_KEYS) {
                return Err(error);
            } else {
                return Err(lookahead.error());
            }
            parse_separator(input)?;
        }
        Ok(Self {
            krate,
            check: check.is_some(),
        })
    }
}

impl Parse for UnconstrainedArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut krate = None;
        while !input.is_empty() {
            if input.peek(Token![crate]) {
                set_krate(&mut krate, input)?;
            } else if input.peek(kw::check) {
                let token: kw::check = input.parse()?;
                return Err(syn::Error::new(
                    token.span,
                    "`#[unconstrained]` has no `check`: the lint is `#[cooperative(check)]`; \
                     `#[unconstrained]` accepts only `crate = \"path\"`",
                ));
            } else if let Some(error) = misspelled(input, &["crate"]) {
                return Err(error);
            } else {
                let span = input.parse::<TokenTree>()?.span();
                return Err(syn::Error::new(
                    span,
                    "`#[unconstrained]` accepts only `crate = \"path\"` (where coop-core is, \
                     for a renamed dependency)",
                ));
            }
            parse_separator(input)?;
        }
        Ok(Self { krate })
    }
}

/// Parses `crate = "path"` (or `crate = path`, which a `macro_rules!` can fill with
/// `$crate::coop`) into `slot`; a second `crate` is an error on its keyword.
fn set_krate(slot: &mut Option<Path>, input: ParseStream<'_>) -> syn::Result<()> {
    let crate_token: Token![crate] = input.parse()?;
    if slot.is_some() {
        return Err(syn::Error::new(
            crate_token.span,
            "duplicate `crate` argument",
        ));
    }
    if !input.peek(Token![=]) {
        return Err(expected_crate_path(crate_token.span));
    }
    input.parse::<Token![=]>()?;
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        let path = lit.parse_with(Path::parse_mod_style).map_err(|_| {
            syn::Error::new(
                lit.span(),
                format!(
                    "`crate` must name a path, such as `crate = \"coop_core\"`, not {:?}",
                    lit.value()
                ),
            )
        })?;
        *slot = Some(path);
        return Ok(());
    }
    let fork = input.fork();
    match fork.call(Path::parse_mod_style) {
        Ok(_) => {
            *slot = Some(input.call(Path::parse_mod_style)?);
            Ok(())
        }
        Err(_) => {
            let span = input
                .fork()
                .parse::<TokenTree>()
                .map_or(crate_token.span, |token| token.span());
            Err(expected_crate_path(span))
        }
    }
}

fn expected_crate_path(span: Span) -> syn::Error {
    syn::Error::new(
        span,
        "expected the path of coop-core: `crate = \"coop_core\"` (or `crate = $crate::coop` \
         in a `macro_rules!`)",
    )
}

/// "unknown argument `chek`: did you mean `check`?" when the next token is an identifier close
/// to one of `keys`.
fn misspelled(input: ParseStream<'_>, keys: &[&str]) -> Option<syn::Error> {
    let ident = input.fork().call(syn::Ident::parse_any).ok()?;
    let word = ident.to_string();
    let key = crate::lints::did_you_mean(&word, keys)?;
    Some(syn::Error::new(
        ident.span(),
        format!("unknown argument `{word}`: did you mean `{key}`?"),
    ))
}

/// Arguments are separated by commas; a trailing comma is fine.
fn parse_separator(input: ParseStream<'_>) -> syn::Result<()> {
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn coop(src: &str) -> syn::Result<CooperativeArgs> {
        syn::parse_str(src)
    }

    #[test]
    fn empty_is_default_crate_and_no_check() {
        let args = coop("").unwrap();
        assert!(args.krate.is_none());
        assert!(!args.check);
    }

    #[test]
    fn crate_and_check_in_either_order() {
        for src in [
            r#"crate = "my_coop", check"#,
            r#"check, crate = "my_coop","#,
        ] {
            let args = coop(src).unwrap();
            assert_eq!(args.krate.unwrap().to_token_stream().to_string(), "my_coop");
            assert!(args.check);
        }
    }

    #[test]
    fn unknown_key_lists_valid_keys() {
        let err = coop("fast").err().unwrap();
        assert_eq!(err.to_string(), "expected `check` or `crate`");
        let err = syn::parse_str::<UnconstrainedArgs>("check").err().unwrap();
        assert!(err.to_string().contains("`#[cooperative(check)]`"));
        let err = syn::parse_str::<UnconstrainedArgs>("fast").err().unwrap();
        assert!(err.to_string().contains("accepts only `crate"));
    }

    #[test]
    fn misspelled_keys_suggest_the_right_one() {
        assert_eq!(
            coop("chek").err().unwrap().to_string(),
            "unknown argument `chek`: did you mean `check`?"
        );
        assert_eq!(
            coop(r#"crat = "x""#).err().unwrap().to_string(),
            "unknown argument `crat`: did you mean `crate`?"
        );
        assert_eq!(
            syn::parse_str::<UnconstrainedArgs>("crates = \"x\"")
                .err()
                .unwrap()
                .to_string(),
            "unknown argument `crates`: did you mean `crate`?"
        );
    }

    #[test]
    fn check_takes_no_value() {
        assert!(
            coop("check = true")
                .err()
                .unwrap()
                .to_string()
                .contains("takes no value")
        );
    }

    #[test]
    fn duplicates_are_errors() {
        assert_eq!(
            coop("check, check").err().unwrap().to_string(),
            "duplicate `check` argument"
        );
        assert_eq!(
            coop(r#"crate = "a", crate = "b""#)
                .err()
                .unwrap()
                .to_string(),
            "duplicate `crate` argument"
        );
    }

    #[test]
    fn crate_must_be_a_string_holding_a_path() {
        assert!(
            coop("crate = 5")
                .err()
                .unwrap()
                .to_string()
                .contains("the path of coop-core")
        );
        assert!(
            coop("crate")
                .err()
                .unwrap()
                .to_string()
                .contains("the path of coop-core")
        );
        assert_eq!(
            coop("crate = ::my::coop, check")
                .unwrap()
                .krate
                .unwrap()
                .to_token_stream()
                .to_string(),
            ":: my :: coop"
        );
        assert!(
            coop(r#"crate = "not a path""#)
                .err()
                .unwrap()
                .to_string()
                .contains("must name a path")
        );
        assert!(coop(r#"crate = "::renamed::coop""#).is_ok());
    }
}
