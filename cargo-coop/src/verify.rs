//! After `cargo coop fix` writes, the crate is checked as it will be built (`cargo check
//! --workspace --all-targets`, as `cargo fix` checks its fixes, then with `--all-features`).
//! An attribute whose item does not compile with it (a value that is not `Send` held across a
//! loop that now yields, as a
//! `std::sync::MutexGuard` across a `for`, in a future spawned on a multi-threaded runtime) is
//! taken back out, and the crate checked again. Errors that no attribute explains leave the
//! files as they were before the fix, unless the crate did not build before it either.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::insert::insert_at;

/// The attributes written into one source file, which can be taken back out one by one.
pub(crate) struct Annotated {
    pub(crate) path: PathBuf,
    /// The file before the fix.
    pub(crate) old: String,
    pub(crate) attribute: String,
    /// Where each attribute goes in `old`, the fns it covers (one, or each fn of a block it
    /// stands on), and the line (1-based, in `old`) of its last loop that needs it.
    pub(crate) items: BTreeMap<usize, (Vec<String>, usize)>,
}

impl Annotated {
    /// The file with the attributes at `items`, and for each the lines (1-based, in that file)
    /// from its attribute to its last loop: where an error about the attribute points (rustc's
    /// "await occurs here" is the loop's yield point, at the loop keyword).
    fn render(&self) -> (String, Vec<(usize, RangeInclusive<usize>)>) {
        let offsets: BTreeSet<usize> = self.items.keys().copied().collect();
        let (text, placed) = insert_at(&self.old, &offsets, &self.attribute);
        let old_line = |offset: usize| self.old[..offset].matches('\n').count() + 1;
        let lines = placed
            .iter()
            .map(|attribute| {
                let first = text[..attribute.at].matches('\n').count() + 1;
                let (_, last_loop) = &self.items[&attribute.offset];
                // The loop moves down a line for each attribute given a line of its own above it.
                let added_above = placed
                    .iter()
                    .filter(|other| other.own_line && old_line(other.offset) <= *last_loop)
                    .count();
                (
                    attribute.offset,
                    first..=(last_loop + added_above).max(first),
                )
            })
            .collect();
        (text, lines)
    }
}

/// What the check found, for `fix`'s report.
#[derive(Default)]
pub(crate) struct Verdict {
    /// `fn name (path): why`, for each attribute taken back out.
    pub(crate) removed: Vec<String>,
    /// Every attribute was taken back out, and every other file restored: why.
    pub(crate) refused: Option<String>,
    /// With its default features the crate does not build, with or without the fix: the first
    /// error. It was then checked with `--all-features`.
    pub(crate) broken_before: Option<String>,
    /// With `--all-features` too the crate does not build, with or without the fix: nothing
    /// was verified.
    pub(crate) broken_with_all_features_too: bool,
    /// `cargo check` could not run, with the fix or without it: why; nothing was verified.
    pub(crate) unchecked: Option<String>,
    /// With the fix `cargo check` could not run (a coop-core dependency it cannot load or
    /// fetch), where without it cargo can: why; every file went back as it was.
    pub(crate) unrunnable: Option<String>,
    /// With `--all-features` the crate does not build, and no attribute explains why: the
    /// first error; the default features were verified.
    pub(crate) all_features: Option<String>,
}

/// One error of `cargo check`: its message, and the file and first line of every span it shows.
struct Error {
    message: String,
    spans: Vec<(PathBuf, usize)>,
}

/// Runs `cargo check` in `root`, offline first (the fix added no crate from the registry that
/// the build did not have, unless coop-core itself is new), then online; `Err`: it could not
/// run, or ended in an error no message explains (a dependency that cannot be fetched).
/// `all_features`: with `--all-features`, where code behind a feature (a `tokio::spawn` under
/// `cfg(feature = "server")`) is compiled too.
fn check(root: &Path, all_features: bool) -> Result<Vec<Error>, String> {
    match check_once(root, all_features, true) {
        Err(why) if why.contains("offline") => check_once(root, all_features, false),
        result => result,
    }
}

fn check_once(root: &Path, all_features: bool, offline: bool) -> Result<Vec<Error>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args([
        "check",
        "--workspace",
        "--all-targets",
        "--message-format=json",
    ]);
    if all_features {
        command.arg("--all-features");
    }
    if offline {
        command.arg("--offline");
    }
    let output = command
        .current_dir(root)
        .output()
        .map_err(|err| format!("cannot run cargo: {err}"))?;
    let mut errors = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
            continue;
        }
        let message = &message["message"];
        let mut spans = Vec::new();
        collect_spans(root, message, &mut spans);
        errors.push(Error {
            message: message["message"].as_str().unwrap_or_default().to_owned(),
            spans,
        });
    }
    if !output.status.success() && errors.is_empty() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // The first error line names the cause; what follows it is context (and, offline,
        // the word the caller looks for).
        // The error and its causes, each once ("Caused by:" lines are the joints).
        let why = stderr
            .lines()
            .skip_while(|line| !line.starts_with("error"))
            .map(str::trim)
            .filter(|line| !line.is_empty() && *line != "Caused by:")
            .take(5)
            .collect::<Vec<_>>()
            .join(": ");
        return Err(if why.is_empty() {
            "cargo check failed".to_owned()
        } else {
            why
        });
    }
    Ok(errors)
}

/// The spans of a diagnostic and of its notes, as (file, first line).
fn collect_spans(root: &Path, message: &serde_json::Value, spans: &mut Vec<(PathBuf, usize)>) {
    for span in message["spans"].as_array().into_iter().flatten() {
        let (Some(file), Some(start)) = (span["file_name"].as_str(), span["line_start"].as_u64())
        else {
            continue;
        };
        let path = root.join(file);
        let path = path.canonicalize().unwrap_or(path);
        spans.push((path, start as usize));
    }
    for child in message["children"].as_array().into_iter().flatten() {
        collect_spans(root, child, spans);
    }
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text)
        .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", path.display()))
}

/// Checks the crate `fix` just wrote, in `root`, taking out each attribute of `files` an error
/// points into (a span of it, or of its notes, between the attribute and its last loop).
/// `others`:
/// the other files `fix` wrote (manifests), as (path, before, after), restored with the rest
/// when the fix is refused.
pub(crate) fn verify(
    root: &Path,
    files: &mut [Annotated],
    others: &[(PathBuf, String, String)],
    shown: impl Fn(&Path) -> String,
) -> anyhow::Result<Verdict> {
    let mut verdict = Verdict::default();
    let canonical: Vec<PathBuf> = files
        .iter()
        .map(|file| {
            file.path
                .canonicalize()
                .unwrap_or_else(|_| file.path.clone())
        })
        .collect();
    // Each round takes out at least one attribute, so the rounds end: first with the default
    // features, then with all of them (which some crates do not build with at all: errors no
    // attribute explains there are only said).
    let mut all_features = false;
    loop {
        let errors = match check(root, all_features) {
            Ok(errors) => errors,
            Err(why) if all_features => {
                verdict.all_features = Some(why);
                return Ok(verdict);
            }
            Err(why) => {
                // With the fix written cargo cannot even check the crate (a dependency it cannot
                // load or fetch). Where cargo runs without it, even on a crate with errors of
                // its own, the fix is what stops cargo: nothing is written.
                restore(files, others)?;
                if check(root, false).is_ok() {
                    verdict.unrunnable = Some(why);
                } else {
                    rewrite(files, others)?;
                    verdict.unchecked = Some(why);
                }
                return Ok(verdict);
            }
        };
        if errors.is_empty() {
            if all_features {
                return Ok(verdict);
            }
            all_features = true;
            continue;
        }
        let placed: Vec<Vec<(usize, RangeInclusive<usize>)>> =
            files.iter().map(|file| file.render().1).collect();
        let mut blamed: BTreeMap<(usize, usize), &str> = BTreeMap::new();
        for error in &errors {
            for (path, start) in &error.spans {
                let Some(index) = canonical.iter().position(|file| file == path) else {
                    continue;
                };
                for (offset, lines) in &placed[index] {
                    if lines.contains(start) {
                        blamed.entry((index, *offset)).or_insert(&error.message);
                    }
                }
            }
        }
        if blamed.is_empty() {
            let first = errors[0].message.clone();
            if all_features && verdict.broken_before.is_none() {
                verdict.all_features = Some(first);
                return Ok(verdict);
            }
            // Errors no attribute explains, where nothing was verified yet: the crate as it
            // was decides. A crate whose default features do not build (tests that need a
            // feature) is then checked with all of them.
            verdict = refuse_or_keep(root, files, others, verdict, first, all_features)?;
            if all_features || verdict.refused.is_some() {
                return Ok(verdict);
            }
            all_features = true;
            continue;
        }
        for ((index, offset), message) in blamed {
            let file = &mut files[index];
            if let Some((functions, _)) = file.items.remove(&offset) {
                let functions: Vec<String> = functions.iter().map(|f| format!("`{f}`")).collect();
                verdict.removed.push(format!(
                    "{} ({}): {message}",
                    functions.join(", "),
                    shown(&file.path)
                ));
            }
        }
        for file in files.iter() {
            write(&file.path, &file.render().0)?;
        }
    }
}

/// Errors no attribute explains: the files go back to what they were, and the crate is checked
/// so (with `--all-features` if `all_features`); if it fails there too, the crate did not build
/// before the fix, and the fix stays.
fn refuse_or_keep(
    root: &Path,
    files: &[Annotated],
    others: &[(PathBuf, String, String)],
    mut verdict: Verdict,
    first: String,
    all_features: bool,
) -> anyhow::Result<Verdict> {
    match builds_as_it_was(root, files, others, all_features)? {
        Some(_) if all_features => verdict.broken_with_all_features_too = true,
        Some(before) => verdict.broken_before = Some(before),
        None => verdict.refused = Some(first),
    }
    Ok(verdict)
}

/// Puts every file back as it was before the fix and checks the crate so (with
/// `--all-features` if `all_features`). `None`: it builds, and the files stay as they were;
/// else the first error (or why cargo could not run), and the fix is written again: the crate
/// did not build before it either.
fn builds_as_it_was(
    root: &Path,
    files: &[Annotated],
    others: &[(PathBuf, String, String)],
    all_features: bool,
) -> anyhow::Result<Option<String>> {
    restore(files, others)?;
    let broken_before = match check(root, all_features) {
        Ok(errors) => errors.first().map(|error| error.message.clone()),
        Err(why) => Some(why),
    };
    if broken_before.is_some() {
        rewrite(files, others)?;
    }
    Ok(broken_before)
}

/// Every file as it was before the fix.
fn restore(files: &[Annotated], others: &[(PathBuf, String, String)]) -> anyhow::Result<()> {
    for file in files {
        write(&file.path, &file.old)?;
    }
    for (path, old, _) in others {
        write(path, old)?;
    }
    Ok(())
}

/// Every file as the fix wrote it, but for the attributes taken back out.
fn rewrite(files: &[Annotated], others: &[(PathBuf, String, String)]) -> anyhow::Result<()> {
    for file in files {
        write(&file.path, &file.render().0)?;
    }
    for (path, _, new) in others {
        write(path, new)?;
    }
    Ok(())
}
