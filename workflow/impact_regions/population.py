"""Population by département, sex and age: the targets of the citizens' weight calibration.

The extract is INSEE's census detailed table TD_POP1B ("Population par sexe et âge", base
``BTT_TD_POP1B_<year>``) at département level, exactly as downloaded::

    NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB
    DEP;01;Ain;1;000;3725.11979
    ...

``NIVGEO`` is the geographic level (``DEP``), ``CODGEO`` the département code (text: ``01``,
``2A``, ``971``), ``SEXE`` 1 (men) or 2 (women), ``AGED100`` the age in completed years on
three digits (``100`` = 100 and over), ``NB`` the number of people, non-integer because census
counts are weighted. It is read at département level so that the margins of any territory (a
region, France, a custom set of départements) are sums over its départements.

:func:`read_population` is tolerant about form (``;`` or ``,``, UTF-8 with or without BOM with
a latin-1 fallback, decimal comma or point) and strict about meaning: any value that is not what
the table allows stops the run with an :class:`~impact_regions.errors.InputError` naming the
file, the physical line, the column and the value. :func:`adult_margins` sums it into the
population totals by sex and by age band that the raking needs.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .readers import CODE_PATTERNS, _sniff_separator, csv_records, decode, text_lines

#: Columns of TD_POP1B, in the order INSEE writes them.
COLUMNS = ["NIVGEO", "CODGEO", "LIBGEO", "SEXE", "AGED100", "NB"]
#: The only geographic level accepted (the margins of any territory are sums of départements).
LEVEL = "DEP"
#: Oldest age class of AGED100 (100 = 100 years and over).
MAX_AGE = 100

#: Adult age bands of the citizens' survey (`tranche_age` code k = k-th band), as in
#: config/survey.yaml: 1 = 18-24 ... 5 = 65 and over. Ages below the first band are not surveyed.
DEFAULT_AGE_BANDS = ["18-24", "25-34", "35-49", "50-64", "65+"]

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_BAND = re.compile(r"^\s*(\d{1,3})\s*(?:-\s*(\d{1,3})|\+)\s*$")


def read_population(path: str | Path, valid_codes: set[str] | frozenset[str] | None = None) -> pd.DataFrame:
    """Read a TD_POP1B extract into tidy rows ``departement_code, sexe, age, count``.

    `departement_code` is text (leading zeros, 2A/2B and 97x kept), `sexe` 1/2 and `age` 0..100
    are integers, `count` a float ≥ 0. When `valid_codes` is given (the COG départements), a
    code outside it is an error too. Every row is checked; the first problem found raises an
    InputError with the 1-based physical line, the column and the raw value. Blank lines are
    skipped. The returned frame keeps the file in ``attrs["path"]`` so that later errors (a
    département missing from the extract) can name it.
    """
    path = Path(path)
    display = str(path)
    if not path.exists():
        raise InputError(
            display, "population file not found", hint="Check raw_dir and raking.population in config/config.yaml"
        )
    text, _ = decode(path.read_bytes())
    lines = text_lines(text)
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        raise InputError(display, "empty file", hint="Expected the INSEE table TD_POP1B: " + ";".join(COLUMNS))
    sep = _sniff_separator(lines[first])
    header = [" ".join(c.strip().strip('"').split()) for c in next(csv.reader([lines[first]], delimiter=sep))]
    for needed in COLUMNS:
        if needed not in header:
            raise InputError(
                display,
                f"missing column '{needed}'",
                line=first + 1,
                column=needed,
                hint=f"Expected the INSEE table TD_POP1B with the columns {';'.join(COLUMNS)}; "
                f"columns found: {', '.join(h for h in header if h) or '(none)'}",
            )
        if header.count(needed) > 1:
            raise InputError(
                display,
                f"column '{needed}' appears {header.count(needed)} times in the header",
                line=first + 1,
                column=needed,
                hint="Rename or remove the extra column",
            )
    pos = {name: header.index(name) for name in COLUMNS}

    cells: dict[str, list[str]] = {name: [] for name in COLUMNS}
    line_no: list[int] = []
    for physical, row in csv_records(lines[first + 1 :], sep, display, first_line=first + 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(
                display,
                f"malformed line: {len(row)} fields where the header has {len(header)}",
                line=physical,
                hint="Each line must have as many fields as the header; "
                "check separators and quotes (a decimal comma must be quoted "
                "in a comma-separated file)",
            )
        for name in COLUMNS:
            cells[name].append(row[pos[name]].strip())
        line_no.append(physical)
    if not line_no:
        raise InputError(display, "no data line after the header", line=first + 1)
    raw = pd.DataFrame(cells)
    lines_arr = np.asarray(line_no, dtype=np.int64)

    def fail(mask, column: str, expected: str, hint: str | None = None):
        i = int(np.flatnonzero(np.asarray(mask))[0])
        raise InputError(display, expected, line=int(lines_arr[i]), column=column, value=raw[column].iloc[i], hint=hint)

    level = raw["NIVGEO"]
    bad = (level != LEVEL).to_numpy()
    if bad.any():
        fail(
            bad,
            "NIVGEO",
            f"geographic level must be '{LEVEL}' (département-level extract)",
            "Download TD_POP1B at département level (NIVGEO = DEP): the margins of every territory are "
            "sums of départements",
        )

    codes = raw["CODGEO"]
    bad = ~codes.str.match(CODE_PATTERNS["departement"]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        hint = "Expected a département code of the COG, as text (keep leading zeros and 2A/2B)"
        if codes.iloc[i].isdigit() and len(codes.iloc[i]) < 2:
            hint += "; this one looks like a number that lost its leading zero"
        fail(bad, "CODGEO", "malformed département code", hint)
    if valid_codes is not None:
        bad = ~codes.isin(valid_codes).to_numpy()
        if bad.any():
            fail(
                bad,
                "CODGEO",
                "unknown département code (not in the COG reference geography)",
                "Use an extract on the reference geography (data/raw/geo) or remove the rows",
            )

    bad = ~raw["SEXE"].isin(["1", "2"]).to_numpy()
    if bad.any():
        fail(bad, "SEXE", "sex must be 1 (men) or 2 (women)")

    ages = raw["AGED100"]
    is_int = ages.str.fullmatch(r"\d{1,3}").to_numpy()
    age_val = np.where(is_int, pd.to_numeric(ages.where(is_int, "0"), errors="coerce"), -1).astype(np.int64)
    bad = ~is_int | (age_val > MAX_AGE)
    if bad.any():
        fail(
            bad,
            "AGED100",
            f"age must be a whole number of years from 000 to {MAX_AGE:03d}",
            f"AGED100 is the age in completed years, {MAX_AGE:03d} meaning {MAX_AGE} and over",
        )

    nb = raw["NB"]
    compact = nb.str.replace(_SPACES, "", regex=True)
    ok = compact.str.match(_NUMBER).to_numpy()
    if not ok.all():
        fail(
            ~ok,
            "NB",
            "not a number",
            "NB is a count of people (decimal point or comma); no missing marker is allowed in this table",
        )
    count = pd.to_numeric(compact.str.replace(",", ".", regex=False), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(count) | (count < 0)
    if bad.any():
        fail(bad, "NB", "count must be a finite number ≥ 0")

    out = pd.DataFrame(
        {
            "departement_code": codes.astype("string"),
            "sexe": raw["SEXE"].astype(np.int64),
            "age": age_val,
            "count": count,
        }
    )
    dup = out.duplicated(["departement_code", "sexe", "age"], keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        same = (
            (out["departement_code"] == out["departement_code"].iloc[i])
            & (out["sexe"] == out["sexe"].iloc[i])
            & (out["age"] == out["age"].iloc[i])
        ).to_numpy()
        first_line = int(lines_arr[np.flatnonzero(same)[0]])
        raise InputError(
            display,
            f"duplicate row for this département, sex and age (already on line {first_line})",
            line=int(lines_arr[i]),
            column="AGED100",
            value=raw["AGED100"].iloc[i],
            hint="Each (CODGEO, SEXE, AGED100) must appear once",
        )
    out.attrs["path"] = display
    return out


def parse_age_bands(bands=None) -> list[tuple[int, int]]:
    """Age bands as inclusive (first, last) ages; band k (1-based) is survey code `tranche_age` k.

    Accepts labels (``"18-24"``, ``"65+"``: 65 and over) or pairs (``[18, 24]``, ``[65, None]``).
    Bands must be increasing and must not overlap; gaps are allowed (ages in no band are not in
    the margins). ``None`` gives :data:`DEFAULT_AGE_BANDS`.
    """
    bands = DEFAULT_AGE_BANDS if bands is None else bands
    out: list[tuple[int, int]] = []
    for b in bands:
        if isinstance(b, str):
            m = _BAND.match(b)
            if not m:
                raise ValueError(f"age band {b!r}: expected 'first-last' (e.g. '18-24') or 'first+' (e.g. '65+')")
            lo, hi = int(m.group(1)), (int(m.group(2)) if m.group(2) else MAX_AGE)
        else:
            lo, hi = int(b[0]), (MAX_AGE if b[1] is None else int(b[1]))
        if not 0 <= lo <= hi <= MAX_AGE:
            raise ValueError(f"age band {b!r}: ages must satisfy 0 <= first <= last <= {MAX_AGE}")
        if out and lo <= out[-1][1]:
            raise ValueError(f"age band {b!r} overlaps or precedes the band before it")
        out.append((lo, hi))
    if not out:
        raise ValueError("at least one age band is needed")
    return out


def age_band_labels(bands=None) -> list[str]:
    """Display labels of the bands: ``18-24`` ... ``65+`` (the last band reaching 100 is ``N+``)."""
    return [f"{lo}+" if hi == MAX_AGE else f"{lo}-{hi}" for lo, hi in parse_age_bands(bands)]


def band_of_age(age: np.ndarray, bands=None) -> np.ndarray:
    """Band code (1..k) of each age, 0 for ages in no band (e.g. under 18)."""
    age = np.asarray(age)
    code = np.zeros(age.shape, dtype=np.int64)
    for k, (lo, hi) in enumerate(parse_age_bands(bands), start=1):
        code[(age >= lo) & (age <= hi)] = k
    return code


def adult_margins(
    pop: pd.DataFrame, departements: list[str], age_bands=None, variables=("sexe", "tranche_age")
) -> dict[str, dict[int, float]]:
    """Population totals of a set of départements by sex and by age band, over the banded ages.

    Returns ``{"sexe": {1: men, 2: women}, "tranche_age": {1: n_18_24, ..., 5: n_65p}}`` (only
    the `variables` asked for). Only ages inside a band count (by default 18 and over: the survey
    is of adults), for both variables, so every margin has the same total. A département absent
    from the extract is an InputError: silently leaving it out would bias the targets.
    """
    departements = [str(d) for d in departements]
    present = set(pop["departement_code"].astype(str).unique())
    missing = [d for d in departements if d not in present]
    if missing:
        raise InputError(
            pop.attrs.get("path", "population extract"),
            f"département(s) {', '.join(missing)} absent from the population extract",
            column="CODGEO",
            value=missing[0],
            hint="The extract must cover every département of the territories (TD_POP1B, NIVGEO = DEP)",
        )
    sub = pop[pop["departement_code"].astype(str).isin(departements)]
    band = band_of_age(sub["age"].to_numpy(), age_bands)
    keep = band > 0
    count = sub["count"].to_numpy(dtype=float)[keep]
    sexe = sub["sexe"].to_numpy()[keep]
    band = band[keep]
    n_bands = len(parse_age_bands(age_bands))
    out: dict[str, dict[int, float]] = {}
    for var in variables:
        if var == "sexe":
            sums = np.bincount(sexe, weights=count, minlength=3)
            out[var] = {1: float(sums[1]), 2: float(sums[2])}
        elif var == "tranche_age":
            sums = np.bincount(band, weights=count, minlength=n_bands + 1)
            out[var] = {k: float(sums[k]) for k in range(1, n_bands + 1)}
        else:
            raise ValueError(f"unknown margin variable {var!r}: expected 'sexe' or 'tranche_age'")
    return out
