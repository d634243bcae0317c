//! Which loop is hot: each yield point `#[cooperative]` inserts is a site named by its loop
//! keyword (file, line, column) and its fn's path, counted in `coop_core::sites()`.
//!
//! `sites()` is process-wide and the tests of this binary run in parallel, so each test has fns
//! of its own and looks only at their sites.

use coop_core::{SiteStats, cooperative, sites};
use coop_test_support::{column_of, count_yields_on_fresh_thread, forced_yields, on_fresh_thread};

/// This file, to check that the lines below are where the loops are.
const SOURCE: &str = include_str!("macro_sites.rs");

/// One hot loop (`HOT_LINE`) and one that never spends a whole budget (`COLD_LINE`).
#[cooperative]
async fn one_hot_one_cold(n: u64) -> u64 {
    let mut sum = 0;
    for i in 0..n {
        sum += i;
    }
    let mut k = 0;
    while k < 3 {
        k += 1;
    }
    sum + k
}
const HOT_LINE: u32 = 17;
const COLD_LINE: u32 = 21;

/// The same loop, run from four threads at once.
#[cooperative]
async fn shared_loop(n: u64) {
    for _ in 0..n {}
}
const SHARED_LINE: u32 = 32;

/// The sites of `function` in this binary.
fn sites_of(function: &str) -> Vec<SiteStats> {
    let path = format!("{}::{function}", module_path!());
    sites()
        .into_iter()
        .filter(|site| site.function() == path)
        .collect()
}

#[test]
fn sites_name_exactly_the_hot_loop_with_its_forced_yields() {
    let (_, yields) = count_yields_on_fresh_thread(|| one_hot_one_cold(10_000));
    assert_eq!(yields, forced_yields(10_000 + 3));
    let found = sites_of("one_hot_one_cold");
    assert_eq!(
        found.len(),
        1,
        "only the hot loop forced a yield: {found:?}"
    );
    let hot = &found[0];
    assert_eq!(hot.file(), file!());
    assert_eq!(
        (hot.line(), hot.column()),
        (HOT_LINE, column_of(SOURCE, "for ", HOT_LINE))
    );
    assert_eq!(hot.forced_yields(), 78);
    assert_eq!(hot.time_slice_yields(), 0);
    assert_eq!(
        hot.to_string(),
        format!(
            "{}:{HOT_LINE}:5 in {}::one_hot_one_cold: 78 forced yields",
            file!(),
            module_path!()
        )
    );
    // The cold loop is where this file says it is, and it has no site: it never forced.
    assert_eq!(column_of(SOURCE, "while ", COLD_LINE), 5);
}

#[test]
fn counts_add_up_across_threads() {
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| on_fresh_thread(|| futures::executor::block_on(shared_loop(1000))));
        }
    });
    let found = sites_of("shared_loop");
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].line(), found[0].column()),
        (SHARED_LINE, column_of(SOURCE, "for ", SHARED_LINE))
    );
    assert_eq!(found[0].forced_yields(), 4 * forced_yields(1000));
}
