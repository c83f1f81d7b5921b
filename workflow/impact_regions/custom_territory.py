"""The custom part of the tables: every per-territory table's rows for one custom territory (any
set of départements, a file of `config/regions/` with its own code), computed on top of the base
tables so that adding or editing one territory recomputes that territory only.

Indices need the départements (standard deviations), France and the regions (ranks); survey
estimates need France (the contrast): they are recomputed with the territory added, and only its
rows are kept. The Monte Carlo reruns over the regions and the territory with the same seed; its
draws do not depend on the set of territories, so the regions' intervals are those of the base
tables. The territory's raking margins compare its population with the weights its inhabitants
were raked to in their regions.
"""

from __future__ import annotations

import pandas as pd

from .geo import Geography
from .index_audit import audit_catalogue, audit_options, build_index_audit
from .indicator_raw import catalogue_terms
from .indices import build_indices
from .perception_gaps import build_perception_gaps
from .survey_estimates import build_survey_estimates, estimation_inputs
from .survey_weights import margins_for, with_raked_weights
from .territories import custom_territory
from .uncertainty_tables import build_uncertainty_tables


def build_custom_territory(
    definition: dict,
    geo: Geography,
    catalogue: dict,
    codebook: dict,
    indicator_raw: pd.DataFrame,
    base_territories: pd.DataFrame,
    respondents: pd.DataFrame,
    responses: pd.DataFrame,
    survey_weights: pd.DataFrame,
    base_estimates: pd.DataFrame,
    population: pd.DataFrame,
    options: dict,
) -> dict[str, pd.DataFrame]:
    """The rows of the territory `definition` (code, name, départements) in every per-territory
    table: territories, indicator_values, indicator_scores, fragility_indices, survey_estimates,
    perception_gaps, raking_margins and index_audit.

    The frames are the staging tables (indicator_raw, survey_respondents, survey_responses), the
    base tables (territories, survey_weights, survey_estimates) and the population extract;
    `options` holds the config sections index, survey_estimation, weighting, raking, audit and
    uncertainty.
    """
    code = definition["code"]
    mine = custom_territory(geo, definition)
    all_territories = pd.concat([base_territories, mine], ignore_index=True)
    idx = build_indices(indicator_raw, all_territories, geo, catalogue, catalogue_terms(catalogue), options["index"])
    audit = build_index_audit(
        idx["indicator_values"],
        idx["indicator_scores"],
        idx["fragility_indices"],
        idx["indicator_treatment"],
        all_territories,
        audit_catalogue(catalogue),
        audit_options(options["index"], options["audit"]),
    )
    with_fr = all_territories[all_territories["territory_code"].isin([code, "FR"])]
    resp, calibration = estimation_inputs(respondents, survey_weights, options["weighting"], options["raking"])
    est = build_survey_estimates(resp, responses, with_fr, codebook, options["survey_estimation"], calibration)
    all_est = pd.concat([base_estimates[base_estimates["territory_code"] != "FR"], est], ignore_index=True)
    unc = build_uncertainty_tables(
        idx["indicator_values"],
        idx["fragility_indices"],
        idx["indicator_treatment"],
        all_est,
        all_territories,
        catalogue,
        options["index"],
        options["uncertainty"],
    )
    fi = unc["fragility_indices"]
    gaps = build_perception_gaps(
        fi[fi["territory_code"].isin([code, "FR"])], est, unc["gap_uncertainty"], with_fr, codebook
    )
    margins = margins_for(
        code, definition["departements"], with_raked_weights(respondents, survey_weights), population, options["raking"]
    )
    tables = {
        "territories": mine,
        "indicator_values": idx["indicator_values"],
        "indicator_scores": idx["indicator_scores"],
        "fragility_indices": fi,
        "survey_estimates": est,
        "perception_gaps": gaps,
        "raking_margins": margins,
        "index_audit": audit,
    }
    return {name: df[df["territory_code"] == code].reset_index(drop=True) for name, df in tables.items()}
