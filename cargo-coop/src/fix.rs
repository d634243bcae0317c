//! `cargo coop fix`: everything it will write is decided first (attributes, the coop-core
//! dependency, its features), refused as a whole when it cannot leave a crate that builds or
//! when the files have uncommitted changes, and only then written (or shown with `--dry-run`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::check::{CLEAN, COULD_NOT_RUN, FINDINGS, missing_features, scan_packages, shown};
use crate::entry::plural;
use crate::insert::{diff, fix_source};
use crate::manifest::{self, Source};
use crate::packages::{Packages, Selected};
use crate::vcs::{self, Allow};

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
        return Some((dep.key.clone(), Source::CopyOf(entry)));
    }
    if let Some(key) = workspace_key {
        return Some((key.to_owned(), Source::Workspace));
    }
    if let Some(value) = spec {
        return Some(("coop-core".to_owned(), Source::Spec(value.clone())));
    }
    let beside = manifest::coop_core_beside_the_tool()?;
    let dir = package.manifest_path.parent().unwrap_or(Path::new("."));
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
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

/// The attribute `fix` writes, for coop-core reached as `name` (`crate = ".."` when renamed).
fn attribute(name: &str, crate_path: Option<&str>) -> String {
    match crate_path {
        Some(path) => format!("#[{path}::cooperative(crate = \"{path}\")]"),
        None if name == "coop_core" => "#[coop_core::cooperative]".to_owned(),
        None => format!("#[{name}::cooperative(crate = \"{name}\")]"),
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
    let mut writes: Vec<Planned> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let (mut added, mut left, mut unreadable) = (0, 0, 0);
    for (package, files) in scan_packages(packages)? {
        let manifest_text = std::fs::read_to_string(&package.manifest_path)
            .with_context(|| format!("cannot read {}", package.manifest_path.display()))?;
        let (key, source) = match (&package.coop_core, &options.crate_path) {
            (Some(dep), _) => (dep.key.clone(), None),
            (None, Some(_)) => ("coop-core".to_owned(), None),
            (None, None) => match new_dependency(
                package,
                &manifest_text,
                workspace_key.as_deref(),
                spec.as_ref(),
            ) {
                Some((key, source)) => (key, Some(source)),
                None => ("coop-core".to_owned(), None),
            },
        };
        let attribute = attribute(&key.replace('-', "_"), options.crate_path.as_deref());
        let mut package_added = 0;
        let mut uses_attributes = false;
        for file in &files {
            unreadable += usize::from(file.error.is_some());
            uses_attributes |= file.uses_attributes;
            left += file
                .findings
                .iter()
                .filter(|f| f.fix_offset.is_none())
                .count();
            if let Some((fixed, count)) = fix_source(file, &attribute) {
                package_added += count;
                writes.push(Planned {
                    path: file.path.clone(),
                    old: file.source.clone(),
                    new: fixed,
                });
            }
        }
        added += package_added;
        if options.crate_path.is_some() {
            continue;
        }
        let needs_dependency = package.coop_core.is_none() && package_added > 0;
        if needs_dependency && source.is_none() {
            bail!(no_known_source(&package.name));
        }
        // The features the dependency, existing or added, needs.
        let mut features = missing_features(package, uses_attributes || package_added > 0);
        if needs_dependency && package.depends_on_tokio {
            features.push("tokio");
        }
        let source = source.filter(|_| needs_dependency);
        if source.is_none() && features.is_empty() {
            continue;
        }
        let new = manifest::edit(&manifest_text, &key, source.as_ref(), &features)
            .with_context(|| format!("cannot edit {}", package.manifest_path.display()))?;
        let path = shown(&packages.workspace_root, &package.manifest_path);
        if let Some(source) = &source {
            let from = match source {
                Source::Spec(_) => "as `--dependency` says".to_owned(),
                Source::CopyOf(_) => format!("as its dev-dependency `{key}` has it"),
                Source::Workspace => "from `[workspace.dependencies]`".to_owned(),
                Source::Path(_) => "the coop-core beside this cargo-coop's sources".to_owned(),
            };
            notes.push(format!("a coop-core dependency to {path} ({from})"));
        }
        for feature in &features {
            notes.push(format!("coop-core's `{feature}` feature to {path}"));
        }
        writes.push(Planned {
            path: package.manifest_path.clone(),
            old: manifest_text,
            new,
        });
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if options.dry_run {
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
    }
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
    Ok(if unreadable > 0 {
        COULD_NOT_RUN
    } else if left > 0 {
        FINDINGS
    } else {
        CLEAN
    })
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
    fn a_renamed_dependency_gets_crate_in_the_attribute() {
        assert_eq!(attribute("coop_core", None), "#[coop_core::cooperative]");
        assert_eq!(
            attribute("coop", None),
            "#[coop::cooperative(crate = \"coop\")]"
        );
        assert_eq!(
            attribute("x", Some("my::coop")),
            "#[my::coop::cooperative(crate = \"my::coop\")]"
        );
    }
}
