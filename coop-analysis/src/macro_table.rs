//! The one table of the macros coop knows: how each one's tokens are read, which operands it
//! prints as written, whether it awaits; and, among macros of other crates it does not walk,
//! which keep no temporary alive past them. A leaf: the walker's macro parser, the temporaries
//! rules and the await finder all read it. Every macro not in `KNOWN` is opaque.

use syn::Macro;

/// How a known macro's tokens are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grammar {
    /// Not code that runs here: left alone.
    Inert,
    /// Comma-separated expressions, evaluated in order where the call stands (`vec!` also
    /// takes `value; count`).
    Exprs,
    /// `select!`'s arms, run in the enclosing future.
    Select,
    /// Comma-separated futures, run in the enclosing future.
    Join,
    /// Known, but not walked (`pending!()`).
    Opaque,
}

/// Which operands a macro prints as written (`stringify!`), so that a yield point inserted in
/// them would be printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Printed {
    Nothing,
    /// The first: `assert!`'s condition, in its "assertion failed: .." message.
    First,
    /// All: `dbg!` prints each expression beside its value.
    All,
}

/// What coop knows about one macro, by name (the last segment of its path).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Known {
    pub(crate) name: &'static str,
    pub(crate) grammar: Grammar,
    pub(crate) printed: Printed,
    /// The call awaits its operands with no `.await` in its tokens (`select!`, `join!`,
    /// `pending!`).
    pub(crate) awaits: bool,
}

const fn known(name: &'static str, grammar: Grammar, printed: Printed) -> Known {
    let awaits = matches!(grammar, Grammar::Select | Grammar::Join);
    Known {
        name,
        grammar,
        printed,
        awaits,
    }
}

use Grammar::{Exprs, Inert, Join, Select};
use Printed::{All, First, Nothing};

/// Every macro coop knows. Any other macro is opaque.
pub(crate) const KNOWN: &[Known] = &[
    known("select", Select, Nothing),
    known("select_biased", Select, Nothing),
    known("join", Join, Nothing),
    known("try_join", Join, Nothing),
    Known {
        name: "pending",
        grammar: Grammar::Opaque,
        printed: Nothing,
        awaits: true,
    },
    known("vec", Exprs, Nothing),
    known("format", Exprs, Nothing),
    known("format_args", Exprs, Nothing),
    known("print", Exprs, Nothing),
    known("println", Exprs, Nothing),
    known("eprint", Exprs, Nothing),
    known("eprintln", Exprs, Nothing),
    known("write", Exprs, Nothing),
    known("writeln", Exprs, Nothing),
    known("panic", Exprs, Nothing),
    known("todo", Exprs, Nothing),
    known("unimplemented", Exprs, Nothing),
    known("unreachable", Exprs, Nothing),
    known("assert", Exprs, First),
    known("debug_assert", Exprs, First),
    known("assert_eq", Exprs, Nothing),
    known("assert_ne", Exprs, Nothing),
    known("debug_assert_eq", Exprs, Nothing),
    known("debug_assert_ne", Exprs, Nothing),
    known("dbg", Exprs, All),
    known("matches", Exprs, Nothing),
    known("stringify", Inert, Nothing),
    known("concat", Inert, Nothing),
    known("concat_idents", Inert, Nothing),
    known("include", Inert, Nothing),
    known("include_str", Inert, Nothing),
    known("include_bytes", Inert, Nothing),
    known("env", Inert, Nothing),
    known("option_env", Inert, Nothing),
    known("cfg", Inert, Nothing),
    known("line", Inert, Nothing),
    known("column", Inert, Nothing),
    known("file", Inert, Nothing),
    known("module_path", Inert, Nothing),
    known("compile_error", Inert, Nothing),
    known("quote", Inert, Nothing),
    known("quote_spanned", Inert, Nothing),
    known("parse_quote", Inert, Nothing),
    known("parse_quote_spanned", Inert, Nothing),
];

/// What coop knows about the macro `mac` calls, if anything.
pub(crate) fn lookup(mac: &Macro) -> Option<&'static Known> {
    let name = mac.path.segments.last()?.ident.to_string();
    KNOWN.iter().find(|known| known.name == name)
}

/// Macros of other crates, not walked (opaque), known to return a value of their own whose
/// expansion borrows none of its operands' temporaries past the call.
const OWN_VALUE: &[&str] = &[
    "json",
    "span",
    "trace_span",
    "debug_span",
    "info_span",
    "warn_span",
    "error_span",
];

/// Macros of other crates, not walked (opaque), known as statements to declare no binding that
/// borrows a temporary: tracing's and log's events, the `metrics` crate's, pinning
/// (`tokio::pin!`, `pin_mut!`: their bindings borrow named locals), and anyhow's and eyre's
/// early returns.
const NO_EXTENDING_BINDING: &[&str] = &[
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "event",
    "counter",
    "gauge",
    "histogram",
    "pin",
    "pin_mut",
    "bail",
    "ensure",
];

/// Whether `mac` is one of [`OWN_VALUE`], by name.
pub(crate) fn returns_own_value(mac: &Macro) -> bool {
    named_in(mac, OWN_VALUE)
}

/// Whether `mac` is one of [`NO_EXTENDING_BINDING`], by name.
pub(crate) fn declares_no_extending_binding(mac: &Macro) -> bool {
    named_in(mac, NO_EXTENDING_BINDING)
}

fn named_in(mac: &Macro, names: &[&str]) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|last| names.contains(&last.ident.to_string().as_str()))
}

/// Whether a call of `mac` awaits with no `.await` in its tokens.
pub(crate) fn awaits(mac: &Macro) -> bool {
    lookup(mac).is_some_and(|known| known.awaits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_known_macro_is_listed_once() {
        for (i, known) in KNOWN.iter().enumerate() {
            assert!(
                KNOWN[i + 1..].iter().all(|other| other.name != known.name),
                "{} is listed twice",
                known.name
            );
        }
    }
}
