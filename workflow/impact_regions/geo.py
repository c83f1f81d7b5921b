"""The reference geography (COG 2025, populations légales 2017) as read from `data/raw/geo/`.

Codes are kept as strings everywhere (leading zeros, 2A/2B).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:  # pandas is imported by load_geo only: read_departements stays light (report jobs)
    import pandas as pd

#: the edition of the Code officiel géographique of `data/raw/geo/` (COG 2025: in force on 1
#: January 2025), cited by every synthesis: the PDFs' dates are not earlier than it
COG_DATE = datetime(2025, 1, 1, tzinfo=UTC)

GEO_FILES = {
    "regions": ("regions.csv", ["code_region", "nom_region"]),
    "departements": (
        "departements.csv",
        ["code_departement", "nom_departement", "code_region", "population_municipale"],
    ),
    "communes": (
        "communes.csv",
        ["code_commune", "nom_commune", "code_departement", "code_region", "population_municipale"],
    ),
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
        self.departement_region = dict(
            zip(self.departements["code_departement"], self.departements["code_region"], strict=True)
        )

    def codes(self, level: str) -> frozenset[str]:
        col = {
            "commune": ("communes", "code_commune"),
            "departement": ("departements", "code_departement"),
            "region": ("regions", "code_region"),
        }[level]
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
    return DepartementIndex(
        departement_region={r["code_departement"]: r["code_region"] for r in rows},
        region_departements={k: sorted(v) for k, v in sorted(region_departements.items())},
    )


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
            raise InputError(
                path, "reference geography file not found", hint="Copy shared/data/geo/ into data/raw/geo/ (see README)"
            )
        frames[name] = _geo_frame(path, columns)
    return Geography(**frames)


def _geo_frame(path: Path, columns: list[str]) -> pd.DataFrame:
    """One geography file read by pandas (fast: 35,000 communes) and checked as
    :func:`_read_geo_table` checks it; on any problem, that slower line-by-line reading names it."""
    import pandas as pd

    try:
        df = pd.read_csv(io.StringIO(_geo_text(path)), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        df = None
    ok = (
        df is not None
        and all(c in df.columns and f"{c}.1" not in df.columns for c in columns)
        and not (df[columns] == "").to_numpy().any()  # an empty cell, or a short line (pandas fills it with "")
        and not df[columns[0]].duplicated().any()
        and (
            "population_municipale" not in df.columns or df["population_municipale"].str.fullmatch(r"[0-9]{1,15}").all()
        )
    )
    if not ok:
        _read_geo_table(path, columns)  # raises the InputError of the first problem, with its line
        raise InputError(
            path,
            "unreadable reference geography file",
            column=columns[0],
            hint="Copy shared/data/geo/ into data/raw/geo/ (see README)",
        )
    if "population_municipale" in df.columns:
        df["population_municipale"] = df["population_municipale"].astype("int64")
    return df


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
        raise InputError(
            path, "reference geography file not found", hint="Copy shared/data/geo/ into data/raw/geo/ (see README)"
        )
    header, rows, _ = _read_geo_table(path, columns)
    out = [dict(zip(header, row, strict=True)) for row in rows]
    for row in out:
        row["population_municipale"] = int(row["population_municipale"])
    return out


def _read_geo_table(path: Path, columns: list[str]) -> tuple[list[str], list[list[str]], list[int]]:
    """(header, rows, physical line of each row) of one geography file, checked: required
    columns, as many fields as the header on every line, no empty required cell, whole-number
    populations (at most 15 digits), no duplicate code. Blank lines are skipped; every error names the line."""
    reader = csv.reader(io.StringIO(_geo_text(path), newline=""))
    header = next(reader, None) or []
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(path, f"missing column '{missing[0]}'", line=1, column=missing[0])
    twice = [c for c in columns if header.count(c) > 1]
    if twice:
        raise InputError(
            path, f"column '{twice[0]}' appears {header.count(twice[0])} times in the header", line=1, column=twice[0]
        )
    rows, lines = [], []
    start = reader.line_num  # physical lines read so far (a quoted field may span lines)
    pop = header.index("population_municipale") if "population_municipale" in header else None
    key = header.index(columns[0])
    seen: dict[str, int] = {}
    for row in reader:
        line, start = start + 1, reader.line_num
        if not row:
            continue  # blank line
        if len(row) != len(header):
            raise InputError(
                path,
                f"malformed line: {len(row)} fields where the header has {len(header)}",
                line=line,
                hint="Each line must have as many fields as the header; check commas and quotes",
            )
        empty = next((c for c in columns if row[header.index(c)] == ""), None)
        if empty is not None:
            raise InputError(path, "empty cell", line=line, column=empty, hint="Every code and name is required")
        if pop is not None and not re.fullmatch(r"[0-9]{1,15}", row[pop]):
            raise InputError(
                path, "population must be a whole number", line=line, column="population_municipale", value=row[pop]
            )
        if row[key] in seen:
            raise InputError(
                path, f"duplicate code (already on line {seen[row[key]]})", line=line, column=columns[0], value=row[key]
            )
        seen[row[key]] = line
        rows.append(row)
        lines.append(line)
    return header, rows, lines


def _geo_text(path: Path) -> str:
    """The text of a reference geography file: UTF-8 (a BOM is ignored, as pandas does)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        start = min(start, len(raw) - 1)
        raise InputError(
            path,
            f"not UTF-8 text (byte 0x{raw[start]:02x})",
            line=raw[:start].count(b"\n") + 1,
            hint="The reference geography is UTF-8: copy shared/data/geo/ again",
        ) from None
