"""Staging table `indicator_raw`: every number the catalogue needs, read from the raw extracts.

One row per (source file, level, geographic code, column) with ``value`` and
``missing_reason``. Every number is checked against what it is (:func:`value_checks`): a count
below 0, or a published value outside its unit's range, stops the run with file, line, column and
value, as does a commune whose share (an additive % indicator) exceeds 100 %, its numerator
above its denominator (:func:`check_rates`). The COG populations are added as source ``geo`` /
column ``population`` at the three levels, so that `weight: population` is just another column for the SQL. The table is
built once per change of the raw files or the catalogue; the SQL of `indicator_values` reads it.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:  # pandas is imported by the functions that build frames: the workflow's parse
    import pandas as pd  # (source_paths, for the rules' inputs) stays light

    from .geo import Geography

GEO_SOURCE = "geo"
POPULATION = "population"


#: Range of a published value in each unit (a value outside it stops the run); None: open side.
#: Any unit starting with "%" is a percentage. An indicator's `range:` in the catalogue overrides
#: its unit's. Units not listed here have no range: a unit of the catalogue must be listed unless
#: its values may really be anything (tests/test_bad_inputs.py checks the catalogue's units).
#:   - "€": a median income or living standard, never negative (an income *change* in € would
#:     declare `range: [null, null]`);
#:   - "minutes": a travel time;
#:   - "consultations/an/hab.": the APL accessibility (consultations accessible per inhabitant);
#:   - "pour 10 000 hab.": equipment or doctors per inhabitant (additive in the catalogue, then
#:     numerator and denominator are counts, already ≥ 0);
#:   - "indice": both indices of the catalogue are ≥ 0 by construction: `indice_vieillissement`
#:     is a ratio of two counts (65+ per 100 under-20s, additive, above 100 where the old
#:     outnumber the young) and `indice_fragilite_numerique` is MedNum's score on a base 100 =
#:     France. An index that may legitimately be negative (a standardised score, a deviation
#:     from a mean, a change) must declare `range: [null, null]`, or its own bounds.
UNIT_RANGES: dict[str, tuple[float | None, float | None]] = {
    "%": (0, 100),
    "‰": (0, 1000),
    "€": (0, None),
    "minutes": (0, None),
    "consultations/an/hab.": (0, None),
    "pour 10 000 hab.": (0, None),
    "indice": (0, None),
}


COUNT_HINT = (
    "Counts cannot be negative: fix the extract, or check the column in indicators.yaml (a change that "
    "may be negative is declared with signed_numerator: true)"
)
RANGE_HINT = "Fix the extract, or check the indicator's column, unit or `range` in indicators.yaml"
SHARE_HINT = (
    "A share cannot exceed its whole: fix the extract, or check the indicator's numerator and denominator "
    "columns in indicators.yaml; if this numerator may legitimately exceed the denominator (events rather "
    "than people, sources of different years), declare its `range` (e.g. [0, null])"
)


def catalogue_terms(catalogue: dict) -> pd.DataFrame:
    """Where each indicator's inputs are: indicator_id, role, level, source, column.

    role is `numerator` (possibly several rows, summed), `denominator`, `value` or `weight`.
    """
    rows = []
    for ind in catalogue["indicators"]:
        iid = ind["id"]
        if ind["additive"]:
            for col in ind["numerator"]:
                rows.append((iid, "numerator", "commune", ind["source"], col))
            if "denominator" in ind:
                rows.append(
                    (iid, "denominator", "commune", ind.get("denominator_source", ind["source"]), ind["denominator"])
                )
        else:
            for level, source in ind["sources"].items():
                rows.append((iid, "value", level, source, ind["value"]))
                if ind["weight"] == POPULATION:
                    rows.append((iid, "weight", level, GEO_SOURCE, POPULATION))
                else:
                    rows.append((iid, "weight", level, source, ind["weight"]))
    import pandas as pd

    return pd.DataFrame(rows, columns=["indicator_id", "role", "level", "source", "column"])


def files_to_read(catalogue: dict) -> dict[tuple[str, str, str], list[str]]:
    """(source, reader, level) -> columns to read from it."""
    wanted: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    readers: dict[str, str] = {}
    for ind in catalogue["indicators"]:
        pairs = []
        if ind["additive"]:
            pairs.append((ind["source"], ind["reader"], "commune", list(ind["numerator"])))
            if "denominator" in ind:
                src = ind.get("denominator_source", ind["source"])
                rdr = ind.get("denominator_reader", ind["reader"]) if "denominator_source" in ind else ind["reader"]
                pairs.append((src, rdr, "commune", [ind["denominator"]]))
        else:
            for level, src in ind["sources"].items():
                cols = [ind["value"]] + ([] if ind["weight"] == POPULATION else [ind["weight"]])
                pairs.append((src, ind["reader"], level, cols))
        for src, rdr, level, cols in pairs:
            if readers.setdefault(src, rdr) != rdr:
                raise ConfigError(
                    "indicators.yaml",
                    f"indicators.{ind['id']}.reader",
                    f"file {src} is read with two readers ({readers[src]} and {rdr})",
                )
            for c in cols:
                if c not in wanted[(src, rdr, level)]:
                    wanted[(src, rdr, level)].append(c)
    return dict(wanted)


def _span(lo: float | None, hi: float | None) -> str:
    if hi is None:
        return "no bounds" if lo is None else f"≥ {lo:g}"
    return f"≤ {hi:g}" if lo is None else f"{lo:g} to {hi:g}"


def value_range(ind: dict) -> tuple[float | None, float | None] | None:
    """(min, max) a published `value` of the indicator must lie in (None: unbounded side), or None."""
    if "range" in ind:
        lo, hi = ind["range"]
        return lo, hi
    unit = str(ind.get("unit", "")).strip()
    if unit.startswith("%"):
        return UNIT_RANGES["%"]
    return UNIT_RANGES.get(unit)


def rate_range(ind: dict) -> tuple[float | None, float | None] | None:
    """(min, max) each commune's rate numerator / denominator × multiplier of an additive indicator
    must lie in, or None (not checked).

    The catalogue's `range` when given; otherwise 0 to 100 for a share — a unit starting with %, a
    numerator of counts (not `signed_numerator`) and a denominator: a part of the denominator,
    so never above it. Rates per 1 000 or per 10 000 count events or equipment (crimes,
    burglaries, cinemas) that may outnumber the denominator and are not bounded by default."""
    if not ind["additive"] or "denominator" not in ind:
        return None
    if "range" in ind:
        lo, hi = ind["range"]
        return lo, hi
    if ind.get("signed_numerator", False) or not str(ind.get("unit", "")).strip().startswith("%"):
        return None
    return UNIT_RANGES["%"]


def value_checks(catalogue: dict) -> dict[tuple[str, str], list[tuple]]:
    """(source, level) -> checks ``(column, min, max, what)`` of the numbers read from it.

    Counts (numerators, denominators, weight columns) must be ≥ 0, except a numerator declared
    `signed_numerator: true` (a change, e.g. employment 2012-2017); a published value must lie in
    its unit's range (:func:`value_range`)."""
    checks: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for ind in catalogue["indicators"]:
        iid = ind["id"]
        if ind["additive"]:
            if not ind.get("signed_numerator", False):
                for col in ind["numerator"]:
                    checks[(ind["source"], "commune")].append(
                        (col, 0, None, f"a count (numerator of '{iid}') must be ≥ 0")
                    )
            if "denominator" in ind:
                src = ind.get("denominator_source", ind["source"])
                checks[(src, "commune")].append(
                    (ind["denominator"], 0, None, f"a count (denominator of '{iid}') must be ≥ 0")
                )
            continue
        bounds = value_range(ind)
        for level, src in ind["sources"].items():
            if bounds is not None:
                lo, hi = bounds
                whose = "the range of the indicator" if "range" in ind else f"the range of its unit '{ind['unit']}'"
                checks[(src, level)].append(
                    (ind["value"], lo, hi, f"value outside {whose} ({_span(lo, hi)}) (value of '{iid}')")
                )
            if ind["weight"] != POPULATION:
                checks[(src, level)].append((ind["weight"], 0, None, f"a count (weight of '{iid}') must be ≥ 0"))
    return dict(checks)


def check_values(df: pd.DataFrame, checks: list[tuple], display: str) -> None:
    """Raise the InputError of the first number of `df` (a reader's long table) outside its check."""
    import numpy as np

    from .errors import InputError

    for column, lo, hi, what in checks:
        sub = df[df["column"] == column]
        v = sub["value"].to_numpy(dtype=float)
        bad = np.zeros(len(v), dtype=bool)
        if lo is not None:
            bad |= v < lo
        if hi is not None:
            bad |= v > hi
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            x = float(v[i])
            raise InputError(
                display,
                what,
                line=int(sub["line"].iloc[i]),
                column=column,
                value=str(int(x)) if x.is_integer() else repr(x),
                hint=COUNT_HINT if lo == 0 and hi is None and "count" in what else RANGE_HINT,
            )


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _excel_place(src: str, rdr: str) -> dict:
    """sheet / row_word of an InputError about a row of `src` (an Excel workbook: its sheet's row)."""
    from .quirks import reader_quirks
    from .readers import _EXCEL, READERS

    if Path(src).suffix.lower() in _EXCEL and rdr in READERS:
        return {"sheet": reader_quirks(rdr, src).sheet, "row_word": "row"}
    return {}


def check_rates(catalogue: dict, raw: pd.DataFrame, raw_dir: str | Path) -> None:
    """Raise the InputError of the first commune whose rate lies outside :func:`rate_range`.

    `raw` is the long table of :func:`build_indicator_raw`. The error names the numerator's file,
    line, column(s) and value, and the denominator's column, value, file and line."""
    import numpy as np

    from .errors import InputError

    com = raw[raw["level"] == "commune"]
    for ind in catalogue["indicators"]:
        bounds = rate_range(ind)
        if bounds is None:
            continue
        lo, hi = bounds
        num_cols = list(ind["numerator"])
        n_cols = len(num_cols)
        num = com[(com["source"] == ind["source"]) & com["column"].isin(num_cols)]
        num = num.groupby("geo_code", sort=False).agg(
            num=("value", lambda v, k=n_cols: v.sum(min_count=k)), num_line=("line", "min"), n=("value", "size")
        )
        num = num[num["n"] == n_cols]
        den_src = ind.get("denominator_source", ind["source"])
        den = com[(com["source"] == den_src) & (com["column"] == ind["denominator"])]
        den = den.set_index("geo_code")[["value", "line"]].rename(columns={"value": "den", "line": "den_line"})
        both = num.join(den, how="inner").dropna(subset=["num", "den"])
        if both.empty:
            continue
        mult = float(ind.get("multiplier", 1))
        n, d = both["num"].to_numpy(float), both["den"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(d != 0, n / np.where(d != 0, d, 1) * mult, np.sign(n) * np.inf)
        bad = np.zeros(len(rate), dtype=bool)
        if lo is not None:
            bad |= rate < lo
        if hi is not None:
            bad |= rate > hi
        if not bad.any():
            continue
        # the first bad commune in the numerator file's order
        i = int(np.flatnonzero(bad)[np.argmin(both["num_line"].to_numpy()[bad])])
        row = both.iloc[i]
        den_file = str(Path(raw_dir) / den_src)
        den_where = "same line" if den_src == ind["source"] else f"{den_file}, line {int(row['den_line'])}"
        shown = "undefined (denominator 0)" if not np.isfinite(rate[i]) else f"{rate[i]:.4g} {ind['unit']}"
        what = (
            "numerator above its denominator"
            if (lo, hi) == UNIT_RANGES["%"] and "range" not in ind
            else "rate outside its range"
        )
        raise InputError(
            str(Path(raw_dir) / ind["source"]),
            f"{what} for commune {row.name}: {' + '.join(num_cols)} = {_number(row['num'])} over "
            f"{ind['denominator']} = {_number(row['den'])} ({den_where}) gives a rate of {shown}, "
            f"outside {_span(lo, hi)} (indicator '{ind['id']}')",
            line=int(row["num_line"]),
            column=" + ".join(num_cols),
            value=_number(row["num"]),
            hint=SHARE_HINT if "range" not in ind else RANGE_HINT,
            **_excel_place(ind["source"], ind["reader"]),
        )


def source_paths(catalogue: dict, raw_dir: str | Path) -> list[str]:
    """Every raw file the catalogue reads (the inputs of the ingest rule)."""
    return sorted({str(Path(raw_dir) / src) for (src, _, _) in files_to_read(catalogue)})


def _read_one(task: tuple) -> pd.DataFrame:
    from .errors import InputError
    from .readers import read_extract

    src, rdr, level, cols, raw_dir, codes, checks = task
    df = read_extract(Path(raw_dir) / src, rdr, level, cols, codes, display=str(Path(raw_dir) / src))
    try:
        check_values(df, checks, str(Path(raw_dir) / src))
    except InputError as err:  # a workbook: the row of its sheet
        for key, val in _excel_place(src, rdr).items():
            setattr(err, key, val)
        raise
    df.insert(0, "level", level)
    df.insert(0, "source", src)
    return df


def build_indicator_raw(catalogue: dict, raw_dir: str | Path, geo: Geography, workers: int = 1) -> pd.DataFrame:
    """Read every file of the catalogue (each once) and the COG populations into one long table.

    With `workers` > 1 the files are read in parallel processes (largest files first); the
    result is the same, in the same order.
    """
    import pandas as pd

    raw_dir = Path(raw_dir)
    checks = value_checks(catalogue)
    tasks = [
        (src, rdr, level, cols, str(raw_dir), geo.codes(level), checks.get((src, level), []))
        for (src, rdr, level), cols in sorted(files_to_read(catalogue).items())
    ]
    if workers > 1 and len(tasks) > 1:
        order = sorted(range(len(tasks)), key=lambda i: -_size(raw_dir / tasks[i][0]))
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            done = dict(zip(order, pool.map(_read_one, [tasks[i] for i in order]), strict=True))
        parts = [done[i] for i in range(len(tasks))]
    else:
        parts = [_read_one(t) for t in tasks]
    regions_pop = geo.departements.groupby("code_region", as_index=False)["population_municipale"].sum()
    for level, frame, code in (
        ("commune", geo.communes, "code_commune"),
        ("departement", geo.departements, "code_departement"),
        ("region", regions_pop, "code_region"),
    ):
        parts.append(
            pd.DataFrame(
                {
                    "source": GEO_SOURCE,
                    "level": level,
                    "line": 0,
                    "geo_code": frame[code].to_numpy(),
                    "column": POPULATION,
                    "value": frame["population_municipale"].astype(float).to_numpy(),
                    "missing_reason": None,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["missing_reason"] = out["missing_reason"].astype("string")
    out["geo_code"] = out["geo_code"].astype("string")
    assert not out.duplicated(["source", "level", "geo_code", "column"]).any(), "indicator_raw keys must be unique"
    check_rates(catalogue, out, raw_dir)
    return out


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0
