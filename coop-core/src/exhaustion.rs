//! When a spent ambient budget refills: the task poll it belongs to, told apart without an
//! executor that says where task polls begin.
//!
//! A scope's budget refills when its scope is entered again, once per task poll. The ambient
//! budget has no such boundary, so it stays spent after its forced yield until a sign that a new
//! task poll has begun:
//!
//! - a yield point is reached with a waker that does not `will_wake` the one whose yield spent
//!   the budget: another task (or a branch with a waker of its own, as in `FuturesUnordered`);
//! - a yield point that was forced to yield by this very exhaustion is polled again: its task
//!   was polled again. So is one forced to yield on another thread (its [`Mark`] says where):
//!   a task that moved between a multi-threaded runtime's workers is in a new task poll, even
//!   if it was also the last to spend this thread's budget, before it moved away; and so is
//!   the task that spent the budget reaching any yield point after the yield point this
//!   exhaustion forced was polled again on another thread (`moves`). A yield point forced by
//!   an earlier exhaustion proceeds without refilling (it yields with the current one at its
//!   next spend), so within one task poll branches that share the task's waker (`join!`,
//!   `select!`) refill at most once per exhaustion;
//! - a hand-written `poll_proceed` keeps no memory of its yield: its call site refused a second
//!   time during one exhaustion refills;
//! - a yield point forced to yield by this exhaustion was dropped before it was polled again
//!   (`now_or_never`, `poll!`, a future that builds its yield point at each poll, a `select!`
//!   dropping the branch): the next refusal at its call site refills, standing for that poll.
//!
//! It imports nothing from the crate but `platform`, where its state lives: the state module
//! passes in the waker and the site's key.

use core::cell::Cell;
use core::task::Waker;

/// The thread's last ambient exhaustion.
#[derive(Clone, Copy, Debug)]
struct Exhaustion {
    /// Counts exhaustions on this thread: a forced yield keeps the number of the one it belongs to.
    number: u32,
    /// The waker of the task whose yield spent it, as `will_wake` compares; `None` if unknown.
    holder: Option<(usize, usize)>,
    /// Call sites refused during it, one bit per site's hash.
    refused: u64,
    /// Call sites whose yield point it forced was dropped before being polled again.
    cancelled: u64,
}

impl Exhaustion {
    /// Before the thread's first exhaustion.
    const NONE: Exhaustion = Exhaustion {
        number: 0,
        holder: None,
        refused: 0,
        cancelled: 0,
    };
}

crate::platform::local! {
    static LAST: Exhaustion = Exhaustion::NONE;
}

/// Which exhaustion a forced yield belongs to: its number (0: none, a scope's or the ambient
/// source's yield), and the number of the thread it happened on (0 without `std`), so that
/// numbers, counted per thread, are compared on the thread that counted them, and what was read
/// on that thread (a time slice's clock) is used there only.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Mark {
    number: u32,
    thread: u32,
}

impl Mark {
    /// A yield that belongs to no exhaustion, nor any thread.
    pub(crate) const NONE: Mark = Mark {
        number: 0,
        thread: 0,
    };

    /// A yield on this thread that belongs to no exhaustion of the ambient budget.
    pub(crate) fn here() -> Mark {
        mark(0)
    }

    /// Whether the yield happened on this thread.
    pub(crate) fn on_this_thread(self) -> bool {
        self.thread == moves::thread()
    }
}

/// The mark of exhaustion `number` of this thread.
fn mark(number: u32) -> Mark {
    Mark {
        number,
        thread: moves::thread(),
    }
}

fn last() -> Exhaustion {
    LAST.try_with(Cell::get).unwrap_or(Exhaustion::NONE)
}

fn set(exhaustion: Exhaustion) {
    let _ = LAST.try_with(|cell| cell.set(exhaustion));
}

/// A waker's identity as `Waker::will_wake` compares it. A no-op waker's vtable address may
/// differ between codegen units, so it is told by its data, which it has none of (see
/// [`identity`]).
fn raw_identity(waker: &Waker) -> (usize, usize) {
    (
        waker.data() as usize,
        core::ptr::from_ref(waker.vtable()) as usize,
    )
}

/// The identity of the task behind `waker`; `None` for a waker with no data, which wakes no
/// task in particular: the no-op wakers `now_or_never` and other in-place polls hand a future
/// (`Waker::noop()`, futures' `noop_waker`). A yield forced under such a waker tells nothing
/// about which task polled it, nor that anyone will poll it again: code that polls a future in
/// place goes on in the same task poll.
fn identity(waker: &Waker) -> Option<(usize, usize)> {
    Some(raw_identity(waker)).filter(|_| !waker.data().is_null())
}

/// A key of a waker's identity for the time slice's bookkeeping (`Timing::own`): never 0.
pub(crate) fn task_key(waker: &Waker) -> u64 {
    let (data, vtable) = raw_identity(waker);
    (data as u64 ^ (vtable as u64).rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1
}

/// A site's bit in a set of 64, by its key's hash.
pub(crate) fn site_bit(site: usize) -> u64 {
    1 << ((site >> 3) % 64)
}

/// Which threads' exhaustions the task that spent them has left: a yield point forced to yield
/// by exhaustion `n` of thread `t` and polled again on another thread writes `(t, n)` in `t`'s
/// slot, so that thread `t`, when that task comes back to a fresh yield point, can tell it began
/// another task poll elsewhere since. One slot per thread number modulo 256, holding the number
/// whole: a slot a newer thread took says nothing (the task then yields once more, and its
/// resumed yield point refills), and so does one whose numbers wrapped (after 2^32 exhaustions
/// of one thread). Without `std` there is one budget for the program, and no threads to move
/// between.
#[cfg(feature = "std")]
mod moves {
    use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

    /// Numbers threads as they first need one (0: none).
    static NEXT_THREAD: AtomicU32 = AtomicU32::new(1);

    std::thread_local! {
        /// This thread's number, 0 until it first needs one.
        static THREAD: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
    }

    /// The last exhaustion of each thread whose task was polled again elsewhere.
    static LEFT: [AtomicU64; 256] = [const { AtomicU64::new(0) }; 256];

    /// This thread's number.
    pub(super) fn thread() -> u32 {
        THREAD
            .try_with(|thread| match thread.get() {
                0 => {
                    let number = NEXT_THREAD.fetch_add(1, Ordering::Relaxed).max(1);
                    thread.set(number);
                    number
                }
                number => number,
            })
            .unwrap_or(0)
    }

    fn slot(thread: u32) -> &'static AtomicU64 {
        &LEFT[thread as usize % LEFT.len()]
    }

    /// The task that spent exhaustion `number` of `thread` is being polled on another thread.
    /// The slot keeps the latest: a yield point forced by an older exhaustion, polled again
    /// later, does not hide that the latest one's task left (and a thread's entry replaces
    /// those of the older threads it shares the slot with).
    pub(super) fn left(thread: u32, number: u32) {
        slot(thread).fetch_max(
            u64::from(thread) << 32 | u64::from(number),
            Ordering::Relaxed,
        );
    }

    /// Whether the task that spent this thread's exhaustion `number` was polled on another
    /// thread since.
    pub(super) fn has_left(number: u32) -> bool {
        let thread = thread();
        slot(thread).load(Ordering::Relaxed) == u64::from(thread) << 32 | u64::from(number)
    }
}

#[cfg(not(feature = "std"))]
mod moves {
    pub(super) fn thread() -> u32 {
        0
    }

    pub(super) fn left(_thread: u32, _number: u32) {}

    pub(super) fn has_left(_number: u32) -> bool {
        false
    }
}

/// A yield point forced to yield by the exhaustion marked `yielded` is polled again: on another
/// thread than that exhaustion's, the task has left it (see [`another_task`]).
pub(crate) fn polled_again(yielded: Mark) {
    if yielded.number != 0 && yielded.thread != 0 && !yielded.on_this_thread() {
        moves::left(yielded.thread, yielded.number);
    }
}

/// The ambient budget was just spent by the task of `waker`, at the yield point `site`: a new
/// exhaustion. Returns its mark.
pub(crate) fn begin(waker: &Waker, site: usize) -> Mark {
    let next = Exhaustion {
        number: last().number.wrapping_add(1),
        holder: identity(waker),
        refused: site_bit(site),
        cancelled: 0,
    };
    set(next);
    mark(next.number)
}

/// A yield point at `site` was refused during the current exhaustion; returns its mark.
pub(crate) fn refused(site: usize) -> Mark {
    let mut current = last();
    current.refused |= site_bit(site);
    set(current);
    mark(current.number)
}

/// Whether `waker` belongs to another task than the one that spent the budget, or to the same
/// task in a later task poll that began on another thread: a yield point of it forced by this
/// exhaustion was polled there (a multi-threaded executor's worker ran it), so this thread's
/// exhaustion is no longer its poll's. A waker that names no task, on either side, is no other
/// task: a loop that polls a future in place under a no-op waker (`now_or_never`) is still in
/// its own task poll when that future spends the budget, and so is that future when the loop
/// has spent it.
pub(crate) fn another_task(waker: &Waker) -> bool {
    let last = last();
    matches!((last.holder, identity(waker)), (Some(holder), Some(this)) if holder != this)
        || moves::has_left(last.number)
}

/// Whether a yield point forced to yield by the exhaustion marked `yielded` and polled again
/// with `waker` refills the budget: the same exhaustion, or one of another task, or of another
/// thread.
pub(crate) fn resumed(yielded: Mark, waker: &Waker) -> bool {
    yielded.number == last().number || another_task(waker) || !yielded.on_this_thread()
}

/// Whether a hand-written yield point at `site`, refused again, refills the budget.
pub(crate) fn refused_before(site: usize) -> bool {
    last().refused & site_bit(site) != 0
}

/// A yield point forced to yield by the exhaustion marked `yielded`, at `site`, was dropped
/// before it was polled again.
pub(crate) fn cancelled(yielded: Mark, site: usize) {
    let mut current = last();
    if mark(current.number) == yielded {
        current.cancelled |= site_bit(site);
        set(current);
    }
}

/// Whether a yield point at `site`, refused during the exhaustion whose forced yield there was
/// dropped, refills the budget: it stands for that yield polled again. Takes the mark.
pub(crate) fn retried_after_cancel(site: usize) -> bool {
    let mut current = last();
    let bit = site_bit(site);
    if current.cancelled & bit == 0 {
        return false;
    }
    current.cancelled &= !bit;
    set(current);
    true
}
