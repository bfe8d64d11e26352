"""Where an article is: the place of a mention in context and the article's focus places.

Shared by the extractors that need a place when a sentence names none (figures, events):
locative mentions ("in Chuhuiv") beat bare ones and possessives ("Ukraine's health minister"),
agents ("by Russia", "Moscow assembled", "the US treasury") are never where something happened,
reference points ("50km south of Odesa") and landmarks ("a small city on the Dnieper river") only
describe another place, and a local story's lead city or the article's dominant country stands in
when the sentence is silent. Role words: seeds/reference/figure_place_roles.csv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline.lexicons import alternation, first_chars, load_csv, word_start_alternation
from pipeline.model import Doc, Sentence
from pipeline.places import Place, load_gazetteer

_KIND_RANK = {"city": 0, "other": 0, "admin1": 1, "country": 2}
ROLE_LABELS = frozenset(
    {"agent_verb", "institution", "landmark", "anaphor_city", "anaphor_admin1", "anaphor_country", "authority",
     "supply_verb", "speech_verb", "agency"}
)

# rank of a mention: where something happens < bare < possessive or origin < reference point
LOCATIVE, BARE, OBLIQUE, REFERENCE, ORIGIN = 0, 1, 2, 3, 4

_LOCATIVE_PREPS = ("in", "near", "at", "around", "outside", "across", "inside", "into", "of", "to", "on", "over",
                   "throughout", "along")
_LOCATIVE_SET = frozenset(_LOCATIVE_PREPS)
_LOCATIVE = re.compile(  # first_chars: a lookahead that changes no match but lets the search skip ahead
    rf"{first_chars(_LOCATIVE_PREPS)}\b(?:{'|'.join(_LOCATIVE_PREPS)})\s+"
    r"(?:(?:the\s+)?(?:[a-z-]+\s+){0,3}(?:of\s+))?(?:the\s+)?$",
    re.IGNORECASE,
)
_ORIGIN = re.compile(r"\bfrom\s+(?:(?:either|both)\s+)?(?:the\s+)?$", re.IGNORECASE)
# "50km south of Odesa", "north-east of Kharkiv", "south of Goulburn": a point to measure from
_REFERENCE = re.compile(  # the lookahead changes no match; it lets the search skip to where a direction can start
    r"(?=[nsew])\b(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?\s+of\s+(?:the\s+)?$", re.IGNORECASE
)
# "a prisoner swap with the United States", "talks with Russia": a partner, not where it happened
_WITH_BEFORE = re.compile(r"\bwith\s+(?:the\s+)?$")
_AGENT_BEFORE = re.compile(r"\bby\s+(?:the\s+)?$")
_POSSESSIVE_AFTER = re.compile(r"^(?:'s|’s)\b")
_PREP_BEFORE = re.compile(
    r"\b(?:in|near|at|around|outside|across|inside|into|of|to|on|over|from|for)\s+(?:the\s+)?$", re.IGNORECASE
)
_AUX = r"(?:\s+(?:has|have|had|would|will|could|can|may|might|also|now|reportedly|already|then|on\s+[A-Z][a-z]+day))*"
# ", a small city on ...", ", one of the main population centres in ...": a description of the place before
_CAPITALISED = re.compile(r"\b[A-Z][\w-]*")
_APPOSITION = re.compile(r"^,\s+(?:a|an|one|the|which|where)\b[^,;:.]*$")


_NOT_NAME_CHAR = r"[\w-]"  # what may not come right before a nation's name ("anti-Russian" is no authority)


@dataclass(frozen=True)
class Roles:
    """Compiled role words (figure_place_roles.csv)."""

    agent_verb: re.Pattern[str]
    institution: re.Pattern[str]
    landmarks: frozenset[str]
    anaphor: re.Pattern[str]
    anaphor_kind: dict[str, str]
    authority: re.Pattern[str]  # "<nationality or country>('s) [two words] <authority noun>"
    nation_code: dict[str, str]  # nationality adjective, country name or capital metonym -> ISO code
    authority_noun: re.Pattern[str] | None = None  # a cheap gate: no authority noun, no `authority` match
    anaphor_noun: re.Pattern[str] | None = None  # a cheap gate: no "the <noun>", no `anaphor` match
    supply_verb: re.Pattern[str] | None = None  # "deliver", "supplied": a state handing things over
    recipient: re.Pattern[str] | None = None  # "to Ukrainian forces", "to Ukraine": who receives them
    speech_after: re.Pattern[str] | None = None  # "<place> has said": a source, not an actor
    # "Service (SES)", "Police": the head of a state agency's name, and the acronym given after it
    agency: re.Pattern[str] | None = None
    agency_heads: tuple[str, ...] = ()  # the heads as plain strings: a cheap gate before `agency`
    # the supply verbs and authority nouns as _ascii_heads: cheap gates in a lowered body (see national_place)
    supply_terms: tuple[str, ...] = ()
    authority_terms: tuple[str, ...] = ()


def _ascii_heads(terms: list[str]) -> tuple[str, ...]:
    """Each term's ASCII start, lower case ("president" of "president’s office"): what any lowering of a text
    that keeps its offsets (str.lower, numbers.ascii_lower) has where the text has the term."""
    heads = []
    for t in terms:
        i = 0
        while i < len(t) and t[i].isascii():
            i += 1
        heads.append(t[:i].lower())
    return tuple(heads)


@cache
def roles() -> Roles:
    """figure_place_roles.csv, loaded once."""
    rows = load_csv("figure_place_roles", allowed_labels=ROLE_LABELS)
    by: dict[str, list[str]] = {label: [] for label in ROLE_LABELS}
    for r in rows:
        by[r["label"]].append(r["term"])
    kinds = {r["term"].lower(): r["label"].split("_", 1)[1] for r in rows if r["label"].startswith("anaphor_")}
    nations = {r["term"]: r["label"] for r in load_csv("eval_countries") if r["term"][:1].isupper()}
    inst = [t for t in by["institution"] if not t.startswith("-")]
    suffix = [t for t in by["institution"] if t.startswith("-")]
    return Roles(
        agent_verb=re.compile(rf"^{_AUX}\s+(?:{alternation(by['agent_verb'])})\b"),
        institution=re.compile(
            rf"^(?:(?:(?:'s|’s)\s+(?:[a-z]+\s+)?|\s+)(?:{alternation(inst, ignore_case=True)})\b"
            rf"|(?:{alternation(suffix, ignore_case=True)})\b)",
            re.IGNORECASE,
        ),
        landmarks=frozenset(t.lower() for t in by["landmark"]),
        anaphor=re.compile(
            rf"\b(?:in|at|across|near|around|outside|throughout|on|of|to|from)\s+(?:[a-z]+\s+){{0,2}}?the\s+"
            # a name after the noun ("the city Kharkiv") makes no anaphor
            rf"(?P<noun>{alternation(kinds, ignore_case=True)})\b(?!\s+of\b|['’]s|(?-i:\s+[A-Z]))",
            re.IGNORECASE,
        ),
        anaphor_kind=kinds,
        authority=re.compile(
            rf"(?P<nation>{word_start_alternation(nations, not_after=_NOT_NAME_CHAR)})"
            r"(?:['’]s)?\s+(?:[a-z-]+\s+){0,2}?"
            # "the US government-backed Conflict Observatory": an adjective
            rf"(?:{alternation(by['authority'])})\b(?!-)"
        ),
        nation_code=nations,
        authority_noun=re.compile(alternation(by["authority"])),  # a tree of literals: the engine skips ahead
        # "the <noun>" ignoring case, starting with a character class so that a search skips to the t's
        anaphor_noun=re.compile(rf"[Tt](?i:he\s+(?:{alternation(kinds, ignore_case=True)}))"),
        speech_after=re.compile(rf"^{_AUX}\s+(?:{alternation(by['speech_verb'])})\b"),
        agency=re.compile(
            rf"{word_start_alternation(by['agency'])}\b(?:\s+\((?P<acr>[A-Z]{{2,6}})\))?"
        )
        if by["agency"]
        else None,
        agency_heads=tuple(by["agency"]),
        supply_terms=_ascii_heads(by["supply_verb"]),
        authority_terms=_ascii_heads(by["authority"]),
        supply_verb=re.compile(rf"{word_start_alternation(by['supply_verb'])}\b"),
        recipient=re.compile(
            rf"\bto\s+(?:the\s+)?(?P<nation>{alternation(nations)})(?![\w-])"
            r"(?:['’]s)?(?:\s+(?:armed\s+)?(?:forces|troops|army|military|soldiers|government))?"
        ),
    )


def is_agent(p: object, body: str) -> bool:
    """A place named for who acts, not where: "by Russia", "Moscow assembled", "Germany would deliver",
    "the US treasury department", "Kyiv's defence ministry", "US-backed"."""
    start, end = p.char_start, p.char_end  # type: ignore[attr-defined]
    if getattr(p, "as_actor", False):
        return True
    before = body[max(0, start - 24):start]
    if "by" in before and _AGENT_BEFORE.search(before):
        return True
    after = body[end:end + 60]
    r = roles()
    if r.institution.match(after):
        return True
    return bool(r.agent_verb.match(after) and not _PREP_BEFORE.search(before))


def _is_landmark(p: object, body: str) -> bool:
    name = p.place.name  # type: ignore[attr-defined]
    last = name.rsplit(" ", 1)[-1]
    landmarks = roles().landmarks
    if last.lower() in landmarks:
        return True
    nxt = body[p.char_end:p.char_end + 12].split(None, 1)  # type: ignore[attr-defined]
    return bool(nxt) and nxt[0].strip(".,;:").lower() in landmarks


def locative_rank(p: object, body: str) -> int:
    """0 for a place named where something happens ("in Chuhuiv", "near Izium", "the city of
    Vinnytsia"), 1 for a bare mention, 2 for a possessive ("Ukraine's health minister") or a partner
    ("a prisoner swap with the United States"), 3 for a
    reference point or landmark ("50km south of Odesa", "the Dnieper river"), 4 for an origin ("imports
    from China", "missiles from the Black Sea")."""
    start, end = p.char_start, p.char_end  # type: ignore[attr-defined]
    before = body[max(0, start - 40):start]
    if "rom" in before and _ORIGIN.search(before):
        return ORIGIN  # "missiles from the Black Sea": where they came from, even when it is a landmark (ua-0046)
    # the last two words, lower case, when a space ends `before` (_REFERENCE and _LOCATIVE end in "\s+$"): gates
    words = [w.lower() for w in before.split()[-2:]] if before[-1:].isspace() else []
    if (_of_the(words) and _REFERENCE.search(before)) or _is_landmark(p, body):
        return REFERENCE
    if _POSSESSIVE_AFTER.match(body[end:end + 3]) or ("with" in before and _WITH_BEFORE.search(before)):
        return OBLIQUE
    return LOCATIVE if _is_locative(before, words) else BARE


def _of_the(words: list[str]) -> bool:
    """Whether the last words are "of" or "of the": what `_REFERENCE` ends in (a cheap gate before its search)."""
    return bool(words) and (words[-1] == "of" or words[-1] == "the" and len(words) == 2 and words[0] == "of")


def _is_locative(before: str, words: list[str] | None = None) -> bool:
    """`_LOCATIVE.search(before)`, answered from the last two words when they are "<preposition> (the)",
    and searched only when one of them ends like a preposition (the pattern ends in a preposition or
    "of", then an optional "the"): a search anchored at the end tries every start position. `words`:
    the last two words of `before` in lower case, when the caller has them."""
    if not before[-1:].isspace():
        return False
    if words is None:
        words = [w.lower() for w in before.split()[-2:]]
    if words and (words[-1] in _LOCATIVE_SET or words[-1] == "the" and len(words) == 2 and words[0] in _LOCATIVE_SET):
        return True  # "in ", "near the ": the pattern's short form
    if not any(w.endswith(_LOCATIVE_PREPS) for w in words):
        return False
    return _LOCATIVE.search(before) is not None


_NAME_BEFORE_DIRECTION = re.compile(
    r"[A-Z][\w’'-]*(?:\s+(?:village|town|city|area|district|suburb|camp|base))?,?\s+(?:(?:about|some|around|roughly|just|nearly)\s+)?(?:[\d.,]+\s*(?:\(.{0,20}\)\s*)?"
    r"(?:km|kilometres|kilometers|miles|mi)\s+)?(?:\(.{0,20}\)\s+)?(?:to\s+the\s+)?"
    r"(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?\s+of\s+(?:the\s+)?$"
)


def _after_place(start: int, body: str) -> bool:
    """Whether a reference point follows the name it locates: "Serhiivka, 50km south of Odesa",
    "Wollongong Hospital, south of Sydney", "At Boonah south-west of Brisbane" (news locates a small place
    from a known one). Without such a name ("a battle north of Kharkiv", "20 others wounded north of
    Kandahar") the reference point is the nearest named place of the event."""
    return bool(_NAME_BEFORE_DIRECTION.search(body, max(0, start - 80), start))


def mention_ranks(mentions: list[Any], body: str) -> list[tuple[Any, int]]:
    """(mention, rank) for the non-agent mentions; a description in apposition to the place before
    it ("Kremenchuk, a small city on the Dnieper river") is a reference."""
    out: list[tuple[Any, int]] = []
    prev_end = -1
    for p in sorted(mentions, key=lambda m: m.char_start):
        if is_agent(p, body):
            continue
        rank = locative_rank(p, body)
        if prev_end >= 0 and _APPOSITION.match(body[prev_end:p.char_start]):
            rank = REFERENCE
        elif rank == REFERENCE and not _after_place(p.char_start, body) and not _is_landmark(p, body):
            rank = BARE  # "20 others wounded north of Kandahar": no place before it to locate, so it is the place
        out.append((p, rank))
        prev_end = p.char_end
    return out


def most_specific_place(mentions: list[Any], pos: int, body: str = "") -> Place | None:
    """Of a sentence's place mentions: locative ones first, then the most specific, then the nearest.
    Agents ("detention by Russia", "Moscow assembled") are not where the figure happened."""
    ranked = mention_ranks(mentions, body)
    if not ranked:
        return None
    best = min(ranked, key=lambda pr: (pr[1], _KIND_RANK.get(pr[0].place.kind, 0), abs(pr[0].char_start - pos)))
    return best[0].place  # type: ignore[attr-defined,no-any-return]


def dominant_country(doc: Doc) -> Place | None:
    """The country most of the article's place mentions lie in (for national tallies)."""
    counts: dict[str, int] = {}
    for mentions in doc.places.values():
        for p in mentions:
            code = p.place.country_code
            if code:
                counts[code] = counts.get(code, 0) + 1
    if not counts:
        return None
    code = max(counts, key=counts.__getitem__)  # the first of the most frequent, as Counter.most_common(1)
    for mentions in doc.places.values():
        for p in mentions:
            if p.place.kind == "country" and p.place.country_code == code:
                return p.place  # type: ignore[no-any-return]
    import pycountry  # package data is read through places/numbers; this is only the name lookup

    country = pycountry.countries.get(alpha_2=code)
    return load_gazetteer().resolve(country.name) if country else None


def lead_city(doc: Doc, facts: list[Sentence] | None = None) -> Place | None:
    """The city a local story is about: the first city named in a locative way in the lead paragraph
    ("The mayor of Sloviansk has called on ..."). None when the lead names no city. `facts`:
    doc.fact_sentences when the caller has it."""
    body = doc.article.body
    if facts is None:
        facts = doc.fact_sentences  # a property that builds the list: read once
    for s in facts:
        if s.role != "body":
            continue
        for p in doc.places.get(s.sentence_id, []):
            if p.place.kind == "city" and not is_agent(p, body) and locative_rank(p, body) == LOCATIVE:
                return p.place  # type: ignore[no-any-return]
        if s.paragraph_index != facts[0].paragraph_index:
            return None
    return None


def article_focus(doc: Doc) -> Place | None:
    """The place a story is about when a sentence names none: the lead's city, else the dominant country."""
    return lead_city(doc) or dominant_country(doc)


@cache
def country_place(code: str) -> Place | None:
    """The gazetteer's country for an ISO alpha-2 code."""
    import pycountry  # package data; only the name lookup

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return None
    gaz = load_gazetteer()
    names = [getattr(country, "common_name", None), country.name]
    names += [t for t, c in roles().nation_code.items() if c == code]
    for name in names:
        if name and (place := gaz.resolve(name)) is not None and place.kind == "country":
            return place
    return None


def _any_in(terms: tuple[str, ...], low: str, start: int, end: int) -> bool:
    """Whether one of `terms` (lower case) is in low[start:end]."""
    for t in terms:
        if low.find(t, start, end) >= 0:
            return True
    return False


def national_place(
    text: str, mentions: list, body: str, dominant: Place | None, low: str | None = None, s0: int = 0
) -> Place | None:
    """The country a sentence's figures are a national tally of, when it names no place where they
    happened: the first state body named by nationality or country ("The Ukrainian president's office
    said at least six civilians had been killed", "Pakistani police arrested more than two dozen
    militants", "Kyiv's defence ministry said ..."), else the article's own country acting as the
    subject ("Ukraine has sentenced three Russian soldiers"), or any country that opens the sentence
    acting on its own ("Ukraine mined it and deployed 120,000 soldiers", ua-0095, in an article mostly
    about Belarus). A state handing things over ("Germany would deliver 16 tanks") is not the place; the
    recipient named after "to" is ("... to Ukrainian forces", ua-0064). `low`: the body lowered (ASCII letters
    at least) with its offsets kept, when the caller has it, and `s0` the sentence's offset in it: the patterns of
    supply verbs and authority nouns (case-sensitive, several times slower than a find) are searched only when
    one of their terms is in the sentence's stretch of it."""
    r = roles()
    s1 = s0 + len(text)
    supplied = r.supply_verb is not None and (low is None or _any_in(r.supply_terms, low, s0, s1)) and (
        r.supply_verb.search(text) is not None
    )
    if supplied and r.recipient is not None:
        to = r.recipient.search(text)
        if to is not None:  # "Germany would deliver 16 tanks to Ukrainian forces": the recipient's count
            return country_place(r.nation_code[to.group("nation")])
    m = (
        r.authority.search(text)
        if r.authority_noun is not None and (low is None or _any_in(r.authority_terms, low, s0, s1))
        and r.authority_noun.search(text)
        else None
    )
    if m:
        return country_place(r.nation_code[m.group("nation")])
    first = min(mentions, key=lambda p: p.char_start, default=None)
    if (
        first is not None and first.place.kind == "country" and text.startswith(body[first.char_start:first.char_end])
        and is_agent(first, body) and not supplied
        and not (r.speech_after is not None and r.speech_after.match(body[first.char_end:first.char_end + 60]))
    ):
        return first.place  # type: ignore[no-any-return]  # "Ukraine mined it and deployed 120,000 soldiers"
    if dominant is None:
        return None
    for p in mentions:
        if p.place.country_code == dominant.country_code and p.place.kind == "country" and is_agent(p, body):
            return dominant
    return None


def acting_authority(text: str, end: int) -> tuple[Place, int] | None:
    """The last state body named by nationality or country before `end` in `text` ("Palestinian police",
    "Pakistani police", "the Ukrainian army"), with the offset where its name ends; None if none."""
    r = roles()
    if r.authority_noun is None or r.authority_noun.search(text, 0, end) is None:
        return None
    last = None
    for m in r.authority.finditer(text, 0, end):
        last = m
    if last is None:
        return None
    place = country_place(r.nation_code[last.group("nation")])
    return (place, last.end()) if place is not None else None


# Closed class: level and direction adjectives that open agency names without naming a place ("Federal
# Police", "Central Intelligence", "Northern Command"), though a gazetteer knows them as place names.
_NOT_JURISDICTION = frozenset(
    {"The", "A", "An", "Federal", "Central", "National", "State", "Royal", "Northern", "Southern", "Eastern",
     "Western", "Regional", "Metropolitan", "General"}
)


def agencies(body: str) -> dict[str, Place]:
    """A state agency named after its jurisdiction, keyed by the words the article uses for it: its full
    name and the acronym given in brackets. "The New South Wales State Emergency Service (SES) says it has
    now received 5,000 calls" and later "SES spokeswoman Laura Goodin says ..." (lee-bg-256) both map to
    New South Wales. News names a regional agency by its state or city and then shortens it; the counts
    it gives of its own work (calls, volunteers, arrests) are about that jurisdiction."""
    r = roles()
    if r.agency is None or not any(h in body for h in r.agency_heads):
        return {}
    gaz = load_gazetteer()
    out: dict[str, Place] = {}
    for m in r.agency.finditer(body):
        words: list[str] = []  # the capitalised words right before the head, nearest last
        for w in reversed(body[max(0, m.start() - 80):m.start()].split()):
            if not w[:1].isupper() or not w.replace("-", "").replace("’", "").replace("'", "").isalpha():
                break
            words.insert(0, w)
            if len(words) == 6:
                break
        while words and words[0] in _NOT_JURISDICTION:
            words = words[1:]
        # the longest run of opening words that the gazetteer knows ("New South Wales State Emergency")
        for n in range(min(len(words), 4), 0, -1):
            if words[n - 1] in _NOT_JURISDICTION:
                continue
            place = gaz.resolve(" ".join(words[:n]))
            if place is not None and place.kind in ("country", "admin1", "city"):
                out[" ".join([*words, m.group(0).split(" (")[0]])] = place  # the full name, head included
                if m.group("acr"):
                    out[m.group("acr")] = place
                break
    return out


def lead_names(doc: Doc, country: Place, facts: list[Sentence] | None = None) -> bool:
    """Whether the lead paragraph (first body paragraph, or the first two sentences) names the country,
    a place in it, or its people ("Australian's casinos generated ...", "Pakistani police ..."). `facts`:
    doc.fact_sentences when the caller has it."""
    sentences = [s for s in (doc.fact_sentences if facts is None else facts) if s.role == "body"][:3]
    if not sentences:
        return False
    code = country.country_code
    r = roles()
    for s in sentences:
        if any(p.place.country_code == code for p in doc.places.get(s.sentence_id, ())):
            return True
        if any(r.nation_code.get(m.group(0)) == code for m in _CAPITALISED.finditer(s.text)):
            return True
    return False
