"""pipeline.figures: one case per rule, must-not-match cases, and the seed's required rows.

Sentences are quoted from /work/shared/corpus (article id in the case id) or the seed article.
Places come from pipeline.places (the gazetteer); dates from pipeline.dates or injected mentions.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from pipeline import figures
from pipeline.config import PROJECT_ROOT
from pipeline.dates import DateMention, find_dates
from pipeline.extract import build_doc
from pipeline.figures import RULES, FigureRow, extract
from pipeline.model import Doc
from pipeline.parse import article_from_object, parse_file, parse_text
from pipeline.places import load_gazetteer
from pipeline.text import segment
from tests.conftest import SEED


def _doc(text: str, day: str | None = "2022-07-15") -> Doc:
    """The Doc that pipeline.extract.build_doc makes: sentences, places and dates per fact sentence."""
    art = article_from_object({"text": text, "date": day}, "t.json")
    doc = Doc(article=art, sentences=segment(art))
    gaz = load_gazetteer()
    for s in doc.fact_sentences:
        doc.places[s.sentence_id] = gaz.find(s.text, s.char_start)
        doc.dates[s.sentence_id] = find_dates(s.text, s.char_start, art.published_date)
    return doc


def _row(rows: list[FigureRow], mention: str, nth: int = 0) -> FigureRow:
    hits = [r for r in rows if r.mention == mention]
    assert len(hits) > nth, f"{mention!r} not among {[r.mention for r in rows]}"
    return hits[nth]


# (rule, case id, text, mention, value, qualifier, category, subject, place or "" when not checked)
RULE_CASES = [
    ("coordinated_subject", "lee-bg-234",
     "Three US troops and five members of the Afghan opposition were killed by a stray US bomb near Kandahar in "
     "Afghanistan, the Pentagon said.", "Three", 3, "exact", "killed", "US troops", "Kandahar"),
    ("money", "ua-0100", "It took a bipartisan deal to get the $61bn (£49bn) package through.",
     "$61bn", 61e9, "exact", "money", None, ""),
    ("percent", "lee-bg-206", "Crown says 80 per cent of that income came from gambling.",
     "80 per cent", 80, "exact", "percent", None, ""),
    ("death_toll", "seed",
     "The authorities of Ukraine has raised this Sunday to 390 the number of dead children since the beginning of "
     "the Russian invasion, unleashed on February 24 by order of the president of Russia, Vladimir Putin.",
     "390", 390, "exact", "killed", "children", "Ukraine"),
    ("count_before_noun", "lee-bg-012",
     "Hospitals have urged the public to donate medicine for the hundreds of burns victims.",
     "hundreds", 100, "approximate", "injured", "burns victims", ""),
    ("count_noun_verb", "seed", "In Chuhuiv, two women have died from the impact of a tank projectile.",
     "two", 2, "exact", "killed", "women", "Chuhuiv"),
    ("elliptical_coordination", "ua-0046",
     "A day earlier, six people were killed and 20 injured in missile attacks aimed at the city.",
     "20", 20, "exact", "injured", "people", ""),
    ("verb_before_count", "lee-bg-002",
     "Indian security forces have shot dead eight suspected militants in a night-long encounter in southern Kashmir.",
     "eight", 8, "exact", "killed", "suspected militants", ""),
    ("list_member", "ua-0050",
     "A top Ukrainian official has accused Russia of deliberately escalating its deadly attacks on civilian targets, "
     "after recent missile strikes including this week’s targeting of the crowded city centre of Vinnytsia, which "
     "killed 23 people, including three children.",
     "three", 3, "exact", "killed", "children", "Vinnytsia"),
    ("other_count", "ua-0005", "The US says as many as 190,000 Russian troops massed close to Ukraine.",
     "as many as 190,000", 190000, "up_to", "other", "Russian troops", ""),
]


@pytest.mark.parametrize(
    ("rule", "text", "mention", "value", "qualifier", "category", "subject", "place"),
    [pytest.param(c[0], *c[2:], id=f"{c[0]}-{c[1]}") for c in RULE_CASES],
)
def test_rule(rule: str, text: str, mention: str, value: float, qualifier: str, category: str,
              subject: str | None, place: str) -> None:
    doc = _doc(text)
    r = _row(extract(doc), mention)
    assert r.method == f"figures.{rule}"
    assert (r.value, r.qualifier, r.category) == (value, qualifier, category)
    if subject is not None:
        assert r.subject == subject
    if place:
        assert r.place == place
    assert doc.article.body[r.char_start:r.char_end] == r.mention


def test_list_carry_across_sentences() -> None:
    """seed: "with 395 dead and wounded. Behind are the Kharkiv region, with 219; that of kyiv, with 116"."""
    text = (
        "In this sense, he said that the province of Donetsk is the one with the highest number of victims, with "
        "395 dead and wounded. Behind are the Kharkiv region, with 219; that of kyiv, with 116; that of Mikolaiv, "
        "with 72."
    )
    rows = extract(_doc(text))
    got = [(r.mention, r.category, r.place, r.method) for r in rows]
    assert got[1:] == [
        ("219", "killed_or_injured", "Kharkiv Oblast", "figures.list_carry"),
        ("116", "killed_or_injured", "Kyiv Oblast", "figures.list_carry"),
        ("72", "killed_or_injured", "Mykolaiv Oblast", "figures.list_carry"),
    ]
    assert got[0][:3] == ("395", "killed_or_injured", "Donetsk Oblast")


def test_coordination_does_not_carry_qualifier() -> None:
    """ua-0053: "at least one serviceman and two guards were killed": two is exact."""
    rows = extract(_doc("The local governor, Andriy Raikovych, said at least one serviceman and two guards were "
                        "killed, while 13 other people were wounded in Kropyvnytskyi."))
    two = _row(rows, "two")
    assert (two.qualifier, two.category) == ("exact", "killed")
    assert _row(rows, "13").category == "injured"


def test_coordinated_first_count_takes_the_verb() -> None:
    rows = extract(_doc("The local governor, Andriy Raikovych, said at least one serviceman and two guards were "
                        "killed, while 13 other people were wounded in Kropyvnytskyi."))  # ua-0053
    assert _row(rows, "at least one").category == "killed"


NOT_FIGURES = [
    ("text_count-seed", "He has also mentioned three reasons to justify this position."),
    ("duration-seed", "In the last seven days, Russia has increased its attacks on civilian infrastructure."),
    ("sources-ua-0108", "But two senior administration officials previously told CNN that the drills were routine."),
    ("weather-lee-bg-001", "The falls have been quite isolated in those areas and generally the falls have been less "
                           "than about five millimetres, she said."),
    ("hypothetical_chance-ua-0090", "She did not think Putin would travel if he feared there was a 10% chance that a "
                                    "judge ordered his arrest."),
    ("named_things-ua-0053", "Ukrainian officials would guide ships through safe channels to three ports, including "
                             "Odesa, where they would be loaded with grain."),
    ("pointer-ua-0046", "The foreign ministers denied that the two countries had agreed to extradite people."),
    ("date_and_time-lee-bg-034", "A spokesman says three small fires were extinguished around 7:30pm AEDT on "
                                 "December 22."),
    ("place_count-lee-bg-278", "Israeli soldiers have shot dead five Palestinians in two West Bank towns."),
    ("place_count-ua-0083", "He says he is acting to protect people in two self-proclaimed pro-Russian territories "
                            "in the eastern Donbas region of Ukraine from \"genocide\" but provides no proof."),
]


@pytest.mark.parametrize("text", [pytest.param(t, id=i) for i, t in NOT_FIGURES])
def test_not_figures(text: str) -> None:
    rows = extract(_doc(text))
    bad = {"7", "7:30", "22", "two", "10%", "about five", "seven", "three"} if "small fires" not in text else {"7", "22"}
    assert not [r for r in rows if r.mention in bad]


def test_age_is_not_the_count() -> None:
    """seed: "an eleven-year-old girl has died": 11 is an age, never a figure."""
    rows = extract(_doc("In addition, an eleven-year-old girl has died in the bombings."))
    assert not [r for r in rows if r.value == 11]


# --- the seed -------------------------------------------------------------------------------------
REQUIRED = [  # /work/shared/examples/seed_expected.json, figures.required
    (400, "more_than", "bodies_found", "bodies", "Izium"),
    (2, "exact", "killed", "women", "Chuhuiv"),
    (60, "approximate", "bodies_found", "bodies", "Izium"),
    (390, "exact", "killed", "children", "Ukraine"),
    (390, "exact", "killed", "children", "Ukraine"),
    (757, "exact", "injured", "children", "Ukraine"),
    (395, "exact", "killed_or_injured", "children", "Donetsk Oblast"),
    (219, "exact", "killed_or_injured", "children", "Kharkiv Oblast"),
    (116, "exact", "killed_or_injured", "children", "Kyiv Oblast"),
    (72, "exact", "killed_or_injured", "children", "Mykolaiv Oblast"),
    (68, "exact", "killed_or_injured", "children", "Chernihiv Oblast"),
    (61, "exact", "killed_or_injured", "children", "Luhansk Oblast"),
    (55, "exact", "killed_or_injured", "children", "Kherson Oblast"),
    (46, "exact", "killed_or_injured", "children", "Zaporizhzhia Oblast"),
    (26, "exact", "killed_or_injured", "children", "Dnipropetrovsk Oblast"),
    (2500, "exact", "damaged", "educational institutions", "Ukraine"),
    (289, "exact", "destroyed", "educational institutions", "Ukraine"),
]


@pytest.fixture(scope="module")
def seed_rows() -> list[FigureRow]:
    art = parse_text(SEED.read_text(encoding="utf-8"), SEED.name)
    doc = Doc(article=art, sentences=segment(art))
    gaz = load_gazetteer()
    for s in doc.fact_sentences:
        doc.places[s.sentence_id] = gaz.find(s.text, s.char_start)
        doc.dates[s.sentence_id] = find_dates(s.text, s.char_start, art.published_date)
    return extract(doc)


def test_seed_required_rows(seed_rows: list[FigureRow]) -> None:
    got = [(r.value, r.qualifier, r.category, r.subject, r.place) for r in seed_rows]
    assert got == [(float(v), q, c, s, p) for v, q, c, s, p in REQUIRED]
    assert seed_rows[0].in_caption is True
    assert [r.in_caption for r in seed_rows[1:]] == [False] * 16


def test_seed_forbidden_mentions(seed_rows: list[FigureRow]) -> None:
    forbidden = {"2022", "18", "seven days", "eleven-year-old", "February 24", "24", "seven", "eleven"}
    assert not [r.mention for r in seed_rows if r.mention in forbidden]


def test_seed_dates_from_date_mentions() -> None:
    """as_of / since come from the sentence's date mentions ("this Sunday", "since ... February 24")."""
    text = (
        "The authorities of Ukraine has raised this Sunday to 390 the number of dead children since the beginning "
        "of the Russian invasion, unleashed on February 24 by order of the president of Russia, Vladimir Putin."
    )
    doc = _doc(text, "2022-09-19")
    s = doc.fact_sentences[0]
    sunday, feb = text.index("this Sunday"), text.index("February 24")
    doc.dates[s.sentence_id] = [
        DateMention(s.char_start + sunday, s.char_start + sunday + 11, "this Sunday", date(2022, 9, 18), "day"),
        DateMention(s.char_start + feb, s.char_start + feb + 11, "February 24", date(2022, 2, 24), "day"),
    ]
    r = _row(extract(doc), "390")
    assert (r.as_of, r.since, r.is_cumulative) == (date(2022, 9, 18), date(2022, 2, 24), True)


# --- registry and row contract ----------------------------------------------------------------------
def test_every_method_is_registered(seed_rows: list[FigureRow]) -> None:
    names = {f"figures.{rule.__name__}" for rule in RULES}
    assert {r.method for r in seed_rows} <= names
    # list_carry: test_list_carry_across_sentences; place_count (drops rows): NOT_FIGURES, PLACE_COUNT_KEPT;
    # running_total: PASS5_CASES; shared_fate: PASS6_CASES
    assert {c[0] for c in RULE_CASES} | {"list_carry", "place_count", "running_total", "shared_fate"} == {
        rule.__name__ for rule in RULES
    }


def test_row_fields_kept() -> None:
    fields = [f.name for f in dataclasses.fields(FigureRow)]
    assert fields[:3] == ["figure_id", "article_id", "sentence_id"]
    assert fields[-1] == "attribution_id"
    assert callable(figures.extract)


def test_ids_are_stable(seed_rows: list[FigureRow]) -> None:
    assert len({r.figure_id for r in seed_rows}) == len(seed_rows)


# --- place classes (pipeline.focus + figures._sentence_place) ------------------------------------
_UA46_LEAD = (
    "The mayor of Sloviansk has called on its remaining residents to evacuate as the Russian invaders stepped up "
    "their shelling of the frontline Ukrainian city after the capture of Lysychansk on Sunday.\n\n"
)
# (case id: class / corpus id, text, mention, expected place (None = null))
PLACE_CASES = [
    ("reference_point/ua-0050",
     "An apartment block and beach hotel in Serhiivka, 50km south of Odesa, was hit on 1 July, killing 21 people "
     "and injuring 35.", "21", "Serhiivka"),
    ("landmark_apposition/ua-0050",
     "An attack on a shopping mall at Kremenchuk, a small city on the Dnieper river, at the end of June killed 18 "
     "people and injured 59.", "18", "Kremenchuk"),
    ("origin_not_place/ua-0096",
     "Russia’s semiconductor imports from China jumped from $200 million in 2021 to over $500 million in 2022.",
     "$200 million", "Russia"),
    ("coordinated_places_null/ua-0016",
     "As the Ministry notes, the armed conflict waged by Russia has claimed the lives of about 14,000 people, injured "
     "at least 30,000, including civilians, and forced more than 1.5 million people to flee their homes in Crimea "
     "and Donbas to escape occupation for the government-controlled territory of Ukraine.",
     "more than 1.5 million", None),
    ("list_outside_own_clause/ua-0016",
     "As the Ministry notes, the armed conflict waged by Russia has claimed the lives of about 14,000 people, injured "
     "at least 30,000, including civilians, and forced more than 1.5 million people to flee their homes in Crimea "
     "and Donbas to escape occupation for the government-controlled territory of Ukraine.",
     "about 14,000", "Ukraine"),
    ("coordinated_places_null/ua-0024",
     "The Russian defence ministry said on Thursday that 80 soldiers who surrendered in the past day were being "
     "treated for injuries in hospitals in the Russian-held cities of Novoazovsk and Donetsk.", "80", None),
    ("own_clause_first/lee-bg-001",
     "As more than 100 blazes burn on New Year's Eve in New South Wales, fire crews have been called to new fire at "
     "Gunning, south of Goulburn.", "more than 100", "New South Wales"),
    ("national_authority_police/lee-bg-002",
     "The deaths came as Pakistani police arrested more than two dozen militants from extremist groups accused of "
     "staging an attack on India's parliament.", "more than two dozen", "Pakistan"),
    ("national_authority_office/ua-0039",
     "The Ukrainian president’s office said that at least six civilians had been killed in the previous 24 hours, "
     "and 16 others were wounded.", "at least six", "Ukraine"),
    ("national_authority_capital/ua-0071",
     "A Moscow court has convicted the US basketball player Brittney Griner on drug charges, sentencing her to nine "
     "years in prison and a 1m rouble fine in a politically charged verdict that could lead to a prisoner swap with "
     "the United States.", "1m rouble", "Russia"),
    ("own_country_as_actor/ua-0095",
     "Russia invaded Ukraine in February. Ukraine says Russia attacked from Belarus.\n\n"
     "Ukraine mined it and deployed 120,000 soldiers.", "120,000", "Ukraine"),
    ("lead_without_country_no_focus/lee-bg-261",
     "Traveland's wholly-owned travel centres have ceased operating from today, leaving more than 550 staff seeking "
     "other jobs. The failed company's administrators say they have a buyer for Traveland's franchise network. "
     "One of the administrators says the deal is yet to be approved.\n\n"
     "The company anticipates annualised savings of around $90 million.\n\n"
     "The firm also has offices in Australia.", "around $90 million", None),
    ("anaphor_the_city/ua-0046",
     _UA46_LEAD + "A day earlier, six people were killed and 20 injured in missile attacks aimed at the city, one of "
     "the main population centres in the Donbas region that remains outside Russian military control.",
     "six", "Sloviansk"),
]


@pytest.mark.parametrize(("text", "mention", "place"), [pytest.param(t, m, p, id=i) for i, t, m, p in PLACE_CASES])
def test_place_class(text: str, mention: str, place: str | None) -> None:
    assert _row(extract(_doc(text)), mention).place == place


def test_agent_place_is_not_the_figures_place() -> None:
    """ua-0023: "Moscow assembled" names who acts; the war's place comes from the article (here: Ukraine)."""
    text = ("Russia invaded Ukraine in February.\n\nPrior to the assault from Vladimir Putin’s army, it was estimated "
            "that Moscow assembled around 150,000 soldiers to participate in the war.")
    assert _row(extract(_doc(text)), "around 150,000").place != "Moscow"


# --- category classes ------------------------------------------------------------------------------
CATEGORY_CASES = [
    ("among_the_wounded/ua-0071", "Three children were among the wounded, he said.", "Three", "injured"),
    ("harm_verb_over_status_noun/ua-0071",
     "The UN is conducting a fact-finding mission after 53 Ukrainian prisoners of war were killed in an explosion "
     "at a barracks in separatist-controlled Olenivka.", "53", "killed"),
    ("surrendered_is_detained/ua-0024",
     "Russia has said a further 771 Ukrainian troops have “surrendered” at Mariupol’s besieged Azovstal steelworks.",
     "771", "detained"),
    ("death_toll_to/lee-bg-015",
     "The killing brings the death toll of 15 months of the Palestinian uprising against Israeli occupation to 1,121 "
     "people, including 865 Palestinians and 234 Israelis.", "1,121", "killed"),
    ("death_toll_to_list_member/lee-bg-015",
     "The killing brings the death toll of 15 months of the Palestinian uprising against Israeli occupation to 1,121 "
     "people, including 865 Palestinians and 234 Israelis.", "234", "killed"),
    ("harm_verb_before_status_noun/ua-0064",
     "Russia and Ukraine have both launched criminal investigations into strikes that have reportedly killed at "
     "least 40 Ukrainian prisoners of war who were held at a pre-trial detention centre.", "at least 40", "killed"),
    ("insertion_mainly_remain_without_power/lee-bg-256",
     "In Sydney, more than 2,000 homes, mainly in the northern suburbs, remain without power.", "more than 2,000",
     "affected"),
    ("currency_after_scale_is_money/ua-0071",
     "sentencing her to nine years in prison and a 1m rouble fine in a politically charged verdict.", "1m rouble",
     "money"),
    ("listed_as_missing/ua-0065",
     "Russia has confirmed only one death onboard, while dozens of sailors are listed as missing.", "dozens",
     "missing"),
    # being moved somewhere: the destination says what happened (figure_destinations.csv)
    ("destination_hospital/lee-bg-212",
     "Four victims were taken to Goshen General Hospital shortly after the incident began around 3:00pm (7:00am "
     "AEDT) hospital spokeswoman Donna Rohrer said.", "Four", "injured"),
    ("destination_prison_past_pp/ua-0024",
     "Russia’s foreign ministry spokesperson, Maria Zakharova, said on Wednesday that more than 900 troops from "
     "Azovstal had been sent to a former prison colony in the town of Olenivka, but it was not immediately clear "
     "where the latest group to surrender had gone.", "more than 900", "detained"),
    ("destination_detainment_facility/ua-0024",
     "According to 161, a local news outlet, 89 Ukrainian soldiers had been transferred to a detainment facility in "
     "the Russian border city of Taganrog where they will face charges of extremism.", "89", "detained"),
    # must not match: being admitted somewhere that is no hospital or prison
    ("destination_not_harm/ua-0112",
     "According to an investigation by the Russian-language outlet Important Stories, nearly 900 students were "
     "admitted to 13 top universities through war quotas, with most failing to meet the normal exam score "
     "threshold.", "nearly 900", "other"),
]


@pytest.mark.parametrize(("text", "mention", "category"),
                         [pytest.param(t, m, c, id=i) for i, t, m, c in CATEGORY_CASES])
def test_category_class(text: str, mention: str, category: str) -> None:
    assert _row(extract(_doc(text)), mention).category == category


# place_count must not drop counts of places that are what the sentence counts (not after "in")
PLACE_COUNT_KEPT = [
    ("winning_back_towns/ua-0083", "They follow up in early September with a lightning counter-offensive around "
     "Kharkiv in the northeast, winning back hundreds of towns and villages.", "hundreds"),
]


@pytest.mark.parametrize(("text", "mention"), [pytest.param(t, m, id=i) for i, t, m in PLACE_COUNT_KEPT])
def test_place_count_keeps_counted_places(text: str, mention: str) -> None:
    assert _row(extract(_doc(text)), mention).category == "other"


# Pass 4 behaviours, each with a real corpus sentence and the field it fixes.
PASS4_CASES = [
    # an adverb between the auxiliary and the participle ("being arbitrarily detained")
    ("adverb_before_participle-ua-0090",
     "It interviewed hundreds of victims and witnesses for a report detailing more than 900 cases of civilians, "
     "including children and elderly people, being arbitrarily detained in the conflict, most of them by Russia.",
     "more than 900", "detained", None),
    ("adverb_before_participle-lee-bg-251", "But two policemen were slightly wounded, officials said.",
     "two", "injured", None),
    # an acronym is not the pronoun "us": "two US citizens captured"
    ("acronym_in_noun_phrase-ua-0036", "Russian media has supposedly shown images of two US citizens captured in "
     "Ukraine.", "two", "detained", "Ukraine"),
    # a reference point with no named place before it is the event's place
    ("reference_point_alone-lee-bg-234",
     "The Pentagon had earlier confirmed that two US special forces soldiers were killed and 20 others wounded "
     "north of Kandahar when a B-52 bomber dropped a 2,000-pound bomb too close to them.", "20", "injured",
     "Kandahar"),
    ("reference_point_alone-ua-0067",
     "He said that Russia had been actively targeting Ukrainian training bases, giving several examples, including a "
     "strike on a military base just north-east of Kyiv that killed 87 Ukrainian soldiers in March.", "87", "killed",
     "Kyiv"),
]


@pytest.mark.parametrize(("case", "text", "mention", "category", "place"), PASS4_CASES, ids=[c[0] for c in PASS4_CASES])
def test_pass4(case: str, text: str, mention: str, category: str, place: str | None) -> None:
    r = _row(extract(_doc(text)), mention)
    assert r.category == category
    if place is not None:
        assert r.place == place


def test_coordinated_subject_needs_a_verb() -> None:
    """lee-bg-206: two counts joined by "and" with no verb of harm after them stay other."""
    rows = extract(_doc("At the end of June this year, there was almost 11,000 poker and gaming machines and more "
                        "than 1,000 gaming tables across Australia."))
    assert _row(rows, "almost 11,000").category == "other"


# Pass 5 (issue #4): rules and place conventions added, each with corpus sentences (article id in the case id).
_UA24_SURRENDER = (
    "Russia has said a further 771 Ukrainian troops have “surrendered” at Mariupol’s besieged Azovstal steelworks, "
    "bringing the total number to 1,730 this week, while the International Committee of the Red Cross (ICRC) said it "
    "had started registering the Ukrainian prisoners of war who left the plant."
)
_UA44_LEAD = (
    "Ukraine has announced the largest exchange of prisoners of war since Russia invaded, securing the release of "
    "144 of its soldiers, including 95 who defended the Azovstal steelworks in Mariupol."
)
# (case id, text, mention, method or "", category, place; "-" = place not checked)
PASS5_CASES = [
    ("running_total-ua-0024", _UA24_SURRENDER, "1,730", "running_total", "detained", "Azovstal"),
    ("running_total_money_stays_money-ua-0099",
     "The UK plans to give vital equipment to Kyiv including 400 vehicles, more than 1,600 missiles, 4m rounds of "
     "ammunition, 60 boats, as well as an additional £500m in military funding, taking the total to £3bn this "
     "financial year.", "£3bn", "money", "money", "-"),
    ("including_subset_who-ua-0005",
     "Around 100,000 people have crossed into Poland from Ukraine since Russia launched its invasion, including "
     "9,000 who have entered since 7am on Saturday.", "9,000", "list_member", "displaced", "Poland"),
    ("including_subset_who-ua-0044", _UA44_LEAD, "95", "list_member", "other", "Mariupol"),
    ("partitive_count-ua-0044", _UA44_LEAD, "144", "other_count", "other", "-"),
    ("aside_between_commas-ua-0050",
     "Two apartment buildings in Chasiv Yar, near the frontline in Donetsk oblast, were hit on 9 July: 48 people are "
     "believed to have been killed, making it one of the deadliest single attacks in the entire five-month long war.",
     "Two", "count_noun_verb", "attacks", "Chasiv Yar"),
    ("relative_clause_before_verb-ua-0024",
     "The Russian defence ministry said on Thursday that 80 soldiers who surrendered in the past day were being "
     "treated for injuries in hospitals in the Russian-held cities of Novoazovsk and Donetsk.",
     "80", "count_noun_verb", "injured", None),
    ("second_participle-lee-bg-209",
     "Palestinian officials say two four-storey buildings inside the compound were engulfed in flames and destroyed.",
     "two", "count_noun_verb", "destroyed", "-"),
    ("origin_of_detained-ua-0024",
     "Meanwhile, the ICRC said it had registered “hundreds of Ukrainian prisoners of war” this week from the Azovstal "
     "plant.", "hundreds", "", "detained", "Azovstal"),
    ("listed_origins_of_detained-lee-bg-034",
     "A short time later police arrested three 15-year-old boys from Shellharbour, Barrack Heights and Shell Cove.",
     "three", "verb_before_count", "detained", "Shellharbour"),
    ("domestic_force_arrests-lee-bg-278",
     "Meanwhile, Palestinian police have arrested three senior leaders of the hardline Hamas group in a crackdown "
     "that netted more than 75 Islamic militants following a wave of suicide attacks in Israel, a Palestinian "
     "security source told the AFP news agency.", "more than 75", "", "detained", "Palestinian Territory"),
    ("conflict_wide_toll_null-lee-bg-015",
     "The Israeli army has killed three Palestinian militants who attacked one of its armoured vehicles in the "
     "northern Gaza Strip. The killing brings the death toll of 15 months of the Palestinian uprising against "
     "Israeli occupation to 1,121 people, including 865 Palestinians and 234 Israelis.", "1,121", "", "killed", None),
    ("global_total_null-ua-0053",
     "Ukraine’s grain exports resumed from Odesa on Monday. A global food crisis has pushed 47 million people into "
     "“acute hunger”, according to the World Food Programme.", "47 million", "", "-", None),
    ("supply_recipient-ua-0064",
     "Germany would deliver 16 Biber bridge-layer tanks to Ukrainian forces, the German defence ministry said.",
     "16", "other_count", "other", "Ukraine"),
    ("leaks_are_damage-ua-0080",
     "Three leaks recorded on the same day prompted accusations of sabotage, which Moscow officials acknowledged "
     "was a possibility.", "Three", "count_before_noun", "damaged", "-"),
]


def _assert_row(doc: Doc, r: FigureRow, method: str, category: str, place: str | None) -> None:
    """The row has the rule, category and place asked for ("-" or "": not checked) and exact evidence."""
    if method:
        assert r.method == f"figures.{method}"
    if category != "-":
        assert r.category == category
    if place != "-":
        assert r.place == place
    assert doc.article.body[r.char_start:r.char_end] == r.mention


@pytest.mark.parametrize(("case", "text", "mention", "method", "category", "place"), PASS5_CASES,
                         ids=[c[0] for c in PASS5_CASES])
def test_pass5(case: str, text: str, mention: str, method: str, category: str, place: str | None) -> None:
    doc = _doc(text)
    _assert_row(doc, _row(extract(doc), mention), method, category, place)


def test_reporting_country_is_not_the_actor() -> None:
    """ua-0024: "Russia has said ..." opens the sentence as a source; the total is not Russia's."""
    assert _row(extract(_doc(_UA24_SURRENDER)), "1,730").place != "Russia"


def test_domestic_force_needs_an_arrest_verb() -> None:
    """lee-bg-209: a national body that only reports ("Palestinian officials say") gives no place to a count
    whose own clause names none, unlike a force that makes the arrests."""
    rows = extract(_doc("Palestinian officials say two four-storey buildings inside the compound were engulfed in "
                        "flames and destroyed."))
    assert _row(rows, "two").category != "detained"


def test_including_subset_keeps_money_apart() -> None:
    """ua-0099: a money amount after "including" is not a subset of a count."""
    rows = extract(_doc("The UK plans to give vital equipment to Kyiv including 400 vehicles, more than 1,600 "
                        "missiles, 4m rounds of ammunition, 60 boats, as well as an additional £500m in military "
                        "funding, taking the total to £3bn this financial year."))
    assert _row(rows, "£500m").category == "money"


def test_partitive_reads_the_set_noun() -> None:
    """ua-0044: "144 of its soldiers" counts soldiers (before: no noun phrase, no row)."""
    assert _row(extract(_doc(_UA44_LEAD)), "144").subject == "soldiers"


def test_partitive_head_is_national() -> None:
    """ua-0044: the place in the subset's clause (in Mariupol) is the 95's; the 144 are Ukraine's (subset_place)."""
    assert _row(extract(_doc(_UA44_LEAD)), "144").place == "Ukraine"


# Pass 6 (issue #4): conventions of news writing added, each with sentences from two corpus articles.
_LEE256_SES = (
    "The New South Wales State Emergency Service (SES) says it has now received 5,000 calls for help in the wake of "
    "Monday's fierce storms. Natural disaster areas have been declared throughout Sydney and surrounding areas and "
    "parts of the state's north-west. In Sydney, more than 2,000 homes, mainly in the northern suburbs, remain "
    "without power. SES spokeswoman Laura Goodin says several hundred volunteers will be back in the field this "
    "morning. \"We've had about 5,000 calls for help of which we've completed about two-thirds. \"We've had about 800 "
    "volunteers in the field being helped out by the Royal Fire Service and the New South Wales Fire Brigades and "
    "we're expecting to have most jobs completed by about Friday,\" Ms Goodin said."
)
_UA39_CITY = (
    "Neighbouring Lysychansk on the west bank was being shelled “en masse”, Haidai added, while analysts warned of a "
    "nearby Russian breakthrough that meant the invaders’ forces were four miles (7km) south-east of the city.\n\n"
    "A police station in the city took a “direct hit”, wounding 20 officers, according to special forces colonel "
    "Oleksandr Kutsepalenko, and the residential neighbourhood around it was marked with craters from shelling and "
    "airstrikes."
)
_UA46_CITY = (
    "The mayor of Sloviansk has called on its remaining residents to evacuate as the Russian invaders stepped up "
    "their shelling of the frontline Ukrainian city after the capture of Lysychansk on Sunday.\n\n"
    "Vadim Lyakh said 40 houses had been shelled on Monday – while other officials later said two people were killed "
    "and seven injured after Russian forces struck a market and a residential area in the city."
)
_UA113_GIVEN = (
    "The west, if it acted, had the capacity to support Ukraine with “millions of rounds of ammunition, thousands of "
    "drones, hundreds of tanks and armoured vehicles”, he said."
)
_UA99_GIVEN = (
    "The UK plans to give vital equipment to Kyiv including 400 vehicles, more than 1,600 missiles, 4m rounds of "
    "ammunition, 60 boats, as well as an additional £500m in military funding."
)
# (case id, text, mention, nth, method or "", category or "-", place or "-"; None = no place)
PASS6_CASES = [
    # agency_jurisdiction: a state agency's own counts are about the area it serves, and so are its spokesperson's
    ("agency_jurisdiction-name-lee-bg-256", _LEE256_SES, "5,000", 0, "other_count", "other", "New South Wales"),
    ("agency_jurisdiction-acronym-lee-bg-256", _LEE256_SES, "several hundred", 0, "", "other", "New South Wales"),
    ("agency_jurisdiction-quote-carries-lee-bg-256", _LEE256_SES, "about 800", 0, "", "other", "New South Wales"),
    ("agency_jurisdiction-own-place-first-lee-bg-256", _LEE256_SES, "more than 2,000", 0, "", "affected", "Sydney"),
    ("agency_jurisdiction-own-place-first-lee-bg-001",
     "The New South Wales Rural Fire Service says the weather conditions which caused the fire to burn in a finger "
     "formation have now eased and about 60 fire units in and around Hill Top are optimistic of defending all "
     "properties.", "about 60", 0, "", "other", "Hill Top"),
    ("agency_without_place-lee-bg-006",
     "The Department of Immigration says there are now 211 detainees remaining on Christmas Island.",
     "211", 0, "", "-", "Christmas Island"),
    # source_name: "<Name> of <place>" before a speech verb is an outlet or institution, not the figure's place
    ("source_name_of_place-lee-bg-218",
     "The Press Trust of India says Razzak spent $212,000 on flying lessons in Australia, Britain and the United "
     "States.", "$212,000", 0, "money", "money", None),
    ("name_of_place_without_speech-lee-bg-001",
     "Hundreds of people have been forced to vacate their homes in the Southern Highlands of New South Wales as "
     "strong winds today pushed a huge bushfire towards the town of Hill Top.", "Hundreds", 0, "", "displaced",
     "Southern Highlands"),
    # list_member: the subset after a fronted total ("Of the N ..., M are ...")
    ("subset_after_fronted_total-ua-0044", "“Of the 144 freed, 95 are Azovstal defenders.”", "95", 0,
     "list_member", "other", "Azovstal"),
    ("fronted_total_percent_stays-lee-bg-122",
     "Of the organisations questioned by Dun & Bradstreet during November, 48 per cent were looking for an increase "
     "in sales in the first quarter of the new year.", "48 per cent", 0, "percent", "percent", "-"),
    # shared_fate: a companion count after "alongside"/"along with" shares the participle's category
    ("shared_fate-ua-0029",
     "Nonetheless, both men have been paraded before television cameras since they surrendered alongside hundreds of "
     "Ukrainian soldiers in May after months spent in a desperate defence of the Ukrainian steelworks.",
     "hundreds", 0, "shared_fate", "detained", "-"),
    ("shared_fate_needs_a_cue-ua-0005",
     "The crisis has been looming for weeks after as many as 190,000 Russian troops massed close to Ukraine, "
     "alongside 1,200 tanks, fighter jets and long-range missile batteries.", "1,200", 0, "", "other", "-"),
    ("shared_fate_needs_a_cue-lee-bg-126",
     "The shuttle, carrying outgoing space station commander Frank Culbertson and Russian cosmonauts Vladimir "
     "Dezhurov and Mikhail Tyurin, along with four other astronauts, landed at 12.55pm local time.",
     "four", 0, "other_count", "other", "-"),
    # "the city" points back at the topic city: the first city of the last sentence naming one
    ("anaphor_topic_city-ua-0039", _UA39_CITY, "20", 0, "", "injured", "Lysychansk"),
    ("anaphor_topic_city-ua-0046", _UA46_CITY, "two", 0, "", "killed", "Sloviansk"),
    # a national tally sets the place of the rest of its paragraph
    ("national_tally_carries-ua-0079",
     "Ukraine has lost nearly 15% of its grain storage capacity in the war, threatening its role as a key food "
     "supplier to the world, a report said. The US government-backed Conflict Observatory said Russians had seized "
     "6.24m tonnes of food storage capacity, and another 2.25m tonnes of capacity in Ukrainian hands had been "
     "destroyed, Agence France-Presse reported.", "6.24m tonnes", 0, "", "seized", "Ukraine"),
    ("national_tally_carries-ua-0032",
     "Thirty-seven thousand women are in the Ukrainian army and more than 1,000 women have become commanders, the "
     "Ukrainian first lady, Olena Zelenskam said on Friday. “Most of our doctors are women, as well as 50% of our "
     "entrepreneurs who work to support the economy at war.”", "50%", 0, "percent", "percent", "Ukraine"),
    # weapons handed over are other, not attacks (rules doc 16)
    ("given_weapons-ua-0113", _UA113_GIVEN, "thousands", 0, "", "other", "-"),
    ("given_weapons_list-ua-0113", _UA113_GIVEN, "hundreds", 0, "", "other", "-"),
    ("given_weapons-ua-0099", _UA99_GIVEN, "more than 1,600", 0, "", "other", "-"),
    ("given_weapons_list-ua-0099", _UA99_GIVEN, "4m", 0, "", "other", "-"),
    ("launched_weapons_stay_attacks-ua-0046",
     "Four missiles hit the southern city of Mykolaiv on Tuesday, according to Roman Kostenko, an MP and special "
     "forces commander.", "Four", 0, "", "attacks", "Mykolaiv"),
]


@pytest.mark.parametrize(("case", "text", "mention", "nth", "method", "category", "place"), PASS6_CASES,
                         ids=[c[0] for c in PASS6_CASES])
def test_pass6(case: str, text: str, mention: str, nth: int, method: str, category: str,
               place: str | None) -> None:
    undated = case.endswith(("lee-bg-256", "lee-bg-001", "lee-bg-006", "lee-bg-218"))  # lee_background: no date
    doc = _doc(text, None if undated else "2022-07-05")
    _assert_row(doc, _row(extract(doc), mention, nth), method, category, place)


def test_origin_beats_landmark() -> None:
    """ua-0046: "four missiles from either Kherson direction or from the Black Sea": where the missiles came
    from is not where they hit, even when the origin is a landmark."""
    rows = extract(_doc("Today there were four missiles from either Kherson direction or from the Black Sea."))
    assert _row(rows, "four").place != "Black Sea"


def test_agencies_need_a_place_in_the_name() -> None:
    """lee-bg-256: "Royal Fire Service" and "Federal Police" name no jurisdiction; a known place opening the
    name does, and the bracketed acronym maps to it too."""
    from pipeline.focus import agencies

    got = agencies("The New South Wales State Emergency Service (SES) says. The Royal Fire Service and the "
                   "Federal Police and the Department of Immigration said.")
    assert {k: v.name for k, v in got.items()} == {
        "New South Wales State Emergency Service": "New South Wales", "SES": "New South Wales"}


# A restatement of a key figure keeps the first statement's category and place when it leaves them unsaid.
# Whole articles (seeds/dev), because what the restatement lacks depends on the article around it.
@pytest.mark.parametrize(("article", "value", "field"), [
    pytest.param("lee-bg-278", 75, "category", id="lee-bg-278-netted-then-rounded"),  # detained
    pytest.param("lee-bg-261", 400, "place", id="lee-bg-261-jobs-then-redundant"),  # Australia
])
def test_restated_figure_keeps_the_first_statements_category_and_place(article: str, value: int, field: str) -> None:
    obj = json.loads((PROJECT_ROOT / "seeds" / "dev" / f"{article}.json").read_text(encoding="utf-8"))
    art = article_from_object(obj, f"{article}.json")
    first, again = sorted((r for r in extract(build_doc(art)) if r.value == value), key=lambda r: r.char_start)
    assert getattr(again, field) == getattr(first, field) not in {None, "other"}


@pytest.mark.parametrize("text", [
    pytest.param("Police said 75 militants were arrested in Jenin.\n\nThe group has 75 members.", id="other-noun"),
    pytest.param("Thousands of people were evacuated from Kherson.\n\nThousands of people attended the funeral.",
                 id="vague-count"),
])
def test_other_things_or_vague_counts_are_not_restatements(text: str) -> None:
    """Only an exact count of the same thing restates: "thousands of people" twice need not be one fact."""
    first, second = sorted(extract(_doc(text)), key=lambda r: r.char_start)
    assert first.category in {"detained", "displaced"}
    assert second.category == "other"


# Pass 7 (issue #4): subset clauses, sides as subjects, prisoners taken before what is reported.
def _dev_rows(name: str) -> list[FigureRow]:
    """Figure rows of a whole seeds/dev article (JSON or HTML), as the pipeline reads it."""
    path = PROJECT_ROOT / "seeds" / "dev" / name
    return extract(build_doc(parse_file(path, path.parent, 50_000_000)[0][0]))


@pytest.mark.parametrize(("text", "total", "subset", "subset_place"), [
    pytest.param(_UA44_LEAD, "144", "95", "Mariupol", id="ua-0044-including-who-in"),
    pytest.param("Serhiy Haidai said the fighting went on. “Of the 144 freed, 95 are Azovstal defenders.”",
                 "144", "95", "Azovstal", id="ua-0044-of-the-fronted-total"),
])
def test_subset_place_is_not_the_totals(text: str, total: str, subset: str, subset_place: str) -> None:
    """A place named inside the clause that singles out a subset is the subset's, not the total's."""
    rows = extract(_doc(text))
    assert _row(rows, subset).place == subset_place
    assert _row(rows, total).place != subset_place


@pytest.mark.parametrize(("text", "mention", "place"), [
    # ua-0005: the total's own place comes before the subset: it stays
    pytest.param("Around 100,000 people have crossed into Poland from Ukraine since Russia launched its invasion, "
                 "including 9,000 who have entered since 7am on Saturday.", "Around 100,000", "Poland",
                 id="ua-0005-place-before-including"),
    # ua-0033: the subset's "of Sievierodonetsk" is not taken from the 800, whose clause names the Azot plant
    pytest.param("Ukraine has said about 800 people were hiding in several bomb shelters underneath the Azot "
                 "plant, including about 200 employees and 600 residents of Sievierodonetsk.", "about 200",
                 "Sievierodonetsk", id="ua-0033-subset-keeps-its-place"),
])
def test_subset_place_must_not_move_the_totals_own_place(text: str, mention: str, place: str) -> None:
    assert _row(extract(_doc(text)), mention).place == place


@pytest.mark.parametrize(("article", "mention", "place"), [
    # "“Early this morning, [Ukraine] decided to spoil our Navy Day,” he posted. “An unidentified object flew
    # into the yard of the fleet headquarters ... Five people were injured": Ukraine is the side, not the place
    pytest.param("ua-0065.html", "Five", "Sevastopol", id="ua-0065-bracketed-side-decided"),
    # "The UN has previously found that Russia summarily executed Ukrainian prisoners ... It documents 77 cases"
    pytest.param("ua-0090.json", "77", "Ukraine", id="ua-0090-that-russia-executed"),
])
def test_side_subject_is_not_the_paragraph_place(article: str, mention: str, place: str) -> None:
    """A country opening its sentence as the subject acts; later sentences of the paragraph do not inherit it."""
    assert _row(_dev_rows(article), mention).place == place


@pytest.mark.parametrize(("text", "mention", "place"), [
    # lee-bg-181: in the figure's own sentence a subject country keeps its figures (only inheritance is changed)
    pytest.param("Australia has linked $10 million of aid to a new agreement with Nauru to accept an extra 400 "
                 "asylum seekers.", "$10 million", "Australia", id="lee-bg-181-own-sentence-subject"),
    # a country as a modifier ("The US space shuttle") is no subject: the next sentence still inherits it
    pytest.param("The US space shuttle Endeavour has blasted off. The shuttle is carrying 3.5 tonnes of equipment.",
                 "3.5 tonnes", "United States", id="lee-bg-modifier-not-subject"),
])
def test_side_subject_must_not_match(text: str, mention: str, place: str) -> None:
    assert _row(extract(_doc(text)), mention).place == place


@pytest.mark.parametrize(("text", "mention", "category"), [
    pytest.param("More than a thousand Azovstal defenders were transferred to Russian-held territory in May after "
                 "they surrendered to Moscow’s forces at the end of a three-month siege.", "More than a thousand",
                 "detained", id="ua-0044-after-they-surrendered"),
    pytest.param("Two British nationals have been reported killed in the fighting and another two Britons are facing "
                 "the death penalty after being captured and convicted as mercenaries by a pro-Russian court.",
                 "two", "detained", id="ua-0035-after-being-captured"),
])
def test_taken_prisoner(text: str, mention: str, category: str) -> None:
    """Soldiers whose clause says they surrendered or were captured before what it reports are detained."""
    assert _row(extract(_doc(text)), mention).category == category


@pytest.mark.parametrize(("text", "mention"), [
    # ua-0035: the reason clause belongs to the next count ("and another two Britons ... after being captured")
    pytest.param("Two British nationals have been reported killed in the fighting and another two Britons are facing "
                 "the death penalty after being captured and convicted as mercenaries by a pro-Russian court.",
                 "Two", id="ua-0035-next-counts-clause"),
])
def test_taken_prisoner_must_not_match(text: str, mention: str) -> None:
    assert _row(extract(_doc(text)), mention).category != "detained"
