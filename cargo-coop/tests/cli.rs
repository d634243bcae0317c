//! `cargo coop` run on the fixture crates in `tests/fixtures/` (not workspace members): human
//! output and `fix` diffs as snapshots, JSON field by field, exit codes, and `fix` followed by a
//! warning-free `cargo check` of the fixed copy.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cargo_coop(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-coop"))
        .arg("coop")
        .args(args)
        .output()
        .expect("cargo-coop runs");
    Run {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn manifest(name: &str) -> String {
    fixture(name).join("Cargo.toml").display().to_string()
}

#[test]
fn check_workspace_human_output() {
    let run = cargo_coop(&[
        "check",
        "--manifest-path",
        &manifest("workspace"),
        "--workspace",
    ]);
    // The file that does not parse is reported, the rest still checked: exit 2.
    assert_eq!(run.code, 2);
    insta::assert_snapshot!("check_workspace_stdout", run.stdout);
    insta::assert_snapshot!("check_workspace_stderr", run.stderr);
}

#[test]
fn exit_status_is_1_for_findings_and_0_for_none() {
    let findings = cargo_coop(&[
        "check",
        "--manifest-path",
        &manifest("workspace"),
        "-p",
        "tokio-app",
    ]);
    assert_eq!(findings.code, 1, "{}", findings.stderr);
    let clean = cargo_coop(&["check", "--manifest-path", &manifest("clean")]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    assert_eq!(
        clean.stdout,
        "cargo coop: no loop without a yield point (checked 2 loops in async context, 3 fns \
         with async code, 1 file of 17 lines)\n"
    );
    let missing = cargo_coop(&["check", "--manifest-path", "/nonexistent/Cargo.toml"]);
    assert_eq!(missing.code, 2);
    let unknown = cargo_coop(&[
        "check",
        "--manifest-path",
        &manifest("workspace"),
        "-p",
        "nope",
    ]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("package `nope` is not a member"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn check_json_is_one_document() {
    let run = cargo_coop(&[
        "check",
        "--manifest-path",
        &manifest("workspace"),
        "-p",
        "plain",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    let document: serde_json::Value =
        serde_json::from_str(&run.stdout).expect("the output is one JSON document");
    let findings = document["findings"].as_array().unwrap();
    let lints: Vec<&str> = findings
        .iter()
        .map(|f| f["lint"].as_str().unwrap())
        .collect();
    assert_eq!(
        lints,
        [
            // `#[unconstrained]` on a loop of a fn without `#[cooperative]` does not compile.
            "coop::stray_loop_marker",
            "coop::loop_under_temporary",
            "coop::yield_point_not_awaited",
            "coop::loop_inside_macro",
            "coop::loop_without_yield_point",
            "coop::loop_without_yield_point",
            "coop::loop_without_yield_point",
            "coop::loop_without_yield_point",
            "coop::loop_without_yield_point"
        ]
    );
    assert!(findings.iter().all(|f| {
        f["doc"]
            .as_str()
            .unwrap()
            .starts_with("https://docs.rs/coop-analysis/")
    }));
    // Both branches of a `cfg_if!` (predicates are not evaluated), and the child of a `#[path]`
    // file next to that file, where rustc looks for it.
    let files: Vec<&str> = findings[6..]
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "plain/src/other_platform.rs",
            "plain/src/paths/child.rs",
            "plain/src/platform.rs"
        ]
    );
    let macro_loop = &findings[3];
    assert_eq!(macro_loop["package"], "plain");
    assert_eq!(macro_loop["file"], "plain/src/lib.rs");
    assert_eq!(macro_loop["line"], 44);
    assert_eq!(macro_loop["column"], 9);
    assert_eq!(macro_loop["function"], "inside_a_macro");
    assert_eq!(macro_loop["loop_kind"], "loop");
    assert_eq!(macro_loop["macro"], "repeat");
    assert_eq!(macro_loop["fn_is_async"], true);
    assert_eq!(macro_loop["fn_holds_async_blocks"], false);
    assert_eq!(macro_loop["fixable"], false);
    let nested = &findings[5];
    assert_eq!(nested["function"], "inline::nested_fn_in_body::helper");
    assert_eq!(nested["loop_kind"], "for");
    assert_eq!(nested["macro"], serde_json::Value::Null);
    assert_eq!(nested["fn_is_async"], false);
    assert_eq!(nested["fn_holds_async_blocks"], true);
    assert_eq!(nested["fixable"], true);
    assert_eq!(
        document["summary"]["message"],
        "cargo coop: 9 findings: 8 loops without a yield point, in 8 fns (checked 10 loops in \
         async context, 12 fns with async code, 5 files of 102 lines)"
    );
    assert_eq!(document["summary"]["findings"], 9);
    assert_eq!(run.stderr, "");
}

#[test]
fn fix_dry_run_diff() {
    let run = cargo_coop(&[
        "fix",
        "--dry-run",
        "--manifest-path",
        &manifest("workspace"),
        "--workspace",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    insta::assert_snapshot!("fix_workspace_dry_run", run.stdout);
}

#[test]
fn fix_with_a_crate_path_writes_it_and_adds_no_dependency() {
    let run = cargo_coop(&[
        "fix",
        "--dry-run",
        "--manifest-path",
        &manifest("workspace"),
        "-p",
        "tokio-app",
        "--crate-path",
        "my_app::coop",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("+#[my_app::coop::cooperative(crate = \"my_app::coop\")]\n #[tokio::main]\n")
    );
    assert!(!run.stdout.contains("coop_core"), "{}", run.stdout);
    assert!(!run.stdout.contains("Cargo.toml"), "{}", run.stdout);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else if entry.file_name() != "Cargo.lock" {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The one test that runs cargo: the fixed copy must build, tests included, with no warning,
/// and `check` must then report nothing.
#[test]
fn fix_then_the_crate_builds_without_warnings_and_checks_clean() {
    let copy = std::env::temp_dir().join(format!("cargo-coop-adopt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&fixture("adopt"), &copy);
    let coop_core = Path::new(env!("CARGO_MANIFEST_DIR")).join("../coop-core");
    let coop_core = coop_core.canonicalize().unwrap();
    let spec = format!("path = {:?}", coop_core.display().to_string());
    let manifest = copy.join("Cargo.toml").display().to_string();

    let fixed = cargo_coop(&[
        "fix",
        "--manifest-path",
        &manifest,
        "--dependency",
        &spec,
        "--allow-no-vcs",
    ]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    assert_eq!(
        fixed.stdout,
        "cargo coop: added `#[cooperative]` to 4 items; 0 findings need a hand-written change \
         (see `cargo coop check`)\ncargo coop: added a coop-core dependency to Cargo.toml (as \
         `--dependency` says)\ncargo coop: next: run the tests (the annotated loops now yield, \
         which a test of scheduling or of `now_or_never` can see); `cargo check` saw this \
         crate, not its users: a public future whose loop holds an `Rc` or a guard is no longer \
         `Send`\n"
    );

    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
            PathBuf::from,
        )
        .join("coop-fixture");
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .args([
            "check",
            "--offline",
            "--all-targets",
            "--message-format",
            "short",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target_dir);
    // The outer `cargo test` describes its own package in CARGO_* variables; the inner build
    // must not see them.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if (key.starts_with("CARGO_") && key != "CARGO_HOME") || key.starts_with("RUSTC_") {
            cargo.env_remove(key);
        }
    }
    cargo.env("CARGO_TARGET_DIR", &target_dir);
    let output = cargo.output().expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");

    let check = cargo_coop(&["check", "--manifest-path", &manifest]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    std::fs::remove_dir_all(&copy).unwrap();
}

fn messages(format: &str) -> Run {
    cargo_coop(&[
        "check",
        "--manifest-path",
        &manifest("messages"),
        "--format",
        format,
        "--color",
        "never",
    ])
}

/// Every kind of message on one crate: rejected arguments (with "did you mean"), a stray loop
/// marker, a file that does not parse and one that is not UTF-8 (one finding each, the rest
/// still checked, and no "no loop without a yield point" with exit 2), `include!` and
/// `macro_rules!` code counted as not checked, and the two missing features of a manifest.
#[test]
fn every_message_human() {
    let run = messages("human");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stdout.contains("no loop without a yield point"));
    insta::assert_snapshot!("messages_human", run.stdout);
}

#[test]
fn every_message_json() {
    let run = messages("json");
    assert_eq!(run.code, 2, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    insta::assert_snapshot!(
        "messages_json",
        serde_json::to_string_pretty(&document).unwrap()
    );
}

/// Checks `value` against the part of the JSON schema `node` stands for: required properties,
/// types, enums, no properties the schema does not know, recursively.
fn validate(
    value: &serde_json::Value,
    node: &serde_json::Value,
    root: &serde_json::Value,
    at: &str,
) {
    use serde_json::Value;
    let node = match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/definitions/");
            &root["definitions"][name]
        }
        None => node,
    };
    if let Some(required) = node.get("required").and_then(Value::as_array) {
        for key in required {
            let key = key.as_str().unwrap();
            assert!(value.get(key).is_some(), "{at}: `{key}` is required");
        }
    }
    if let Some(kind) = node.get("type").and_then(Value::as_str) {
        let ok = match kind {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            _ => true,
        };
        assert!(ok, "{at}: expected {kind}, found {value}");
    }
    if let Some(options) = node.get("enum").and_then(Value::as_array) {
        assert!(
            options.contains(value),
            "{at}: {value} is not one of {options:?}"
        );
    }
    if let Some(minimum) = node.get("minimum").and_then(Value::as_i64) {
        assert!(
            value.as_i64().is_none_or(|n| n >= minimum),
            "{at}: {value} < {minimum}"
        );
    }
    if let (Some(object), Some(properties)) = (value.as_object(), node.get("properties")) {
        for (key, item) in object {
            match properties.get(key) {
                Some(schema) => validate(item, schema, root, &format!("{at}.{key}")),
                None => assert!(
                    node.get("additionalProperties") != Some(&Value::Bool(false)),
                    "{at}: `{key}` is not a property of the schema"
                ),
            }
        }
    }
    if let (Some(items), Some(schema)) = (value.as_array(), node.get("items")) {
        for (i, item) in items.iter().enumerate() {
            validate(item, schema, root, &format!("{at}[{i}]"));
        }
    }
}

#[test]
fn every_message_sarif_is_valid_sarif_2_1_0() {
    let run = messages("sarif");
    assert_eq!(run.code, 2, "{}", run.stderr);
    let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("sarif-schema-2.1.0.json")).unwrap();
    validate(&log, &schema, &schema, "$");
    // The validator rejects what the schema rejects.
    for broken in [
        serde_json::json!({ "runs": [] }),
        serde_json::json!({ "version": "2.1.0", "runs": [{ "tool": { "driver": {} } }] }),
        serde_json::json!({ "version": "2.0", "runs": [] }),
    ] {
        let rejected = std::panic::catch_unwind(|| validate(&broken, &schema, &schema, "$"));
        assert!(rejected.is_err(), "{broken}");
    }
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "cargo-coop");
    assert_eq!(
        run["tool"]["driver"]["informationUri"],
        "https://docs.rs/cargo-coop"
    );
    // A file that could not be parsed: exit status 2, not a successful run.
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    // Columns are characters, as in the human format, not SARIF's default UTF-16 code units.
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 14);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert!(
            location["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with(".rs")
                || location["artifactLocation"]["uri"] == "Cargo.toml"
        );
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    insta::assert_snapshot!(
        "messages_sarif",
        serde_json::to_string_pretty(&log).unwrap()
    );
}

/// Each misuse of the attributes that they reject with a compile error is a finding, on the
/// token the attribute's error is on: loop markers inside a `#[cooperative]` item with
/// arguments or on something that is not a loop, two coop attributes on one item, an item with
/// no async code; and a marker under `cfg_attr` says where rustc rejects it.
#[test]
fn attribute_misuses_are_reported_where_the_attribute_rejects_them() {
    let run = messages("json");
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let found = lint_places(&document, Some("src/attributes.rs"));
    assert_eq!(
        found,
        [
            (
                "coop::marker_with_arguments",
                6,
                31,
                "marker_with_arguments"
            ),
            ("coop::marker_not_on_a_loop", 12, 18, "marker_not_on_a_loop"),
            ("coop::conflicting_attributes", 17, 1, "both"),
            ("coop::duplicate_attribute", 23, 1, "twice"),
            ("coop::unsupported_item", 27, 5, "constant"),
            ("coop::unsupported_item", 30, 5, "no_async_code"),
            ("coop::unsupported_item", 35, 1, "Sync"),
            ("coop::stray_loop_marker", 40, 45, "stray_under_cfg_attr"),
        ]
    );
    let message = |line: u64| {
        document["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == "src/attributes.rs" && f["line"] == line)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        message(40),
        "`#[unconstrained]` marks a loop only inside a `#[cooperative]` item: rustc rejects it \
         where `feature = \"fast\"` holds"
    );
    assert_eq!(
        message(35),
        "`#[cooperative]` found no async code in this `impl` block: it applies to an `async fn`, \
         or to a fn whose body holds async blocks or async closures"
    );
}

/// Every item the attributes reject for its kind (a struct, a `use`, an associated type, an
/// extern block's fn, a fn or trait method without a body, `mod name;`), nested in modules,
/// `impl`, `trait` and extern blocks and fn bodies, and attributes written through `cfg_attr`
/// where its predicate holds in every build: each where the attribute rejects it, in its words.
/// The fixture's build fails with these 29 errors, in this order (and rustc's own on `mod
/// name;` in an attribute's item and on a fn without a body).
#[test]
fn every_item_the_attributes_reject_is_reported_where_and_as_they_reject_it() {
    let run = cargo_coop(&[
        "check",
        "--manifest-path",
        &manifest("misuses"),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let found = lint_places(&document, None);
    let unsupported = "coop::unsupported_item";
    assert_eq!(
        found,
        [
            (unsupported, 7, 5, "Struct"),
            (unsupported, 10, 5, "Enum"),
            (unsupported, 15, 5, "Union"),
            (unsupported, 20, 5, "CONST"),
            (unsupported, 23, 5, "STATIC"),
            (unsupported, 26, 5, "Alias"),
            (unsupported, 29, 1, "use std::fmt::Debug"),
            (unsupported, 32, 1, "alloc"),
            (unsupported, 35, 1, "rules"),
            (unsupported, 40, 24, "declared"),
            (unsupported, 44, 18, "external"),
            (unsupported, 46, 5, "EXTERNAL"),
            (unsupported, 51, 5, "Struct::ASSOCIATED"),
            (unsupported, 54, 9, "Struct::method"),
            (unsupported, 60, 5, "Trait::Item"),
            (unsupported, 62, 44, "Trait::next"),
            (unsupported, 67, 9, "inline::Nested"),
            (unsupported, 71, 9, "inline::host::InFn"),
            // Each attribute rejects the struct; the same one twice, once.
            (unsupported, 77, 5, "Both"),
            (unsupported, 77, 5, "Both"),
            (unsupported, 81, 5, "Twice"),
            (unsupported, 84, 11, "worker"),
            (unsupported, 88, 14, "outer::inner"),
            // `cfg_attr(all(), ..)`, nested and with other attributes; `cfg_attr(any(), ..)` and
            // `cfg_attr(feature = "fast", ..)` say nothing.
            (unsupported, 93, 5, "Applied"),
            (unsupported, 96, 5, "NestedApplied"),
            (unsupported, 105, 5, "constant"),
            ("coop::conflicting_attributes", 108, 1, "conflict"),
            ("coop::duplicate_attribute", 114, 1, "duplicate"),
            ("coop::conflicting_attributes", 119, 1, "both_in_one"),
        ]
    );
}

#[test]
fn every_item_the_attributes_reject_human() {
    let run = cargo_coop(&[
        "check",
        "--manifest-path",
        &manifest("misuses"),
        "--color",
        "never",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("misuses_human", run.stdout);
}

/// The summary counts what the findings list holds, and each file once: a file that could
/// not be parsed is one finding, and among the files not checked, not the files checked.
#[test]
fn the_summary_counts_every_finding_and_each_file_once() {
    let run = messages("json");
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = document["findings"].as_array().unwrap();
    let summary = &document["summary"];
    assert_eq!(summary["findings"], findings.len());
    let unreadable = findings
        .iter()
        .filter(|f| f["lint"] == "coop::unreadable_file")
        .count();
    assert_eq!(unreadable, 2);
    assert_eq!(summary["unreadable_files"], unreadable);
    // lib.rs, attributes.rs and the `include!`d generated.rs is not read: two files checked.
    assert_eq!(summary["files"], 2);
    let message = summary["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("cargo coop: {} findings", findings.len())),
        "{message}"
    );
    assert!(message.contains(", 2 files of "), "{message}");
    assert!(
        message.contains("not checked: 2 files that could not be read or parsed"),
        "{message}"
    );
    let human = messages("human");
    assert_eq!(
        human.stdout.matches("\nerror[").count() + 1,
        findings.len(),
        "{}",
        human.stdout
    );
}

/// SARIF's `executionSuccessful` follows the exit status: true for 0 and 1 (the run checked
/// everything), false for 2 (in `every_message_sarif_is_valid_sarif_2_1_0`).
#[test]
fn a_sarif_run_is_successful_when_every_file_was_checked() {
    for (args, code) in [
        (vec!["--manifest-path", &manifest("clean")], 0),
        (
            vec!["--manifest-path", &manifest("workspace"), "-p", "tokio-app"],
            1,
        ),
    ] {
        let mut all = vec!["check", "--format", "sarif"];
        all.extend(args.iter().map(|arg| &**arg));
        let run = cargo_coop(&all);
        assert_eq!(run.code, code, "{}", run.stderr);
        let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            log["runs"][0]["invocations"][0]["executionSuccessful"],
            true
        );
    }
}

#[test]
fn without_a_manifest_cargo_s_words_are_said_once() {
    let dir = std::env::temp_dir().join(format!("coop-no-manifest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = cargo_coop(&[
        "check",
        "--manifest-path",
        &dir.join("Cargo.toml").display().to_string(),
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    let stderr = run.stderr.replace(&dir.display().to_string(), "[DIR]");
    insta::assert_snapshot!(stderr, @"error: manifest path `[DIR]/Cargo.toml` does not exist");
}

#[test]
fn a_package_named_twice_is_fixed_once() {
    let run = cargo_coop(&[
        "fix",
        "--dry-run",
        "--manifest-path",
        &manifest("workspace"),
        "-p",
        "tokio-app",
        "-p",
        "tokio-app",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.matches("+++ b/tokio-app/Cargo.toml").count(),
        1,
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches("`tokio` feature to").count(),
        1,
        "{}",
        run.stdout
    );
}

/// A module whose file cannot be read (a directory, a symlink to itself or to nothing) is one
/// `unreadable_file` finding each, in every format; the other files are still checked, and each
/// format prints one whole document.
#[cfg(unix)]
#[test]
fn a_module_file_that_cannot_be_read_is_one_finding_and_the_rest_is_checked() {
    let dir = std::env::temp_dir().join(format!("cargo-coop-unreadable-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src/folder.rs")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"unreadable\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "mod folder;\nmod looped;\nmod nowhere;\npub async fn spin(n: u32) { for _ in 0..n {} }\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("looped.rs", dir.join("src/looped.rs")).unwrap();
    std::os::unix::fs::symlink("gone.rs", dir.join("src/nowhere.rs")).unwrap();
    let manifest = dir.join("Cargo.toml").display().to_string();
    let run = |format| cargo_coop(&["check", "--manifest-path", &manifest, "--format", format]);

    let json = run("json");
    assert_eq!(json.code, 2, "{}{}", json.stdout, json.stderr);
    let document: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let found: Vec<(&str, &str)> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["lint"].as_str().unwrap(), f["file"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            ("coop::unreadable_file", "src/folder.rs"),
            ("coop::loop_without_yield_point", "src/lib.rs"),
            ("coop::unreadable_file", "src/looped.rs"),
            ("coop::unreadable_file", "src/nowhere.rs"),
        ]
    );
    let sarif = run("sarif");
    assert_eq!(sarif.code, 2, "{}", sarif.stderr);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 4);
    let human = run("human");
    assert_eq!(human.code, 2, "{}", human.stderr);
    assert!(
        human.stdout.contains("src/folder.rs:1:1"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("not checked: 3 files"),
        "{}",
        human.stdout
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A reader that goes away before the report is written (`cargo coop check | head -0`) gets
/// no error message on stderr: the tool stops writing, as command-line tools do.
#[test]
fn a_reader_that_goes_away_gets_no_error_message() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-coop"))
        .args(["coop", "check", "--manifest-path", &manifest("workspace")])
        .arg("--workspace")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cargo-coop runs");
    // The read end closes before the tool has read the workspace's metadata.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("cargo-coop ends");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(output.status.code(), Some(2), "{stderr}");
}

/// Each finding of a JSON report as (lint, line, column, function), of `file` only if given.
fn lint_places<'a>(
    document: &'a serde_json::Value,
    file: Option<&str>,
) -> Vec<(&'a str, u64, u64, &'a str)> {
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| file.is_none_or(|file| f["file"] == file))
        .map(|f| {
            (
                f["lint"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["function"].as_str().unwrap(),
            )
        })
        .collect()
}
