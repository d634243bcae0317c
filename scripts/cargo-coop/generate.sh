#!/usr/bin/env bash
# Generates a crate of about LINES lines (default 100 000) of async and sync Rust in DIR, for
# timing `cargo coop check`: 100 modules, each with async fns, methods, sync fns holding async
# blocks, loops of every kind (some awaiting, some not, some under temporaries) and macro calls.
#
#   bash scripts/cargo-coop/generate.sh /tmp/coop-100k [LINES]
#   cargo coop check --manifest-path /tmp/coop-100k/Cargo.toml
set -euo pipefail
dir="${1:?usage: generate.sh DIR [LINES]}"
lines="${2:-100000}"
modules=100
mkdir -p "$dir/src"
cat > "$dir/Cargo.toml" <<'TOML'
[package]
name = "coop-generated"
version = "0.1.0"
edition = "2024"

[workspace]
TOML
block() { # one block of 50 lines, numbered $1
  cat <<RS
/// Generated block $1.
pub async fn checksum_$1(data: &[u8], rx: &mut Receiver) -> u32 {
    let mut sum = 0u32;
    for byte in data {
        sum = sum.wrapping_add(u32::from(*byte));
    }
    while let Some(x) = rx.recv().await {
        sum += x;
    }
    let extra = vec![sum, loop { break 1 }];
    sum + extra.len() as u32
}

pub struct Parser$1 {
    buf: Vec<u8>,
    cell: std::cell::RefCell<Vec<u32>>,
}

impl Parser$1 {
    pub async fn lines(&self) -> usize {
        let mut n = 0;
        for b in &self.buf {
            if *b == b'\n' {
                n += 1;
            }
        }
        for x in self.cell.borrow().iter() {
            n += *x as usize;
        }
        n
    }

    pub fn spawn(&self) -> impl std::future::Future<Output = u64> {
        async move {
            let mut count = 0u64;
            'outer: loop {
                count += 1;
                if count > 1000 {
                    break 'outer count;
                }
            }
        }
    }
}

pub fn sync_$1(xs: &[u32]) -> u32 {
    let mut total = 0;
    for x in xs {
        total += x;
    }
    total
}
RS
}
blocks_per_module=$(( lines / modules / 50 ))
: > "$dir/src/lib.rs"
for m in $(seq 1 "$modules"); do
  echo "pub mod m$m;" >> "$dir/src/lib.rs"
  {
    echo "use crate::Receiver;"
    for b in $(seq 1 "$blocks_per_module"); do block "$b"; done
  } > "$dir/src/m$m.rs"
done
cat >> "$dir/src/lib.rs" <<'RS'

pub struct Receiver;

impl Receiver {
    pub async fn recv(&mut self) -> Option<u32> {
        None
    }
}
RS
wc -l "$dir"/src/*.rs | tail -1
