"""Table `territories`: which départements make up each territory.

Key (territory_code, departement_code). The base territories are the 18 COG regions (always,
whether or not they have a file, so that every territory can be ranked among regions), the 101
départements (code ``DEP-<code>``, so that département 84 and region 84 never collide) and
France entière (``FR``). Custom territories (files of `config/regions/` with their own code)
are computed one by one on top of the base (see :mod:`impact_regions.custom_territory`), so that
adding one never recomputes the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import DEPARTEMENT_PREFIX

if TYPE_CHECKING:  # pandas only where frames are built: the workflow's parse imports custom_definition
    import pandas as pd

    from .geo import Geography

COLUMNS = ["territory_code", "departement_code", "territory_name", "kind", "departement_name", "region_code"]


def nominative_of(genitive: str) -> str:
    """The name as a subject, with its article, derived from the name after « de » (the
    territory's `genitive`): « de la Corse » → « la Corse », « de l'Occitanie » → « l'Occitanie »,
    « du Grand Est » → « le Grand Est », « des Hauts-de-France » → « les Hauts-de-France »,
    « de Mayotte » / « d'Auvergne-Rhône-Alpes » / « de La Réunion » → the name alone."""
    g = genitive.strip()
    for prefix, article in (
        ("de la ", "la "),
        ("de l'", "l'"),
        ("de l\u2019", "l\u2019"),
        ("du ", "le "),
        ("des ", "les "),
        ("d'", ""),
        ("d\u2019", ""),
        ("de ", ""),
    ):
        if g.startswith(prefix):
            return article + g[len(prefix) :]
    return g


def territory_nominative(territory: dict) -> str:
    """The territory's `nominative` (config key), else the one derived from its `genitive`."""
    return territory.get("nominative") or nominative_of(territory["genitive"])


def sentence_subject(nominative: str) -> str:
    """A nominative at the start of a sentence: « La Corse », « L'Occitanie », « Mayotte »."""
    return nominative[:1].upper() + nominative[1:]


def is_plural(nominative: str) -> bool:
    """« les Hauts-de-France », « les Pays de la Loire » take a plural verb."""
    return nominative.lower().startswith("les ")


def custom_definition(territory: dict) -> dict:
    """What of a custom territory file the tables depend on (not `intro`: editing it reruns no table)."""
    return {k: territory[k] for k in ("code", "name", "slug", "departements")}


def _rows(geo: Geography, code: str, name: str, kind: str, dep_codes) -> list[tuple]:
    deps = geo.departements.set_index("code_departement")
    return [(code, d, name, kind, deps.at[d, "nom_departement"], deps.at[d, "code_region"]) for d in dep_codes]


def _frame(rows: list[tuple]) -> pd.DataFrame:
    import pandas as pd

    out = pd.DataFrame(rows, columns=COLUMNS).astype("string")
    assert not out.duplicated(["territory_code", "departement_code"]).any(), "territories keys must be unique"
    return out


def build_territories(geo: Geography, custom: list[dict] = ()) -> pd.DataFrame:
    """The base territories (18 regions, 101 départements, France), plus the `custom` ones given.

    Entries of `custom` of kind 'region' (files of COG regions) are ignored: regions are always
    in the base.
    """
    rows = []
    for t in custom:
        if t.get("kind", "custom") == "custom":
            rows += _rows(geo, t["code"], t["name"], "custom", t["departements"])
    for _, reg in geo.regions.sort_values("code_region").iterrows():
        rows += _rows(
            geo, reg["code_region"], reg["nom_region"], "region", geo.region_departements.get(reg["code_region"], [])
        )
    for d in sorted(geo.departement_region):
        rows += _rows(
            geo,
            DEPARTEMENT_PREFIX + d,
            geo.departements.set_index("code_departement").at[d, "nom_departement"],
            "departement",
            [d],
        )
    rows += _rows(geo, "FR", "France", "france", sorted(geo.departement_region))
    return _frame(rows)


def custom_territory(geo: Geography, definition: dict) -> pd.DataFrame:
    """The rows of one custom territory."""
    return _frame(_rows(geo, definition["code"], definition["name"], "custom", definition["departements"]))
