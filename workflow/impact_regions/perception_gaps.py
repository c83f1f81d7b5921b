"""Table `perception_gaps`: objective index vs perceived fragility per territory and domain.

The SQL (`workflow/sql/perception_gaps.sql`) does the work; this module maps each perceived
measure (`fragilite_<domain>`) to its domain and binds the respondent group whose perception is
compared (the inhabitants, as in REPORT_SPEC §3). The standardised gap, its Monte Carlo
p-value and interval come from the Monte Carlo of `impact_regions.uncertainty` (relation
`gap_uncertainty`), where the 16 gaps of a territory are one family for Holm's correction:

    gap_p_value         two-sided Monte Carlo p-value of the gap (share of runs across 0, doubled)
    gap_p_holm          its Holm-adjusted p-value among the territory's domains
    is_gap_significant  gap_p_holm < alpha (uncertainty.gap_alpha): the only gaps coloured in the
                        charts or named in sentences
    gap_ci_low/high     the interval at the level gap_ci_level (>= 1 - alpha) at which Holm's
                        procedure tests the gap: it excludes 0 exactly when is_gap_significant
"""

from __future__ import annotations

import pandas as pd

from .storage import run_sql

QUADRANT_LABELS = {
    "fragilite_reconnue": "fragilité reconnue",
    "fragilite_sous_estimee": "fragilité sous-estimée",
    "inquietude_sans_fragilite": "inquiétude sans fragilité objective",
    "atout_partage": "atout partagé",
}


def build_perception_gaps(
    fragility_indices: pd.DataFrame,
    survey_estimates: pd.DataFrame,
    gap_uncertainty: pd.DataFrame,
    territories: pd.DataFrame,
    codebook: dict,
    group: str = "habitants",
) -> pd.DataFrame:
    measures = pd.DataFrame(
        [
            {"measure_id": m["id"], "domain_id": m["domain"]}
            for m in codebook["measures"]
            if m["kind"] == "mean" and "domain" in m
        ]
    )
    return run_sql(
        "perception_gaps",
        {
            "fragility_indices": fragility_indices,
            "survey_estimates": survey_estimates,
            "survey_domain_measures": measures,
            "territories": territories,
            "gap_uncertainty": gap_uncertainty,
        },
        {"group": group},
    )
