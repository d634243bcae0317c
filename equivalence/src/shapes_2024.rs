//! Shapes only edition 2024 can write: let-chains.

use crate::shape;

shape!(while_let_chain_with_borrow_in_scrutinee, yields, async fn(env) {
    let mut total = 0;
    while let Some(x) = env.queue.borrow_mut().pop()
        && x > 10
    {
        total += x;
    }
    total
});

shape!(loop_under_if_let_chain_borrow, never_yields, async fn(env) {
    let mut total = 0;
    if let Some(n) = env.queue.borrow().last()
        && *n > 3
    {
        for i in 0..*n {
            total += i;
        }
    }
    total
});
