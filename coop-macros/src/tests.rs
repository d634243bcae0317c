//! Expansion snapshots: what users get for each shape, pretty-printed with prettyplease.
//! Review a change with `cargo insta review` (or `INSTA_UPDATE=always` and `git diff`).

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::attrs::CoopAttr;
use crate::expand::{self, Expansion};

type Attribute = fn(TokenStream, TokenStream) -> TokenStream;

/// The rewrite `attribute` makes of `item`, pretty-printed. The item as written, emitted again
/// for clippy, is pinned once (`rewrites_are_twinned_with_the_original_for_clippy`).
fn expand_to_string(attribute: CoopAttr, args: &str, item: &str) -> String {
    let output = match expand::expansion(attribute, args.parse().unwrap(), item.parse().unwrap()) {
        Expansion::Twinned { rewritten, .. } => rewritten.into_token_stream(),
        Expansion::Tokens(tokens) => tokens,
    };
    let file: syn::File = syn::parse2(output.clone())
        .unwrap_or_else(|err| panic!("expansion does not parse ({err}):\n{output}"));
    prettyplease::unparse(&file)
}

#[test]
fn rewrites_are_twinned_with_the_original_for_clippy() {
    let item = "async fn spin() { #[unconstrained] loop {} while busy() {} }";
    let output = expand::cooperative(TokenStream::new(), item.parse().unwrap());
    let file: syn::File = syn::parse2(output).unwrap();
    let rendered: Vec<String> = file
        .items
        .iter()
        .map(|item| quote::ToTokens::to_token_stream(item).to_string())
        .collect();
    assert_eq!(rendered.len(), 2);
    // Under clippy: the item as written, less the loop marker rustc would reject.
    assert_eq!(
        rendered[0],
        "# [cfg (clippy)] async fn spin () { loop { } while busy () { } }"
    );
    // Otherwise: the rewrite.
    assert!(rendered[1].starts_with("# [cfg (not (clippy))] async fn spin"));
    assert!(rendered[1].contains("yield_point"));
    // `check` rewrites nothing and emits the item once.
    let checked = expand::cooperative("check".parse().unwrap(), "async fn f() {}".parse().unwrap());
    assert_eq!(syn::parse2::<syn::File>(checked).unwrap().items.len(), 1);
}

/// The copy clippy sees has no loop marker left in any fn the attribute reaches, whatever the
/// shape, and keeps the markers of items with an attribute of their own, which expand after it
/// and read them.
#[test]
fn clippy_copy_loses_the_markers_the_attribute_reaches_in_every_shape() {
    let shapes = [
        "async fn f() { #[unconstrained] loop {} while busy() {} }",
        "impl S { async fn f() { #[unconstrained] loop {} while busy() {} } }",
        "trait T { async fn f() { #[unconstrained] loop {} while busy() {} } }",
        "mod m { async fn f() { #[unconstrained] loop {} while busy() {} } }",
        "mod m { mod inner { impl S { async fn f() { #[unconstrained] loop {} while busy() {} } } } }",
    ];
    for shape in shapes {
        let Expansion::Twinned { written, .. } = expand::expansion(
            CoopAttr::Cooperative,
            TokenStream::new(),
            shape.parse().unwrap(),
        ) else {
            panic!("`{shape}` is rewritten");
        };
        let written = written.into_token_stream().to_string();
        assert!(!written.contains("unconstrained"), "{written}");
        assert!(written.contains("loop { }"), "{written}");
    }
    let own = "mod m { async fn f() { loop {} } #[cooperative(check)] async fn g() { \
               #[unconstrained] loop {} } }";
    let Expansion::Twinned { written, .. } = expand::expansion(
        CoopAttr::Cooperative,
        TokenStream::new(),
        own.parse().unwrap(),
    ) else {
        panic!("`{own}` is rewritten");
    };
    let written = written.into_token_stream().to_string();
    assert!(written.contains("# [unconstrained] loop"), "{written}");
}

/// On the error path the item comes back without the loop markers the attribute reaches: a
/// marker left in would be a second error.
#[test]
fn error_path_loses_the_markers_in_every_shape() {
    for shape in [
        "async fn f() { #[unconstrained] loop {} #[unconstrained(x)] loop {} }",
        "impl S { async fn f() { #[unconstrained] loop {} #[unconstrained(x)] loop {} } }",
        "mod m { async fn f() { #[unconstrained] loop {} } async fn g() { #[unconstrained(x)] loop {} } }",
    ] {
        let Expansion::Tokens(tokens) = expand::expansion(
            CoopAttr::Cooperative,
            TokenStream::new(),
            shape.parse().unwrap(),
        ) else {
            panic!("`{shape}` is an error");
        };
        let file: syn::File = syn::parse2(tokens).unwrap();
        let items: Vec<String> = file
            .items
            .iter()
            .filter(|item| !matches!(item, syn::Item::Macro(_)))
            .map(|item| item.to_token_stream().to_string())
            .collect();
        assert_eq!(items.len(), 1, "{items:?}");
        assert!(!items[0].contains("unconstrained"), "{}", items[0]);
    }
}

macro_rules! snapshot {
    ($name:ident, $attribute:expr, $args:literal, $($item:tt)*) => {
        #[test]
        fn $name() {
            let item = stringify!($($item)*);
            let expanded = expand_to_string($attribute, $args, item);
            insta::assert_snapshot!(stringify!($name), expanded, item);
        }
    };
}

snapshot!(
    cooperative_async_fn_every_loop_kind,
    CoopAttr::Cooperative,
    "",
    pub async fn drain(rx: &mut Receiver, items: Vec<u32>) -> Result<u32, Error> {
        let mut total = 0;
        for item in items {
            total += item;
        }
        while total < 10 {
            total += 1;
        }
        while let Some(x) = rx.try_next()? {
            total += x;
        }
        let last = 'outer: loop {
            for _ in 0..3 {
                if total % 2 == 0 {
                    continue 'outer;
                }
                break 'outer total;
            }
        };
        Ok(last)
    }
);

snapshot!(
    cooperative_async_blocks_and_closures_instrumented_sync_code_not,
    CoopAttr::Cooperative,
    "",
    async fn shapes() {
        let block = async move { loop {} };
        let closure = async |n: u32| {
            for _ in 0..n {}
        };
        let sync_closure = |n: u32| {
            for _ in 0..n {}
        };
        let returns_async_block = || async { while busy() {} };
        const { loop {} }
        fn nested() {
            loop {}
        }
        vec![loop {}];
        loop {}
    }
);

snapshot!(
    cooperative_unconstrained_loop_opts_out_with_nested_loops,
    CoopAttr::Cooperative,
    "",
    async fn opt_out() {
        #[unconstrained]
        for chunk in chunks {
            loop {}
        }
        #[coop_core::unconstrained]
        while spin() {}
        loop {}
    }
);

snapshot!(
    cooperative_sync_fn_returning_async_block,
    CoopAttr::Cooperative,
    "",
    fn spawn_worker(items: Vec<u32>) -> impl Future<Output = u32> + Send {
        async move {
            let mut sum = 0;
            for item in items {
                sum += item;
            }
            sum
        }
    }
);

snapshot!(
    cooperative_impl_block_instruments_async_methods_only,
    CoopAttr::Cooperative,
    "",
    impl<T: Clone> Worker<T>
    where
        T: Send,
    {
        const LIMIT: usize = 4;
        pub async fn run(&mut self) -> usize {
            loop {
                if self.done() {
                    break self.count;
                }
            }
        }
        fn boxed(&self) -> BoxFuture<'_, ()> {
            Box::pin(async move { while self.busy() {} })
        }
        fn sync(&self) {
            loop {}
        }
        const fn constant() -> usize {
            loop {}
        }
        #[unconstrained]
        async fn own_attribute(&self) {
            loop {}
        }
    }
);

snapshot!(
    cooperative_trait_block_instruments_default_bodies,
    CoopAttr::Cooperative,
    "",
    pub trait Source {
        async fn required(&self);
        async fn provided(&self) -> u32 {
            let mut n = 0;
            while n < 3 {
                n += 1;
            }
            n
        }
    }
);

snapshot!(
    cooperative_crate_path_override,
    CoopAttr::Cooperative,
    r#"crate = "my_coop::reexport""#,
    async fn renamed() {
        loop {}
    }
);

snapshot!(
    cooperative_check_reports_each_loop_that_never_awaits,
    CoopAttr::Cooperative,
    "check",
    async fn checked(rx: Receiver) {
        loop {
            rx.recv().await;
        }
        while let Some(x) = rx.recv().await {}
        for x in 0..3 {}
        while spin() {}
        #[unconstrained]
        loop {}
        let f = async { loop {} };
    }
);

snapshot!(
    cooperative_check_accepts_loops_that_await,
    CoopAttr::Cooperative,
    "check",
    async fn checked(rx: Receiver) {
        loop {
            rx.recv().await;
        }
        #[unconstrained]
        for x in 0..3 {}
    }
);

snapshot!(
    cooperative_on_struct_is_one_error_and_the_item,
    CoopAttr::Cooperative,
    "",
    #[derive(Debug)]
    struct Config {
        budget: u32,
    }
);

snapshot!(
    cooperative_sync_fn_without_async_code_is_an_error,
    CoopAttr::Cooperative,
    "",
    fn plain() {
        #[unconstrained]
        loop {}
    }
);

snapshot!(
    cooperative_bad_argument_keeps_item_and_strips_markers,
    CoopAttr::Cooperative,
    "fast",
    async fn f() {
        #[unconstrained]
        loop {}
    }
);

snapshot!(
    cooperative_with_unconstrained_sibling_is_one_error,
    CoopAttr::Cooperative,
    "",
    #[unconstrained]
    async fn both() {}
);

snapshot!(
    unconstrained_async_fn_wraps_body,
    CoopAttr::Unconstrained,
    "",
    pub async fn compute(&self, input: &[u8]) -> Result<u32, Error> {
        let n = parse(input)?;
        if n == 0 {
            return Ok(0);
        }
        #[unconstrained]
        loop {}
        Ok(n)
    }
);

snapshot!(unconstrained_async_fn_impl_trait_and_unit_returns, CoopAttr::Unconstrained, "",
    impl Worker {
        async fn display(&self) -> impl Display {
            self.name()
        }
        async fn unit(self) {
            self.consume();
        }
    }
);

snapshot!(
    unconstrained_sync_fn_wraps_async_blocks_and_closures,
    CoopAttr::Unconstrained,
    r#"crate = "my_coop""#,
    fn make() -> impl Future<Output = ()> {
        let closure = async |x: u32| x + 1;
        async move {
            closure(1).await;
        }
    }
);

snapshot!(
    unconstrained_with_cooperative_sibling_is_one_error,
    CoopAttr::Unconstrained,
    "",
    #[cooperative]
    async fn both() {}
);

snapshot!(
    cooperative_while_let_yields_before_its_scrutinee,
    CoopAttr::Cooperative,
    "",
    async fn drain(q: &RefCell<Vec<u32>>) -> u32 {
        let mut t = 0;
        // An `.await` in the body: not strip-mined, the yield point goes before the scrutinee.
        #[allow(clippy::while_let_loop)]
        'outer: while let Some(x) = q.borrow_mut().pop() {
            if x == 0 {
                continue 'outer;
            }
            t += x;
            tick().await;
        }
        while let Some(x) = it.next()
            && x > 0
        {
            t += x;
        }
        t
    }
);

snapshot!(
    cooperative_no_yield_point_under_a_live_temporary,
    CoopAttr::Cooperative,
    "",
    async fn temporaries(q: &RefCell<Vec<u32>>, m: &Mutex<Vec<u32>>) {
        for x in q.borrow().iter() {}
        for (i, x) in items.iter().enumerate() {}
        match q.borrow_mut().pop() {
            Some(n) => for _ in 0..n {},
            None => {}
        }
        if let Ok(_) = m.lock() {
            loop {}
        }
        match next().await {
            Some(frame) => for _ in frame {},
            _ => loop {},
        }
        while let Some(n) = q.borrow_mut().pop() {
            for _ in 0..n {}
        }
    }
);

snapshot!(
    cooperative_const_positions_and_dead_code_untouched,
    CoopAttr::Cooperative,
    "",
    async fn consts() {
        let a = [0u8; {
            let mut n = 0;
            while n < 4 {
                n += 1;
            }
            n
        }];
        let b: [u8; {
            loop {
                break 2;
            }
        }] = [0; 2];
        f::<
            {
                loop {
                    break 4;
                }
            },
        >();
        if false {
            let _never: u32 = loop {};
        }
        loop {}
    }
);

snapshot!(
    cooperative_cfg_attr_marker,
    CoopAttr::Cooperative,
    "",
    async fn conditional() {
        #[cfg_attr(test, unconstrained)]
        for _ in 0..10 {
            loop {}
        }
        #[cfg_attr(feature = "x", allow(unused), coop_core::unconstrained)]
        loop {}
    }
);

snapshot!(
    unconstrained_async_fn_moves_every_parameter_in_order,
    CoopAttr::Unconstrained,
    "",
    async fn f(self, x: Noisy, mut y: u32, (a, b): (u8, u8), _: Noisy, _permit: Noisy) -> u32 {
        y += 1;
        y
    }
);

snapshot!(
    unconstrained_async_fn_never_and_impl_trait_returns,
    CoopAttr::Unconstrained,
    "",
    impl Server {
        async fn serve(&self) -> ! {
            loop {}
        }
        async fn shown(&self) -> Result<impl Display, Box<dyn Error>> {
            return Err(Box::new(MyError));
        }
    }
);

snapshot!(
    unconstrained_async_closure_bodies_stay_one_expression,
    CoopAttr::Unconstrained,
    "",
    fn closures() {
        let a = async |y: u32| { y } + 1;
        let b = async |y: u32| match y { 0 => 10, _ => 20 } - 1;
        let c = async |y: u32| -> u32 { y };
    }
);

#[test]
fn odd_input_is_an_error_never_a_panic() {
    let items = [
        "",
        "fn",
        "async fn f(x: u32) -> {}",
        "impl X {}",
        "trait T { fn f(); }",
        "macro_rules! m { () => {} }",
        "async fn f() { #[unconstrained(x)] loop {} #[unconstrained] async {} }",
        "extern \"C\" { fn f(); }",
        "union U { a: u32 }",
        "use std::mem;",
        "fn f() { let a = async |y: u32| { y } + 1; }",
        "async fn f() { #[cfg_attr(x)] loop {} #[cfg_attr(x, unconstrained(y))] loop {} }",
        "async fn f() { #[cfg_attr] loop {} #[cfg_attr()] while let x = y {} }",
        "mod m;",
        "mod m { struct S; }",
        "async fn f(_: u8, (a, b): (u8, u8)) -> ! { loop {} }",
    ];
    let args = [
        "",
        "check",
        "crate",
        "crate =",
        "crate = \"\"",
        ",",
        "check check",
        "(x)",
        "crate = $crate::coop",
        "crate = ::x::y, check",
    ];
    for item in items {
        for args in args {
            for attribute in [expand::cooperative as Attribute, expand::unconstrained] {
                let item: TokenStream = item.parse().unwrap();
                let _ = attribute(args.parse().unwrap(), item);
            }
        }
    }
}

/// rustc runs proc macros on its own thread, with an 8 MiB stack, and builds them unoptimised:
/// an expression nested 3000 deep (a long `a + b + ..` chain) must expand in that much stack,
/// as it compiles without the attribute. A derived `Clone` of the item overflowed it.
#[test]
fn deep_expressions_expand_within_the_compilers_stack() {
    let body = vec!["1u32"; 3000].join(" + ");
    let src =
        format!("async fn deep() -> u32 {{ let mut t = 0; for _ in 0..3 {{ t += {body}; }} t }}");
    let expand = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            for (attribute, args) in [
                (expand::cooperative as Attribute, ""),
                (expand::cooperative, "check"),
                (expand::unconstrained, ""),
            ] {
                let output = attribute(args.parse().unwrap(), src.parse().unwrap());
                assert!(!output.is_empty());
            }
        })
        .unwrap();
    expand.join().unwrap();
}

snapshot!(
    cooperative_macro_calls_with_known_grammar,
    CoopAttr::Cooperative,
    "",
    async fn serve(mut rx: Receiver, flag: &Cell<bool>) -> Vec<u64> {
        let mut total = 0;
        tokio::select! {
            biased;
            Some(n) = rx.recv(), if total == 0 => {
                for i in 0..n {
                    total += i;
                }
            }
            _ = async { loop { spin(); } } => {}
            else => {}
        }
        futures::join!(async { while !flag.get() {} }, ready());
        assert!(
            total > 0,
            "{}",
            loop {
                break 1;
            }
        );
        my_macro!(=> loop { spin(); });
        stringify!(loop {});
        vec![
            total,
            loop {
                break 4;
            },
        ]
    }
);

/// A loop with attributes of its own (`cfg`, `allow`) is strip-mined like any other: its
/// attributes go on the `match` that replaces it, batch included, so a `cfg` removes the whole
/// rewrite as it would the loop.
#[test]
fn attributes_of_a_strip_mined_loop_go_on_its_rewrite() {
    let item = "async fn sum(v: &[u8]) -> u32 {
        let mut s = 0;
        #[allow(clippy::needless_range_loop)]
        for i in 0..v.len() { s += u32::from(v[i]); }
        #[cfg(feature = \"twice\")]
        'again: loop { s += 1; if s > 9 { break 'again; } }
        #[cfg(feature = \"twice\")]
        while s < 20 { s += 2; }
        s
    }";
    let rewritten = expand_to_string(CoopAttr::Cooperative, "", item);
    let file: syn::File = syn::parse_str(&rewritten).unwrap();
    let syn::Item::Fn(f) = &file.items[0] else {
        panic!("{rewritten}")
    };
    let attributed: Vec<String> = f
        .block
        .stmts
        .iter()
        .filter_map(|stmt| match stmt {
            syn::Stmt::Expr(syn::Expr::Match(rewrite), _) if !rewrite.attrs.is_empty() => Some(
                rewrite
                    .attrs
                    .iter()
                    .map(|attr| attr.to_token_stream().to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
        })
        .collect();
    assert_eq!(
        attributed,
        [
            "# [allow (clippy :: needless_range_loop)]",
            "# [cfg (feature = \"twice\")]",
            "# [cfg (feature = \"twice\")]",
        ],
        "{rewritten}"
    );
    // Each is the batch's `match`, with no per-iteration yield point left.
    assert_eq!(
        rewritten
            .matches("__private::Batch::new() {\n        mut __coop_batch =>")
            .count(),
        3,
        "{rewritten}"
    );
    assert!(
        !rewritten.contains("yield_point!(\n        sum"),
        "{rewritten}"
    );
}

/// Blocks nested in a loop's body: each level was looked at twice (does it diverge?), so the
/// expansion took twice as long per level (15 s at 28 levels). At 100 levels that would never
/// end; now it is one look per statement.
#[test]
fn nested_blocks_in_a_loop_expand_in_a_time_linear_in_their_depth() {
    on_a_compilers_stack(|| {
        let depth = 100;
        let item = nested_in_a_loop(depth);
        let expanded = expand_to_string(CoopAttr::Cooperative, "", &item);
        assert!(expanded.contains("__coop_batch"), "{expanded}");
    });
}

/// An async fn whose loop body nests `depth` blocks.
fn nested_in_a_loop(depth: usize) -> String {
    format!(
        "async fn deep() -> u64 {{ let mut s = 0; for _ in 0..3 {{ {}s += 1;{} }} s }}",
        "{ ".repeat(depth),
        " }".repeat(depth)
    )
}

/// Runs `test` on a thread with a stack as large as rustc gives its own (a test thread's 2 MiB
/// is smaller than any compiler's).
fn on_a_compilers_stack(test: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(test)
        .unwrap()
        .join()
        .unwrap();
}

/// An item nested deeper than the attribute reads (which would overflow the compiler's stack)
/// is an error at the group where it passes the limit, and the item is still emitted.
#[test]
fn an_item_nested_past_the_limit_is_an_error_and_kept() {
    on_a_compilers_stack(|| {
        let depth = 200;
        let item = nested_in_a_loop(depth);
        for attribute in [CoopAttr::Cooperative, CoopAttr::Unconstrained] {
            let output =
                match expand::expansion(attribute, TokenStream::new(), item.parse().unwrap()) {
                    Expansion::Twinned { .. } => panic!("rewritten"),
                    Expansion::Tokens(tokens) => tokens.to_string(),
                };
            assert!(output.contains("compile_error"), "{output}");
            assert!(output.contains("nested at most 128"), "{output}");
            assert!(output.contains("async fn deep"), "{output}");
        }
        // At the limit, it is read.
        let within = nested_in_a_loop(100);
        assert!(!expand_to_string(CoopAttr::Cooperative, "", &within).contains("compile_error"));
    });
}

// An attribute never rewrites a macro call's tokens: `spins` stays as written (`cargo coop`
// reports its loop as inside `cfg_x!`), `direct` gets its yield point.
snapshot!(
    cooperative_leaves_fns_inside_macro_calls_as_written,
    CoopAttr::Cooperative,
    "",
    impl S {
        cfg_x! {
            pub async fn spins(&self) { loop { spin(); } }
        }
        pub async fn direct(&self) { loop { spin(); } }
    }
);

// `check` reports the loops of fns inside macro calls that the attribute cannot reach, as
// `cargo coop` does: not those that await, nor those of a fn with an attribute of its own.
snapshot!(
    cooperative_check_reports_loops_in_fns_inside_macro_calls,
    CoopAttr::Cooperative,
    "check",
    impl S {
        cfg_x! {
            pub async fn spins(&self, n: u32) { for _ in 0..n { spin(); } }
            pub async fn awaits(&self) { loop { tick().await; } }
            #[cooperative]
            pub async fn own(&self) { loop { spin(); } }
        }
        pub async fn direct(&self) { loop { tick().await; } }
    }
);
