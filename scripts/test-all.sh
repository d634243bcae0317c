#!/usr/bin/env bash
# Runs every test of the workspace: the default build, then the feature combinations that one
# `cargo test --workspace` cannot cover (Cargo unifies features across a workspace build, so
# "tokio bridge on" and "off" need separate builds), then the compile-out switch.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test --workspace (default features; examples built, benches run once each untimed)"
# coop-examples builds coop-core with its `tokio` feature by default (as a tokio user should);
# in one workspace build Cargo would unify that feature into every package, so it runs alone.
cargo test --workspace --all-targets --exclude coop-examples
cargo test --workspace --doc --exclude coop-examples

echo "== the examples, as a user runs them (coop-core's tokio bridge on), and with it off"
cargo test -p coop-examples --all-targets
cargo build -p coop-examples --examples --no-default-features

echo "== coop-core with every feature (tokio bridge, tracing)"
cargo test -p coop-core --all-features

echo "== the executor matrix and the other integration tests with coop-core's tokio bridge on"
cargo test -p coop-tests --features tokio-bridge --tests

echo "== coop-core without std: the embassy package alone (nothing in its graph asks for std)"
# In the workspace run above, other members unify coop-core's `std` feature in; here it is off,
# and COOP_EXPECT_NO_STD makes the tests check that the build they run against is the one
# without `std` (one budget per program).
cargo build -p coop-core --no-default-features
COOP_EXPECT_NO_STD=1 cargo test -p coop-embassy

echo "== yield points compiled out (--cfg coop_disable)"
target_dir="${CARGO_TARGET_DIR:-target}/coop-disable"
RUSTFLAGS="--cfg coop_disable" CARGO_TARGET_DIR="$target_dir" \
  cargo test -p coop-core --no-default-features --test compiled_out
