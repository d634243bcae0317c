//! Property test: random fn bodies (nested loops of every kind, async blocks, async and sync
//! closures, labelled breaks, macro calls, nested items, `.await` in bodies, conditions and
//! iterator expressions, loop markers, temporaries). For each:
//!
//! - `#[cooperative]`'s expansion parses, and holds exactly one yield point per loop that
//!   coop-analysis calls instrumentable, none elsewhere;
//! - `#[cooperative(check)]`'s errors are exactly `cargo coop`'s findings (`scan_file`), at the
//!   same line and column, of the same kind;
//! - nothing panics, `#[unconstrained]` included.
//!
//! Seeded, so a run is reproducible; `PROPTEST_CASES` sets the number of cases (default 2000).

use proc_macro2::TokenStream;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

use coop_analysis::{FindingKind, Hooks, LoopSite, OpaqueLoop};

use crate::expand;
use crate::walk::{Action, walk_fn_body};

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("spin();".to_owned()),
        Just("tick().await;".to_owned()),
        Just("let _ = x;".to_owned()),
        Just("break;".to_owned()),
        Just("break 'a;".to_owned()),
        Just("continue;".to_owned()),
        Just("let _ = coop_core::consume_budget();".to_owned()),
        Just("stringify!(loop {});".to_owned()),
        Just("my_macro!(=> loop { spin(); });".to_owned()),
        Just("my_macro!(=> loop { tick().await; });".to_owned()),
    ]
}

fn body() -> impl Strategy<Value = String> {
    leaf().prop_recursive(5, 64, 4, |inner| {
        let block = prop::collection::vec(inner, 0..4).prop_map(|stmts| stmts.concat());
        let cond = prop_oneof![
            Just("flag.get()"),
            Just("ready().await"),
            Just("let Some(v) = it.next()"),
            Just("let Some(v) = rx.recv().await"),
            Just("let Some(v) = cell.borrow_mut().pop()"),
        ];
        let iter = prop_oneof![
            Just("0..n"),
            Just("items.iter()"),
            Just("load().await"),
            Just("cell.borrow().iter()"),
        ];
        let marker = prop_oneof![
            4 => Just(""),
            1 => Just("#[unconstrained] "),
            1 => Just("#[cfg_attr(test, unconstrained)] "),
        ];
        let label = prop_oneof![Just(""), Just("'a: ")];
        prop_oneof![
            (marker.clone(), label.clone(), block.clone())
                .prop_map(|(m, l, b)| format!("{m}{l}loop {{ {b} }}")),
            (marker.clone(), label.clone(), cond, block.clone())
                .prop_map(|(m, l, c, b)| format!("{m}{l}while {c} {{ {b} }}")),
            (marker, label, iter, block.clone())
                .prop_map(|(m, l, i, b)| format!("{m}{l}for v in {i} {{ {b} }}")),
            block
                .clone()
                .prop_map(|b| format!("let _ = async move {{ {b} }};")),
            block
                .clone()
                .prop_map(|b| format!("let _ = async |y: u32| {{ {b} }};")),
            block.clone().prop_map(|b| format!("let _ = || {{ {b} }};")),
            block
                .clone()
                .prop_map(|b| format!("let _ = vec![x, {{ {b} 1 }}];")),
            block
                .clone()
                .prop_map(|b| format!("assert!(ok, \"{{}}\", {{ {b} 2 }});")),
            (block.clone(), block.clone()).prop_map(|(a, b)| format!(
                "tokio::select! {{ v = async {{ {a} }}, if go => {{ {b} }} else => {{}} }}"
            )),
            (block.clone(), block.clone())
                .prop_map(|(a, b)| format!("futures::join!(async {{ {a} }}, async {{ {b} }});")),
            block.clone().prop_map(|b| format!("fn nested() {{ {b} }}")),
            block
                .clone()
                .prop_map(|b| format!("async fn nested() {{ {b} }}")),
            block
                .clone()
                .prop_map(|b| format!("match m.lock() {{ _ => {{ {b} }} }}")),
            block.clone().prop_map(|b| format!("if false {{ {b} }}")),
            block.clone().prop_map(|b| format!("const {{ {b} }};")),
            block.prop_map(|b| format!("{{ {b} }}")),
        ]
    })
}

fn config() -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(2000),
        rng_seed: RngSeed::Fixed(0xC00B),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Counts what the analysis says about each loop of a body.
#[derive(Default)]
struct Count {
    instrumentable: usize,
}

impl Hooks for Count {
    fn on_loop(&mut self, _: &mut syn::Expr, site: &LoopSite) -> bool {
        self.instrumentable += usize::from(site.instrumentable);
        false
    }

    fn on_opaque_loop(&mut self, _: &OpaqueLoop) {}
}

/// (line, column, kind) of each `check` error that reports a loop.
fn check_errors(item: &syn::ItemFn) -> Vec<(usize, usize, &'static str)> {
    let mut block = (*item.block).clone();
    let krate: syn::Path = syn::parse_quote!(::coop_core);
    let walked = walk_fn_body(
        &mut block,
        item.sig.asyncness.is_some(),
        Action::Check(&krate),
    );
    let mut found: Vec<_> = walked
        .errors
        .into_iter()
        .flatten()
        .filter_map(|error| {
            let message = error.to_string();
            let kind = if message.starts_with("this loop is inside") {
                "macro"
            } else if message.contains("`consume_budget()` future") {
                "unawaited"
            } else if message.starts_with("this loop never awaits") {
                "never"
            } else {
                return None;
            };
            let start = error.span().start();
            Some((start.line, start.column, kind))
        })
        .collect();
    found.sort_unstable();
    found
}

/// (line, column, kind) of each finding of `cargo coop check` in `f` itself (nested fns are
/// findings of their own, which `f`'s attribute does not reach).
fn tool_findings(file: syn::File) -> Vec<(usize, usize, &'static str)> {
    let mut found: Vec<_> = coop_analysis::scan_file(file)
        .findings
        .into_iter()
        .filter(|finding| finding.function == "f")
        .map(|finding| {
            let kind = match finding.kind {
                FindingKind::InsideMacro(_) => "macro",
                FindingKind::YieldPointNotAwaited => "unawaited",
                FindingKind::NeverAwaits | FindingKind::UnderTemporary => "never",
            };
            let start = finding.keyword.start();
            (start.line, start.column, kind)
        })
        .collect();
    found.sort_unstable();
    found
}

fn yield_points(tokens: &TokenStream) -> usize {
    tokens.to_string().matches("yield_point").count()
}

fn check_one(asyncness: &str, body: &str) -> Result<(), TestCaseError> {
    let source = format!("{asyncness}fn f() {{\n{body}\n}}\n");
    let item: syn::ItemFn = syn::parse_str(&source)
        .map_err(|err| TestCaseError::fail(format!("generated code does not parse: {err}")))?;

    let mut count = Count::default();
    let mut block = (*item.block).clone();
    coop_analysis::walk_fn_body(&mut block, item.sig.asyncness.is_some(), &mut count);

    let expanded = expand::cooperative(TokenStream::new(), source.parse().unwrap());
    let file: syn::File = syn::parse2(expanded.clone())
        .map_err(|err| TestCaseError::fail(format!("expansion does not parse: {err}")))?;
    let errors = expanded.to_string().contains("compile_error");
    if !errors {
        prop_assert_eq!(yield_points(&expanded), count.instrumentable, "{}", source);
    } else {
        prop_assert_eq!(yield_points(&expanded), 0);
    }
    drop(file);

    let plain: syn::File = syn::parse_str(&source).unwrap();
    prop_assert_eq!(check_errors(&item), tool_findings(plain), "{}", source);

    let unconstrained = expand::unconstrained(TokenStream::new(), source.parse().unwrap());
    syn::parse2::<syn::File>(unconstrained)
        .map_err(|err| TestCaseError::fail(format!("unconstrained does not parse: {err}")))?;
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn expansion_check_and_tool_agree(is_async in any::<bool>(), body in body()) {
        check_one(if is_async { "async " } else { "" }, &body)?;
    }
}
