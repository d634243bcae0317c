//! A hot loop beside an `embassy_time::Ticker` task on embassy's thread-mode executor: plain,
//! the ticker waits for the whole loop; annotated, it gets its turn at every forced yield.
//!
//! The executor is embassy's own (the std platform's thread-mode executor, the std time
//! driver), so every turn the ticker gets is one embassy gave it. The assertions are on counts,
//! in rounds of the hot loop: the progress the ticker saw, and how far the loop got between the
//! time driver waking the ticker and the ticker running. That second count does not depend on
//! when the OS lets the driver's thread run (on a loaded machine, milliseconds late): it starts
//! when the wake-up has queued the ticker (the progress is read after the wake, never before:
//! the driver's thread can be preempted between the two). Times are printed (`--nocapture`),
//! never asserted.

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

use coop_embassy::{checksum, checksum_plain};
use embassy_executor::{Executor, Spawner};
use embassy_time::{Duration, Instant, Ticker};

/// Rounds of the hot loop: 256 budgets of the default 128 units.
const ROUNDS: u32 = 256 * BUDGET;
const BUDGET: u32 = coop_core::DEFAULT_BUDGET as u32;
/// The ticker's period.
const PERIOD: Duration = Duration::from_micros(500);

/// How the hot loop is written.
#[derive(Clone, Copy, Debug)]
enum Hot {
    /// No yield point.
    Plain,
    /// `#[cooperative]`, on the ambient budget.
    Cooperative,
    /// `#[cooperative]`, in `coop_core::budgeted`: a fresh budget each poll.
    Budgeted,
}

static PROGRESS: AtomicU32 = AtomicU32::new(0);
static HOT_DONE: AtomicU32 = AtomicU32::new(0);
static FINISHED: AtomicU32 = AtomicU32::new(0);
/// What the ticker saw at each tick: the loop's progress, and when.
static SEEN: Mutex<Vec<(u32, Instant)>> = Mutex::new(Vec::new());
/// When the loop started and ended.
static SPAN: Mutex<Option<(Instant, Instant)>> = Mutex::new(None);
/// The loop's progress just after the time driver last woke the ticker, until the ticker runs,
/// with the number of ticks the ticker had taken when the wake-up came (the high half): a note
/// that lands after the ticker already ran for its wake-up is told apart from the next one's.
static WOKEN_AT: AtomicU64 = AtomicU64::new(NOT_WOKEN);
const NOT_WOKEN: u64 = u64::MAX;
/// Ticks the ticker has taken.
static TICKS: AtomicU32 = AtomicU32::new(0);
/// For each tick the driver woke during the loop: the rounds the loop ran between the wake-up
/// and the tick.
static LATE_BY: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// The ticker's waker, wrapped: notes the loop's progress when the time driver wakes it.
struct NoteProgress(Waker);

impl Wake for NoteProgress {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Read before the wake: a tick taken after it is this wake-up's or a later one's.
        let ticks = TICKS.load(Ordering::SeqCst);
        self.0.wake_by_ref();
        // Read after the wake, which has queued the ticker: from here, the loop can finish the
        // budget it is in and run at most one more before the ticker runs. Read before it,
        // the loop could pass a budget's end while this thread waits between read and wake.
        let progress = PROGRESS.load(Ordering::SeqCst);
        let _ = WOKEN_AT.compare_exchange(
            NOT_WOKEN,
            (u64::from(ticks) << 32) | u64::from(progress),
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
    }
}

/// `fut`, polled with a waker that notes the loop's progress at its wake-up.
async fn noting_wake_up<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    std::future::poll_fn(|cx| {
        let waker = Waker::from(Arc::new(NoteProgress(cx.waker().clone())));
        fut.as_mut().poll(&mut Context::from_waker(&waker))
    })
    .await
}

#[embassy_executor::task]
async fn ticker() {
    let mut ticker = Ticker::every(PERIOD);
    while HOT_DONE.load(Ordering::Relaxed) == 0 {
        noting_wake_up(ticker.next()).await;
        let progress = PROGRESS.load(Ordering::Relaxed);
        SEEN.lock().unwrap().push((progress, Instant::now()));
        let ticks = TICKS.fetch_add(1, Ordering::SeqCst);
        // A tick that was due at once (the ticker catching up) had no wake-up; a note taken
        // for an earlier tick (written after that tick ran) is not this one's.
        let note = WOKEN_AT.swap(NOT_WOKEN, Ordering::SeqCst);
        if note != NOT_WOKEN && note >> 32 == u64::from(ticks) {
            let woken_at = u32::try_from(note & u64::from(u32::MAX)).unwrap();
            if woken_at < ROUNDS {
                LATE_BY.lock().unwrap().push(progress - woken_at);
            }
        }
    }
    FINISHED.fetch_add(1, Ordering::Relaxed);
}

#[embassy_executor::task]
async fn hot(kind: Hot) {
    // Let the ticker start first, so that its timer runs during the loop.
    embassy_time::Timer::after(PERIOD).await;
    let block = [0x5a_u8; 512];
    let start = Instant::now();
    let sum = match kind {
        Hot::Plain => checksum_plain(&block, ROUNDS, &PROGRESS).await,
        Hot::Cooperative => checksum(&block, ROUNDS, &PROGRESS).await,
        Hot::Budgeted => coop_core::budgeted(checksum(&block, ROUNDS, &PROGRESS)).await,
    };
    std::hint::black_box(sum);
    *SPAN.lock().unwrap() = Some((start, Instant::now()));
    HOT_DONE.store(1, Ordering::Relaxed);
    FINISHED.fetch_add(1, Ordering::Relaxed);
}

/// What the ticker saw while the loop ran.
struct Observed {
    /// The loop's progress at each tick that came while it ran (strictly between start and end).
    during: Vec<u32>,
    /// The most rounds the loop ran between two turns of the ticker (its start and end count as
    /// turns).
    worst_gap: u32,
    /// For each wake-up of the ticker while the loop ran: the rounds the loop ran before the
    /// ticker did.
    late_by: Vec<u32>,
}

/// Runs the ticker and the `kind` loop on a fresh embassy executor on its own thread.
fn run(kind: Hot) -> Observed {
    PROGRESS.store(0, Ordering::Relaxed);
    HOT_DONE.store(0, Ordering::Relaxed);
    FINISHED.store(0, Ordering::Relaxed);
    SEEN.lock().unwrap().clear();
    LATE_BY.lock().unwrap().clear();
    WOKEN_AT.store(NOT_WOKEN, Ordering::Relaxed);
    TICKS.store(0, Ordering::Relaxed);
    std::thread::spawn(move || {
        let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
        executor.run_until(
            |spawner: Spawner| {
                spawner.spawn(ticker().unwrap());
                spawner.spawn(hot(kind).unwrap());
            },
            || FINISHED.load(Ordering::Relaxed) == 2,
        );
    })
    .join()
    .unwrap();

    let seen = SEEN.lock().unwrap().clone();
    let late_by = LATE_BY.lock().unwrap().clone();
    let (start, end) = SPAN.lock().unwrap().unwrap();
    let during: Vec<u32> = seen
        .iter()
        .map(|&(progress, _)| progress)
        .filter(|&progress| progress > 0 && progress < ROUNDS)
        .collect();
    let mut turns = vec![0];
    turns.extend(&during);
    turns.push(ROUNDS);
    let worst_gap = turns.windows(2).map(|w| w[1] - w[0]).max().unwrap();

    // The same in time, for the README: the longest wait between two ticks while the loop ran.
    let mut times = vec![start];
    times.extend(
        seen.iter()
            .filter(|&&(_, at)| at > start && at < end)
            .map(|&(_, at)| at),
    );
    times.push(end);
    let worst_wait = times.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    let budgets = |rounds: u32| f64::from(rounds) / f64::from(BUDGET);
    println!(
        "{kind:?}: loop {} µs, {} ticks during it (period {} µs); between two ticks at worst \
         {:.1} budgets, {} µs; from a wake-up to its tick at worst {:.1} budgets ({} wake-ups)",
        (end - start).as_micros(),
        during.len(),
        PERIOD.as_micros(),
        budgets(worst_gap),
        worst_wait.as_micros(),
        budgets(late_by.iter().copied().max().unwrap_or(0)),
        late_by.len(),
    );
    Observed {
        during,
        worst_gap,
        late_by,
    }
}

#[test]
fn a_plain_loop_holds_the_ticker_for_the_whole_loop() {
    let _serial = common::serial();
    common::check_build();
    let observed = run(Hot::Plain);
    assert_eq!(observed.during, Vec::<u32>::new());
    assert_eq!(observed.worst_gap, ROUNDS);
}

/// The ticker only runs when the loop gives the executor back, which it does only at a forced
/// yield, once per budget: every progress it sees is a whole number of budgets. Once the time
/// driver wakes the ticker, the loop finishes the budget it is in and yields; the executor then
/// polls the tasks it has queued, the ticker and the loop, in its own order: the ticker runs at
/// most two budgets after its wake-up. How many budgets pass between two ticks also counts the
/// time the driver's thread waits for the OS, so it is printed, not asserted.
fn assert_ticker_gets_turns(observed: &Observed) {
    assert!(
        observed
            .during
            .iter()
            .all(|progress| progress % BUDGET == 0),
        "the loop yields only at budget boundaries: {:?}",
        observed.during
    );
    assert!(
        !observed.late_by.is_empty(),
        "no wake-up of the ticker during the loop"
    );
    assert!(
        observed.late_by.iter().all(|&late| late <= 2 * BUDGET),
        "rounds from a wake-up to its tick: {:?}",
        observed.late_by
    );
    assert!(observed.worst_gap < ROUNDS);
}

#[test]
fn a_cooperative_loop_lets_the_ticker_in_every_budget() {
    let _serial = common::serial();
    common::check_build();
    assert_ticker_gets_turns(&run(Hot::Cooperative));
}

#[test]
fn a_budgeted_cooperative_loop_lets_the_ticker_in_every_budget() {
    let _serial = common::serial();
    common::check_build();
    assert_ticker_gets_turns(&run(Hot::Budgeted));
}
