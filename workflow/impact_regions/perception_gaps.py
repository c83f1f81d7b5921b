"""Table `perception_gaps`: objective index vs perceived fragility per territory and domain.

The SQL (`workflow/sql/perception_gaps.sql`) does the work; this module maps each perceived
measure (`fragilite_<domain>`) to its domain and binds the respondent group whose perception is
compared (the inhabitants, as in REPORT_SPEC §3). The standardised gap and its interval come
from the Monte Carlo of `impact_regions.uncertainty` (relation `gap_uncertainty`).
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


def build_perception_gaps(fragility_indices: pd.DataFrame, survey_estimates: pd.DataFrame,
                          gap_uncertainty: pd.DataFrame, territories: pd.DataFrame, codebook: dict,
                          group: str = "habitants") -> pd.DataFrame:
    measures = pd.DataFrame([{"measure_id": m["id"], "domain_id": m["domain"]}
                             for m in codebook["measures"] if m["kind"] == "mean" and "domain" in m])
    return run_sql("perception_gaps", {
        "fragility_indices": fragility_indices, "survey_estimates": survey_estimates,
        "survey_domain_measures": measures, "territories": territories, "gap_uncertainty": gap_uncertainty,
    }, {"group": group})
