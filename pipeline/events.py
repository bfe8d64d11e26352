"""Events: what happened, where, when, by whom (ACLED-aligned types).

A trigger lexicon (seeds/reference/event_triggers.csv) finds candidate words; the ordered
`RULES` decide, per trigger, which event types it names (or that it names none: weapons fire,
background references, unspecified "attacks" without a target). Irrealis statements (future,
hypothetical, negated) are dropped. One event per sentence and type; weak triggers give way to a
stronger one of another violent type in the same sentence, and destruction caused by an attack in
the same sentence is the attack's target, not an event of its own. Places come from the sentence's
place mentions (actors and origins excluded), else from the previous sentence of the paragraph.
Within an article, a later event of the same type at the same places is the same happening.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

import ahocorasick

from pipeline.figures import FigureRow
from pipeline.ids import row_id
from pipeline.lexicons import load_csv
from pipeline.model import Doc, Sentence

EVENT_TYPES = frozenset(
    {
        "battle", "shelling_missile_attack", "air_drone_strike", "remote_explosive",
        "attack_on_civilians", "abduction_detention", "property_destruction", "mass_grave",
        "protest", "riot", "negotiations", "territory_change", "disaster", "other",
    }
)
# Types that name a violent happening: they absorb a property_destruction of the same sentence.
_VIOLENT = frozenset(
    {"battle", "shelling_missile_attack", "air_drone_strike", "remote_explosive", "attack_on_civilians", "disaster"}
)
_ATTACKS = frozenset({"shelling_missile_attack", "air_drone_strike", "remote_explosive"})


@dataclass(frozen=True)
class EventRow:
    event_id: str
    article_id: str
    sentence_id: str
    char_start: int  # span of the trigger
    char_end: int
    trigger: str
    event_type: str
    actor: str | None
    target: str | None  # targets joined with "; "
    event_date: date | None
    date_precision: str  # day, week, month, year, unknown
    fatalities: float | None
    injured: float | None
    fatalities_figure_id: str | None
    injured_figure_id: str | None
    in_caption: bool
    method: str
    attribution_id: str | None = None


@dataclass(frozen=True)
class EventPlaceRow:
    event_id: str
    article_id: str
    place: str
    place_id: str | None
    mention: str | None
    char_start: int | None
    char_end: int | None


# --------------------------------------------------------------------------- lexicons


@dataclass(frozen=True)
class Trigger:
    """One lexicon entry: the event type a term names and the context it needs."""

    term: str
    label: str
    context: str
    weak: bool


@dataclass(frozen=True)
class Lexicon:
    """Compiled trigger and actor lexicons."""

    triggers: dict[str, Trigger]
    trigger_re: re.Pattern[str]
    first_words: ahocorasick.Automaton  # first word of every trigger: a cheap pre-scan
    actors: dict[str, str]
    actor_re: re.Pattern[str]
    people: dict[str, str]  # noun -> armed / person
    people_re: re.Pattern[str]
    air_weapon_re: re.Pattern[str]


_CONTEXTS = frozenset(
    {"", "target", "natural_fire", "launched", "place_object", "also_missile", "passive", "agreement", "noun"}
)


def _norm(term: str) -> str:
    return " ".join(term.lower().split())


def _alternation(terms: list[str]) -> str:
    ordered = sorted(terms, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, t.split())) for t in ordered)


def build_lexicon(
    trigger_rows: tuple[dict[str, str], ...],
    actor_rows: tuple[dict[str, str], ...],
    target_rows: tuple[dict[str, str], ...] = (),
    weapon_rows: tuple[dict[str, str], ...] = (),
) -> Lexicon:
    """Compile lexicon rows (as pipeline.lexicons.load_csv returns them) into one regex each."""
    triggers: dict[str, Trigger] = {}
    for r in trigger_rows:
        context = r.get("context", "")
        if context not in _CONTEXTS:
            raise ValueError(f"event_triggers: unknown context {context!r} for {r['term']!r}")
        triggers[_norm(r["term"])] = Trigger(r["term"], r["label"], context, r.get("weak", "") == "yes")
    trigger_re = re.compile(r"(?<![\w-])(?:" + _alternation(list(triggers)) + r")(?![\w-])", re.IGNORECASE)
    actors = {r["term"]: r["label"] for r in actor_rows}
    # Actor words are case-sensitive ("US" is not "us"); possessive forms are matched by the caller.
    actor_re = re.compile(r"(?<![\w-])(?:" + _alternation(list(actors)) + r")(?![\w-])")
    first_words = ahocorasick.Automaton()
    for term in triggers:
        first = term.split()[0]
        first_words.add_word(first, first)
    first_words.make_automaton()
    people = {r["term"].lower(): r["label"] for r in target_rows}
    people_re = re.compile(r"(?<![\w-])(?:" + (_alternation(list(people)) or "(?!)") + r")(?![\w-])", re.IGNORECASE)
    air = [r["term"] for r in weapon_rows if r["label"] == "air_drone_strike"]
    air_weapon_re = re.compile(r"(?<![\w-])(?:" + (_alternation(air) or "(?!)") + r")(?![\w-])", re.IGNORECASE)
    return Lexicon(triggers, trigger_re, first_words, actors, actor_re, people, people_re, air_weapon_re)


@cache
def load_lexicon() -> Lexicon:
    """The project lexicons from seeds/reference (loaded and compiled once)."""
    return build_lexicon(
        load_csv("event_triggers", required=("term", "label", "note", "context", "weak"), allowed_labels=EVENT_TYPES),
        load_csv("event_actors", required=("term", "label", "note")),
        load_csv("event_targets", required=("term", "label", "note"), allowed_labels=frozenset({"armed", "person"})),
        load_csv("event_weapons", required=("term", "label", "note"), allowed_labels=EVENT_TYPES),
    )


# --------------------------------------------------------------------------- context tests
# Closed-class cue words (modals, negators, subordinators, determiners) stay in code.

_CLAUSE_BREAK = re.compile(r"[;:“”\"()–—]|,\s+(?:but|while|although|though)\b")
_IRREALIS_BEFORE = re.compile(
    r"\b(?:will|would|could|might|may|shall|can|cannot|if|unless|whether|no|not|never|without|"
    r"threat|threats|threaten\w*|fear\w*|risk|possible|possibly|likely|ready|prepar\w*|plan|plans|planning|"
    r"intend\w*|aim|aims|want\w*|vow\w*|prevent\w*|avoid\w*|hope\w*|expected|warn\w*|call(?:s|ed)?\s+for|"
    r"demand\w*|propos\w*|den(?:y|ies|ied))\b|n't\b",
    re.IGNORECASE,
)
_IRREALIS_AFTER = re.compile(
    r"^[^,;:.]{0,40}?\b(?:would|could|might|will|no\s+sense|not\s+possible|impossible)\b", re.IGNORECASE
)
_BACKGROUND_BEFORE = re.compile(
    r"\b(?:since|during|throughout|before|start\s+of|beginning\s+of|outbreak\s+of|months\s+of|days\s+of|"
    r"weeks\s+of|years\s+of|signs\s+of|evidence\s+of|traces\s+of|marks\s+of)\s+(?:the\s+|its\s+|their\s+|a\s+)?"
    r"(?:[\w’'-]+\s+){0,2}$",
    re.IGNORECASE,
)
_LAUNCHED_BEFORE = re.compile(
    r"\b(?:launch\w*|order(?:s|ed)?|beg[ia]n\w*|start(?:s|ed)?|announc\w*)\b[^.;]{0,40}$", re.IGNORECASE
)
_WEAPON_FIRE_BEFORE = re.compile(
    r"\b(?:open|opened|opening|opens|return|returned|returning|under|cease|heavy|artillery|mortar|rocket|gun|"
    r"sniper|machine-gun|friendly|exchange\s+of|exchanged|set|on|caught)\s+$",
    re.IGNORECASE,
)
_FIRE_SERVICE_AFTER = re.compile(
    r"^\s*(?:at|on|crews?|fighters?|service|services|brigades?|chief|commissioners?|officials?|authorities|"
    r"units?|engines?|trucks?|stations?|department|ban|danger|season|risk|hazard|alarms?|escape|exits?|"
    r"safety|extinguishers?|power|control|fighting)\b",
    re.IGNORECASE,
)
_TARGET_AFTER = re.compile(r"^\s+(?:on|against|at|into|in|near)\s+\S", re.IGNORECASE)
_VERB_TRIGGER = re.compile(r"(?:ed|ing|struck|hit)$", re.IGNORECASE)
_OBJECT_AFTER = re.compile(r"^\s+(?:a|an|the|its|their|his|her|several|two|three|four|five|\d[\d,]*|[A-Z][\w’'-]+)\b")
_LAUNCHED_AFTER = re.compile(r"^\s+(?:begins|began|starts|started|was\s+launched)\b", re.IGNORECASE)
_AGREEMENT_BEFORE = re.compile(
    r"\b(?:sign\w*|reach\w*|agree\w*|struck|clinch\w*|broker\w*)\b[^.;]{0,40}$", re.IGNORECASE
)
_AGREEMENT_AFTER = re.compile(r"^\s+(?:on|to|for)\s+\S", re.IGNORECASE)


def _clause_before(text: str, start: int, width: int = 60) -> str:
    """The text before `start` back to the clause break or `width` characters."""
    window = text[max(0, start - width) : start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    return window[breaks[-1].end() :] if breaks else window


def _is_irrealis(before: str, after: str) -> bool:
    """A future, hypothetical or negated statement: 'is preparing more attacks', 'no sense'.

    `before` is the clause before the trigger, `after` the text after it."""
    return bool(_IRREALIS_BEFORE.search(before[-45:]) or _IRREALIS_AFTER.search(after))


# --------------------------------------------------------------------------- rules
# A rule reads (sentence text, trigger match, lexicon entry, place spans of the sentence in
# sentence offsets) and returns the event types it assigns, [] to reject, None to pass.

RuleResult = list[str] | None


def compound_strike(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """'Air and missile strikes' / 'missile and drone strikes' name two events (guide).

    Reads: triggers with context also_missile. Assigns: air_drone_strike and shelling_missile_attack.
    Example: "repeated barrages of missile and drone strikes on energy infrastructure".
    """
    if entry.context != "also_missile":
        return None
    return [entry.label, "shelling_missile_attack"]


def launched_invasion(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """A nominal 'invasion' is news only when launched, ordered or begun; else background.

    Reads: context launched. Assigns: territory_change.
    Example: "Putin ordered the invasion of Ukraine" (event) vs "during its invasion of Ukraine" (not).
    """
    if entry.context != "launched":
        return None
    if _LAUNCHED_BEFORE.search(_clause_before(text, m.start(), 60)) or _LAUNCHED_AFTER.match(text[m.end() :]):
        return [entry.label]
    return []


def natural_fire(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """'fire' / 'blaze' as a disaster, not weapons fire nor the fire service.

    Reads: context natural_fire. Rejects 'opened fire', 'under fire', 'fire at', 'fire crews',
    'Rural Fire Service'. Example: "a new fire in Sydney's west is no longer threatening properties".
    """
    if entry.context != "natural_fire":
        return None
    before = text[max(0, m.start() - 25) : m.start()]
    if _WEAPON_FIRE_BEFORE.search(before) or _FIRE_SERVICE_AFTER.match(text[m.end() :]):
        return []
    if m.start() > 0 and text[m.start() - 1 : m.start()].isspace() and text[: m.start()].rstrip()[-4:] == "Fire":
        return []
    return [entry.label]


def armed_target(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """Killing armed men is a battle, not an attack on civilians (ACLED: armed vs armed).

    Reads: attack_on_civilians triggers followed (within 5 words) by an armed noun of
    event_targets.csv. Example: "Indian security forces have shot dead eight suspected militants".
    """
    if entry.label != "attack_on_civilians":
        return None
    lexicon = load_lexicon()
    after = text[m.end() : m.end() + 40]
    pm = lexicon.people_re.search(after)
    if pm and len(after[: pm.start()].split()) <= 4 and lexicon.people.get(pm.group(0).lower()) == "armed":
        return ["battle"]
    return None


def captured_person(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """People 'captured' or 'seized' are detained; places captured change hands.

    Reads: context place_object; a person or armed noun right before or after the verb.
    Example: "Two US volunteer soldiers captured in fighting north of Kharkiv".
    """
    if entry.context != "place_object":
        return None
    lexicon = load_lexicon()
    before = text[max(0, m.start() - 20) : m.start()]
    after = text[m.end() : m.end() + 30]
    near_before = lexicon.people_re.search(before)
    near_after = lexicon.people_re.search(after)
    passive = re.match(r"^\s*(?:in|by|during|after|while|near|on|at|,|\.|and\b)", after)
    if (near_before and not before[near_before.end() :].strip(" ,") and passive) or (
        near_after and len(after[: near_after.start()].split()) <= 3
    ):
        return ["abduction_detention"]
    return None


def air_weapon_strike(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """An unspecified strike by a named aircraft or drone is an air/drone strike.

    Reads: context target/passive and an air weapon of event_weapons.csv in the sentence.
    Example: "an Israeli F-16 fighter jet struck three buildings in ... Gaza City".
    """
    if entry.context not in ("target", "passive") or not load_lexicon().air_weapon_re.search(text):
        return None
    labels = unspecified_strike(text, m, entry, places) or passive_strike(text, m, entry, places)
    return ["air_drone_strike"] if labels else []


def noun_trigger(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """A trigger that is an event only as a noun: 'the battle for X', not 'firefighters battle a blaze'.

    Reads: context noun; rejects when an object or 'to' follows (verb use).
    """
    if entry.context != "noun":
        return None
    return [] if re.match(r"^\s+(?:a|an|the|to|against)\b", text[m.end() :], re.IGNORECASE) else [entry.label]


def unspecified_strike(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """An unspecified 'strike' / 'attack' on a target is shelling_missile_attack (guide).

    Reads: context target. Needs 'on/against/at/in X' after the noun, or an object after the
    verb ('struck a market'). Example: "Russian forces struck a market and a residential area".
    """
    if entry.context != "target":
        return None
    after = text[m.end() :]
    if _TARGET_AFTER.match(after):
        return [entry.label]
    if _VERB_TRIGGER.search(m.group(0)) and _OBJECT_AFTER.match(after):
        return [entry.label]
    return []


def passive_strike(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """A passive strike whose subject is the target: 'X was hit on 1 July'.

    Reads: context passive; needs a place in the sentence or an agent/time after.
    Example: "An apartment block and beach hotel in Serhiivka ... was hit on 1 July".
    """
    if entry.context != "passive":
        return None
    if places or re.match(r"^\s+(?:by|on|in|at|overnight|yesterday|today|early|late)\b", text[m.end() :], re.I):
        return [entry.label]
    return []


def captured_place(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """A change of control names the place taken right after the verb.

    Reads: context place_object; needs a place mention starting within 60 characters after.
    Example: "seizing the Black Sea port of Kherson", "the capture of Lysychansk on Sunday".
    """
    if entry.context != "place_object":
        return None
    if any(0 <= ps - m.end() <= 60 for ps, _ in places):
        return [entry.label]
    return []


def agreement_reached(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """An 'agreement' is a negotiations event when signed/reached or about a matter.

    Reads: context agreement. Example: "an agreement on a humanitarian corridor had failed".
    """
    if entry.context != "agreement":
        return None
    if _AGREEMENT_BEFORE.search(_clause_before(text, m.start(), 50)) or _AGREEMENT_AFTER.match(text[m.end() :]):
        return [entry.label]
    return []


def trigger_lexicon(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """A lexicon term that needs no context names its event type.

    Example: "missile attacks in Kharkiv, Izium and Chuhuiv" -> shelling_missile_attack.
    """
    return [entry.label] if entry.context == "" else []


Rule = Callable[[str, re.Match[str], Trigger, list[tuple[int, int]]], RuleResult]
RULES: tuple[Rule, ...] = (
    compound_strike,
    launched_invasion,
    natural_fire,
    noun_trigger,
    armed_target,
    air_weapon_strike,
    captured_person,
    unspecified_strike,
    passive_strike,
    captured_place,
    agreement_reached,
    trigger_lexicon,
)


# --------------------------------------------------------------------------- sentence level


@dataclass
class _Hit:
    start: int  # sentence offsets
    end: int
    label: str
    weak: bool
    method: str


def _trigger_matches(text: str, lexicon: Lexicon) -> list[re.Match[str]]:
    """Trigger matches, trying the regex only where a trigger's first word occurs (fast path)."""
    lower = text.lower()
    if len(lower) != len(text):
        return list(lexicon.trigger_re.finditer(text))
    starts = sorted(
        {
            start
            for end, word in lexicon.first_words.iter(lower)
            if (start := end - len(word) + 1) == 0 or not lower[start - 1].isalnum()
        }
    )
    out: list[re.Match[str]] = []
    last = 0
    for start in starts:
        if start < last:
            continue
        m = lexicon.trigger_re.match(text, start)
        if m:
            out.append(m)
            last = m.end()
    return out


def find_hits(text: str, places: list[tuple[int, int]], lexicon: Lexicon) -> list[_Hit]:
    """Trigger hits of one sentence that survive the rules and the irrealis/background filters."""
    hits: list[_Hit] = []
    for m in _trigger_matches(text, lexicon):
        entry = lexicon.triggers.get(_norm(m.group(0)))
        if entry is None:
            continue
        for rule in RULES:
            labels = rule(text, m, entry, places)
            if labels is not None:
                break
        if not labels:
            continue
        before = _clause_before(text, m.start(), 60)
        if _BACKGROUND_BEFORE.search(before[-50:]):
            continue
        if _is_irrealis(before, text[m.end() :]) and not (labels == ["negotiations"] and _REFUSAL.search(before)):
            continue
        for label in labels:
            hits.append(_Hit(m.start(), m.end(), label, entry.weak, rule.__name__))
    return hits


_REFUSAL = re.compile(r"\b(?:rul\w+\s+out|reject\w*|refus\w*|dismiss\w*)\b", re.IGNORECASE)


def select_hits(hits: list[_Hit]) -> list[_Hit]:
    """One hit per type (the first strong one, else the first); weak and absorbed types drop."""
    strong_labels = {h.label for h in hits if not h.weak}
    by_label: dict[str, _Hit] = {}
    for h in hits:
        cur = by_label.get(h.label)
        if cur is None or (cur.weak and not h.weak):
            by_label[h.label] = h
    out = []
    violent = {lab for lab in by_label if lab in _VIOLENT}
    for label, h in by_label.items():
        if h.weak and (strong_labels & _VIOLENT) - {label}:
            continue
        if label == "property_destruction" and violent:
            continue
        if label == "disaster" and violent & _ATTACKS:
            continue  # a fire caused by a strike is part of the strike
        if label == "remote_explosive" and h.weak and (violent & _ATTACKS) - {label}:
            continue
        out.append(h)
    # A weak type can also be absorbed by another surviving weak violent type of attack.
    labels = {h.label for h in out}
    if "shelling_missile_attack" in labels or "air_drone_strike" in labels:
        out = [h for h in out if not (h.label == "remote_explosive" and h.weak)]
    return sorted(out, key=lambda h: h.start)


# --------------------------------------------------------------------------- actor, target, places

_FORCE_NOUN = r"(?:forces|troops|army|military|soldiers|police|navy|air\s+force|authorities|government|invaders)"
_POSSESSIVE = re.compile(r"^(?:['’]s?)")
_ACTOR_VERB_AFTER = re.compile(
    r"^(?:['’]s?\s+" + _FORCE_NOUN + r"|\s+(?:has|have|had|is|was|were|will|would|did|does|said|says|"
    r"continues)\b|\s+(?:\w+ly\s+)?\w+ed\b(?!\s+by\b))",
)
_POSSESSIVE_AFTER = re.compile(r"^['’]s?\s+(?:[\w-]+\s+){0,3}$")
_TARGET_NP = re.compile(
    r"\s+(?:on|against|at|into)?\s*((?:the|a|an|its|their)?\s*[^,.;:()]{2,80}?(?:,\s+[^,.;:()]{2,40}?)*)"
    r"(?=\s+(?:in|on|at|near|with|as|that|which|who|after|before|during|killing|leaving|injuring|wounding|"
    r"while|when|where|from|by|overnight|yesterday|today)\b|\s+\w+ed\s+by\b|[.;:()]|,\s+(?:killing|leaving|"
    r"injuring|wounding|according|the|a|he|she|it|they)\b|$)",
)
_TARGET_TRIGGER = re.compile(
    r"(?:attacks?|strikes?|struck|hit|shelled|shelling|bombardments?|targeted|targeting|destroyed|destroying|"
    r"damaged|damage\s+to|arrested|arresting|detained|abducted|kidnapped)$",
    re.IGNORECASE,
)
_NOT_A_TARGET = re.compile(r"(?:by|from|for|over|since|in|near|across|of|with|to)\b", re.IGNORECASE)
_LEADING_DET = re.compile(r"^(?:the|a|an|its|their|his|her)\s+", re.IGNORECASE)


def find_actor(text: str, start: int, end: int, lexicon: Lexicon) -> str | None:
    """The agent: 'by Russian forces' after the trigger, else the nearest actor word before it."""
    after = text[end : end + 60]
    by = re.match(r"\s+by\s+(?:the\s+|a\s+|an\s+)?", after)
    if by:
        m = lexicon.actor_re.match(after, by.end())
        if m:
            return lexicon.actors[m.group(0)]
    before = _clause_before(text, start, 80)
    found = list(lexicon.actor_re.finditer(before))
    if found:
        return lexicon.actors[found[-1].group(0)]
    return None


def find_targets(text: str, hits: list[_Hit]) -> list[str]:
    """Targets as written after attack / destruction / arrest triggers of the sentence."""
    targets: list[str] = []
    for h in hits:
        if not _TARGET_TRIGGER.search(text[h.start : h.end]):
            continue
        m = _TARGET_NP.match(text, h.end)
        if not m:
            continue
        phrase = m.group(1).strip()
        if not phrase or phrase[0].isdigit() or _NOT_A_TARGET.match(phrase):
            continue
        for part in re.split(r",\s+(?:and\s+)?|\s+and\s+", phrase):
            part = _LEADING_DET.sub("", part.strip())
            if part and len(part.split()) <= 6 and part not in targets:
                targets.append(part)
    return targets


def _actor_use(text: str, start: int, end: int, event_type: str, trigger_start: int | None) -> bool:
    """A place used as an agent ('Russia's forces', 'Moscow has', 'Russia's strikes'), an origin
    ('from Iran') or, for talks, a party ('dialogue with Russia')."""
    if _ACTOR_VERB_AFTER.match(text[end:]):
        return True
    if trigger_start is not None and trigger_start >= end and _POSSESSIVE_AFTER.match(text[end:trigger_start]):
        return True
    before = text[max(0, start - 12) : start]
    if re.search(r"\w+ed\s+$", before) and re.match(r"\s+(?:for|of)\b", text[end:]):
        return True  # "blamed Kyiv for", "accused Russia of"
    if event_type not in ("territory_change", "abduction_detention") and re.search(r"\bfrom\s+(?:the\s+)?$", before):
        return True
    return event_type == "negotiations" and bool(re.search(r"\b(?:with|between|and)\s+(?:the\s+)?$", before))


def event_places(doc: Doc, sentence: Sentence, hit: _Hit, previous: Sentence | None) -> list:
    """Place mentions where the event happened: this sentence's, else the previous sentence's."""
    event_type = hit.label
    for s in (sentence, previous):
        if s is None:
            continue
        found = []
        for pm in doc.places.get(s.sentence_id, []):
            if getattr(pm, "as_actor", False):
                continue
            a, b = pm.char_start - s.char_start, pm.char_end - s.char_start
            if _actor_use(s.text, a, b, event_type, hit.start if s is sentence else None):
                continue
            if all(pm.place.place_id != q.place.place_id for q in found):
                found.append(pm)
        if found or doc.places.get(s.sentence_id):
            return found
    return []


# --------------------------------------------------------------------------- entry point


def _date_of(doc: Doc, sentence: Sentence) -> tuple[date | None, str]:
    for dm in doc.dates.get(sentence.sentence_id, []):
        if getattr(dm, "relation", None) not in ("since", "as_of") and dm.value is not None:
            return dm.value, dm.precision
    return None, "unknown"


def _figure(figures: list[FigureRow], category: str) -> FigureRow | None:
    return next((f for f in figures if f.category == category), None)


def _restated(seen: dict[str, list[frozenset[str]]], event_type: str, place_ids: frozenset[str]) -> bool:
    """The same happening told again: an earlier event of the type had the same places, or this
    one has no place and the type was already reported ("The fire began when ...")."""
    earlier = seen.get(event_type)
    if not earlier:
        return False
    return not place_ids or place_ids in earlier


def extract(doc: Doc, figures: list[FigureRow]) -> tuple[list[EventRow], list[EventPlaceRow]]:
    """Event rows and their place rows for one article (fact sentences only)."""
    lexicon = load_lexicon()
    art = doc.article
    by_sentence: dict[str, list[FigureRow]] = {}
    for f in figures:
        by_sentence.setdefault(f.sentence_id, []).append(f)
    events: list[EventRow] = []
    places: list[EventPlaceRow] = []
    seen: dict[str, list[frozenset[str]]] = {}
    previous: Sentence | None = None
    for s in doc.fact_sentences:
        prev = previous if previous is not None and previous.paragraph_index == s.paragraph_index else None
        previous = s
        spans = [(pm.char_start - s.char_start, pm.char_end - s.char_start) for pm in doc.places.get(s.sentence_id, [])]
        hits = find_hits(s.text, spans, lexicon)
        if not hits:
            continue
        chosen = select_hits(hits)
        targets = find_targets(s.text, hits)
        event_date, precision = _date_of(doc, s)
        figs = by_sentence.get(s.sentence_id, [])
        killed, injured = _figure(figs, "killed"), _figure(figs, "injured")
        for h in chosen:
            pms = event_places(doc, s, h, prev)
            ids = frozenset(pm.place.place_id for pm in pms)
            if _restated(seen, h.label, ids):
                continue
            seen.setdefault(h.label, []).append(ids)
            start, end = s.char_start + h.start, s.char_start + h.end
            event_id = row_id(art.content_hash, "events", start, end, h.label)
            events.append(
                EventRow(
                    event_id=event_id,
                    article_id=art.article_id,
                    sentence_id=s.sentence_id,
                    char_start=start,
                    char_end=end,
                    trigger=art.body[start:end],
                    event_type=h.label,
                    actor=find_actor(s.text, h.start, h.end, lexicon),
                    target="; ".join(targets) or None,
                    event_date=event_date,
                    date_precision=precision,
                    fatalities=killed.value if killed else None,
                    injured=injured.value if injured else None,
                    fatalities_figure_id=killed.figure_id if killed else None,
                    injured_figure_id=injured.figure_id if injured else None,
                    in_caption=s.role == "caption",
                    method=f"events.{h.method}",
                )
            )
            for pm in pms:
                row = EventPlaceRow(
                    event_id, art.article_id, pm.place.name, pm.place.place_id, pm.text, pm.char_start, pm.char_end
                )
                places.append(row)
    return events, places
