"""Shared pieces of the report context: respondent groups, domain families, ordinals, survey
estimate lookups.

Used by the section modules (report_profile, report_perception, report_actors, report_method,
report_essentiel) that :func:`impact_regions.report_context.build_context` assembles.
"""

from __future__ import annotations

import math

GROUPS = ["habitants", "associations", "entreprises", "maires"]
GROUP_LABELS = {
    "habitants": "Habitants",
    "associations": "Associations",
    "entreprises": "Entreprises",
    "maires": "Maires",
}
#: « d’associations et de maires »: the groups as « trop peu » and « les effectifs » count them
GROUP_PARTITIVES = {
    "habitants": "d’habitants",
    "associations": "d’associations",
    "entreprises": "d’entreprises",
    "maires": "de maires",
}
GROUP_PHRASES = {
    "habitants": "les habitants",
    "associations": "les responsables associatifs",
    "entreprises": "les dirigeants d'entreprise",
    "maires": "les maires",
}
#: The domain families, in DESIGN §5's order and written as it writes them (accents included), and
#: what readers see: the one place these are written (the indicator tables, the charts, the data
#: downloads and the tables' archive import them; the contract's code list family gives each its
#: longer meaning, tests/test_table_contract.py checks they agree).
FAMILIES = ["économique", "social", "sociétal", "environnemental"]
FAMILY_LABELS = {
    "économique": "Économique",
    "social": "Social",
    "sociétal": "Sociétal",
    "environnemental": "Environnemental",
}
#: « la famille économique »: the captions of the indicator tables and the legend of the profile
#: chart (« famille » is feminine: « Famille sociale », not « Famille social »)
FAMILY_TITLES = {
    "économique": "Famille économique",
    "social": "Famille sociale",
    "sociétal": "Famille sociétale",
    "environnemental": "Famille environnementale",
}
QUADRANTS = {
    "fragilite_reconnue": "Fragilité reconnue",
    "fragilite_sous_estimee": "Fragilité sous-estimée",
    "inquietude_sans_fragilite": "Inquiétude sans fragilité objective",
    "atout_partage": "Atout partagé",
}
#: the key data of the profile (REPORT_SPEC §2): indicator id -> label, decimals
KEY_INDICATORS = [
    ("part_75p", "Part des 75 ans et plus", 1),
    ("taux_chomage_localise", "Taux de chômage (BIT)", 1),
    ("taux_pauvrete", "Taux de pauvreté", 1),
    ("mediane_niveau_vie", "Niveau de vie médian", 0),
]
MODES = [
    ("mode_mecenat", "Mécénat"),
    ("mode_pratiques_responsables", "Pratiques responsables"),
    ("mode_innovation_societale", "Innovation sociétale"),
    ("mode_cooperation_economique", "Coopération économique"),
]
CAUTION = "à interpréter avec prudence"


def ordinal(n: int, feminine: bool = False) -> str:
    """1er / 1re, 2e, 11e (French abbreviated ordinals)."""
    return f"{n}{('re' if feminine else 'er') if n == 1 else 'e'}"


def num(x):
    """Float or None (JSON has no NaN)."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


class Estimates:
    """Lookup of survey estimates for one territory and France."""

    def __init__(self, se: list[dict], code: str):
        self.rows = {
            (r["territory_code"], r["respondent_group"], r["measure_id"]): r
            for r in se
            if r["territory_code"] in (code, "FR")
        }
        self.code = code

    def get(self, group: str, measure: str, territory: str | None = None) -> dict | None:
        r = self.rows.get((territory or self.code, group, measure))
        if r is None:
            return None
        return {
            "estimate": num(r["estimate"]),
            "se": num(r["se"]),
            "ci_low": num(r["ci_low"]),
            "ci_high": num(r["ci_high"]),
            "n": int(r["n"]),
            "n_eff": num(r["n_eff"]),
            "diff": num(r["diff_vs_france"]),
            "p_value": num(r["p_value"]),
            "is_significant": bool(r["is_significant"]),
            "reliability": str(r["reliability"]),
        }

    def pair(self, group: str, measure: str) -> dict:
        """The territory's estimate with France's beside it."""
        mine = self.get(group, measure) or {
            "estimate": None,
            "reliability": "non_publie",
            "n": 0,
            "is_significant": False,
        }
        france = self.get(group, measure, "FR") or {}
        return {**mine, "france": france.get("estimate")}


def direction_word(item: dict, higher="supérieure", lower="inférieure", same="comparable") -> str:
    """Higher / lower than France only when significant."""
    if not item.get("is_significant") or item.get("diff") is None:
        return same
    return higher if item["diff"] > 0 else lower


def caution_suffix(item: dict) -> str:
    return f" ({CAUTION})" if item.get("reliability") == "prudence" else ""


def group_ties(items: list[tuple[str, float]], fmt, order: dict[str, int] | None = None) -> list[tuple[list[str], str]]:
    """[(name, value)] sorted desc -> [([names with the same printed value], printed value)].

    Names that print the same value are a tie whatever their unrounded values: with `order`
    (name -> position in the catalogue) they are listed in the catalogue's order, so that a
    difference in the third decimal does not reorder a sentence."""
    out: list[tuple[list[str], str]] = []
    for name, value in items:
        text = fmt(value)
        if out and out[-1][1] == text:
            out[-1][0].append(name)
        else:
            out.append(([name], text))
    if order:
        for names, _ in out:
            names.sort(key=lambda n: order.get(n, len(order)))
    return out
