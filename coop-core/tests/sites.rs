//! Sites of hand-written yield points: `consume_budget()`, `poll_proceed` and `cooperative(fut)`
//! are counted for their caller's line; time slices for theirs too, with the longest stretch.
//!
//! `sites()` is process-wide and these tests run in parallel, so each test looks only at the
//! lines it wrote itself.

use coop_test_support::with_spent_budget;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::Duration;

use coop_core::{Budget, SiteStats, budgeted_with, consume_budget, poll_proceed, sites};
use coop_test_support::{
    advance_clock, column_of, count_yields_on_fresh_thread, forced_yields, forced_yields_per,
    install_manual_clock,
};

/// This file, to find where on a line a call starts.
const SOURCE: &str = include_str!("sites.rs");

/// The site at `line` of this file; panics unless there is exactly one.
fn site_at(line: u32) -> SiteStats {
    let found: Vec<_> = sites()
        .into_iter()
        .filter(|site| (site.file(), site.line()) == (file!(), line))
        .collect();
    assert_eq!(found.len(), 1, "one site at line {line}: {found:?}");
    found.into_iter().next().unwrap()
}

#[test]
fn consume_budget_names_its_callers_line() {
    let line = line!() + 4;
    let ((), yields) = count_yields_on_fresh_thread(|| async {
        for _ in 0..1000 {
            std::hint::black_box(());
            consume_budget().await;
        }
    });
    let site = site_at(line);
    assert_eq!(yields, forced_yields(1000));
    assert_eq!(site.forced_yields(), 7);
    assert_eq!(site.column(), column_of(SOURCE, "consume_budget()", line));
    assert_eq!(site.function(), "");
    assert_eq!(
        site.to_string(),
        format!("{}:{line}:{}: 7 forced yields", file!(), site.column())
    );
}

#[test]
fn poll_proceed_names_its_callers_line() {
    let mut cx = Context::from_waker(Waker::noop());
    let line = line!() + 3;
    for _ in 0..3 {
        with_spent_budget(|| {
            assert!(poll_proceed(&mut cx).is_pending());
        });
    }
    let site = site_at(line);
    assert_eq!(site.forced_yields(), 3);
    assert_eq!(site.column(), column_of(SOURCE, "poll_proceed(", line));
}

#[test]
fn cooperative_future_names_the_line_that_made_it() {
    let mut cx = Context::from_waker(Waker::noop());
    let line = line!() + 1;
    let mut ready = pin!(coop_core::cooperative(std::future::ready(())));
    with_spent_budget(|| assert!(ready.as_mut().poll(&mut cx).is_pending()));
    assert_eq!(site_at(line).forced_yields(), 1);
}

#[test]
fn time_slice_yields_and_the_longest_slice_are_counted_per_site() {
    install_manual_clock();
    let line = line!() + 6;
    let ((), yields) = count_yields_on_fresh_thread(|| {
        budgeted_with(
            Budget::units(u16::MAX).slice(Duration::from_micros(1)),
            async {
                for _ in 0..1000 {
                    consume_budget().await;
                    advance_clock(Duration::from_nanos(100));
                }
            },
        )
    });
    let site = site_at(line);
    assert_eq!(yields, forced_yields_per(10, 1000));
    assert_eq!((site.forced_yields(), site.time_slice_yields()), (99, 99));
    // Each slice ends at the check that finds 1000 ns gone since its first unit.
    assert_eq!(site.longest_slice(), Duration::from_micros(1));
}

#[test]
fn the_report_lists_sites_most_forced_first() {
    let line = line!() + 3;
    count_yields_on_fresh_thread(|| async {
        for _ in 0..100_000 {
            consume_budget().await;
        }
    });
    let report = coop_core::report(usize::MAX);
    let mut lines = report.lines();
    assert!(lines.next().unwrap().starts_with("forced yields"));
    let row = lines
        .find(|row| row.contains(&format!("{}:{line}:", file!())))
        .expect("the site is reported");
    assert!(row.trim_start().starts_with("781 "), "{row}");
    let counts: Vec<u64> = sites().iter().map(SiteStats::forced_yields).collect();
    assert!(counts.is_sorted_by(|a, b| a >= b), "{counts:?}");
    assert_eq!(coop_core::report(0).lines().count(), 1);
}
