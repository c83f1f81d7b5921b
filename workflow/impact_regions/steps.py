"""The pipeline steps, one function per Snakemake rule.

Each function takes plain paths and options (no Snakemake object), reads its inputs, calls the
builders of the package and writes its outputs atomically (:func:`~impact_regions.storage.write_table`),
each checked against its table's contract in ``workflow/schemas/tables.yaml`` (key, columns, types,
NULLs, accepted values). `workflow/scripts/*.py` unpack the `snakemake` object into these
arguments; tests call the same functions directly.

Each function imports the modules it needs: a job pays only for its own imports (importing
every builder, scipy and DuckDB included, cost each job more than a second).
"""

from __future__ import annotations

import pandas as pd

from .storage import write_table

RANK_COLUMNS = ["rank_median", "rank_p05", "rank_p95"]
GAP_COLUMNS = ["gap", "gap_ci_low", "gap_ci_high", "gap_ci_level", "gap_p_value", "gap_p_holm", "is_gap_significant"]


def territories_step(geo_dir: str, out: str) -> None:
    from .geo import load_geo
    from .territories import build_territories

    write_table(build_territories(load_geo(geo_dir)), out, "territories")


def indicator_raw_step(geo_dir: str, raw_dir: str, indicators_yaml: str, out: str, workers: int = 1) -> None:
    from .config import load_indicators
    from .geo import load_geo
    from .indicator_raw import build_indicator_raw

    geo = load_geo(geo_dir)
    catalogue = load_indicators(indicators_yaml)
    write_table(build_indicator_raw(catalogue, raw_dir, geo, workers), out, "indicator_raw")


def survey_step(
    geo_dir: str, raw_dir: str, indicators_yaml: str, survey_yaml: str, out_respondents: str, out_responses: str
) -> None:
    from .config import load_indicators, load_survey
    from .geo import load_geo
    from .survey_responses import build_survey

    geo = load_geo(geo_dir)
    codebook = load_survey(survey_yaml, load_indicators(indicators_yaml)["domains"])
    respondents, responses = build_survey(codebook, raw_dir, geo)
    write_table(respondents, out_respondents, "survey_respondents")
    write_table(responses, out_responses, "survey_responses")


def audit_options(index_options: dict, audit: dict) -> dict:
    """The audit's options with the index's treatment thresholds and aggregation it reports on."""
    t = index_options["treatment"]
    return {
        **audit,
        "skew_threshold": t["skew_threshold"],
        "kurtosis_threshold": t["kurtosis_threshold"],
        "aggregation": index_options["aggregation"],
    }


def log_treatment(treatment: pd.DataFrame, scores: pd.DataFrame) -> None:
    """Every treated indicator and every treated value in the job's log (the index_audit table
    keeps them too: checks `traitement` and `valeur_traitee`)."""
    import logging

    log = logging.getLogger("treatment")
    treated = scores[scores["is_treated"]]
    for _, t in treatment[treatment["method"] != "aucun"].iterrows():
        pts = treated[treated["indicator_id"] == t["indicator_id"]]
        log.info(
            "%s: %s (skewness %.2f -> %.2f, kurtosis %.2f -> %.2f), %d value(s) treated: %s",
            t["indicator_id"],
            t["method"],
            t["skew_before"],
            t["skew_after"],
            t["kurtosis_before"],
            t["kurtosis_after"],
            len(pts),
            ", ".join(f"{c}={v:g}" for c, v in zip(pts["territory_code"], pts["value"], strict=True)),
        )


def survey_weights_step(
    respondents: str,
    population_csv: str,
    territories: str,
    weighting: str,
    raking_options: dict,
    out_weights: str,
    out_margins: str,
) -> None:
    """Tables `survey_weights` (every inhabitant: design, scaled and raked weight) and
    `raking_margins` (population target vs achieved share by sex and age band, for the regions
    and France).

    With `weighting: given` nothing is raked (no margin can stop the run): the weights are the
    design weights and the margins table gives their shares beside the population's."""
    from .population import read_population
    from .survey_weights import build_survey_weights, margins_for

    resp = pd.read_parquet(respondents)
    pop = read_population(population_csv)
    terr = pd.read_parquet(territories)
    regions = terr[terr["kind"] == "region"]
    weights, margins, _ = build_survey_weights(resp, pop, regions, raking_options, weighting)
    france = margins_for(
        "FR",
        sorted(terr.loc[terr["kind"] == "departement", "departement_code"].unique()),
        resp.merge(weights[["respondent_id", "weight_raked"]], on="respondent_id", how="inner", validate="one_to_one"),
        pop,
        raking_options,
    )
    write_table(weights, out_weights, "survey_weights")
    write_table(pd.concat([margins, france], ignore_index=True), out_margins, "raking_margins")


def apply_weights(respondents: pd.DataFrame, survey_weights: pd.DataFrame, weighting: str) -> pd.DataFrame:
    """The respondents with the weights the estimates use: the raked weight of every inhabitant
    when `weighting` is `raked`, the design weight otherwise (organisations always keep theirs)."""
    if weighting == "given":
        return respondents
    out = respondents.merge(
        survey_weights[["respondent_id", "weight_raked"]], on="respondent_id", how="left", validate="many_to_one"
    )
    citizens = out["sexe"].notna()
    missing = citizens & out["weight_raked"].isna()
    if missing.any():
        raise AssertionError(
            f"{int(missing.sum())} inhabitants have no raked weight, e.g. {out.loc[missing, 'respondent_id'].iloc[0]}"
        )
    out["weight"] = out["weight_raked"].where(citizens, out["weight"])
    return out.drop(columns="weight_raked")


def estimation_inputs(
    respondents: pd.DataFrame, survey_weights: pd.DataFrame, weighting: str, raking_options: dict
) -> tuple[pd.DataFrame, dict | None]:
    """The respondents with the weights the estimates use and, when they are raked, the relations
    that make the variance account for the calibration (None: the weights are used as given)."""
    resp = apply_weights(respondents, survey_weights, weighting)
    if weighting != "raked":
        return resp, None
    from .calibration_variance import calibration_relations
    from .raking import calibration_options

    return resp, calibration_relations(resp, survey_weights, calibration_options(raking_options)["margins"])


def indices_step(
    geo_dir: str,
    indicator_raw: str,
    territories: str,
    indicators_yaml: str,
    index_options: dict,
    audit: dict,
    outputs: dict[str, str],
) -> None:
    """indicator_values, indicator_scores, the point indices (staging: the uncertainty step adds
    the rank intervals), the treatment decisions and the coherence audit `index_audit`."""
    from .config import load_indicators
    from .geo import load_geo
    from .index_audit import audit_catalogue, build_index_audit
    from .indicator_raw import catalogue_terms
    from .indices import build_indices

    geo = load_geo(geo_dir)
    catalogue = load_indicators(indicators_yaml)
    terr = pd.read_parquet(territories)
    tables = build_indices(
        pd.read_parquet(indicator_raw), terr, geo, catalogue, catalogue_terms(catalogue), index_options
    )
    tables["fragility_point"] = tables.pop("fragility_indices")
    log_treatment(tables["indicator_treatment"], tables["indicator_scores"])
    tables["index_audit"] = build_index_audit(
        tables["indicator_values"],
        tables["indicator_scores"],
        tables["fragility_point"],
        tables["indicator_treatment"],
        terr,
        audit_catalogue(catalogue),
        audit_options(index_options, audit),
    )
    for name, path in outputs.items():
        write_table(tables[name], path, name)


def survey_estimates_step(
    respondents: str,
    responses: str,
    survey_weights: str,
    territories: str,
    indicators_yaml: str,
    survey_yaml: str,
    weighting: str,
    options: dict,
    out: str,
    raking_options: dict | None = None,
) -> None:
    from .config import load_indicators, load_survey
    from .survey_estimates import build_survey_estimates

    codebook = load_survey(survey_yaml, load_indicators(indicators_yaml)["domains"])
    resp, calibration = estimation_inputs(
        pd.read_parquet(respondents), pd.read_parquet(survey_weights), weighting, raking_options or {}
    )
    # the answers (one row per respondent and measure: 35 M rows for 1 M inhabitants) are read by
    # DuckDB from their parquet file, in the same order, without a pandas copy
    table = build_survey_estimates(resp, responses, pd.read_parquet(territories), codebook, options, calibration)
    write_table(table, out, "survey_estimates")


def perceived_inputs(survey_estimates: pd.DataFrame) -> pd.DataFrame:
    """The inhabitants' perceived fragility per territory and domain, as the Monte Carlo needs it."""
    se = survey_estimates
    rows = se[(se["respondent_group"] == "habitants") & se["measure_id"].str.startswith("fragilite_")]
    out = rows.assign(domain_id=rows["measure_id"].str.removeprefix("fragilite_"))
    return out[["territory_code", "domain_id", "estimate", "se", "diff_vs_france", "se_diff"]].reset_index(drop=True)


def uncertainty_tables(
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
    (Sobol indices of each methodological choice) and the perception gaps' intervals."""
    from .indices import catalogue_indicators
    from .treatment import build_treatment
    from .uncertainty import DEFAULT_OPTIONS, run_uncertainty, treatment_options

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


def perception_gaps_step(
    indicator_values: str,
    fragility_point: str,
    indicator_treatment: str,
    survey_estimates: str,
    territories: str,
    indicators_yaml: str,
    survey_yaml: str,
    index_options: dict,
    uncertainty_options: dict,
    outputs: dict[str, str],
) -> None:
    """fragility_indices (point values + Monte Carlo rank intervals), sensitivity (Sobol indices)
    and perception_gaps (with the gaps' intervals): one job, since the gaps need the draws."""
    from .config import load_indicators, load_survey
    from .perception_gaps import build_perception_gaps

    catalogue = load_indicators(indicators_yaml)
    codebook = load_survey(survey_yaml, catalogue["domains"])
    estimates = pd.read_parquet(survey_estimates)
    territories_df = pd.read_parquet(territories)
    tables = uncertainty_tables(
        pd.read_parquet(indicator_values),
        pd.read_parquet(fragility_point),
        pd.read_parquet(indicator_treatment),
        estimates,
        territories_df,
        catalogue,
        index_options,
        uncertainty_options,
    )
    tables["perception_gaps"] = build_perception_gaps(
        tables["fragility_indices"], estimates, tables.pop("gap_uncertainty"), territories_df, codebook
    )
    for name, path in outputs.items():
        write_table(tables[name], path, name)


def custom_territory_step(
    geo_dir: str,
    definition: dict,
    staging: dict[str, str],
    base: dict[str, str],
    indicators_yaml: str,
    survey_yaml: str,
    options: dict,
    outputs: dict[str, str],
) -> None:
    """Every per-territory table's rows for one custom territory, computed on top of the base tables.

    Indices need the départements (standard deviations), France and the regions (ranks); survey
    estimates need France (the contrast): they are recomputed with the territory added, and only
    its rows are kept. The Monte Carlo reruns over the regions and the territory with the same
    seed; its draws do not depend on the set of territories, so the regions' intervals are those
    of the base tables. `options` holds the config sections index, survey_estimation, weighting,
    raking, audit and uncertainty.
    """
    from .config import load_indicators, load_survey
    from .geo import load_geo
    from .index_audit import audit_catalogue, build_index_audit
    from .indicator_raw import catalogue_terms
    from .indices import build_indices
    from .perception_gaps import build_perception_gaps
    from .population import read_population
    from .survey_estimates import build_survey_estimates
    from .survey_weights import margins_for
    from .territories import custom_territory

    geo = load_geo(geo_dir)
    catalogue = load_indicators(indicators_yaml)
    codebook = load_survey(survey_yaml, catalogue["domains"])
    code = definition["code"]
    mine = custom_territory(geo, definition)
    base_territories = pd.read_parquet(base["territories"])
    all_territories = pd.concat([base_territories, mine], ignore_index=True)
    idx = build_indices(
        pd.read_parquet(staging["indicator_raw"]),
        all_territories,
        geo,
        catalogue,
        catalogue_terms(catalogue),
        options["index"],
    )
    audit = build_index_audit(
        idx["indicator_values"],
        idx["indicator_scores"],
        idx["fragility_indices"],
        idx["indicator_treatment"],
        all_territories,
        audit_catalogue(catalogue),
        audit_options(options["index"], options["audit"]),
    )
    weights = pd.read_parquet(base["survey_weights"])
    respondents = pd.read_parquet(staging["survey_respondents"])
    with_fr = all_territories[all_territories["territory_code"].isin([code, "FR"])]
    resp, calibration = estimation_inputs(respondents, weights, options["weighting"], options["raking"])
    est = build_survey_estimates(
        resp, pd.read_parquet(staging["survey_responses"]), with_fr, codebook, options["survey_estimation"], calibration
    )
    base_est = pd.read_parquet(base["survey_estimates"])
    all_est = pd.concat([base_est[base_est["territory_code"] != "FR"], est], ignore_index=True)
    unc = uncertainty_tables(
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
    raked = respondents.merge(
        weights[["respondent_id", "weight_raked"]], on="respondent_id", how="inner", validate="one_to_one"
    )
    margins = margins_for(
        code, definition["departements"], raked, read_population(staging["population"]), options["raking"]
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
    for name, path in outputs.items():
        df = tables[name]
        write_table(df[df["territory_code"] == code].reset_index(drop=True), path, name)


def gather_step(parts: dict[str, list[str]], outputs: dict[str, str]) -> None:
    """The published tables: base rows and every custom territory's rows, one file per table."""
    for name, paths in parts.items():
        frames = [pd.read_parquet(p) for p in paths]
        write_table(pd.concat(frames, ignore_index=True), outputs[name], name)
