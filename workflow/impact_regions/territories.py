"""Table `territories`: which départements make up each territory.

Key (territory_code, departement_code). Territories are the 18 COG regions (always, so that
every territory can be ranked among regions), the custom territories of `config/regions/`,
the 101 départements (code ``DEP-<code>``, so that département 84 and region 84 never collide)
and France entière (``FR``).
"""

from __future__ import annotations

import pandas as pd

from .config import DEPARTEMENT_PREFIX
from .geo import Geography

COLUMNS = ["territory_code", "departement_code", "territory_name", "kind", "slug", "departement_name", "region_code"]


def territory_params(territory_files: list[dict]) -> list[dict]:
    """What of the territory files the tables depend on (not `intro`, so editing it reruns no table)."""
    return [{k: t[k] for k in ("code", "name", "slug", "kind", "departements")} for t in territory_files]


def build_territories(geo: Geography, territory_files: list[dict]) -> pd.DataFrame:
    deps = geo.departements.set_index("code_departement")
    by_code = {t["code"]: t for t in territory_files}
    rows = []

    def add(code, name, kind, slug, dep_codes):
        for d in dep_codes:
            rows.append((code, d, name, kind, slug, deps.at[d, "nom_departement"], deps.at[d, "code_region"]))

    for _, reg in geo.regions.sort_values("code_region").iterrows():
        code = reg["code_region"]
        t = by_code.get(code)
        add(code, t["name"] if t else reg["nom_region"], "region", t["slug"] if t else None,
            geo.region_departements.get(code, []))
    for t in territory_files:
        if t["kind"] == "custom":
            add(t["code"], t["name"], "custom", t["slug"], t["departements"])
    for d in sorted(deps.index):
        add(DEPARTEMENT_PREFIX + d, deps.at[d, "nom_departement"], "departement", None, [d])
    add("FR", "France", "france", None, sorted(deps.index))
    out = pd.DataFrame(rows, columns=COLUMNS)
    for c in COLUMNS:
        out[c] = out[c].astype("string")
    assert not out.duplicated(["territory_code", "departement_code"]).any(), "territories keys must be unique"
    return out
