"""The reference geography (COG 2025, populations légales 2017) as read from `data/raw/geo/`.

Codes are kept as strings everywhere (leading zeros, 2A/2B).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:  # pandas is imported by load_geo only: read_departements stays light (report jobs)
    import pandas as pd

#: the edition of the Code officiel géographique of `data/raw/geo/` (COG 2025: in force on 1
#: January 2025), cited by every synthesis: the PDFs' dates are not earlier than it
COG_DATE = datetime(2025, 1, 1, tzinfo=timezone.utc)

GEO_FILES = {
    "regions": ("regions.csv", ["code_region", "nom_region"]),
    "departements": ("departements.csv", ["code_departement", "nom_departement", "code_region", "population_municipale"]),
    "communes": ("communes.csv", ["code_commune", "nom_commune", "code_departement", "code_region", "population_municipale"]),
}


@dataclass
class Geography:
    regions: pd.DataFrame
    departements: pd.DataFrame
    communes: pd.DataFrame
    vintage: str = "2025"
    region_departements: dict[str, list[str]] = field(init=False)
    departement_region: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.region_departements = {
            r: sorted(g["code_departement"]) for r, g in self.departements.groupby("code_region")
        }
        self.departement_region = dict(zip(self.departements["code_departement"], self.departements["code_region"]))

    def codes(self, level: str) -> frozenset[str]:
        col = {"commune": ("communes", "code_commune"), "departement": ("departements", "code_departement"),
               "region": ("regions", "code_region")}[level]
        return frozenset(getattr(self, col[0])[col[1]])


@dataclass(frozen=True)
class DepartementIndex:
    """Which région each département belongs to, and the reverse: what the workflow needs when it
    is parsed, to check the territory files (:func:`~impact_regions.config.load_territory_files`
    reads the same attributes from a :class:`Geography`). Built without pandas, whose import
    would cost every `snakemake` run, a no-op included, about 0.4 s."""

    departement_region: dict[str, str]
    region_departements: dict[str, list[str]]
    vintage: str = "2025"


def read_departement_index(geo_dir: str | Path) -> DepartementIndex:
    """The :class:`DepartementIndex` of `departements.csv` (checked as :func:`read_departements`
    checks it)."""
    rows = read_departements(geo_dir)
    region_departements: dict[str, list[str]] = {}
    for r in rows:
        region_departements.setdefault(r["code_region"], []).append(r["code_departement"])
    return DepartementIndex(departement_region={r["code_departement"]: r["code_region"] for r in rows},
                            region_departements={k: sorted(v) for k, v in sorted(region_departements.items())})


def load_geo(geo_dir: str | Path, communes: bool = True) -> Geography:
    """Read regions, départements and communes with codes as text and populations as integers.

    `communes=False` skips the 35,000 communes (an empty table) for steps that only need the
    départements, such as the report jobs.
    """
    import pandas as pd

    geo_dir = Path(geo_dir)
    frames = {"communes": pd.DataFrame(columns=GEO_FILES["communes"][1])}
    for name, (fname, columns) in GEO_FILES.items():
        if name == "communes" and not communes:
            continue
        path = geo_dir / fname
        if not path.exists():
            raise InputError(path, "reference geography file not found",
                             hint="Copy shared/data/geo/ into data/raw/geo/ (see README)")
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise InputError(path, f"missing column '{missing[0]}'", line=1, column=missing[0])
        if "population_municipale" in df.columns:
            bad = ~df["population_municipale"].str.fullmatch(r"\d+")
            if bad.any():
                i = int(bad.to_numpy().nonzero()[0][0])
                raise InputError(path, "population must be a whole number", line=i + 2,
                                 column="population_municipale", value=df["population_municipale"].iloc[i])
            df["population_municipale"] = df["population_municipale"].astype("int64")
        key = columns[0]
        if df[key].duplicated().any():
            raise InputError(path, "duplicate code", column=key, value=df.loc[df[key].duplicated(), key].iloc[0])
        frames[name] = df
    return Geography(**frames)


def read_departements(geo_dir: str | Path) -> list[dict]:
    """The départements of `departements.csv` as plain dicts, in file order, without pandas.

    Each dict has the file's columns as text, except ``population_municipale`` (an int). The
    checks are those of :func:`load_geo` (file present, required columns, whole-number
    populations, no duplicate code), with the same errors. For the report jobs, which only
    need the départements and would otherwise pay the pandas import for one small file.
    """
    fname, columns = GEO_FILES["departements"]
    path = Path(geo_dir) / fname
    if not path.exists():
        raise InputError(path, "reference geography file not found",
                         hint="Copy shared/data/geo/ into data/raw/geo/ (see README)")
    with open(path, encoding="utf-8-sig", newline="") as fh:  # -sig: a BOM is ignored, as pandas does
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(path, f"missing column '{missing[0]}'", line=1, column=missing[0])
        rows = list(reader)
    seen: set[str] = set()
    for i, row in enumerate(rows):
        pop = row["population_municipale"]
        if not re.fullmatch(r"\d+", pop):
            raise InputError(path, "population must be a whole number", line=i + 2,
                             column="population_municipale", value=pop)
        row["population_municipale"] = int(pop)
    for row in rows:
        code = row[columns[0]]
        if code in seen:
            raise InputError(path, "duplicate code", column=columns[0], value=code)
        seen.add(code)
    return rows
