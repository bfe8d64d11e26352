"""Readers: plain text with a date header, JSON, JSONL, HTML, decoding, and specific rejects."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from pipeline.parse import ParseError, decode, parse_bytes, parse_file
from tests.conftest import LEE_005_TEXT, SEED, UA_0001_TEXT


def test_seed_text_header_gives_date_and_lead_caption() -> None:
    [article], rejects = parse_file(SEED, SEED.parent, 10**7)
    assert rejects == []
    assert article.published_date == date(2022, 9, 19)
    assert article.lead_caption == "Kharkiv, Ukraine, September 18, 2022 (REUTERS/Umit Bektas)"
    assert article.body.startswith("The Ukrainian government has ruled out")
    assert article.source_path == SEED.name


def test_text_without_header_is_an_article_without_date() -> None:
    [article], _ = parse_bytes(LEE_005_TEXT.encode(), "lee.txt", ".txt")
    assert article.published_date is None
    assert article.body == LEE_005_TEXT


def test_json_article_with_corpus_keys() -> None:
    obj = {"id": "ua-0001", "date": "2022-01-28", "title": None, "source": "CNN", "url": None, "text": UA_0001_TEXT}
    [article], rejects = parse_bytes(json.dumps(obj).encode(), "ua-0001.json", ".json")
    assert rejects == []
    assert (article.external_id, article.source, article.published_date) == ("ua-0001", "CNN", date(2022, 1, 28))
    assert article.body == UA_0001_TEXT


@pytest.mark.parametrize("key", ["body", "content"])
def test_json_accepts_body_and_content_keys(key: str) -> None:
    [article], _ = parse_bytes(json.dumps({key: LEE_005_TEXT, "date": "2002-01-01T10:00:00Z"}).encode(), "a.json", ".json")
    assert article.published_date == date(2002, 1, 1)


def test_jsonl_one_broken_line_rejects_only_that_line() -> None:
    lines = [
        json.dumps({"id": "ua-0001", "date": "2022-01-28", "text": UA_0001_TEXT}),
        '{"id": "broken", "text": "cut',
        json.dumps({"id": "lee-bg-005", "date": None, "text": LEE_005_TEXT}),
    ]
    articles, rejects = parse_bytes("\n".join(lines).encode(), "batch.jsonl", ".jsonl")
    assert [a.external_id for a in articles] == ["ua-0001", "lee-bg-005"]
    assert [a.source_path for a in articles] == ["batch.jsonl:1", "batch.jsonl:3"]
    assert len(rejects) == 1 and rejects[0].source_path == "batch.jsonl:2"
    assert "truncated" in rejects[0].reason


def test_html_page_body_comes_from_the_article_not_navigation() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in UA_0001_TEXT.split("\n\n"))
    page = (
        "<html><head><title>Threat of war</title><meta property='article:published_time' content='2022-01-28'>"
        "<script>var tracking = 'SUBSCRIBE NOW';</script></head><body>"
        "<nav><ul><li><a href='/'>Home</a></li><li><a href='/world'>World news menu</a></li></ul></nav>"
        f"<article><h1>Threat of war</h1>{paragraphs}</article>"
        "<aside><h2>Related</h2><a href='/x'>Other story headline</a></aside></body></html>"
    )
    [article], rejects = parse_bytes(page.encode(), "page.html", ".html")
    assert rejects == []
    assert "according to the Pentagon" in article.body
    assert "SUBSCRIBE" not in article.body and "World news menu" not in article.body
    assert article.body.count("\n\n") >= 2  # paragraphs kept apart
    assert article.published_date == date(2022, 1, 28)
    assert article.title == "Threat of war" and article.body.startswith("How imminent")  # <h1> not repeated


def test_html_delivery_of_a_dev_article_reproduces_its_corpus_text() -> None:
    # seeds/dev/ua-0065.html is the corpus article ua-0065 saved as a web page (nav, scripts, aside).
    dev = Path(__file__).resolve().parents[2] / "seeds" / "dev"
    [article], _ = parse_file(dev / "ua-0065.html", dev, 10**7)
    assert article.body.startswith("Russia has claimed that its Black Sea fleet headquarters")
    assert article.body.count("\n\n") == 13  # the page's 14 <p> paragraphs, no menu, no related links
    assert article.published_date == date(2022, 7, 31)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t\n", "only whitespace"),
        (b"\x00\x01\x02\xff\xfe\x00binary\x00" * 20, "binary content"),
        (b'{"id": "x", "text": "The Ukrainian', "JSON truncated"),
        (json.dumps({"text": 42}).encode(), "field 'text' must be a string"),
        (json.dumps({"title": "no text here"}).encode(), "no article text"),
        (json.dumps({"text": "ok text", "date": 20220101}).encode(), "field 'date' must be an ISO date string"),
    ],
)
def test_bad_files_get_specific_reasons(data: bytes, reason: str) -> None:
    articles, rejects = parse_bytes(data, "bad.json", ".json")
    assert articles == []
    assert len(rejects) == 1 and reason in rejects[0].reason


@pytest.mark.parametrize(
    ("text", "binary"),
    [
        ("Kharkiv was shelled.\n\tTwo died.\r\n\f" * 20, False),  # tab, newlines, form feed are text
        ("Kharkiv was shelled." * 20 + "\x0b" * 30, True),  # vertical tab: a control character
        ("Kharkiv was shelled." * 20 + "\x85\x9f" * 15, True),  # C1 controls (a mis-decoded file)
        ("Kharkiv was shelled." * 20 + "\x1b" * 10, False),  # a few stray escapes: 2.4%, under 5%
    ],
)
def test_text_with_more_than_5_percent_control_characters_is_binary(text: str, binary: bool) -> None:
    if binary:
        with pytest.raises(ParseError, match="binary content"):
            decode(text.encode("utf-8"))
    else:
        assert decode(text.encode("utf-8")) == text


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "latin-1", "cp1252"])
def test_decoding_tolerates_bom_utf16_and_latin1(encoding: str) -> None:
    text = " date 2022-09-19 Caption\n\nThe café in Kharkiv was destroyed, officials said."
    assert decode(text.encode(encoding)).lstrip("\ufeff") == text


def test_file_over_the_size_limit_is_rejected(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 1000)
    articles, rejects = parse_file(big, tmp_path, max_bytes=1000)
    assert articles == [] and rejects[0].stage == "read" and "larger than 1000 bytes" in rejects[0].reason


def test_a_file_whose_name_is_not_utf8_is_parsed_under_its_recorded_name(tmp_path: Path) -> None:
    """The scan records such a name with its undecodable bytes as \\xNN (pipeline.incremental); the file is
    read back through that name, and a path that names no file is still a read reject."""
    with open(os.fsencode(tmp_path) + b"/caf\xe9.txt", "wb") as fh:
        fh.write(b" date 2022-09-19 X\n\nShelling killed two people.")
    [article], rejects = parse_file(tmp_path / "caf\\xe9.txt", tmp_path, 10**7)
    assert rejects == [] and article.source_path == "caf\\xe9.txt" and "killed two" in article.body
    articles, [reject] = parse_file(tmp_path / "caf\\xe8.txt", tmp_path, 10**7)
    assert articles == [] and reject.stage == "read" and "No such file" in reject.reason
