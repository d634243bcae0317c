//! Property test: random fn bodies (nested loops of every kind, async blocks, async and sync
//! closures, labelled breaks, macro calls, nested items, `.await` in bodies, conditions and
//! iterator expressions, loop markers, temporaries). For each:
//!
//! - `#[cooperative]`'s expansion parses, and holds exactly one yield point per loop that
//!   coop-analysis calls instrumentable, none elsewhere; and that count is the one the
//!   generator expects from the rules as documented (async context, sync closures and nested
//!   items, `if false`, markers, live temporaries, macro grammars), computed without
//!   coop-analysis;
//! - `#[cooperative(check)]`'s errors are exactly `cargo coop`'s findings (`scan_file`), at the
//!   same line and column, of the same kind;
//! - nothing panics, `#[unconstrained]` included.
//!
//! The rules this oracle encodes are checked against rustc by the differential fuzzer
//! (`oracle/`): each shape here (a guard in a `while let` scrutinee, a borrow in a `for`
//! iterator expression, a guard in a `match` scrutinee, macro operands, `join!` and `select!`,
//! async blocks and closures, sync closures) is a template of its grammar, compiled and run plain
//! and annotated, with a probe of every unnamed temporary checked at each `Pending`.
//!
//! Seeded, so a run is reproducible; `PROPTEST_CASES` sets the number of cases (default 2000).

use proc_macro2::TokenStream;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

use coop_analysis::{FindingKind, Hooks, LoopSite, OpaqueLoop};

use crate::expand;
use crate::walk::{Action, walk_fn_body};

/// A generated statement. Rendered to source by [`Node::render`]; [`Node::expected`] counts
/// the yield points `#[cooperative]` must insert, from the rules as the docs state them, without
/// coop-analysis: the test's oracle.
#[derive(Clone, Debug)]
enum Node {
    Leaf(&'static str),
    Loop {
        marker: Marker,
        label: bool,
        shape: Shape,
        body: Vec<Node>,
    },
    AsyncBlock(Vec<Node>),
    AsyncClosure(Vec<Node>),
    SyncClosure(Vec<Node>),
    /// `vec![x, { .. 1 }]`: the enclosing context.
    Vec(Vec<Node>),
    /// `assert!(ok, "{}", { .. 2 })`: the enclosing context.
    Assert(Vec<Node>),
    /// `tokio::select!`: the future and the handler in async context.
    Select(Vec<Node>, Vec<Node>),
    /// `futures::join!` of two async blocks.
    Join(Vec<Node>, Vec<Node>),
    /// A nested fn: not this fn's code.
    NestedFn(bool, Vec<Node>),
    /// `match m.lock() { _ => { .. } }`: the guard is alive in the arm.
    MatchGuard(Vec<Node>),
    IfFalse(Vec<Node>),
    Const(Vec<Node>),
    Block(Vec<Node>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Marker {
    None,
    Always,
    Cfg,
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    Loop,
    While(&'static str),
    For(&'static str),
}

/// A `while` condition that keeps a temporary alive through the body.
const GUARDED_COND: &str = "let Some(v) = cell.borrow_mut().pop()";
/// A `for` iterator expression that keeps a temporary alive through the loop.
const GUARDED_ITER: &str = "cell.borrow().iter()";

#[derive(Clone, Copy)]
struct Ctx {
    in_async: bool,
    dead: bool,
    opted_out: bool,
    under_temporary: bool,
}

fn render_all(nodes: &[Node]) -> String {
    nodes.iter().map(Node::render).collect::<Vec<_>>().join(" ")
}

fn expected_all(nodes: &[Node], ctx: Ctx) -> usize {
    let mut ctx = ctx;
    let mut total = 0;
    for node in nodes {
        total += node.expected(ctx);
        // A macro statement coop does not know may expand to a `let` that extends a temporary
        // to the end of the block: no yield point in the rest of it.
        if matches!(node, Node::Leaf(code) if code.starts_with("my_macro!")) {
            ctx.under_temporary = true;
        }
    }
    total
}

impl Node {
    fn render(&self) -> String {
        match self {
            Node::Leaf(code) => (*code).to_owned(),
            Node::Loop {
                marker,
                label,
                shape,
                body,
            } => {
                let marker = match marker {
                    Marker::None => "",
                    Marker::Always => "#[unconstrained] ",
                    Marker::Cfg => "#[cfg_attr(test, unconstrained)] ",
                };
                let label = if *label { "'a: " } else { "" };
                let header = match shape {
                    Shape::Loop => "loop".to_owned(),
                    Shape::While(cond) => format!("while {cond}"),
                    Shape::For(iter) => format!("for v in {iter}"),
                };
                format!("{marker}{label}{header} {{ {} }}", render_all(body))
            }
            Node::AsyncBlock(b) => format!("let _ = async move {{ {} }};", render_all(b)),
            Node::AsyncClosure(b) => format!("let _ = async |y: u32| {{ {} }};", render_all(b)),
            Node::SyncClosure(b) => format!("let _ = || {{ {} }};", render_all(b)),
            Node::Vec(b) => format!("let _ = vec![x, {{ {} 1 }}];", render_all(b)),
            Node::Assert(b) => format!("assert!(ok, \"{{}}\", {{ {} 2 }});", render_all(b)),
            Node::Select(a, b) => format!(
                "tokio::select! {{ v = async {{ {} }}, if go => {{ {} }} else => {{}} }}",
                render_all(a),
                render_all(b)
            ),
            // The first block ends in `;`: its output is `()`, which owns nothing, so the second
            // runs under no value of the first (see `temporaries::output_owns_nothing`).
            Node::Join(a, b) => format!(
                "futures::join!(async {{ {} ; }}, async {{ {} }});",
                render_all(a),
                render_all(b)
            ),
            Node::NestedFn(is_async, b) => format!(
                "{}fn nested() {{ {} }}",
                if *is_async { "async " } else { "" },
                render_all(b)
            ),
            Node::MatchGuard(b) => format!("match m.lock() {{ _ => {{ {} }} }}", render_all(b)),
            Node::IfFalse(b) => format!("if false {{ {} }}", render_all(b)),
            Node::Const(b) => format!("const {{ {} }};", render_all(b)),
            Node::Block(b) => format!("{{ {} }}", render_all(b)),
        }
    }

    fn expected(&self, ctx: Ctx) -> usize {
        let inside = |in_async: bool| Ctx { in_async, ..ctx };
        match self {
            Node::Leaf(_) | Node::NestedFn(..) => 0,
            Node::Loop {
                marker,
                shape,
                body,
                ..
            } => {
                let opted_out = ctx.opted_out || *marker == Marker::Always;
                let runs = ctx.in_async && !ctx.dead && !opted_out;
                let own_for_temporary = matches!(shape, Shape::For(iter) if *iter == GUARDED_ITER);
                let body_temporary = own_for_temporary
                    || matches!(shape, Shape::While(cond) if *cond == GUARDED_COND);
                let instrumentable = runs && !ctx.under_temporary && !own_for_temporary;
                let body_ctx = Ctx {
                    opted_out,
                    under_temporary: ctx.under_temporary || body_temporary,
                    ..ctx
                };
                usize::from(instrumentable) + expected_all(body, body_ctx)
            }
            Node::AsyncBlock(b) | Node::AsyncClosure(b) => expected_all(b, inside(true)),
            Node::SyncClosure(b) | Node::Const(b) => expected_all(b, inside(false)),
            Node::Vec(b) | Node::Assert(b) | Node::Block(b) => expected_all(b, ctx),
            Node::Select(a, b) | Node::Join(a, b) => {
                expected_all(a, inside(true)) + expected_all(b, inside(true))
            }
            Node::MatchGuard(b) => expected_all(
                b,
                Ctx {
                    under_temporary: true,
                    ..ctx
                },
            ),
            Node::IfFalse(b) => expected_all(b, Ctx { dead: true, ..ctx }),
        }
    }
}

fn leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        Just("spin();"),
        Just("tick().await;"),
        Just("let _ = x;"),
        Just("break;"),
        Just("break 'a;"),
        Just("continue;"),
        Just("let _ = coop_core::consume_budget();"),
        Just("stringify!(loop {});"),
        Just("my_macro!(=> loop { spin(); });"),
        Just("my_macro!(=> loop { tick().await; });"),
    ]
    .prop_map(Node::Leaf)
}

fn body() -> impl Strategy<Value = Vec<Node>> {
    let node = leaf().prop_recursive(5, 64, 4, |inner| {
        let block = prop::collection::vec(inner, 0..4);
        let cond = prop_oneof![
            Just("flag.get()"),
            Just("ready().await"),
            Just("let Some(v) = it.next()"),
            Just("let Some(v) = rx.recv().await"),
            Just(GUARDED_COND),
        ];
        let iter = prop_oneof![
            Just("0..n"),
            Just("items.iter()"),
            Just("load().await"),
            Just(GUARDED_ITER),
        ];
        let shape = prop_oneof![
            Just(Shape::Loop),
            cond.prop_map(Shape::While),
            iter.prop_map(Shape::For),
        ];
        let marker = prop_oneof![
            4 => Just(Marker::None),
            1 => Just(Marker::Always),
            1 => Just(Marker::Cfg),
        ];
        prop_oneof![
            4 => (marker, any::<bool>(), shape, block.clone()).prop_map(
                |(marker, label, shape, body)| Node::Loop {
                    marker,
                    label,
                    shape,
                    body
                }
            ),
            1 => block.clone().prop_map(Node::AsyncBlock),
            1 => block.clone().prop_map(Node::AsyncClosure),
            1 => block.clone().prop_map(Node::SyncClosure),
            1 => block.clone().prop_map(Node::Vec),
            1 => block.clone().prop_map(Node::Assert),
            1 => (block.clone(), block.clone()).prop_map(|(a, b)| Node::Select(a, b)),
            1 => (block.clone(), block.clone()).prop_map(|(a, b)| Node::Join(a, b)),
            1 => (any::<bool>(), block.clone()).prop_map(|(a, b)| Node::NestedFn(a, b)),
            1 => block.clone().prop_map(Node::MatchGuard),
            1 => block.clone().prop_map(Node::IfFalse),
            1 => block.clone().prop_map(Node::Const),
            1 => block.prop_map(Node::Block),
        ]
    });
    prop::collection::vec(node, 1..4)
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
        Some(&item.sig.ident),
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
        // Markers in a fn without `#[cooperative]` are the tool's own finding: under
        // `#[cooperative(check)]` they are read.
        .filter(|finding| !matches!(finding.kind, FindingKind::StrayLoopMarker(_)))
        .map(|finding| {
            let kind = match finding.kind {
                FindingKind::InsideMacro(_) => "macro",
                FindingKind::YieldPointNotAwaited => "unawaited",
                FindingKind::NeverAwaits | FindingKind::UnderTemporary => "never",
                _ => "attribute",
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

fn check_one(is_async: bool, nodes: &[Node]) -> Result<(), TestCaseError> {
    let asyncness = if is_async { "async " } else { "" };
    let body = render_all(nodes);
    let source = format!("{asyncness}fn f() {{\n{body}\n}}\n");
    let expected = expected_all(
        nodes,
        Ctx {
            in_async: is_async,
            dead: false,
            opted_out: false,
            under_temporary: false,
        },
    );
    let item: syn::ItemFn = syn::parse_str(&source)
        .map_err(|err| TestCaseError::fail(format!("generated code does not parse: {err}")))?;

    let mut count = Count::default();
    let mut block = (*item.block).clone();
    coop_analysis::walk_fn_body(&mut block, item.sig.asyncness.is_some(), &mut count);

    let expanded = expand::cooperative(TokenStream::new(), source.parse().unwrap());
    let file: syn::File = syn::parse2(expanded.clone())
        .map_err(|err| TestCaseError::fail(format!("expansion does not parse: {err}")))?;
    let errors = expanded.to_string().contains("compile_error");
    prop_assert_eq!(
        count.instrumentable,
        expected,
        "analysis vs the rules: {}",
        source
    );
    if errors {
        // Only a sync fn with no async code is an error; none of its loops runs in async
        // context.
        prop_assert!(!is_async && expected == 0, "{}", expanded);
    }
    prop_assert_eq!(yield_points(&expanded), expected, "{}", source);
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
    fn expansion_check_and_tool_agree(is_async in any::<bool>(), nodes in body()) {
        check_one(is_async, &nodes)?;
    }
}
