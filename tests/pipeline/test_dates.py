"""Dates: one case per rule, relations, no-article-date behaviour, must-not-match, number spans.

Sentences come from the corpus (article id and its date in the case id or comment).
"""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.dates import RULES, date_number_spans, find_dates, is_cumulative_marker

SEED_DATE = date(2022, 9, 19)  # Monday


def _one(text: str, article_date: date | None, mention: str):  # noqa: ANN202
    found = [d for d in find_dates(text, 0, article_date) if d.text == mention]
    assert len(found) == 1, find_dates(text, 0, article_date)
    return found[0]


@pytest.mark.parametrize(
    ("text", "article_date", "mention", "value", "precision", "method"),
    [
        pytest.param("The authorities of Ukraine has raised this Sunday to 390 the number of dead children",
                     SEED_DATE, "this Sunday", date(2022, 9, 18), "day", "weekday", id="seed-weekday"),
        pytest.param("since the beginning of the Russian invasion, unleashed on February 24 by order of",
                     SEED_DATE, "February 24", date(2022, 2, 24), "day", "month_day", id="seed-month_day"),
        pytest.param(" date 2022-09-19 Kharkiv, Ukraine, September 18, 2022 (REUTERS/Umit Bektas)",
                     SEED_DATE, "September 18, 2022", date(2022, 9, 18), "day", "full_date", id="seed-full_date"),
        pytest.param(" date 2022-09-19 Kharkiv", SEED_DATE, "2022-09-19", date(2022, 9, 19), "day", "iso_date",
                     id="seed-iso_date"),
        pytest.param("Two apartment buildings in Chasiv Yar were hit on 9 July: 48 people are believed",
                     date(2022, 7, 14), "9 July", date(2022, 7, 9), "day", "month_day", id="ua-0050-day-month"),
        pytest.param("The Ukrainian government appealed to DJI in March 2022 to stop selling drones",
                     date(2023, 7, 31), "March 2022", date(2022, 3, 1), "month", "month_year", id="ua-0094-month_year"),
        pytest.param("The latest example of such behaviour was the blocking on 13-19 February,” the diplomats note.",
                     date(2022, 2, 21), "13-19 February", date(2022, 2, 13), "day", "day_range", id="ua-0016-day_range"),
        pytest.param("a missile strike in April. The Moskva sank", date(2022, 7, 10), "April", date(2022, 4, 1),
                     "month", "month_alone", id="ua-0065-month_alone"),
        pytest.param("Russia’s annexation of Crimea in 2014 and the war in Donbas", date(2022, 1, 30), "2014",
                     date(2014, 1, 1), "year", "year_in_context", id="ua-0002-year_in_context"),
        pytest.param("A 38-year-old man, who was injured in a crash on the mid-north coast last week, has died",
                     SEED_DATE, "last week", date(2022, 9, 12), "week", "relative_period", id="lee-bg-022-last-week"),
        pytest.param("was finalised last month.", SEED_DATE, "last month", date(2022, 8, 1), "month",
                     "relative_period", id="lee-bg-088-last-month"),
        pytest.param("profits rose last year", SEED_DATE, "last year", date(2021, 1, 1), "year",
                     "relative_period", id="last-year"),
        pytest.param("dropped a 6,800 kilogram bomb into the mountains of the Tora Bora region two days ago.",
                     SEED_DATE, "two days ago", date(2022, 9, 17), "day", "days_ago", id="lee-bg-160-days_ago"),
        pytest.param("The fire crews were called yesterday", SEED_DATE, "yesterday", date(2022, 9, 18), "day",
                     "deictic_day", id="deictic_day"),
        pytest.param("to date 390 deaths and 757 injuries have been confirmed", SEED_DATE, "to date", SEED_DATE,
                     "day", "cumulative_marker", id="seed-cumulative_marker"),
    ],
)
def test_rules(text: str, article_date: date, mention: str, value: date, precision: str, method: str) -> None:
    d = _one(text, article_date, mention)
    assert (d.value, d.precision, d.method) == (value, precision, f"dates.{method}")
    assert text[d.char_start : d.char_end] == mention


def test_every_rule_has_a_case() -> None:
    assert {r.__name__ for r in RULES} == {
        "iso_date", "full_date", "day_range", "month_year", "month_day", "month_alone", "year_in_context",
        "weekday", "deictic_day", "relative_period", "days_ago", "cumulative_marker",
    }


@pytest.mark.parametrize(
    ("mention", "article_date", "value"),
    [
        ("on Saturday", SEED_DATE, date(2022, 9, 17)),
        ("on Monday", SEED_DATE, SEED_DATE),  # the article day itself
        ("last Monday", SEED_DATE, date(2022, 9, 12)),  # strictly before
        ("next Thursday", SEED_DATE, date(2022, 9, 22)),
        ("December 20", SEED_DATE, date(2021, 12, 20)),  # after publication: previous year
        ("last month", date(2022, 1, 10), date(2021, 12, 1)),
    ],
)
def test_resolution(mention: str, article_date: date, value: date) -> None:
    text = f"Officials said it happened {mention}."
    key = mention.split()[-1] if mention.startswith("on ") else mention
    assert _one(text, article_date, key).value == value


def test_relations() -> None:
    # ua-0016 (2022-02-21) and the seed
    assert _one("8 years since 2014", date(2022, 2, 21), "2014").relation == "since"
    assert _one("killed since February 24, according to", SEED_DATE, "February 24").relation == "since"
    assert _one("the toll as of Sunday stood at 50", SEED_DATE, "Sunday").relation == "as_of"
    assert _one("Everybody else has failed so far but", SEED_DATE, "so far").relation == "as_of"  # lee-bg-043
    assert _one("unleashed on February 24 by order", SEED_DATE, "February 24").relation is None


def test_without_article_date() -> None:
    # lee-bg articles have no date: relative dates stay unknown, dated ones resolve
    d = _one("blaze at Spencer north of Sydney, which yesterday broke through containment", None, "yesterday")
    assert (d.value, d.precision) == (None, "unknown")
    assert _one("on February 24 by order", None, "February 24").value is None
    assert _one("the wave on July 27, 1999.", None, "July 27, 1999").value == date(1999, 7, 27)  # lee-bg-214
    assert _one("Sunday", None, "Sunday").precision == "unknown"


def test_offsets() -> None:
    body = "Intro sentence. The authorities raised this Sunday to 390 the number"
    start = body.index("The")
    (d,) = find_dates(body[start:], start, SEED_DATE)
    assert body[d.char_start : d.char_end] == "this Sunday"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("march in places of active hostilities", id="seed-lowercase-march"),
        pytest.param("2,500 educational institutions have suffered material damage", id="seed-count"),
        pytest.param("keep the public up to date with the latest", id="up-to-date"),
        pytest.param("so far as the government is concerned", id="so-far-as"),
        pytest.param("an eleven-year-old girl has died in the bombings", id="seed-age"),
    ],
)
def test_must_not_match(text: str) -> None:
    assert find_dates(text, 0, SEED_DATE) == []


def test_date_number_spans() -> None:
    text = "Kharkiv, Ukraine, September 18, 2022. At about 4:00pm AEDT, in the 1990s, 2,500 schools"
    spans = {text[s:e] for s, e in date_number_spans(text)}
    assert spans == {"18", "2022", "4", "00", "1990"}


def test_is_cumulative_marker() -> None:
    assert is_cumulative_marker("since the beginning of the Russian invasion")
    assert is_cumulative_marker("to date 390 deaths")
    assert not is_cumulative_marker("on Sunday 390 deaths")


def _ungated(text: str, article_date: date | None) -> list[tuple[int, int, str, object]]:
    """Reference: every rule on every text, leftmost-longest, no gates."""
    cands = sorted((c[0], -(c[1] - c[0]), rank, c) for rank, rule in enumerate(RULES) for c in rule(text, article_date))
    out, last_end = [], -1
    for start, _, _, c in cands:
        if start >= last_end:
            out.append((start, c[1], c[5], c[2]))
            last_end = c[1]
    return out


def _article_sentences() -> list[tuple[str, list[tuple[int, int]]]]:
    """(body, sentence spans) of the first 40 conflict_dev articles."""
    import json

    from pipeline.config import PROJECT_ROOT
    from pipeline.parse import article_from_object
    from pipeline.text import segment

    path = PROJECT_ROOT.parent / "shared" / "corpus" / "conflict_dev.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines()[:40]:
        article = article_from_object(json.loads(line), "a.json")
        out.append((article.body, [(s.char_start, s.char_end) for s in segment(article)]))
    return out


def _corpus_sentences() -> list[str]:
    """The sentences of the first 40 conflict_dev articles."""
    return [body[a:b] for body, spans in _article_sentences() for a, b in spans]


@pytest.mark.parametrize("article_date", [SEED_DATE, None])
def test_gates_never_skip_a_date(article_date: date | None) -> None:
    # The gates (dates._gates) are necessary conditions: gated results equal running every rule,
    # on the sentences of the first 40 conflict_dev articles plus hard cases.
    from pipeline.dates import _gates

    assert len(_gates("")) == len(RULES)
    texts = _corpus_sentences() + [
        "This morning Kharkiv was shelled; tonight and tomorrow more.", "Mariupol fell in March 2022, on Sunday.",
        "since 1990s", "Sept. 18 and 24-25 February, 2022-09-18", "two days ago, so far, to date, last week",
    ]
    for text in texts:
        got = [(d.char_start, d.char_end, d.method.split(".")[1], d.value) for d in find_dates(text, 0, article_date)]
        assert got == [(a, b, f"{m}", v) for a, b, m, v in _ungated(text, article_date)], text


def test_relations_by_the_words_before() -> None:
    # One search reads the words before a date: since, as_of, or neither (in any case, before an "on").
    assert _one("Kyiv has been shelled since on Monday", SEED_DATE, "Monday").relation == "since"
    assert _one("from the start of March the toll rose", SEED_DATE, "March").relation == "since"
    assert _one("the count up to Sunday was 40", SEED_DATE, "Sunday").relation == "as_of"
    assert _one("Deaths BY June 1 had reached 300", SEED_DATE, "June 1").relation == "as_of"
    assert _one("fighting in March 2022 near Izium", SEED_DATE, "March 2022").relation is None


def test_sentence_gates_equal_each_sentence_alone() -> None:
    # One scan of the body gives every sentence the gates its own text gives, on real articles and on
    # spans cut inside words: a literal counts only wholly inside the span, and a month name at the
    # span's end counts whatever follows it in the body (the span's text ends there).
    from pipeline.dates import _gates, sentence_gates

    for body, spans in _article_sentences():  # spans in order, not overlapping, as sentences are
        assert sentence_gates(body, spans) == [_gates(body[a:b]) for a, b in spans], body[:60]
    body = "In Marchx 1999-01 it was. May this week be good? Sunday's 2014 vote. Ago so far."
    for span in [(0, 8), (0, 9), (3, 14), (10, 16), (10, 15), (26, 48), (48, 70), (70, len(body)), (4, 8), (12, 15)]:
        assert sentence_gates(body, [span]) == [_gates(body[span[0] : span[1]])], span
    assert sentence_gates(body, [(0, 8)])[0][5]  # "In March": the month gate opens
    assert not sentence_gates(body, [(0, 9)])[0][5]  # "In Marchx": no month


def test_period_gate_needs_its_modifier() -> None:
    # "last/this/next/past week|month|year" cannot match without one of the modifiers' letters.
    from pipeline.dates import RULES, _gates

    period = [rule.__name__ for rule in RULES].index("relative_period")
    assert not _gates("a 25-year-old man and a month-long siege")[period]
    assert _gates("Earlier this month, shelling")[period]
    # Capitals: the rule reads "[Ll]ast", so neither it nor the gate takes "PAST year", "LAST WEEK".
    assert not _gates("PAST year: the LAST WEEK")[period]
    assert not list(RULES[period]("PAST year: the LAST WEEK", SEED_DATE))
