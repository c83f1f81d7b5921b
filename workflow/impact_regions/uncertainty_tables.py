"""Tables of the uncertainty job: `fragility_indices` (the point indices with their Monte Carlo
rank interval), `sensitivity` (Sobol indices of each methodological choice) and the perception
gaps' intervals that `perception_gaps` adds to its rows.

:mod:`impact_regions.uncertainty` runs the Monte Carlo; this module gathers its inputs from the
pipeline's tables (the treatment of every method the draws may use, the inhabitants' perceived
fragility) and joins its results to the point indices.
"""

from __future__ import annotations

import pandas as pd

from .indices import catalogue_indicators
from .treatment import build_treatment
from .uncertainty import DEFAULT_OPTIONS, run_uncertainty, treatment_options

#: Columns the uncertainty job adds at the end of `fragility_indices` ...
RANK_COLUMNS = ["rank_median", "rank_p05", "rank_p95"]
#: ... and of `perception_gaps`.
GAP_COLUMNS = ["gap", "gap_ci_low", "gap_ci_high", "gap_ci_level", "gap_p_value", "gap_p_holm", "is_gap_significant"]


def perceived_inputs(survey_estimates: pd.DataFrame) -> pd.DataFrame:
    """The inhabitants' perceived fragility per territory and domain, as the Monte Carlo needs it."""
    se = survey_estimates
    rows = se[(se["respondent_group"] == "habitants") & se["measure_id"].str.startswith("fragilite_")]
    out = rows.assign(domain_id=rows["measure_id"].str.removeprefix("fragilite_"))
    return out[["territory_code", "domain_id", "estimate", "se", "diff_vs_france", "se_diff"]].reset_index(drop=True)


def build_uncertainty_tables(
    values: pd.DataFrame,
    point: pd.DataFrame,
    treatment: pd.DataFrame,
    estimates: pd.DataFrame,
    territories: pd.DataFrame,
    catalogue: dict,
    index_options: dict,
    uncertainty_options: dict,
) -> dict[str, pd.DataFrame]:
    """fragility_indices (the point indices with their Monte Carlo rank interval), sensitivity
    (Sobol indices of each methodological choice) and the perception gaps' intervals
    (`gap_uncertainty`, for :func:`~impact_regions.perception_gaps.build_perception_gaps`)."""
    t = index_options["treatment"]
    configured = t.get("method", "box_cox")
    # one treatment table per method the draws may use: the pipeline's own for the configured
    # method when it is enabled, the rule's decision with that method otherwise
    deps = set(territories.loc[territories["kind"] == "departement", "territory_code"])
    wanted = [
        m
        for m in treatment_options(
            list(uncertainty_options.get("treatment", DEFAULT_OPTIONS["treatment"])), index_options
        )
        if m != "none"
    ]
    tables = {
        m: (
            treatment
            if (t["enabled"] and m == configured)
            else build_treatment(
                values, deps, True, t["skew_threshold"], t["kurtosis_threshold"], t.get("max_winsorised", 5), m
            )
        )
        for m in dict.fromkeys([configured, *wanted])
    }
    mc = run_uncertainty(
        values,
        territories,
        catalogue_indicators(catalogue),
        [d["id"] for d in catalogue["domains"]],
        tables,
        perceived_inputs(estimates),
        index_options,
        uncertainty_options,
    )
    ranks = mc["rank_intervals"][["territory_code", "domain_id", *RANK_COLUMNS]]
    fi = point.merge(ranks, on=["territory_code", "domain_id"], how="left", validate="one_to_one")
    gaps = mc["gaps"][["territory_code", "domain_id", *GAP_COLUMNS]]
    return {"fragility_indices": fi, "sensitivity": mc["sensitivity"], "gap_uncertainty": gaps}
