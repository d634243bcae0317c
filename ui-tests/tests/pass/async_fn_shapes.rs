//! Free async fns: every loop kind, labels, `continue 'label`, `break` values, `?`, `return`,
//! generics, where clauses, lifetimes and `impl Trait` in arguments and return.
#![deny(warnings, clippy::all)]

use coop_core::cooperative;
use std::fmt::Display;

#[derive(Debug)]
pub struct Error;

#[cooperative]
pub async fn every_loop_kind(items: Vec<u32>) -> Result<u32, Error> {
    let mut total = 0;
    for item in items {
        total += item;
    }
    while total < 10 {
        total += 1;
    }
    let mut stack = vec![1, 2, 3];
    while let Some(x) = stack.pop() {
        total += x;
    }
    let last = 'outer: loop {
        for i in 0..3 {
            if i == 1 {
                continue 'outer;
            }
            if total > 0 {
                break 'outer total;
            }
        }
    };
    if last == 0 {
        return Err(Error);
    }
    let parsed: u32 = "7".parse().map_err(|_| Error)?;
    Ok(last + parsed)
}

/// Docs and attributes stay.
#[cooperative]
#[inline]
pub(crate) async fn generics<'a, T, U>(
    items: &'a [T],
    extra: impl IntoIterator<Item = U>,
) -> impl Display + 'a
where
    T: Display + Sync,
    U: Into<u64>,
{
    let mut sum = 0u64;
    for u in extra {
        sum += u.into();
    }
    let mut longest = &items[0];
    for item in items {
        if item.to_string().len() > longest.to_string().len() {
            longest = item;
        }
    }
    let _ = sum;
    longest
}

#[cooperative]
async fn return_type_inference_with_question_mark() -> Result<Vec<u8>, std::num::ParseIntError> {
    let mut out = Vec::new();
    for s in ["1", "2"] {
        out.push(s.parse()?);
    }
    Ok(out)
}

#[cooperative]
async fn unconstrained_loops(n: u32) -> u32 {
    let mut acc = 0;
    #[unconstrained]
    for i in 0..n {
        #[coop_core::unconstrained]
        loop {
            acc += i;
            break;
        }
    }
    acc
}

fn assert_send<T: Send>(_: &T) {}

fn main() {
    let fut = every_loop_kind(vec![1, 2]);
    assert_send(&fut);
    let items = [1, 2];
    assert_send(&generics(&items, [1u8]));
    assert_send(&return_type_inference_with_question_mark());
    assert_send(&unconstrained_loops(3));
    futures::executor::block_on(async {
        every_loop_kind(vec![1]).await.unwrap();
        return_type_inference_with_question_mark().await.unwrap();
        unconstrained_loops(2).await;
    });
}
