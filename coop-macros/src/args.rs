//! The arguments of `#[cooperative(...)]` and `#[unconstrained(...)]`: the typed model of
//! [`coop_analysis::args`] (shared with `cargo coop`), with coop-core's path filled in.

use syn::Path;
use syn::parse::{Parse, ParseStream};

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

impl Parse for CooperativeArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let args: coop_analysis::args::CooperativeArgs = input.parse()?;
        Ok(Self {
            krate: args.krate.unwrap_or_else(crate::krate::default_path),
            check: args.check,
        })
    }
}

impl Parse for UnconstrainedArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let args: coop_analysis::args::UnconstrainedArgs = input.parse()?;
        Ok(Self {
            krate: args.krate.unwrap_or_else(crate::krate::default_path),
        })
    }
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
