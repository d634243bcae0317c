//! Methods with every receiver, trait impl methods, trait default methods, and attributes on
//! whole `impl` and `trait` blocks.
#![deny(warnings, clippy::all)]

use coop_core::cooperative;

pub struct Counter {
    count: u32,
}

impl Counter {
    #[cooperative]
    pub async fn by_ref(&self) -> u32 {
        let mut n = 0;
        while n < self.count {
            n += 1;
        }
        n
    }

    #[cooperative]
    pub async fn by_mut(&mut self) {
        for _ in 0..3 {
            self.count += 1;
        }
    }

    #[cooperative]
    pub async fn by_value(self) -> Self {
        loop {
            break self;
        }
    }

    #[cooperative]
    pub async fn new_with() -> Self {
        let count = loop {
            break 3;
        };
        Self { count }
    }
}

trait Source {
    async fn next(&mut self) -> Option<u32>;

    #[cooperative]
    async fn sum(&mut self) -> u32 {
        let mut total = 0;
        while let Some(x) = self.next().await {
            total += x;
        }
        total
    }
}

impl Source for Counter {
    #[cooperative]
    async fn next(&mut self) -> Option<u32> {
        for _ in 0..1 {
            self.count = self.count.checked_sub(1)?;
        }
        Some(self.count)
    }
}

pub struct Worker<T> {
    items: Vec<T>,
}

#[cooperative]
impl<T: Clone + Send> Worker<T>
where
    T: Sync,
{
    pub const LIMIT: usize = 4;

    pub async fn drain(&mut self) -> Vec<T> {
        let mut out = Vec::new();
        while let Some(item) = self.items.pop() {
            out.push(item);
        }
        out
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub const fn limit() -> usize {
        Self::LIMIT
    }
}

#[cooperative]
trait Drain {
    fn items(&mut self) -> &mut Vec<u32>;

    async fn drain_all(&mut self) -> u32 {
        let mut total = 0;
        while let Some(x) = self.items().pop() {
            total += x;
        }
        total
    }
}

impl Drain for Worker<u32> {
    fn items(&mut self) -> &mut Vec<u32> {
        &mut self.items
    }
}

fn main() {
    futures::executor::block_on(async {
        let mut counter = Counter::new_with().await;
        counter.by_mut().await;
        assert_eq!(counter.by_ref().await, 6);
        assert_eq!(counter.sum().await, 15);
        let mut counter = counter.by_value().await;
        assert_eq!(counter.next().await, None);
        let mut worker = Worker {
            items: vec![1, 2, 3],
        };
        assert_eq!(worker.len(), 3);
        assert!(!worker.is_empty());
        assert_eq!(Worker::<u32>::limit(), 4);
        assert_eq!(worker.drain_all().await, 6);
        assert_eq!(worker.drain().await, Vec::<u32>::new());
    });
}
