//! Labelled loops whose iterations cannot suspend (the rewrite moves their label), and
//! one-line bodies: `break 'label value`, `continue 'label` and unlabelled jumps go where they
//! went, and the values each iteration owns drop in the same order.

use crate::shape;

shape!(labelled_loop_breaks_with_a_value, yields, async fn(env) {
    let mut n = 0u64;
    let mut skipped = 0;
    let found = 'search: loop {
        n += 1;
        let _item = Noisy("loop item");
        if n.is_multiple_of(7) {
            skipped += 1;
            continue 'search;
        }
        if n > 400 {
            break 'search n * 2;
        }
    };
    found + skipped
});

shape!(labelled_loop_left_by_an_unlabelled_break, yields, async fn(env) {
    let mut n = 0u64;
    let found = 'outer: loop {
        n += 1;
        if n == 1000 {
            break 'outer 1;
        }
        if n > 300 {
            break n;
        }
    };
    found + n
});

shape!(labelled_for_continues_and_breaks, yields, async fn(env) {
    let mut total = 0;
    'items: for i in 0..500u64 {
        let _item = Noisy("for item");
        if i.is_multiple_of(5) {
            continue 'items;
        }
        if i == 400 {
            break 'items;
        }
        total += i;
    }
    total
});

shape!(labelled_while_breaks, yields, async fn(env) {
    let mut n = 0u64;
    'count: while n < 1000 {
        n += 1;
        if n == 300 {
            break 'count;
        }
    }
    n
});

shape!(labelled_while_let_continues, yields, async fn(env) {
    let mut items: Vec<u64> = (0..300).collect();
    let mut total = 0;
    'drain: while let Some(x) = items.pop() {
        if x.is_multiple_of(2) {
            continue 'drain;
        }
        total += x;
    }
    total
});

shape!(labelled_loop_continues_by_name_only, yields, async fn(env) {
    let mut n = 0u64;
    let mut total = 0;
    'count: loop {
        n += 1;
        let _item = Noisy("loop item");
        if n.is_multiple_of(3) {
            continue 'count;
        }
        if n > 400 {
            break;
        }
        total += n;
    }
    total
});

shape!(labelled_for_continues_both_ways, yields, async fn(env) {
    let mut total = 0;
    'items: for i in 0..500u64 {
        let _item = Noisy("for item");
        if i.is_multiple_of(5) {
            continue 'items;
        }
        if i.is_multiple_of(7) {
            continue;
        }
        total += i;
    }
    total
});

#[rustfmt::skip]
shape!(one_line_bodies, yields, async fn(env) {
    let mut total = 0;
    for i in 0..300u64 { total += i }
    let mut n = 0u64;
    while n < 300 { n += 1 }
    loop { n = match n { 0..=600 => n + 1, _ => break } }
    total + n
});
