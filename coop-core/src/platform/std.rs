//! With `std`: the budget is a thread-local, counters are atomics, the clock is `Instant`.

use core::cell::Cell;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::time::Duration;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Instant;

/// A thread-local `Cell` without a destructor, so that it stays readable during thread-local
/// teardown (`try_with` fails only once it is gone).
macro_rules! local {
    ($($(#[$meta:meta])* static $name:ident: $t:ty = $init:expr;)*) => {
        ::std::thread_local! {
            $($(#[$meta])* static $name: ::core::cell::Cell<$t> = const {
                ::core::cell::Cell::new($init)
            };)*
        }
    };
}
pub(crate) use local;

/// A thread-local whose value is made of `Cell`s, read and written in place, field by field
/// (`try_with(|value: &T| ..)`); without a destructor, like `local!`'s.
macro_rules! local_cells {
    ($($(#[$meta:meta])* static $name:ident: $t:ty = $init:expr;)*) => {
        ::std::thread_local! {
            $($(#[$meta])* static $name: $t = const { $init };)*
        }
    };
}
pub(crate) use local_cells;

/// The fast path's counter is a thread-local like any other: a `Cell` read and written in place.
pub(crate) use local as fast_local;

/// What `fast_local!` holds.
pub(crate) type FastCell<T> = Cell<T>;

/// How a fast value fits in one 32-bit word. Only the build without `std` stores it so; here a
/// `Cell` holds the value itself.
#[allow(dead_code)]
pub(crate) trait Packed: Copy {
    fn pack(self) -> u32;
    fn unpack(word: u32) -> Self;
}

/// A process-wide `u64`: a counter, or a value read whole.
#[derive(Debug)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    pub(crate) const fn new(value: u64) -> Counter {
        Counter(AtomicU64::new(value))
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn set(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed);
    }

    pub(crate) fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn max(&self, value: u64) {
        // A read first: most values are not a new maximum, and a read-modify-write is not free.
        if value > self.0.load(Ordering::Relaxed) {
            self.0.fetch_max(value, Ordering::Relaxed);
        }
    }
}

/// A flag that is set once.
#[derive(Debug)]
pub(crate) struct Flag(AtomicBool);

impl Flag {
    pub(crate) const fn new() -> Flag {
        Flag(AtomicBool::new(false))
    }

    /// Sets the flag; `true` for the one call that found it unset.
    pub(crate) fn set_first(&self) -> bool {
        !self.0.load(Ordering::Relaxed) && !self.0.swap(true, Ordering::AcqRel)
    }
}

/// A `Copy` value set once; reading it takes no lock.
#[derive(Debug)]
pub(crate) struct Once<T>(OnceLock<T>);

impl<T: Copy> Once<T> {
    pub(crate) const fn new() -> Once<T> {
        Once(OnceLock::new())
    }

    pub(crate) fn get(&self) -> Option<T> {
        self.0.get().copied()
    }

    /// `Err` gives back a value that came after another.
    pub(crate) fn set(&self, value: T) -> Result<(), T> {
        self.0.set(value)
    }

    pub(crate) fn get_or_init(&self, init: impl FnOnce() -> T) -> T {
        *self.0.get_or_init(init)
    }
}

/// A value behind a lock, for the slow path.
#[derive(Debug)]
pub(crate) struct Guarded<T>(Mutex<T>);

impl<T> Guarded<T> {
    pub(crate) const fn new(value: T) -> Guarded<T> {
        Guarded(Mutex::new(value))
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // A panic inside `f` leaves a valid value: every `f` here only reads or appends.
        let mut guard: MutexGuard<'_, T> = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }
}

/// A list the slow path appends to; unbounded with `std`.
#[derive(Debug)]
pub(crate) struct List<T>(Vec<T>);

impl<T: Copy> List<T> {
    pub(crate) const fn new() -> List<T> {
        List(Vec::new())
    }

    /// Appends `item`; `false` if the list is full (never, here).
    pub(crate) fn push(&mut self, item: T) -> bool {
        self.0.push(item);
        true
    }

    pub(crate) fn get(&self, index: usize) -> Option<T> {
        self.0.get(index).copied()
    }
}

/// How many distinct hand-written yield points can have a site.
pub(crate) const CALLER_SITES: usize = 1024;

/// The time since this process first read it.
pub(crate) fn default_clock() -> Option<Duration> {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    Some(EPOCH.get_or_init(Instant::now).elapsed())
}
