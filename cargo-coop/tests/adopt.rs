//! Adoption in one step: each crate of `tests/fixtures/adoption/` is copied, committed to a
//! fresh git repository, and run through `cargo coop fix` with no flags, then `cargo build`
//! (all targets, no warning) and `cargo coop check` (exit 0). The builds share one target
//! directory (`target/coop-fixtures`) and run `--offline` when every crate is already
//! downloaded, online otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The coop-core this test binary was built beside: the one `fix` writes a path to.
fn coop_core() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../coop-core")
        .canonicalize()
        .unwrap()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The target directory every fixture's build shares (and `fix`'s own `cargo check`).
fn fixtures_target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
            PathBuf::from,
        )
        .join("coop-fixtures")
}

/// The outer `cargo test` describes its own package in CARGO_* variables; a cargo run inside a
/// fixture must not see them, and builds in the fixtures' shared target directory.
fn fixture_env(command: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if (key.starts_with("CARGO_") && key != "CARGO_HOME") || key.starts_with("RUSTC_") {
            command.env_remove(key);
        }
    }
    command.env("CARGO_TARGET_DIR", fixtures_target_dir())
}

fn cargo_coop(dir: &Path, args: &[&str]) -> Run {
    let output = fixture_env(&mut Command::new(env!("CARGO_BIN_EXE_cargo-coop")))
        .arg("coop")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("cargo-coop runs");
    Run {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A fixture's copy, in a git repository of its own with one commit.
struct Fixture {
    dir: PathBuf,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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
        } else {
            let text = std::fs::read(entry.path()).unwrap();
            let text = String::from_utf8(text)
                .unwrap()
                .replace("@COOP_CORE@", &coop_core().display().to_string());
            std::fs::write(target, text).unwrap();
        }
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=coop",
            "-c",
            "user.email=coop@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

impl Fixture {
    fn new(name: &str) -> Fixture {
        static COPIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let copy = COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("coop-adopt-{name}-{}-{copy}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/adoption")
                .join(name),
            &dir,
        );
        git(&dir, &["init", "-q"]);
        git(&dir, &["add", "-A"]);
        git(&dir, &["commit", "-q", "-m", "fixture"]);
        Fixture { dir }
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.dir.join(path)).unwrap()
    }

    /// Rewrites the file at `path` with `edit` and commits it, so that `fix` finds a clean tree.
    fn commit_edit(&self, path: &str, message: &str, edit: impl FnOnce(String) -> String) {
        std::fs::write(self.dir.join(path), edit(self.read(path))).unwrap();
        git(&self.dir, &["commit", "-qam", message]);
    }

    /// `cargo build --all-targets`, which must pass without a warning.
    fn build(&self) {
        self.build_with(&[]);
    }

    /// `cargo build --all-targets ARGS`, which must pass without a warning.
    fn build_with(&self, args: &[&str]) {
        let build = |offline: bool| {
            let mut cargo =
                Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
            cargo.args(["build", "--all-targets", "--message-format", "short"]);
            cargo.args(args);
            if offline {
                cargo.arg("--offline");
            }
            fixture_env(&mut cargo)
                .current_dir(&self.dir)
                .output()
                .expect("cargo runs")
        };
        let mut output = build(true);
        if !output.status.success() && String::from_utf8_lossy(&output.stderr).contains("offline") {
            output = build(false);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(!stderr.contains("warning"), "{stderr}");
    }

    /// `cargo coop fix` with no flags (exit 0), then the build, then `cargo coop check` (exit 0).
    fn adopt(&self) -> Run {
        let fixed = cargo_coop(&self.dir, &["fix"]);
        assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
        self.build();
        let check = cargo_coop(&self.dir, &["check", "--workspace"]);
        assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
        fixed
    }
}

/// A manifest line for the coop-core beside the tool, by its absolute path.
fn coop_core_line() -> String {
    format!(
        "coop-core = {{ path = {:?} }}\n",
        coop_core().display().to_string()
    )
}

/// `fix` said it added a coop-core dev-dependency, and the manifest has it, the coop-core
/// beside the tool with `rest` (`, features = [..]`) in its table; returns the manifest.
fn assert_dev_dependency(krate: &Fixture, fixed: &Run, rest: &str) -> String {
    assert_entry(
        krate,
        fixed,
        "a coop-core dev-dependency to Cargo.toml",
        &format!(
            "[dev-dependencies]\ncoop-core = {{ path = \"{}\"{rest} }}\n",
            shown_path(&krate.dir)
        ),
    )
}

/// `fix` said `said`, and the manifest has the line(s) `entry`; returns the manifest.
fn assert_entry(krate: &Fixture, fixed: &Run, said: &str, entry: &str) -> String {
    assert!(fixed.stdout.contains(said), "{}", fixed.stdout);
    let manifest = krate.read("Cargo.toml");
    assert!(manifest.contains(entry), "{manifest}");
    manifest
}

/// The finding `check --format json` printed for `lint`.
fn finding(check: &Run, lint: &str) -> serde_json::Value {
    let document: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["lint"] == lint)
        .unwrap_or_else(|| panic!("{lint} is reported: {}", check.stdout))
        .clone()
}

/// The path `fix` writes for the coop-core beside the tool, as seen from `dir`: up to the
/// directory both share, then down (the clone may sit beside the fixture's copy, under the same
/// temporary directory, or anywhere else). Checked to lead to coop-core.
fn shown_path(dir: &Path) -> String {
    let dir = dir.canonicalize().unwrap();
    let target = coop_core();
    let from: Vec<_> = dir.components().collect();
    let to: Vec<_> = target.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts = vec!["..".to_owned(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    let shown = parts.join("/");
    assert_eq!(dir.join(&shown).canonicalize().unwrap(), target);
    shown
}

#[test]
fn a_new_tokio_app_gets_coop_core_with_the_bridge() {
    let app = Fixture::new("tokio-app");
    let fixed = app.adopt();
    insta::assert_snapshot!("tokio_app_fix", fixed.stdout);
    let manifest = app.read("Cargo.toml");
    let expected = format!(
        "coop-core = {{ path = \"{}\", features = [\"tokio\"] }}\n",
        shown_path(&app.dir)
    );
    assert!(manifest.contains(&expected), "{manifest}");
    assert!(
        app.read("src/main.rs")
            .contains("#[coop_core::cooperative]\nasync fn checksum")
    );
}

#[test]
fn an_attribute_that_does_not_build_is_left_out_and_the_rest_stays() {
    let app = Fixture::new("tokio-guard");
    let fixed = cargo_coop(&app.dir, &["fix"]);
    // Findings are left for a hand-written change: exit 1, as `check` reports them.
    assert_eq!(fixed.code, 1, "{}{}", fixed.stdout, fixed.stderr);
    assert!(
        fixed.stdout.contains(
            "left out `bump` (src/main.rs): future cannot be sent between threads safely"
        ),
        "{}",
        fixed.stdout
    );
    let main = app.read("src/main.rs");
    assert!(
        main.contains("#[coop_core::cooperative]\nasync fn sum"),
        "{main}"
    );
    assert!(
        !main.contains("#[coop_core::cooperative]\nasync fn bump"),
        "{main}"
    );
    // Behind a feature too: `fix` checks with all features after the default ones.
    assert!(
        fixed
            .stdout
            .contains("left out `counted` (src/main.rs): future cannot be sent between threads"),
        "{}",
        fixed.stdout
    );
    app.build();
    app.build_with(&["--all-features"]);
}

/// A library's public future that its tests pin `Send` (as README advises): `fix`'s check builds
/// the tests, and the fn whose loop holds an `Rc` is left out, named.
#[test]
fn a_future_a_test_pins_send_is_left_out() {
    let krate = Fixture::new("send-pinned");
    let fixed = cargo_coop(&krate.dir, &["fix"]);
    assert!(
        fixed.stdout.contains(
            "left out `total` (src/lib.rs): `Rc<u32>` cannot be sent between threads safely"
        ),
        "{}",
        fixed.stdout
    );
    assert!(!krate.read("src/lib.rs").contains("cooperative"));
    krate.build();
}

#[test]
fn a_fix_whose_every_attribute_is_left_out_leaves_the_manifest_as_it_was() {
    let app = Fixture::new("tokio-guard");
    app.commit_edit(
        "src/main.rs",
        "only the fn that cannot take the attribute",
        |_| {
            "use std::sync::{Arc, Mutex};\n\n\
         async fn bump(state: Arc<Mutex<Vec<u32>>>) -> usize {\n\
         \x20   let mut guard = state.lock().unwrap();\n\
         \x20   for x in guard.iter_mut() {\n\
         \x20       *x += 1;\n\
         \x20   }\n\
         \x20   guard.len()\n\
         }\n\n\
         fn main() {\n\
         \x20   let runtime = tokio::runtime::Runtime::new().unwrap();\n\
         \x20   let state = Arc::new(Mutex::new(vec![1, 2, 3]));\n\
         \x20   println!(\"{}\", runtime.block_on(tokio::spawn(bump(state))).unwrap());\n\
         }\n"
            .to_owned()
        },
    );
    let manifest = app.read("Cargo.toml");
    let fixed = cargo_coop(&app.dir, &["fix"]);
    assert_eq!(fixed.code, 1, "{}{}", fixed.stdout, fixed.stderr);
    assert!(fixed.stdout.contains("left out `bump`"), "{}", fixed.stdout);
    // The dependency was added for that attribute alone: it goes, and is not reported.
    assert!(!fixed.stdout.contains("coop-core"), "{}", fixed.stdout);
    assert_eq!(app.read("Cargo.toml"), manifest);
    app.build();
}

#[test]
fn attributes_only_in_tests_get_a_dev_dependency() {
    let krate = Fixture::new("tests-only");
    let fixed = krate.adopt();
    let manifest = assert_dev_dependency(&krate, &fixed, "");
    assert!(!manifest.contains("\n[dependencies]"), "{manifest}");
    assert!(
        krate
            .read("tests/spin.rs")
            .contains("#[coop_core::cooperative]\nasync fn spin")
    );
}

/// Unit tests (`#[cfg(test)]` modules in `src/`, inline and in a file) are tests: a library
/// whose attributes all go there gets a dev-dependency, which its users do not build.
#[test]
fn attributes_only_in_unit_tests_get_a_dev_dependency() {
    let krate = Fixture::new("unit-tests");
    let fixed = krate.adopt();
    let manifest = assert_dev_dependency(&krate, &fixed, "");
    assert!(!manifest.contains("\n[dependencies]"), "{manifest}");
    assert!(
        krate
            .read("src/lib.rs")
            .contains("    #[coop_core::cooperative]\n    async fn sum")
    );
    assert!(
        krate
            .read("src/more.rs")
            .contains("#[coop_core::cooperative]\nasync fn spin")
    );
}

/// A file the library compiles both inside and outside its tests is the library's: a normal
/// dependency, whichever `mod` comes first.
#[test]
fn a_file_compiled_in_and_out_of_tests_gets_a_normal_dependency() {
    let krate = Fixture::new("unit-tests");
    std::fs::write(
        krate.dir.join("src/shared.rs"),
        "/// Spins.\npub async fn spin(n: u32) -> u32 {\n    let mut left = n;\n    while left > 0 {\n        left -= 1;\n    }\n    left\n}\n",
    )
    .unwrap();
    git(&krate.dir, &["add", "-A"]);
    krate.commit_edit("src/lib.rs", "a file compiled twice", |text| {
        text + "\n#[cfg(test)]\n#[allow(dead_code)]\n#[path = \"shared.rs\"]\nmod shared_in_tests;\n\n#[path = \"shared.rs\"]\npub mod shared;\n"
    });
    let fixed = krate.adopt();
    let manifest = krate.read("Cargo.toml");
    assert!(
        manifest.contains("\n[dependencies]\ncoop-core"),
        "{}\n{manifest}",
        fixed.stdout
    );
    assert!(
        krate
            .read("src/shared.rs")
            .contains("#[coop_core::cooperative]\npub async fn spin")
    );
}

#[test]
fn a_later_normal_dependency_copies_the_dev_entry_without_the_tests_tokio_feature() {
    let krate = Fixture::new("tests-only");
    krate.commit_edit("Cargo.toml", "tokio runs the tests", |text| {
        format!("{text}\n[dev-dependencies]\ntokio = {{ version = \"1\", features = [\"rt\"] }}\n")
    });
    krate.adopt();
    let path = shown_path(&krate.dir);
    let dev = format!("coop-core = {{ path = \"{path}\", features = [\"tokio\"] }}\n");
    assert!(krate.read("Cargo.toml").contains(&dev));
    // A loop in the library, fixed later: its users get coop-core, not tokio.
    krate.commit_edit("src/lib.rs", "a loop in the library", |text| {
        text + "\n/// Sums.\npub async fn sum(v: &[u32]) -> u32 {\n    let mut s = 0;\n    \
                for x in v {\n        s += x;\n    }\n    s\n}\n"
    });
    krate.adopt();
    let manifest = krate.read("Cargo.toml");
    assert!(
        manifest.contains(&format!(
            "[dependencies]\ncoop-core = {{ path = \"{path}\" }}\n"
        )),
        "{manifest}"
    );
    assert!(manifest.contains(&dev), "{manifest}");
}

#[test]
fn a_normal_dependency_serves_attributes_in_tests_and_gets_their_features() {
    let krate = Fixture::new("tests-only");
    krate.commit_edit("Cargo.toml", "coop-core without its macros", |text| {
        format!(
            "{text}\n[dependencies]\ncoop-core = {{ path = {:?}, default-features = false, \
             features = [\"std\"] }}\n",
            coop_core().display().to_string()
        )
    });
    krate.adopt();
    let manifest = krate.read("Cargo.toml");
    assert!(
        manifest.contains("default-features = false, features = [\"std\", \"macros\"] }"),
        "{manifest}"
    );
    assert!(!manifest.contains("[dev-dependencies]"), "{manifest}");
}

#[test]
fn a_module_named_as_the_crate_gets_the_attribute_from_the_root() {
    let krate = Fixture::new("tests-only");
    krate.commit_edit("src/lib.rs", "a module named coop_core", |_| {
        "//! A module of its own named as the crate.\n\n\
         mod coop_core {\n    pub fn helper() -> u64 {\n        1\n    }\n}\n\n\
         /// Doubles.\npub fn double(n: u32) -> u32 {\n    n * 2\n}\n\n\
         /// Spins.\npub async fn spin(n: u64) -> u64 {\n    let mut s = 0;\n    \
         for _ in 0..n {\n        s += coop_core::helper();\n    }\n    s\n}\n"
            .to_owned()
    });
    // `check`'s help offers what `fix` writes there, paths from the root.
    let checked = cargo_coop(&krate.dir, &["check"]);
    assert!(
        checked
            .stdout
            .contains("add `#[::coop_core::cooperative]` to `spin`"),
        "{}",
        checked.stdout
    );
    assert!(
        checked
            .stdout
            .contains("`::coop_core::consume_budget().await;`"),
        "{}",
        checked.stdout
    );
    krate.adopt();
    let lib = krate.read("src/lib.rs");
    assert!(
        lib.contains("#[::coop_core::cooperative]\npub async fn spin"),
        "{lib}"
    );
}

#[test]
fn a_crate_that_did_not_build_before_keeps_the_fix_and_is_told() {
    let app = Fixture::new("tokio-guard");
    app.commit_edit("src/main.rs", "a type error of its own", |text| {
        text + "\npub fn broken() -> u32 {\n    \"not a number\"\n}\n"
    });
    let fixed = cargo_coop(&app.dir, &["fix"]);
    assert!(
        fixed.stdout.contains(
            "the crate does not build, with or without the fix (`cargo check`: mismatched types)"
        ),
        "{}",
        fixed.stdout
    );
    // The attribute that builds stays; the one that does not is still left out.
    let main = app.read("src/main.rs");
    assert!(
        main.contains("#[coop_core::cooperative]\nasync fn sum"),
        "{main}"
    );
    assert!(
        !main.contains("#[coop_core::cooperative]\nasync fn bump"),
        "{main}"
    );
}

/// A `--dependency` that cargo cannot load (a path with no coop-core) leaves a crate that cargo
/// cannot check: where the crate built before, every file goes back, and `fix` says so and
/// fails.
#[test]
fn a_dependency_cargo_cannot_load_writes_nothing_and_fails() {
    let app = Fixture::new("smol-app");
    let manifest = app.read("Cargo.toml");
    let main = app.read("src/main.rs");
    let fixed = cargo_coop(
        &app.dir,
        &["fix", "--dependency", "path = \"../no-such-dir/coop-core\""],
    );
    assert_ne!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    assert!(
        fixed.stdout.contains(
            "cargo coop: not fixed: with the fix `cargo check` cannot run, where without it \
             cargo can (error: failed to"
        ),
        "{}",
        fixed.stdout
    );
    assert!(
        fixed.stdout.contains("no-such-dir"),
        "the cause is said: {}",
        fixed.stdout
    );
    assert_eq!(app.read("Cargo.toml"), manifest);
    assert_eq!(app.read("src/main.rs"), main);
    // The checks wrote no lock file that stays.
    assert!(!app.dir.join("Cargo.lock").exists());
    app.build();

    // A crate with an error of its own: cargo runs without the fix, so the fix is what stops
    // it, and nothing is written either.
    app.commit_edit("src/main.rs", "a type error of its own", |text| {
        text + "\npub fn broken() -> u32 {\n    \"not a number\"\n}\n"
    });
    let main = app.read("src/main.rs");
    let fixed = cargo_coop(
        &app.dir,
        &["fix", "--dependency", "path = \"../no-such-dir/coop-core\""],
    );
    assert_eq!(fixed.code, 1, "{}{}", fixed.stdout, fixed.stderr);
    assert!(
        fixed.stdout.contains(
            "not fixed: with the fix `cargo check` cannot run, where without it cargo can"
        ),
        "{}",
        fixed.stdout
    );
    assert_eq!(app.read("Cargo.toml"), manifest);
    assert_eq!(app.read("src/main.rs"), main);
}

/// A package whose `rust-version` is older than coop-core's is told: its users on an older
/// compiler could no longer build it.
#[test]
fn an_older_rust_version_is_told() {
    let app = Fixture::new("smol-app");
    app.commit_edit("Cargo.toml", "an old MSRV", |text| {
        text.replace(
            "edition = \"2024\"\n",
            "edition = \"2024\"\nrust-version = \"1.85\"\n",
        )
    });
    let fixed = app.adopt();
    assert!(
        fixed.stdout.contains(&format!(
            "cargo coop: added a dependency that needs Rust {}, where the `rust-version` of \
             Cargo.toml is 1.85",
            env!("CARGO_PKG_RUST_VERSION")
        )),
        "{}",
        fixed.stdout
    );
}

/// A relative `--dependency` path names a directory from where `cargo coop` runs, as `cargo
/// add --path` reads it: each member, at any depth, gets the path from its own manifest.
#[test]
fn a_relative_dependency_path_reaches_coop_core_from_every_member() {
    let ws = Fixture::new("nested-members");
    let root = ws.dir.canonicalize().unwrap();
    // From the workspace's root up to `/`, then down to coop-core: relative, whatever the two
    // directories share.
    let up = "../".repeat(root.components().count() - 1);
    let from_root = format!(
        "{up}{}",
        coop_core().display().to_string().trim_start_matches('/')
    );
    let fixed = cargo_coop(
        &ws.dir,
        &[
            "fix",
            "--workspace",
            "--dependency",
            &format!("path = {from_root:?}"),
        ],
    );
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    for member in ["top", "crates/deep"] {
        let manifest = ws.read(&format!("{member}/Cargo.toml"));
        let path = manifest
            .lines()
            .find_map(|line| line.strip_prefix("coop-core = { path = \""))
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("{manifest}"));
        assert!(Path::new(path).is_relative(), "{manifest}");
        assert_eq!(
            root.join(member).join(path).canonicalize().unwrap(),
            coop_core(),
            "{manifest}"
        );
    }
    ws.build();
}

/// A crate whose tests need a feature does not build with its default features, before the
/// fix or after: the fix is then checked with `--all-features`, where an attribute that does
/// not build (a guard held across a loop in a future that must be `Send`) is left out.
#[test]
fn a_crate_that_builds_only_with_its_features_is_checked_with_them() {
    let krate = Fixture::new("tests-only");
    krate.commit_edit("Cargo.toml", "a feature", |text| {
        format!("{text}\n[features]\nf = []\n")
    });
    krate.commit_edit(
        "src/lib.rs",
        "a future that must be Send, under the feature",
        |_| {
            "//! A future that must be `Send`, under a feature.\n\n\
         /// Spawns.\n#[cfg(feature = \"f\")]\npub fn spawn_it() {\n    \
         fn need_send<T: Send>(_: T) {}\n    need_send(bump(&std::sync::Mutex::new(0)));\n}\n\n\
         /// Bumps under the lock.\n#[cfg(feature = \"f\")]\n\
         pub async fn bump(m: &std::sync::Mutex<u32>) {\n    let mut g = m.lock().unwrap();\n    \
         for _ in 0..3 {\n        *g += 1;\n    }\n    drop(g);\n}\n"
                .to_owned()
        },
    );
    krate.commit_edit("tests/spin.rs", "a test that needs the feature", |_| {
        "//! Needs the feature.\n\n#[test]\nfn spawns() {\n    tests_only::spawn_it();\n}\n"
            .to_owned()
    });
    let fixed = cargo_coop(&krate.dir, &["fix"]);
    assert_eq!(fixed.code, 1, "{}{}", fixed.stdout, fixed.stderr);
    assert!(
        fixed
            .stdout
            .contains("left out `bump` (src/lib.rs): future cannot be sent between threads safely"),
        "{}",
        fixed.stdout
    );
    assert!(
        fixed.stdout.contains(
            "with its default features the crate does not build, with or without the fix"
        ),
        "{}",
        fixed.stdout
    );
    assert!(
        fixed
            .stdout
            .contains("the fix was checked with `--all-features`"),
        "{}",
        fixed.stdout
    );
    krate.build_with(&["--all-features"]);
}

/// A `#![no_std]` library gets coop-core without `std` (which would not build on its
/// targets), with the `macros` feature named.
#[test]
fn a_no_std_library_gets_coop_core_without_std() {
    let krate = Fixture::new("no-std");
    let fixed = krate.adopt();
    assert_entry(
        &krate,
        &fixed,
        "without its default `std` feature",
        &format!(
            "coop-core = {{ path = \"{}\", default-features = false, features = [\"macros\"] }}\n",
            shown_path(&krate.dir)
        ),
    );
}

/// `#![cfg_attr(not(feature = "std"), no_std)]`: coop-core without `std`, which the crate's own
/// `std` feature turns on, so that each build of the crate gets the coop-core it can link.
#[test]
fn a_library_no_std_unless_its_feature_gets_coop_core_whose_std_follows_it() {
    let krate = Fixture::new("std-feature");
    let fixed = krate.adopt();
    assert_std_follows_the_feature(
        &krate,
        &fixed,
        "the package is `no_std` unless its `std` feature, which now turns coop-core's `std` on",
        &format!("coop-core = {{ path = \"{}\"", shown_path(&krate.dir)),
    );
}

/// `fix` said `said`, wrote `entry` (up to its source) without coop-core's default features
/// and with `macros`, and the crate's `std` feature turns coop-core's on; the crate builds
/// without it.
fn assert_std_follows_the_feature(krate: &Fixture, fixed: &Run, said: &str, entry: &str) {
    let manifest = assert_entry(
        krate,
        fixed,
        said,
        &format!("{entry}, default-features = false, features = [\"macros\"] }}\n"),
    );
    assert!(manifest.contains("std = [\"coop-core/std\"]"), "{manifest}");
    krate.build_with(&["--no-default-features", "--lib"]);
}

/// The same with a coop-core dev-dependency already there: the new entry has its source (one
/// source for cargo), without the default `std` the tests may use.
#[test]
fn a_library_no_std_unless_its_feature_copies_its_dev_dependency_without_std() {
    let krate = Fixture::new("std-feature");
    krate.commit_edit("Cargo.toml", "coop-core for the tests", |text| {
        text.replace(
            "[workspace]",
            &format!(
                "[dev-dependencies]\ncoop-core = {{ path = {:?} }}\n\n[workspace]",
                coop_core().display().to_string()
            ),
        )
    });
    let fixed = krate.adopt();
    assert_std_follows_the_feature(
        &krate,
        &fixed,
        "as its dev-dependency `coop-core` has it, without its default `std` feature: the \
         package is `no_std` unless its `std` feature",
        &format!(
            "[dependencies]\ncoop-core = {{ path = {:?}",
            coop_core().display().to_string()
        ),
    );
}

#[test]
fn check_reports_a_tokio_package_without_the_bridge_and_fix_turns_it_on() {
    let app = Fixture::new("tokio-app");
    app.commit_edit("Cargo.toml", "coop-core without the bridge", |text| {
        text.replace(
            "[dependencies]\n",
            &format!("[dependencies]\n{}", coop_core_line()),
        )
    });
    let check = cargo_coop(&app.dir, &["check", "--color", "never"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    let report = check
        .stdout
        .replace(&coop_core().display().to_string(), "[COOP_CORE]");
    insta::assert_snapshot!("tokio_without_bridge", report);
    let fixed = app.adopt();
    assert!(
        fixed.stdout.contains("coop-core's `tokio` feature"),
        "{}",
        fixed.stdout
    );
}

#[test]
fn a_smol_app_gets_coop_core_without_tokio() {
    let app = Fixture::new("smol-app");
    let fixed = app.adopt();
    insta::assert_snapshot!("smol_app_fix", fixed.stdout);
    let manifest = app.read("Cargo.toml");
    assert!(
        manifest.contains(&format!(
            "coop-core = {{ path = \"{}\" }}\n",
            shown_path(&app.dir)
        )),
        "{manifest}"
    );
}

#[test]
fn a_workspace_member_inherits_the_workspace_dependency() {
    let ws = Fixture::new("workspace-deps");
    ws.adopt();
    assert_eq!(
        ws.read("app/Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\ncoop-core.workspace = true\n"
    );
}

#[test]
fn a_dev_dependency_is_reused_under_its_name() {
    let krate = Fixture::new("dev-only");
    krate.adopt();
    let manifest = krate.read("Cargo.toml");
    let entry = format!(
        "coop = {{ package = \"coop-core\", path = {:?} }}\n",
        coop_core().display().to_string()
    );
    assert_eq!(manifest.matches(&entry).count(), 2, "{manifest}");
    assert!(
        krate
            .read("src/lib.rs")
            .contains("#[coop::cooperative(crate = \"coop\")]\npub async fn pad")
    );
}

#[test]
fn aliased_attributes_are_read_and_nothing_is_stacked_on_them() {
    let krate = Fixture::new("aliases");
    let before = cargo_coop(&krate.dir, &["check", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&before.stdout).unwrap();
    let functions: Vec<&str> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["function"].as_str().unwrap())
        .collect();
    assert_eq!(functions, ["plain"]);
    let fixed = krate.adopt();
    assert!(fixed.stdout.contains("to 1 item;"), "{}", fixed.stdout);
    let source = krate.read("src/lib.rs");
    assert_eq!(
        source.matches("#[coop_core::cooperative]").count(),
        1,
        "{source}"
    );
}

#[test]
fn a_dirty_tree_is_refused_then_written_with_allow_dirty() {
    let krate = Fixture::new("dirty");
    let lib = krate.dir.join("src/lib.rs");
    let edited = format!(
        "{}\n/// Uncommitted.\npub fn extra() {{}}\n",
        krate.read("src/lib.rs")
    );
    std::fs::write(&lib, &edited).unwrap();
    let refused = cargo_coop(&krate.dir, &["fix"]);
    assert_eq!(refused.code, 2);
    insta::assert_snapshot!("dirty_tree_refused", refused.stderr);
    assert_eq!(krate.read("src/lib.rs"), edited, "nothing is written");
    let fixed = cargo_coop(&krate.dir, &["fix", "--allow-dirty"]);
    assert_eq!(fixed.code, 0, "{}", fixed.stderr);
    krate.build();
    assert_eq!(cargo_coop(&krate.dir, &["check"]).code, 0);
}

#[test]
fn a_crate_outside_version_control_is_refused_without_allow_no_vcs() {
    let krate = Fixture::new("dirty");
    std::fs::remove_dir_all(krate.dir.join(".git")).unwrap();
    let refused = cargo_coop(&krate.dir, &["fix"]);
    assert_eq!(refused.code, 2);
    insta::assert_snapshot!("no_vcs_refused", refused.stderr);
    assert_eq!(cargo_coop(&krate.dir, &["fix", "--allow-no-vcs"]).code, 0);
}

#[test]
fn an_older_toml_parser_in_the_lock_file_stays() {
    let krate = Fixture::new("old-toml");
    krate.adopt();
    let lock = krate.read("Cargo.lock");
    assert!(
        lock.contains("name = \"toml_parser\"\nversion = \"1.0.6+spec-1.1.0\""),
        "{lock}"
    );
    assert!(lock.contains("name = \"coop-core\""), "{lock}");
    assert!(!lock.contains("proc-macro-crate"), "{lock}");
}

#[test]
fn a_dependency_without_the_macros_feature_gets_it() {
    let krate = Fixture::new("dirty");
    let manifest = krate.dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("\" }\n", "\", default-features = false }\n");
    std::fs::write(&manifest, text).unwrap();
    let lib = krate.dir.join("src/lib.rs");
    let source = format!(
        "{}\n/// Covered.\n#[coop_core::cooperative]\npub async fn covered() {{}}\n",
        krate.read("src/lib.rs")
    );
    std::fs::write(&lib, source).unwrap();
    git(&krate.dir, &["commit", "-qam", "macros off"]);
    let check = cargo_coop(&krate.dir, &["check", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let lints: Vec<&str> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["lint"].as_str().unwrap())
        .collect();
    assert_eq!(
        lints,
        [
            "coop::loop_without_yield_point",
            "coop::missing_macros_feature"
        ]
    );
    krate.adopt();
    assert!(
        krate
            .read("Cargo.toml")
            .contains("default-features = false, features = [\"macros\"] }"),
        "{}",
        krate.read("Cargo.toml")
    );
}

#[test]
fn an_optional_dependency_gets_the_attribute_under_its_feature() {
    let krate = Fixture::new("optional");
    krate.adopt();
    krate.build_with(&["--features", "fair"]);
    let source = krate.read("src/lib.rs");
    assert!(
        source.contains(
            "#[cfg_attr(feature = \"fair\", coop_core::cooperative)]\npub async fn count"
        ),
        "{source}"
    );
}

#[test]
fn a_target_specific_dependency_gets_the_attribute_under_its_cfg_and_the_bridge_in_its_table() {
    let krate = Fixture::new("target-only");
    let fixed = krate.adopt();
    assert!(
        fixed.stdout.contains("coop-core's `tokio` feature"),
        "{}",
        fixed.stdout
    );
    let source = krate.read("src/lib.rs");
    assert!(
        source.contains("#[cfg_attr(windows, coop_core::cooperative)]\npub async fn count"),
        "{source}"
    );
    let manifest = krate.read("Cargo.toml");
    assert!(
        manifest.contains(&format!(
            "[target.'cfg(windows)'.dependencies]\ncoop-core = {{ path = {:?}, features = [\"tokio\"] }}\n",
            coop_core().display().to_string()
        )),
        "{manifest}"
    );
    assert!(!manifest.contains("\n[dependencies]"), "{manifest}");
}

#[test]
fn a_file_two_members_compile_gives_both_the_dependency() {
    let ws = Fixture::new("shared-file");
    // One member alone: the shared file is left as it is, and said so.
    let alone = cargo_coop(&ws.dir, &["fix", "-p", "left"]);
    assert_eq!(alone.code, 1, "{}{}", alone.stdout, alone.stderr);
    assert!(
        alone.stdout.contains(
            "not fixed: shared/rows.rs is compiled by `right` too, which is not selected"
        ),
        "{}",
        alone.stdout
    );
    assert!(!ws.read("shared/rows.rs").contains("cooperative"));
    assert!(!ws.read("left/Cargo.toml").contains("coop-core"));
    // A member left out that is not finished (a target without its file) stops nothing.
    let ghost = ws.dir.join("ghost");
    std::fs::create_dir_all(&ghost).unwrap();
    std::fs::write(
        ghost.join("Cargo.toml"),
        "[package]\nname = \"ghost\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
         [[bin]]\nname = \"ghost\"\npath = \"src/missing.rs\"\n",
    )
    .unwrap();
    let root = ws.dir.join("Cargo.toml");
    let members = std::fs::read_to_string(&root)
        .unwrap()
        .replace("\"right\"]", "\"right\", \"ghost\"]");
    std::fs::write(&root, &members).unwrap();
    let alone = cargo_coop(&ws.dir, &["fix", "--dry-run", "-p", "left"]);
    assert_eq!(alone.code, 1, "{}{}", alone.stdout, alone.stderr);
    std::fs::remove_dir_all(&ghost).unwrap();
    git(&ws.dir, &["checkout", "Cargo.toml"]);
    let fixed = ws.adopt();
    assert!(fixed.stdout.contains("to 1 item;"), "{}", fixed.stdout);
    for member in ["left", "right"] {
        let manifest = ws.read(&format!("{member}/Cargo.toml"));
        assert!(manifest.contains("coop-core = { path = "), "{manifest}");
    }
}

#[test]
fn a_new_dependency_without_default_features_gets_macros() {
    // From `--dependency`.
    let krate = Fixture::new("dirty");
    krate.commit_edit("Cargo.toml", "no coop-core", |text| {
        text.replace(&coop_core_line(), "")
    });
    let spec = format!(
        "path = {:?}, default-features = false",
        coop_core().display().to_string()
    );
    let fixed = cargo_coop(&krate.dir, &["fix", "--dependency", &spec]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    krate.build();
    assert!(
        krate
            .read("Cargo.toml")
            .contains("default-features = false, features = [\"macros\"] }"),
        "{}",
        krate.read("Cargo.toml")
    );
    // From `[workspace.dependencies]`.
    let ws = Fixture::new("workspace-deps");
    ws.commit_edit("Cargo.toml", "defaults off", |text| {
        text.replace("\" }\n", "\", default-features = false }\n")
    });
    ws.adopt();
    assert!(
        ws.read("app/Cargo.toml")
            .contains("coop-core = { workspace = true, features = [\"macros\"] }\n"),
        "{}",
        ws.read("app/Cargo.toml")
    );
}

#[test]
fn an_optional_tokio_gets_the_bridge_from_the_features_that_turn_it_on() {
    let krate = Fixture::new("optional-tokio");
    let fixed = krate.adopt();
    krate.build_with(&["--features", "rt"]);
    assert!(
        fixed
            .stdout
            .contains("with the features that turn tokio on (`rt`)"),
        "{}",
        fixed.stdout
    );
    let manifest = krate.read("Cargo.toml");
    assert!(
        manifest.contains("rt = [\"dep:tokio\", \"coop-core/tokio\"]\n"),
        "{manifest}"
    );
    let entry = manifest
        .lines()
        .find(|line| line.starts_with("coop-core = "))
        .unwrap();
    assert!(!entry.contains("tokio"), "{manifest}");
}

/// Only a test gets an attribute, in a package whose tokio is optional: coop-core is a
/// dev-dependency with the bridge on (features cannot name a dev-dependency), and the package's
/// users build neither.
#[test]
fn attributes_only_in_tests_with_an_optional_tokio_get_a_dev_dependency_with_the_bridge() {
    let krate = Fixture::new("optional-tokio");
    krate.commit_edit("src/lib.rs", "no loop in the library", |_| {
        "//! A library without a loop.\n\n/// Halves.\npub fn half(n: u64) -> u64 {\n    n / 2\n}\n"
            .to_owned()
    });
    std::fs::create_dir_all(krate.dir.join("tests")).unwrap();
    std::fs::write(
        krate.dir.join("tests/spin.rs"),
        "//! A test's own hot loop.\n\nasync fn spin(n: u64) -> u64 {\n    let mut total = 0;\n    \
         for i in 0..n {\n        total += optional_tokio::half(i);\n    }\n    total\n}\n\n\
         #[test]\nfn spins() {\n    drop(spin(3));\n}\n",
    )
    .unwrap();
    git(&krate.dir, &["add", "."]);
    git(&krate.dir, &["commit", "-qm", "a test with a hot loop"]);
    let fixed = krate.adopt();
    krate.build_with(&["--features", "rt"]);
    let manifest = assert_dev_dependency(&krate, &fixed, ", features = [\"tokio\"]");
    assert!(manifest.contains("rt = [\"dep:tokio\"]\n"), "{manifest}");
    assert!(!manifest.contains("coop-core/tokio"), "{manifest}");
}

#[test]
fn check_asks_an_optional_tokio_for_the_bridge_in_its_features() {
    let krate = Fixture::new("optional-tokio");
    krate.commit_edit("Cargo.toml", "coop-core without the bridge", |text| {
        text.replace(
            "[dependencies]\n",
            &format!("[dependencies]\n{}", coop_core_line()),
        )
    });
    let check = cargo_coop(&krate.dir, &["check", "--format", "json"]);
    let bridge = finding(&check, "coop::tokio_without_bridge");
    insta::assert_snapshot!(
        bridge["help"].as_str().unwrap(),
        @r#"add `"coop-core/tokio"` to the features that turn tokio on (`rt`) (`cargo coop fix` does)"#
    );
}

/// The attributes `check`'s help offers for a renamed coop-core compile (rustc is the judge),
/// each one alone.
#[test]
fn the_attributes_check_offers_for_a_renamed_dependency_compile() {
    let krate = Fixture::new("dev-only");
    krate.commit_edit("Cargo.toml", "renamed coop-core", |text| {
        text.replace("[dev-dependencies]", "[dependencies]")
    });
    let check = cargo_coop(&krate.dir, &["check", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let help = document["findings"][0]["help"].as_str().unwrap().to_owned();
    let offered: Vec<&str> = help
        .split('`')
        .filter(|part| part.starts_with("#["))
        .collect();
    assert_eq!(offered.len(), 2, "{help}");
    let lib = krate.dir.join("src/lib.rs");
    let original = krate.read("src/lib.rs");
    for attribute in offered {
        let source = original.replace(
            "pub async fn pad",
            &format!("{attribute}\npub async fn pad"),
        );
        std::fs::write(&lib, source).unwrap();
        krate.build();
        let check = cargo_coop(&krate.dir, &["check"]);
        assert_eq!(check.code, 0, "{attribute}: {}", check.stdout);
    }
}

/// Under an optional coop-core, each of the three changes `check`'s help offers (the attribute,
/// a yield point in the loop's body, the opt-out) compiles with the feature and without it.
#[test]
fn what_check_offers_under_an_optional_dependency_compiles_with_and_without_it() {
    let krate = Fixture::new("optional");
    let check = cargo_coop(&krate.dir, &["check", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let help = document["findings"][0]["help"].as_str().unwrap().to_owned();
    let offered: Vec<&str> = help.split('`').skip(1).step_by(2).collect();
    // `#[..]` to `count` (`cargo coop fix` does), a yield point, `#[..]` on the fn.
    assert_eq!(offered.len(), 5, "{help}");
    let lib = krate.dir.join("src/lib.rs");
    let original = krate.read("src/lib.rs");
    let fn_line = "pub async fn count";
    let body = "while left > 0 {\n";
    for source in [
        original.replace(fn_line, &format!("{}\n{fn_line}", offered[0])),
        original.replace(body, &format!("{body}        {}\n", offered[3])),
        original.replace(fn_line, &format!("{}\n{fn_line}", offered[4])),
    ] {
        std::fs::write(&lib, &source).unwrap();
        krate.build();
        krate.build_with(&["--features", "fair"]);
        let check = cargo_coop(&krate.dir, &["check"]);
        assert_eq!(check.code, 0, "{source}\n{}", check.stdout);
    }
}

#[test]
fn a_file_outside_the_repository_is_refused_without_allow_no_vcs() {
    let krate = Fixture::new("dirty");
    let outside = krate.dir.with_extension("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let _cleanup = Fixture {
        dir: outside.clone(),
    };
    let module = outside.join("spin.rs");
    let spin = "/// Spins.\npub async fn spin(mut n: u64) {\n    while n > 0 {\n        n -= 1;\n    }\n}\n";
    std::fs::write(&module, spin).unwrap();
    let lib = format!(
        "{}\n#[path = {:?}]\npub mod spin;\n",
        krate.read("src/lib.rs"),
        module.display().to_string()
    );
    std::fs::write(krate.dir.join("src/lib.rs"), lib).unwrap();
    git(&krate.dir, &["commit", "-qam", "a module outside"]);
    for flags in [&[][..], &["--allow-dirty"]] {
        let refused = cargo_coop(&krate.dir, &[&["fix"][..], flags].concat());
        assert_eq!(refused.code, 2, "{}", refused.stdout);
        let stderr = refused
            .stderr
            .replace(&module.display().to_string(), "[OUTSIDE]/spin.rs")
            .replace(
                &krate.dir.canonicalize().unwrap().display().to_string(),
                "[REPO]",
            );
        insta::assert_snapshot!("outside_the_repository_refused", stderr);
        assert_eq!(std::fs::read_to_string(&module).unwrap(), spin);
    }
    let fixed = cargo_coop(&krate.dir, &["fix", "--allow-no-vcs"]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    assert!(
        std::fs::read_to_string(&module)
            .unwrap()
            .contains("#[coop_core::cooperative]")
    );
    krate.build();
}

#[test]
fn tests_on_tokio_get_the_bridge_in_a_dev_dependency() {
    let krate = Fixture::new("tokio-tests");
    let fixed = krate.adopt();
    assert!(
        fixed
            .stdout
            .contains("`tokio` feature to Cargo.toml, in a dev-dependency (tokio runs the tests)"),
        "{}",
        fixed.stdout
    );
    let manifest = krate.read("Cargo.toml");
    let path = shown_path(&krate.dir);
    assert!(
        manifest.contains(&format!(
            "[dev-dependencies]\ntokio = {{ version = \"1\", features = [\"rt\", \"time\"] }}\n\
             coop-core = {{ path = \"{path}\", features = [\"tokio\"] }}\n"
        )),
        "{manifest}"
    );
    assert!(
        manifest.contains(&format!(
            "[dependencies]\ncoop-core = {{ path = \"{path}\" }}\n"
        )),
        "{manifest}"
    );
    // A normal coop-core without a dev-dependency that turns the bridge on is reported.
    let krate = Fixture::new("tokio-tests");
    krate.commit_edit("Cargo.toml", "coop-core", |text| {
        format!("{text}\n[dependencies]\n{}", coop_core_line())
    });
    let check = cargo_coop(&krate.dir, &["check", "--format", "json"]);
    let bridge = finding(&check, "coop::tokio_without_bridge");
    insta::assert_snapshot!(
        bridge["help"].as_str().unwrap(),
        @r#"tokio runs the tests: add `features = ["tokio"]` to a coop-core dev-dependency `coop-core` from the same source (`cargo coop fix` does)"#
    );
}

#[test]
fn a_dependency_only_on_a_target_triple_is_not_given_an_attribute_that_would_not_resolve() {
    let krate = Fixture::new("target-only");
    krate.commit_edit("Cargo.toml", "a triple", |text| {
        text.replace(
            "[target.'cfg(windows)'.dependencies]",
            "[target.x86_64-pc-windows-msvc.dependencies]",
        )
    });
    let check = cargo_coop(&krate.dir, &["check", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let first = &document["findings"][0];
    assert_eq!(first["lint"], "coop::loop_without_yield_point");
    assert_eq!(first["fixable"], false, "{first}");
    let fixed = cargo_coop(&krate.dir, &["fix"]);
    assert_eq!(fixed.code, 1, "{}{}", fixed.stdout, fixed.stderr);
    assert!(
        fixed.stdout.contains(
            "not fixed: `target-only` depends on coop-core only on target `x86_64-pc-windows-msvc`"
        ),
        "{}",
        fixed.stdout
    );
    assert!(!krate.read("src/lib.rs").contains("cooperative"));
    krate.build();
}

/// tokio's `impl TcpListener { cfg_not_wasip1! { pub async fn bind(..) { .. } } }`: a fn inside
/// a macro call in an `impl` block or a trait was not read. Each is reported, annotated inside
/// the call as one at module level is, and the crate builds with the attributes.
#[test]
fn fns_inside_macro_calls_in_impl_blocks_and_traits_are_fixed_like_module_level_ones() {
    let krate = Fixture::new("item-macros");
    let check = cargo_coop(&krate.dir, &["check", "--format", "json"]);
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    let document: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let found: Vec<(String, String, bool)> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["function"].as_str().unwrap().to_owned(),
                f["lint"].as_str().unwrap().to_owned(),
                f["fixable"].as_bool().unwrap(),
            )
        })
        .collect();
    let lint = "coop::loop_without_yield_point".to_owned();
    assert_eq!(
        found,
        [
            ("S::in_impl_macro".to_owned(), lint.clone(), true),
            ("S::method".to_owned(), lint.clone(), true),
            ("in_item_macro".to_owned(), lint.clone(), true),
            ("Count::in_trait_macro".to_owned(), lint, true),
        ]
    );
    let fixed = krate.adopt();
    assert!(fixed.stdout.contains("4 "), "{}", fixed.stdout);
    let lib = krate.read("src/lib.rs");
    for fixed_fn in [
        "        /// Sums `0..n`.\n        #[coop_core::cooperative]\n        pub async fn in_impl_macro",
        "        #[coop_core::cooperative]\n        pub async fn method",
        "    #[coop_core::cooperative]\n    pub async fn in_item_macro",
        "        #[coop_core::cooperative]\n        async fn in_trait_macro",
    ] {
        assert!(lib.contains(fixed_fn), "{fixed_fn}\n{lib}");
    }
}
