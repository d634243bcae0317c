//! `#[unconstrained]` on every shape: async fn with receivers, impl and trait blocks, sync fns
//! with async blocks and async closures, `impl Trait` returns.
#![deny(warnings, clippy::all)]

use coop_core::unconstrained;
use std::fmt::Display;
use std::future::Future;

pub struct Parser {
    input: Vec<u8>,
}

impl Parser {
    #[unconstrained]
    pub async fn parse(&self) -> Result<u32, std::num::ParseIntError> {
        let text = String::from_utf8_lossy(&self.input);
        let n: u32 = text.trim().parse()?;
        Ok(n)
    }

    #[unconstrained]
    pub async fn take(self) -> Vec<u8> {
        self.input
    }

    #[unconstrained]
    pub async fn push(&mut self, byte: u8) -> &mut Self {
        self.input.push(byte);
        self
    }

    #[unconstrained]
    pub async fn label(&self) -> impl Display + '_ {
        String::from_utf8_lossy(&self.input)
    }
}

#[unconstrained]
impl Parser {
    pub async fn len_async(&self) -> usize {
        self.input.len()
    }
}

#[unconstrained]
trait Source {
    async fn produce(&self) -> u32 {
        let mut n = 0;
        for _ in 0..3 {
            n += 1;
        }
        n
    }
}

impl Source for Parser {}

#[unconstrained]
pub fn returns_future(n: u32) -> impl Future<Output = u32> + Send {
    async move { n * 2 }
}

#[unconstrained]
pub fn with_async_closure() -> u32 {
    let double = async |n: u32| n * 2;
    futures::executor::block_on(double(21))
}

fn main() {
    futures::executor::block_on(async {
        let mut parser = Parser {
            input: b"4".to_vec(),
        };
        assert_eq!(parser.parse().await, Ok(4));
        parser.push(b'2').await;
        assert_eq!(parser.label().await.to_string(), "42");
        assert_eq!(parser.len_async().await, 2);
        assert_eq!(parser.produce().await, 3);
        assert_eq!(parser.take().await, b"42".to_vec());
        assert_eq!(returns_future(2).await, 4);
    });
    assert_eq!(with_async_closure(), 42);
}
