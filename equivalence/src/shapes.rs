//! Every loop form in every context, each written once (see `shape!`). The plain twin is the
//! reference: the annotated twin must return the same, panic the same, drop the same values in
//! the same order, and never let the other task find the shared state taken where the plain one
//! did not.

use std::error::Error;
use std::fmt::Display;

use crate::{shape, unconstrained_shape};

// ---- the loop forms, in an async fn body ----

shape!(for_over_a_range, yields, async fn(env) {
    let mut total = 0;
    for i in 0..300 {
        total += i;
    }
    total
});

shape!(plain_while, yields, async fn(env) {
    let mut n = 0;
    while n < 300 {
        n += 1;
    }
    n
});

shape!(loop_with_break_value, yields, async fn(env) {
    let mut n = 0;
    let found = loop {
        n += 3;
        if n > 500 {
            break n * 2;
        }
    };
    found + 1
});

shape!(labelled_continue_and_break, yields, async fn(env) {
    let mut total = 0;
    'outer: for i in 0..40 {
        let mut j = 0;
        while j < 10 {
            j += 1;
            if (i + j) % 3 == 0 {
                continue 'outer;
            }
            if i == 39 {
                break 'outer;
            }
            total += j;
        }
    }
    total
});

shape!(while_let_on_a_place, yields, async fn(env) {
    let mut items: Vec<u64> = (0..200).collect();
    let mut total = 0;
    while let Some(x) = items.pop() {
        total += x;
    }
    total
});

// ---- loops whose header borrows shared state ----

shape!(while_let_refcell_borrow_in_scrutinee, yields, async fn(env) {
    let mut total = 0;
    while let Some(x) = env.queue.borrow_mut().pop() {
        total += x;
    }
    total
});

shape!(while_let_mutex_guard_in_scrutinee, yields, async fn(env) {
    let mut total = 0;
    while let Some(x) = env.mutex.lock().expect("not poisoned").pop() {
        total += x;
    }
    total
});

shape!(while_let_with_labelled_continue, yields, async fn(env) {
    let mut total = 0;
    'drain: while let Some(x) = env.queue.borrow_mut().pop() {
        if x % 2 == 0 {
            continue 'drain;
        }
        total += x;
    }
    total
});

shape!(nested_loop_under_while_let_borrow, yields, async fn(env) {
    let mut total = 0;
    while let Some(x) = env.queue.borrow_mut().pop() {
        for i in 0..x % 4 {
            total += i;
        }
    }
    total
});

shape!(for_over_a_borrow, never_yields, async fn(env) {
    let mut total = 0;
    for x in env.queue.borrow().iter() {
        total += x;
    }
    total
});

shape!(for_over_a_guard, never_yields, async fn(env) {
    let mut total = 0;
    for x in env.mutex.lock().expect("not poisoned").iter() {
        total += x;
    }
    total
});

shape!(loop_in_match_arm_under_borrow, never_yields, async fn(env) {
    let mut total = 0;
    match env.queue.borrow_mut().pop() {
        Some(n) => {
            for i in 0..n {
                total += i;
            }
        }
        None => total = 1,
    }
    total
});

shape!(loop_in_if_let_under_guard, never_yields, async fn(env) {
    let mut total = 0;
    if let Some(n) = env.mutex.lock().expect("not poisoned").last() {
        for i in 0..*n {
            total += i;
        }
    }
    total
});

shape!(loop_after_a_borrow_in_the_same_statement, never_yields, async fn(env) {
    let total = env.queue.borrow().len() as u64 + {
        let mut n = 0;
        while n < 100 {
            n += 1;
        }
        n
    };
    total + 1
});

shape!(loop_after_a_block_whose_tail_borrows, never_yields, async fn(env) {
    let total = { env.queue.borrow().len() as u64 } + {
        let mut n = 0;
        while n < 100 {
            n += 1;
        }
        n
    };
    total + 1
});

shape!(loop_after_a_match_statement_on_a_borrow, yields, async fn(env) {
    let mut total = 0;
    match env.queue.borrow_mut().pop() {
        Some(n) => total += n,
        None => total += 1,
    }
    for i in 0..300 {
        total += i;
    }
    total
});

shape!(loop_in_match_on_a_place, yields, async fn(env) {
    let mut total = 0;
    match env.count {
        0 => total = 1,
        n => {
            for i in 0..n * 30 {
                total += i;
            }
        }
    }
    total
});

// ---- guards reached through methods, macros, arguments, `let` and items ----

shape!(take_through_a_borrow, never_yields, async fn(env) {
    let mut total = 0;
    if let Some(batch) = env.slot.borrow_mut().take() {
        for x in batch {
            total += x;
        }
    }
    total
});

shape!(unwrap_or_through_a_guard, never_yields, async fn(env) {
    let mut total = 0;
    for i in 0..env.limit.lock().expect("not poisoned").unwrap_or(10) {
        total += i;
    }
    total
});

macro_rules! queue_len {
    ($cell:expr) => {
        $cell.borrow().len() as u64
    };
}

shape!(user_macro_in_a_header, never_yields, async fn(env) {
    let mut total = 0;
    for i in 0..queue_len!(env.queue) {
        total += i;
    }
    total
});

shape!(std_macro_operand_borrows, never_yields, async fn(env) {
    let mut total = 0;
    #[allow(clippy::useless_vec)]
    for n in vec![env.queue.borrow().len() as u64] {
        for i in 0..n {
            total += i;
        }
    }
    total
});

shape!(let_extends_a_borrow, never_yields, async fn(env) {
    let items = &*env.queue.borrow();
    let mut total = 0;
    for x in items {
        total += x;
    }
    total
});

shape!(guard_passed_before_a_loop_argument, never_yields, async fn(env) {
    fn both(guard: &mut [u64], n: u64) -> u64 {
        guard.len() as u64 + n
    }
    both(&mut env.queue.borrow_mut(), {
        let mut n = 0;
        while n < 300 {
            n += 1;
        }
        n
    })
});

shape!(guard_in_a_tuple_before_a_block, never_yields, async fn(env) {
    let (guard, total) = (env.queue.borrow_mut(), {
        let mut total = 0;
        for i in 0..300 {
            total += i;
        }
        total
    });
    total + guard.len() as u64
});

shape!(items_alive_through_the_body, never_yields, async fn(env) {
    let mut total = 0;
    for _ in (0..300).map(|_| env.queue.borrow_mut()) {
        total += 1;
    }
    total
});

shape!(loop_after_a_place_argument_yields, yields, async fn(env) {
    fn add(a: u64, b: u64) -> u64 {
        a + b
    }
    add(env.count, {
        let mut n = 0;
        while n < 300 {
            n += 1;
        }
        n
    })
});

shape!(struct_pattern_rest_leaves_a_field_alive, never_yields, async fn(env) {
    struct Batch<'a> {
        len: u64,
        _guard: std::cell::Ref<'a, Vec<u64>>,
    }
    let make = || Batch {
        len: 300,
        _guard: env.queue.borrow(),
    };
    let mut total = 0;
    if let Batch { len: 300, .. } = make() {
        for i in 0..300 {
            total += i;
        }
    }
    total
});

shape!(ref_binding_extends_the_borrow, never_yields, async fn(env) {
    let (ref items, offset) = (env.queue.borrow(), 1u64);
    let mut total = offset;
    for x in items.iter() {
        total += x;
    }
    total
});

shape!(constructor_extends_the_borrow, never_yields, async fn(env) {
    let items = Some(&*env.queue.borrow());
    let mut total = 0;
    for x in items.into_iter().flatten() {
        total += x;
    }
    total
});

shape!(if_branch_extends_the_borrow, never_yields, async fn(env) {
    let empty = Vec::new();
    let items = if env.count > 3 {
        &*env.queue.borrow()
    } else {
        &empty
    };
    let mut total = 0;
    for x in items {
        total += x;
    }
    total
});

// ---- common loops that must still yield ----

shape!(adapters_over_an_owned_iterator_yield, yields, async fn(env) {
    let items: Vec<u64> = (0..300).collect();
    let mut total = 0;
    for x in items.into_iter().map(|x| x * 2).rev() {
        total += x;
    }
    total
});

shape!(copied_then_filtered_yields, yields, async fn(env) {
    let items: Vec<u64> = (0..300).collect();
    let mut total = 0;
    for x in items.iter().copied().filter(|x| x % 3 != 0) {
        total += x;
    }
    total
});

shape!(loop_after_a_borrowed_format_yields, yields, async fn(env) {
    let name = &format!("batch {}", env.count);
    let mut total = name.len() as u64;
    for i in 0..300 {
        total += i;
    }
    total
});

shape!(loop_after_a_borrow_in_an_if_condition_yields, yields, async fn(env) {
    let mut total = 0;
    if env.queue.borrow().len() > 3 {
        for i in 0..300 {
            total += i;
        }
    }
    total
});

shape!(loop_after_a_borrow_in_a_match_guard_yields, yields, async fn(env) {
    let mut total = 0;
    match env.count {
        n if env.queue.borrow().len() as u64 > n => {
            for i in 0..300 {
                total += i;
            }
        }
        _ => total = 1,
    }
    total
});

// ---- contexts ----

shape!(loop_in_async_block, yields, async fn(env) {
    let inner = async {
        let mut total = 0;
        for i in 0..300 {
            total += i;
        }
        total
    };
    inner.await + 1
});

shape!(loop_in_async_closure, yields, async fn(env) {
    let sum = async |n: u64| {
        let mut total = 0;
        for i in 0..n {
            total += i;
        }
        total
    };
    sum(300).await
});

shape!(loop_in_sync_closure_untouched, never_yields, async fn(env) {
    let sum = |n: u64| {
        let mut total = 0;
        for i in 0..n {
            total += i;
        }
        total
    };
    sum(300)
});

// ---- macro calls: operands run where the call stands, select!/join! in the future ----

shape!(loop_in_vec_operand, yields, async fn(env) {
    let mut totals = vec![1, {
        let mut total = 0;
        for i in 0..300 {
            total += i;
        }
        total
    }];
    totals.push(2);
    totals.iter().sum()
});

shape!(loop_in_format_argument, yields, async fn(env) {
    let text = format!("{}", {
        let mut n = 0u64;
        while n < 300 {
            n += 1;
        }
        n
    });
    text.parse::<u64>().unwrap_or_default()
});

shape!(loop_in_join_operand, yields, async fn(env) {
    let (a, b) = futures::join!(
        futures::future::ready({
            let mut total = 0;
            for i in 0..300 {
                total += i;
            }
            total
        }),
        futures::future::ready(1u64)
    );
    a + b
});

shape!(loop_in_select_handler, yields, async fn(env) {
    let mut ready = futures::future::ready(2u64);
    futures::select! {
        start = ready => {
            let mut total = start;
            for i in 0..300 {
                total += i;
            }
            total
        },
        complete => 0,
    }
});

shape!(loop_in_unknown_macro_untouched, never_yields, async fn(env) {
    macro_rules! counted {
        ($($body:tt)*) => {{ $($body)* }};
    }
    counted! {
        let mut n = 0u64;
        while n < 300 {
            n += 1;
        }
        n
    }
});

shape!(loop_in_labelled_block, yields, async fn(env) {
    let mut total = 0;
    'block: {
        for i in 0..300 {
            if i == 250 {
                break 'block;
            }
            total += i;
        }
        total = 0;
    }
    total
});

shape!(loop_after_let_else, yields, async fn(env) {
    let Some(limit) = env.queue.borrow().last().copied() else {
        return 0;
    };
    let mut total = 0;
    for i in 0..limit {
        total += i;
    }
    total
});

shape!(loop_in_const_positions_untouched, yields, async fn(env) {
    const fn pick<const N: usize>() -> usize {
        N
    }
    let lengths = [0u8; {
        let mut n = 0;
        while n < 4 {
            n += 1;
        }
        n
    }];
    let typed: [u8; {
        let mut n = 0;
        loop {
            n += 1;
            if n == 2 {
                break n;
            }
        }
    }] = [1; 2];
    let picked = pick::<{
        let mut n = 0;
        while n < 5 {
            n += 1;
        }
        n
    }>();
    let const_block = const {
        let mut n = 0;
        while n < 6 {
            n += 1;
        }
        n
    };
    let mut total = 0;
    for i in 0..200 {
        total += i;
    }
    total + (lengths.len() + typed.len() + picked + const_block) as u64
});

shape!(try_operator_in_loop, yields, async fn(env) {
    let parse = async |input: &[u64]| -> Result<u64, String> {
        let mut total = 0;
        for x in input {
            if *x == 299 {
                return Err(format!("bad {x}"));
            }
            total += u64::from(*x == 7).max(1);
            u32::try_from(total).map_err(|e| e.to_string())?;
        }
        Ok(total)
    };
    let items: Vec<u64> = (0..300).collect();
    match parse(&items).await {
        Ok(n) => n,
        Err(message) => message.len() as u64,
    }
});

shape!(panics_in_the_same_place, yields, async fn(env) {
    let mut total = 0;
    for i in 0..300 {
        assert!(i != 250, "boom at {i}");
        total += i;
    }
    total
});

// ---- drop order ----

shape!(drops_inside_loops, yields, async fn(env) {
    let _outer = Noisy("before the loop");
    let mut total = 0;
    for i in 0..3 {
        let _a = Noisy("a");
        let mut j = 0;
        while j < 2 {
            let _b = Noisy("b");
            j += 1;
        }
        total += i;
    }
    let _after = Noisy("after the loop");
    total
});

// Items built at each `next()` (a `Noisy` dropped there marks the call), bound by patterns
// that move nothing out of them: each item drops at the end of its iteration, before the next
// `next()`, as in the `for` rustc lowers.
shape!(for_items_drop_before_the_next_one_is_fetched, yields, async fn(env) {
    let items = |n: u64| {
        (0..n).map(|k| {
            drop(Noisy("next"));
            Noisy(if k % 2 == 0 { "even item" } else { "odd item" })
        })
    };
    let mut total = 0;
    for Noisy(name) in items(300) {
        total += u64::try_from(name.len()).unwrap_or(0);
    }
    for _ in items(300) {
        total += 1;
    }
    for (Noisy(name), _) in items(300).zip(items(300)) {
        let _body = Noisy(name);
        total += 1;
    }
    total
});

shape!(while_let_scrutinee_temporaries_drop_where_they_did, yields, async fn(env) {
    let mut n = 0;
    while let Some(name) = Some(Noisy("scrutinee")).filter(|_| n < 3).map(|noisy| noisy.name()) {
        let _body = Noisy(name);
        n += 1;
    }
    n
});

shape!(break_value_drops, yields, async fn(env) {
    let mut n = 0;
    let kept = loop {
        n += 1;
        let candidate = Noisy(if n == 3 { "kept" } else { "candidate" });
        let _dropped = Noisy("dropped");
        if n == 3 {
            break candidate;
        }
    };
    u64::from(kept.name() == "kept")
});

// ---- lints: plain and annotated twins compile under deny(warnings, clippy::pedantic) ----

shape!(user_expect_on_a_loop, yields, async fn(env) {
    let items = [1u64, 2, 3];
    let mut total = 0;
    #[expect(clippy::needless_range_loop)]
    for i in 0..items.len() {
        total += items[i];
    }
    total
});

shape!(user_allow_on_a_while_let, yields, async fn(env) {
    let mut total = 0;
    let mut items = vec![1u64, 2, 3];
    #[allow(clippy::while_let_loop)]
    loop {
        let Some(x) = items.pop() else { break };
        total += x;
    }
    total
});

// ---- #[unconstrained] on async fns: parameters drop as they did ----

unconstrained_shape!(
    parameters_drop_in_order,
    (x: Noisy, _permit: Noisy),
    (Noisy("x"), Noisy("permit")),
    {
        u64::from(x.name() == "x")
    }
);

unconstrained_shape!(
    unused_and_pattern_parameters_drop_in_order,
    (first: Noisy, _: Noisy, (a, _b): (Noisy, Noisy), mut last: u64),
    (Noisy("first"), Noisy("wild"), (Noisy("a"), Noisy("b")), 4),
    {
        last += 1;
        let _local = Noisy("local");
        u64::from(first.name() == "first") + u64::from(a.name() == "a") + last
    }
);

unconstrained_shape!(
    one_line_body,
    (x: u64),
    (41),
    { x + 1 }
);

unconstrained_shape!(
    impl_trait_return,
    (x: u64),
    (41),
    -> impl Into<u64>,
    |out| out.into(),
    { x + 1 }
);

unconstrained_shape!(
    impl_trait_inside_a_result_coerces_at_return,
    (fail: bool),
    (true),
    -> Result<impl Display, Box<dyn Error>>,
    |out| out.map_or_else(|e| e.to_string().len() as u64, |v| v.to_string().len() as u64),
    {
        if fail {
            return Err(Box::new(std::fmt::Error));
        }
        Ok(7)
    }
);

unconstrained_shape!(
    unit_body_one_call,
    (x: Noisy),
    (Noisy("x")),
    -> (),
    |out| { let () = out; 0 },
    { drop(x) }
);

unconstrained_shape!(
    result_unit_one_line,
    (x: u64),
    (3),
    -> Result<(), String>,
    |out| u64::from(out.is_ok()),
    { if x > 2 { Ok(()) } else { Err(String::new()) } }
);

unconstrained_shape!(
    tail_temporaries_drop_as_the_edition_says,
    (x: Noisy),
    (Noisy("x")),
    {
        let _local = Noisy("local");
        Noisy("temporary").name().len() as u64 + u64::from(x.name() == "x")
    }
);

unconstrained_shape!(
    parameter_attributes_stay_with_their_binding,
    (#[cfg(any())] removed: u64, #[allow(unused_variables)] unused: u64, #[allow(unused_mut)] mut kept: u64),
    (1, 2),
    { kept }
);

shape!(clippy_sees_the_loops_as_written, yields, async fn(env) {
    let source = [1u64, 2, 3];
    let mut copy = [0u64; 3];
    #[expect(clippy::manual_memcpy)]
    for i in 0..source.len() {
        copy[i] = source[i];
    }
    let mut total = 0;
    #[expect(clippy::single_element_loop)]
    for x in [5u64] {
        total += x;
    }
    let mut items = vec![1u64, 2, 3];
    #[expect(clippy::manual_while_let_some)]
    while !items.is_empty() {
        let item = items.pop().unwrap();
        total += item;
    }
    total + copy.iter().sum::<u64>()
});
