#!/usr/bin/env bash
# The interleaved harness run once per stack layout, and each row's ratio to `bare` across them.
#
# A process's stack starts at a random offset within its page, and on some CPUs (the AMD EPYC
# VMs the numbers in BENCHMARKS.md come from) the cost of a trip through tokio's scheduler, and
# of a loop that stores to the stack, depends on that offset (4K aliasing between stack and heap
# addresses): the same binary reads 1.12x or 1.26x in the same row from one run to the next.
# This script fixes the layout instead of drawing it: address randomization off (`setarch -R`),
# the stack moved by an environment variable of 0, 512, ... bytes, one run of the harness each;
# then prints, per row, the ratio of the row's median round to `bare`'s median round (a time
# slice's also to the same budget without one): best, median and worst across the layouts.
#
#   scripts/bench-layouts.sh [--features tokio-bridge] [-- set ...]   (8 layouts, ~3 min)
#   LAYOUTS=4 scripts/bench-layouts.sh -- inline
set -euo pipefail
cd "$(dirname "$0")/.."

cargo_args=()
sets=()
while (($#)); do
    if [[ $1 == -- ]]; then
        shift
        sets=("$@")
        break
    fi
    cargo_args+=("$1")
    shift
done

bin=$(cargo bench -p coop-benches --bench interleaved "${cargo_args[@]}" --no-run 2>&1 |
    sed -n 's/.*Executable .*(\(.*interleaved-[0-9a-f]*\)).*/\1/p' | tail -1)
[[ -x $bin ]] || { echo "bench-layouts: no interleaved binary built" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
layouts=${LAYOUTS:-8}
for ((i = 0; i < layouts; i++)); do
    pad=$(printf "%*s" $((i * 512)) "")
    env -i PATH="$PATH" HOME="${HOME:-/}" COOP_LAYOUT_PAD="$pad" \
        setarch "$(uname -m)" -R "$bin" --bench "${sets[@]}" >"$out/$i.txt"
    echo "layout $((i + 1))/$layouts done" >&2
done

python3 - "$out" "$layouts" <<'EOF'
import re, statistics, sys
out, layouts = sys.argv[1], int(sys.argv[2])
rows = {}
order = []
for i in range(layouts):
    medians = {}
    for line in open(f"{out}/{i}.txt"):
        m = re.match(r"\| (\S+) \| (\S+) \| ([\d.]+) \| ([\d.]+) \|", line)
        if m:
            medians[(m[1], m[2])] = float(m[4])
    for (work, variant), median in medians.items():
        if variant == "bare":
            continue
        key = (work, variant)
        if key not in rows:
            rows[key] = []
            order.append(key)
        rows[key].append(median / medians[(work, "bare")])
        # A time slice is measured against the same budget without one.
        if variant == "count_and_slice":
            key = (work, "count_and_slice vs count_only")
            if key not in rows:
                rows[key] = []
                order.append(key)
            rows[key].append(median / medians[(work, "count_only")])
print(f"ratio of median rounds to bare, across {layouts} stack layouts")
print("| work | variant | best | median | worst |")
print("|---|---|---|---|---|")
for work, variant in order:
    r = sorted(rows[(work, variant)])
    print(f"| {work} | {variant} | {r[0]:.3f} | {statistics.median(r):.3f} | {r[-1]:.3f} |")
EOF
