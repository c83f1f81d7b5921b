"""Reference geography for the generator: COG tables as arrays, département areas, subsets.

The generator always works on the geography it is given (normally the full COG 2025 of
``data/raw/geo``). A *subset* (``--regions``) is written by filtering the full outputs, so the
tiny test dataset is a consistent extract of the full demonstration data.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

GEO_FILES = ["regions.csv", "departements.csv", "communes.csv", "departements.geojson", "regions.geojson"]


@dataclass
class Geo:
    """COG tables sorted by code, with integer indices linking the levels."""

    communes: pd.DataFrame  # code, name, dep, reg, pop
    departements: pd.DataFrame  # code, name, reg, pop, area_ha
    regions: pd.DataFrame  # code, name, pop
    di: np.ndarray = field(init=False)  # département index of each commune
    ri: np.ndarray = field(init=False)  # region index of each commune
    dep_ri: np.ndarray = field(init=False)  # region index of each département

    def __post_init__(self) -> None:
        dep_pos = {c: i for i, c in enumerate(self.departements["code"])}
        reg_pos = {c: i for i, c in enumerate(self.regions["code"])}
        self.di = self.communes["dep"].map(dep_pos).to_numpy(dtype=np.int64)
        self.ri = self.communes["reg"].map(reg_pos).to_numpy(dtype=np.int64)
        self.dep_ri = self.departements["reg"].map(reg_pos).to_numpy(dtype=np.int64)

    @property
    def nc(self) -> int:
        return len(self.communes)

    @property
    def nd(self) -> int:
        return len(self.departements)

    @property
    def nr(self) -> int:
        return len(self.regions)

    def dep_sum(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(self.di, weights=x, minlength=self.nd)

    def reg_sum(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(self.ri, weights=x, minlength=self.nr)

    def reg_sum_dep(self, xd: np.ndarray) -> np.ndarray:
        return np.bincount(self.dep_ri, weights=xd, minlength=self.nr)


def _ring_area_km2(ring: list) -> float:
    """Area of a lon/lat ring (equirectangular projection at the ring's mean latitude)."""
    pts = np.asarray(ring, dtype=float)
    lat0 = math.radians(pts[:, 1].mean())
    x = np.radians(pts[:, 0]) * math.cos(lat0) * 6371.0
    y = np.radians(pts[:, 1]) * 6371.0
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2.0


def feature_areas_ha(geojson_path: Path) -> dict[str, float]:
    """code -> area in hectares of each feature of a FeatureCollection (holes subtracted)."""
    data = json.loads(geojson_path.read_text(encoding="utf-8"))
    out = {}
    for feat in data["features"]:
        geom = feat["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        km2 = sum(_ring_area_km2(p[0]) - sum(_ring_area_km2(h) for h in p[1:]) for p in polys)
        out[feat["properties"]["code"]] = km2 * 100.0
    return out


def load(geo_dir: Path) -> Geo:
    """Read the COG files (codes as text) into a :class:`Geo`."""
    com = pd.read_csv(geo_dir / "communes.csv", dtype=str, keep_default_na=False)
    dep = pd.read_csv(geo_dir / "departements.csv", dtype=str, keep_default_na=False)
    reg = pd.read_csv(geo_dir / "regions.csv", dtype=str, keep_default_na=False)
    communes = (
        pd.DataFrame(
            {
                "code": com["code_commune"].astype(object),
                "name": com["nom_commune"].astype(object),
                "dep": com["code_departement"].astype(object),
                "reg": com["code_region"].astype(object),
                "pop": com["population_municipale"].astype(np.int64),
            }
        )
        .sort_values("code", kind="stable")
        .reset_index(drop=True)
    )
    areas = feature_areas_ha(geo_dir / "departements.geojson")
    departements = (
        pd.DataFrame(
            {
                "code": dep["code_departement"].astype(object),
                "name": dep["nom_departement"].astype(object),
                "reg": dep["code_region"].astype(object),
            }
        )
        .sort_values("code", kind="stable")
        .reset_index(drop=True)
    )
    pop_dep = communes.groupby("dep")["pop"].sum()
    departements["pop"] = departements["code"].map(pop_dep).fillna(0).astype(np.int64)
    departements["area_ha"] = departements["code"].map(areas).astype(float)
    regions = pd.DataFrame({"code": reg["code_region"].astype(object), "name": reg["nom_region"].astype(object)})
    regions = regions.sort_values("code", kind="stable").reset_index(drop=True)
    pop_reg = communes.groupby("reg")["pop"].sum()
    regions["pop"] = regions["code"].map(pop_reg).fillna(0).astype(np.int64)
    return Geo(communes, departements, regions)


def write_subset(geo_dir: Path, out_geo: Path, regions: list[str]) -> None:
    """Write the five geo files filtered to `regions`, keeping the source formatting.

    CSV lines are copied verbatim (filtered on the region column); the GeoJSON files are
    re-serialised compactly like the originals (UTF-8, no spaces).
    """
    out_geo.mkdir(parents=True, exist_ok=True)
    wanted = set(regions)
    for name, col in (
        ("regions.csv", "code_region"),
        ("departements.csv", "code_region"),
        ("communes.csv", "code_region"),
    ):
        lines = (geo_dir / name).read_text(encoding="utf-8").splitlines(keepends=True)
        header = lines[0].rstrip("\r\n").split(",")
        pos = header.index(col)
        kept = [lines[0]] + [ln for ln in lines[1:] if ln.strip() and _csv_field(ln, pos) in wanted]
        (out_geo / name).write_text("".join(kept), encoding="utf-8", newline="")
    dep_codes = set(pd.read_csv(out_geo / "departements.csv", dtype=str)["code_departement"])
    for name, keep in (
        ("departements.geojson", lambda p: p["code"] in dep_codes),
        ("regions.geojson", lambda p: p["code"] in wanted),
    ):
        data = json.loads((geo_dir / name).read_text(encoding="utf-8"))
        data["features"] = [f for f in data["features"] if keep(f["properties"])]
        (out_geo / name).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _csv_field(line: str, pos: int) -> str:
    return next(csv.reader([line.rstrip("\r\n")]))[pos]


def copy_full(geo_dir: Path, out_geo: Path) -> None:
    """Copy the geo files verbatim (when writing a complete raw directory elsewhere)."""
    out_geo.mkdir(parents=True, exist_ok=True)
    for name in GEO_FILES + ["README.md"]:
        if (geo_dir / name).exists():
            shutil.copyfile(geo_dir / name, out_geo / name)
