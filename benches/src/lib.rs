//! coop's benchmarks live in `benches/`: `yield_cost` (criterion: what a yield point costs per
//! loop iteration) and `fairness` (its own harness: how late a 1 ms ticker runs beside a hot
//! loop). Both print their own tables; BENCHMARKS.md has the commands and the results.
//!
//! This library holds the one piece the benchmarks need outside criterion: reading criterion's
//! medians back, so `yield_cost` can print its summary without any other tool.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

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
