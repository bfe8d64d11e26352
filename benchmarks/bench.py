"""Measure factwire per stage on N real-sized raw files, and quantulum3 on the same articles.

    python benchmarks/bench.py --n 2000 [--job] [--peer-sample 200] [--keep DIR]

Articles come from ../shared/corpus (conflict_dev, lee_background; never conflict_eval), seeds/dev
and the seed, cycled to N files of varied formats (JSON, plain text with a date header); each copy
gets a distinct first line so none is de-duplicated away. Prints, per stage: seconds, ms per
article, articles per second and peak RSS so far.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seed_calls import cold_calls  # noqa: E402

from pipeline import attributions, events, figures, native  # noqa: E402
from pipeline.extract import STEP_CHUNK, build_doc, extract_article, extract_articles  # noqa: E402
from pipeline.frames import to_frame  # noqa: E402
from pipeline.parse import article_from_object, parse_file  # noqa: E402
from pipeline.places import load_gazetteer  # noqa: E402
from pipeline.publish import build_duckdb  # noqa: E402
from pipeline.validate import validate_table  # noqa: E402

# The shared corpus beside the checkout (../shared/corpus), or FACTWIRE_CORPUS_DIR.
CORPUS = Path(os.environ.get("FACTWIRE_CORPUS_DIR") or ROOT.parent / "shared" / "corpus")
SOURCES = ("conflict_dev.jsonl", "lee_background.jsonl")


def base_articles() -> list[dict]:
    """Real article objects: the corpus dev files, seeds/dev, and the seed."""
    objs: list[dict] = []
    for name in SOURCES:
        path = CORPUS / name
        if path.exists():
            objs += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        else:  # the files then differ in size and kind from the measured ones: say so
            print(f"warning: {path} not found (set FACTWIRE_CORPUS_DIR): articles from seeds/ only",
                  file=sys.stderr)
    for path in sorted((ROOT / "seeds" / "dev").glob("*.json")):
        objs.append(json.loads(path.read_text(encoding="utf-8")))
    seed = (ROOT / "seeds" / "articles" / "000_34f58d2625e0538a.txt").read_text(encoding="utf-8")
    header, _, body = seed.partition("\n")
    objs.append({"id": "seed", "date": header.split()[1], "text": body.strip()})
    return objs


def make_raw(raw: Path, n: int, start: int = 0) -> None:
    """Files start..n-1 of a delivery of distinct raw files: 3 in 4 JSON, 1 in 4 plain text with the
    seed's header."""
    objs = base_articles()
    raw.mkdir(parents=True, exist_ok=True)
    for i in range(start, n):
        obj = dict(objs[i % len(objs)])
        obj["text"] = f"Report {i} of the benchmark delivery.\n\n{obj['text']}"
        if i % 4 == 3:
            date = obj.get("date") or "2002-01-01"
            (raw / f"{i:07d}.txt").write_text(f" date {date} Bench\n\n{obj['text']}", encoding="utf-8")
        else:
            (raw / f"{i:07d}.json").write_text(json.dumps(obj), encoding="utf-8")


PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Stages:
    def __init__(self, n_articles: int) -> None:
        self.n = n_articles
        self.rows: list[tuple[str, float, float, bool]] = []

    def time(self, name: str, fn: Callable[[], object], once: bool = False) -> object:
        """Time one stage; `once`: a stage paid once per process, not per article (no per-article columns)."""
        t0 = time.perf_counter()
        out = fn()
        self.rows.append((name, time.perf_counter() - t0, peak_rss_mb(), once))
        return out

    def print(self) -> None:
        print(f"{'stage':<28}{'seconds':>10}{'ms/article':>12}{'articles/s':>12}{'peak RSS MB':>13}")
        for name, secs, rss, once in self.rows:
            if once:
                print(f"{name:<28}{secs:>10.3f}{'-':>12}{'-':>12}{rss:>13.0f}")
                continue
            rate = self.n / secs if secs else float("inf")
            print(f"{name:<28}{secs:>10.3f}{1000 * secs / self.n:>12.3f}{rate:>12.0f}{rss:>13.0f}")


class TreeRss:
    """Samples (every 50 ms, from /proc) the summed RSS of a process and all its descendants: the
    memory the whole job holds at once (the run process, its workers and DuckDB together). Also the
    summed PSS: workers forked from the fork server share its pages (gazetteer, extractors), which the
    RSS of each process counts in full and PSS divides among the processes sharing them.

    The sampler shares the job's two cores, so it must cost little. A process's RSS (statm) reads in
    ~0.03 ms, but its PSS (smaps_rollup walks the page tables) in ~10 ms per 400 MB process: read at
    every sample, it took 6.3-6.8 s of CPU in a 28 s night at 10,000 files and made the night ~14%
    slower. So PSS is read only when the summed RSS is near its peak so far (where the peak PSS is), at
    most every PSS_EVERY seconds, and the process tree (every thread's children) walked every
    TREE_EVERY seconds (a process living less than that may be missed)."""

    PSS_EVERY = 2.0
    NEAR_PEAK = 0.95
    TREE_EVERY = 0.5

    def __init__(self) -> None:
        self.peak_total = 0.0
        self.peak_pss = 0.0
        self._pid: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def watch(self, pid: int) -> None:
        self._pid = pid

    @staticmethod
    def _children(pid: int) -> list[int]:
        out: list[int] = []
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    out += [int(c) for c in fh.read().split()]
        except OSError:
            pass
        return out

    @staticmethod
    def _rss_mb(pid: int) -> float:
        """The resident set of a process (/proc/<pid>/statm, in pages), in MB; 0 when it is gone."""
        try:
            with open(f"/proc/{pid}/statm") as fh:
                return int(fh.read().split()[1]) * PAGE_BYTES / 2**20
        except OSError:
            return 0.0

    @staticmethod
    def _pss_mb(pid: int) -> float:
        """The proportional set size of a process (/proc/<pid>/smaps_rollup, kB), in MB; 0 when it is gone."""
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _tree(self, pid: int) -> list[int]:
        pids, todo = [], [pid]
        while todo:
            pids.append(todo.pop())
            todo += self._children(pids[-1])
        return pids

    def _loop(self) -> None:
        next_pss = next_tree = 0.0
        pids: list[int] = []
        while not self._stop.wait(0.05):
            if self._pid is None:
                continue
            now = time.monotonic()
            if now >= next_tree:  # walking every thread's children costs more than reading the RSS
                pids, next_tree = self._tree(self._pid), now + self.TREE_EVERY
            total = sum(self._rss_mb(pid) for pid in pids)
            self.peak_total = max(self.peak_total, total)
            if total >= self.NEAR_PEAK * self.peak_total and now >= next_pss:
                self.peak_pss = max(self.peak_pss, sum(self._pss_mb(pid) for pid in pids))
                next_pss = now + self.PSS_EVERY


SEED = ROOT / "seeds" / "articles" / "000_34f58d2625e0538a.txt"


def best_ms(fn: Callable[[], object], reps: int, rounds: int = 5) -> float:
    """Best of `rounds` mean times of `reps` calls, in ms: the least disturbed measure on a shared machine."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        best = min(best, (time.perf_counter() - t0) / reps)
    return 1000 * best


def busy_seconds() -> float:
    """The CPU time every core of the machine has spent busy since boot (/proc/stat, first line): over a
    night, the work of all its processes, whichever did it; the same night takes more of it in a slow
    stretch of this VM."""
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def python_loop_ms() -> float:
    """A fixed pure-Python loop, best of 5 (ms): timed before the first night and after the last, so that
    a change of the machine's speed between the full run and the increments shows."""
    return best_ms(lambda: sum(i * i for i in range(300_000)), 1)


def core_kind() -> str:
    """Which extraction core this process runs: the mypyc build or the Python modules."""
    if native.is_compiled(figures):
        return "extraction core compiled (build/native)"
    return f"extraction core as Python ({native.why_python()})"


def seed_timings(reps: int) -> None:
    """Per-extractor time on the seed, the seed-sized article the issues' budgets are stated for."""
    gaz = load_gazetteer()
    article = parse_file(SEED, SEED.parent, 50_000_000)[0][0]
    doc, calls = cold_calls(article, gaz)
    sentences = [(s.text, s.char_start) for s in doc.fact_sentences]
    parts = {
        "segment + places + dates": best_ms(calls["build_doc"], reps),
        "figures": best_ms(calls["figures"], reps),
        "attributions": best_ms(calls["attributions"], reps),
        "events": best_ms(calls["events"], reps),
    }
    places_ms = best_ms(lambda: gaz.find_all(sentences), reps)
    whole_ms = best_ms(calls["all"], reps)
    print(f"\nseed article ({len(article.body) / 1024:.1f} KB), one core, best of 5 x {reps}, {core_kind()}:")
    for name, ms in parts.items():
        print(f"  {name:<28}{ms:>8.3f} ms")
    print(f"  {'all three tables':<28}{sum(parts.values()):>8.3f} ms (the steps above, each timed alone)")
    print(f"  {'all three, one call':<28}{whole_ms:>8.3f} ms (extract_article: the same steps in one pass, "
          "claims linked; one article alone)")
    print(f"  {'of which places (find_all)':<28}{places_ms:>8.3f} ms; events + places "
          f"{parts['events'] + places_ms:.3f} ms")


def seed_sized_timings(rounds: int = 7) -> None:
    """Per-article time of the corpus's seed-sized articles (2.5-6 KB of text, each distinct), extracted
    as a worker extracts a batch (`extract_articles`: each step over STEP_CHUNK articles) and one
    `extract_article` call after another; the two alternate, round after round."""
    objs = [o for o in base_articles() if 2500 <= len(o["text"]) <= 6000]
    articles = [article_from_object(o, f"{i}.json") for i, o in enumerate(objs)]
    gaz = load_gazetteer()
    ways: dict[str, Callable[[], object]] = {
        "batch": lambda: extract_articles(articles, gaz),
        "one by one": lambda: [extract_article(a, gaz) for a in articles],
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, fn in ways.items():
            events._names_air_weapon.cache_clear()  # keyed on sentence text: no round may reuse another's
            t0 = time.perf_counter()
            fn()
            times[name].append(1000 * (time.perf_counter() - t0) / len(articles))
    print(f"\n{len(articles)} seed-sized articles (2.5-6 KB, corpus and seeds), one core, {rounds} alternating "
          "rounds, ms per article (best / median):")
    for name, found in times.items():
        how = f"each step over {STEP_CHUNK} articles, what a worker runs" if name == "batch" else "extract_article"
        print(f"  {name:<28}{min(found):>8.3f} / {statistics.median(found):.3f} ms ({how})")


_seen_runs: set[str] = set()


def last_run_steps(warehouse: Path) -> str:
    """Seconds per step of the newest Dagster run in the warehouse's instance (where the time of a
    night went), or a note that the night started no run."""
    import dagster as dg  # only for reading the run storage, after the night

    os.environ["DAGSTER_HOME"] = str(warehouse / ".dagster")  # where `factwire run` keeps its instance
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(limit=1)
        if not runs or runs[0].run_id in _seen_runs:
            return "    (no Dagster run: the up-to-date check answered)"
        run = runs[0]
        _seen_runs.add(run.run_id)
        stats = instance.get_run_stats(run.run_id)
        steps = ", ".join(f"{s.step_key.removeprefix('warehouse_')} {s.end_time - s.start_time:.2f}"
                          for s in instance.get_run_step_stats(run.run_id) if s.end_time and s.start_time)
    inside = (stats.end_time or 0) - (stats.start_time or 0)
    return f"    run {inside:.1f} s from start to end; steps (s): {steps}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="raw files to generate")
    ap.add_argument("--job", action="store_true", help="also time the full Dagster job (`factwire run`)")
    ap.add_argument("--peer-sample", type=int, default=100, help="articles given to quantulum3 (0 = skip)")
    ap.add_argument("--keep", type=Path, help="keep the generated raw folder here")
    ap.add_argument("--workers", type=int, default=0, help="FACTWIRE_WORKERS for the job (0 = all cores)")
    ap.add_argument("--stages", action=argparse.BooleanOptionalAction, default=True,
                    help="time each stage in process on one core (--no-stages for the job alone)")
    ap.add_argument("--increments", type=int, default=2, help="1%% nights timed after the no-op nights")
    ap.add_argument("--redelivery", action=argparse.BooleanOptionalAction, default=True,
                    help="then a night after 1%% of the files were delivered again (same bytes, new mtimes), "
                         "and the 1%% night after it")
    ap.add_argument("--seed-reps", type=int, default=200, help="calls per round for the seed timings (0 = skip)")
    args = ap.parse_args()
    if args.seed_reps:
        seed_timings(args.seed_reps)
        seed_sized_timings()
        # the VM's speed drifts within minutes: the loop beside the timings tells which stretch they ran in
        print(f"machine speed, a fixed Python loop, after these timings: {python_loop_ms():.1f} ms")

    work = Path(tempfile.mkdtemp(prefix="factwire-bench-"))
    raw = args.keep or work / "raw"
    make_raw(raw, args.n)
    files = sorted(p for p in raw.iterdir() if p.is_file())
    size = sum(p.stat().st_size for p in files)
    print(f"{len(files)} raw files, {size / 1e6:.1f} MB, mean {size / len(files) / 1024:.1f} KB; "
          f"python {sys.version.split()[0]}, {core_kind()}")

    if args.workers:
        os.environ["FACTWIRE_WORKERS"] = str(args.workers)
    if args.stages:
        stages = Stages(len(files))
        load_gazetteer.cache_clear()  # the seed timings loaded it: time a load from the on-disk cache
        gaz = stages.time("load gazetteer (once)", load_gazetteer, once=True)
        arts = stages.time("read + parse", lambda: [a for p in files for a in parse_file(p, raw, 50_000_000)[0]])
        docs = stages.time("segment + places + dates", lambda: [build_doc(a, gaz) for a in arts])
        fig = stages.time("figures", lambda: [figures.extract(d) for d in docs])
        att = stages.time("attributions", lambda: [attributions.extract(d) for d in docs])
        stages.time("events", lambda: [events.extract(d, f) for d, f in zip(docs, fig, strict=True)])
        ev = [events.extract(d, f) for d, f in zip(docs, fig, strict=True)]
        bodies = {a.article_id: a.body for a in arts}
        tables = {
            "articles": arts,
            "sentences": [s for d in docs for s in d.sentences],
            "figures": [r for rows in fig for r in rows],
            "attributions": [r for rows in att for r in rows],
            "events": [r for e, _ in ev for r in e],
            "event_places": [r for _, p in ev for r in p],
        }
        frames = stages.time("to frames + validate", lambda: {
            t: validate_table(t, to_frame(t, rows), None if t == "articles" else bodies)[0]
            for t, rows in tables.items()
        })
        pq = work / "parquet"
        pq.mkdir(exist_ok=True)

        def write_all() -> None:
            from schemas import TABLES

            for t in TABLES:
                (frames.get(t) if t in frames else to_frame(t, [])).write_parquet(pq / f"{t}.parquet")

        stages.time("write Parquet", write_all)
        stages.time("publish DuckDB", lambda: build_duckdb(work / "bench.duckdb", pq))
        stages.print()
        extract_secs = sum(s for name, s, *_ in stages.rows if name in {"segment + places + dates", "figures",
                                                                     "attributions", "events"})
        per_article = 1000 * extract_secs / len(files)
        print(f"\nextraction of all three tables (segment + places/dates + extractors): {per_article:.3f} ms/article"
              f" on one core; rows: {', '.join(f'{t}={len(r)}' for t, r in tables.items())}")

        if args.peer_sample:
            try:
                from quantulum3 import parser as q3
            except ImportError:
                print("quantulum3 not installed: `make bench` installs the bench group")
            else:
                sample = arts[: args.peer_sample]
                q3.parse("warm up 3 km")
                t0 = time.perf_counter()
                for a in sample:
                    q3.parse(a.body)
                q_ms = 1000 * (time.perf_counter() - t0) / len(sample)
                print(f"quantulum3 (numbers only) on {len(sample)} of the same articles: {q_ms:.1f} ms/article; "
                      f"factwire all three tables is {q_ms / per_article:.0f}x faster")

    if args.job:
        wh = work / "warehouse"
        factwire = [str(ROOT / ".venv" / "bin" / "factwire"), "run", "--raw", str(raw), "--warehouse", str(wh),
                    "--log-level", "WARNING"]

        loops: list[float] = []  # the fixed loop's time just before each night

        def night(label: str, *flags: str) -> float:
            loops.append(python_loop_ms())
            busy, t0 = busy_seconds(), time.perf_counter()
            with TreeRss() as tree:
                proc = subprocess.Popen([*factwire, *flags], stdout=subprocess.DEVNULL)
                tree.watch(proc.pid)
                if proc.wait():
                    raise subprocess.CalledProcessError(proc.returncode, factwire)
            secs, busy = time.perf_counter() - t0, busy_seconds() - busy
            # the largest process of the job so far (the run or one of its workers); a child forked from
            # this process counts this process's pages too, so it is meaningful with --no-stages only
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            memory = (f"   peak RSS: largest process so far {rss:>5.0f} MB, all job processes together "
                      f"{tree.peak_total:>5.0f} MB (PSS {tree.peak_pss:>4.0f} MB)" if not args.stages else "")
            print(f"{label:<44}{secs:>8.1f} s   loop {loops[-1]:4.1f} ms   busy CPU {busy:5.1f} s{memory}")
            print(last_run_steps(wh))
            return secs

        print(f"\nfull nightly job (Dagster, in process, {args.workers or 'all'} workers) on {len(files)} files:")
        full = night("first night (everything new)")
        noop = night("no-op night (same files: up to date, no job)")
        forced = night("no-op night forced through the job", "--force")
        extra = max(1, len(files) // 100)
        increments = []
        for k in range(args.increments):
            make_raw(raw, len(files) + (k + 1) * extra, start=len(files) + k * extra)
            # From the second on, the DuckDB file of the version before last is updated in place (steady
            # state; the first increment after a full night has no such file yet and updates a copy).
            increments.append(night(f"{'next ' if k else ''}1% increment ({extra} new files)"))
        increment_loops = loops[3:]
        if args.redelivery:
            # An analyst copies a folder again: the files' bytes are the same, their mtimes new. The night
            # hashes them and rewrites the raw_files parts that list them (their rows deleted in DuckDB);
            # the next night brings the older DuckDB file through the same deletions.
            for path in files[len(files) // 2:len(files) // 2 + extra]:
                path.write_bytes(path.read_bytes())
            redelivered = night(f"{extra} files delivered again (same bytes)")
            start = len(files) + args.increments * extra
            make_raw(raw, start + extra, start=start)
            after = night(f"1% increment after it ({extra} new files)")
        speed_after = python_loop_ms()
        ratios = [100 * secs / full for secs in increments]
        print(f"no-op night = {100 * noop / full:.1f}% of the full run ({100 * forced / full:.1f}% forced through "
              f"the job); 1% increments = {', '.join(f'{r:.1f}%' for r in ratios)}"
              f"{f' (median {statistics.median(ratios):.1f}%)' if len(ratios) > 2 else ''}; "
              f"full run {1000 * full / len(files):.2f} ms/file, {len(files) / full:.0f} files/s")
        if args.redelivery:
            print(f"1% of the files delivered again = {100 * redelivered / full:.1f}% of the full run, the 1% night "
                  f"after it {100 * after / full:.1f}%")
        # The VM's CPU speed drifts (about twofold): a ratio of two nights run at different speeds says as much
        # about the machine as about the code, so each night's line shows the loop timed just before it.
        print(f"machine speed, a fixed Python loop: {loops[0]:.1f} ms before the first night, "
              f"{statistics.median(increment_loops or loops):.1f} ms median before the 1% nights, {speed_after:.1f} ms "
              "after the last")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
