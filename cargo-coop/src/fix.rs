//! `cargo coop fix`: everything it will write is decided first (attributes, the coop-core
//! dependency, its features), refused as a whole when it cannot leave a crate that builds or
//! when the files have uncommitted changes, and only then written (or shown with `--dry-run`);
//! then the crate is checked, and an attribute that does not build is taken back out (see
//! `verify`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use coop_analysis::lints;

use crate::check::{CLEAN, COULD_NOT_RUN, FINDINGS, Scanned, missing_features, scan_shared, shown};
use crate::entry::plural;
use crate::insert::{diff, fix_source};
use crate::manifest::{self, Source};
use crate::packages::{Condition, Packages, Selected, Tokio};
use crate::scan::scan_tree;
use crate::vcs::{self, Allow};
use crate::verify::{Annotated, verify};

/// What the command line says besides the packages.
pub(crate) struct FixOptions {
    pub(crate) dry_run: bool,
    /// `--crate-path`: the attribute's path for a re-exported coop-core.
    pub(crate) crate_path: Option<String>,
    /// `--dependency`: where a new coop-core dependency comes from.
    pub(crate) dependency: Option<String>,
    pub(crate) allow: Allow,
}

/// One file to write.
struct Planned {
    path: PathBuf,
    old: String,
    new: String,
}

/// Where a package's new coop-core dependency comes from, and under which key.
fn new_dependency(
    package: &Selected,
    manifest_text: &str,
    workspace_key: Option<&str>,
    spec: Option<&toml_edit::Value>,
) -> Option<(String, Source)> {
    if let Some(dep) = &package.coop_core_elsewhere
        && let Some(entry) = manifest::other_entry(manifest_text, &dep.key)
    {
        // cargo refuses one package with two sources for coop-core: the same entry, the same key.
        // The dev entry's `tokio` feature (tokio runs the tests) is not for the package's users
        // unless they build tokio too.
        let entry = if package.tokio == Tokio::None {
            manifest::without_feature(entry, "tokio")
        } else {
            entry
        };
        return Some((dep.key.clone(), Source::CopyOf(entry)));
    }
    if let Some(key) = workspace_key {
        return Some((key.to_owned(), Source::Workspace));
    }
    let dir = package.manifest_path.parent().unwrap_or(Path::new("."));
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if let Some(value) = spec {
        return Some((
            "coop-core".to_owned(),
            Source::Spec(manifest::rebased(value, &dir)),
        ));
    }
    let beside = manifest::coop_core_beside_the_tool()?;
    let beside = beside.canonicalize().unwrap_or(beside);
    Some((
        "coop-core".to_owned(),
        Source::Path(manifest::relative(&dir, &beside)),
    ))
}

/// The refusal when a package needs coop-core and no source for it is known.
fn no_known_source(package: &str) -> String {
    format!(
        "`{package}` needs a coop-core dependency, and this cargo-coop does not know where \
         coop-core is (it was not installed from a clone of coop)\n\n\
         pass it: `cargo coop fix --dependency 'path = \"/path/to/coop/coop-core\"'` \
         (or `--dependency 'git = \"<coop's repository>\"'`); nothing was written"
    )
}

/// The attribute `fix` writes, for coop-core reached as `name` (`crate = ".."` when renamed),
/// under `cfg_attr` when the dependency is there only when `condition` holds.
fn attribute(name: &str, crate_path: Option<&str>, condition: Option<&str>) -> String {
    match crate_path {
        // `--crate-path` is written with `crate = ".."` whatever it names.
        Some(path) => {
            let inner = format!("{path}::cooperative(crate = \"{path}\")");
            match condition {
                Some(predicate) => format!("#[cfg_attr({predicate}, {inner})]"),
                None => format!("#[{inner}]"),
            }
        }
        None => lints::attribute(name, "cooperative", condition),
    }
}

/// What `fix` does to one package.
struct Plan<'a> {
    package: &'a Selected,
    manifest_text: String,
    /// The dependency's key, existing or added.
    key: String,
    source: Option<Source>,
    /// The attribute, or why none can be written.
    attribute: Result<String, String>,
    /// The attribute naming the crate from the root (`#[::coop_core::cooperative]`), for a file
    /// with an item of the crate's name; none under `--crate-path`, which is written as given.
    rooted: Option<String>,
    /// Attributes are written into its files (its own, or files it shares).
    added: usize,
    /// Some of them go into files its library or binaries compile, not only its tests,
    /// examples or benches.
    runtime: bool,
    uses_attributes: bool,
    /// Its library or a binary is `#![no_std]`: coop-core without `std` builds where it does.
    no_std: bool,
    /// Its library or a binary is `no_std` unless this feature turns `std` on
    /// (`#![cfg_attr(not(feature = "std"), no_std)]`).
    std_feature: Option<String>,
}

fn plan<'a>(
    package: &'a Selected,
    options: &FixOptions,
    workspace_key: Option<&str>,
    spec: Option<&toml_edit::Value>,
) -> Result<Plan<'a>> {
    let manifest_text = std::fs::read_to_string(&package.manifest_path)
        .with_context(|| format!("cannot read {}", package.manifest_path.display()))?;
    let (key, source) = match (&package.coop_core, &options.crate_path) {
        (Some(dep), _) => (dep.key.clone(), None),
        (None, Some(_)) => ("coop-core".to_owned(), None),
        (None, None) => match new_dependency(package, &manifest_text, workspace_key, spec) {
            Some((key, source)) => (key, Some(source)),
            None => ("coop-core".to_owned(), None),
        },
    };
    // The name the code reaches the dependency by.
    let name = key.replace('-', "_");
    let condition = match package.coop_core.as_ref().map(|dep| &dep.condition) {
        _ if options.crate_path.is_some() => Ok(None),
        Some(Condition::Cfg(predicate)) => Ok(Some(predicate.as_str())),
        Some(Condition::Triple(triple)) => Err(format!(
            "`{}` depends on coop-core only on target `{triple}`, which no `cfg` predicate \
             spells: write `#[cfg_attr(<predicate>, {}::cooperative)]` by hand",
            package.name, name,
        )),
        Some(Condition::Always) | None => Ok(None),
    };
    // For a file where an item of that name would shadow the crate: the path from the root.
    let rooted = match (&condition, &options.crate_path) {
        (Ok(condition), None) => Some(attribute(&format!("::{name}"), None, *condition)),
        _ => None,
    };
    let attribute =
        condition.map(|condition| attribute(&name, options.crate_path.as_deref(), condition));
    Ok(Plan {
        package,
        manifest_text,
        key,
        source,
        attribute,
        rooted,
        added: 0,
        runtime: false,
        uses_attributes: false,
        no_std: false,
        std_feature: None,
    })
}

/// A new dependency from `source` turns on the `macros` feature by itself.
fn source_has_macros(source: &Source, package: &Selected, root_manifest: &str, key: &str) -> bool {
    match source {
        Source::Spec(value) => manifest::entry_has_macros(&toml_edit::Item::Value(value.clone())),
        // A copy whose default features are off (for a `no_std` package) has what it names.
        Source::CopyOf(entry) if !manifest::entry_has_macros(entry) => false,
        Source::CopyOf(_) => package
            .coop_core_elsewhere
            .as_ref()
            .is_none_or(|dep| dep.has_macros()),
        Source::Workspace => manifest::workspace_entry(root_manifest, key)
            .is_none_or(|entry| manifest::entry_has_macros(&entry)),
        Source::Path(_) => true,
        Source::PathWithoutStd(_) => false,
    }
}

/// `cargo coop fix`: returns the exit status.
pub(crate) fn run(packages: &Packages, options: &FixOptions) -> Result<u8> {
    // A bad `--dependency` is refused before anything is read or written.
    let spec = options
        .dependency
        .as_deref()
        .map(manifest::dependency_value)
        .transpose()?;
    let root_manifest =
        std::fs::read_to_string(packages.workspace_root.join("Cargo.toml")).unwrap_or_default();
    let workspace_key = manifest::workspace_key(&root_manifest);
    let (scanned, shared) = scan_shared(packages)?;
    let mut plans = scanned
        .iter()
        .map(|(package, _)| plan(package, options, workspace_key.as_deref(), spec.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    // Files the workspace's unselected members compile too, read only when there is a fix.
    let mut elsewhere: Option<HashMap<PathBuf, String>> = None;
    // The files each package's library and binaries compile, read only when there is a fix.
    let mut runtime: Option<Vec<HashSet<PathBuf>>> = None;
    let mut writes: Vec<Planned> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut refusals: Vec<String> = Vec::new();
    let mut annotated: Vec<Annotated> = Vec::new();
    let (mut added, mut left, mut unreadable) = (0, 0, 0);
    for (index, (package, files)) in scanned.iter().enumerate() {
        for file in files {
            unreadable += usize::from(file.error.is_some());
            plans[index].no_std |= file.no_std && package.runtime_roots.contains(&file.path);
            if package.runtime_roots.contains(&file.path) && plans[index].std_feature.is_none() {
                plans[index].std_feature.clone_from(&file.std_feature);
            }
            let fixable = file
                .findings
                .iter()
                .filter(|f| f.fix_offset.is_some())
                .count();
            left += file.findings.len() - fixable;
            let mut sharers = vec![index];
            sharers.extend(shared.get(&file.path).into_iter().flatten().copied());
            for &sharer in &sharers {
                plans[sharer].uses_attributes |= file.uses_attributes;
            }
            if fixable == 0 {
                continue;
            }
            let elsewhere = match &mut elsewhere {
                Some(map) => &*map,
                None => &*elsewhere.insert(files_of(&packages.others)?),
            };
            let path = shown(&packages.workspace_root, &file.path);
            let attribute = match shared_attribute(&path, &file.path, &sharers, &plans, elsewhere) {
                Ok(attribute) => attribute,
                Err(refusal) => {
                    left += fixable;
                    if !refusals.contains(&refusal) {
                        refusals.push(refusal);
                    }
                    continue;
                }
            };
            // An item of the file named as the dependency (`mod coop_core`) would shadow it:
            // the attribute names the crate from the root.
            let attribute = match &plans[index].rooted {
                Some(rooted) if file.shadows(&plans[index].key.replace('-', "_")) => rooted.clone(),
                _ => attribute,
            };
            if let Some((fixed, count)) = fix_source(file, &attribute) {
                added += count;
                let runtime = match &mut runtime {
                    Some(files) => &*files,
                    None => &*runtime.insert(runtime_files(&scanned)?),
                };
                // Attributes on items only tests compile (`#[cfg(test)] mod tests`) are
                // tests' too.
                let outside_tests = file
                    .findings
                    .iter()
                    .any(|finding| finding.fix_offset.is_some() && !finding.in_tests);
                for &sharer in &sharers {
                    plans[sharer].added += count;
                    plans[sharer].runtime |= outside_tests && runtime[sharer].contains(&file.path);
                }
                let mut items: BTreeMap<usize, (Vec<String>, usize)> = BTreeMap::new();
                for finding in &file.findings {
                    if let Some(offset) = finding.fix_offset {
                        let (functions, last) = items.entry(offset).or_default();
                        if !functions.contains(&finding.function) {
                            functions.push(finding.function.clone());
                        }
                        *last = (*last).max(finding.line);
                    }
                }
                annotated.push(Annotated {
                    path: file.path.clone(),
                    old: file.source.clone(),
                    attribute: attribute.clone(),
                    items,
                });
                writes.push(Planned {
                    path: file.path.clone(),
                    old: file.source.clone(),
                    new: fixed,
                });
            }
        }
    }
    if options.crate_path.is_none() {
        for plan in plans {
            let path = shown(&packages.workspace_root, &plan.package.manifest_path);
            if let Some(write) = manifest_write(plan, &root_manifest, &path, &mut notes)? {
                writes.push(write);
            }
        }
    }
    // What checking the fixed crate found.
    let mut checked: Vec<String> = Vec::new();
    // `cargo check` could not run at all: the fix was written but nothing verified it.
    let mut unverified = false;
    if options.dry_run {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for write in &writes {
            let path = shown(&packages.workspace_root, &write.path);
            write!(out, "{}", diff(Path::new(&path), &write.old, &write.new))?;
        }
    } else {
        let paths: Vec<PathBuf> = writes.iter().map(|w| w.path.clone()).collect();
        vcs::check_clean(&packages.workspace_root, &paths, options.allow)?;
        for write in &writes {
            std::fs::write(&write.path, &write.new)
                .with_context(|| format!("cannot write {}", write.path.display()))?;
        }
        if added > 0 {
            let sources: Vec<&Path> = annotated.iter().map(|file| file.path.as_path()).collect();
            let manifests: Vec<(PathBuf, String, String)> = writes
                .iter()
                .filter(|write| !sources.contains(&write.path.as_path()))
                .map(|write| (write.path.clone(), write.old.clone(), write.new.clone()))
                .collect();
            // `cargo check` writes the lock file; a fix that goes back leaves it as it was.
            let lock = packages.workspace_root.join("Cargo.lock");
            let lock_before = std::fs::read(&lock).ok();
            let verdict = verify(
                &packages.workspace_root,
                &mut annotated,
                &manifests,
                |path| shown(&packages.workspace_root, path),
            )?;
            added -= verdict.removed.len();
            left += verdict.removed.len();
            for removed in verdict.removed {
                checked.push(format!(
                    "left out {removed} (annotated, it does not build; see `cargo coop check`)"
                ));
            }
            if let Some(first) = verdict.refused {
                left += added;
                added = 0;
                // Every file went back, manifests included: nothing of the notes was done.
                notes.clear();
                refusals.push(format!(
                    "with the attributes the crate does not build, and no attribute explains \
                     the error (`cargo check`: {first}); nothing was written"
                ));
            } else if let Some(why) = verdict.unrunnable {
                left += added;
                added = 0;
                notes.clear();
                refusals.push(format!(
                    "with the fix `cargo check` cannot run, where without it cargo can \
                     ({why}); nothing was written: pass a `--dependency` cargo can load"
                ));
            } else if added == 0 {
                // Every attribute was left out: the dependency and features added for them
                // would be unused, so the manifests go back as they were.
                for (path, old, _) in &manifests {
                    std::fs::write(path, old)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
                notes.clear();
            }
            if added == 0 {
                match &lock_before {
                    Some(bytes) => std::fs::write(&lock, bytes),
                    None => std::fs::remove_file(&lock).or_else(|err| match err.kind() {
                        std::io::ErrorKind::NotFound => Ok(()),
                        _ => Err(err),
                    }),
                }
                .with_context(|| format!("cannot write {}", lock.display()))?;
            }
            // The default features' first error: `--all-features` is checked only after them.
            if let Some(before) = verdict.broken_before {
                checked.push(if verdict.broken_with_all_features_too {
                    format!(
                        "the crate does not build, with or without the fix (`cargo check`: \
                         {before}), with its default features or with `--all-features`: \
                         nothing was verified; build it the way you do (`cargo check \
                         --all-targets --features ..`) and take out an attribute an error \
                         points at, or run `cargo coop fix` once the crate builds"
                    )
                } else {
                    format!(
                        "with its default features the crate does not build, with or without \
                         the fix (`cargo check`: {before}); the fix was checked with \
                         `--all-features`"
                    )
                });
            }
            if let Some(why) = verdict.all_features {
                checked.push(format!(
                    "verified with the default features only: with `--all-features` the crate \
                     does not build (`cargo check`: {why})"
                ));
            }
            if let Some(why) = verdict.unchecked {
                unverified = true;
                checked.push(format!(
                    "nothing verified: `cargo check` did not run, with the fix or without it \
                     ({why})"
                ));
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let verb = if options.dry_run {
        "would add"
    } else {
        "added"
    };
    writeln!(
        out,
        "cargo coop: {verb} `#[cooperative]` to {}; {} need{} a hand-written change \
         (see `cargo coop check`)",
        plural(added, "item", "items"),
        plural(left, "finding", "findings"),
        if left == 1 { "s" } else { "" },
    )?;
    for note in notes {
        writeln!(out, "cargo coop: {verb} {note}")?;
    }
    for line in checked {
        writeln!(out, "cargo coop: {line}")?;
    }
    for refusal in refusals {
        writeln!(out, "cargo coop: not fixed: {refusal}")?;
    }
    if added > 0 && !options.dry_run {
        writeln!(
            out,
            "cargo coop: next: run the tests (the annotated loops now yield, which a test of \
             scheduling or of `now_or_never` can see); `cargo check` saw this crate, not its \
             users: a public future whose loop holds an `Rc` or a guard is no longer `Send`"
        )?;
    }
    if unreadable > 0 {
        writeln!(
            out,
            "cargo coop: not checked: {} that could not be read or parsed (see `cargo coop check`)",
            plural(unreadable, "file", "files"),
        )?;
    }
    Ok(if unreadable > 0 || unverified {
        COULD_NOT_RUN
    } else if left > 0 {
        FINDINGS
    } else {
        CLEAN
    })
}

/// The manifest of `plan`'s package with the coop-core dependency and features it needs, and
/// the notes that say so; `None` when it needs nothing.
fn manifest_write(
    plan: Plan<'_>,
    root_manifest: &str,
    path: &str,
    notes: &mut Vec<String>,
) -> Result<Option<Planned>> {
    let package = plan.package;
    // Only its tests, examples or benches get attributes: coop-core is a dev-dependency, which
    // its users do not build. A dev-dependency it has already serves. With an optional tokio
    // the new dev-dependency turns the bridge on itself: features cannot name a
    // dev-dependency, and the bridge costs nothing where tokio does not run.
    let dev_only = plan.added > 0 && !plan.runtime;
    let needs_dependency = package.coop_core.is_none()
        && plan.added > 0
        && !(dev_only && package.coop_core_elsewhere.is_some());
    if needs_dependency && plan.source.is_none() {
        bail!(no_known_source(&package.name));
    }
    // The features the dependency, existing or added, needs.
    let mut features = missing_features(package, plan.uses_attributes || plan.added > 0);
    // `no_std` unless a feature it declares turns `std` on: coop-core's `std` follows it.
    let std_feature = plan
        .std_feature
        .filter(|feature| manifest::declares_feature(&plan.manifest_text, feature));
    // A `no_std` package without tokio (whose bridge needs `std`): coop-core without it.
    let without_std = package.tokio == Tokio::None && (plan.no_std || std_feature.is_some());
    let source = plan
        .source
        .filter(|_| needs_dependency)
        .map(|source| match source {
            Source::Path(path) if without_std => Source::PathWithoutStd(path),
            // The dev-dependency's source, without the default `std` its tests may use.
            Source::CopyOf(entry) if without_std => {
                Source::CopyOf(manifest::without_default_features(entry))
            }
            source => source,
        });
    let without_std =
        without_std && matches!(source, Some(Source::PathWithoutStd(_) | Source::CopyOf(_)));
    let std_feature = std_feature.filter(|_| without_std);
    if let Some(source) = &source {
        if !source_has_macros(source, package, root_manifest, &plan.key) {
            features.push("macros");
        }
        if package.tokio != Tokio::None {
            features.push("tokio");
        }
    }
    // An optional tokio keeps its cost optional: the features that turn it on turn the
    // bridge on, rather than the dependency always.
    let mut bridge = None;
    if let Tokio::Optional {
        key: tokio_key,
        features: turning_on,
    } = &package.tokio
        && features.contains(&"tokio")
        && !(dev_only && source.is_some())
    {
        features.retain(|feature| *feature != "tokio");
        let feature_path = match &package.coop_core {
            Some(dep) => dep.tokio_path(),
            None => format!("{}/tokio", plan.key),
        };
        bridge = Some((tokio_key.as_str(), turning_on.as_slice(), feature_path));
    }
    // Tests on tokio (a dev-dependency): a coop-core dev-dependency turns the bridge on.
    let dev_bridge =
        package.needs_the_dev_bridge() && (source.is_some() || package.any_coop_core().is_some());
    if source.is_none() && features.is_empty() && bridge.is_none() && !dev_bridge {
        return Ok(None);
    }
    let key = plan.key;
    let cannot_edit = || format!("cannot edit {}", package.manifest_path.display());
    // The new dependency's table; features go on an existing normal entry where it is.
    let dev_only = dev_only && source.is_some();
    let table = if dev_only {
        "dev-dependencies"
    } else {
        "dependencies"
    };
    let mut new = manifest::edit(&plan.manifest_text, &key, source.as_ref(), &features, table)
        .with_context(cannot_edit)?;
    if let Some(source) = &source {
        let from = match source {
            Source::Spec(_) => "as `--dependency` says".to_owned(),
            Source::CopyOf(_) if without_std => format!(
                "as its dev-dependency `{key}` has it, without its default `std` feature: the \
                 package is `no_std`{}",
                std_feature
                    .as_ref()
                    .map(|feature| format!(
                        " unless its `{feature}` feature, which now turns coop-core's `std` on too"
                    ))
                    .unwrap_or_default()
            ),
            Source::CopyOf(_) => format!("as its dev-dependency `{key}` has it"),
            Source::Workspace => "from `[workspace.dependencies]`".to_owned(),
            Source::Path(_) => "the coop-core beside this cargo-coop's sources".to_owned(),
            Source::PathWithoutStd(_) => match &std_feature {
                Some(feature) => format!(
                    "the coop-core beside this cargo-coop's sources, without its default `std` \
                     feature: the package is `no_std` unless its `{feature}` feature, which now \
                     turns coop-core's `std` on too"
                ),
                None => "the coop-core beside this cargo-coop's sources, without its default \
                    `std` feature: the package is `#![no_std]`"
                    .to_owned(),
            },
        };
        if dev_only {
            notes.push(format!(
                "a coop-core dev-dependency to {path} ({from}; only tests, examples or benches \
                 get attributes)"
            ));
        } else {
            notes.push(format!("a coop-core dependency to {path} ({from})"));
            if let Some(older) = older_rust_version(package.rust_version.as_ref()) {
                notes.push(format!(
                    "a dependency that needs Rust {COOP_RUST_VERSION}, where the \
                     `rust-version` of {path} is {older}: its users on an older compiler \
                     cannot build it; raise `rust-version`"
                ));
            }
        }
    }
    for feature in &features {
        notes.push(format!("coop-core's `{feature}` feature to {path}"));
    }
    if let Some(feature) = &std_feature {
        new = manifest::turn_on_with(
            &new,
            &key,
            std::slice::from_ref(feature),
            &format!("{key}/std"),
        )
        .with_context(cannot_edit)?;
    }
    if let Some((tokio_key, turning_on, feature_path)) = bridge {
        new = manifest::turn_on_with(&new, tokio_key, turning_on, &feature_path)
            .with_context(cannot_edit)?;
        notes.push(format!(
            "coop-core's `tokio` feature to {path}, with the features that turn tokio on (`{}`)",
            turning_on.join("`, `")
        ));
    }
    if dev_bridge {
        new = manifest::dev_bridge(&new, &key).with_context(cannot_edit)?;
        notes.push(format!(
            "coop-core's `tokio` feature to {path}, in a dev-dependency (tokio runs the tests)"
        ));
    }
    Ok(Some(Planned {
        path: package.manifest_path.clone(),
        new: manifest::keep_line_endings(&plan.manifest_text, new),
        old: plan.manifest_text,
    }))
}

/// The Rust version coop-core needs: the workspace's, which this tool shares.
const COOP_RUST_VERSION: &str = env!("CARGO_PKG_RUST_VERSION");

/// `declared` where it is older than [`COOP_RUST_VERSION`] (`1.63.0` against `1.88`).
fn older_rust_version(
    declared: Option<&cargo_metadata::semver::Version>,
) -> Option<&cargo_metadata::semver::Version> {
    let needed = cargo_metadata::semver::VersionReq::parse(&format!(">={COOP_RUST_VERSION}"))
        .expect("the workspace's rust-version is a version");
    declared.filter(|declared| !needed.matches(declared))
}

/// The files the library and binaries of each scanned package compile outside their tests
/// (not under a `#[cfg(test)]` module), in `scanned`'s order.
fn runtime_files(scanned: &Scanned<'_>) -> Result<Vec<HashSet<PathBuf>>> {
    scanned
        .iter()
        .map(|(package, _)| {
            let roots: Vec<PathBuf> = package
                .runtime_roots
                .iter()
                .filter(|root| root.exists())
                .cloned()
                .collect();
            Ok(scan_tree(&roots)?
                .into_iter()
                .filter(|file| !file.tests_only)
                .map(|file| file.path)
                .collect())
        })
        .collect()
}

/// Every file the targets of `others` compile, with the package's name.
fn files_of(others: &[Selected]) -> Result<HashMap<PathBuf, String>> {
    let mut files = HashMap::new();
    for package in others {
        // A member left out may be half-written: a root it does not have yet is not an error.
        let roots: Vec<PathBuf> = package
            .roots
            .iter()
            .filter(|root| root.exists())
            .cloned()
            .collect();
        for file in scan_tree(&roots)? {
            files
                .entry(file.path)
                .or_insert_with(|| package.name.clone());
        }
    }
    Ok(files)
}

/// The one attribute a file compiled by the packages `sharers` can get: the same in each of
/// them, and none when a package `fix` does not change compiles it too.
fn shared_attribute(
    shown: &str,
    path: &Path,
    sharers: &[usize],
    plans: &[Plan<'_>],
    elsewhere: &HashMap<PathBuf, String>,
) -> Result<String, String> {
    if let Some(other) = elsewhere.get(path) {
        return Err(format!(
            "{shown} is compiled by `{other}` too, which is not selected \
             (pass `--workspace` or `-p {other}`)"
        ));
    }
    let mut attributes = sharers.iter().map(|&i| plans[i].attribute.clone());
    let first = attributes.next().expect("a file has a package")?;
    for attribute in attributes {
        if attribute? != first {
            let names: Vec<&str> = sharers
                .iter()
                .map(|&i| plans[i].package.name.as_str())
                .collect();
            return Err(format!(
                "{shown} is compiled by `{}`, which reach coop-core by different names",
                names.join("`, `")
            ));
        }
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_no_known_coop_core_the_refusal_names_the_flag() {
        insta::assert_snapshot!(no_known_source("app"), @r#"
        `app` needs a coop-core dependency, and this cargo-coop does not know where coop-core is (it was not installed from a clone of coop)

        pass it: `cargo coop fix --dependency 'path = "/path/to/coop/coop-core"'` (or `--dependency 'git = "<coop's repository>"'`); nothing was written
        "#);
    }

    #[test]
    fn an_item_named_as_the_crate_makes_the_attribute_start_from_the_root() {
        assert_eq!(
            attribute("::coop_core", None, None),
            "#[::coop_core::cooperative]"
        );
        assert_eq!(
            attribute("::coop", None, Some("feature = \"fair\"")),
            "#[cfg_attr(feature = \"fair\", ::coop::cooperative(crate = \"::coop\"))]"
        );
    }

    #[test]
    fn a_renamed_dependency_gets_crate_in_the_attribute() {
        assert_eq!(
            attribute("coop_core", None, None),
            "#[coop_core::cooperative]"
        );
        assert_eq!(
            attribute("coop", None, None),
            "#[coop::cooperative(crate = \"coop\")]"
        );
        assert_eq!(
            attribute("x", Some("my::coop"), None),
            "#[my::coop::cooperative(crate = \"my::coop\")]"
        );
        assert_eq!(
            attribute("coop", None, Some("feature = \"fair\"")),
            "#[cfg_attr(feature = \"fair\", coop::cooperative(crate = \"coop\"))]"
        );
    }
}
