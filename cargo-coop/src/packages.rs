//! The packages to look at, from `cargo metadata`: the one the manifest describes (every
//! default member for a virtual workspace), `--workspace`, or `-p NAME`; their targets' root
//! files; and how each already depends on coop-core and tokio.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use cargo_metadata::cargo_platform::Platform;
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
    /// When the package has it: an optional dependency only with the features that turn it
    /// on, a target-specific one only on its targets.
    pub(crate) condition: Condition,
    /// It is an optional dependency (a feature path to it is `key?/feature`).
    pub(crate) optional: bool,
}

/// How a package depends on tokio (normal dependencies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tokio {
    None,
    Always,
    /// Only with these features: tokio is optional, under the key `key`.
    Optional {
        key: String,
        features: Vec<String>,
    },
}

/// When a dependency is part of the build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Condition {
    Always,
    /// When this `cfg` predicate holds (`feature = "fair"`, `unix`, `all(..)`).
    Cfg(String),
    /// Only on a target named by its triple, which no `cfg` predicate spells.
    Triple(String),
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

    /// The feature path to its `tokio` feature from a feature of the package.
    pub(crate) fn tokio_path(&self) -> String {
        let optional = if self.optional { "?" } else { "" };
        format!("{}{optional}/tokio", self.key)
    }
}

impl Selected {
    /// Its coop-core dependency: the normal one, else the dev- or build-dependency.
    pub(crate) fn any_coop_core(&self) -> Option<&CoopDependency> {
        self.coop_core
            .as_ref()
            .or(self.coop_core_elsewhere.as_ref())
    }

    /// Its tests run on tokio (a dev-dependency, no normal one) and no coop-core dependency,
    /// normal or dev, turns the `tokio` feature on: a dev-dependency on coop-core should.
    pub(crate) fn needs_the_dev_bridge(&self) -> bool {
        self.tokio == Tokio::None
            && self.tests_on_tokio
            && !self.dev_bridge
            && !self
                .coop_core
                .as_ref()
                .is_some_and(CoopDependency::has_tokio)
    }

    /// coop-core's `tokio` feature is on whenever tokio is: on the dependency, or, for an
    /// optional tokio, from each feature that turns tokio on.
    pub(crate) fn has_the_bridge(&self, dep: &CoopDependency) -> bool {
        match &self.tokio {
            Tokio::None => true,
            Tokio::Always => dep.has_tokio(),
            Tokio::Optional { features, .. } => {
                dep.has_tokio()
                    || features.iter().all(|feature| {
                        self.features.get(feature).is_some_and(|values| {
                            values.iter().any(|value| {
                                value.replace('?', "") == dep.tokio_path().replace('?', "")
                            })
                        })
                    })
            }
        }
    }
}

/// One selected package.
pub(crate) struct Selected {
    pub(crate) name: String,
    pub(crate) manifest_path: PathBuf,
    /// The root file of each target: lib, bins, tests, examples, benches.
    pub(crate) roots: Vec<PathBuf>,
    /// The root files of its library and binaries: what its users build.
    pub(crate) runtime_roots: Vec<PathBuf>,
    /// Its normal dependency on coop-core.
    pub(crate) coop_core: Option<CoopDependency>,
    /// Its dev-dependency (or build-dependency) on coop-core, when there is no normal one: a
    /// normal dependency added later must use the same name and source, or cargo refuses the
    /// package.
    pub(crate) coop_core_elsewhere: Option<CoopDependency>,
    /// Its normal dependency on tokio.
    pub(crate) tokio: Tokio,
    /// Only its tests, examples and benches run on tokio: a dev-dependency.
    pub(crate) tests_on_tokio: bool,
    /// A dev-dependency on coop-core turns its `tokio` feature on.
    pub(crate) dev_bridge: bool,
    /// Its features, as cargo metadata lists them.
    pub(crate) features: std::collections::BTreeMap<String, Vec<String>>,
    /// Its `rust-version`, where it declares one.
    pub(crate) rust_version: Option<cargo_metadata::semver::Version>,
}

/// The selected packages, and the workspace root.
pub(crate) struct Packages {
    pub(crate) workspace_root: PathBuf,
    pub(crate) selected: Vec<Selected>,
    /// The workspace's other members: a file they compile too is one `fix` must not change
    /// for the selected packages alone.
    pub(crate) others: Vec<Selected>,
}

/// Runs `cargo metadata` (no dependency resolution, so no network) and picks the packages.
pub(crate) fn select(selection: &Selection) -> Result<Packages> {
    let mut command = MetadataCommand::new();
    command.no_deps();
    if let Some(path) = &selection.manifest_path {
        command.manifest_path(path);
    }
    let metadata = match command.exec() {
        Ok(metadata) => metadata,
        // cargo's own words ("could not find `Cargo.toml` in `..` or any parent directory").
        Err(cargo_metadata::Error::CargoMetadata { stderr }) => {
            let stderr = stderr.trim();
            bail!("{}", stderr.strip_prefix("error: ").unwrap_or(stderr))
        }
        Err(err) => return Err(err).context("`cargo metadata` failed"),
    };
    let chosen: Vec<&Package> = if selection.workspace {
        metadata.workspace_packages()
    } else if !selection.packages.is_empty() {
        let members = metadata.workspace_packages();
        let mut chosen = Vec::new();
        for name in &selection.packages {
            match members.iter().find(|p| p.name.as_str() == name.as_str()) {
                // `-p a -p a` is `-p a`.
                Some(package) if chosen.iter().any(|c: &&Package| c.id == package.id) => {}
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
    let others = metadata
        .workspace_packages()
        .into_iter()
        .filter(|member| !chosen.iter().any(|c| c.id == member.id))
        .map(selected)
        .collect();
    Ok(Packages {
        workspace_root: metadata.workspace_root.clone().into_std_path_buf(),
        selected: chosen.into_iter().map(selected).collect(),
        others,
    })
}

fn key(dep: &Dependency) -> String {
    dep.rename.clone().unwrap_or_else(|| dep.name.clone())
}

fn coop_dependency(dep: &Dependency) -> CoopDependency {
    CoopDependency {
        key: key(dep),
        features: dep.features.clone(),
        default_features: dep.uses_default_features,
        condition: Condition::Always,
        optional: dep.optional,
    }
}

/// The features of `package` that turn its optional dependency `key` on (`dep:key`, or
/// `key/feature`; cargo metadata lists an optional dependency's implicit feature too).
fn features_turning_on(package: &Package, key: &str) -> Vec<String> {
    let turns_on = |value: &String| {
        value.strip_prefix("dep:") == Some(key)
            || value
                .strip_prefix(key)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    package
        .features
        .iter()
        .filter(|(_, values)| values.iter().any(turns_on))
        .map(|(name, _)| name.clone())
        .collect()
}

/// How `package` depends on tokio.
fn tokio(package: &Package) -> Tokio {
    let normal: Vec<&Dependency> = package
        .dependencies
        .iter()
        .filter(|dep| dep.name == "tokio" && dep.kind == DependencyKind::Normal)
        .collect();
    match normal.first() {
        None => Tokio::None,
        Some(_) if normal.iter().any(|dep| !dep.optional) => Tokio::Always,
        Some(dep) => Tokio::Optional {
            key: key(dep),
            features: features_turning_on(package, &key(dep)),
        },
    }
}

/// `items` joined as `any(..)`/`all(..)` wants them: one stays as it is.
fn joined(combinator: &str, items: &[String]) -> String {
    match items {
        [one] => one.clone(),
        _ => format!("{combinator}({})", items.join(", ")),
    }
}

/// The `cfg` predicate under which one dependency entry is in the build, `None` for always:
/// its target's `cfg(..)` and, when optional, any feature that turns it on (`dep:key` or
/// `key/feature`).
fn entry_condition(package: &Package, dep: &Dependency) -> Result<Option<String>, String> {
    let mut all = Vec::new();
    match &dep.target {
        None => {}
        Some(Platform::Cfg(expr)) => all.push(expr.to_string()),
        Some(platform @ Platform::Name(_)) => return Err(platform.to_string()),
    }
    if dep.optional {
        let features: Vec<String> = features_turning_on(package, &key(dep))
            .iter()
            .map(|name| format!("feature = {name:?}"))
            .collect();
        if features.is_empty() {
            return Ok(Some("any()".to_owned()));
        }
        all.push(joined("any", &features));
    }
    Ok((!all.is_empty()).then(|| joined("all", &all)))
}

/// When the package has its normal coop-core dependency (one condition for all its entries:
/// `[dependencies]`, `[target.'cfg(..)'.dependencies]`).
fn condition(package: &Package, entries: &[&Dependency]) -> Condition {
    let mut any: Vec<String> = Vec::new();
    for dep in entries {
        match entry_condition(package, dep) {
            Err(triple) => return Condition::Triple(triple),
            Ok(None) => return Condition::Always,
            Ok(Some(predicate)) => {
                if !any.contains(&predicate) {
                    any.push(predicate);
                }
            }
        }
    }
    Condition::Cfg(joined("any", &any))
}

fn selected(package: &Package) -> Selected {
    let normal: Vec<&Dependency> = package
        .dependencies
        .iter()
        .filter(|dep| dep.name == "coop-core" && dep.kind == DependencyKind::Normal)
        .collect();
    // The entry read for its key and features: the unconditional one when there is one.
    let coop_core = normal
        .iter()
        .find(|dep| dep.target.is_none() && !dep.optional)
        .or(normal.first())
        .map(|dep| {
            let same_key: Vec<&Dependency> = normal
                .iter()
                .copied()
                .filter(|other| key(other) == key(dep))
                .collect();
            CoopDependency {
                condition: condition(package, &same_key),
                ..coop_dependency(dep)
            }
        });
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
        runtime_roots: package
            .targets
            .iter()
            .filter(|target| {
                !(target.is_custom_build()
                    || target.is_test()
                    || target.is_example()
                    || target.is_bench())
            })
            .map(|target| target.src_path.clone().into_std_path_buf())
            .collect(),
        rust_version: package.rust_version.clone(),
        coop_core,
        coop_core_elsewhere,
        tokio: tokio(package),
        tests_on_tokio: package
            .dependencies
            .iter()
            .any(|dep| dep.name == "tokio" && dep.kind == DependencyKind::Development),
        dev_bridge: package.dependencies.iter().any(|dep| {
            dep.name == "coop-core"
                && dep.kind == DependencyKind::Development
                && dep.features.iter().any(|f| f == "tokio")
        }),
        features: package.features.clone(),
    }
}
