//! Loops whose body is one expression without `;`, written on one line, stay clean under
//! `deny(warnings)`: the rewrite of a loop whose iterations cannot suspend adds no
//! `unused_braces` around the body, in every loop form, and no `unused_labels` on a label
//! the body names, and a labelled `for`'s iterator expression still outside the label.
#![deny(warnings, clippy::all)]

use coop_core::cooperative;

#[cooperative]
pub async fn for_body(v: &[u32]) -> u32 {
    let mut s = 0;
    for x in v { s += x }
    for x in v { if *x > 1 { s += x } }
    for x in v { if *x > 9 { continue } else { s += x } }
    s
}

#[cooperative]
pub async fn while_body(mut n: u32) -> u32 {
    while n < 5 { n += 1 }
    n
}

#[cooperative]
pub async fn while_let_body(mut v: Vec<u32>) -> u32 {
    let mut s = 0;
    while let Some(x) = v.pop() { s += x }
    s
}

#[cooperative]
pub async fn loop_body(mut n: u32) -> u32 {
    loop { if n > 5 { break } else { n += 1 } }
    n
}

/// Labels that only `continue` names, or only `break`, are used, as without the attribute.
#[cooperative]
pub async fn labels_used_by_one_jump(v: &[u32], mut n: u32) -> u32 {
    let mut s = 0;
    'skip: for x in v {
        if *x > 2 {
            continue 'skip;
        }
        s += x;
    }
    'stop: for x in v {
        if *x > 2 {
            break 'stop;
        }
        s += x;
    }
    'count: loop {
        n += 1;
        if n % 3 == 0 {
            continue 'count;
        }
        if n > 50 {
            break;
        }
    }
    s + n
}

/// A labelled `for` whose iterator expression jumps to the enclosing loop: the expression runs
/// outside the labelled loop, as without the attribute.
#[cooperative]
pub async fn jump_in_a_labelled_for_head(vs: &[Option<Vec<u32>>]) -> u32 {
    let mut s = 0;
    for o in vs {
        'inner: for x in match o {
            Some(v) => v,
            None => continue,
        } {
            if *x > 3 {
                break 'inner;
            }
            s += x;
        }
    }
    s
}

fn main() {
    let vs = [None, Some(vec![1, 5, 2])];
    assert_eq!(futures::executor::block_on(jump_in_a_labelled_for_head(&vs)), 1);
    assert_eq!(futures::executor::block_on(labels_used_by_one_jump(&[1, 3], 0)), 54);
    let v = [1, 2, 3];
    assert_eq!(futures::executor::block_on(for_body(&v)), 17);
    assert_eq!(futures::executor::block_on(while_body(0)), 5);
    assert_eq!(futures::executor::block_on(while_let_body(vec![1, 2])), 3);
    assert_eq!(futures::executor::block_on(loop_body(0)), 6);
}
