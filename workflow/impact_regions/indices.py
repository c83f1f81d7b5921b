"""Tables `indicator_values`, `indicator_scores` and `fragility_indices` (DESIGN §6-7).

The three tables are built in one step from the staged raw values: recomputing values is cheap
and the scores need all territories at once (standard deviations across départements, ranks
among regions). The SQL lives in `workflow/sql/<table>.sql`; this module prepares the
catalogue relations and the treatment parameters (impact_regions.treatment).
"""

from __future__ import annotations

import pandas as pd

from .geo import Geography
from .storage import run_sql
from .treatment import build_treatment


def catalogue_indicators(catalogue: dict) -> pd.DataFrame:
    rows = []
    for ind in catalogue["indicators"]:
        rows.append(
            {
                "indicator_id": ind["id"],
                "domain_id": ind["domain"],
                "label": ind["label"],
                "year": int(ind["year"]),
                "multiplier": float(ind.get("multiplier", 1)),
                "additive": bool(ind["additive"]),
                "has_denominator": "denominator" in ind,
                "direction": int(ind["direction"]),
                "unit": ind["unit"],
                "source_label": ind["source_label"],
            }
        )
    return pd.DataFrame(rows)


def catalogue_domains(catalogue: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"domain_id": d["id"], "label": d["label"], "family": d["family"], "position": i}
            for i, d in enumerate(catalogue["domains"])
        ]
    )


def build_indices(
    indicator_raw: pd.DataFrame,
    territories: pd.DataFrame,
    geo: Geography,
    catalogue: dict,
    terms: pd.DataFrame,
    index_options: dict,
) -> dict[str, pd.DataFrame]:
    """Return the tables indicator_values, indicator_treatment, indicator_scores, fragility_indices."""
    cat_ind = catalogue_indicators(catalogue)
    cat_dom = catalogue_domains(catalogue)
    values = run_sql(
        "indicator_values",
        {
            "indicator_raw": indicator_raw,
            "catalogue_terms": terms,
            "catalogue_indicators": cat_ind,
            "territories": territories,
            "communes": geo.communes[["code_commune", "code_departement"]],
            "departements": geo.departements[["code_departement", "code_region"]],
        },
    )
    dep_codes = set(territories.loc[territories["kind"] == "departement", "territory_code"])
    t = index_options["treatment"]
    treatment = build_treatment(
        values,
        dep_codes,
        t["enabled"],
        t["skew_threshold"],
        t["kurtosis_threshold"],
        t.get("max_winsorised", 5),
        t.get("method", "box_cox"),
    )
    scores = run_sql(
        "indicator_scores",
        {
            "indicator_values": values,
            "indicator_treatment": treatment,
            "catalogue_indicators": cat_ind,
            "territories": territories,
        },
        {"normalisation": index_options["normalisation"]},
    )
    indices = run_sql(
        "fragility_indices",
        {
            "indicator_scores": scores,
            "catalogue_domains": cat_dom,
            "territories": territories,
        },
        {"aggregation": index_options["aggregation"]},
    )
    return {
        "indicator_values": values,
        "indicator_treatment": treatment,
        "indicator_scores": scores,
        "fragility_indices": indices,
    }
