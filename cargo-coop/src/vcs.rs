//! What `cargo fix` checks before it writes, checked the same way: the files `fix` would write
//! must be under version control and have no uncommitted changes, unless `--allow-no-vcs` or
//! `--allow-dirty` says otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, bail};

/// What the command line allows.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Allow {
    pub(crate) dirty: bool,
    pub(crate) no_vcs: bool,
}

/// Refuses, with cargo fix's words, when `files` are not in a git work tree (unless
/// `allow.no_vcs`) or have uncommitted changes, untracked files included (unless `allow.dirty`).
pub(crate) fn check_clean(dir: &Path, files: &[PathBuf], allow: Allow) -> Result<()> {
    if files.is_empty() || allow.no_vcs && allow.dirty {
        return Ok(());
    }
    let inside = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--is-inside-work-tree"])
        .output();
    let in_git = inside.is_ok_and(|out| out.status.success() && out.stdout.starts_with(b"true"));
    if !in_git {
        if allow.no_vcs {
            return Ok(());
        }
        bail!(
            "no VCS found for this package and `cargo coop fix` can overwrite local code\n\n\
             to proceed despite this, pass the `--allow-no-vcs` flag"
        );
    }
    // A file outside the work tree (`#[path = "/elsewhere/x.rs"]`) is under no VCS here.
    let top = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()?;
    let top = PathBuf::from(String::from_utf8_lossy(&top.stdout).trim());
    let top = top.canonicalize().unwrap_or(top);
    let (inside, outside): (Vec<&PathBuf>, Vec<&PathBuf>) = files.iter().partition(|file| {
        file.canonicalize()
            .unwrap_or_else(|_| file.to_path_buf())
            .starts_with(&top)
    });
    if !outside.is_empty() && !allow.no_vcs {
        let listed: Vec<String> = outside
            .iter()
            .map(|file| format!("  * {}", file.display()))
            .collect();
        bail!(
            "the files `cargo coop fix` would change outside the repository at {} are under no \
             VCS:\n\n{}\n\nto proceed despite this, pass the `--allow-no-vcs` flag",
            top.display(),
            listed.join("\n")
        );
    }
    if allow.dirty || inside.is_empty() {
        return Ok(());
    }
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["status", "--porcelain=v1", "--untracked-files=all", "--"])
        .args(inside)
        .output()?;
    if !status.status.success() {
        bail!(
            "`git status` failed: {}",
            String::from_utf8_lossy(&status.stderr).trim()
        );
    }
    let dirty: Vec<String> = String::from_utf8_lossy(&status.stdout)
        .lines()
        .map(|line| {
            let (code, path) = line.split_at(3.min(line.len()));
            let what = if code.starts_with("??") {
                "untracked"
            } else if code.starts_with(' ') {
                "dirty"
            } else {
                "staged"
            };
            format!("  * {path} ({what})")
        })
        .collect();
    if dirty.is_empty() {
        return Ok(());
    }
    bail!(
        "the files `cargo coop fix` would change have uncommitted changes:\n\n{}\n\n\
         commit or stash them first, or pass `--allow-dirty` to write over them",
        dirty.join("\n")
    );
}
