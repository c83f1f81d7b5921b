"""The map of a territory's départements (`map.svg`), shaded by their overall fragility index,
with the codes on the map and the list of départements with their index beside it."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle

from .. import french as fr
from .common import _demo_suffix, _fmt_index, _of, _result, _scale, _source_indices
from .figure import _ensure_setup, _FixedLimitsAxes
from .geometry import (_bounds, _colourbar, _compound_path, _features, _fill_color, _fill_limits, _label_point,
                       _symmetric_norm)
from .labels import _DIRECTIONS, _place_labels
from .style import CM, CONTEXT_FILL, INK, NARROW_CM, NOTE, SMALL
from .svgout import _Canvas, _save


def chart_map(ctx: dict, out_path, geo_dir=None) -> dict:
    """The territory's départements shaded by their overall fragility index (0 = France)."""
    _ensure_setup()
    scale = _scale(ctx)
    deps = _features(geo_dir, "departements")
    entries = [e for e in ctx["departements_map"] if e["code"] in deps]
    unknown = [e["code"] for e in ctx["departements_map"] if e["code"] not in deps]
    if unknown:
        raise KeyError(f"départements without geometry: {', '.join(unknown)}")
    scores = [e["score"] for e in entries if e.get("score") is not None]
    ref = scale["ref"] if scale["ref"] is not None else (float(np.median(scores)) if scores else 0.0)
    norm, step = _symmetric_norm(scores, ref, scale["norm"])
    bounds = [_bounds(deps[e["code"]]["polys"]) for e in entries]
    x0, y0 = min(b[0] for b in bounds), min(b[1] for b in bounds)
    x1, y1 = max(b[2] for b in bounds), max(b[3] for b in bounds)
    coslat = math.cos(math.radians((y0 + y1) / 2))

    width, height = NARROW_CM * CM, 8.6 * CM
    rows = sorted(entries, key=lambda e: (e.get("score") is None, -(e.get("score") or 0), e["code"]))
    list_h = (len(rows) + 1.6) * 0.158
    height = max(height, list_h + 0.9)
    fig = Figure(figsize=(width, height))
    _Canvas(fig)
    map_w = 0.56
    map_rect = (0.005, 0.255, map_w, 0.74)
    ax = fig.add_axes(map_rect, axes_class=_FixedLimitsAxes)  # limits set below
    ax.set_axis_off()
    vx0, vx1, vy0, vy1 = _fill_limits((x0 * coslat, x1 * coslat, y0, y1), map_rect[2] * width, map_rect[3] * height, 0.05)
    ax.set_xlim(vx0, vx1)
    ax.set_ylim(vy0, vy1)
    ax.set_aspect("equal", adjustable="box")
    own = {e["code"] for e in entries}
    # neighbouring départements, for context
    for code, f in deps.items():
        if code in own:
            continue
        bx0, by0, bx1, by1 = _bounds(f["polys"])
        if bx1 * coslat < vx0 or bx0 * coslat > vx1 or by1 < vy0 or by0 > vy1:
            continue
        patch = PathPatch(_compound_path(f["polys"], coslat), facecolor=CONTEXT_FILL, edgecolor="white",
                          linewidth=0.6, zorder=1)
        patch.set_gid(f"context-{code}")
        ax.add_patch(patch)
    for e in entries:
        f = deps[e["code"]]
        patch = PathPatch(_compound_path(f["polys"], coslat), facecolor=_fill_color(e.get("score"), norm),
                          edgecolor=INK, linewidth=0.55, zorder=2, hatch="////" if e.get("score") is None else None)
        patch.set_gid(f"dep-{e['code']}")
        ax.add_patch(patch)
    # codes at the label points, moved apart when they collide
    items = []
    for e in entries:
        lx, ly = _label_point(deps[e["code"]]["polys"], coslat)
        items.append({"x": lx, "y": ly, "text": e["code"], "r0": 0.0,
                      "kw": {"fontweight": "bold", "color": INK,
                             "bbox": dict(boxstyle="round,pad=0.18", facecolor="white", edgecolor="none", alpha=0.8)}})
    _place_labels(ax, items, [], radii=(2, 6, 12, 20, 30), fontsize=SMALL, leader_from=10, margin=1,
                  directions=[(0, 0)] + _DIRECTIONS)

    # colour bar
    cax = fig.add_axes((0.06, 0.13, map_w - 0.1, 0.032))
    label = ("Indice global de fragilité (écarts-types)" if scale["norm"] == "zscore" else
             "Indice global de fragilité (France = 100)" if scale["norm"] == "ratio" else
             "Indice global de fragilité (1 à 100)")
    _colourbar(fig, cax, norm, step, scale, horizontal=True, label=label,
               ref=scale["ref"])
    # list of départements with their score
    lax = fig.add_axes((map_w + 0.03, 0.02, 1 - map_w - 0.035, 0.96))
    lax.set_axis_off()
    lax.set_xlim(0, 1)
    line = 0.158 / (0.96 * height)
    top = 0.5 + (len(rows) + 1) * line / 2
    lax.text(0, top, "Département", fontsize=SMALL, fontweight="bold", va="center", ha="left", color=INK)
    lax.text(1, top, "Indice", fontsize=SMALL, fontweight="bold", va="center", ha="right", color=INK)
    for k, e in enumerate(rows):
        yy = top - (k + 1.1) * line
        lax.add_patch(Rectangle((0, yy - line * 0.32), 0.055, line * 0.64, facecolor=_fill_color(e.get("score"), norm),
                                edgecolor=INK, linewidth=0.4, hatch="////" if e.get("score") is None else None))
        lax.text(0.085, yy, e["code"], fontsize=NOTE, fontweight="bold", va="center", ha="left")
        lax.text(0.22, yy, e["name"], fontsize=NOTE, va="center", ha="left")
        lax.text(1, yy, _fmt_index(e.get("score"), scale, 2), fontsize=NOTE, va="center", ha="right")
    file = _save(fig, out_path)

    n = len(entries)
    title = ("Indice global de fragilité des départements, écart à la moyenne nationale (en écarts-types)"
             if scale["norm"] == "zscore" else "Indice global de fragilité des départements")
    what = "du département" if n == 1 else f"des {n} départements"
    alt = (f"Carte {what} {_of(ctx)}, colorés selon leur indice global de fragilité ({scale['unit']} ; "
           "rouge : plus fragile que la France, bleu : moins fragile) : "
           + fr.join([f"{e['name']} ({e['code']}, {_fmt_index(e.get('score'), scale, 2)})" for e in rows]) + ".")
    source = (_source_indices(ctx).removesuffix(_demo_suffix(ctx))
              + " Fond de carte : IGN, Admin Express ; INSEE, COG 2025." + _demo_suffix(ctx))
    return _result("map", file, title, alt, source, has_data=bool(scores))
