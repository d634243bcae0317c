//! What `cargo coop` reads and writes in manifests, with toml_edit (formatting and comments
//! kept): where a coop-core dependency is declared, which one to add, and the features to turn
//! on.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

/// Where a new coop-core dependency comes from.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    /// `--dependency SPEC`: a version or the inside of an inline table.
    Spec(Value),
    /// The same entry as the package's dev-dependency, under the same key, so that cargo sees
    /// one source.
    CopyOf(Item),
    /// `key.workspace = true`: the workspace declares it in `[workspace.dependencies]`.
    Workspace,
    /// `{ path = ".." }`: the coop-core next to the sources this tool was built from.
    Path(String),
    /// The same, `default-features = false`, for a `#![no_std]` package: coop-core without
    /// `std` (the `macros` feature is then named).
    PathWithoutStd(String),
}

/// The value of `--dependency`: a version (`0.1.0`, quoted or not) or the inside of an inline
/// table (`path = "../coop"`).
pub(crate) fn dependency_value(spec: &str) -> Result<Value> {
    let spec = spec.trim();
    // An inline table names where coop-core comes from, as cargo requires of a dependency.
    let has_source = |value: &Value| {
        value.as_inline_table().is_none_or(|table| {
            ["version", "path", "git"]
                .iter()
                .any(|key| table.contains_key(key))
        })
    };
    if let Ok(value) = spec.parse::<Value>()
        && (value.is_str() || value.is_inline_table())
        && has_source(&value)
    {
        return Ok(value);
    }
    if spec
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || "^=~<>*".contains(c))
    {
        return Ok(Value::from(spec));
    }
    format!("{{ {spec} }}")
        .parse::<Value>()
        .ok()
        .filter(|value| value.is_inline_table() && has_source(value))
        .ok_or_else(|| {
            anyhow!(
                "--dependency `{spec}` is neither a version nor the inside of an inline table \
                 that says where coop-core comes from (`version`, `path` or `git`: \
                 `path = \"../coop/coop-core\"`)"
            )
        })
}

fn parse(manifest: &str) -> Result<DocumentMut> {
    manifest.parse().context("cannot parse the manifest")
}

/// The key under `[workspace.dependencies]` that names coop-core, in a workspace root manifest.
pub(crate) fn workspace_key(root_manifest: &str) -> Option<String> {
    let doc: DocumentMut = root_manifest.parse().ok()?;
    let deps = doc.get("workspace")?.get("dependencies")?.as_table_like()?;
    deps.iter().find_map(|(key, item)| {
        let package = item.get("package").and_then(Item::as_str);
        (package == Some("coop-core") || package.is_none() && key == "coop-core")
            .then(|| key.to_owned())
    })
}

/// The entry of `key` under `[workspace.dependencies]` of a workspace root manifest.
pub(crate) fn workspace_entry(root_manifest: &str, key: &str) -> Option<Item> {
    let doc: DocumentMut = root_manifest.parse().ok()?;
    doc.get("workspace")?.get("dependencies")?.get(key).cloned()
}

/// A dependency entry (a version, an inline table or a table) turns on coop-core's `macros`
/// feature: it keeps the default features, or names `macros`.
pub(crate) fn entry_has_macros(entry: &Item) -> bool {
    let defaults = ["default-features", "default_features"]
        .iter()
        .find_map(|key| entry.get(key)?.as_bool())
        .unwrap_or(true);
    let named = entry
        .get("features")
        .and_then(Item::as_array)
        .is_some_and(|features| features.iter().any(|f| f.as_str() == Some("macros")));
    defaults || named
}

/// The entry of `key` in `[dev-dependencies]` or `[build-dependencies]`.
pub(crate) fn other_entry(manifest: &str, key: &str) -> Option<Item> {
    let doc: DocumentMut = manifest.parse().ok()?;
    ["dev-dependencies", "build-dependencies"]
        .iter()
        .find_map(|table| doc.get(table)?.get(key).cloned())
}

/// The byte range of `key` in the manifest's `[dependencies]` (or any dependency table), to
/// point a finding at.
pub(crate) fn dependency_span(manifest: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let doc = toml_edit::Document::parse(manifest).ok()?;
    let tables = ["dependencies", "dev-dependencies", "build-dependencies"];
    let targets = doc
        .get("target")
        .and_then(Item::as_table_like)
        .into_iter()
        .flat_map(|targets| targets.iter().map(|(_, platform)| platform));
    tables
        .iter()
        .filter_map(|table| doc.get(table))
        .chain(targets.filter_map(|platform| platform.get("dependencies")))
        .find_map(|table| {
            let (found, _) = table.as_table_like()?.get_key_value(key)?;
            found.span()
        })
}

/// The manifest with a coop-core dependency added under `[dependencies]` as `key` (from
/// `source`), and `features` turned on in the `[dependencies]` entry.
pub(crate) fn edit(
    manifest: &str,
    key: &str,
    source: Option<&Source>,
    features: &[&str],
    table: &str,
) -> Result<String> {
    let mut doc = parse(manifest)?;
    if let Some(source) = source {
        let deps = doc
            .entry(table)
            .or_insert_with(|| Item::Table(Table::new()));
        let Some(deps) = deps.as_table_like_mut() else {
            bail!("`{table}` in the manifest is not a table");
        };
        let item = match source {
            Source::Spec(value) => {
                let value = if key == "coop-core" {
                    value.clone()
                } else {
                    let mut table = match value.clone() {
                        Value::InlineTable(table) => table,
                        version => {
                            let mut table = InlineTable::new();
                            table.insert("version", version);
                            table
                        }
                    };
                    table.insert("package", Value::from("coop-core"));
                    table.fmt();
                    Value::InlineTable(table)
                };
                Item::Value(value)
            }
            Source::CopyOf(item) => {
                let mut item = item.clone();
                if let Some(table) = item.as_table_mut() {
                    table.decor_mut().clear();
                }
                item
            }
            Source::Workspace => {
                let mut table = InlineTable::new();
                table.insert("workspace", Value::from(true));
                table.set_dotted(true);
                Item::Value(Value::InlineTable(table))
            }
            Source::Path(path) => {
                let mut table = InlineTable::new();
                table.insert("path", Value::from(path.as_str()));
                Item::Value(Value::InlineTable(table))
            }
            Source::PathWithoutStd(path) => {
                let mut table = InlineTable::new();
                table.insert("path", Value::from(path.as_str()));
                table.insert("default-features", Value::from(false));
                Item::Value(Value::InlineTable(table))
            }
        };
        deps.insert(key, item);
    }
    if features.is_empty() {
        return Ok(doc.to_string());
    }
    if let Some(entry) = doc
        .get_mut(table)
        .and_then(Item::as_table_like_mut)
        .and_then(|deps| deps.get_mut(key))
    {
        add_features(entry, features)?;
    } else {
        // Only `[target.'cfg(..)'.dependencies]` have it: each of its entries gets them.
        let mut found = false;
        if let Some(targets) = doc.get_mut("target").and_then(Item::as_table_like_mut) {
            for (_, platform) in targets.iter_mut() {
                // `Item::get_mut` would insert the key: look it up through the tables.
                if let Some(entry) = platform
                    .as_table_like_mut()
                    .and_then(|platform| platform.get_mut("dependencies"))
                    .and_then(Item::as_table_like_mut)
                    .and_then(|deps| deps.get_mut(key))
                {
                    add_features(entry, features)?;
                    found = true;
                }
            }
        }
        if !found {
            bail!("no `{key}` under `[dependencies]` or `[target.*.dependencies]`");
        }
    }
    Ok(doc.to_string())
}

/// Whether the manifest declares `feature` under `[features]`.
pub(crate) fn declares_feature(manifest: &str, feature: &str) -> bool {
    parse(manifest).is_ok_and(|doc| {
        doc.get("features")
            .and_then(Item::as_table_like)
            .is_some_and(|features| features.contains_key(feature))
    })
}

/// The manifest with `feature_path` (`coop-core/tokio`) added to each of the package's
/// `features` that turn its optional dependency `dependency` on; a feature cargo made up for
/// it (not under `[features]`) is written out: `tokio = ["dep:tokio", "coop-core/tokio"]`.
pub(crate) fn turn_on_with(
    manifest: &str,
    dependency: &str,
    features: &[String],
    feature_path: &str,
) -> Result<String> {
    let mut doc = parse(manifest)?;
    let table = doc
        .entry("features")
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| anyhow!("`features` in the manifest is not a table"))?;
    for feature in features {
        let list = table.entry(feature).or_insert_with(|| {
            let mut implicit = Array::new();
            implicit.push(format!("dep:{dependency}"));
            Item::Value(Value::Array(implicit))
        });
        let list = list
            .as_array_mut()
            .ok_or_else(|| anyhow!("feature `{feature}` is not an array"))?;
        if !list
            .iter()
            .any(|value| value.as_str() == Some(feature_path))
        {
            list.push(feature_path);
        }
    }
    Ok(doc.to_string())
}

/// The manifest with coop-core's `tokio` feature on in its dev-dependency `key`: the existing
/// one, or a copy of the `[dependencies]` entry (one source for cargo) that turns it on.
pub(crate) fn dev_bridge(manifest: &str, key: &str) -> Result<String> {
    let mut doc = parse(manifest)?;
    if let Some(entry) = doc
        .get_mut("dev-dependencies")
        .and_then(Item::as_table_like_mut)
        .and_then(|deps| deps.get_mut(key))
    {
        add_features(entry, &["tokio"])?;
        return Ok(doc.to_string());
    }
    let mut entry = doc
        .get("dependencies")
        .and_then(|deps| deps.get(key))
        .cloned()
        .ok_or_else(|| anyhow!("no `{key}` under `[dependencies]` to copy"))?;
    // A version string has nothing to drop; `add_features` makes it a table.
    if let Some(table) = entry.as_table_like_mut() {
        // A dev-dependency cannot be optional; the features unify with the normal entry's.
        table.remove("optional");
        table.remove("features");
    }
    if let Some(table) = entry.as_table_mut() {
        table.decor_mut().clear();
    }
    add_features(&mut entry, &["tokio"])?;
    let deps = doc
        .entry("dev-dependencies")
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| anyhow!("`dev-dependencies` in the manifest is not a table"))?;
    deps.insert(key, entry);
    Ok(doc.to_string())
}

/// Turns `features` on in a dependency entry: a version string becomes an inline table.
fn add_features(entry: &mut Item, features: &[&str]) -> Result<()> {
    if let Some(version) = entry.as_str() {
        let mut table = InlineTable::new();
        table.insert("version", Value::from(version));
        *entry = Item::Value(Value::InlineTable(table));
    }
    let table = entry
        .as_table_like_mut()
        .ok_or_else(|| anyhow!("the coop-core dependency is neither a version nor a table"))?;
    let list = table
        .entry("features")
        .or_insert(Item::Value(Value::Array(Array::new())));
    let array = list
        .as_array_mut()
        .ok_or_else(|| anyhow!("`features` of the coop-core dependency is not an array"))?;
    for feature in features {
        if !array.iter().any(|f| f.as_str() == Some(feature)) {
            array.push(*feature);
        }
    }
    if let Some(inline) = entry.as_inline_table_mut() {
        // `key.workspace = true` with features reads better as one inline table.
        inline.set_dotted(false);
        inline.fmt();
    }
    Ok(())
}

/// `entry` without `feature` in its `features` (an empty list goes): a dev-dependency's entry
/// copied as the normal one keeps only what the package's users need.
pub(crate) fn without_feature(mut entry: Item, feature: &str) -> Item {
    if let Some(table) = entry.as_table_like_mut() {
        let emptied = table
            .get_mut("features")
            .and_then(Item::as_array_mut)
            .is_some_and(|array| {
                array.retain(|f| f.as_str() != Some(feature));
                array.fmt();
                array.is_empty()
            });
        if emptied {
            table.remove("features");
        }
    }
    if let Some(inline) = entry.as_inline_table_mut() {
        inline.fmt();
    }
    entry
}

/// `entry` with `default-features = false`: coop-core without `std` (and without its other
/// defaults, `macros` among them, which the caller names where it needs it).
pub(crate) fn without_default_features(mut entry: Item) -> Item {
    if let Some(table) = entry.as_table_like_mut() {
        table.remove("default_features");
        table.insert("default-features", toml_edit::value(false));
    }
    if let Some(inline) = entry.as_inline_table_mut() {
        inline.fmt();
    }
    entry
}

/// `new`, an edit of `old` as toml_edit writes it (`\n`, no byte-order mark), with `old`'s
/// `\r\n` line endings and byte-order mark when it has them.
pub(crate) fn keep_line_endings(old: &str, new: String) -> String {
    let new = if old.contains("\r\n") {
        new.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        new
    };
    match old.starts_with('\u{feff}') && !new.starts_with('\u{feff}') {
        true => format!("\u{feff}{new}"),
        false => new,
    }
}

/// The coop-core next to the sources this tool was built from, when it was installed from a
/// clone (`cargo install --path cargo-coop`): `<clone>/coop-core`.
pub(crate) fn coop_core_beside_the_tool() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()?
        .join("coop-core");
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let doc: DocumentMut = manifest.parse().ok()?;
    (doc.get("package")?.get("name")?.as_str()? == "coop-core").then_some(dir)
}

/// A `--dependency` for the package in directory `package_dir` (absolute): a relative `path` in
/// it names a directory from where `cargo coop` runs, as `cargo add --path` reads it, and is
/// written relative to the package's manifest, so that each member of a workspace, at any
/// depth, reaches the same coop-core. Anything else is written as given.
pub(crate) fn rebased(spec: &Value, package_dir: &Path) -> Value {
    let mut spec = spec.clone();
    if let Some(table) = spec.as_inline_table_mut()
        && let Some(path) = table.get("path").and_then(Value::as_str).map(PathBuf::from)
        && path.is_relative()
        && let Ok(cwd) = std::env::current_dir()
    {
        let target = cwd.join(&path);
        let target = target.canonicalize().unwrap_or(target);
        let mut value = Value::from(relative(package_dir, &target));
        // The key's own spacing stays: only the string changes.
        if let Some(old) = table.get("path") {
            *value.decor_mut() = old.decor().clone();
        }
        table.insert("path", value);
    }
    spec
}

/// `to` relative to the directory `from` when both are absolute, else `to`, with `/`.
pub(crate) fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<Component<'_>> = from.components().collect();
    let target: Vec<Component<'_>> = to.components().collect();
    if !from
        .first()
        .is_some_and(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
        || from.first() != target.first()
    {
        return to.display().to_string().replace('\\', "/");
    }
    let common = from.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(
        target[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dependency_spec_is_a_version_or_an_inline_table() {
        let manifest = "[package]\nname = \"a\" # keep me\n\n[dependencies]\nserde = \"1\"\n";
        let spec = |s| Source::Spec(dependency_value(s).unwrap());
        assert_eq!(
            edit(
                manifest,
                "coop-core",
                Some(&spec("0.1.0")),
                &[],
                "dependencies"
            )
            .unwrap(),
            "[package]\nname = \"a\" # keep me\n\n[dependencies]\nserde = \"1\"\ncoop-core = \"0.1.0\"\n"
        );
        assert!(
            edit(
                manifest,
                "coop-core",
                Some(&spec("path = \"../coop/coop-core\"")),
                &[],
                "dependencies"
            )
            .unwrap()
            .ends_with("coop-core = { path = \"../coop/coop-core\" }\n")
        );
        assert!(dependency_value("path = ").is_err());
        for sourceless in [
            "",
            "{}",
            "features = [\"tokio\"]",
            "default-features = false",
        ] {
            assert!(dependency_value(sourceless).is_err(), "{sourceless:?}");
        }
        assert!(dependency_value("{ git = \"https://example.invalid/coop\" }").is_ok());
    }

    #[test]
    fn a_workspace_dependency_is_inherited() {
        let root = "[workspace]\nmembers = [\"a\"]\n\n[workspace.dependencies]\ncoop = { package = \"coop-core\", path = \"coop-core\" }\n";
        assert_eq!(workspace_key(root).as_deref(), Some("coop"));
        let member = "[package]\nname = \"a\"\n";
        let fixed = edit(
            member,
            "coop",
            Some(&Source::Workspace),
            &["tokio"],
            "dependencies",
        )
        .unwrap();
        assert!(
            fixed.contains("[dependencies]\ncoop = { workspace = true, features = [\"tokio\"] }\n"),
            "{fixed}"
        );
        let fixed = edit(
            member,
            "coop-core",
            Some(&Source::Workspace),
            &[],
            "dependencies",
        )
        .unwrap();
        assert!(fixed.contains("coop-core.workspace = true\n"), "{fixed}");
    }

    #[test]
    fn a_dev_dependency_is_copied_under_its_key() {
        let manifest = "[package]\nname = \"a\"\n\n[dev-dependencies]\ncoop = { package = \"coop-core\", path = \"../coop\" }\n";
        let entry = other_entry(manifest, "coop").unwrap();
        let fixed = edit(
            manifest,
            "coop",
            Some(&Source::CopyOf(entry)),
            &[],
            "dependencies",
        )
        .unwrap();
        assert!(
            fixed.contains(
                "[dependencies]\ncoop = { package = \"coop-core\", path = \"../coop\" }\n"
            ),
            "{fixed}"
        );
    }

    #[test]
    fn features_are_added_to_any_form_of_entry() {
        let version = "[dependencies]\ncoop-core = \"0.1\"\n";
        assert_eq!(
            edit(version, "coop-core", None, &["tokio"], "dependencies").unwrap(),
            "[dependencies]\ncoop-core = { version = \"0.1\", features = [\"tokio\"] }\n"
        );
        let table = "[dependencies.coop-core]\npath = \"x\"\nfeatures = [\"tracing\"]\n";
        assert_eq!(
            edit(
                table,
                "coop-core",
                None,
                &["tokio", "tracing"],
                "dependencies"
            )
            .unwrap(),
            "[dependencies.coop-core]\npath = \"x\"\nfeatures = [\"tracing\", \"tokio\"]\n"
        );
    }

    #[test]
    fn an_optional_dependency_turns_a_feature_on_with_each_feature_that_turns_it_on() {
        let manifest = "[dependencies]\ntokio = { version = \"1\", optional = true }\n\n\
                        [features]\nnet = [\"tokio/net\"] # keep me\n";
        let features = ["net".to_owned(), "tokio".to_owned()];
        assert_eq!(
            turn_on_with(manifest, "tokio", &features, "coop-core/tokio").unwrap(),
            "[dependencies]\ntokio = { version = \"1\", optional = true }\n\n\
             [features]\nnet = [\"tokio/net\", \"coop-core/tokio\"] # keep me\n\
             tokio = [\"dep:tokio\", \"coop-core/tokio\"]\n"
        );
    }

    #[test]
    fn features_go_to_each_target_table_that_has_the_dependency() {
        let manifest = "[dependencies]\nserde = \"1\"\n\n\
                        [target.'cfg(unix)'.dependencies]\ncoop-core = \"0.1\"\n\n\
                        [target.'cfg(windows)'.dependencies]\nwinapi = \"0.3\"\n\n\
                        [target.'cfg(windows)'.dev-dependencies]\nwinapi = \"0.3\"\n";
        assert_eq!(
            edit(manifest, "coop-core", None, &["tokio"], "dependencies").unwrap(),
            manifest.replace(
                "coop-core = \"0.1\"",
                "coop-core = { version = \"0.1\", features = [\"tokio\"] }"
            )
        );
    }

    #[test]
    fn a_copied_entry_can_lose_a_feature() {
        let entry = other_entry(
            "[dev-dependencies]\ncoop-core = { path = \"x\", features = [\"tokio\"] }\n",
            "coop-core",
        )
        .unwrap();
        assert_eq!(
            without_feature(entry, "tokio").to_string().trim(),
            "{ path = \"x\" }"
        );
        let entry = other_entry(
            "[dev-dependencies]\ncoop-core = { path = \"x\", features = [\"tokio\", \"tracing\"] }\n",
            "coop-core",
        )
        .unwrap();
        assert_eq!(
            without_feature(entry, "tokio").to_string().trim(),
            "{ path = \"x\", features = [\"tracing\"] }"
        );
    }

    #[test]
    fn the_dev_bridge_is_a_copy_of_the_entry_or_the_dev_entry_itself() {
        let manifest = "[dev-dependencies]\ntokio = \"1\"\n\n\
                        [dependencies]\ncoop-core = { path = \"x\", optional = true, features = [\"tracing\"] }\n";
        assert_eq!(
            dev_bridge(manifest, "coop-core").unwrap(),
            "[dev-dependencies]\ntokio = \"1\"\ncoop-core = { path = \"x\", features = [\"tokio\"] }\n\n\
             [dependencies]\ncoop-core = { path = \"x\", optional = true, features = [\"tracing\"] }\n"
        );
        let dev = "[dev-dependencies]\ncoop = { package = \"coop-core\", path = \"x\" }\n";
        assert_eq!(
            dev_bridge(dev, "coop").unwrap(),
            "[dev-dependencies]\ncoop = { package = \"coop-core\", path = \"x\", features = [\"tokio\"] }\n"
        );
    }

    #[test]
    fn a_manifest_keeps_its_crlf_line_endings_and_byte_order_mark() {
        let manifest = "[package]\r\nname = \"a\"\r\n\r\n[dependencies]\r\ntokio = \"1\"\r\n";
        let fixed = edit(
            manifest,
            "coop-core",
            Some(&Source::Path("x".into())),
            &["tokio"],
            "dependencies",
        )
        .unwrap();
        assert_eq!(
            keep_line_endings(manifest, fixed),
            "[package]\r\nname = \"a\"\r\n\r\n[dependencies]\r\ntokio = \"1\"\r\n\
             coop-core = { path = \"x\", features = [\"tokio\"] }\r\n"
        );
        let bom = "\u{feff}[dependencies]\ntokio = \"1\"\n";
        let fixed = edit(bom, "coop-core", None, &[], "dependencies").unwrap();
        assert_eq!(keep_line_endings(bom, fixed), bom);
    }

    #[test]
    fn paths_are_written_relative() {
        assert_eq!(
            relative(Path::new("/a/b/app"), Path::new("/a/coop/coop-core")),
            "../../coop/coop-core"
        );
        assert_eq!(relative(Path::new("a"), Path::new("/x")), "/x");
    }
}
