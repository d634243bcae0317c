//! The packages to look at, from `cargo metadata`: the one the manifest describes (every
//! default member for a virtual workspace), `--workspace`, or `-p NAME`; their targets' root
//! files; and how each already depends on coop-core and tokio.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use cargo_metadata::{Dependency, DependencyKind, MetadataCommand, Package};

/// Which packages, as the command line says.
pub(crate) struct Selection {
    pub(crate) manifest_path: Option<PathBuf>,
    pub(crate) workspace: bool,
    pub(crate) packages: Vec<String>,
}

/// A dependency on coop-core, as the manifest (after workspace inheritance) declares it.
#[derive(Clone, Debug)]
pub(crate) struct CoopDependency {
    /// The manifest key: `coop-core`, or the rename.
    pub(crate) key: String,
    pub(crate) features: Vec<String>,
    pub(crate) default_features: bool,
}

impl CoopDependency {
    /// The name code reaches it by: `coop_core`, or the rename.
    pub(crate) fn crate_name(&self) -> String {
        self.key.replace('-', "_")
    }

    /// The `macros` feature is on (it is a default feature).
    pub(crate) fn has_macros(&self) -> bool {
        self.default_features || self.features.iter().any(|f| f == "macros")
    }

    pub(crate) fn has_tokio(&self) -> bool {
        self.features.iter().any(|f| f == "tokio")
    }
}

/// One selected package.
pub(crate) struct Selected {
    pub(crate) name: String,
    pub(crate) manifest_path: PathBuf,
    /// The root file of each target: lib, bins, tests, examples, benches.
    pub(crate) roots: Vec<PathBuf>,
    /// Its normal dependency on coop-core.
    pub(crate) coop_core: Option<CoopDependency>,
    /// Its dev-dependency (or build-dependency) on coop-core, when there is no normal one: a
    /// normal dependency added later must use the same name and source, or cargo refuses the
    /// package.
    pub(crate) coop_core_elsewhere: Option<CoopDependency>,
    /// It has a normal dependency on tokio.
    pub(crate) depends_on_tokio: bool,
}

/// The selected packages, and the workspace root.
pub(crate) struct Packages {
    pub(crate) workspace_root: PathBuf,
    pub(crate) selected: Vec<Selected>,
}

/// Runs `cargo metadata` (no dependency resolution, so no network) and picks the packages.
pub(crate) fn select(selection: &Selection) -> Result<Packages> {
    let mut command = MetadataCommand::new();
    command.no_deps();
    if let Some(path) = &selection.manifest_path {
        command.manifest_path(path);
    }
    let metadata = command.exec().context("`cargo metadata` failed")?;
    let chosen: Vec<&Package> = if selection.workspace {
        metadata.workspace_packages()
    } else if !selection.packages.is_empty() {
        let members = metadata.workspace_packages();
        let mut chosen = Vec::new();
        for name in &selection.packages {
            match members.iter().find(|p| p.name.as_str() == name.as_str()) {
                Some(package) => chosen.push(*package),
                None => bail!(
                    "package `{name}` is not a member of the workspace at {}",
                    metadata.workspace_root
                ),
            }
        }
        chosen
    } else if let Some(root) = metadata.root_package() {
        vec![root]
    } else {
        metadata.workspace_default_packages()
    };
    Ok(Packages {
        workspace_root: metadata.workspace_root.clone().into_std_path_buf(),
        selected: chosen.into_iter().map(selected).collect(),
    })
}

fn coop_dependency(dep: &Dependency) -> CoopDependency {
    CoopDependency {
        key: dep.rename.clone().unwrap_or_else(|| dep.name.clone()),
        features: dep.features.clone(),
        default_features: dep.uses_default_features,
    }
}

fn selected(package: &Package) -> Selected {
    let coop_core = package
        .dependencies
        .iter()
        .find(|dep| dep.name == "coop-core" && dep.kind == DependencyKind::Normal)
        .map(coop_dependency);
    let coop_core_elsewhere = package
        .dependencies
        .iter()
        .find(|dep| dep.name == "coop-core" && dep.kind != DependencyKind::Normal)
        .map(coop_dependency);
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
        coop_core_elsewhere,
        depends_on_tokio: package
            .dependencies
            .iter()
            .any(|dep| dep.name == "tokio" && dep.kind == DependencyKind::Normal),
    }
}
