"""Raw files -> articles. Plain text with a ` date YYYY-MM-DD` header, JSON, JSONL and HTML.

Every file yields articles or a `Reject` naming the stage and a specific reason; one bad line
of a JSONL file rejects only that line.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pipeline.ids import content_hash
from pipeline.model import Article

TEXT_KEYS = ("text", "body", "content")
_HEADER = re.compile(r"^\ufeff?[ \t]*date[ \t]+(\d{4}-\d{2}-\d{2})[ \t]*(.*)$")
_FORMATS = {
    ".txt": "text", ".text": "text", ".md": "text",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".html": "html", ".htm": "html", ".xhtml": "html",
}


@dataclass(frozen=True)
class Reject:
    """A raw file (or JSONL line) that produced no article, and why."""

    source_path: str
    stage: str
    reason: str
    article_id: str | None = None
    table: str | None = None
    check: str | None = None
    row: str | None = None


class ParseError(ValueError):
    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


def decode(data: bytes) -> str:
    """Bytes -> text: BOMs first, then strict UTF-8, then a detected charset (charset-normalizer).

    Raises ParseError(stage="decode") for empty, binary or undecodable content.
    """
    if not data.strip():
        raise ParseError("decode", "empty file" if not data else "file holds only whitespace")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as exc:
                raise ParseError("decode", f"{enc} BOM but invalid {enc} at byte {exc.start}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _detect(data)
    if "\x00" in text or _unprintable_share(text) > 0.05:
        raise ParseError("decode", "binary content (NUL or control bytes), not article text")
    return text


def _detect(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    if b"\x00" in data:
        raise ParseError("decode", "binary content (NUL bytes), not valid UTF-8/UTF-16/Latin-1 text")
    return data.decode("latin-1")


# C0 controls but tab, newline, form feed and carriage return; DEL and the C1 controls.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _unprintable_share(text: str) -> float:
    """Share of control characters in the first 20,000 characters (a regex: a Python loop over every
    character cost more than parsing the rest of the file)."""
    sample = text[:20_000]
    if not sample:
        return 0.0
    return len(_UNPRINTABLE.findall(sample)) / len(sample)


def parse_date(value: object) -> date | None:
    """ISO date or datetime (string) -> date; None for null. Raises ParseError on other types."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ParseError("parse", f"field 'date' must be an ISO date string, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError as exc:
            raise ParseError("parse", f"field 'date' is not an ISO date: {value!r}") from exc


def _make_article(
    source_path: str,
    body: str,
    published: date | None,
    title: str | None = None,
    lead_caption: str | None = None,
    source: str | None = None,
    url: str | None = None,
    external_id: str | None = None,
) -> Article:
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise ParseError("parse", "no article text")
    digest = content_hash(body)
    return Article(
        article_id=digest,
        source_path=source_path,
        content_hash=digest,
        published_date=published,
        title=title or None,
        lead_caption=lead_caption or None,
        body=body,
        source=source,
        url=url,
        external_id=external_id,
    )


def parse_text(text: str, source_path: str) -> Article:
    """The seed's format: first line ` date YYYY-MM-DD <lead caption>`, then blank-line paragraphs."""
    first, _, rest = text.lstrip("\ufeff").partition("\n")
    m = _HEADER.match(first)
    if m:
        try:
            published = date.fromisoformat(m.group(1))
        except ValueError as exc:
            raise ParseError("parse", f"date header holds an impossible date {m.group(1)!r}") from exc
        return _make_article(source_path, rest, published, lead_caption=m.group(2).strip() or None)
    return _make_article(source_path, text, None)


def article_from_object(obj: object, source_path: str) -> Article:
    """One JSON object with the corpus keys (text|body|content, id, date, title, source, url)."""
    if not isinstance(obj, dict):
        raise ParseError("parse", f"expected a JSON object, got {type(obj).__name__}")
    key = next((k for k in TEXT_KEYS if k in obj), None)
    if key is None:
        raise ParseError("parse", "no article text: none of the keys 'text', 'body', 'content'")
    body = obj[key]
    if not isinstance(body, str):
        raise ParseError("parse", f"field {key!r} must be a string, got {type(body).__name__}")
    strings = {}
    for field_name in ("title", "source", "url", "id"):
        value = obj.get(field_name)
        if value is not None and not isinstance(value, str | int):
            raise ParseError("parse", f"field {field_name!r} must be a string, got {type(value).__name__}")
        strings[field_name] = None if value is None else str(value)
    return _make_article(
        source_path,
        body,
        parse_date(obj.get("date")),
        title=strings["title"],
        source=strings["source"],
        url=strings["url"],
        external_id=strings["id"],
    )


def parse_json(text: str, source_path: str) -> Article:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        size = len(text.encode("utf-8"))
        # The document ends before the value is complete: a delivery cut short, not a syntax slip.
        if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
            raise ParseError("parse", f"JSON truncated at byte {size}: {exc.msg}") from exc
        raise ParseError("parse", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    return article_from_object(obj, source_path)


def parse_jsonl(text: str, source_path: str) -> tuple[list[Article], list[Reject]]:
    """One article per non-blank line; a broken line becomes a reject, the others still load."""
    articles: list[Article] = []
    rejects: list[Reject] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        path = f"{source_path}:{lineno}"
        try:
            articles.append(parse_json(line, path))
        except ParseError as err:
            rejects.append(Reject(path, err.stage, err.reason))
    if not articles and not rejects:
        raise ParseError("parse", "no article text: JSONL file without lines")
    return articles, rejects


def parse_html(text: str, source_path: str) -> Article:
    """A saved article page: body, title and date from trafilatura, never navigation or scripts."""
    import trafilatura

    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False, include_tables=False)
    body = getattr(doc, "text", None) if doc is not None else None
    if not body:
        raise ParseError("parse", "no article text found in the HTML page")
    published = None
    raw_date = getattr(doc, "date", None)
    if raw_date:
        try:
            published = parse_date(str(raw_date))
        except ParseError:
            published = None
    # trafilatura joins paragraphs with single newlines; the body keeps blank-line paragraphs.
    lines = [line for line in body.split("\n") if line.strip()]
    title = getattr(doc, "title", None)
    if title and lines and lines[0].strip() == title.strip():  # the page's <h1> repeats the title
        lines = lines[1:]
    body = "\n\n".join(lines)
    return _make_article(
        source_path, body, published, title=getattr(doc, "title", None), url=getattr(doc, "url", None)
    )


def sniff_format(text: str) -> str:
    """Format of a file whose name does not say it: JSON/JSONL objects, HTML markup, else text."""
    head = text.lstrip("\ufeff \t\r\n")[:200].lower()
    if head.startswith("{"):
        return "jsonl" if "\n{" in text.strip() else "json"
    if head.startswith("<"):
        return "html"
    return "text"


def parse_bytes(data: bytes, source_path: str, suffix: str = "") -> tuple[list[Article], list[Reject]]:
    """Decode and parse one raw file's bytes. Never raises: failures become rejects."""
    try:
        text = decode(data)
        fmt = _FORMATS.get(suffix.lower()) or sniff_format(text)
        if fmt == "jsonl":
            return parse_jsonl(text, source_path)
        parser = {"text": parse_text, "json": parse_json, "html": parse_html}[fmt]
        return [parser(text, source_path)], []
    except ParseError as err:
        return [], [Reject(source_path, err.stage, err.reason)]
    except Exception as exc:  # a reader bug must cost one file, not the night
        return [], [Reject(source_path, "parse", f"unexpected {type(exc).__name__}: {exc}")]


# A byte of a file name that is not UTF-8, as `shown_name` writes it.
_ESCAPED_BYTE = re.compile(r"\\x([89a-f][0-9a-f])")


def shown_name(name: str) -> str:
    """A file name as the tables record it: itself when it is UTF-8 (as it almost always is); else its
    undecodable bytes, which Python's file functions pass as surrogate escapes and Parquet cannot hold,
    written as \\xNN (`caf\\xe9.txt`)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def on_disk(path: Path) -> Path:
    """The file a recorded raw path names when no file has that very name: the path with its \\xNN
    escapes (`shown_name`) back as the bytes they stand for."""
    return Path(_ESCAPED_BYTE.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), str(path)))


def locate(path: Path) -> tuple[Path, os.stat_result]:
    """The raw file at a recorded path, and its stat: the path itself, or, when no file has that name,
    `on_disk(path)` (a file whose name is not UTF-8). Raises OSError as `Path.stat` does."""
    try:
        return path, path.stat()
    except FileNotFoundError:
        if (found := on_disk(path)) == path:
            raise
        return found, found.stat()


def parse_file(path: Path, raw_dir: Path, max_bytes: int) -> tuple[list[Article], list[Reject]]:
    """Read and parse one raw file; the source path is relative to the raw folder."""
    rel = path.relative_to(raw_dir).as_posix()
    try:
        found, st = locate(path)
        if st.st_size > max_bytes:
            return [], [Reject(rel, "read", f"file larger than {max_bytes} bytes ({st.st_size} bytes)")]
        data = found.read_bytes()
    except OSError as exc:
        return [], [Reject(rel, "read", f"cannot read file: {exc.strerror or exc}")]
    return parse_bytes(data, rel, path.suffix)
