"""Number mentions: digits, words, vague multiples, ranges, money and percentages, with spans.

`scan(text)` returns every number-like mention with its value, qualifier and unit, and a `skip`
reason for the ones that are not figures (dates, times, ages, durations, compounds, model numbers,
names, phone numbers, pointers). `find_numbers(text)` keeps the figure candidates only.
Spans are offsets within `text`; the mention span includes the qualifier ("more than 400").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import ahocorasick_rs
from text_to_num import text2num

from pipeline.lexicons import alternation, load_csv, word_automaton

QUALIFIERS = frozenset({"exact", "approximate", "more_than", "at_least", "up_to", "less_than", "range"})

# Closed classes that may stay in code: cardinal number words and month names.
_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety"
).split()
_SCALE_WORDS = ("hundred", "thousand", "million", "billion", "trillion")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)


_WORD = rf"(?:{alternation(_UNIT_WORDS + list(_SCALE_WORDS))})"
_WORD_RUN = rf"{_WORD}(?:(?:-|\s+|\s+and\s+){_WORD})*"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3})+(?![\d,])|\d+(?:\.\d+)?"


@dataclass(frozen=True)
class NumberMention:
    """A number in the text. `start:end` spans the mention (qualifier included), `num_start:num_end`
    the number itself (with currency, scale and unit). A native class when compiled (see model.Sentence)."""

    start: int
    end: int
    text: str
    value: float
    value_max: float | None
    qualifier: str
    unit: str
    num_start: int
    num_end: int
    form: str  # digits, words, vague, dozen
    skip: str | None = None  # why it is not a figure (date, time, age, duration, ...), None if it may be one

    def __init__(
        self, start: int, end: int, text: str, value: float, value_max: float | None, qualifier: str, unit: str,
        num_start: int, num_end: int, form: str, skip: str | None = None,
    ) -> None:
        # Written out (dataclass keeps a class's own __init__): the generated frozen one runs as Python.
        # Keep in step with the fields above (a test checks).
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "value_max", value_max)
        object.__setattr__(self, "qualifier", qualifier)
        object.__setattr__(self, "unit", unit)
        object.__setattr__(self, "num_start", num_start)
        object.__setattr__(self, "num_end", num_end)
        object.__setattr__(self, "form", form)
        object.__setattr__(self, "skip", skip)


@dataclass(frozen=True)
class _Lex:
    """Compiled number lexicons. The patterns read after a number (qualifiers_after, scale_re,
    currency_suffix, units, context_re) are used as `pattern.match(text, pos)`, which anchors them at
    `pos` without copying the rest of the text; so they carry no "^"."""

    qualifiers_before: re.Pattern[str]
    qualifiers_after: re.Pattern[str]
    qualifier_label: dict[str, str]
    scales: dict[str, float]
    scale_re: re.Pattern[str]
    vague: dict[str, float]
    currency_prefix: re.Pattern[str]
    currency_suffix: re.Pattern[str]
    currency_label: dict[str, str]
    units: re.Pattern[str]
    unit_label: dict[str, str]
    contexts: dict[str, str]
    context_re: re.Pattern[str]
    pointers: frozenset[str]
    core: re.Pattern[str]
    measure_units: frozenset[str]  # unit labels other than percent
    qualifier_last: frozenset[str]  # last words of the before-qualifiers ("least" of "at least"): a cheap gate
    first_words: tuple[str, ...] = ()  # words a core may start with ("twenty", "hundreds", "dozen")
    core_digits: re.Pattern[str] | None = None  # `core`'s digits branch alone: what `core` matches at a digit
    prefix_ends: frozenset[str] = frozenset()  # last characters of the prefix currencies: a cheap gate
    scale_firsts: frozenset[str] = frozenset()  # first letters (lower case) of the scale words: a cheap gate
    # the ASCII characters currency_suffix's, units' and context_re's terms may start with (_ascii_firsts): gates
    suffix_firsts: frozenset[str] | None = None
    unit_firsts: frozenset[str] | None = None
    context_firsts: frozenset[str] | None = None


def _ascii_firsts(terms: list[str]) -> frozenset[str] | None:
    """The ASCII characters that a case-insensitive alternation of `terms` may start with, for a cheap gate
    before matching it at a position (a character outside ASCII is left to the pattern); None (no gate) when
    a term starts with a space or a hyphen, which the patterns' separators before the term also read."""
    if any(not t or t[0].isspace() or t[0] == "-" for t in terms):
        return None
    firsts = [re.compile(re.escape(ch), re.IGNORECASE) for t in terms for ch in (t[0], t.lower()[0])]
    return frozenset(c for c in map(chr, range(128)) if any(f.fullmatch(c) for f in firsts))


@cache
def lexicon() -> _Lex:
    """Load the number lexicons of seeds/reference once and compile their patterns."""
    quals = load_csv("qualifiers", required=("term", "label", "position"), allowed_labels=QUALIFIERS)
    scales = {r["term"].lower(): float(r["label"]) for r in load_csv("number_scales")}
    vague = {r["term"].lower(): float(r["label"]) for r in load_csv("number_vague")}
    cur = load_csv("number_currencies", required=("term", "label", "position"))
    units = load_csv("number_units")
    contexts = {r["term"].lower(): r["label"] for r in load_csv("number_contexts")}
    pointers = frozenset(r["term"].lower() for r in load_csv("number_pointers"))
    before = [r["term"] for r in quals if r["position"] == "before"]
    after = [r["term"] for r in quals if r["position"] == "after"]
    long_scales = [t for t in scales if len(t) > 3]
    short_scales = [t for t in scales if len(t) <= 3]
    prefix = [r["term"] for r in cur if r["position"] == "prefix"]
    suffix = [r["term"] for r in cur if r["position"] == "suffix"]
    vague_re = alternation(vague, ignore_case=True)
    first_words = frozenset(_UNIT_WORDS) | frozenset(_SCALE_WORDS) | {t.split()[0] for t in vague} | {"half", "dozen"}
    digits = rf"(?P<digits>(?<![\w.,/:])(?:{_DIGITS})(?:\s+\d/\d)?)"
    core = re.compile(
        rf"(?P<vague>\b(?:{vague_re})\b)"
        rf"|{digits}"
        rf"|(?P<words>\b(?:(?:an?|half)[\s-](?=(?:dozen|hundred|thousand|million|billion)\b))?{_WORD_RUN}\b)"
        rf"|(?P<dozen>\b(?:an?\s+|half[\s-](?:an?\s+)?)?dozen\b)",
        re.IGNORECASE,
    )
    return _Lex(
        qualifiers_before=re.compile(
            rf"(?:^|(?<=[\s(“\"'–—-]))(?P<q>{alternation(before, flexible_spaces=True, ignore_case=True)})\s+$",
            re.IGNORECASE,
        ),
        qualifiers_after=re.compile(
            rf"\s+(?P<q>{alternation(after, flexible_spaces=True, ignore_case=True)})\b", re.IGNORECASE
        ),
        qualifier_label={r["term"].lower(): r["label"] for r in quals},
        scales=scales,
        scale_re=re.compile(
            rf"(?:\s?(?P<long>{alternation(long_scales, ignore_case=True)})\b"
            rf"|(?P<short>{alternation(short_scales, ignore_case=True)})\b)",
            re.IGNORECASE,
        ),
        vague=vague,
        currency_prefix=re.compile(rf"(?:^|(?<=[^\w$]))(?P<c>{alternation(prefix)})\s?$"),
        currency_suffix=re.compile(rf"\s(?P<c>{alternation(suffix, ignore_case=True)})\b", re.IGNORECASE),
        currency_label={r["term"].lower(): r["label"] for r in cur},
        units=re.compile(
            rf"\s?(?P<u>{alternation([r['term'] for r in units], ignore_case=True)})(?![\w])", re.IGNORECASE
        ),
        unit_label={r["term"].lower(): r["label"] for r in units},
        contexts=contexts,
        context_re=re.compile(rf"(?P<sep>[\s-]+)(?P<w>{alternation(contexts, ignore_case=True)})\b", re.IGNORECASE),
        pointers=pointers,
        core=core,
        measure_units=frozenset(r["label"] for r in units) - {"percent"},
        qualifier_last=frozenset(t.split()[-1].lower() for t in before),
        first_words=tuple(sorted(first_words)),
        core_digits=re.compile(digits, re.IGNORECASE),
        prefix_ends=frozenset(t[-1] for t in prefix),
        scale_firsts=frozenset(t[0].lower() for t in scales),
        suffix_firsts=_ascii_firsts(suffix),
        unit_firsts=_ascii_firsts([r["term"] for r in units]),
        context_firsts=_ascii_firsts(list(contexts)),
    )


def _folded(phrase: str) -> str:
    """A matched qualifier as its lexicon key: lower case, any whitespace run (a no-break space or a
    line break inside "up to", common in pasted and typeset news) as one space."""
    return " ".join(phrase.lower().split())


# --- patterns of non-figures (compiled once) -------------------------------------------------
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?\s+$")
_MONTH_AFTER = re.compile(rf"^(?:st|nd|rd|th)?(?:\s?[-–]\s?\d{{1,2}})?\s+(?:of\s+)?(?:{_MONTHS})\b")
_TIME_AFTER = re.compile(
    r"^(?::\d{2}(?!\d)|\s?(?:a\.m\.|p\.m\.|am\b|pm\b|GMT|UTC|hrs\b|o'clock|local\s+time))", re.IGNORECASE
)
_TIME_SHAPE = re.compile(r"^\d{1,2}:\d{2}$")
_AGE_AFTER = re.compile(r"^[\s-]+(?:year|yr|month|week)s?[\s-]+old\b|^[\s-]+years?\s+of\s+age\b", re.IGNORECASE)
_AGE_BEFORE = re.compile(r"\b(?:aged|age\s+of|ages\s+of)\s+$", re.IGNORECASE)
_AGE_APPOSITION = re.compile(r"[A-Z][\w'’.-]+,\s$")
_AGE_APPOSITION_END = re.compile(r"^(?:,|\)|\s+(?:and|who|was|is|from)\b)")
_ORDINAL_AFTER = re.compile(r"^(?:st|nd|rd|th)\b", re.IGNORECASE)
_MODEL_BEFORE = re.compile(r"[A-Za-z][A-Za-z-]*-$|[A-Z]$|(?:\bNo\.|\bno\.|#)\s?$")
_MODEL_AFTER = re.compile(r"^(?:-?[A-Za-z]+\d|[A-Z]{1,3}\b|-[A-Z]+\b)")
_CALIBRE_AFTER = re.compile(r"^\s?mm\b", re.IGNORECASE)
_COMPOUND_AFTER = re.compile(r"-(?!(?:and|or|to|plus)\b)[A-Za-z]")  # matched at a position
_DECADE_AFTER = re.compile(r"^'?s\b")
_PHONE = re.compile(r"^[\d\s()+-]{7,}$")
_NAME_BEFORE = re.compile(r"(?<![.!?:;\"“]\s)(?<!^)\b(?P<w>[A-Z][A-Za-z]+)\s+$")
_POSSESSIVE_BEFORE = re.compile(r"\w(?:'s|’s|s'|s’)\s+$")
_NAMED_OF_BEFORE = re.compile(r"\b[A-Z][a-z]+\s+of\s+$")
# a currency symbol may open both ends of a range: "fined between $5,000 and $7,000" (lee-bg-162), "$5-$7"
_RANGE_MID = re.compile(r"^\s?(?:-|–|—|to)\s?[$€£¥]?$")
_BETWEEN_BEFORE = re.compile(r"\bbetween\s+[$€£¥]?$", re.IGNORECASE)
_PARTITIVE_AFTER = re.compile(r"^\s+of\s+(?:the|its|their|his|her|our|these|those|them|us|you|a|an)\b", re.IGNORECASE)
_FALLBACK_TIME = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)", re.IGNORECASE)
_YEAR_SHAPE = re.compile(r"\d{4}")
_SPACES = re.compile(r"\s+")
_DOT_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_SPLIT_WORDS = re.compile(r"(\s+|-)")
_NOUN_NEXT = re.compile(r"\s+[a-z]")
_METRE_ADJ = re.compile(r"\s+(?:high|long|deep|wide|tall|away)\b")
_AND_MID = re.compile(r"\s+and\s+[$€£¥]?")
_RANGE_SYMBOLS = "$€£¥"
_SPACE_NEXT = re.compile(r"\s")
_TONNES_NEXT = re.compile(r"\s+(?:tonnes|tons)\b")
_NON_DIGIT = re.compile(r"\D")
_COUPLE_HALF = re.compile(
    r"\s+(?:of\s+)?(?:a\s+)?couple\s+of\s+|[\s-]+and[\s-]+a[\s-]+half[\s-]+(?:hour|day|week|month|year)", re.IGNORECASE
)
_NAME_JOINT = re.compile(r"\s*(?:,|and|&)\s*")
_TIME_FIRST = frozenset("apguhol")  # first letters of what _TIME_AFTER reads after a space (am, pm, GMT, hrs, ...)
_WORD_BEFORE = re.compile(r"(?P<w>[A-Za-z’']+)\s+$")
_NAMED_SET_AFTER = re.compile(r"\s+[A-Z][A-Za-z]+\s+(?:member|members|states|countries|nations|allies)\b")


def _fallback_date_spans(text: str) -> list[tuple[int, int]]:
    """Minimal stand-in for pipeline.dates.date_number_spans: years beside months, times of day."""
    spans: list[tuple[int, int]] = []
    for m in _FALLBACK_TIME.finditer(text):
        spans.append((m.start(), m.end()))
    return spans


@cache
def _date_spans_fn() -> Callable[[str], list[tuple[int, int]]]:
    try:
        from pipeline.dates import date_number_spans  # type: ignore[attr-defined]
    except ImportError:
        return _fallback_date_spans
    return date_number_spans  # type: ignore[no-any-return]


def _word_value(s: str) -> float | None:
    """Value of a run of number words ("twenty-five", "three hundred thousand"), via text2num."""
    s = s.strip().lower()
    mult = 1.0
    if s.startswith(("a ", "an ", "a-")):
        s = s.split(None, 1)[1] if " " in s else s[2:]
    elif s.startswith(("half ", "half-")):
        s, mult = s[5:], 0.5
    try:
        return float(text2num(s.replace("-", " ").replace(" and ", " and "), "en")) * mult
    except ValueError:
        return None


def _is_year(token: str, value: float) -> bool:
    return bool(_YEAR_SHAPE.fullmatch(token)) and 1800 <= value <= 2100


def _core_value(lex: _Lex, m: re.Match[str]) -> tuple[float | None, str]:
    """Value and form of a core match. The branch is the match's only named group (`lastgroup`)."""
    tok = m.group(0)
    form = m.lastgroup
    if form == "vague":
        return lex.vague[_SPACES.sub(" ", tok.lower())], "vague"
    if form == "digits":
        t = tok
        frac = 0.0
        if " " in t:
            t, f = t.split(None, 1)
            num, den = f.split("/")
            frac = int(num) / int(den) if int(den) else 0.0
        if _DOT_THOUSANDS.fullmatch(t):
            return float(t.replace(".", "")), "digits"  # 2.500 in translated text (checked by caller)
        return float(t.replace(",", "")) + frac, "digits"
    if form == "dozen":
        low = tok.lower()
        return (6.0 if low.startswith("half") else 12.0), "dozen"
    return _word_value(tok), "words"


_A_SCALE = frozenset({"dozen", "hundred", "thousand", "million", "billion"})
_DIGIT_CHARS = "0123456789"


@cache
def _start_automaton() -> tuple[ahocorasick_rs.AhoCorasick, tuple[bool, ...]]:
    """An Aho-Corasick automaton of the words a core may start with (one pass over a body), and for
    each of its patterns whether it is a scale word ("hundred": "a hundred" starts there too)."""
    words = lexicon().first_words
    automaton = word_automaton(words)
    return automaton, tuple(w in _A_SCALE for w in words)


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer: fall back to ASCII-only lowering
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return low


def ascii_lower(text: str) -> str:
    """`_lower(text)` as far as ASCII letters and digits go: A-Z lowered, nothing else made ASCII (what
    `core_starts` reads, and figures' cue search with it). str.lower reads the Unicode tables for every
    character of a text with curly quotes (several times slower than lowering the UTF-16 bytes); the only
    other characters it lowers to an ASCII letter are the Kelvin sign (to "k", left to str.lower here)
    and "İ" (kept by `_lower`, as here)."""
    if "\u212a" in text:
        return _lower(text)
    low = text.encode("utf-16-le", "surrogatepass").lower().decode("utf-16-le", "surrogatepass")
    return low if len(low) == len(text) else _lower(text)  # lone surrogates may pair up: the slow way


def core_starts(text: str, low: str | None = None) -> list[int]:
    """Offsets where a number core may start: the first digit of a run ("2,500", "3.5"), or a number
    word standing as a whole word ("a"/"an" before a scale word: "a dozen"). Digits by str.find (a
    memchr-like scan per digit), words by one Aho-Corasick pass, several times faster than a regex
    alternation tried at every letter of English text. Call it once on a whole article body and pass
    each sentence its slice (see `scan(starts=...)`). `low`: `ascii_lower(text)` when the caller has it, or a
    lowering of `text` that is the same at every ASCII character (str.lower when it keeps the offsets)."""
    if low is None:
        low = ascii_lower(text)
    out: list[int] = []
    for d in _DIGIT_CHARS:  # a digit is a start unless it continues a run ("2,500": only the "2")
        end = low.find(d)
        while end >= 0:
            prev = low[end - 1] if end else " "
            if not (prev in _DIGIT_CHARS or prev in ".," and end > 1 and low[end - 2] in _DIGIT_CHARS):
                out.append(end)
            end = low.find(d, end + 1)
    n = len(low)
    automaton, scales = _start_automaton()
    for hit in automaton.find_matches_as_indexes(low, overlapping=True):
        # Typed locals: compiled, native int arithmetic on the automaton's untyped tuples.
        word: int = hit[0]
        i: int = hit[1]
        j: int = hit[2]
        if (i == 0 or not "a" <= low[i - 1] <= "z") and (j >= n or not "a" <= low[j] <= "z"):
            out.append(i)
            if scales[word]:
                if low[i - 2:i] in ("a ", "a-") and (i < 3 or not "a" <= low[i - 3] <= "z"):
                    out.append(i - 2)
                elif low[i - 3:i] in ("an ", "an-") and (i < 4 or not "a" <= low[i - 4] <= "z"):
                    out.append(i - 3)
    out.sort()
    return out


def _cores(text: str, lex: _Lex, starts: list[int] | None = None) -> list[re.Match[str]]:
    """Number cores, found by trying the core pattern only where a digit run or a number word starts
    (the full alternation at every position is several times slower)."""
    out: list[re.Match[str]] = []
    end = 0
    core, core_digits = lex.core, lex.core_digits
    for start in core_starts(text) if starts is None else starts:
        if start < end:
            continue
        # at a digit only the digits branch can match (the others start with a letter)
        m = (core_digits if text[start] in _DIGIT_CHARS else core).match(text, start)  # type: ignore[union-attr]
        if m:
            out.append(m)
            end = m.end()
        else:
            end = start + 1
    return out


def _may_start(text: str, pos: int, firsts: frozenset[str] | None) -> bool:
    """Whether a term whose first characters are `firsts` (_ascii_firsts; None: any) may start at text[pos]."""
    c = text[pos:pos + 1]
    return c != "" and (firsts is None or c in firsts or not c.isascii())


def _suffix_at(text: str, pos: int, lex: _Lex) -> re.Match[str] | None:
    """`lex.currency_suffix.match(text, pos)`, tried only when a space and a suffix's first character are there."""
    if not text[pos:pos + 1].isspace() or not _may_start(text, pos + 1, lex.suffix_firsts):
        return None
    return lex.currency_suffix.match(text, pos)


def _unit_at(text: str, pos: int, lex: _Lex) -> re.Match[str] | None:
    """`lex.units.match(text, pos)`, tried only when a unit's first character is there (after one space or not)."""
    if not _may_start(text, pos + 1 if text[pos:pos + 1].isspace() else pos, lex.unit_firsts):
        return None
    return lex.units.match(text, pos)


def _space_end(text: str, pos: int, hyphens: bool = False) -> int:
    """The end of the run of whitespace (and hyphens, when `hyphens`) that starts at `pos`."""
    n = len(text)
    while pos < n and (text[pos].isspace() or hyphens and text[pos] == "-"):
        pos += 1
    return pos


def scan(
    text: str,
    dollar: str = "USD",
    date_regions: list[tuple[int, int]] | None = None,
    starts: list[int] | None = None,
) -> list[NumberMention]:
    """Every number mention in `text`, non-figures marked with `skip`. `dollar` is the currency of "$".
    `date_regions`: spans (within text) of the date mentions already found (pipeline.dates); when None,
    the date parser is asked here. `starts`: `core_starts(text)` when the caller found them already.
    Patterns read after the number are matched at a position (`pattern.match(text, pos)`, no slicing);
    a match's length is `m.end() - m.pos`."""
    lex = lexicon()
    out: list[NumberMention] = []
    cores = _cores(text, lex, starts)
    if not cores:
        return out
    # dates, times and years are written in digits: ask the date parser only when a digit number is present
    if date_regions is not None:
        date_spans = date_regions
    else:
        date_spans = _date_spans_fn()(text) if any(m.lastgroup == "digits" for m in cores) else []
    scale_match = lex.scale_re.match
    n_cores = len(cores)
    i = 0
    consumed = 0
    while i < n_cores:
        m = cores[i]
        i += 1
        ns = m.start()
        if ns < consumed:
            continue
        ne = m.end()
        token = m.group(0)
        form = m.lastgroup
        if form == "digits" and token.isdigit():  # the common case of _core_value: a plain run of digits
            value: float | None = float(token)
        else:
            value, form = _core_value(lex, m)
        if value is None and form == "words":
            parts = _SPLIT_WORDS.split(token)
            while value is None and len(parts) > 2:
                parts = parts[:-2]
                value = _word_value("".join(parts))
            token = "".join(parts)
            ne = ns + len(token)
        if value is None:
            continue
        core_start = ns
        digits_or_words = form == "digits" or form == "words"
        qualifier = "approximate" if form == "vague" else "exact"
        unit = "count"
        skip: str | None = None
        value_max: float | None = None
        # a "2.500"-style token only reads as thousands when no scale word follows
        if form == "digits" and "." in token and _DOT_THOUSANDS.fullmatch(token):
            if scale_match(text, ne):
                value = float(token)
        # scale words after digits ("1.5 million", "$61bn", "two dozen", "20m tonnes"), right after the number
        # or after one space: tried only when a scale word's first letter is there
        sm = None
        if digits_or_words:
            nxt = text[ne:ne + 2]
            if nxt[:1].lower() in lex.scale_firsts or nxt[:1].isspace() and nxt[1:].lower() in lex.scale_firsts:
                sm = scale_match(text, ne)
        # a prefix currency ends at most two characters before the number ("$61bn", "US$ 5"): a cheap gate
        cp = None
        if ns and not lex.prefix_ends.isdisjoint(text[max(0, ns - 3):ns]):
            cp = lex.currency_prefix.search(text, max(0, ns - 4), ns)
        if sm:
            word = (sm.group("long") or sm.group("short")).lower()
            rest = sm.end()
            money = cp
            is_metre = word == "m" and not _NOUN_NEXT.match(text, rest) and not money
            short_ok = sm.group("short") is None or form == "digits"
            if short_ok and not is_metre and not (word == "m" and _METRE_ADJ.match(text, rest)):
                value *= lex.scales[word]
                ne += sm.end() - sm.pos
        # ranges: "10 to 15", "10-15", "between 10 and 15"
        between = None
        if i < n_cores and digits_or_words and cores[i].start() - ne < 12:
            nxt_core = cores[i]
            mid = text[ne:nxt_core.start()]
            if cp is None and mid[-1:] in _RANGE_SYMBOLS:
                mid = ""  # "$20" after a bare "10": the second is money, the first is not, no range
            ranged = _RANGE_MID.match(mid)
            if ranged or _AND_MID.fullmatch(mid):
                between = _BETWEEN_BEFORE.search(text, max(0, ns - 10), ns)
            if ranged or (between and _AND_MID.fullmatch(mid)):
                v2, f2 = _core_value(lex, nxt_core)
                if v2 is not None and f2 == form and not _MONTH_AFTER.match(text[nxt_core.end():]):
                    e2 = nxt_core.end()
                    sm2 = scale_match(text, e2)
                    if sm2 and (sm2.group("long") or form == "digits"):
                        scale = lex.scales[(sm2.group("long") or sm2.group("short")).lower()]
                        v2 *= scale
                        if not sm:
                            value *= scale
                        e2 += sm2.end() - sm2.pos
                    if v2 > value:
                        value_max, qualifier, ne = v2, "range", e2
                        i += 1
        # currency and units
        if cp and digits_or_words:
            code = lex.currency_label[cp.group("c").lower()]
            unit = dollar if code == "dollar" else code
            ns = cp.start()
        else:
            # (the patterns are tried only where their first characters are: _suffix_at, _unit_at)
            cs = _suffix_at(text, ne, lex) or (
                _suffix_at(text, ne + 3, lex) if form == "vague" and text[ne:ne + 4] == " of " else None
            )
            if cs and text[ne:ne + 4] == " of ":
                ne += 3
            um = _unit_at(text, ne, lex) or (
                _unit_at(text, ne + 3, lex) if form == "vague" and text[ne:ne + 4] == " of " else None
            )
            if um and text[ne:ne + 4] == " of ":
                ne += 3  # "thousands of kilometres": a vague measure
            if cs:
                code = lex.currency_label[cs.group("c").lower()]
                unit = dollar if code == "dollar" else code
                ne += cs.end() - cs.pos
            elif um:
                unit = lex.unit_label[um.group("u").lower()]
                if unit == "mm" and not _SPACE_NEXT.match(text, ne) or unit == "mm" and form != "digits":
                    skip = "calibre"
                ne += um.end() - um.pos
            elif text.startswith("ton", _space_end(text, ne)) and _TONNES_NEXT.match(text, ne):
                unit = "t"
        # qualifiers
        qs = ns
        if qualifier != "range":
            qm = None
            if ns and text[ns - 1].isspace():
                last = text[max(0, ns - 30):ns].rsplit(None, 1)
                if last and last[-1].lstrip("(“\"'–—-").lower() in lex.qualifier_last:
                    qm = lex.qualifiers_before.search(text, max(0, ns - 30), ns)
            if qm:
                qualifier = lex.qualifier_label[_folded(qm.group("q"))]
                qs = qm.start("q")
            qa = lex.qualifiers_after.match(text, ne) if text[ne:ne + 1].isspace() else None
            if qa:
                qualifier = lex.qualifier_label[_folded(qa.group("q"))]
        elif between:
            qs = between.start()
        consumed = ne
        skip = skip or _non_figure(
            text, core_start, core_start + len(token), qs, ns, ne, value, unit, form, lex, date_spans
        )
        if skip is None and out and out[-1].skip == "name" and _NAME_JOINT.fullmatch(text, out[-1].end, ns):
            skip = "name"  # "Nord Stream 1 and 2"
        out.append(NumberMention(qs, ne, text[qs:ne], value, value_max, qualifier, unit, ns, ne, form, skip))
    return out


def _phone_char(c: str) -> bool:
    """Whether `c` (one character) is one _PHONE reads: its first and last must be (a cheap gate)."""
    return c != "" and (c.isdecimal() or c.isspace() or c in "()+-")


def _non_figure(
    text: str,
    cs: int,
    ce: int,
    start: int,
    num_start: int,
    num_end: int,
    value: float,
    unit: str,
    form: str,
    lex: _Lex,
    date_spans: list[tuple[int, int]],
) -> str | None:
    """Why the number at text[cs:ce] is not a figure, or None. `start`, `num_start`, `num_end`, `value`,
    `unit` and `form` are the mention's fields (see NumberMention). Checks run from the most certain."""
    token = text[cs:ce]
    before, after = text[max(0, cs - 60):cs], text[ce:ce + 60]
    digits = form == "digits"
    if digits and date_spans and any(s < ce and cs < e for s, e in date_spans):
        return "date"
    # the word right before the number (most before-checks need one of a few shapes of it)
    spaced = before[-1:].isspace()
    words = before.rsplit(None, 1) if spaced else ()
    last = words[-1] if words else ""
    last_low = last.rstrip(".").lower()
    # cheap gates before the anchored patterns: the first character after the number decides most of them
    a1 = after[:1]
    a1_low = a1.lower()
    if digits:
        # _TIME_AFTER reads ":", or one of _TIME_FIRST right after the number or after one space
        if (":" in token and _TIME_SHAPE.match(token)) or (
            (a1 == ":" or a1_low in _TIME_FIRST or a1.isspace() and after[1:2].lower() in _TIME_FIRST)
            and _TIME_AFTER.match(after)
        ):
            return "time"
        capital = last.lstrip("“\"‘'([")[:1].isupper()
        if (capital and _MONTH_BEFORE.search(before)) or value <= 31 and _MONTH_AFTER.match(after):
            return "date"
        if 1800 <= value <= 2100 and _is_year(token, value) and unit == "count" and not (
            lex.currency_prefix.search(before)
        ):
            return "date"
        if a1 in ("'", "s") and _DECADE_AFTER.match(after):
            return "date"
        if a1_low in ("s", "n", "r", "t") and _ORDINAL_AFTER.match(after):
            return "ordinal"
        tail1 = before[-1:]
        if (tail1 in ("-", "#", ".") or tail1.isupper() or (spaced and before[-2:-1] in (".", "#"))) and (
            _MODEL_BEFORE.search(before)
        ) or ((a1 == "-" or a1.isalpha()) and _MODEL_AFTER.match(after)):
            return "model"
        window = text[max(0, cs - 4):ce + 8]
        if _phone_char(window[:1]) and _phone_char(window[-1:]) and _PHONE.match(window) and (
            len(_NON_DIGIT.sub("", window)) >= 8
        ):
            return "phone"
    after_low = after.lower()
    if (("old" in after_low or "age" in after_low) and _AGE_AFTER.match(after)) or (
        last_low in ("aged", "of") and _AGE_BEFORE.search(before)
    ):
        return "age"
    if (
        digits and value < 120 and before.endswith(", ")
        and _AGE_APPOSITION.search(before) and _AGE_APPOSITION_END.match(after)
    ):
        return "age"
    # what follows the whole number (scale, currency and unit included), matched at num_end
    t1 = text[num_end:num_end + 1]
    cm = (
        lex.context_re.match(text, num_end)
        if (t1 == "-" or t1.isspace()) and _may_start(text, _space_end(text, num_end, True), lex.context_firsts)
        else None
    )
    if cm and not (unit != "count"):
        label = lex.contexts[cm.group("w").lower()]
        if not (cm.group("w").lower() == "second" and "-" in cm.group("sep")):
            return label
    tail_low = text[num_end:num_end + 60].lower()
    if ("couple" in tail_low or "half" in tail_low) and _COUPLE_HALF.match(text, num_end):
        return "duration"
    if t1 == "-" and _COMPOUND_AFTER.match(text, num_end):
        return "compound"
    if digits and "mm" in after_low[:3] and _CALIBRE_AFTER.match(after):
        return "calibre"
    if value == 1 and _PARTITIVE_AFTER.match(after):
        return "partitive"
    if not spaced:
        return "measure" if form == "vague" and unit in lex.measure_units else None
    nb = _NAME_BEFORE.search(before[-40:]) if num_start == cs and last.lstrip("“\"‘'([")[:1].isupper() else None
    if nb and digits and not _MONTH_BEFORE.search(before):
        w = nb.group("w").lower()
        if w not in lex.qualifier_label and w not in ("with", "to", "of", "in", "and", "by", "from"):
            return "name"
    wb = _WORD_BEFORE.search(before) if start == cs and last_low in lex.pointers else None
    if wb and wb.group("w").lower() in lex.pointers and value <= 12 and form in ("words", "digits"):
        return "pointer"
    if last_low == "all" and start == cs and _NAMED_SET_AFTER.match(after):
        return "pointer"  # "All 30 Nato members must ratify": the size of a named set (rule 23), not a count
    if (
        start == cs and value <= 50 and unit == "count" and last[-2:] in ("'s", "’s", "s'", "s’")
        and _POSSESSIVE_BEFORE.search(before)
    ):
        return "pointer"  # "the world's two largest arsenals", "Nato's 30 members"
    if digits and last == "of" and _NAMED_OF_BEFORE.search(before):
        return "name"  # "Group of 7"
    if form == "vague" and unit in lex.measure_units:
        return "measure"
    return None


def find_numbers(
    text: str,
    dollar: str = "USD",
    date_regions: list[tuple[int, int]] | None = None,
    starts: list[int] | None = None,
) -> list[NumberMention]:
    """The number mentions of `text` that may be figures (non-figures left out)."""
    return [n for n in scan(text, dollar, date_regions, starts) if n.skip is None]
