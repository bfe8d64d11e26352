"""The night's stages as plain functions (the Dagster assets call these).

Ingest and extraction stream through batches, each written as Parquet parts, and spread over a
process pool; results do not depend on the number of workers (ids derive from content, parts are
written in canonical order). Unchanged inputs keep their rows from the last published version.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from pipeline import incremental, pools, prefetch, staging, versions
from pipeline.frames import columns_frame, to_frame
from pipeline.model import Article
from pipeline.parse import Reject, parse_file
from pipeline.prefetch import FACT_TABLES, Columns, Job, Parsed
from pipeline.validate import validate_table

if TYPE_CHECKING:
    from pipeline.places import Gazetteer

INGEST_TABLES = ("articles", "article_sources")
FILES_PER_BATCH = 1000
# At most, per extraction batch: validating a batch's frames has a fixed cost (pandera, about 25 ms a
# table), so batches are as large as this allows while still giving every worker one.
ARTICLES_PER_BATCH = 1000


def articles_per_batch(articles: int, workers: int) -> int:
    """Articles per extraction batch for a night with `articles` to extract over `workers`: split so
    that every worker gets a batch, but not below a quarter of ARTICLES_PER_BATCH (a worker's start,
    about a second of CPU, would cost more than it saves)."""
    even = -(-articles // max(1, workers))
    return max(1, min(ARTICLES_PER_BATCH, max(ARTICLES_PER_BATCH // 4, even)))


def batch_size(articles: int, workers: int, all_prefetched: bool) -> int:
    """Articles per batch of the facts step: `articles_per_batch`, unless the prefetch extracted every one
    of them: its batches are answered with rows already made, with no extraction to share among workers,
    so they are as large as a batch may be (a small night writes one part per table, full-sized for 1,000
    articles: not merged again by compaction)."""
    return ARTICLES_PER_BATCH if all_prefetched else articles_per_batch(articles, workers)


@dataclass(frozen=True)
class RawFile:
    source_path: str  # relative to the raw folder
    size: int
    mtime_ns: int
    sha256: str


def raw_files_frame(files: list[RawFile]) -> pl.DataFrame:
    """The raw_files table of a list of RawFile (columns built directly)."""
    return pl.DataFrame(
        {"source_path": [f.source_path for f in files], "size": [f.size for f in files],
         "mtime_ns": [f.mtime_ns for f in files], "sha256": [f.sha256 for f in files]},
        schema=incremental.MANIFEST_SCHEMA,
    )


def write_raw_files(build: Path, files: pl.DataFrame, previous: incremental.Previous | None,
                    known: pl.DataFrame | None = None) -> bool:
    """Stage the raw_files table (`files`, the scan) as parts, as the other tables: last night's parts
    are kept (hard-linked, unchanged inode: nothing to reload into DuckDB) less the rows of files that
    changed or left, and the new or changed files form one new part, so a night costs in proportion to
    what changed. Returns True when the folder is last night's exactly (every part linked)."""
    staging.reset(build, "raw_files")
    if previous is None or not staging.parts(previous.root, "raw_files"):
        staging.write_part(build, "raw_files", "all", files)
        return False
    if known is None:
        known = incremental.previous_manifest(previous)
    columns = list(incremental.MANIFEST_SCHEMA)
    fresh = files.join(known, on=columns, how="anti")
    # Every other row of `files` is a row of `known` (a path is in each at most once): when they are all
    # of its rows, no file changed or left, and the second join is not needed.
    left = (known.join(files, on=columns, how="anti")["source_path"]  # changed (another stat or hash) or gone
            if files.height - fresh.height < known.height else pl.Series("source_path", [], pl.Utf8))
    incremental.carry_parts(previous, "raw_files", build, incremental.in_set(pl.col("source_path"), set(left)))
    if fresh.height:
        staging.write_part(build, "raw_files", _batch_name([p + h for p, h in fresh.select("source_path", "sha256")
                                                            .sort("source_path").iter_rows()]), fresh)
    return left.len() == 0 and fresh.height == 0


def load_gazetteer() -> Gazetteer:
    """The gazetteer (pipeline.places), imported on first use: the run process of a night with nothing
    to extract never loads the extractors (a pool worker does, once, as its initializer)."""
    from pipeline.places import load_gazetteer as load

    return load()


def init_extraction_worker() -> None:
    """An extraction worker's initializer: load the gazetteer, then extract one short article so that
    what the extractors and the validation load or compile on first use (lexicons, regexes, pandera's
    backends: about 0.3 s) is done before the first batch, while the night's other steps run."""
    from pipeline.extract import warm_up_article

    load_gazetteer()
    extract_batch([warm_up_article()])


@dataclass
class _Prestarted:
    """Extraction workers started ahead of the facts step, and the prefetch jobs given to them: each job's
    files are parsed first (`prefetch.parse_files`; the articles step takes the result instead of parsing
    them again), then its articles' rows extracted (`prefetch.extract_parsed`; the facts step validates
    them and takes them: `_Prefetched`)."""

    workers: int
    claimed: bool  # by a small night (`prestart_extraction`), or only started on the chance of one
    thread: threading.Thread | None = None  # creates the pool: forking waits for the fork server
    pool: ProcessPoolExecutor | None = None
    parsing: list[tuple[Job, Future]] = field(default_factory=list)
    feeders: list[threading.Thread] = field(default_factory=list)  # submit each parsed job's extraction
    prefetch: list[Future] = field(default_factory=list)
    pending: list[Job] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        self.thread = threading.Thread(target=self._create, daemon=True)
        self.thread.start()

    def _create(self) -> None:
        try:
            pool = pools.fork_pool(self.workers, prefetch.init_prestarted_worker, pools.EXTRACTION_PRELOAD)
            for _ in range(self.workers):
                pool.submit(prefetch.ready)  # the pool starts a worker per task that finds none idle
        except Exception:  # noqa: BLE001 - the facts step then starts its own workers
            return
        with self.lock:
            self.pool = pool
            self._submit()

    def give(self, jobs: list[Job]) -> None:
        """Prefetch jobs, submitted as soon as the pool exists."""
        with self.lock:
            self.pending += jobs
            if self.pool is not None:
                self._submit()

    def _submit(self) -> None:
        assert self.pool is not None
        if not self.pending:
            return
        parsing = [(job, self.pool.submit(prefetch.parse_files, job)) for job in self.pending]
        self.pending = []
        self.parsing += parsing
        feeder = threading.Thread(target=self._extract_when_parsed, args=(parsing,), daemon=True)
        self.feeders.append(feeder)
        feeder.start()

    def _extract_when_parsed(self, parsing: list[tuple[Job, Future]]) -> None:
        """Submit each job's extraction once its files are parsed, in the jobs' order (of an article in
        several jobs' files, the first job's copy is extracted). A job that failed or was cancelled
        (the workers were let go) is left to the articles and facts steps."""
        for _, future in parsing:
            try:
                parsed: Parsed = future.result()
            except Exception:  # noqa: BLE001, S112 - see above (a cancelled future raises CancelledError)
                continue
            articles: dict[str, Article] = {}
            for found, _rejects in parsed.values():
                for article in found:
                    articles.setdefault(article.article_id, article)
            with self.lock:
                try:
                    assert self.pool is not None
                    self.prefetch.append(self.pool.submit(prefetch.extract_parsed, list(articles.values())))
                except RuntimeError:  # the pool was shut down meanwhile
                    return

    def ready(self) -> ProcessPoolExecutor | None:
        """The pool, once created (None if that failed)."""
        if self.thread is not None:
            self.thread.join()
        return self.pool


_warm: _Prestarted | None = None
# Prefetch jobs per prestarted worker: enough to balance the workers, few enough that validation's
# fixed cost per batch stays small.
PREFETCH_JOBS_PER_WORKER = 1


def prestart_on_chance(workers: int) -> None:
    """Start `workers` extraction workers before it is known whether the night is small (the CLI's check
    scans the raw folder meanwhile): the fork server's preload and the workers' start then overlap the
    check. `prestart_extraction` claims them; `release_prestarted` lets them go."""
    global _warm
    if workers > 1 and _warm is None:
        _warm = _Prestarted(workers, claimed=False)
        _warm.start()


def release_prestarted(before_exit: bool = False) -> None:
    """Let unclaimed prestarted workers go (the night has nothing to extract, or too much for them), in
    the background; `before_exit`: wait until they are gone (a process that exits at once would leave
    their queues' semaphores to the resource tracker, which warns)."""
    global _warm
    warm = _warm
    if warm is None or warm.claimed:
        return
    _warm = None
    if before_exit:
        _let_go(warm, wait=True)
    else:
        threading.Thread(target=_let_go, args=(warm, False), daemon=True).start()


def _let_go(warm: _Prestarted, wait: bool) -> None:
    pool = warm.ready()
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)


def prestart_extraction(workers: int, articles: int, files: Job | None = None) -> bool:
    """Start the extraction workers now, in the background, forked from the fork server (pipeline.warm:
    extractors and gazetteer loaded once, ahead), so that they are warm while the run process scans,
    starts the orchestrator and ingests; `extract` uses them. As many workers as the expected `articles`
    make batches (or those `prestart_on_chance` started); none when one worker is allowed (extraction
    then runs in process) or workers were claimed already. `files` (raw folder, new raw files, largest
    file size): files the workers parse (for the articles step: `prefetched_parses`) and extract (for the
    facts step: `_Prefetched`) at once. Returns True when workers were started or claimed."""
    global _warm
    if workers <= 1 or articles <= 0 or (_warm is not None and _warm.claimed):
        return False
    warm = _warm
    if warm is None:
        warm = _Prestarted(min(workers, -(-articles // articles_per_batch(articles, workers))), claimed=True)
        warm.start()
    warm.claimed = True
    _warm = warm
    if files is not None and files[1]:
        raw_dir, paths, max_bytes = files
        size = -(-len(paths) // (warm.workers * PREFETCH_JOBS_PER_WORKER))
        warm.give([(raw_dir, paths[i:i + size], max_bytes) for i in range(0, len(paths), size)])
    return True


# A prefetch job's results: the articles it extracted, their rows per table and their extraction failures.
_Results = tuple[list[Article], dict[str, list], list[Reject]]


def prefetched_parses(raw_dir: Path, max_bytes: int) -> Parsed:
    """What the prestarted workers' parse of a small night's new files gave, per file (waiting for it),
    for the articles step; {} when no workers were given files of this raw folder (a failed job's files
    are left out: the step parses them)."""
    warm = _warm
    if warm is None or not warm.claimed or warm.ready() is None:
        return {}
    with warm.lock:
        parsing = list(warm.parsing)
    found: Parsed = {}
    for (job_dir, _, job_max), future in parsing:
        if job_dir != raw_dir or job_max != max_bytes:
            continue
        try:
            found.update(future.result())
        except Exception:  # noqa: BLE001, S112 - see above
            continue
    return found


def _prefetched(wait: bool) -> list[_Results]:
    """The prefetch jobs' results (a failed job's are left out: its articles are extracted in the
    step); waits for the jobs. Without `wait`, none."""
    if not wait or _warm is None or _warm.ready() is None:
        return []
    for feeder in list(_warm.feeders):
        feeder.join()  # every parsed job's extraction submitted
    results = []
    for future in _warm.prefetch:
        try:
            results.append(future.result())
        except Exception:  # noqa: BLE001 - see above
            continue
    return results


class _Prefetched(Executor):
    """`ex`, except that an extraction batch whose articles the prefetch jobs extracted is answered
    from their rows.

    A batch's results are a function of its articles alone: each article's rows come from
    `extract_article(article)`, and validation checks each row, or the uniqueness of ids derived from
    the article's content hash (two articles never share one). So the prefetched rows of every job are
    validated together, once (`validate_rows`: pandera's cost is mostly per call, not per row), and a
    batch's frames are the rows of its articles in the batch's order (by article_id, as
    `_article_batches` sorts them), when every article is the very one prefetched: same fields (a file
    changed since the prefetch, or a duplicate whose other copy the step keeps, is extracted again)."""

    def __init__(self, ex: Executor, results: list[_Results]) -> None:
        self.ex = ex
        self.articles: dict[str, Article] = {}
        rows: dict[str, Columns] = {t: {} for t in FACT_TABLES}
        failures: list[Reject] = []
        for articles, job_rows, job_failures in results:
            own = {a.article_id for a in articles if a.article_id not in self.articles}  # a duplicate: the first job's
            self.articles.update((a.article_id, a) for a in articles if a.article_id in own)
            for table, found in job_rows.items():
                _extend_columns(rows[table], found, own)
            failures += [f for f in job_failures if f.article_id in own]
        valid, rejects = validate_rows(list(self.articles.values()), rows, failures) if self.articles else ({}, {})
        self.frames = {**valid, **{f"rejects:{t}": df for t, df in rejects.items()}}
        self.answered = 0  # articles answered from the prefetch

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        got = self._answer(args[0]) if fn is _extract_job and len(args) == 1 and not kwargs else None
        if got is None:
            return self.ex.submit(fn, *args, **kwargs)
        future: Future = Future()
        future.set_result(got)
        return future

    def _answer(self, batch: pl.DataFrame) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]] | None:
        articles = articles_from_frame(batch)
        if not articles or any(self.articles.get(a.article_id) != a for a in articles):
            return None
        ids = batch["article_id"].implode()

        def rows(key: str) -> pl.DataFrame:
            return self.frames[key].filter(pl.col("article_id").is_in(ids)).sort("article_id", maintain_order=True)

        self.answered += len(articles)
        return {t: rows(t) for t in FACT_TABLES}, {t: rows(f"rejects:{t}") for t in ("extract", *FACT_TABLES)}


def _extend_columns(columns: Columns, more: Columns, articles: set[str]) -> None:
    """Append to `columns` the rows of `more` (columns of the same table) whose article is in `articles`."""
    ids = more.get("article_id", [])
    keep = None if all(i in articles for i in ids) else [k for k, i in enumerate(ids) if i in articles]
    for name, values in more.items():
        columns.setdefault(name, []).extend(values if keep is None else [values[k] for k in keep])


@contextmanager
def _extraction_pool(workers: int, jobs: int) -> Iterator[Executor]:
    """The prestarted workers when there are enough (taken over, shut down with the step), else `pool`."""
    global _warm
    warm, _warm = _warm, None
    ready = warm.ready() if warm is not None else None
    if ready is None or warm is None or warm.workers < min(workers, jobs) or jobs == 0:
        if ready is not None:
            ready.shutdown(wait=False, cancel_futures=True)
        with pools.pool(workers, jobs, initializer=init_extraction_worker, min_jobs=1) as ex:
            yield ex
        return
    try:
        yield ready
    finally:
        ready.shutdown(wait=False, cancel_futures=True)


def new_files(files: pl.DataFrame, previous: incremental.Previous | None) -> pl.Series:
    """The paths of raw_files `files` whose path and sha256 are not in the last night's manifest: new or
    changed files (a file not hashed yet counts as changed)."""
    manifest = incremental.previous_manifest(previous).select("source_path", "sha256")
    return files.join(manifest, on=["source_path", "sha256"], how="anti")["source_path"]


def small_night_files(new: pl.Series, previous: incremental.Previous | None) -> list[str]:
    """The new or changed raw files (`new`, paths) of a small night, sorted (about one article each); none
    when it is not a small night with work: nothing new, or so many new files that ingest uses its own pool
    (prestarted workers never run beside the parse workers: memory stays flat), or a changed extractor
    version (every article: a long night anyway)."""
    if previous is None or previous.extractor_version != versions.extractor_version():
        return []
    return sorted(new.to_list()) if new.len() < 3 * FILES_PER_BATCH else []


def start_extraction_early(
    raw_dir: Path, new: pl.Series, previous: incremental.Previous | None, workers: int, max_bytes: int
) -> bool:
    """On a small night with something to extract (`small_night_files` of the `new` paths), start the
    extraction workers and give them those raw files to parse and extract. Returns True when workers were
    started."""
    if _warm is not None and _warm.claimed:  # claimed already (by the CLI's check, before this run's raw_files step)
        return False
    paths = small_night_files(new, previous)
    return prestart_extraction(workers, len(paths), (raw_dir, paths, max_bytes))


def _batches(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _batch_name(keys: list[str]) -> str:
    """A part name derived from the batch's content keys: distinct across nights, stable across re-runs."""
    return "b" + hashlib.sha1("\n".join(keys).encode()).hexdigest()[:12]


# ----------------------------------------------------------------------------- ingest


@dataclass(frozen=True)
class IngestStats:
    files_parsed: int
    files_unchanged: int
    articles: int
    articles_new: int
    rejected: int
    files_prefetched: int = 0  # of files_parsed, parsed by the prestarted extraction workers


def _parse_batch(args: tuple[Path, list[RawFile], int, Parsed]) -> tuple[list[Article], list[dict], list[Reject]]:
    """Parse a batch of raw files (those in `known`, parsed already by the prestarted workers, are taken
    from there)."""
    raw_dir, files, max_bytes, known = args
    articles: list[Article] = []
    sources: list[dict] = []
    rejects: list[Reject] = []
    for raw in files:
        parsed, file_rejects = known.get(raw.source_path) or parse_file(raw_dir / raw.source_path, raw_dir, max_bytes)
        rejects.extend(file_rejects)
        for article in parsed:
            articles.append(article)
            sources.append(
                {"article_id": article.article_id, "source_path": article.source_path, "content_sha256": raw.sha256}
            )
    return articles, sources, rejects


def _progress_every(total: int) -> int:
    """Report progress about ten times a night: each report is a Dagster event written to the run storage."""
    return max(1, total // 10)


def added_files(build: Path, previous: incremental.Previous | None) -> pl.DataFrame | None:
    """The raw_files rows staged in build that are new tonight, when every file of the last night is still
    there as it was: each of the last night's raw_files parts is staged again, the same file (`write_raw_files`
    links a part all of whose files are unchanged, and writes the others' rows anew). None otherwise (a
    first night, or a file changed or gone), and then the night's table is joined with the manifest."""
    if previous is None:
        return None
    before = staging.inodes(previous.root, "raw_files")
    staged = staging.part_inodes(build, "raw_files")
    if not before or not before <= set(staged.values()):
        return None
    new = [part for part, inode in staged.items() if inode not in before]
    if not new:
        return pl.DataFrame(schema=incremental.MANIFEST_SCHEMA)
    return pl.read_parquet(new).select(*incremental.MANIFEST_SCHEMA)


def ingest(
    raw_dir: Path,
    files: pl.DataFrame | None,
    max_file_bytes: int,
    previous: incremental.Previous | None,
    build: Path,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> IngestStats:
    """Write the articles, article_sources and ingest rejects parts of this night into build.

    `files` is the night's raw_files table (None: its parts staged in build). Unchanged files (same path
    and sha256) keep what the last night made of them; new or changed files are parsed in batches, over
    the pool when there are several batches. The same article under several paths is one article with all
    its paths. A night that only added files finds them from the staged parts (`added_files`) instead of
    joining the whole raw folder's table with the last night's.
    """
    for table in INGEST_TABLES:
        staging.reset(build, table)
    staging.reset(build, "rejects", "ingest")
    added = added_files(build, previous)
    if added is not None:
        assert previous is not None
        todo = added.sort("source_path")
        n_unchanged = staging.count(previous.root, "raw_files")
        gone_files: set[str] = set()
    else:
        if files is None:
            files = staging.read(build, "raw_files")
        manifest = incremental.previous_manifest(previous).select("source_path", "sha256")
        unchanged = files.select("source_path", "sha256").join(manifest, on=["source_path", "sha256"], how="semi")
        todo = files.join(unchanged, on="source_path", how="anti").sort("source_path")  # parts concatenated: sort
        n_unchanged = unchanged.height
        gone_files = set(manifest.join(unchanged, on="source_path", how="anti")["source_path"].to_list())
    seen_before = pl.Series("article_id", [], pl.Utf8)  # articles kept from the last night
    if previous is not None and n_unchanged:
        if gone_files:
            sources = previous.scan("article_sources").select("article_id", file=incremental.file_of()).collect()
            kept = sources.join(unchanged.select(file="source_path"), on="file", how="semi")
            seen_before = kept["article_id"].unique()
            gone_ids = set(sources.join(seen_before.to_frame(), on="article_id", how="anti")["article_id"].to_list())
            del sources
        else:  # every file of the last night is here unchanged, and so is every article it gave
            seen_before = previous.scan("articles").select("article_id").collect()["article_id"]
            gone_ids = set()
        incremental.carry_parts(
            previous, "article_sources", build, incremental.in_set(incremental.file_of(), gone_files)
        )
        incremental.carry_parts(
            previous, "articles", build, incremental.in_set(pl.col("article_id"), gone_ids)
        )
        incremental.carry_parts(
            previous, "rejects", build, incremental.in_set(incremental.file_of(), gone_files), prefix="ingest"
        )
    seen_new: set[str] = set()
    rejected = done = 0
    n_batches = -(-todo.height // FILES_PER_BATCH)
    every = _progress_every(todo.height)
    # A small night's new files were given to the prestarted extraction workers, which parse them first.
    parsed_ahead = prefetched_parses(raw_dir, max_file_bytes) if todo.height else {}

    def job(i: int) -> tuple[Path, list[RawFile], int, Parsed]:
        files = [RawFile(*row) for row in todo.slice(i, FILES_PER_BATCH).iter_rows()]
        ahead = {f.source_path: parsed_ahead[f.source_path] for f in files if f.source_path in parsed_ahead}
        return raw_dir, files, max_file_bytes, ahead

    # Parsing is cheap (about 0.1 ms a file): a pool pays off only for a few batches or more.
    with pools.pool(workers, n_batches, min_jobs=3) as ex:
        jobs = (job(i) for i in range(0, todo.height, FILES_PER_BATCH))
        for (_, batch, _, _), (articles, sources, rejects) in pools.bounded_map(ex, _parse_batch, jobs, 2 * workers):
            ids = pl.Series("article_id", [a.article_id for a in articles], pl.Utf8)
            known = set(ids.filter(ids.is_in(seen_before.implode())).to_list()) if seen_before.len() else set()
            fresh = []
            for article in articles:
                if article.article_id not in known and article.article_id not in seen_new:
                    seen_new.add(article.article_id)
                    fresh.append(article)
            name = _batch_name([f.source_path + f.sha256 for f in batch])
            _write_validated(build, "articles", name, to_frame("articles", fresh), "ingest")
            _write_validated(build, "article_sources", name, to_frame("article_sources", sources), "ingest")
            if rejects:
                staging.write_part(build, "rejects", f"ingest-{name}", to_frame("rejects", rejects))
            rejected += len(rejects)
            before, done = done, done + len(batch)
            if progress and (done // every > before // every or done == todo.height):
                progress(f"parsed {done}/{todo.height} files: {len(seen_new)} new articles, {rejected} rejected")
    prefetched = todo.filter(pl.col("source_path").is_in(list(parsed_ahead))).height if parsed_ahead else 0
    return IngestStats(todo.height, n_unchanged, seen_before.len() + len(seen_new), len(seen_new), rejected,
                       prefetched)


def _write_validated(
    build: Path, table: str, name: str, df: pl.DataFrame, stage: str, bodies: dict[str, str] | None = None
) -> pl.DataFrame:
    """Validate a batch; write its valid rows as a part and its rejects as a rejects part."""
    valid, rejects = validate_table(table, df, bodies)
    staging.write_part(build, table, name, valid)
    if rejects.height:
        staging.write_part(build, "rejects", f"{stage}-{table}-{name}", rejects)
    return rejects


# ----------------------------------------------------------------------------- extract

_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))


def articles_from_frame(df: pl.DataFrame) -> list[Article]:
    return [Article(**{k: row.get(k) for k in _ARTICLE_FIELDS}) for row in df.iter_rows(named=True)]


def extract_batch(articles: list[Article]) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    """Extract and validate one batch: (valid rows per table, rejects per table).
    An extractor crash rejects that article, not the batch."""
    return validate_rows(articles, *prefetch.extract_rows(articles))


def validate_rows(
    articles: list[Article], rows: dict[str, Columns], failures: list[Reject]
) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    """The frames of a batch's rows (columns per table: `prefetch.extract_rows`), validated: (valid rows
    per table, rejects per table, the extraction failures under "extract")."""
    bodies = {a.article_id: a.body for a in articles}
    valid: dict[str, pl.DataFrame] = {}
    rejects: dict[str, pl.DataFrame] = {"extract": to_frame("rejects", failures)}
    for table in FACT_TABLES:
        valid[table], rejects[table] = validate_table(table, columns_frame(table, rows[table]), bodies)
    return valid, rejects


def _article_batches(todo: pl.DataFrame, size: int) -> Iterator[pl.DataFrame]:
    """The articles to extract (`todo`: article_id, part), part by part (one part in memory at a
    time; parts without any are not read), in batches of at most `size`."""
    for part, ids in todo.group_by("part", maintain_order=True).agg("article_id").sort("part").iter_rows():
        df = pl.read_parquet(part).filter(pl.col("article_id").is_in(pl.Series(ids, dtype=pl.Utf8).implode()))
        df = df.sort("article_id")
        for i in range(0, df.height, size):
            yield df.slice(i, size)


def _extract_job(articles_df: pl.DataFrame) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    return extract_batch(articles_from_frame(articles_df))


@dataclass(frozen=True)
class ExtractStats:
    articles_extracted: int
    articles_unchanged: int
    rows: dict[str, int]
    rejected: dict[str, int]
    articles_prefetched: int = 0  # of articles_extracted, extracted by the prefetch jobs


def extract(
    build: Path,
    previous: incremental.Previous | None,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> ExtractStats:
    """Write the fact tables' parts: kept rows of unchanged articles, new rows of the others."""
    for table in FACT_TABLES:
        staging.reset(build, table)
    staging.reset(build, "rejects", "extract")
    todo, reused, gone = incremental.articles_to_extract(previous, build)
    if previous is not None and reused:
        drop = incremental.in_set(pl.col("article_id"), gone)
        for table in FACT_TABLES:
            incremental.carry_parts(previous, table, build, drop)
        incremental.carry_parts(previous, "rejects", build, drop, prefix="extract")
    n_todo = todo.height
    prefetched = _prefetched(wait=n_todo > 0)  # taken before the prestarted workers may be let go
    ahead = {a.article_id for articles, _, _ in prefetched for a in articles}
    size = batch_size(n_todo, workers, bool(ahead) and bool(todo["article_id"].is_in(ahead).all()))
    n_batches = -(-n_todo // size)
    every = _progress_every(n_todo)
    rows = dict.fromkeys(FACT_TABLES, 0)
    rejected = dict.fromkeys(["extract", *FACT_TABLES], 0)
    done = 0
    # Even one batch goes to a worker: the run process never holds the gazetteer (~120 MB).
    with _extraction_pool(workers, n_batches) as pool_ex:
        ex = _Prefetched(pool_ex, prefetched)
        for batch, (valid, rejects) in pools.bounded_map(ex, _extract_job, _article_batches(todo, size), 2 * workers):
            name = _batch_name(batch["article_id"].to_list())
            for table, df in valid.items():
                staging.write_part(build, table, name, df)
                rows[table] += df.height
            for table, df in rejects.items():
                if df.height:
                    staging.write_part(build, "rejects", f"extract-{table}-{name}", df)
                    rejected[table] += df.height
            before, done = done, done + batch.height
            if progress and (done // every > before // every or done == n_todo):
                counts = ", ".join(f"{t} {n}" for t, n in rows.items())
                progress(f"extracted {done}/{n_todo} articles: {counts}")
    return ExtractStats(n_todo, reused, rows, rejected, ex.answered)


def places_frame() -> pl.DataFrame:
    """The places dimension."""
    return to_frame("places", load_gazetteer().places())


def write_places(
    build: Path, previous: incremental.Previous | None, workers: int = 1
) -> tuple[int, pl.DataFrame, bool]:
    """Stage the places dimension: linked from the last version when the same extractor version
    (code and reference data) built it, else built from the gazetteer and validated.
    Returns (rows, rejects, reused)."""
    staging.reset(build, "places")
    staging.reset(build, "rejects", "places")
    kept = staging.parts(previous.root, "places") if previous is not None else []
    if kept and previous is not None and previous.extractor_version == versions.extractor_version():
        for part in kept:
            staging.link_part(part, build, "places")
        return staging.count(build, "places"), to_frame("rejects", []), True
    # With a pool, the gazetteer is built in a worker that ends with the step, not in the run
    # process, which would otherwise keep its ~120 MB for the rest of the night.
    with pools.pool(workers, 2) as ex:
        rows, rejects = ex.submit(_build_places, build).result()
    return rows, rejects, False


def _build_places(build: Path) -> tuple[int, pl.DataFrame]:
    valid, rejects = validate_table("places", places_frame())
    staging.write_part(build, "places", "all", valid)
    if rejects.height:
        staging.write_part(build, "rejects", "places", rejects)
    return valid.height, rejects
