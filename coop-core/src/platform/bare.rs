//! Without `std`: one budget per program, a relaxed atomic word for the fast path and
//! `critical-section` for the rest, no default clock.
//!
//! The program must link a `critical-section` implementation (embassy's executors and the
//! usual HAL crates provide one). Only the slow path takes a critical section: the fast path is
//! a relaxed load and a relaxed store of one `AtomicU32`, which every target with 32-bit atomic
//! loads and stores has, compare-and-swap or not.

use core::cell::{Cell, RefCell};
use core::convert::Infallible;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;

use critical_section::Mutex;

/// A program-wide `Cell`, reached inside a critical section. `try_with` never fails; it has
/// the signature of a thread-local's so that its callers need not know which they have.
pub(crate) struct Local<T>(Mutex<Cell<T>>);

impl<T> Local<T> {
    pub(crate) const fn new(value: T) -> Local<T> {
        Local(Mutex::new(Cell::new(value)))
    }

    #[inline]
    pub(crate) fn try_with<R>(
        &'static self,
        f: impl FnOnce(&Cell<T>) -> R,
    ) -> Result<R, Infallible> {
        Ok(critical_section::with(|cs| f(self.0.borrow(cs))))
    }
}

macro_rules! local {
    ($($(#[$meta:meta])* static $name:ident: $t:ty = $init:expr;)*) => {
        $($(#[$meta])* static $name: $crate::platform::home::Local<$t> =
            $crate::platform::home::Local::new($init);)*
    };
}
pub(crate) use local;

/// A program-wide value made of `Cell`s, reached inside a critical section and read and written
/// there in place, field by field. `try_with` never fails, as [`Local`]'s.
pub(crate) struct Cells<T>(Mutex<T>);

impl<T> Cells<T> {
    pub(crate) const fn new(value: T) -> Cells<T> {
        Cells(Mutex::new(value))
    }

    #[inline]
    pub(crate) fn try_with<R>(&'static self, f: impl FnOnce(&T) -> R) -> Result<R, Infallible> {
        Ok(critical_section::with(|cs| f(self.0.borrow(cs))))
    }
}

macro_rules! local_cells {
    ($($(#[$meta:meta])* static $name:ident: $t:ty = $init:expr;)*) => {
        $($(#[$meta])* static $name: $crate::platform::home::Cells<$t> =
            $crate::platform::home::Cells::new($init);)*
    };
}
pub(crate) use local_cells;

/// How a fast value fits in one 32-bit word, so that one atomic load reads it whole.
pub(crate) trait Packed: Copy {
    fn pack(self) -> u32;
    fn unpack(word: u32) -> Self;
}

/// The fast path's counter: one word, read and written with relaxed loads and stores.
///
/// A load and a store, not an atomic read-modify-write: an interrupt between them that runs
/// coop code inside a scope restores the word before it returns, so the store writes what the
/// preempted code would have written anyway.
pub(crate) struct FastCell<T>(AtomicU32, PhantomData<T>);

impl<T: Packed> FastCell<T> {
    pub(crate) const fn new(word: u32) -> FastCell<T> {
        FastCell(AtomicU32::new(word), PhantomData)
    }

    #[inline(always)]
    pub(crate) fn get(&self) -> T {
        T::unpack(self.0.load(Ordering::Relaxed))
    }

    #[inline(always)]
    pub(crate) fn set(&self, value: T) {
        self.0.store(value.pack(), Ordering::Relaxed);
    }
}

/// The program's fast counter: `try_with` never fails, and takes no critical section.
pub(crate) struct Fast<T>(FastCell<T>);

impl<T: Packed> Fast<T> {
    pub(crate) const fn new(word: u32) -> Fast<T> {
        Fast(FastCell::new(word))
    }

    #[inline(always)]
    pub(crate) fn try_with<R>(
        &'static self,
        f: impl FnOnce(&FastCell<T>) -> R,
    ) -> Result<R, Infallible> {
        Ok(f(&self.0))
    }
}

/// `$t` has an inherent `const fn packed(self) -> u32` beside its [`Packed`] impl: a trait
/// method cannot be `const`, and a `static` needs its initial word at compile time.
macro_rules! fast_local {
    ($(#[$meta:meta])* static $name:ident: $t:ty = $init:expr;) => {
        $(#[$meta])* static $name: $crate::platform::home::Fast<$t> =
            $crate::platform::home::Fast::new(<$t>::packed($init));
    };
}
pub(crate) use fast_local;

/// A program-wide `u64`: a counter, or a value read whole. Read and written on the slow path only, so a critical section is
/// cheap enough, and it needs no 64-bit atomics (`thumbv7em` has none).
#[derive(Debug)]
pub(crate) struct Counter(Mutex<Cell<u64>>);

impl Counter {
    pub(crate) const fn new(value: u64) -> Counter {
        Counter(Mutex::new(Cell::new(value)))
    }

    fn update(&self, f: impl FnOnce(u64) -> u64) {
        critical_section::with(|cs| {
            let cell = self.0.borrow(cs);
            cell.set(f(cell.get()));
        });
    }

    pub(crate) fn get(&self) -> u64 {
        critical_section::with(|cs| self.0.borrow(cs).get())
    }

    pub(crate) fn set(&self, value: u64) {
        self.update(|_| value);
    }

    pub(crate) fn add(&self, n: u64) {
        self.update(|count| count.wrapping_add(n));
    }

    pub(crate) fn max(&self, value: u64) {
        self.update(|count| count.max(value));
    }
}

/// A flag that is set once.
#[derive(Debug)]
pub(crate) struct Flag(Mutex<Cell<bool>>);

impl Flag {
    pub(crate) const fn new() -> Flag {
        Flag(Mutex::new(Cell::new(false)))
    }

    /// Sets the flag; `true` for the one call that found it unset.
    pub(crate) fn set_first(&self) -> bool {
        critical_section::with(|cs| !self.0.borrow(cs).replace(true))
    }
}

/// A `Copy` value set once.
pub(crate) struct Once<T>(Mutex<Cell<Option<T>>>);

impl<T: Copy> Once<T> {
    pub(crate) const fn new() -> Once<T> {
        Once(Mutex::new(Cell::new(None)))
    }

    pub(crate) fn get(&self) -> Option<T> {
        critical_section::with(|cs| self.0.borrow(cs).get())
    }

    /// `Err` gives back a value that came after another.
    pub(crate) fn set(&self, value: T) -> Result<(), T> {
        critical_section::with(|cs| {
            let cell = self.0.borrow(cs);
            match cell.get() {
                Some(_) => Err(value),
                None => {
                    cell.set(Some(value));
                    Ok(())
                }
            }
        })
    }

    pub(crate) fn get_or_init(&self, init: impl FnOnce() -> T) -> T {
        critical_section::with(|cs| {
            let cell = self.0.borrow(cs);
            cell.get().unwrap_or_else(|| {
                let value = init();
                cell.set(Some(value));
                value
            })
        })
    }
}

/// A value behind a critical section, for the slow path. `f` must not reach the same value
/// again.
#[derive(Debug)]
pub(crate) struct Guarded<T>(Mutex<RefCell<T>>);

impl<T> Guarded<T> {
    pub(crate) const fn new(value: T) -> Guarded<T> {
        Guarded(Mutex::new(RefCell::new(value)))
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        critical_section::with(|cs| f(&mut self.0.borrow_ref_mut(cs)))
    }
}

/// A list the slow path appends to, in a fixed table of [`REGISTERED_SITES`] entries.
#[derive(Debug)]
pub(crate) struct List<T> {
    items: [Option<T>; REGISTERED_SITES],
    len: usize,
}

impl<T: Copy> List<T> {
    pub(crate) const fn new() -> List<T> {
        List {
            items: [None; REGISTERED_SITES],
            len: 0,
        }
    }

    /// Appends `item`; `false` if the table is full.
    pub(crate) fn push(&mut self, item: T) -> bool {
        let Some(slot) = self.items.get_mut(self.len) else {
            return false;
        };
        *slot = Some(item);
        self.len += 1;
        true
    }

    pub(crate) fn get(&self, index: usize) -> Option<T> {
        self.items.get(index).copied().flatten()
    }
}

/// How many distinct hand-written yield points can have a site: a small table, in RAM.
pub(crate) const CALLER_SITES: usize = 32;

/// How many `#[cooperative]` yield points can be listed by the sites table.
pub(crate) const REGISTERED_SITES: usize = 64;

/// No clock without `std`: time slices need [`set_clock`](crate::set_clock).
pub(crate) fn default_clock() -> Option<Duration> {
    None
}

/// No clock without `std`, so none was read.
pub(crate) fn default_clock_if_read() -> Option<Duration> {
    None
}
