"""pipeline.nightly: how a night's extraction is cut into batches, and how prefetched extraction is taken."""

from __future__ import annotations

import pytest

from pipeline.nightly import ARTICLES_PER_BATCH, articles_per_batch, batch_size


@pytest.mark.parametrize(
    ("articles", "workers", "size"),
    [
        (100_000, 2, ARTICLES_PER_BATCH),  # a first night: the largest batches (validation costs per batch)
        (1_000, 2, 500),  # a 1% night of 100,000: one batch per worker
        (100, 2, ARTICLES_PER_BATCH // 4),  # a small night: one worker, not two half-empty ones
        (3, 1, ARTICLES_PER_BATCH // 4),
        (0, 2, ARTICLES_PER_BATCH // 4),
    ],
)
def test_batches_are_large_but_every_worker_gets_one(articles: int, workers: int, size: int) -> None:
    assert articles_per_batch(articles, workers) == size


def _articles() -> list:
    from pipeline.parse import article_from_object
    from tests.conftest import LEE_005_TEXT, UA_0001_TEXT

    return [
        article_from_object({"id": "ua-0001", "date": "2022-01-28", "text": UA_0001_TEXT}, "ua-0001.json"),
        article_from_object({"id": "lee-bg-005", "text": LEE_005_TEXT}, "lee-bg-005.json"),
        article_from_object({"id": "seed-like", "date": "2022-09-19", "text": "Russian shelling killed three "
                             "civilians and wounded 12 in Kharkiv on Monday, the governor said."}, "c.json"),
    ]


def test_a_night_the_prefetch_extracted_whole_is_cut_into_full_batches() -> None:
    """Its batches are answered with the prefetched rows: nothing to share among workers, so one part per
    table (a 1% night of 100,000: 1,000 articles, a full part) instead of one per worker."""
    assert batch_size(1_000, 2, all_prefetched=False) == 500
    assert batch_size(1_000, 2, all_prefetched=True) == ARTICLES_PER_BATCH
    assert batch_size(2_500, 2, all_prefetched=True) == ARTICLES_PER_BATCH


def test_a_prefetched_batch_is_answered_with_the_rows_extraction_would_give() -> None:
    """Prefetch jobs group the night's articles by raw file; the facts step's batches group them by
    article id. A batch of prefetched articles gets exactly the frames `extract_batch` gives it, also
    when two jobs extracted the same article (two raw files with one article: its rows count once)."""
    from pipeline import nightly, pools, prefetch
    from pipeline.frames import to_frame

    articles = _articles()
    jobs = [(articles[2:], *prefetch.extract_rows(articles[2:])), (articles, *prefetch.extract_rows(articles))]
    batch = to_frame("articles", articles).sort("article_id")
    expected = nightly._extract_job(batch)
    calls: list[str] = []

    class Counting(pools.InProcess):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
            calls.append(fn.__name__)
            return super().submit(fn, *args, **kwargs)

    prefetched = nightly._Prefetched(Counting(), jobs)
    valid, rejects = prefetched.submit(nightly._extract_job, batch).result()
    assert calls == [] and prefetched.answered == 3
    assert valid.keys() == expected[0].keys() and rejects.keys() == expected[1].keys()
    for table, df in valid.items():
        assert df.height and df.equals(expected[0][table]), table
    for table, df in rejects.items():
        assert df.equals(expected[1][table]), table


def test_a_batch_with_an_article_other_than_the_prefetched_one_is_extracted_again() -> None:
    """A raw file changed after the prefetch read it (here: another date) gives another article under the
    same id: that batch is extracted by the pool, never answered with stale rows."""
    import dataclasses
    from datetime import date

    from pipeline import nightly, pools, prefetch
    from pipeline.frames import to_frame

    articles = _articles()
    prefetched = nightly._Prefetched(pools.InProcess(), [(articles, *prefetch.extract_rows(articles))])
    changed = [articles[0], dataclasses.replace(articles[1], published_date=date(2001, 9, 12))]
    batch = to_frame("articles", changed).sort("article_id")
    valid, _ = prefetched.submit(nightly._extract_job, batch).result()
    assert prefetched.answered == 0
    assert valid["figures"].equals(nightly._extract_job(batch)[0]["figures"])
    assert prefetched.submit(nightly._extract_job, to_frame("articles", articles[:1])).result()
    assert prefetched.answered == 1  # the unchanged article alone is answered


def test_workers_started_on_chance_are_claimed_by_a_small_night_and_prefetch_its_files(tmp_path) -> None:
    """The CLI starts workers before its check knows the night; a small night claims them and gives them
    its new files, whose parse comes back for the articles step and their rows for the facts step."""
    import json

    from pipeline import nightly
    from pipeline.parse import parse_file
    from tests.conftest import UA_0001_TEXT

    (tmp_path / "ua-0001.json").write_text(json.dumps({"id": "ua-0001", "date": "2022-01-28", "text": UA_0001_TEXT}))
    try:
        nightly.prestart_on_chance(2)
        chance = nightly._warm
        assert chance is not None and not chance.claimed
        assert nightly.prestart_extraction(2, 1, (tmp_path, ["ua-0001.json"], 1_000_000))
        assert nightly._warm is chance and chance.claimed
        assert not nightly.prestart_extraction(2, 1)  # claimed once
        # the files' parse, for the articles step: what parse_file gives; none for another raw folder
        parsed = nightly.prefetched_parses(tmp_path, 1_000_000)
        assert parsed == {"ua-0001.json": parse_file(tmp_path / "ua-0001.json", tmp_path, 1_000_000)}
        assert nightly.prefetched_parses(tmp_path / "elsewhere", 1_000_000) == {}
        [(articles, rows, failures)] = nightly._prefetched(wait=True)
        assert articles == parsed["ua-0001.json"][0] and failures == []
        assert rows["sentences"]["text"] and set(rows["sentences"]["article_id"]) == {articles[0].article_id}
    finally:
        warm, nightly._warm = nightly._warm, None
        if warm is not None and warm.ready() is not None:
            warm.ready().shutdown(wait=True)


def test_unclaimed_workers_are_let_go() -> None:
    from pipeline import nightly

    nightly.prestart_on_chance(2)
    chance = nightly._warm
    nightly.release_prestarted()
    assert nightly._warm is None
    pool = chance.ready()
    assert pool is not None
    pool.shutdown(wait=True)  # already shut down by release_prestarted: returns at once


def test_a_prefetch_job_whose_parse_failed_is_left_to_the_articles_and_facts_steps(tmp_path) -> None:
    """Of two prefetch jobs, one whose parse raised: its files are not among the parses handed to the
    articles step (which parses them itself), and only the other job's articles are extracted ahead."""
    from concurrent.futures import Future, ThreadPoolExecutor

    from pipeline import nightly

    articles = _articles()
    good: Future = Future()
    good.set_result({"a.json": ([articles[0]], []), "b.json": ([], [])})
    bad: Future = Future()
    bad.set_exception(OSError("worker lost"))
    jobs = [((tmp_path, ["a.json", "b.json"], 100), good), ((tmp_path, ["c.json"], 100), bad)]
    with ThreadPoolExecutor(1) as pool:
        warm = nightly._Prestarted(1, claimed=True, pool=pool, parsing=jobs)
        warm._extract_when_parsed(jobs)
        [extracted] = warm.prefetch
        assert extracted.result()[0] == [articles[0]]
        saved, nightly._warm = nightly._warm, warm
        try:
            assert nightly.prefetched_parses(tmp_path, 100) == good.result()
            assert nightly.prefetched_parses(tmp_path, 99) == {}  # parsed under another size limit
        finally:
            nightly._warm = saved


def test_the_prefetch_tasks_run_without_polars_or_pandera(tmp_path) -> None:
    """A prestarted worker is forked from a fork server that holds no polars (its threads do not survive a
    fork); its tasks parse and extract without importing polars or pandera, which would cost the worker
    about 0.3 s before its first file."""
    import json
    import subprocess
    import sys

    from tests.conftest import UA_0001_TEXT

    (tmp_path / "ua-0001.json").write_text(json.dumps({"id": "ua-0001", "date": "2022-01-28", "text": UA_0001_TEXT}))
    script = (
        "import pickle, sys\n"
        "from pathlib import Path\n"
        "import pipeline.warm\n"
        "from pipeline import prefetch\n"
        "tasks = pickle.loads(pickle.dumps([prefetch.init_prestarted_worker, prefetch.ready, prefetch.parse_files,"
        " prefetch.extract_parsed]))\n"
        f"parsed = prefetch.parse_files((Path({str(tmp_path)!r}), ['ua-0001.json'], 1_000_000))\n"
        "articles, rows, failures = prefetch.extract_parsed(parsed['ua-0001.json'][0])\n"
        "assert rows['sentences'] and rows['attributions'] and not failures\n"
        "print(sorted(m for m in ('polars', 'pandera') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
