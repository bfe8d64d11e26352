"""Incremental nights: what the raw folder holds now (`scan_raw`), what the last published warehouse
already holds, and what of it may be kept.

A raw file whose path and sha256 are unchanged keeps its articles, sources and ingest rejects; an
article already extracted by the same extractor version (code of pipeline/ and schemas/, and every
reference CSV) keeps its sentences and fact rows. Parts that hold only kept rows are hard-linked
from the published version; parts mixing kept and dropped rows are rewritten without the dropped.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline import staging, versions
from pipeline.parse import locate, shown_name
from pipeline.versions import META_FILE

INGEST_STAGES = ("read", "decode", "parse")
_LINE_SUFFIX = r":\d+$"  # JSONL rows are recorded as file:line


@dataclass(frozen=True)
class Previous:
    """The currently published warehouse version (its Parquet parts and meta)."""

    root: Path
    meta: dict

    @property
    def extractor_version(self) -> str | None:
        return self.meta.get("extractor_version")

    def scan(self, table: str) -> pl.LazyFrame:
        return staging.scan(self.root, table)


def load_previous(warehouse_dir: Path) -> Previous | None:
    """The last good version, or None on a first night (or when it cannot be read)."""
    root = warehouse_dir / "parquet"
    meta = versions.read_meta(root)
    return None if meta is None else Previous(root.resolve(), meta)


def file_of(col: str = "source_path") -> pl.Expr:
    """The raw file a source path names (drops a JSONL line suffix)."""
    return pl.col(col).str.replace(_LINE_SUFFIX, "")


MANIFEST_SCHEMA = {"source_path": pl.Utf8, "size": pl.Int64, "mtime_ns": pl.Int64, "sha256": pl.Utf8}


_manifests: dict[tuple[str, int], pl.DataFrame] = {}


def previous_manifest(previous: Previous | None) -> pl.DataFrame:
    """The raw_files table (source_path, size, mtime_ns, sha256) recorded by the last published night,
    as a frame: a large raw folder costs columns, not a Python object per file. Read once per version
    and process (a night asks in its check, its raw_files, articles and facts steps): a published
    version's folder is never written again, and its meta file's mtime tells a rebuilt one."""
    if previous is None:
        return pl.DataFrame(schema=MANIFEST_SCHEMA)
    try:
        key: tuple[str, int] | None = (str(previous.root), (previous.root / META_FILE).stat().st_mtime_ns)
    except OSError:
        key = None  # read, not remembered
    got = _manifests.get(key) if key else None
    if got is None:
        got = previous.scan("raw_files").select(*MANIFEST_SCHEMA).collect()
        if key:
            _manifests.clear()  # the newest version only: a long-lived process (the UI's sensor) keeps one
            _manifests[key] = got
    return got


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        fh = path.open("rb")
    except FileNotFoundError:  # a name that is not UTF-8, recorded escaped (`_list_by_scandir_into`)
        fh = locate(path)[0].open("rb")
    with fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_LISTING_SCHEMA = {k: v for k, v in MANIFEST_SCHEMA.items() if k != "sha256"}


def _listing(folder: Path) -> pl.DataFrame:
    """(source_path, size, mtime_ns) of every regular file below folder: hidden names skipped, links to
    files followed, links to folders, broken links and special files (FIFOs, sockets) skipped."""
    frames: list[pl.DataFrame] = []
    _list_into(frames, folder, "")
    return pl.concat(frames) if frames else pl.DataFrame(schema=_LISTING_SCHEMA)


def _list_into(frames: list[pl.DataFrame], folder: Path, rel: str) -> None:
    """Append a frame of folder's files (and of the folders below it) to `frames`, their paths prefixed
    with `rel`.

    pyarrow lists a folder with every entry's stat in one call that does not hold the GIL: a
    100,000-file folder's 0.3 s of stat calls leave the interpreter to the thread that imports the
    orchestrator meanwhile (`factwire run`), where `os.scandir` would take the GIL back after each file.
    What follows holds the GIL, so it reads each entry's fields once, column by column, and sorts the
    entries out in polars: pyarrow gives a size to regular files only, which tells a file from a folder
    or a special file without asking each entry's type (an enum built per entry)."""
    from pyarrow.fs import FileSelector, FileType, LocalFileSystem

    try:
        infos = LocalFileSystem().get_file_info(FileSelector(str(folder)))
        names = [i.base_name for i in infos]
    except UnicodeError:  # a name in the folder (or the folder's) is not UTF-8: pyarrow cannot give it
        _list_by_scandir_into(frames, folder, rel)
        return
    listed = pl.DataFrame({"source_path": names, "size": [i.size for i in infos],
                           "mtime_ns": [i.mtime_ns for i in infos]}, schema=_LISTING_SCHEMA)
    visible, sized = ~pl.col("source_path").str.starts_with("."), pl.col("size").is_not_null()
    files = listed.filter(visible & sized)
    frames.append(files.with_columns((pl.lit(rel) + pl.col("source_path")).alias("source_path")) if rel else files)
    for i in listed.select(pl.arg_where(visible & ~sized)).to_series().to_list():  # folders, special files
        info = infos[i]
        if info.type == FileType.Directory and not os.path.islink(info.path):
            _list_into(frames, Path(info.path), f"{rel}{names[i]}/")


def _list_by_scandir_into(frames: list[pl.DataFrame], folder: Path, rel: str) -> None:
    """`_list_into` for a folder that pyarrow cannot list (a name that is not UTF-8), one entry at a time; a
    name that is not UTF-8 is recorded as `shown_name` writes it, and read back through `locate`."""
    paths: list[str] = []
    sizes: list[int] = []
    mtimes: list[int] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            name = shown_name(entry.name)
            try:
                if entry.is_file():  # follows a link; a broken link, a FIFO or a socket is no file
                    st = entry.stat()
                    paths.append(rel + name)
                    sizes.append(st.st_size)
                    mtimes.append(st.st_mtime_ns)
                elif entry.is_dir(follow_symlinks=False):
                    _list_into(frames, Path(entry.path), f"{rel}{name}/")
            except OSError:  # gone since the listing
                continue
    frames.append(pl.DataFrame({"source_path": paths, "size": sizes, "mtime_ns": mtimes}, schema=_LISTING_SCHEMA))


def scan_raw(raw_dir: Path, known: pl.DataFrame | None = None, hash_new: bool = True) -> pl.DataFrame:
    """The raw_files table of raw_dir: every regular file (nested folders too; hidden files skipped)
    with size, mtime and sha256, sorted by path.

    A file whose path, size and mtime equal the last night's record (`known`, a raw_files frame)
    keeps its recorded hash (as git's index does); any other file is hashed, or, without `hash_new`,
    left without one (null: `hash_missing` fills it later). The stat results go straight into columns.
    """
    df = (_listing(raw_dir) if raw_dir.is_dir() else pl.DataFrame(schema=_LISTING_SCHEMA)).sort("source_path")
    if known is not None and known.height:
        # one key joined (a path is a file), the stats compared after: cheaper than joining on all three
        df = df.join(known.select("source_path", known_size="size", known_mtime="mtime_ns", sha256="sha256"),
                     on="source_path", how="left", maintain_order="left")
        same = (pl.col("size") == pl.col("known_size")) & (pl.col("mtime_ns") == pl.col("known_mtime"))
        df = df.with_columns(sha256=pl.when(same).then("sha256"))
    else:
        df = df.with_columns(sha256=pl.lit(None, pl.Utf8))
    df = df.select(*MANIFEST_SCHEMA)
    return hash_missing(raw_dir, df) if hash_new else df


def hash_missing(raw_dir: Path, files: pl.DataFrame) -> pl.DataFrame:
    """`files` (a raw_files frame of raw_dir) with every missing sha256 computed from the file."""
    missing = files.with_row_index("row").filter(pl.col("sha256").is_null())
    if not missing.height:
        return files
    fresh = pl.Series("sha256", [_sha256(raw_dir / p) for p in missing["source_path"]], pl.Utf8)
    return files.with_columns(files["sha256"].clone().scatter(missing["row"], fresh))


def inventory_digest(files: pl.DataFrame) -> str:
    """One hash of a raw folder's state (every path with its sha256): equal digests, same delivery."""
    digest = hashlib.sha256()
    for path, sha in files.select("source_path", "sha256").sort("source_path").iter_rows():
        digest.update(f"{path}\0{sha}\n".encode())
    return digest.hexdigest()[:16]


def changed_files(files: pl.DataFrame, published: pl.DataFrame) -> int:
    """Files added, changed (another sha256) or removed in `files` since the `published` manifest."""
    joined = files.select("source_path", "sha256").join(
        published.select("source_path", published_sha="sha256"), on="source_path", how="full", coalesce=True
    )
    return joined.filter(pl.col("sha256").ne_missing(pl.col("published_sha"))).height


def carry_parts(previous: Previous, table: str, build: Path, drop: pl.Expr | None, prefix: str = "") -> None:
    """Carry the previous parts of `table` (named part-<prefix>*) into build, leaving behind the rows
    `drop` selects: a part with no such row is hard-linked unread (the common, cheap case), a part
    with some is rewritten without them, and recorded as such (`staging.record_carried`). `drop=None`
    links every part."""
    old = staging.parts(previous.root, table, prefix)
    touched = parts_holding(old, drop) if drop is not None else set()
    for part in old:
        if part not in touched:
            staging.link_part(part, build, table)
    if drop is None or not touched:
        return
    keep = ~drop.fill_null(False)

    def rewrite(part: Path) -> Path | None:
        kept = pl.scan_parquet(part).filter(keep).collect()
        return staging.write_part(build, table, part.stem.removeprefix("part-"), kept) if kept.height else None

    # A rewrite is mostly Parquet encoding and zstd, which polars runs without the GIL; files edited across
    # the archive rewrite about a part per file in every table (100 at 204,000 files: some 520 parts).
    ordered = sorted(touched)
    with ThreadPoolExecutor(max_workers=min(len(ordered), os.cpu_count() or 1)) as pool:
        written = list(pool.map(rewrite, ordered))
    for part, new in zip(ordered, written, strict=True):
        if new is not None:
            staging.record_carried(build, table, new, part)


def parts_holding(parts: list[Path], selected: pl.Expr) -> set[Path]:
    """The parts with a row `selected` picks: one scan of the columns it reads over all of them (a query
    per part cost about 2 ms each, every part of every table on a night with a changed file)."""
    if not parts:
        return set()
    found = (pl.scan_parquet(parts, include_file_paths="_part").filter(selected.fill_null(False))
             .select(pl.col("_part").unique()).collect()["_part"])
    by_name = {str(part): part for part in parts}
    return {by_name[name] for name in found}


def in_set(expr: pl.Expr, values: set[str]) -> pl.Expr | None:
    """`expr` is one of `values`, or None when there is nothing to match (keep everything)."""
    return expr.is_in(sorted(values)) if values else None


def articles_to_extract(previous: Previous | None, build: Path) -> tuple[pl.DataFrame, int, set[str]]:
    """The night's staged articles to extract (article_id, part: the staged part that holds it), how many
    keep their rows from the last night, and the last night's articles whose rows must go.

    A night that only added files stages every articles part of the last night again (hard-linked: the
    same inodes) and puts its new articles in new parts: ingest writes no article the kept parts hold.
    When the extractor version is the last night's too, such a night reads the new parts alone, instead of
    every article id of the warehouse twice (the staged parts' and the last night's) to join them: about
    0.2 s of CPU at 160,000 articles, in proportion to the warehouse, not to the night."""
    staged = staging.part_inodes(build, "articles")
    if previous is not None and previous.extractor_version == versions.extractor_version():
        before = staging.inodes(previous.root, "articles")
        if before <= set(staged.values()):
            new = [p for p, inode in staged.items() if inode not in before]
            return _ids_by_part(new), staging.count(previous.root, "articles"), set()
    current = _ids_by_part(list(staged))
    reuse, gone = reusable_articles(previous, current["article_id"])
    todo = current.join(reuse.to_frame(), on="article_id", how="anti") if reuse.len() else current
    return todo, reuse.len(), gone


def _ids_by_part(parts: list[Path]) -> pl.DataFrame:
    """(article_id, part) of every article in the parts: one scan over all of them (its path as a column)
    reads them in parallel, 7x faster than a frame per part."""
    if not parts:
        return pl.DataFrame(schema={"article_id": pl.Utf8, "part": pl.Utf8})
    return pl.scan_parquet(parts, include_file_paths="part").select("article_id", "part").collect()


def reusable_articles(previous: Previous | None, article_ids: pl.Series) -> tuple[pl.Series, set[str]]:
    """(the ids among `article_ids` whose rows the last night extracted with the same extractor
    version, the last night's other articles, whose rows must go). Set algebra runs in polars: a
    night with 100,000 articles holds no Python object per article."""
    if previous is None or previous.extractor_version != versions.extractor_version():
        return pl.Series("article_id", [], pl.Utf8), set()
    before = previous.scan("articles").select("article_id").collect()
    now = article_ids.to_frame("article_id")
    reuse = now.join(before, on="article_id", how="semi")["article_id"]
    gone = before.join(now, on="article_id", how="anti")["article_id"].to_list()
    return reuse, set(gone)
