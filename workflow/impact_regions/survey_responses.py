"""Staging tables `survey_respondents` and `survey_responses` from the survey microdata.

`survey_respondents`: one row per respondent with its file, group, region, département,
stratum, PSU and design weight (+ the extra columns kept for calibration). Strata and PSUs are
namespaced by file (and PSUs by stratum) so that codes reused across files or strata never
merge. Without a stratum column each region is a stratum; without a PSU column each respondent
is its own PSU (DESIGN §4).

Files are read in any accepted format (:mod:`~impact_regions.survey_files`: CSV, SPSS, Stata, SAS,
Excel) under the column names the pollster delivered: the codebook maps them to the measures
(`measure_columns`, `extras`, the design columns). Every column the codebook names must be in
the file, except the columns of measures marked `optional: true` (then the file's groups were not
asked the question: no answer, hence no estimate, and the report says so).

`survey_responses`: one row per respondent and measure with a valid answer, recoded to the
estimated quantity: the score for `mean` measures, 1/0 for `agree` (positive answer or not) and
`share` measures. "Ne sait pas" codes and empty cells (not asked) are dropped here, so that
each estimate is over valid answers while the design (strata, PSUs) stays the whole file's.

Every value is checked: missing or duplicated columns (naming the codebook entry), duplicate identifiers,
unknown regions (codes or names), départements outside their region, weights ≤ 0 and answers out
of range stop the run with file, line, column and value (with its value label).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .geo import Geography
from .survey_answers import answer_values, extra_codes, group_of
from .survey_files import SurveyTable, read_survey_table
from .survey_places import place_codes


def _required_columns(i: int, spec: dict) -> list[tuple[str, str]]:
    """(delivered column, codebook entry) of every column the file must have."""
    where = f"files.{i}"
    out = [
        (spec["id_column"], f"{where}.id_column"),
        (spec["region_column"], spec.get("region_column_entry", "region_column")),
        (spec["departement_column"], spec.get("departement_column_entry", "departement_column")),
        (spec["weight_column"], f"{where}.weight_column"),
    ]
    for key in ("group_column", "strata_column", "psu_column"):
        if key in spec:
            out.append((spec[key], f"{where}.{key}"))
    out += [(item["column"], item["entry"]) for item in spec["extras"].values()]
    out += [(c["column"], c["entry"]) for c in spec["measure_columns"].values() if not c["optional"]]
    return out


def _check_columns(table: SurveyTable, i: int, spec: dict) -> None:
    found = set(table.data.columns)
    counts = pd.Index(table.data.columns).value_counts()
    for column, entry in _required_columns(i, spec):
        if counts.get(column, 0) > 1:
            raise table.header_error(
                column,
                f"column '{column}' appears {counts[column]} times in the header (named by the codebook entry {entry})",
                "Rename or remove the extra column, so that the codebook names one column",
            )
        if column not in found:
            raise table.header_error(
                column,
                f"missing column '{column}' (named by the codebook entry {entry})",
                f"Columns found: {', '.join(map(str, table.data.columns))}. Fix the column "
                "name in config/survey.yaml, or mark a measure the file does not have "
                "`optional: true`",
            )


def _respondents(table: SurveyTable, i: int, spec: dict, geo: Geography) -> pd.DataFrame:
    df = table.data
    id_col = spec["id_column"]
    ids = df[id_col]
    empty = (ids == "").to_numpy() | table.missing_mask(id_col)
    if empty.any():
        raise table.error(empty, id_col, "empty respondent identifier")
    dup = ids.duplicated().to_numpy()
    if dup.any():
        raise table.error(dup, id_col, "duplicate respondent identifier", "Each respondent must appear once")
    reg_col, dep_col = spec["region_column"], spec["departement_column"]
    reg = place_codes(table, reg_col, "region", geo)
    dep = place_codes(table, dep_col, "departement", geo)
    bad = (dep.map(geo.departement_region) != reg).to_numpy()
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise table.error(bad, dep_col, f"département is not in the respondent's region {reg.iloc[j]}")
    w_col = spec["weight_column"]
    w = pd.to_numeric(df[w_col].str.replace(",", ".", regex=False), errors="coerce")
    bad = (w.isna() | ~np.isfinite(w) | (w <= 0)).to_numpy() | table.missing_mask(w_col)
    if bad.any():
        raise table.error(
            bad,
            w_col,
            "weight must be a number > 0",
            "Design weights are strictly positive; drop the respondent or fix its weight",
        )
    if "group" in spec:
        group = pd.Series(spec["group"], index=df.index)
    else:
        group = group_of(table, spec["group_column"], spec["group_values"])
    stratum = df[spec["strata_column"]] if "strata_column" in spec else reg
    psu = df[spec["psu_column"]] if "psu_column" in spec else ids
    for key, s in (("strata_column", stratum), ("psu_column", psu)):
        if key in spec:
            empty = (s == "").to_numpy() | table.missing_mask(spec[key])
            if empty.any():
                raise table.error(empty, spec[key], "empty design code")
    stratum_key = spec["id"] + ":" + stratum
    resp = pd.DataFrame(
        {
            "file_id": spec["id"],
            "respondent_id": ids,
            "respondent_group": group,
            "region_code": reg,
            "departement_code": dep,
            "stratum": stratum_key,
            "psu": stratum_key + ":" + psu,
            "weight": w.astype(float),
        }
    )
    for name, item in spec["extras"].items():
        resp[name] = extra_codes(table, item).astype("int64")
    return resp


def build_survey(codebook: dict, raw_dir: str | Path, geo: Geography) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and validate every survey file; return (survey_respondents, survey_responses)."""
    raw_dir = Path(raw_dir)
    respondents, responses = [], []
    measures = {m["id"]: m for m in codebook["measures"]}
    for i, spec in enumerate(codebook["files"]):
        table = read_survey_table(raw_dir / spec["path"], spec.get("format"), spec.get("sheet"))
        _check_columns(table, i, spec)
        resp = _respondents(table, i, spec, geo)
        respondents.append(resp)
        ids = resp["respondent_id"].to_numpy()
        for mid, col in spec["measure_columns"].items():
            if col["column"] not in table.data.columns:
                continue  # optional and not asked in this file
            keep, y = answer_values(table, col["column"], measures[mid])
            responses.append(
                pd.DataFrame({"file_id": spec["id"], "respondent_id": ids[keep], "measure_id": mid, "y": y})
            )
    all_resp = pd.concat(respondents, ignore_index=True)
    all_answers = (
        pd.concat(responses, ignore_index=True)
        if responses
        else pd.DataFrame({"file_id": [], "respondent_id": [], "measure_id": [], "y": []})
    )
    for c in ("file_id", "respondent_id", "respondent_group", "region_code", "departement_code", "stratum", "psu"):
        all_resp[c] = all_resp[c].astype("string")
    for c in ("file_id", "respondent_id", "measure_id"):
        all_answers[c] = all_answers[c].astype("string")
    all_answers["y"] = all_answers["y"].astype(float)
    return all_resp, all_answers
