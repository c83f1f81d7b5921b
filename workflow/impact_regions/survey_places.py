"""Region and département of each respondent, given as COG codes or as names.

Pollsters deliver the place of residence as a COG code (``84``, ``04``, ``2A``), as a number
that lost its leading zero in a spreadsheet or an SPSS file (``4``), as a numeric code with a
value label (``11`` « Île-de-France »: the label is what the pollster means, whatever their own
numbering), or as a name (« Provence-Alpes-Côte d'Azur », « Corse-du-Sud »). :func:`place_codes`
turns each cell into its COG code; names are matched against the reference geography ignoring
case, accents and punctuation. A cell that is none of these stops the run with the file, the
position, the column and the value (with its label), suggesting the closest name.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

import numpy as np
import pandas as pd

from .geo import Geography
from .survey_files import SurveyTable

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Lower case, without accents, punctuation and repeated spaces (« Côte-d’Or » -> « cote d or »)."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub(" ", plain).strip()


def _names(geo: Geography, level: str) -> dict[str, str]:
    frame, code, name = {
        "region": (geo.regions, "code_region", "nom_region"),
        "departement": (geo.departements, "code_departement", "nom_departement"),
    }[level]
    if name not in frame.columns:
        return {}
    return {normalise(n): c for c, n in zip(frame[code], frame[name], strict=True)}


def place_codes(table: SurveyTable, column: str, level: str, geo: Geography) -> pd.Series:
    """COG code of every cell of `column` (`level`: ``region`` or ``departement``)."""
    valid = geo.codes(level)
    names = _names(geo, level)
    text = table.data[column]
    label = table.label_series(column)
    number = table.number_mask(column)

    def resolve(value: str, lab: str, was_number: bool) -> str | None:
        for candidate in ((lab,) if lab else ()) + (value,):
            if candidate in valid:
                return candidate
            if was_number and candidate == value and candidate.isdigit() and len(candidate) < 2:
                if candidate.zfill(2) in valid:
                    return candidate.zfill(2)  # a number that lost its leading zero
            found = names.get(normalise(candidate))
            if found is not None:
                return found
        return None

    keys = pd.DataFrame({"v": text.to_numpy(dtype=object), "l": label.to_numpy(dtype=object), "n": number})
    uniques = keys.drop_duplicates()
    lookup = {(v, lab, n): resolve(v, lab, bool(n)) for v, lab, n in uniques.itertuples(index=False)}
    codes = pd.Series(
        [lookup[k] for k in zip(keys["v"], keys["l"], keys["n"], strict=True)], index=text.index, dtype=object
    )
    bad = codes.isna().to_numpy() | table.missing_mask(column)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        shown = label.iloc[i] or text.iloc[i]
        close = difflib.get_close_matches(normalise(shown), list(names), n=1, cutoff=0.6)
        suggestion = ""
        if close:
            suggestion = f"; did you mean « {_name_of(geo, level, names[close[0]])} » ({names[close[0]]})?"
        if level == "region":
            raise table.error(
                bad,
                column,
                "respondent in an unknown region (neither a COG region code nor a region name)",
                "Region codes are text with two digits, e.g. '93' or '04', or COG names such as "
                "« Provence-Alpes-Côte d'Azur »" + suggestion,
            )
        raise table.error(
            bad,
            column,
            "unknown département code (COG) or name",
            "Keep leading zeros and 2A/2B, or give COG names such as « Corse-du-Sud »" + suggestion,
        )
    return codes.astype(str)


def _name_of(geo: Geography, level: str, code: str) -> str:
    frame, col, name = {
        "region": (geo.regions, "code_region", "nom_region"),
        "departement": (geo.departements, "code_departement", "nom_departement"),
    }[level]
    return str(frame.loc[frame[col] == code, name].iloc[0])
