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

/// The time since this process first read it: `Instant` until the CPU's time-stamp counter is
/// calibrated (feature `quanta`, see [`tsc`]), the counter after.
pub(crate) fn default_clock() -> Option<Duration> {
    #[cfg(feature = "quanta")]
    if let Some(now) = tsc::now() {
        return Some(now);
    }
    Some(since_epoch())
}

/// The default clock's reading, only if it was read before (else nothing starts, and `None`).
pub(crate) fn default_clock_if_read() -> Option<Duration> {
    EPOCH.get()?;
    default_clock()
}

/// When this process first read the default clock.
static EPOCH: OnceLock<Instant> = OnceLock::new();

/// `Instant`'s time since this process first read it.
fn since_epoch() -> Duration {
    EPOCH.get_or_init(Instant::now).elapsed()
}

/// The CPU's time-stamp counter through `quanta`: a read costs about a third of `Instant::now()`
/// on a VM (12 against 33 ns), and time slices read the clock every few budgets.
///
/// `quanta` calibrates the counter against the OS clock once per process, for half a
/// millisecond or more (up to 200 ms on a loaded machine). That runs on a thread of its own,
/// started by the first read, so that no task's thread waits for it; until it is done the clock
/// is `Instant`. Where the counter cannot be used (no invariant TSC, another architecture)
/// `quanta` reads the OS clock, as `Instant` does; where no thread can be started, the clock
/// stays `Instant`.
#[cfg(feature = "quanta")]
mod tsc {
    use core::time::Duration;
    use std::sync::{Once, OnceLock};

    /// The calibrated counter, and where it meets `Instant`'s time since the epoch.
    struct Calibrated {
        clock: quanta::Clock,
        at: quanta::Instant,
        since_epoch: Duration,
    }

    static CALIBRATED: OnceLock<Calibrated> = OnceLock::new();

    /// The counter's time since the epoch; `None` until it is calibrated (the first call starts
    /// the calibration).
    #[inline]
    pub(super) fn now() -> Option<Duration> {
        match CALIBRATED.get() {
            Some(calibrated) => Some(
                calibrated.since_epoch
                    + calibrated
                        .clock
                        .now()
                        .saturating_duration_since(calibrated.at),
            ),
            None => {
                calibrate();
                None
            }
        }
    }

    /// Where the counter's time meets `Instant`'s: a reading of each, taken as close together
    /// as a few tries get them (a thread preempted between the two would put the counter's
    /// time ahead by the pause). The counter's reading first, `Instant`'s second: at the switch
    /// the counter's time reads a little ahead of `Instant`'s, so a thread that read `Instant`
    /// just before it does not see the clock go back.
    fn meeting(clock: &quanta::Clock) -> (quanta::Instant, Duration) {
        let pair = || {
            let at = clock.now();
            let since_epoch = super::since_epoch();
            (at, since_epoch, clock.now().saturating_duration_since(at))
        };
        let mut closest = pair();
        for _ in 0..16 {
            if closest.2 < Duration::from_micros(2) {
                break;
            }
            let next = pair();
            if next.2 < closest.2 {
                closest = next;
            }
        }
        (closest.0, closest.1)
    }

    #[cold]
    fn calibrate() {
        static STARTED: Once = Once::new();
        STARTED.call_once(|| {
            // No thread, no counter: the clock stays `Instant`.
            let _ = std::thread::Builder::new()
                .name("coop-clock-calibration".into())
                .spawn(|| {
                    let clock = quanta::Clock::new();
                    let (at, since_epoch) = meeting(&clock);
                    let _ = CALIBRATED.set(Calibrated {
                        clock,
                        at,
                        since_epoch,
                    });
                });
        });
    }
}

#[cfg(all(test, feature = "quanta"))]
mod tests {
    use std::time::{Duration, Instant};

    use super::{default_clock, since_epoch, tsc};

    /// Waits for the counter's calibration (its thread starts at the first read).
    fn calibrated() {
        let _ = default_clock();
        let start = Instant::now();
        loop {
            if tsc::now().is_some() {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the counter is never calibrated"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// `Instant` decides: over 50 ms of sleep the counter's clock and `Instant` agree within
    /// 2 %, the two read the same time since the epoch within a millisecond (the switch from one
    /// to the other moves a thread's clock by no more), and the counter's clock never goes back.
    #[test]
    fn the_counter_keeps_instants_time() {
        calibrated();
        for _ in 0..20 {
            let (instant_before, counter_before) = (since_epoch(), tsc::now().unwrap());
            let offset = counter_before.abs_diff(instant_before);
            assert!(
                offset <= Duration::from_millis(1),
                "{counter_before:?} by the counter, {instant_before:?} by Instant"
            );
            std::thread::sleep(Duration::from_millis(50));
            let (counter_after, instant_after) = (tsc::now().unwrap(), since_epoch());
            let (by_counter, by_instant) = (
                counter_after - counter_before,
                instant_after - instant_before,
            );
            let skew = by_counter.abs_diff(by_instant);
            assert!(
                skew <= by_instant / 50,
                "{by_counter:?} by the counter, {by_instant:?} by Instant"
            );
            let mut last = counter_after;
            for _ in 0..1000 {
                let now = default_clock().unwrap();
                assert!(now >= last, "{now:?} after {last:?}");
                last = now;
            }
        }
    }
}
