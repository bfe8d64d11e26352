"""The evidence invariant checked in SQL over Parquet parts, skipping parts already checked."""

from __future__ import annotations

from pathlib import Path

from pipeline import staging
from pipeline.evidence import ARTICLE_PARTS_PER_QUERY, span_mismatches, span_mismatches_apart
from pipeline.frames import to_frame
from tests.pipeline.test_validate import BODY, _figure


def _stage(root: Path, figures: list[dict], name: str) -> None:
    staging.write_part(root, "articles", "a", to_frame("articles", [dict(
        article_id="a1", source_path="a.json", content_hash="a1", published_date=None, title=None,
        lead_caption=None, body=BODY, language="en", source=None, url=None, external_id=None)]))
    staging.write_part(root, "figures", name, to_frame("figures", figures))


def test_mismatched_span_is_counted(tmp_path: Path) -> None:
    _stage(tmp_path, [_figure(), _figure(figure_id="f2", char_start=0, char_end=3)], "x")
    assert span_mismatches(tmp_path, "figures", "mention") == 1


def test_parts_linked_from_the_checked_version_are_not_read_again(tmp_path: Path) -> None:
    published, build = tmp_path / "published", tmp_path / "build"
    _stage(published, [_figure(figure_id="f2", char_start=0, char_end=3)], "old")  # pretend it was checked
    _stage(build, [_figure()], "new")
    staging.link_part(staging.parts(published, "figures")[0], build, "figures")
    assert span_mismatches(build, "figures", "mention", checked=published) == 0
    assert span_mismatches(build, "figures", "mention") == 1  # without the shortcut it is seen


def test_a_part_rewritten_from_a_checked_part_less_some_rows_is_not_read_again(tmp_path: Path) -> None:
    """A night that drops rows from a published part rewrites it (`incremental.carry_parts`, recorded): its rows
    are rows the published version's check passed. Unrecorded, the same rewritten part is read."""
    published, build = tmp_path / "published", tmp_path / "build"
    _stage(published, [_figure(figure_id="f2", char_start=0, char_end=3), _figure()], "old")  # pretend checked
    staging.link_part(staging.parts(published, "articles")[0], build, "articles")
    [old] = staging.parts(published, "figures")
    rewritten = staging.write_part(build, "figures", "old", to_frame("figures", [_figure(figure_id="f2", char_start=0,
                                                                                         char_end=3)]))
    assert span_mismatches(build, "figures", "mention", checked=published) == 1  # not recorded: read
    staging.record_carried(build, "figures", rewritten, old)
    assert span_mismatches(build, "figures", "mention", checked=published) == 0
    assert span_mismatches(build, "figures", "mention") == 1  # without the published version: read


def test_new_rows_of_an_article_from_an_earlier_night_are_checked_against_its_body(tmp_path: Path) -> None:
    """A new row part whose article's part was linked from the checked version (re-extracted, not
    re-parsed): the night's new articles parts do not hold it, so every articles part is looked up."""
    published, build = tmp_path / "published", tmp_path / "build"
    _stage(published, [], "old")
    staging.link_part(staging.parts(published, "articles")[0], build, "articles")
    staging.write_part(build, "figures", "new", to_frame("figures", [_figure(), _figure(figure_id="f2", char_end=3)]))
    assert span_mismatches(build, "figures", "mention", checked=published) == 1
    staging.write_part(build, "figures", "orphan", to_frame("figures", [_figure(figure_id="f3", article_id="gone")]))
    assert span_mismatches(build, "figures", "mention", checked=published) == 2  # an article nowhere: counted


def test_a_span_is_the_mention_exactly_in_code_points(tmp_path: Path) -> None:
    """Offsets count code points, as Python's slices do, also after a curly quote; a span that runs past
    the body's end or starts before it is a mismatch even when what it reaches equals the mention."""
    body = "“Two” were killed, officials said."
    staging.write_part(tmp_path, "articles", "a", to_frame("articles", [dict(
        article_id="a1", source_path="a.json", content_hash="a1", published_date=None, title=None,
        lead_caption=None, body=body, language="en", source=None, url=None, external_id=None)]))
    start = body.index("killed")
    tail = len(body) - 5  # "said."
    rows = [
        _figure(figure_id="ok", char_start=start, char_end=start + 6, mention="killed"),
        _figure(figure_id="quote", char_start=1, char_end=4, mention="Two"),
        _figure(figure_id="past-end", char_start=tail, char_end=tail + 6, mention="said."),
        _figure(figure_id="before", char_start=-5, char_end=0, mention="said."),
    ]
    staging.write_part(tmp_path, "figures", "x", to_frame("figures", rows))
    assert body[1:4] == "Two" and span_mismatches(tmp_path, "figures", "mention") == 2


def _stage_many(root: Path, n: int, wrong: set[int]) -> None:
    """n articles parts, each with its figures part (one row); the rows of articles in `wrong` miss."""
    for i in range(n):
        staging.write_part(root, "articles", f"a{i:02}", to_frame("articles", [dict(
            article_id=f"a{i}", source_path=f"a{i}.json", content_hash=f"a{i}", published_date=None, title=None,
            lead_caption=None, body=BODY, language="en", source=None, url=None, external_id=None)]))
        figure = _figure(figure_id=f"f{i}", article_id=f"a{i}")
        if i in wrong:
            figure = {**figure, "char_end": figure["char_end"] - 1}
        staging.write_part(root, "figures", f"f{i:02}", to_frame("figures", [figure]))


def test_every_articles_part_is_checked_whatever_the_query_it_falls_in(tmp_path: Path) -> None:
    n = 2 * ARTICLE_PARTS_PER_QUERY + 1
    _stage_many(tmp_path, n, wrong={0, n - 1})
    assert span_mismatches(tmp_path, "figures", "mention") == 2


def test_a_large_check_runs_in_a_spawned_process_with_the_same_counts(tmp_path: Path) -> None:
    _stage_many(tmp_path, 3, wrong={1})
    columns = {"figures": "mention", "sentences": "text"}
    apart = span_mismatches_apart(tmp_path, columns, workers=2, min_parts=2)
    assert apart == span_mismatches_apart(tmp_path, columns, workers=1) == {"figures": 1, "sentences": 0}
