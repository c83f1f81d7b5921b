"""Staging tables `survey_respondents` and `survey_responses` from the survey microdata.

`survey_respondents`: one row per respondent with its file, group, region, département,
stratum, PSU and design weight (+ the extra columns kept for calibration). Strata and PSUs are
namespaced by file (and PSUs by stratum) so that codes reused across files or strata never
merge. Without a stratum column each region is a stratum; without a PSU column each respondent
is its own PSU (DESIGN §4).

`survey_responses`: one row per respondent and measure with a valid answer, recoded to the
estimated quantity: the score for `mean` measures, 1/0 for `agree` (positive answer or not) and
`share` measures. "Ne sait pas" codes and empty cells (not asked) are dropped here, so that
each estimate is over valid answers while the design (strata, PSUs) stays the whole file's.

Every value is checked: duplicate identifiers, unknown regions, départements outside their
region, weights ≤ 0 and answers out of range stop the run with file, line, column and value.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .geo import Geography
from .readers import decode, _sniff_separator


def read_survey_file(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise InputError(path, "survey file not found", hint="Check raw_dir in config.yaml and the paths in survey.yaml")
    text, _ = decode(path.read_bytes())
    lines = text.splitlines()
    if not lines:
        raise InputError(path, "empty file")
    sep = _sniff_separator(lines[0])
    rows = list(csv.reader(lines, delimiter=sep, quotechar='"'))
    header = [c.strip() for c in rows[0]]
    keep, index = [], []
    for i, row in enumerate(rows[1:], start=1):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            raise InputError(path, f"malformed line: {len(row)} fields where the header has {len(header)}",
                             line=i + 1, hint="Each line must have as many fields as the header")
        keep.append([cell.strip() for cell in row])
        index.append(i - 1)  # so that line = index + 2, as for a file without blank lines
    return pd.DataFrame(keep, columns=header, index=index, dtype=object).astype(str)


def _fail(path, df_index, mask, column, values, expected, hint=None):
    i = int(np.flatnonzero(np.asarray(mask))[0])
    raise InputError(path, expected, line=int(df_index[i]) + 2, column=column, value=values.iloc[i], hint=hint)


def _integers(path, df, column) -> np.ndarray:
    """Column as float with NaN for empty cells; anything non-integer is an error."""
    s = df[column]
    ok = s.str.fullmatch(r"-?\d+") | (s == "")
    if not ok.all():
        _fail(path, df.index, ~ok, column, s, "not a whole number", "Answers are integer codes (see config/survey.yaml)")
    return pd.to_numeric(s.where(s != "", None), errors="coerce").to_numpy(dtype=float)


def build_survey(codebook: dict, raw_dir: str | Path, geo: Geography) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and validate every survey file; return (survey_respondents, survey_responses)."""
    raw_dir = Path(raw_dir)
    respondents, responses = [], []
    reg_col, dep_col = codebook["region_column"], codebook["departement_column"]
    regions = geo.codes("region")
    for spec in codebook["files"]:
        path = raw_dir / spec["path"]
        df = read_survey_file(path)
        header_cols = set(df.columns)
        required = [spec["id_column"], reg_col, dep_col, spec["weight_column"], *spec.get("extra_columns", {})]
        if "group_column" in spec:
            required.append(spec["group_column"])
        for c in required:
            if c not in header_cols:
                raise InputError(path, f"missing column '{c}'", line=1, column=c,
                                 hint=f"Columns found: {', '.join(df.columns)}")
        ids = df[spec["id_column"]]
        if (ids == "").any():
            _fail(path, df.index, ids == "", spec["id_column"], ids, "empty respondent identifier")
        dup = ids.duplicated()
        if dup.any():
            _fail(path, df.index, dup, spec["id_column"], ids, "duplicate respondent identifier",
                  "Each respondent must appear once")
        reg = df[reg_col]
        bad = ~reg.isin(regions)
        if bad.any():
            _fail(path, df.index, bad, reg_col, reg, "respondent in an unknown region (not a COG region code)",
                  "Region codes are text with two digits, e.g. '93' or '04'")
        dep = df[dep_col]
        dep_region = dep.map(geo.departement_region)
        bad = dep_region.isna()
        if bad.any():
            _fail(path, df.index, bad, dep_col, dep, "unknown département code (COG)", "Keep leading zeros and 2A/2B")
        bad = dep_region != reg
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(path, f"département is not in the respondent's region {reg.iloc[i]}",
                             line=int(df.index[i]) + 2, column=dep_col, value=dep.iloc[i])
        w_raw = df[spec["weight_column"]]
        w = pd.to_numeric(w_raw.str.replace(",", ".", regex=False), errors="coerce")
        bad = w.isna() | ~np.isfinite(w) | (w <= 0)
        if bad.any():
            _fail(path, df.index, bad, spec["weight_column"], w_raw, "weight must be a number > 0",
                  "Design weights are strictly positive; drop the respondent or fix its weight")
        if "group" in spec:
            group = pd.Series(spec["group"], index=df.index)
        else:
            gcol = spec["group_column"]
            group = df[gcol].map(spec["group_values"])
            if group.isna().any():
                _fail(path, df.index, group.isna(), gcol, df[gcol], "unknown respondent type",
                      f"Expected one of {', '.join(spec['group_values'])}")
        strata_col = spec.get("strata_column")
        stratum = df[strata_col] if strata_col in header_cols else reg
        psu_col = spec.get("psu_column")
        psu = df[psu_col] if psu_col in header_cols else ids
        for col, s in ((strata_col, stratum), (psu_col, psu)):
            if col in header_cols and (s == "").any():
                _fail(path, df.index, s == "", col, s, "empty design code")
        stratum_key = spec["id"] + ":" + stratum
        resp = pd.DataFrame({
            "file_id": spec["id"], "respondent_id": ids, "respondent_group": group,
            "region_code": reg, "departement_code": dep, "stratum": stratum_key,
            "psu": stratum_key + ":" + psu, "weight": w.astype(float),
        })
        for col, allowed in spec.get("extra_columns", {}).items():
            vals = _integers(path, df, col)
            bad = ~np.isin(vals, allowed)
            if bad.any():
                _fail(path, df.index, bad, col, df[col], f"code out of range (allowed: {', '.join(map(str, allowed))})")
            resp[col] = vals.astype("int64")
        respondents.append(resp)

        for m in codebook["measures"]:
            col = m["id"]
            if col not in header_cols:
                continue
            vals = _integers(path, df, col)
            missing = np.isin(vals, m.get("missing", [])) | np.isnan(vals)
            if m["kind"] == "share":
                valid_range = np.isin(vals, [0, 1])
                allowed = "0 or 1, or empty when not asked"
            else:
                valid_range = (vals >= m["min"]) & (vals <= m["max"])
                allowed = f"{m['min']} to {m['max']}" + (f", or {', '.join(map(str, m['missing']))} (ne sait pas)" if m.get("missing") else "")
            bad = ~(valid_range | missing)
            if bad.any():
                _fail(path, df.index, bad, col, df[col], f"answer out of range (allowed: {allowed})")
            keep = ~missing
            y = vals[keep]
            if m["kind"] == "agree":
                y = np.isin(y, m["positive"]).astype(float)
            responses.append(pd.DataFrame({"file_id": spec["id"], "respondent_id": ids.to_numpy()[keep],
                                           "measure_id": col, "y": y}))
    all_resp = pd.concat(respondents, ignore_index=True)
    all_answers = pd.concat(responses, ignore_index=True)
    declared = {m["id"] for m in codebook["measures"]}
    found = set(all_answers["measure_id"])
    if declared - found:
        raise InputError(", ".join(str(raw_dir / f["path"]) for f in codebook["files"]),
                         f"measure column(s) {', '.join(sorted(declared - found))} found in no survey file",
                         hint="Fix config/survey.yaml or the survey extracts")
    for c in ("file_id", "respondent_id", "respondent_group", "region_code", "departement_code", "stratum", "psu"):
        all_resp[c] = all_resp[c].astype("string")
    for c in ("file_id", "respondent_id", "measure_id"):
        all_answers[c] = all_answers[c].astype("string")
    return all_resp, all_answers
