"""Staging table `indicator_raw`: every number the catalogue needs, read from the raw extracts.

One row per (source file, level, geographic code, column) with ``value`` and
``missing_reason``; the COG populations are added as source ``geo`` / column ``population`` at
the three levels, so that `weight: population` is just another column for the SQL. The table is
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
                rows.append((iid, "denominator", "commune", ind.get("denominator_source", ind["source"]), ind["denominator"]))
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
                raise ConfigError("indicators.yaml", f"indicators.{ind['id']}.reader",
                                  f"file {src} is read with two readers ({readers[src]} and {rdr})")
            for c in cols:
                if c not in wanted[(src, rdr, level)]:
                    wanted[(src, rdr, level)].append(c)
    return dict(wanted)


def source_paths(catalogue: dict, raw_dir: str | Path) -> list[str]:
    """Every raw file the catalogue reads (the inputs of the ingest rule)."""
    return sorted({str(Path(raw_dir) / src) for (src, _, _) in files_to_read(catalogue)})


def _read_one(task: tuple) -> pd.DataFrame:
    from .readers import read_extract

    src, rdr, level, cols, raw_dir, codes = task
    df = read_extract(Path(raw_dir) / src, rdr, level, cols, codes, display=str(Path(raw_dir) / src))
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
    tasks = [(src, rdr, level, cols, str(raw_dir), geo.codes(level))
             for (src, rdr, level), cols in sorted(files_to_read(catalogue).items())]
    if workers > 1 and len(tasks) > 1:
        order = sorted(range(len(tasks)), key=lambda i: -_size(raw_dir / tasks[i][0]))
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            done = dict(zip(order, pool.map(_read_one, [tasks[i] for i in order])))
        parts = [done[i] for i in range(len(tasks))]
    else:
        parts = [_read_one(t) for t in tasks]
    regions_pop = geo.departements.groupby("code_region", as_index=False)["population_municipale"].sum()
    for level, frame, code in (("commune", geo.communes, "code_commune"),
                               ("departement", geo.departements, "code_departement"),
                               ("region", regions_pop, "code_region")):
        parts.append(pd.DataFrame({"source": GEO_SOURCE, "level": level, "line": 0, "geo_code": frame[code].to_numpy(),
                                   "column": POPULATION, "value": frame["population_municipale"].astype(float).to_numpy(),
                                   "missing_reason": None}))
    out = pd.concat(parts, ignore_index=True)
    out["missing_reason"] = out["missing_reason"].astype("string")
    out["geo_code"] = out["geo_code"].astype("string")
    assert not out.duplicated(["source", "level", "geo_code", "column"]).any(), "indicator_raw keys must be unique"
    return out


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0
