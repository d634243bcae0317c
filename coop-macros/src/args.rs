//! The arguments of `#[cooperative(...)]` and `#[unconstrained(...)]`: a typed model and its
//! `Parse` impls. Unknown, duplicate and malformed arguments are errors on the offending token.

use proc_macro2::{Span, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Path, Token};

mod kw {
    syn::custom_keyword!(check);
}

/// `#[cooperative]`, `#[cooperative(check)]`, `#[cooperative(crate = "path", check)]`.
pub(crate) struct CooperativeArgs {
    /// The path of coop-core, `::coop_core` unless `crate = "..."` says otherwise.
    pub(crate) krate: Path,
    /// `check`: lint the loops instead of rewriting them.
    pub(crate) check: bool,
}

/// `#[unconstrained]`, `#[unconstrained(crate = "path")]`.
pub(crate) struct UnconstrainedArgs {
    pub(crate) krate: Path,
}

fn default_krate() -> Path {
    crate::krate::default_path()
}

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
            } else {
                return Err(lookahead.error());
            }
            parse_separator(input)?;
        }
        Ok(Self {
            krate: krate.unwrap_or_else(default_krate),
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
        Ok(Self {
            krate: krate.unwrap_or_else(default_krate),
        })
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
        assert_eq!(args.krate.to_token_stream().to_string(), ":: coop_core");
        assert!(!args.check);
    }

    #[test]
    fn crate_and_check_in_either_order() {
        for src in [
            r#"crate = "my_coop", check"#,
            r#"check, crate = "my_coop","#,
        ] {
            let args = coop(src).unwrap();
            assert_eq!(args.krate.to_token_stream().to_string(), "my_coop");
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
