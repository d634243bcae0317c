//! Non-async fns whose bodies hold async blocks or async closures: a fn returning
//! `impl Future`, a boxed future, an async closure.
#![deny(warnings, clippy::all)]

use coop_core::cooperative;
use std::future::Future;
use std::pin::Pin;

#[cooperative]
pub fn returns_impl_future(items: Vec<u32>) -> impl Future<Output = u32> + Send {
    async move {
        let mut sum = 0;
        for item in items {
            sum += item;
        }
        sum
    }
}

#[cooperative]
pub fn returns_boxed<'a>(items: &'a [u32]) -> Pin<Box<dyn Future<Output = u32> + Send + 'a>> {
    Box::pin(async move {
        let mut sum = 0;
        for item in items {
            sum += item;
        }
        sum
    })
}

#[cooperative]
pub fn async_closure() -> u32 {
    let add = async |n: u32| {
        let mut sum = 0;
        for i in 0..n {
            sum += i;
        }
        sum
    };
    futures::executor::block_on(add(4))
}

fn main() {
    assert_eq!(
        futures::executor::block_on(returns_impl_future(vec![1, 2])),
        3
    );
    assert_eq!(futures::executor::block_on(returns_boxed(&[1, 2])), 3);
    assert_eq!(async_closure(), 6);
}
