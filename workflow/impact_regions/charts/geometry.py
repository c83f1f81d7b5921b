"""What the maps share: geometry read from GeoJSON with json (projected with a cos(latitude)
correction), a point to label each shape, limits of a map box, the colour scale centred on France
and its colour bar."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from matplotlib.colorbar import Colorbar
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FixedLocator

from .. import french as fr
from .common import INDEX_STEPS, _decimals, _nice_step
from .style import DEFAULT_GEO_DIR, FRAGILITY_CMAP, INK, MISSING_FILL, MUTED, SMALL

#: Holes smaller than this (square degrees, about 80 km²) are slivers left by the simplification of
#: the dissolved boundaries, not enclaves: they are filled (the Enclave des papes, 0.015, is kept).
MIN_HOLE_AREA = 0.01

#: Half-range of the map colour scale at least (one scale for all reports unless a value exceeds it,
#: so that small differences to France stay pale and maps can be compared from one report to another).
MAP_HALF_RANGE = {"zscore": 1.0, "ratio": 20.0, "minmax": 20.0}


@lru_cache(maxsize=4)
def _load_features(path: str) -> tuple:
    """(code, nom, code_region, polygons) per feature; polygons = tuple of rings (N x 2 arrays, lon/lat)."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    out = []
    for f in data["features"]:
        geom = f["geometry"]
        if geom is None:
            continue
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = tuple(tuple(np.asarray(ring, dtype=float)[:, :2] for ring in poly) for poly in polys)
        p = f["properties"]
        out.append((str(p["code"]), p.get("nom", ""), str(p.get("code_region", "")), rings))
    return tuple(out)


def _features(geo_dir, level: str) -> dict:
    path = Path(geo_dir) if geo_dir else DEFAULT_GEO_DIR
    file = path / f"{level}.geojson"
    if not file.exists():
        raise FileNotFoundError(f"{file}: geometry not found (copy shared/data/geo/ into data/raw/geo/)")
    return {code: {"nom": nom, "region": reg, "polys": polys} for code, nom, reg, polys in _load_features(str(file))}


def _signed_area(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _project(ring: np.ndarray, coslat: float) -> np.ndarray:
    return np.column_stack([ring[:, 0] * coslat, ring[:, 1]])


def _compound_path(polys, coslat: float) -> MplPath:
    """All polygons of a feature as one path; exteriors counter-clockwise, holes clockwise."""
    verts, codes = [], []
    for poly in polys:
        for k, ring in enumerate(poly):
            if len(ring) < 3 or (k > 0 and abs(_signed_area(ring)) < MIN_HOLE_AREA):
                continue
            xy = _project(ring, coslat)
            area = _signed_area(xy)
            if (k == 0 and area < 0) or (k > 0 and area > 0):
                xy = xy[::-1]
            verts.append(xy)
            verts.append(xy[:1])
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 1) + [MplPath.CLOSEPOLY]
    return MplPath(np.concatenate(verts), codes)


def _bounds(polys) -> tuple[float, float, float, float]:
    pts = np.concatenate([poly[0] for poly in polys])
    return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())


def _label_point(polys, coslat: float) -> tuple[float, float]:
    """A point inside the largest polygon: its centroid if inside, else the interior grid point
    farthest from the outline."""
    best = max(polys, key=lambda p: abs(_signed_area(_project(p[0], coslat))))
    ext = _project(best[0], coslat)
    x, y = ext[:, 0], ext[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    a = cross.sum() / 2
    if abs(a) > 1e-12:
        cx = float(((x + np.roll(x, -1)) * cross).sum() / (6 * a))
        cy = float(((y + np.roll(y, -1)) * cross).sum() / (6 * a))
    else:
        cx, cy = float(x.mean()), float(y.mean())
    path = MplPath(ext)
    span = max(x.max() - x.min(), y.max() - y.min())
    if path.contains_point((cx, cy)):
        d_centroid = float(np.min(np.hypot(x - cx, y - cy)))
        if d_centroid > 0.08 * span:
            return cx, cy
    gx, gy = np.meshgrid(np.linspace(x.min(), x.max(), 24), np.linspace(y.min(), y.max(), 24))
    cand = np.column_stack([gx.ravel(), gy.ravel()])
    inside = cand[path.contains_points(cand)]
    if not len(inside):
        return cx, cy
    dist = np.min(np.hypot(inside[:, None, 0] - x[None, :], inside[:, None, 1] - y[None, :]), axis=1)
    dist -= 0.15 * np.hypot(inside[:, 0] - cx, inside[:, 1] - cy)  # prefer the middle
    i = int(np.argmax(dist))
    return float(inside[i, 0]), float(inside[i, 1])


def _fill_limits(bounds, box_w: float, box_h: float, margin: float) -> tuple[float, float, float, float]:
    """Data limits showing `bounds` (projected) with equal aspect in a box of box_w x box_h inches."""
    x0, x1, y0, y1 = bounds
    pad = margin * max(x1 - x0, y1 - y0, 1e-6)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    w, h = x1 - x0, y1 - y0
    if w / h > box_w / box_h:
        extra = (w * box_h / box_w - h) / 2
        y0, y1 = y0 - extra, y1 + extra
    else:
        extra = (h * box_w / box_h - w) / 2
        x0, x1 = x0 - extra, x1 + extra
    return x0, x1, y0, y1


def _symmetric_norm(values: list[float], ref: float, norm_name: str = "zscore") -> tuple[Normalize, float]:
    """A colour scale centred on France: [ref - v, ref + v], v the larger of the default half-range
    and the largest deviation rounded up; with a tick step."""
    dev = max([abs(v - ref) for v in values] + [0.0])
    vmax = MAP_HALF_RANGE.get(norm_name, 1.0)
    if dev > vmax:
        unit = _nice_step(dev, 4, INDEX_STEPS)
        vmax = unit * math.ceil(dev / unit - 1e-9)
    return Normalize(ref - vmax, ref + vmax), _nice_step(vmax, 3, INDEX_STEPS)


def _colourbar(
    fig: Figure, cax, norm: Normalize, step: float, scale: dict, *, horizontal: bool, label: str, ref: float | None
) -> None:
    boundaries = np.linspace(norm.vmin, norm.vmax, 41)
    cb = Colorbar(
        cax,
        cmap=FRAGILITY_CMAP,
        norm=norm,
        boundaries=boundaries,
        values=(boundaries[:-1] + boundaries[1:]) / 2,
        orientation="horizontal" if horizontal else "vertical",
        drawedges=False,
    )
    cb.solids.set_edgecolor("face")  # no hairline seams between the colour steps in vector output
    cb.outline.set_linewidth(0.4)
    cb.outline.set_edgecolor(MUTED)
    centre = (norm.vmin + norm.vmax) / 2
    n = int(math.floor((norm.vmax - centre) / step + 1e-9))
    ticks = [centre + k * step for k in range(-n, n + 1)]
    dec = _decimals(step)
    cb.set_ticks(FixedLocator(ticks))
    cb.ax.tick_params(labelsize=SMALL, length=2, width=0.5, color=MUTED)
    labels = []
    for t in ticks:
        if ref is not None and abs(t - ref) < step / 100:
            labels.append(fr.number(t, dec) + "\nFrance" if horizontal else fr.number(t, dec) + " France")
        else:
            labels.append(fr.number(t, dec, signed=scale["signed"]))
    cb.set_ticklabels(labels)
    cb.set_label(label, fontsize=SMALL, color=INK, labelpad=3)
    if horizontal:
        cb.ax.xaxis.set_label_position("top")


def _fill_color(score, norm):
    return FRAGILITY_CMAP(norm(score)) if score is not None else MISSING_FILL
