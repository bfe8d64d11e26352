"""Closed vocabularies of the row contract (docs: ../shared/docs/extraction-guide.md)."""

QUALIFIERS = ("exact", "approximate", "more_than", "at_least", "up_to", "less_than", "range")
FIGURE_CATEGORIES = (
    "killed", "injured", "killed_or_injured", "bodies_found", "missing", "detained", "displaced",
    "affected", "damaged", "destroyed", "seized", "attacks", "military_losses", "money", "percent", "other",
)
SPEAKER_KINDS = ("person", "government", "organisation", "media", "document", "unnamed", "group")
EVENT_TYPES = (
    "battle", "shelling_missile_attack", "air_drone_strike", "remote_explosive", "attack_on_civilians",
    "abduction_detention", "property_destruction", "mass_grave", "protest", "riot", "negotiations",
    "territory_change", "disaster", "other",
)
DATE_PRECISIONS = ("day", "week", "month", "year", "unknown")
PLACE_KINDS = ("country", "admin1", "city", "other")
ROLES = ("body", "caption", "heading", "boilerplate")
REJECT_STAGES = ("read", "decode", "parse", "segment", "extract", "validate")
