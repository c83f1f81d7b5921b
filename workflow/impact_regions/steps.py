"""The pipeline steps, one function per Snakemake rule, each read as Load / Process / Save.

Each function takes plain paths and options (no Snakemake object) and:

- Load: reads every input (parquet tables, the YAML catalogues, the geography);
- Process: calls the builder of the module named after what it builds (`build_territories`,
  `build_indices`, `build_survey_estimates`, `build_custom_territory`...), which holds all the
  processing;
- Save: writes its outputs atomically (:func:`~impact_regions.storage.write_table`), each checked
  against its table's contract in ``workflow/schemas/tables.yaml`` (key, columns, types, NULLs,
  accepted values).

`workflow/scripts/*.py` unpack the `snakemake` object into these arguments; tests call the same
functions directly.

Each function imports the modules it needs: a job pays only for its own imports (importing
every builder, scipy and DuckDB included, cost each job more than a second).
"""

from __future__ import annotations

import pandas as pd

from .storage import write_table


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
    from .survey_weights import build_weights_and_margins

    resp = pd.read_parquet(respondents)
    pop = read_population(population_csv)
    terr = pd.read_parquet(territories)

    weights, margins = build_weights_and_margins(resp, pop, terr, raking_options, weighting)

    write_table(weights, out_weights, "survey_weights")
    write_table(margins, out_margins, "raking_margins")


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
    the rank intervals), the treatment decisions and the coherence audit `index_audit`; every
    treated value in the job's log."""
    from .config import load_indicators
    from .geo import load_geo
    from .index_audit import audit_catalogue, audit_options, build_index_audit
    from .indicator_raw import catalogue_terms
    from .indices import build_indices
    from .treatment import log_treatment

    geo = load_geo(geo_dir)
    catalogue = load_indicators(indicators_yaml)
    terr = pd.read_parquet(territories)
    raw = pd.read_parquet(indicator_raw)

    tables = build_indices(raw, terr, geo, catalogue, catalogue_terms(catalogue), index_options)
    log_treatment(tables["indicator_treatment"], tables["indicator_scores"])
    tables["index_audit"] = build_index_audit(
        tables["indicator_values"],
        tables["indicator_scores"],
        tables["fragility_indices"],
        tables["indicator_treatment"],
        terr,
        audit_catalogue(catalogue),
        audit_options(index_options, audit),
    )

    tables["fragility_point"] = tables.pop("fragility_indices")  # staged: no rank interval yet
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
    """Table `survey_estimates`, with the weights `weighting` names (raked: the variance accounts
    for the calibration)."""
    from .config import load_indicators, load_survey
    from .survey_estimates import build_survey_estimates, estimation_inputs

    codebook = load_survey(survey_yaml, load_indicators(indicators_yaml)["domains"])
    resp = pd.read_parquet(respondents)
    weights = pd.read_parquet(survey_weights)
    terr = pd.read_parquet(territories)
    # the answers (one row per respondent and measure: 35 M rows for 1 M inhabitants) are read by
    # DuckDB from their parquet file, in the same order, without a pandas copy: `responses` stays a path

    resp, calibration = estimation_inputs(resp, weights, weighting, raking_options or {})
    table = build_survey_estimates(resp, responses, terr, codebook, options, calibration)

    write_table(table, out, "survey_estimates")


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
    from .uncertainty_tables import build_uncertainty_tables

    catalogue = load_indicators(indicators_yaml)
    codebook = load_survey(survey_yaml, catalogue["domains"])
    values = pd.read_parquet(indicator_values)
    point = pd.read_parquet(fragility_point)
    treatment = pd.read_parquet(indicator_treatment)
    estimates = pd.read_parquet(survey_estimates)
    terr = pd.read_parquet(territories)

    tables = build_uncertainty_tables(
        values, point, treatment, estimates, terr, catalogue, index_options, uncertainty_options
    )
    tables["perception_gaps"] = build_perception_gaps(
        tables["fragility_indices"], estimates, tables.pop("gap_uncertainty"), terr, codebook
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
    """Every per-territory table's rows for one custom territory, computed on top of the base
    tables (:mod:`impact_regions.custom_territory` says how). `options` holds the config sections
    index, survey_estimation, weighting, raking, audit and uncertainty.
    """
    from .config import load_indicators, load_survey
    from .custom_territory import build_custom_territory
    from .geo import load_geo
    from .population import read_population

    geo = load_geo(geo_dir)
    catalogue = load_indicators(indicators_yaml)
    codebook = load_survey(survey_yaml, catalogue["domains"])
    indicator_raw = pd.read_parquet(staging["indicator_raw"])
    respondents = pd.read_parquet(staging["survey_respondents"])
    responses = pd.read_parquet(staging["survey_responses"])
    population = read_population(staging["population"])
    base_territories = pd.read_parquet(base["territories"])
    weights = pd.read_parquet(base["survey_weights"])
    base_estimates = pd.read_parquet(base["survey_estimates"])

    tables = build_custom_territory(
        definition,
        geo,
        catalogue,
        codebook,
        indicator_raw,
        base_territories,
        respondents,
        responses,
        weights,
        base_estimates,
        population,
        options,
    )

    for name, path in outputs.items():
        write_table(tables[name], path, name)


def gather_step(parts: dict[str, list[str]], outputs: dict[str, str]) -> None:
    """The published tables: base rows and every custom territory's rows, one file per table."""
    for name, paths in parts.items():
        frames = [pd.read_parquet(p) for p in paths]
        write_table(pd.concat(frames, ignore_index=True), outputs[name], name)
