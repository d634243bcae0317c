//! The differential fuzzer in CI: a fixed-seed batch, and every kept regression case.
//! `COOP_ORACLE_FNS=10000` runs that many generated fns instead (`COOP_ORACLE_SEED` picks the
//! seed, `COOP_ORACLE_PER_CRATE` the batch size, `COOP_ORACLE_WORKSPACE` a snapshot of the
//! workspace whose coop-core the batches build).

fn var(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

use coop_oracle::Edition;

#[test]
fn generated_fns_behave_the_same_annotated() {
    fuzz(Edition::E2024, 250);
}

#[test]
fn generated_fns_behave_the_same_annotated_on_edition_2021() {
    fuzz(Edition::E2021, 100);
}

fn fuzz(edition: Edition, default_fns: u64) {
    let fns = var("COOP_ORACLE_FNS", default_fns) as usize;
    let per_crate = var("COOP_ORACLE_PER_CRATE", 250) as usize;
    let seed = var("COOP_ORACLE_SEED", 19);
    let summary = coop_oracle::fuzz(seed, fns, per_crate, edition);
    println!("{summary}");
    assert!(summary.failures.is_empty(), "{summary}");
    assert_eq!(summary.compared + summary.plain_rejected, summary.generated);
    // The grammar itself must be sound, and the runs must exercise the yield points.
    assert!(
        summary.plain_rejected * 50 <= summary.generated,
        "{summary}"
    );
    assert!(summary.yielded * 2 >= summary.compared, "{summary}");
}

#[test]
fn kept_regression_cases_behave_the_same_annotated() {
    let cases = coop_oracle::regressions();
    assert!(!cases.is_empty());
    let bodies: Vec<String> = cases.iter().map(|(_, body)| body.clone()).collect();
    let outcome = coop_oracle::run_bodies("regressions", &bodies, Edition::E2024);
    let failed: Vec<String> = outcome
        .differences
        .iter()
        .map(|(index, difference)| format!("{}: {difference:?}", cases[*index].0))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(
        outcome.plain_rejected.is_empty(),
        "{:?}",
        outcome.plain_rejected
    );
    assert_eq!(outcome.compared, cases.len());
}
