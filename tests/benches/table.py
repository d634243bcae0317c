#!/usr/bin/env python3
"""Prints the yield_cost results of criterion as the markdown tables of BENCHMARKS.md.

Usage: tests/benches/table.py CRITERION_DIR [CRITERION_DIR ...]
(for example target/criterion and target/coop-disable/criterion). Reads each benchmark's
median from `<group>/<variant>/new/estimates.json`; a measured call is 8192 loop iterations.
"""
import json
import os
import sys

ITERATIONS = 8192
WORKS = ["1ns", "10ns", "100ns"]
VARIANTS = [
    "bare",
    "cooperative",
    "tokio_consume_budget",
    "yield_now_every_128",
    "coop_consume_budget",
    "cooperative_no_yield",
]


def median_ns(root, build, work, variant):
    path = os.path.join(root, f"yield_cost_{build}_{work}", variant, "new", "estimates.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"] / ITERATIONS


def main(roots):
    for build in ["bridge_off", "bridge_on", "compiled_out"]:
        rows = {}
        for work in WORKS:
            for root in roots:
                for variant in VARIANTS:
                    ns = median_ns(root, build, work, variant)
                    if ns is not None:
                        rows[(work, variant)] = ns
        if not rows:
            continue
        print(f"\n### {build}\n")
        print("| work | variant | ns / iteration | vs bare | overhead ns / iteration | vs tokio consume_budget |")
        print("|---|---|---|---|---|---|")
        for work in WORKS:
            bare = rows.get((work, "bare"))
            tokio = rows.get((work, "tokio_consume_budget"))
            for variant in VARIANTS:
                ns = rows.get((work, variant))
                if ns is None or bare is None:
                    continue
                vs_tokio = f"{ns / tokio:.3f}" if tokio else ""
                print(
                    f"| {work} | {variant} | {ns:.3f} | {ns / bare:.3f} | {ns - bare:+.3f} | {vs_tokio} |"
                )


if __name__ == "__main__":
    main(sys.argv[1:] or ["target/criterion"])
