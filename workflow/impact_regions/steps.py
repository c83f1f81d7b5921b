"""The pipeline steps, one function per Snakemake rule.

Each function takes plain paths and options (no Snakemake object), reads its inputs, calls the
builders of the package and writes its outputs atomically. `workflow/scripts/*.py` unpack the
`snakemake` object into these arguments; tests call the same functions directly.
"""

from __future__ import annotations

import pandas as pd

from .config import load_indicators, load_survey
from .geo import load_geo
from .indicator_raw import build_indicator_raw, catalogue_terms
from .indices import build_indices
from .perception_gaps import build_perception_gaps
from .storage import write_table
from .survey_estimates import build_survey_estimates
from .survey_responses import build_survey
from .territories import build_territories, custom_territory

KEYS = {
    "territories": ["territory_code", "departement_code"],
    "indicator_raw": ["source", "level", "geo_code", "column"],
    "survey_respondents": ["file_id", "respondent_id"],
    "survey_responses": ["file_id", "respondent_id", "measure_id"],
    "indicator_values": ["indicator_id", "territory_code"],
    "indicator_treatment": ["indicator_id"],
    "indicator_scores": ["indicator_id", "territory_code"],
    "fragility_indices": ["territory_code", "domain_id"],
    "survey_estimates": ["territory_code", "respondent_group", "measure_id"],
    "perception_gaps": ["territory_code", "domain_id"],
}


def territories_step(geo_dir: str, out: str) -> None:
    write_table(build_territories(load_geo(geo_dir)), out, KEYS["territories"])


def indicator_raw_step(geo_dir: str, raw_dir: str, indicators_yaml: str, out: str, workers: int = 1) -> None:
    geo = load_geo(geo_dir)
    catalogue = load_indicators(indicators_yaml)
    write_table(build_indicator_raw(catalogue, raw_dir, geo, workers), out, KEYS["indicator_raw"])


def survey_step(geo_dir: str, raw_dir: str, indicators_yaml: str, survey_yaml: str,
                out_respondents: str, out_responses: str) -> None:
    geo = load_geo(geo_dir)
    codebook = load_survey(survey_yaml, load_indicators(indicators_yaml)["domains"])
    respondents, responses = build_survey(codebook, raw_dir, geo)
    write_table(respondents, out_respondents, KEYS["survey_respondents"])
    write_table(responses, out_responses, KEYS["survey_responses"])


def indices_step(geo_dir: str, indicator_raw: str, territories: str, indicators_yaml: str,
                 index_options: dict, outputs: dict[str, str]) -> None:
    geo = load_geo(geo_dir)
    catalogue = load_indicators(indicators_yaml)
    tables = build_indices(pd.read_parquet(indicator_raw), pd.read_parquet(territories), geo,
                           catalogue, catalogue_terms(catalogue), index_options)
    for name, path in outputs.items():
        write_table(tables[name], path, KEYS[name])


def survey_estimates_step(respondents: str, responses: str, territories: str, indicators_yaml: str,
                          survey_yaml: str, options: dict, out: str) -> None:
    codebook = load_survey(survey_yaml, load_indicators(indicators_yaml)["domains"])
    table = build_survey_estimates(pd.read_parquet(respondents), pd.read_parquet(responses),
                                   pd.read_parquet(territories), codebook, options)
    write_table(table, out, KEYS["survey_estimates"])


def perception_gaps_step(fragility_indices: str, survey_estimates: str, territories: str,
                         indicators_yaml: str, survey_yaml: str, out: str) -> None:
    codebook = load_survey(survey_yaml, load_indicators(indicators_yaml)["domains"])
    table = build_perception_gaps(pd.read_parquet(fragility_indices), pd.read_parquet(survey_estimates),
                                  pd.read_parquet(territories), codebook)
    write_table(table, out, KEYS["perception_gaps"])


def custom_territory_step(geo_dir: str, definition: dict, staging: dict[str, str], base: dict[str, str],
                          indicators_yaml: str, survey_yaml: str, index_options: dict, survey_options: dict,
                          outputs: dict[str, str]) -> None:
    """The six tables' rows for one custom territory, computed on top of the base tables.

    Indices need the départements (standard deviations), France and the regions (ranks);
    survey estimates need France (the contrast): they are recomputed with the territory added,
    and only its rows are kept.
    """
    geo = load_geo(geo_dir)
    catalogue = load_indicators(indicators_yaml)
    codebook = load_survey(survey_yaml, catalogue["domains"])
    code = definition["code"]
    mine = custom_territory(geo, definition)
    all_territories = pd.concat([pd.read_parquet(base["territories"]), mine], ignore_index=True)
    idx = build_indices(pd.read_parquet(staging["indicator_raw"]), all_territories, geo, catalogue,
                        catalogue_terms(catalogue), index_options)
    with_fr = all_territories[all_territories["territory_code"].isin([code, "FR"])]
    est = build_survey_estimates(pd.read_parquet(staging["survey_respondents"]),
                                 pd.read_parquet(staging["survey_responses"]), with_fr, codebook, survey_options)
    fi = idx["fragility_indices"]
    gaps = build_perception_gaps(fi[fi["territory_code"].isin([code, "FR"])], est, with_fr, codebook)
    tables = {"territories": mine, "indicator_values": idx["indicator_values"],
              "indicator_scores": idx["indicator_scores"], "fragility_indices": fi,
              "survey_estimates": est, "perception_gaps": gaps}
    for name, path in outputs.items():
        df = tables[name]
        write_table(df[df["territory_code"] == code].reset_index(drop=True), path, KEYS[name])


def gather_step(parts: dict[str, list[str]], outputs: dict[str, str]) -> None:
    """The published tables: base rows and every custom territory's rows, one file per table."""
    for name, paths in parts.items():
        frames = [pd.read_parquet(p) for p in paths]
        write_table(pd.concat(frames, ignore_index=True), outputs[name], KEYS[name])
