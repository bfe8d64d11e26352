"""Instructions per call of each extraction step on the seed, counted by valgrind's callgrind.

    python benchmarks/instructions.py [--calls 10] [--parts figures attributions ...]

Wall-clock time on a shared 2-core VM drifts 10-20% between runs; an instruction count does not
(the same binary, inputs and environment give the same total whatever else the machine does), so
this is the measure to compare two versions of an extractor by. Each part runs in its own
`valgrind --tool=callgrind` process: warmed up with two calls, then `--calls` calls made through
ctypes (`PyObject_CallNoArgs` by libffi's `ffi_call`, the only C function whose work callgrind is told
to collect: a symbol of libffi's, so this works on an interpreter without its own symbols, such as
Debian's). The README's milliseconds still come from `bench.py` on an idle machine.
"""

from __future__ import annotations

import argparse
import ctypes
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "articles" / "000_34f58d2625e0538a.txt"
PARTS = ("segment", "places", "dates", "build_doc", "figures", "attributions", "events", "all")


def part_function(part: str) -> Callable[[], object]:
    """A no-argument call doing one step on the seed, everything it depends on computed beforehand."""
    sys.path.insert(0, str(ROOT))
    from seed_calls import cold_calls

    from pipeline.dates import find_dates
    from pipeline.parse import parse_file
    from pipeline.places import load_gazetteer
    from pipeline.text import segment

    gaz = load_gazetteer()
    article = parse_file(SEED, SEED.parent, 50_000_000)[0][0]
    doc, calls = cold_calls(article, gaz)
    facts = doc.fact_sentences
    sentences = [(s.text, s.char_start) for s in facts]
    return {
        "segment": lambda: segment(article),
        "places": lambda: gaz.find_all(sentences),
        "dates": lambda: [find_dates(s.text, s.char_start, article.published_date) for s in facts],
        **calls,
    }[part]


def run_part(part: str, calls: int) -> None:
    """Inside valgrind: warm up, then make `calls` calls through ctypes (ffi_call is the collected function)."""
    fn = part_function(part)
    call = ctypes.pythonapi.PyObject_CallNoArgs  # the C-API call, made through libffi's ffi_call
    call.restype = ctypes.py_object
    call.argtypes = [ctypes.py_object]
    fn()  # warm-up calls, not through ffi_call: not collected (the first loads the lexicons)
    fn()
    for _ in range(calls):
        call(fn)


def count(part: str, calls: int) -> float:
    """Instructions per call of `part`, in millions."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out", "--toggle-collect=ffi_call",
             sys.executable, __file__, "--inside", part, "--calls", str(calls)],
            capture_output=True, text=True, check=True,
        )
    collected = re.search(r"Collected : ([\d,]+)", proc.stderr)
    if not collected:
        raise RuntimeError(f"callgrind printed no count for {part}:\n{proc.stderr[-2000:]}")
    return int(collected.group(1).replace(",", "")) / calls / 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=10, help="counted calls per part")
    ap.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    ap.add_argument("--inside", choices=PARTS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inside:
        run_part(args.inside, args.calls)
        return 0
    print(f"seed article, millions of instructions per call (callgrind, mean of {args.calls} calls):")
    for part in args.parts:
        print(f"  {part:<14}{count(part, args.calls):>8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
