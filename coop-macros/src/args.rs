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

/// The grammar itself (unknown keys, duplicates, values, did-you-mean) is tested where it lives,
/// in `coop_analysis::args`; these pin what this wrapper adds: coop-core's default path.
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
}
