//! The grammar of generated async fns: a table of templates, each an expression of type `u32`
//! with holes for child expressions, and a seeded generator that fills them.
//!
//! In a template, `$0`, `$1`, … are the children, `@` is the node's own number (so its names
//! and probe ids are unique in the fn), `TP(` builds an unnamed probe (`tp(` or, in the `Send`
//! variant, the non-`Send` `tn(`) and `PTY` names the probe type. `LBL` is `'l@: ` on a
//! labelled loop and nothing otherwise; `BRK` is the label a loop's own `break` names.
//! Which probes are unnamed is known from the template alone: every probe built with `TP(` is a
//! temporary (extended or not), every probe built with `nm(` is bound by a pattern.

/// Where a child runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctx {
    /// Same context as the parent.
    Same,
    /// Inside a sync closure: no `.await`, no labels from outside.
    Sync,
    /// Inside an async block or async closure: `.await` allowed, no labels from outside.
    Async,
    /// A loop body: the loop's label (if any) may be jumped to.
    Body,
}

/// One template of the grammar.
pub struct Template {
    /// What the template exercises, for failures and coverage counts.
    pub name: &'static str,
    /// The source text, with holes.
    pub text: &'static str,
    /// Where each child runs, in hole order.
    pub children: &'static [Ctx],
    /// Uses `.await` (or a macro that does): only in async context.
    pub needs_async: bool,
}

const fn t(name: &'static str, text: &'static str, children: &'static [Ctx]) -> Template {
    Template {
        name,
        text,
        children,
        needs_async: false,
    }
}

const fn a(name: &'static str, text: &'static str, children: &'static [Ctx]) -> Template {
    Template {
        name,
        text,
        children,
        needs_async: true,
    }
}

const fn l(name: &'static str, text: &'static str, children: &'static [Ctx]) -> Template {
    Template {
        name,
        text,
        children,
        needs_async: false,
    }
}

use Ctx::{Async, Body, Same, Sync};

/// The loop forms: `loop` with a `break` value, `while`, `for`, `while let`, `continue`, and
/// headers that hold an unnamed probe (a `for` iterator expression, a `while let` scrutinee, a
/// `while` condition) or run a child.
pub const LOOPS: &[Template] = &[
    l(
        "loop_break_value",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLloop { c@ += 1; if c@ > %N { break BRK s@; } s@ ^= $0; } }",
        &[Body],
    ),
    // `#[cfg]` on the loop: kept, or removed with everything in it
    l(
        "cfg_loop_kept",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; #[cfg(all())] LBLloop { c@ += 1; if c@ > %N { break BRK; } s@ ^= $0; } s@ }",
        &[Body],
    ),
    l(
        "cfg_loop_removed",
        "{ let mut c@ = 1u32; #[cfg(any())] LBLloop { c@ += 1; if c@ > %N { break BRK; } c@ ^= $0; } c@ }",
        &[Body],
    ),
    l(
        "loop_continue",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLloop { c@ += 1; if c@ > %N { break BRK s@; } if c@ % 2 == 0 { continue BRK; } s@ ^= $0; } }",
        &[Body],
    ),
    l(
        "while",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLwhile c@ < %N { c@ += 1; s@ ^= $0; } s@ }",
        &[Body],
    ),
    l(
        "while_child_cond",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLwhile c@ < %N && ($1) < 1_000_000 { c@ += 1; s@ ^= $0; } s@ }",
        &[Body, Same],
    ),
    l(
        "for_range",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLfor i@ in 0..%N { c@ += 1; s@ ^= i@ ^ $0; } s@ }",
        &[Body],
    ),
    l(
        "for_child_iter",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLfor i@ in 0..($1 % 3 + 1) { c@ += 1; s@ ^= i@ ^ $0; } s@ }",
        &[Body, Same],
    ),
    l(
        "for_vec",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLfor i@ in vec![1u32, %N] { c@ += 1; s@ ^= i@ ^ $0; } s@ }",
        &[Body],
    ),
    l(
        "while_let",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLwhile let Some(v@) = step(&mut c@, %N) { s@ ^= v@ ^ $0; } s@ }",
        &[Body],
    ),
    l(
        "for_temp_iter",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLfor i@ in TP(@).range(%N) { c@ += 1; s@ ^= i@ ^ $0; } s@ }",
        &[Body],
    ),
    l(
        "while_let_temp",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLwhile let Some(v@) = TP(@).step(&mut c@, %N) { s@ ^= v@ ^ $0; } s@ }",
        &[Body],
    ),
    l(
        "while_temp_cond",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLwhile TP(@).below(&mut c@, %N) { s@ ^= $0; } s@ }",
        &[Body],
    ),
    l(
        "while_let_chain",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLwhile let Some(v@) = step(&mut c@, %N) && v@ < 9 { s@ ^= v@ ^ $0; } s@ }",
        &[Body],
    ),
    l(
        "for_named_items",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLfor p@ in [nm(@), nm(@ + 10000)] { c@ += 1; s@ ^= p@.get() ^ $0; } s@ }",
        &[Body],
    ),
    // Items built at each `next()` (their construction logged), bound by patterns that move
    // none of them: each item drops at the end of its iteration, before the next is built.
    l(
        "for_items_fields_copied",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLfor Probe { v: v@, .. } in (0..%N).map(|k@| nm(@ + 10000 * (k@ + 1))) { c@ += 1; s@ ^= v@ ^ $0; } s@ }",
        &[Body],
    ),
    l(
        "for_items_ignored",
        "{ let mut c@ = 0u32; let mut s@ = 0u32; LBLfor _ in (0..%N).map(|k@| nm(@ + 10000 * (k@ + 1))) { c@ += 1; s@ ^= c@ ^ $0; } s@ }",
        &[Body],
    ),
];

/// Every other expression position.
pub const EXPRS: &[Template] = &[
    // `#[cfg]` on statements and arms: what it removes is never compiled, loops included
    t(
        "cfg_stmts",
        "{ let mut s@ = $0; #[cfg(any())] { s@ = s@.wrapping_add($1); } #[cfg(all())] { s@ ^= $2; } s@ }",
        &[Same, Same, Same],
    ),
    t(
        "cfg_arms",
        "match ($0) % 3 { #[cfg(any())] 0 => $1, #[cfg(all())] 1 => $2, _ => 5 }",
        &[Same, Same, Same],
    ),
    a(
        "cfg_awaits",
        "{ #[cfg(any())] ::core::future::pending::<()>().await; #[cfg(all())] async {}.await; $0 }",
        &[Same],
    ),
    // operators, calls, methods: earlier operands alive while later ones run
    t("xor", "($0 ^ $1)", &[Same, Same]),
    t("lt", "(($0 < $1) as u32)", &[Same, Same]),
    t("call_first", "add($0, 1)", &[Same]),
    t("call_later", "add3($0, $1, $2)", &[Same, Same, Same]),
    t("call_after_temp", "add(TP(@).get(), $0)", &[Same]),
    t("call_temp_arg_after", "add($0, TP(@).get())", &[Same]),
    t("method_arg", "$0.max($1)", &[Same, Same]),
    t("temp_receiver", "TP(@).with($0)", &[Same]),
    t("consumed_temp", "(consume(TP(@)) ^ $0)", &[Same]),
    t("binary_after_temp", "(TP(@).get() ^ $0)", &[Same]),
    // blocks and statements
    t("block_stmt", "{ $0; $1 }", &[Same, Same]),
    t("let_then", "{ let x@ = $0; add(x@, $1) }", &[Same, Same]),
    t(
        "let_temp_then",
        "{ let x@ = TP(@).get(); add(x@, $0) }",
        &[Same],
    ),
    t("unsafe_block", "unsafe { $0 }", &[Same]),
    t("named_receiver", "{ let a@ = nm(@); a@.with($0) }", &[Same]),
    t(
        "named_then",
        "{ let a@ = nm(@); add($0, a@.get()) }",
        &[Same],
    ),
    // if and match: scrutinees, arms, guards
    t(
        "if_cond",
        "if ($0) > 3 { $1 } else { $2 }",
        &[Same, Same, Same],
    ),
    t(
        "if_let_temp",
        "if let Some(v@) = TP(@).opt($0) { v@ ^ $1 } else { $2 }",
        &[Same, Same, Same],
    ),
    t(
        "if_let_place",
        "if let Some(v@) = Some($0) { v@ ^ $1 } else { $2 }",
        &[Same, Same, Same],
    ),
    t(
        "match_guard",
        "match ($0) { 0 => $1, v@ if v@ > $2 => v@ ^ $3, _ => 5 }",
        &[Same, Same, Same, Same],
    ),
    t(
        "match_temp_arm",
        "match TP(@).get() { 0 => 1, v@ => v@ ^ $0 }",
        &[Same],
    ),
    t(
        "match_temp_opt",
        "match TP(@).opt($0) { Some(v@) => v@ ^ $1, None => $2 }",
        &[Same, Same, Same],
    ),
    // aggregates
    t("tuple", "($0, $1).1", &[Same, Same]),
    t("tuple_after_temp", "(TP(@).get(), $0).1", &[Same]),
    t("array", "[$0, $1][1]", &[Same, Same]),
    t("struct", "Pair { a: $0, b: $1 }.b", &[Same, Same]),
    t("tuple_struct", "Wrap($0).0", &[Same]),
    // closures and async code
    t("sync_closure", "(|| $0)()", &[Sync]),
    a("async_block", "async { $0 }.await", &[Async]),
    a("async_move_block", "async move { $0 }.await", &[Async]),
    a("async_closure", "(async || $0)().await", &[Async]),
    a(
        "await_after_temp",
        "add(TP(@).get(), async { $0 }.await)",
        &[Async],
    ),
    // lifetime extension: each rule of the Reference, with a loop after it in the same block
    t(
        "ext_borrow",
        "{ let r@ = &TP(@); add($0, r@.get()) }",
        &[Same],
    ),
    t(
        "ext_deref_borrow",
        "{ let r@ = &*&TP(@); add($0, r@.get()) }",
        &[Same],
    ),
    t(
        "ext_borrow_borrow",
        "{ let r@ = &&TP(@); add($0, r@.get()) }",
        &[Same],
    ),
    t("ext_field", "{ let r@ = &TP(@).v; add($0, *r@) }", &[Same]),
    t(
        "ext_tuple_index",
        "{ let r@ = &TP(@).pair.1; add($0, *r@) }",
        &[Same],
    ),
    t(
        "ext_index",
        "{ let r@ = &TP(@).arr[1]; add($0, *r@) }",
        &[Same],
    ),
    t(
        "ext_struct",
        "{ let r@ = RefPair { a: &TP(@), b: 1 }; add($0, r@.a.get() ^ r@.b) }",
        &[Same],
    ),
    t(
        "ext_tuple",
        "{ let r@ = (&TP(@), 1); add($0, r@.0.get()) }",
        &[Same],
    ),
    t(
        "ext_array",
        "{ let r@ = [&TP(@)]; add($0, r@[0].get()) }",
        &[Same],
    ),
    t(
        "ext_block_tail",
        "{ let r@ = { let _ = 1; &TP(@) }; add($0, r@.get()) }",
        &[Same],
    ),
    t(
        "ext_unsafe",
        "{ let r@ = unsafe { &TP(@) }; add($0, r@.get()) }",
        &[Same],
    ),
    t(
        "ext_unsafe_deref",
        "{ let r@: &u32 = unsafe { &*&TP(@).v }; add($0, *r@) }",
        &[Same],
    ),
    t(
        "ext_if_else",
        "{ let r@ = if ($1) > 2 { &TP(@) } else { &TP(@ + 1000) }; add($0, r@.get()) }",
        &[Same, Same],
    ),
    t(
        "ext_match_arm",
        "{ let r@ = match ($1) { 0 => &TP(@), _ => &TP(@ + 1000) }; add($0, r@.get()) }",
        &[Same, Same],
    ),
    t(
        "ext_tuple_ctor",
        "{ let r@ = Some(&TP(@)); add($0, r@.map_or(0, |p| p.get())) }",
        &[Same],
    ),
    t(
        "ext_struct_ctor",
        "{ let r@ = Wrap(&TP(@)); add($0, r@.0.get()) }",
        &[Same],
    ),
    t(
        "ext_cast",
        "{ let r@ = &TP(@) as &PTY; add($0, r@.get()) }",
        &[Same],
    ),
    t(
        "ext_ref_pattern",
        "{ let ref r@ = TP(@); add($0, r@.get()) }",
        &[Same],
    ),
    t(
        "ext_nested",
        "{ let r@ = &(1, [&TP(@)]); add($0, r@.1[0].get()) }",
        &[Same],
    ),
    t(
        "ext_format_args",
        "{ let r@ = format_args!(\"{}\", TP(@).v); add($0, r@.to_string().len() as u32) }",
        &[Same],
    ),
    t(
        "not_ext_method_value",
        "{ let r@ = &TP(@).get(); add($0, *r@) }",
        &[Same],
    ),
    t(
        "not_ext_std_fn_arg_borrow",
        "{ let r@ = ::core::mem::size_of_val(&TP(@)) as u32; add($0, r@) }",
        &[Same],
    ),
    t(
        "not_ext_fn_arg_borrow",
        "{ let r@ = Peek::at(&TP(@)); add($0, r@) }",
        &[Same],
    ),
    t(
        "not_ext_call_arg",
        "{ let r@ = consume(TP(@)); add($0, r@) }",
        &[Same],
    ),
    // let-else: the initializer's temporaries end before the else block
    t(
        "let_else_return",
        "{ let Some(x@) = TP(@).opt($0) else { return $1; }; add(x@, $2) }",
        &[Same, Same, Same],
    ),
    t(
        "let_else_loop",
        "{ let Some(x@) = TP(@).opt($0) else { let mut c@ = 0u32; loop { c@ += 1; if c@ > %N { return c@; } } }; add(x@, $1) }",
        &[Same, Same],
    ),
    t(
        "let_else_ext",
        "{ let (2.., x@) = &TP(@).pair else { return $1; }; add(*x@, $0) }",
        &[Same, Same],
    ),
    t(
        "let_else_place",
        "{ let Some(x@) = Some($0) else { return 0; }; add(x@, $1) }",
        &[Same, Same],
    ),
    // std macros and a local one
    t(
        "format",
        "(format!(\"{}{}\", $0, $1).len() as u32)",
        &[Same, Same],
    ),
    t(
        "format_after_temp",
        "(format!(\"{:?} {}\", TP(@).get(), $0).len() as u32)",
        &[Same],
    ),
    t(
        "write_string",
        "{ let mut s@ = String::new(); write!(s@, \"{}\", $0).unwrap(); s@.len() as u32 }",
        &[Same],
    ),
    t(
        "write_temp_target",
        "write!(TP(@), \"{}-{}\", $0, $1).map_or(0, |_| 1)",
        &[Same, Same],
    ),
    t(
        "println",
        "{ println!(\"p {} {}\", $0, $1); 1 }",
        &[Same, Same],
    ),
    t(
        "vec_list",
        "vec![$0, $1].into_iter().fold(0, u32::wrapping_add)",
        &[Same, Same],
    ),
    t("vec_repeat", "(vec![$0; 2].len() as u32)", &[Same]),
    t("assert_passes", "{ assert!($0 < 1_000_000); 1 }", &[Same]),
    t("assert_may_fail", "{ assert!($0 % 5 != 1); 3 }", &[Same]),
    t(
        "assert_message",
        "{ assert!($0 != 7, \"m {}\", $1); 2 }",
        &[Same, Same],
    ),
    t("debug_assert", "{ debug_assert!($0 % 7 != 3); 4 }", &[Same]),
    t(
        "assert_eq_message",
        "{ assert_eq!($0 & 0, $1 & 0, \"eq {}\", $2); 5 }",
        &[Same, Same, Same],
    ),
    t(
        "assert_ne_may_fail",
        "{ assert_ne!($0 % 4, 2, \"ne {}\", $1); 6 }",
        &[Same, Same],
    ),
    t("dbg", "dbg!($0)", &[Same]),
    t("dbg_two", "dbg!($0, $1).1", &[Same, Same]),
    t("matches", "(matches!($0, 0..=9) as u32)", &[Same]),
    t(
        "matches_guard",
        "(matches!($0, v if v > $1) as u32)",
        &[Same, Same],
    ),
    a(
        "join",
        "{ let (a@, b@) = futures::join!(async { $0 }, async { $1 }); a@ ^ b@ }",
        &[Async, Async],
    ),
    a(
        "join_temp_output",
        "{ let (a@, b@) = futures::join!(async { TP(@) }, async { $0 }); a@.get() ^ b@ }",
        &[Async],
    ),
    a(
        "select",
        "futures::select_biased! { v@ = Box::pin(async { $0 }).fuse() => v@ ^ $1, }",
        &[Async, Same],
    ),
    t("local_macro", "twice!($0, $1)", &[Same, Same]),
    t("local_macro_prints", "shown!($0)", &[Same]),
];

/// Jumps to an enclosing loop's label from its body: `continue 'l` and `break 'l`.
pub const JUMPS: &[&str] = &[
    "(if cL >= 2 { continue 'lL; } else { $0 })",
    "(if cL >= 3 { break 'lL BV; } else { $0 })",
];
