//! A hot loop beside an `embassy_time::Ticker` task on embassy's thread-mode executor: plain,
//! the ticker waits for the whole loop; annotated, it gets its turn at every forced yield.
//!
//! The executor is embassy's own (the std platform's thread-mode executor, the std time
//! driver), so every turn the ticker gets is one embassy gave it. The assertions are on counts:
//! which loop progress the ticker saw. Times are printed (`--nocapture`), never asserted.

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use coop_embassy::{checksum, checksum_plain};
use embassy_executor::{Executor, Spawner};
use embassy_time::{Duration, Instant, Ticker};

/// Rounds of the hot loop: 64 budgets of the default 128 units.
const ROUNDS: u32 = 64 * BUDGET;
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

#[embassy_executor::task]
async fn ticker() {
    let mut ticker = Ticker::every(PERIOD);
    while HOT_DONE.load(Ordering::Relaxed) == 0 {
        ticker.next().await;
        let progress = PROGRESS.load(Ordering::Relaxed);
        SEEN.lock().unwrap().push((progress, Instant::now()));
    }
    FINISHED.fetch_add(1, Ordering::Relaxed);
}

#[embassy_executor::task]
async fn hot(kind: Hot) {
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
}

/// Runs the ticker and the `kind` loop on a fresh embassy executor on its own thread.
fn run(kind: Hot) -> Observed {
    PROGRESS.store(0, Ordering::Relaxed);
    HOT_DONE.store(0, Ordering::Relaxed);
    FINISHED.store(0, Ordering::Relaxed);
    SEEN.lock().unwrap().clear();
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
    println!(
        "{kind:?}: loop {} µs, {} ticks during it (period {} µs), worst gap {} rounds ({:.1} budgets), worst wait between ticks {} µs",
        (end - start).as_micros(),
        during.len(),
        PERIOD.as_micros(),
        worst_gap,
        f64::from(worst_gap) / f64::from(BUDGET),
        worst_wait.as_micros(),
    );
    Observed { during, worst_gap }
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
/// yield, once per budget: every progress it sees is a whole number of budgets. How many
/// budgets pass between two ticks depends on when embassy's time driver thread wakes the
/// ticker; under heavy load it may be several, never the whole loop.
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
        observed.during.len() >= 3,
        "ticks during the loop: {:?}",
        observed.during
    );
    assert!(
        observed.worst_gap <= ROUNDS / 4,
        "worst gap {} rounds of {ROUNDS}",
        observed.worst_gap
    );
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
