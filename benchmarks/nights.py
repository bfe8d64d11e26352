"""Alternate small nights of two checkouts (or of two environments) on one warehouse: what a change does to a
night, measured on a VM whose speed drifts more from minute to minute than most changes move a night.

    python benchmarks/nights.py --dir /tmp/fw-nights --files 100000 --pairs 8 --a . --b ../other
    python benchmarks/nights.py --dir /tmp/fw-nights --pairs 8 --env-b POLARS_MAX_THREADS=2

The first call builds the harness in --dir: --files raw files of the bench's delivery (`bench.make_raw`) and a
full night with checkout A. Each pair then adds --new files and runs one night of each side, in ABBA order
(A B, B A, ...), each through `factwire run` with PYTHONPATH at its checkout, and prints the night's seconds and
the machine's busy CPU seconds over it (from /proc/stat: two cores' worth of work, whichever process did it).
The summary gives each side's median and how many pairs B won. Both checkouts must give the same extractor and
publisher versions (else every night re-extracts or reloads, and compares nothing), and both their compiled
core or neither (`make native`; copy `build/` into a fresh clone).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench  # noqa: E402 - the bench's delivery, from this folder

FACTWIRE = Path(sys.executable).parent / "factwire"
PROBE = ("from pipeline import native, publish, versions; "
         "print(versions.extractor_version(), publish.publisher_version(), native.why_python() is None)")


def checkout_env(checkout: Path, extra: list[str]) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
    env.update(kv.split("=", 1) for kv in extra)
    return env


def versions_of(env: dict[str, str]) -> str:
    """The extractor version, publisher version and whether the core is compiled, as the checkout gives them."""
    return subprocess.run([sys.executable, "-c", PROBE], env=env, check=True, capture_output=True, text=True,
                          cwd="/").stdout.strip()


def night(env: dict[str, str], raw: Path, warehouse: Path) -> tuple[float, float]:
    """One `factwire run`: (seconds, the machine's busy CPU seconds over it)."""
    os.sync()
    time.sleep(0.3)
    busy, start = bench.busy_seconds(), time.perf_counter()
    subprocess.run([str(FACTWIRE), "run", "--raw", str(raw), "--warehouse", str(warehouse), "--log-level",
                    "WARNING"], env=env, check=True, stdout=subprocess.DEVNULL, cwd="/")
    return time.perf_counter() - start, bench.busy_seconds() - busy


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, required=True, help="the harness: raw folder and warehouse (kept)")
    ap.add_argument("--files", type=int, default=100_000, help="raw files of a new harness")
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--new", type=int, default=1000, help="new files per night")
    ap.add_argument("--a", type=Path, default=Path("."), help="checkout A (default: this one)")
    ap.add_argument("--b", type=Path, default=Path("."), help="checkout B (default: this one)")
    ap.add_argument("--env-a", nargs="*", default=[], metavar="K=V", help="environment of A's nights")
    ap.add_argument("--env-b", nargs="*", default=[], metavar="K=V", help="environment of B's nights")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr] - each night's line as it ends
    envs = {"A": checkout_env(args.a, args.env_a), "B": checkout_env(args.b, args.env_b)}
    found = {side: versions_of(env) for side, env in envs.items()}
    if found["A"] != found["B"]:
        sys.exit(f"A and B differ in extractor version, publisher version or compiled core: {found}")

    raw, warehouse = args.dir / "raw", args.dir / "warehouse"
    if not raw.is_dir():
        bench.make_raw(raw, args.files)
        print(f"harness: {args.files} files, first night {night(envs['A'], raw, warehouse)[0]:.1f} s")
    files = 1 + max(int(p.stem) for p in raw.iterdir() if p.stem.isdigit())  # the next file's number
    results: dict[str, list[tuple[float, float]]] = {"A": [], "B": []}
    for pair in range(args.pairs):
        for side in ("AB" if pair % 2 == 0 else "BA"):
            bench.make_raw(raw, files + args.new, start=files)
            files += args.new
            secs, busy = night(envs[side], raw, warehouse)
            results[side].append((secs, busy))
            loop = bench.python_loop_ms()
            print(f"pair {pair + 1} {side}: {secs:.2f} s, busy CPU {busy:.2f} s, loop after it {loop:.1f} ms")
    for side, got in results.items():
        print(f"{side}: median {statistics.median(s for s, _ in got):.3f} s, busy CPU median "
              f"{statistics.median(b for _, b in got):.2f} s")
    wins = sum(b[0] < a[0] for a, b in zip(results["A"], results["B"], strict=True))
    print(f"B shorter in {wins} of {args.pairs} pairs ({files} files at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
