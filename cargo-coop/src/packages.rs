//! The packages to look at, from `cargo metadata`: the one the manifest describes (every
//! default member for a virtual workspace), `--workspace`, or `-p NAME`; their targets' root
//! files; and how each already depends on coop-core.

use std::path::PathBuf;

use cargo_metadata::{DependencyKind, Metadata, MetadataCommand, Package};

/// Which packages, as the command line says.
pub(crate) struct Selection {
    pub(crate) manifest_path: Option<PathBuf>,
    pub(crate) workspace: bool,
    pub(crate) packages: Vec<String>,
}

/// One selected package.
pub(crate) struct Selected {
    pub(crate) name: String,
    pub(crate) manifest_path: PathBuf,
    /// The root file of each target: lib, bins, tests, examples, benches.
    pub(crate) roots: Vec<PathBuf>,
    /// The name its code reaches coop-core by (`coop_core`, or a rename), when it has a normal
    /// dependency on it.
    pub(crate) coop_core: Option<String>,
    /// The manifest key of a dev-dependency (or build-dependency) on coop-core, when there is
    /// no normal one: a normal dependency added later must use the same name, or cargo refuses
    /// the package.
    pub(crate) coop_core_key_elsewhere: Option<String>,
}

/// Runs `cargo metadata` (no dependency resolution, so no network) and picks the packages.
pub(crate) fn select(selection: &Selection) -> Result<(Metadata, Vec<Selected>), String> {
    let mut command = MetadataCommand::new();
    command.no_deps();
    if let Some(path) = &selection.manifest_path {
        command.manifest_path(path);
    }
    let metadata = command
        .exec()
        .map_err(|err| format!("`cargo metadata` failed: {err}"))?;
    let chosen: Vec<&Package> = if selection.workspace {
        metadata.workspace_packages()
    } else if !selection.packages.is_empty() {
        let members = metadata.workspace_packages();
        let mut chosen = Vec::new();
        for name in &selection.packages {
            match members.iter().find(|p| p.name.as_str() == name.as_str()) {
                Some(package) => chosen.push(*package),
                None => {
                    return Err(format!(
                        "package `{name}` is not a member of the workspace at {}",
                        metadata.workspace_root
                    ));
                }
            }
        }
        chosen
    } else if let Some(root) = metadata.root_package() {
        vec![root]
    } else {
        metadata.workspace_default_packages()
    };
    let selected: Vec<Selected> = chosen.into_iter().map(selected).collect();
    Ok((metadata, selected))
}

fn selected(package: &Package) -> Selected {
    let coop_core = package
        .dependencies
        .iter()
        .find(|dep| dep.name == "coop-core" && dep.kind == DependencyKind::Normal)
        .map(|dep| dep.rename.as_deref().unwrap_or(&dep.name).replace('-', "_"));
    let coop_core_key_elsewhere = package
        .dependencies
        .iter()
        .find(|dep| dep.name == "coop-core" && dep.kind != DependencyKind::Normal)
        .map(|dep| dep.rename.clone().unwrap_or_else(|| dep.name.clone()));
    Selected {
        name: package.name.to_string(),
        manifest_path: package.manifest_path.clone().into_std_path_buf(),
        roots: package
            .targets
            .iter()
            .filter(|target| !target.is_custom_build())
            .map(|target| target.src_path.clone().into_std_path_buf())
            .collect(),
        coop_core,
        coop_core_key_elsewhere,
    }
}
