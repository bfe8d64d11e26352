"""Dates: "this Sunday", "February 24", "last week" resolved against the article date.

One pass per rule (regexes compiled at import), then leftmost-longest selection across rules.
Relative expressions resolve against the publication date and stay unresolved (value None,
precision "unknown") when the article has none; dates that carry their year always resolve.
Month and weekday names are a closed class and stay in code.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import ahocorasick_rs


@dataclass(frozen=True)
class DateMention:
    """A date expression: body[char_start:char_end] == text."""

    char_start: int
    char_end: int
    text: str
    value: date | None  # resolved date (start of the week / month for coarser precisions)
    precision: str  # day, week, month, year, unknown
    relation: str | None = None  # since ("since February 24"), as_of ("to date", "so far"), or None
    value_end: date | None = None  # last day of a range ("13-19 February" -> the 19th)
    method: str = ""  # the rule that found it: dates.<function name>


_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
_SMALL_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                  "seven": 7, "eight": 8, "nine": 9, "ten": 10}

# Capitalised month names (abbreviations with an optional full stop); "May" only as a capital.
_MONTH = (r"(?P<month>(?:January|February|March|April|May|June|July|August|September|October|November|"
          r"December)|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)")
_DAY = r"(?P<day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)"
_WEEKDAY = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_B = r"(?<![\w/-])"  # no letter, digit, slash or hyphen before
_E = r"(?![\w/]|-\d)"  # and none after
# Rules that open with an assertion or an optional group give the regex engine no first character
# to skip to, so it tries the whole pattern at every position of the sentence. A lookahead on the
# possible first characters (a month name's capital, a day's digit, ...) rejects most positions
# at once; it only restates what the pattern requires, so the matches are the same.
_MONTH_OR_DAY_FIRST = r"(?=[ADFJMNOS0-9])"  # a month's capital or a day's digit

_RE_ISO = re.compile(_B + r"(?P<year>(?:19|20)\d\d)-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12]\d|3[01])" + _E)
_RE_MDY = re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b")
_RE_DMY = re.compile(_B + _DAY + r"(?:\s+of)?\s+" + _MONTH + r",?\s+" + _YEAR + r"\b")
# Both alternatives open with a day's digit or a month's capital: the lookahead stands before the
# alternation, so one test rejects a position instead of each alternative trying it in turn.
_RE_DAY_RANGE = re.compile(
    _MONTH_OR_DAY_FIRST
    + r"(?:" + _B + r"(?P<day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\s*(?:-|–|to|until)\s*(?P<day2>[12]\d|3[01]|0?[1-9])"
    r"(?:st|nd|rd|th)?\s+" + _MONTH + r"(?:,?\s+" + _YEAR + r")?\b"
    r"|\b" + _MONTH.replace("month>", "month_b>") + r"\s+(?P<day_b>[12]\d|3[01]|0?[1-9])\s*(?:-|–)\s*"
    r"(?P<day2_b>[12]\d|3[01]|0?[1-9])(?:,?\s+(?P<year_b>(?:1[89]|20)\d\d))?" + _E + r")"
)
_RE_MD = re.compile(r"(?=[ADFJMNOS])\b" + _MONTH + r"\s+" + _DAY + _E
                    + r"(?!,?\s+(?:1[89]|20)\d\d)(?!\s*(?:per|%|million|billion))")
_RE_DM = re.compile(r"(?=[0-9])" + _B + _DAY + r"(?:\s+of)?\s+" + _MONTH + r"\b(?!,?\s+(?:1[89]|20)\d\d)")
_RE_MY = re.compile(r"\b" + _MONTH + r"(?:\s+of)?,?\s+" + _YEAR + r"\b")
_RE_MONTH_ALONE = re.compile(
    r"\b(?:in|since|until|by|from|early|late|mid-|end\s+of|beginning\s+of|start\s+of|last|this)\s+"
    r"(?:early\s+|late\s+|mid-)?" + _MONTH + r"(?!\s*\d)(?!\s+[A-Z])\b"
)
_RE_YEAR = re.compile(
    r"\b(?:in|since|from|until|by|of|during|before|after|early|late|mid-|throughout|between|and|[Ii]n)\s+"
    + _YEAR + r"(?![\w,.]\d)(?!\s+[a-z]+s\b)(?!-\d)"
)
_RE_WEEKDAY = re.compile(  # first character: a modifier's or a weekday's
    r"(?=[tlnopOTLNMWFS])"
    r"(?:\b(?P<mod>this|last|next|on|On|This|Last|Next|past)\s+(?:coming\s+)?)?" + r"\b" + _WEEKDAY + r"\b"
)
_RE_DEICTIC = re.compile(
    r"\b(?:(?P<dby>the\s+day\s+before\s+yesterday)|(?P<today>[Tt]oday|[Tt]onight|this\s+morning|this\s+afternoon|"
    r"this\s+evening)|(?P<yesterday>[Yy]esterday)|(?P<tomorrow>[Tt]omorrow))\b"
)
_RE_PERIOD = re.compile(
    r"\b(?:(?P<earlier>earlier|later)\s+)?(?P<mod>[Ll]ast|[Tt]his|[Nn]ext|[Pp]ast)\s+(?P<unit>week|month|year)\b"
    r"(?!\s*['’]s)(?!s)"
)
_RE_AGO = re.compile(
    r"\b(?P<n>\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?P<unit>day|week|month|year)s?\s+ago\b"
)
_RE_CUMULATIVE = re.compile(
    r"(?=[st])(?<!\bup )\b(?:to\s+date|so\s+far|thus\s+far)\b(?!\s+(?:as|from|away|behind|ahead|removed|so)\b)(?!-)"
)
# What a date's preceding words make of it: since ("since", "from the start of"), as_of ("as of", "by",
# "until"). One search for both: the word before the date (or before its "on") tells which, so at most one
# alternative can match.
_RE_RELATION_BEFORE = re.compile(
    r"\b(?:(?P<since>since|from\s+the\s+(?:beginning|start)\s+of|starting|beginning)"
    r"|(?P<as_of>as\s+of|by|up\s+to|until|as\s+at))\s+(?:on\s+)?$",
    re.IGNORECASE,
)
_RE_CUMULATIVE_MARKER = re.compile(
    r"\b(?:to\s+date|so\s+far|thus\s+far|since\s+the\s+(?:beginning|start|outbreak)\s+of|in\s+total|"
    r"since\s+(?:the\s+)?(?:invasion|war)\s+began)\b",
    re.IGNORECASE,
)
_RE_TIME = re.compile(
    r"\b\d{1,2}[:.]\d{2}(?:\s?(?:[ap]\.?m\.?|GMT|UTC|[A-Z]{3,4}T))?\b|\b\d{1,2}\s?(?:[ap]\.m\.|[ap]m)(?!\w)"
    r"|\b\d{4}\s?(?:GMT|UTC|hours|hrs|local\s+time)\b"
)
_RE_DECADE = re.compile(r"\b(?:1[89]|20)\d0s\b|['’]\d0s\b")
_RE_LONE_YEAR = re.compile(r"(?<![\d,.])(?:19|20)\d\d(?![\d,.]\d)(?!\s+[a-z]+s\b)(?!\s*(?:%|per\b))")

_Candidate = tuple[int, int, date | None, str, date | None, str]  # start, end, value, precision, end value, method


def _month(name: str) -> int:
    return _MONTHS[name.rstrip(".").casefold()]


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _infer_year(month: int, day: int, article_date: date) -> date | None:
    """The article's year unless that falls after publication, then the year before."""
    d = _safe_date(article_date.year, month, day)
    if d is not None and d > article_date:
        d = _safe_date(article_date.year - 1, month, day)
    return d


def iso_date(text: str, article_date: date | None) -> Iterator[_Candidate]:
    """ISO dates in datelines and tables: "2022-09-18"."""
    for m in _RE_ISO.finditer(text):
        d = _safe_date(int(m["year"]), int(m["month"]), int(m["day"]))
        if d:
            yield m.start(), m.end(), d, "day", None, "iso_date"


def full_date(text: str, article_date: date | None) -> Iterator[_Candidate]:
    """A day with month and year, US or British order: "September 18, 2022", "18 September 2022"."""
    for rx in (_RE_MDY, _RE_DMY):
        for m in rx.finditer(text):
            d = _safe_date(int(m["year"]), _month(m["month"]), int(m["day"]))
            if d:
                yield m.start(), m.end(), d, "day", None, "full_date"


def day_range(text: str, article_date: date | None) -> Iterator[_Candidate]:
    """A range of days in one month: "13-19 February", "February 13-19, 2022" (value = first day)."""
    for m in _RE_DAY_RANGE.finditer(text):
        month = _month(m["month"] or m["month_b"])
        d1, d2 = int(m["day"] or m["day_b"]), int(m["day2"] or m["day2_b"])
        year = m["year"] or m["year_b"]
        if d2 <= d1:
            continue
        if year:
            start, end = _safe_date(int(year), month, d1), _safe_date(int(year), month, d2)
        elif article_date:
            start = _infer_year(month, d1, article_date)
            end = _safe_date(start.year, month, d2) if start else None
        else:
            yield m.start(), m.end(), None, "unknown", None, "day_range"
            continue
        if start:
            yield m.start(), m.end(), start, "day", end, "day_range"


def month_day(text: str, article_date: date | None) -> Iterator[_Candidate]:
    """A day and month without a year: "February 24", "24 February" (year from the article date)."""
    for rx in (_RE_MD, _RE_DM):
        for m in rx.finditer(text):
            month, day = _month(m["month"]), int(m["day"])
            if _safe_date(2000, month, day) is None:
                continue
            if article_date is None:
                yield m.start(), m.end(), None, "unknown", None, "month_day"
            else:
                yield m.start(), m.end(), _infer_year(month, day, article_date), "day", None, "month_day"


def month_year(text: str, article_date: date | None) -> Iterator[_Candidate]:
    """A month with its year: "March 2022", "in March of 2014" (precision month)."""
    for m in _RE_MY.finditer(text):
        yield m.start("month"), m.end(), date(int(m["year"]), _month(m["month"]), 1), "month", None, "month_year"


def month_alone(text: str, article_date: date | None) -> Iterator[_Candidate]:
    """A month after a preposition, no day or year: "in April", "since March" (the latest such month)."""
    for m in _RE_MONTH_ALONE.finditer(text):
        month = _month(m["month"])
        if article_date is None:
            yield m.start("month"), m.end("month"), None, "unknown", None, "month_alone"
            continue
        year = article_date.year if month <= article_date.month else article_date.year - 1
        yield m.start("month"), m.end("month"), date(year, month, 1), "month", None, "month_alone"


def year_in_context(text: str, article_date: date | None) -> Iterator[_Candidate]:
    """A bare year after a preposition: "in 2014", "since 2014" (precision year)."""
    for m in _RE_YEAR.finditer(text):
        yield m.start("year"), m.end(), date(int(m["year"]), 1, 1), "year", None, "year_in_context"


def weekday(text: str, article_date: date | None) -> Iterator[_Candidate]:
    """A weekday: "on Sunday", "this Sunday", "Sunday's attack" = the latest such day on or before
    the article date; "last Sunday" strictly before it; "next Sunday" the first one after it."""
    for m in _RE_WEEKDAY.finditer(text):
        mod = (m["mod"] or "").casefold()
        start = m.start() if mod in ("this", "last", "next", "past") else m.start("weekday")
        if article_date is None:
            yield start, m.end(), None, "unknown", None, "weekday"
            continue
        back = (article_date.weekday() - _WEEKDAYS[m["weekday"].casefold()]) % 7
        if mod == "next":
            d = article_date + timedelta(days=(7 - back) % 7 or 7)
        else:
            if mod in ("last", "past") and back == 0:
                back = 7
            d = article_date - timedelta(days=back)
        yield start, m.end(), d, "day", None, "weekday"


def deictic_day(text: str, article_date: date | None) -> Iterator[_Candidate]:
    """Days named from the publication day: "today", "yesterday", "tomorrow", "this morning"."""
    for m in _RE_DEICTIC.finditer(text):
        if article_date is None:
            yield m.start(), m.end(), None, "unknown", None, "deictic_day"
            continue
        shift = -2 if m["dby"] else -1 if m["yesterday"] else 1 if m["tomorrow"] else 0
        yield m.start(), m.end(), article_date + timedelta(days=shift), "day", None, "deictic_day"


def relative_period(text: str, article_date: date | None) -> Iterator[_Candidate]:
    """"last week" (that week's Monday, precision week), "last month" (its first day), "last year",
    "this week", "earlier this month", "next year"."""
    for m in _RE_PERIOD.finditer(text):
        unit, mod = m["unit"], m["mod"].casefold()
        if article_date is None:
            yield m.start(), m.end(), None, "unknown", None, "relative_period"
            continue
        step = {"last": -1, "past": -1, "this": 0, "next": 1}[mod]
        if unit == "week":
            monday = article_date - timedelta(days=article_date.weekday())
            yield m.start(), m.end(), monday + timedelta(weeks=step), "week", None, "relative_period"
        elif unit == "month":
            idx = article_date.year * 12 + article_date.month - 1 + step
            yield m.start(), m.end(), date(idx // 12, idx % 12 + 1, 1), "month", None, "relative_period"
        else:
            yield m.start(), m.end(), date(article_date.year + step, 1, 1), "year", None, "relative_period"


def days_ago(text: str, article_date: date | None) -> Iterator[_Candidate]:
    """"two days ago", "a week ago" counted back from the publication day."""
    for m in _RE_AGO.finditer(text):
        if article_date is None:
            yield m.start(), m.end(), None, "unknown", None, "days_ago"
            continue
        n = int(m["n"]) if m["n"].isdigit() else _SMALL_NUMBERS[m["n"]]
        unit = m["unit"]
        if unit == "day":
            yield m.start(), m.end(), article_date - timedelta(days=n), "day", None, "days_ago"
        elif unit == "week":
            d = article_date - timedelta(weeks=n)
            yield m.start(), m.end(), d - timedelta(days=d.weekday()), "week", None, "days_ago"
        elif unit == "month":
            idx = article_date.year * 12 + article_date.month - 1 - n
            yield m.start(), m.end(), date(idx // 12, idx % 12 + 1, 1), "month", None, "days_ago"
        else:
            yield m.start(), m.end(), date(article_date.year - n, 1, 1), "year", None, "days_ago"


def cumulative_marker(text: str, article_date: date | None) -> Iterator[_Candidate]:
    """"to date", "so far": a running total valid at the publication day (relation as_of)."""
    for m in _RE_CUMULATIVE.finditer(text):
        if article_date is None:
            yield m.start(), m.end(), None, "unknown", None, "cumulative_marker"
        else:
            yield m.start(), m.end(), article_date, "day", None, "cumulative_marker"


# Ordered registry: on equal spans the earlier rule wins.
RULES: tuple[Callable[[str, date | None], Iterator[_Candidate]], ...] = (
    iso_date,
    full_date,
    day_range,
    month_year,
    month_day,
    month_alone,
    year_in_context,
    weekday,
    deictic_day,
    relative_period,
    days_ago,
    cumulative_marker,
)


def _relation(text: str, start: int, method: str) -> str | None:
    """since ("since February 24"), as_of ("as of Sunday", "by June 1", "to date"), or None."""
    if method == "cumulative_marker":
        return "as_of"
    m = _RE_RELATION_BEFORE.search(text[max(0, start - 40) : start])
    if m is None:
        return None
    return "since" if m["since"] is not None else "as_of"


# The gates read literals, found for a whole article by one Aho-Corasick scan of its body
# (`sentence_gates`): a month name as the rules write it (_MONTH, then no letter or digit: "Mariupol" is
# no "Mar"), the first two digits of a year (what _YEAR and the ISO year need: 18xx, 19xx, 20xx), and
# the words the other rules cannot match without.
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sept", "Sep", "Oct",
                "Nov", "Dec")
_YEAR_STARTS = ("18", "19", "20")
_GATE_WORDS = ("day", "ight", "morrow", "this ", "This ", "oday", "esterday", "onight", "omorrow", "morning",
               "afternoon", "evening", "week", "month", "year", "ast", "his", "ext", " ago", " far", " date")
_GATE_AUTOMATON = ahocorasick_rs.AhoCorasick([*_MONTH_NAMES, *_YEAR_STARTS, *_GATE_WORDS])
# What a span holds, one bit each: a month name, a year's digits, then each of _GATE_WORDS from bit 2.
_MONTH_BIT: Final = 1
_YEAR_BIT: Final = 2
_WORD_BITS = {word: 4 << i for i, word in enumerate(_GATE_WORDS)}
# The bit of each of the automaton's patterns, by its index.
_PATTERN_BITS: Final = (*[_MONTH_BIT] * len(_MONTH_NAMES), *[_YEAR_BIT] * len(_YEAR_STARTS), *_WORD_BITS.values())
_DAY_BIT: Final = _WORD_BITS["day"]
_DEICTIC_CUE: Final = sum(_WORD_BITS[w] for w in ("day", "ight", "morrow", "this ", "This "))
_DEICTIC_WORD: Final = sum(_WORD_BITS[w] for w in ("oday", "esterday", "onight", "omorrow", "morning", "afternoon",
                                                   "evening"))
_PERIOD_UNIT: Final = _WORD_BITS["week"] | _WORD_BITS["month"] | _WORD_BITS["year"]
_PERIOD_MOD: Final = _WORD_BITS["ast"] | _WORD_BITS["his"] | _WORD_BITS["ext"]  # [Ll]ast, [Pp]ast, [Tt]his, [Nn]ext
_AGO: Final = _WORD_BITS[" ago"]
_CUMULATIVE: Final = _WORD_BITS[" far"] | _WORD_BITS[" date"]
_RE_DIGIT = re.compile(r"\d")
_RE_YEARISH = re.compile(r"(?:1[89]|20)\d\d")
_RE_WEEKDAY_NAME = re.compile(r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day")


def sentence_gates(body: str, spans: list[tuple[int, int]]) -> list[tuple[bool, ...]]:
    """`_gates(body[a:b])` of each span (a, b) of the body (in order, not overlapping), from one scan of
    the body instead of a regex scan and a dozen substring searches per sentence.

    A literal counts for a span when it lies wholly inside it, as it would in the span's own text; a
    month name must end the span or be followed by a character that is no word character, as the
    month gate's lookahead asks of the span's text.
    """
    starts = [a for a, _ in spans]
    found = [0] * len(spans)
    for k, p, e in _GATE_AUTOMATON.find_matches_as_indexes(body, overlapping=True):
        i = bisect_right(starts, p) - 1
        if i < 0:
            continue
        b = spans[i][1]
        if e > b:
            continue
        bit = _PATTERN_BITS[k]
        if bit == _YEAR_BIT and _RE_YEARISH.match(body, p, b) is None:
            continue
        if bit == _MONTH_BIT and e < b and _is_word_char(body[e]):
            continue
        found[i] |= bit
    return [_gates_of(body, a, b, f) for (a, b), f in zip(spans, found, strict=True)]


def _is_word_char(c: str) -> bool:
    """A word character, as the regex engine reads one in a str pattern (alphanumeric or underscore)."""
    return c.isalnum() or c == "_"


def _gates_of(body: str, a: int, b: int, found: int) -> tuple[bool, ...]:
    """The gates of body[a:b], given the literals found in it (`sentence_gates`' bits). The regexes read
    the span in place: neither has a lookaround or a word boundary that could see past it."""
    month = bool(found & _MONTH_BIT)
    year = bool(found & _YEAR_BIT)  # holds digits: implies `digit`
    # A digit matters only with a month name (most sentences have none): searched only then.
    digit = year or (month and _RE_DIGIT.search(body, a, b) is not None)
    day = bool(found & _DAY_BIT)
    return (
        year and body.find("-", a, b) >= 0,  # iso_date
        year and month,  # full_date
        digit and month,  # day_range
        year and month,  # month_year
        digit and month,  # month_day
        month,  # month_alone
        year,  # year_in_context
        day and _RE_WEEKDAY_NAME.search(body, a, b) is not None,  # weekday
        bool(found & _DEICTIC_CUE) and bool(found & _DEICTIC_WORD),  # deictic_day
        bool(found & _PERIOD_UNIT) and bool(found & _PERIOD_MOD),  # relative_period
        bool(found & _AGO),  # days_ago
        bool(found & _CUMULATIVE),  # cumulative_marker
    )


def _gates(text: str) -> tuple[bool, ...]:
    """Which rules (in RULES order) can match at all: most sentences hold no date.

    Each gate is a necessary condition of its rule's regex (a year needs 18xx/19xx/20xx, a weekday
    its name, a deictic day one of its words), so a closed gate skips a regex, never a date.
    """
    return sentence_gates(text, [(0, len(text))])[0]


def find_dates(
    text: str, offset: int, article_date: date | None, gates: tuple[bool, ...] | None = None
) -> list[DateMention]:
    """Date mentions in `text` (spans shifted by offset), resolved against article_date. `gates`: the
    text's `_gates`, when computed already (`sentence_gates`)."""
    cands: list[tuple[int, int, int, _Candidate]] = []
    for rank, open_ in enumerate(gates if gates is not None else _gates(text)):
        if open_:
            for c in RULES[rank](text, article_date):
                cands.append((c[0], -(c[1] - c[0]), rank, c))
    if not cands:
        return []
    cands.sort()
    out: list[DateMention] = []
    last_end = -1
    for _, _, _, (start, end, value, precision, value_end, method) in cands:
        if start < last_end:
            continue
        last_end = end
        out.append(DateMention(start + offset, end + offset, text[start:end], value, precision,
                               _relation(text, start, method), value_end, f"dates.{method}"))
    return out


def is_cumulative_marker(text: str) -> bool:
    """Whether the text marks a running total: "to date", "so far", "since the beginning of"."""
    return bool(_RE_CUMULATIVE_MARKER.search(text))


def date_number_spans(text: str) -> list[tuple[int, int]]:
    """Spans (within text) of digit runs that belong to dates, times, years or decades.

    The figures module excludes them: "18" and "2022" in "September 18, 2022", "4:00pm", "1990s".
    """
    spans: set[tuple[int, int]] = set()
    regions = [(d.char_start, d.char_end) for d in find_dates(text, 0, None) if d.method != "dates.days_ago"]
    regions += [m.span() for m in _RE_TIME.finditer(text)]
    regions += [m.span() for m in _RE_DECADE.finditer(text)]
    regions += [m.span() for m in _RE_LONE_YEAR.finditer(text)]
    for start, end in regions:
        for m in re.finditer(r"\d+", text[start:end]):
            spans.add((start + m.start(), start + m.end()))
    return sorted(spans)

