//! The process-wide counts of forced yields and their `tracing` events: touched only on the
//! slow path, once per exhaustion.

use crate::platform::Counter;

static FORCED_YIELDS: Counter = Counter::new(0);
static TIME_SLICE_YIELDS: Counter = Counter::new(0);

/// Counts one exhaustion; `time_slice`: its slice, not its units, ended the budget.
pub(crate) fn record(time_slice: bool) {
    FORCED_YIELDS.add(1);
    if time_slice {
        TIME_SLICE_YIELDS.add(1);
    }
}

/// How many times, process-wide, a budget ran out and forced a yield, counted once per
/// exhaustion however many yield points see it. Time slices that ran out count here too.
///
/// Only the slow path touches the counter, so it costs nothing while budget remains.
///
/// ```
/// let before = coop_core::forced_yield_count();
/// futures::executor::block_on(async {
///     for _ in 0..=coop_core::DEFAULT_BUDGET {
///         coop_core::consume_budget().await; // the 129th forces a yield
///     }
/// });
/// assert!(coop_core::forced_yield_count() > before);
/// ```
pub fn forced_yield_count() -> u64 {
    FORCED_YIELDS.get()
}

/// How many of the [`forced_yield_count`] yields, process-wide, a time slice forced: the budget
/// still had units, but its slice was over.
///
/// ```
/// use std::time::Duration;
///
/// use coop_core::{Budget, budgeted_with, time_slice_yield_count};
///
/// let before = time_slice_yield_count();
/// // Each iteration takes 1 ms; the slice is 2 ms, so units never run out, time does.
/// let sliced = Budget::units(1000).slice(Duration::from_millis(2));
/// futures::executor::block_on(budgeted_with(sliced, async {
///     for _ in 0..5 {
///         coop_core::consume_budget().await;
///         std::thread::sleep(Duration::from_millis(1));
///     }
/// }));
/// assert!(time_slice_yield_count() > before);
/// ```
pub fn time_slice_yield_count() -> u64 {
    TIME_SLICE_YIELDS.get()
}

/// Reports a forced yield as one `trace`-level event (target `coop`) with the `tracing`
/// feature, and does nothing without it: the one place that feature is read. `site` describes
/// the yield point (file, line, fn), called only for the event.
#[inline]
pub(crate) fn trace(
    scope: impl core::fmt::Debug,
    time_slice: bool,
    site: impl FnOnce() -> (&'static str, u32, &'static str),
) {
    #[cfg(feature = "tracing")]
    {
        let (file, line, function) = site();
        tracing::trace!(
            target: "coop",
            scope = ?scope,
            time_slice,
            site.file = file,
            site.line = line,
            site.function = function,
            "budget exhausted: forcing a yield to the executor"
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (scope, time_slice, site);
}
