//! An overloaded operator may return a value that is not `Send` (here an `Rc`): evaluated before
//! a loop in a later operand, it is alive while the loop runs, so the loop gets no yield point
//! and the future stays `Send`, as without the attribute; also with a literal on the other
//! side (`&a * 2`). Arithmetic on literals alone is a number.
#![deny(warnings)]

use std::ops::{Add, Neg};
use std::rc::Rc;

use coop_core::cooperative;

pub struct N;

impl Add for &N {
    type Output = Rc<u32>;
    fn add(self, _: &N) -> Rc<u32> {
        Rc::new(1)
    }
}

impl std::ops::Mul<u32> for &N {
    type Output = Rc<u32>;
    fn mul(self, by: u32) -> Rc<u32> {
        Rc::new(by)
    }
}

impl Neg for &N {
    type Output = Rc<u32>;
    fn neg(self) -> Rc<u32> {
        Rc::new(2)
    }
}

fn take(a: Rc<u32>, b: u32) -> u32 {
    *a + b
}

#[cooperative]
pub async fn sum(a: &N, b: &N, n: u32) -> u32 {
    take(a + b, {
        let mut i = 0;
        while i < n {
            i += 1;
        }
        i
    })
}

#[cooperative]
pub async fn negated(a: &N, n: u32) -> u32 {
    take(-a, {
        let mut i = 0;
        while i < n {
            i += 1;
        }
        i
    })
}

#[cooperative]
pub async fn scaled(a: &N, n: u32) -> u32 {
    take(a * 2, {
        let mut i = 0;
        while i < n {
            i += 1;
        }
        i
    })
}

#[cooperative]
pub async fn counted(n: u32) -> u32 {
    let mut i = 0;
    n + 1 + {
        while i < n {
            i += 1;
        }
        i
    }
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

fn main() {
    let a = N;
    let b = N;
    let _ = assert_send(sum(&a, &b, 3));
    let _ = assert_send(negated(&a, 3));
    let _ = assert_send(scaled(&a, 3));
    let _ = assert_send(counted(3));
}
