//! `for` loops whose pattern leaves part of each item unnamed (`_`, `..`, `ref`), over an
//! iterator lent to the loop (`&mut it`): the unnamed part lives through the body, so the loop
//! gets no yield point, and the items drop where they did, before the next one is fetched.

use crate::shape;

shape!(guards_of_a_lent_iterator_alive_through_the_body, never_yields, async fn(env) {
    let mut guards = (0..300u64).map(|n| (env.queue.borrow_mut(), n));
    let mut total = 0;
    for (_, n) in &mut guards {
        total += n;
    }
    total
});

shape!(items_of_a_lent_iterator_drop_before_the_next_is_fetched, never_yields, async fn(env) {
    let mut items = (0..300u64).map(|n| {
        drop(Noisy("fetched"));
        (Noisy("item"), n)
    });
    let mut total = 0;
    for (_, n) in &mut items {
        total += n;
    }
    total
});
