"""Answers of a survey file recoded by the codebook: codes or value labels, declared missing values.

The codebook (config/survey.yaml) may name an answer by its code (``99``) or by its value label
(« Ne sait pas »); a label matches the file's value labels (SPSS, Stata, SAS) or, in a CSV or
Excel file, the cell's text, ignoring case, accents and punctuation. Cells the file itself
declares missing (SPSS missing values, Stata/SAS extended missing values) are never valid
answers. Every function here returns numbers for the staging tables or raises the
:class:`~impact_regions.errors.InputError` of the first bad cell, quoting its code and label.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ConfigError
from .population import age_band_labels, band_of_age, parse_age_bands
from .survey_files import SurveyTable
from .survey_places import normalise


def whole_numbers(table: SurveyTable, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(values as float, NaN where not a whole number; mask of the whole-number cells)."""
    s = table.data[column]
    ok = s.str.fullmatch(r"-?\d+").to_numpy(dtype=bool)
    vals = pd.to_numeric(s.where(ok, None), errors="coerce").to_numpy(dtype=float)
    return vals, ok


def matches(table: SurveyTable, column: str, wanted: list) -> np.ndarray:
    """Cells that are one of `wanted`: an integer is a code, a string a value label (or the text)."""
    ints = [w for w in wanted if isinstance(w, int) and not isinstance(w, bool)]
    words = {normalise(w) for w in wanted if isinstance(w, str)}
    mask = np.zeros(len(table.data), dtype=bool)
    if ints:
        vals, _ = whole_numbers(table, column)
        mask |= np.isin(vals, ints)
    if words:
        mask |= table.data[column].map(normalise).isin(words).to_numpy(dtype=bool)
        if table.labels.get(column):
            mask |= table.label_series(column).map(normalise).isin(words).to_numpy(dtype=bool)
    return mask


def _shown(items: list) -> str:
    return ", ".join(str(x) if not isinstance(x, str) else f"« {x} »" for x in items)


def answer_values(table: SurveyTable, column: str, measure: dict) -> tuple[np.ndarray, np.ndarray]:
    """(keep mask, y of the kept rows) of one measure: the score (`mean`), 1/0 (`agree`, `share`).

    Dropped: empty cells (not asked), the codebook's `missing` answers (codes or labels) and the
    cells declared missing in the file. Anything else outside the measure's answers is an error.
    """
    text = table.data[column]
    vals, whole = whole_numbers(table, column)
    missing = (text == "").to_numpy() | table.missing_mask(column) | matches(table, column, measure.get("missing", []))
    positive = matches(table, column, measure.get("positive", [])) if measure["kind"] == "agree" else None
    labelled_positive = positive if positive is not None else np.zeros(len(text), dtype=bool)
    not_number = ~(whole | missing | labelled_positive)
    if not_number.any():
        raise table.error(
            not_number,
            column,
            "not a whole number",
            "Answers are integer codes, or value labels named in config/survey.yaml",
        )
    if measure["kind"] == "share":
        valid = np.isin(vals, [0, 1])
        allowed = "0 or 1, or empty when not asked"
    else:
        valid = (vals >= measure["min"]) & (vals <= measure["max"]) | labelled_positive
        allowed = f"{measure['min']} to {measure['max']}"
        if measure.get("missing"):
            allowed += f", or {_shown(measure['missing'])} (ne sait pas)"
    if measure.get("missing") and measure["kind"] == "share":
        allowed += f", or {_shown(measure['missing'])} (ne sait pas)"
    bad = ~(valid | missing)
    if bad.any():
        raise table.error(
            bad,
            column,
            f"answer out of range (allowed: {allowed})",
            "Fix the answer, or list it in the measure's `missing` in config/survey.yaml",
        )
    keep = ~missing
    if measure["kind"] == "agree":
        return keep, positive[keep].astype(float)
    return keep, vals[keep]


def extra_codes(table: SurveyTable, item: dict, codebook_path: str = "config/survey.yaml") -> np.ndarray:
    """The integer code of an extra column (sex, age band) for every respondent.

    `item` is a normalised `extra_columns` entry (config.load_survey): allowed `codes` (codes or
    labels; the file's code is kept), a `code_map` (delivered value or label -> code), or
    `age_bands` (the column is an age in years, banded: code k = k-th band).
    """
    column = item["column"]
    declared = table.missing_mask(column)
    if item["age_bands"] is not None:
        try:
            parse_age_bands(item["age_bands"])
        except ValueError as exc:
            raise ConfigError(codebook_path, f"{item['entry']}.age_bands", str(exc)) from None
        vals, whole = whole_numbers(table, column)
        bad = ~whole | declared | (vals < 0)
        if bad.any():
            raise table.error(
                bad,
                column,
                "not an age in years (a whole number)",
                f"The codebook bands this column as an age ({item['entry']})",
            )
        code = band_of_age(vals.astype(np.int64), item["age_bands"])
        bad = code == 0
        if bad.any():
            labels = ", ".join(age_band_labels(item["age_bands"]))
            raise table.error(
                bad,
                column,
                f"age in no age band (bands: {labels})",
                "Respondents outside the survey's population must be removed from the file",
            )
        return code
    if item["code_map"] is not None:
        mapping = {normalise(k): v for k, v in item["code_map"].items()}
        code = table.data[column].map(normalise).map(mapping)
        if table.labels.get(column):
            code = code.fillna(table.label_series(column).map(normalise).map(mapping))
        bad = code.isna().to_numpy() | declared
        if bad.any():
            raise table.error(bad, column, f"code out of range (allowed: {_shown(list(item['code_map']))})")
        return code.to_numpy(dtype=np.int64)
    allowed = item["codes"]
    vals, whole = whole_numbers(table, column)
    ok = matches(table, column, allowed) & ~declared
    bad = ~ok
    if bad.any():
        raise table.error(bad, column, f"code out of range (allowed: {_shown(allowed)})")
    if not whole.all():  # a label matched in a file without numeric codes: no code to keep
        raise table.error(
            ~whole,
            column,
            "a value label without a numeric code",
            f"Map each answer to its code: {item['entry']}: {{column: {column}, codes: {{…: 1, …: 2}}}}",
        )
    return vals.astype(np.int64)


def group_of(table: SurveyTable, column: str, group_values: dict[str, str]) -> pd.Series:
    """Respondent group of each row from `group_values` (keyed by delivered value or value label)."""
    text = table.data[column]
    group = text.map(group_values)
    normalised = {normalise(k): v for k, v in group_values.items()}
    group = group.fillna(text.map(normalise).map(normalised))
    if table.labels.get(column):
        group = group.fillna(table.label_series(column).map(normalise).map(normalised))
    group[table.missing_mask(column)] = np.nan
    if group.isna().any():
        raise table.error(
            group.isna().to_numpy(), column, "unknown respondent type", f"Expected one of {', '.join(group_values)}"
        )
    return group
