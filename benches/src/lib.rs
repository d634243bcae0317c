//! coop's benchmarks live in `benches/`: `yield_cost` and `sites` (criterion), `fairness` and
//! `slices` (their own harness), `interleaved` (the `yield_cost` loops timed in turn). Each
//! prints its own tables; BENCHMARKS.md has the commands and the results.
//!
//! This library holds what more than one benchmark needs, written once: reading criterion's
//! medians back, so `yield_cost` can print its summary without any other tool; the functions
//! the loops call that the optimizer cannot see into ([`opaque_step`], [`next_token`]); the
//! no-yield variant of a loop ([`never_yielding`]); and the delays' statistics ([`percentile`],
//! [`machine_stalls`]).

#![forbid(unsafe_code)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where criterion writes its results, found the way criterion finds it: `$CRITERION_HOME`,
/// else `$CARGO_TARGET_DIR/criterion`, else the `target_directory` of `cargo metadata`, else
/// `target/criterion`.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Path::new(&target).join("criterion");
    }
    let metadata = std::env::var_os("CARGO").and_then(|cargo| {
        std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .ok()
    });
    metadata
        .and_then(|out| serde_json::from_slice::<serde_json::Value>(&out.stdout).ok())
        .and_then(|json| json["target_directory"].as_str().map(PathBuf::from))
        .map_or_else(
            || PathBuf::from("target/criterion"),
            |dir| dir.join("criterion"),
        )
}

/// The median of benchmark `function` in `group` from criterion's latest run in `dir`, in
/// nanoseconds per criterion iteration; `None` if that benchmark has not run.
///
/// Criterion stores a group `a/b/c` under the directory `a_b_c`, and each benchmark's
/// estimates under `<function>/new/estimates.json`.
///
/// ```
/// let dir = std::env::temp_dir().join("coop-benches-doctest");
/// let new = dir.join("g_1ns").join("bare").join("new");
/// std::fs::create_dir_all(&new).unwrap();
/// std::fs::write(new.join("estimates.json"), r#"{"median":{"point_estimate":8192.0}}"#).unwrap();
/// assert_eq!(coop_benches::criterion_median_ns(&dir, "g/1ns", "bare"), Some(8192.0));
/// assert_eq!(coop_benches::criterion_median_ns(&dir, "g/1ns", "other"), None);
/// ```
pub fn criterion_median_ns(dir: &Path, group: &str, function: &str) -> Option<f64> {
    let path = dir
        .join(group.replace('/', "_"))
        .join(function)
        .join("new")
        .join("estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// One multiply-xorshift step, compiled apart from its callers: a call the optimizer of the
/// calling crate cannot inline or see through, as a call into another crate without LTO (an
/// allocation, an atomic, a hash function) is in a real hot loop.
///
/// ```
/// assert_ne!(coop_benches::opaque_step(1), 1);
/// ```
#[inline(never)]
pub fn opaque_step(x: u64) -> u64 {
    (x ^ (x >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Reads one token at the start of `input`: a run of decimal digits (its value) or of other
/// bytes (their sum), skipping one separating space. Returns the token's value and how many
/// bytes it took; never zero bytes for a non-empty input. Compiled apart from its callers, as
/// a tokenizer in another crate is.
///
/// ```
/// assert_eq!(coop_benches::next_token(b"123 abc"), (123, 4));
/// assert_eq!(coop_benches::next_token(b"ab"), (u64::from(b'a') + u64::from(b'b'), 2));
/// ```
#[inline(never)]
pub fn next_token(input: &[u8]) -> (u64, usize) {
    let digits = input.first().is_some_and(u8::is_ascii_digit);
    let len = input
        .iter()
        .position(|b| *b == b' ' || b.is_ascii_digit() != digits)
        .unwrap_or(input.len());
    let value = input[..len].iter().fold(0u64, |value, b| {
        if digits {
            value.wrapping_mul(10).wrapping_add(u64::from(b - b'0'))
        } else {
            value.wrapping_add(u64::from(*b))
        }
    });
    let skip = usize::from(input.get(len) == Some(&b' '));
    (value, (len + skip).max(1).min(input.len()))
}

/// A buffer of `tokens` space-separated tokens for [`next_token`], the same for every call:
/// numbers and words in turn, of two to nine bytes in a repeating pattern, so that the branch
/// predictor learns the tokenizer's branches equally well in every loop that reads it.
///
/// ```
/// let input = coop_benches::token_buffer(3);
/// assert_eq!(input.split(|b| *b == b' ').count(), 3);
/// ```
pub fn token_buffer(tokens: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for t in 0..tokens {
        seed = opaque_step(seed);
        for i in 0..2 + t % 8 {
            let r = (seed >> (8 + 3 * i)) as u8;
            out.push(if t % 2 == 0 {
                b'0' + r % 10
            } else {
                b'a' + r % 26
            });
        }
        if t + 1 < tokens {
            out.push(b' ');
        }
    }
    out
}

/// Runs `fut` with a budget scope of `u16::MAX` units around each of its polls: every yield
/// point inside spends a unit, as it does on the ambient budget, and none ever forces a yield
/// while a poll spends fewer units than that. So the yield point's fast path runs whole (the
/// check, the decrement, the store), and nothing else does. `coop_core::unconstrained` would
/// skip the decrement and the store.
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Waker};
///
/// let mut task = std::pin::pin!(coop_benches::with_room(async {
///     for _ in 0..1000 {
///         coop_core::consume_budget().await;
///     }
/// }));
/// // A thousand units in one poll: no forced yield.
/// assert!(task.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_ready());
/// ```
pub async fn with_room<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| coop_core::with_budget(u16::MAX, || fut.as_mut().poll(cx))).await
}

/// Which build a benchmark measures, for its tables: `compiled_out` (`--cfg coop_disable`),
/// `bridge_on` (the `tokio-bridge` feature), `no_std` (coop-core without `std`:
/// `--no-default-features`) or `bridge_off`.
///
/// ```
/// assert!(["compiled_out", "bridge_on", "bridge_off", "no_std"].contains(&coop_benches::build_name()));
/// ```
pub fn build_name() -> &'static str {
    if cfg!(coop_disable) {
        "compiled_out"
    } else if cfg!(feature = "tokio-bridge") {
        "bridge_on"
    } else if !cfg!(feature = "std") {
        "no_std"
    } else {
        "bridge_off"
    }
}

/// `fut` where no budget ever runs out: the yield point's check alone. With the `tokio-bridge`
/// feature a tokio task's budget is tokio's, so under `tokio::task::coop::unconstrained`;
/// without it, under [`with_room`].
///
/// ```
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let units = rt.block_on(coop_benches::never_yielding(async {
///     for _ in 0..1000 {
///         coop_core::consume_budget().await;
///     }
///     1000
/// }));
/// assert_eq!(units, 1000);
/// ```
pub fn never_yielding<F: Future + Send + 'static>(
    fut: F,
) -> impl Future<Output = F::Output> + Send {
    #[cfg(feature = "tokio-bridge")]
    return tokio::task::coop::unconstrained(fut);
    #[cfg(not(feature = "tokio-bridge"))]
    return with_room(fut);
}

/// The `p`-th percentile of sorted `values` (`Duration::ZERO` when there are none).
///
/// ```
/// use std::time::Duration;
///
/// let values: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
/// assert_eq!(coop_benches::percentile(&values, 99), Duration::from_millis(100));
/// assert_eq!(coop_benches::percentile(&[], 50), Duration::ZERO);
/// ```
pub fn percentile(values: &[Duration], p: usize) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    values[(values.len() * p / 100).min(values.len() - 1)]
}

/// Spins for `run_for` reading the clock, and returns every gap longer than `longer_than`
/// between two reads, sorted: the times this machine took the thread away on its own
/// (interrupt, VM exit, preemption), which no scheduler policy can avoid and which land in
/// every delay a benchmark measures.
///
/// ```
/// use std::time::Duration;
///
/// let gaps = coop_benches::machine_stalls(Duration::from_millis(1), Duration::from_micros(2));
/// assert!(gaps.iter().all(|gap| *gap > Duration::from_micros(2)));
/// assert!(gaps.is_sorted());
/// ```
pub fn machine_stalls(run_for: Duration, longer_than: Duration) -> Vec<Duration> {
    let start = Instant::now();
    let mut last = start;
    let mut stalls = Vec::new();
    while last - start < run_for {
        let now = Instant::now();
        if now - last > longer_than {
            stalls.push(now - last);
        }
        last = now;
    }
    stalls.sort_unstable();
    stalls
}
