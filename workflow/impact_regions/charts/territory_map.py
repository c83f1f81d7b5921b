"""The map of a territory's départements (`map.svg`), shaded by their overall fragility index,
with the codes on the map and the list of départements with their index beside it.

Départements too small to carry their code at the map's scale (Paris and the petite couronne in
Île-de-France) are shown again, enlarged, in an inset below the list (or, if the list leaves no
room, in the corner of the map that hides the least of the territory); the enlarged area is
framed on the map. A territory of a single
département has no map: a sentence gives its index instead (:func:`.omit.single_departement`).
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle

from .. import french as fr
from . import omit
from .common import _demo_suffix, _fmt_index, _of, _omitted, _result, _scale, _source_indices
from .figure import _ensure_setup, _FixedLimitsAxes
from .geometry import (
    _bounds,
    _colourbar,
    _compound_path,
    _features,
    _fill_color,
    _fill_limits,
    _label_point,
    _symmetric_norm,
)
from .labels import _DIRECTIONS, _place_labels
from .style import CM, CONTEXT_FILL, INK, MUTED, NARROW_CM, NOTE, SMALL
from .svgout import _Canvas, _save

#: a département is "small" when its shape is narrower than this on the map (pt): its code does not fit
SMALL_DEPARTEMENT_PT = 32.0
INSET_SHARE = 0.42  # width of the inset, share of the map's width
INSET_MAX_SPAN = 0.3  # the small départements enlarged must lie within 30 % of the map's extent
INSET_IN = 1.1  # smallest inset, in the column (inches)
LIST_LINE_IN = 0.14  # line pitch of the list of départements (7 pt text)
MAP_H_CM = 6.4  # height of the map (the figure is taller only when the list of départements needs it)
COLOURBAR_IN = 0.7  # room the colour bar, its title and its ticks take at the foot of the column (inches)


def _draw_departements(ax, deps: dict, entries: list[dict], coslat: float, norm, gid: str) -> None:
    """The territory's départements (ids `<gid><code>`) and their neighbours in view, for context."""
    vx0, vx1 = ax.get_xlim()
    vy0, vy1 = ax.get_ylim()
    own = {e["code"] for e in entries}
    for code, f in deps.items():
        if code in own:
            continue
        bx0, by0, bx1, by1 = _bounds(f["polys"])
        if bx1 * coslat < vx0 or bx0 * coslat > vx1 or by1 < vy0 or by0 > vy1:
            continue
        patch = PathPatch(
            _compound_path(f["polys"], coslat), facecolor=CONTEXT_FILL, edgecolor="white", linewidth=0.6, zorder=1
        )
        patch.set_gid(f"context-{gid}{code}")
        ax.add_patch(patch)
    for e in entries:  # a département's report outlines it among those of its region (`highlight`)
        patch = PathPatch(
            _compound_path(deps[e["code"]]["polys"], coslat),
            facecolor=_fill_color(e.get("score"), norm),
            edgecolor=INK,
            linewidth=1.8 if e.get("highlight") else 0.55,
            zorder=3 if e.get("highlight") else 2,
            hatch="////" if e.get("score") is None else None,
        )
        patch.set_gid(f"{gid}{e['code']}")
        ax.add_patch(patch)


def _label_codes(ax, deps: dict, entries: list[dict], coslat: float, obstacles: list) -> None:
    """The codes at the label points, moved apart when they collide (and off the `obstacles`)."""
    items = []
    for e in entries:
        lx, ly = _label_point(deps[e["code"]]["polys"], coslat)
        items.append(
            {
                "x": lx,
                "y": ly,
                "text": e["code"],
                "r0": 0.0,
                "kw": {
                    "fontweight": "bold",
                    "color": INK,
                    "bbox": dict(boxstyle="round,pad=0.18", facecolor="white", edgecolor="none", alpha=0.8),
                },
            }
        )
    _place_labels(
        ax,
        items,
        obstacles,
        radii=(2, 6, 12, 20, 30),
        fontsize=SMALL,
        leader_from=10,
        margin=1,
        directions=[(0, 0)] + _DIRECTIONS,
    )


def _inset_corner(map_rect: tuple, size: tuple, limits: tuple, paths: list) -> tuple:
    """The corner of the map (figure fraction rectangle) where an inset of `size` (figure fraction)
    hides the least of the territory's shapes (`paths`, in data coordinates)."""
    mx, my, mw, mh = map_rect
    vx0, vx1, vy0, vy1 = limits
    gx, gy = np.meshgrid(np.linspace(0.02, 0.98, 14), np.linspace(0.02, 0.98, 14))
    best, best_cover = None, None
    for cx, cy in ((1, 1), (0, 1), (1, 0), (0, 0)):  # top right first
        rx = mx + (mw - size[0] - 0.004 if cx else 0.004)
        ry = my + (mh - size[1] - 0.004 if cy else 0.004)
        px = vx0 + (rx - mx + gx * size[0]) / mw * (vx1 - vx0)
        py = vy0 + (ry - my + gy * size[1]) / mh * (vy1 - vy0)
        pts = np.column_stack([px.ravel(), py.ravel()])
        cover = sum(int(p.contains_points(pts).sum()) for p in paths)
        if best_cover is None or cover < best_cover:
            best, best_cover = (rx, ry, size[0], size[1]), cover
    return best


def chart_map(ctx: dict, out_path, geo_dir=None) -> dict:
    """The territory's départements shaded by their overall fragility index (0 = France)."""
    _ensure_setup()
    scale = _scale(ctx)
    deps = _features(geo_dir, "departements")
    entries = [e for e in ctx["departements_map"] if e["code"] in deps]
    unknown = [e["code"] for e in ctx["departements_map"] if e["code"] not in deps]
    if unknown:
        raise KeyError(f"départements without geometry: {', '.join(unknown)}")
    title = (
        "Indice global de fragilité des départements, écart à la France (0 = France ; positif = plus fragile)"
        if scale["norm"] == "zscore"
        else "Indice global de fragilité des départements"
    )
    source = (
        _source_indices(ctx).removesuffix(_demo_suffix(ctx))
        + " Fond de carte : IGN, Admin Express ; INSEE, COG 2025."
        + _demo_suffix(ctx)
    )
    highlighted = [e for e in entries if e.get("highlight")]
    if highlighted:  # a département's report: the départements of its region
        title = title.replace("des départements", "des départements de la région " + ctx["territory"]["region_name"], 1)
    if len(entries) == 1:
        return _omitted("map", title, source, omit.single_departement(ctx, entries[0]))
    scores = [e["score"] for e in entries if e.get("score") is not None]
    ref = scale["ref"] if scale["ref"] is not None else (float(np.median(scores)) if scores else 0.0)
    norm, step = _symmetric_norm(scores, ref, scale["norm"])
    bounds = [_bounds(deps[e["code"]]["polys"]) for e in entries]
    x0, y0 = min(b[0] for b in bounds), min(b[1] for b in bounds)
    x1, y1 = max(b[2] for b in bounds), max(b[3] for b in bounds)
    coslat = math.cos(math.radians((y0 + y1) / 2))

    width = NARROW_CM * CM
    rows = sorted(entries, key=lambda e: (e.get("score") is None, -(e.get("score") or 0), e["code"]))
    list_h = (len(rows) + 1.6) * LIST_LINE_IN
    map_w = 0.56
    col_x, col_w = map_w + 0.03, 1 - map_w - 0.035  # the column right of the map
    # the colour bar in the column under the list, not under the map: the figure is then a quarter
    # lower than the map above its colour bar, and fits under the profile's chart
    height = max(MAP_H_CM * CM, list_h + COLOURBAR_IN)
    map_rect = (0.005, 0.01, map_w, 0.98)
    limits = _fill_limits((x0 * coslat, x1 * coslat, y0, y1), map_rect[2] * width, map_rect[3] * height, 0.05)
    # départements too small for their code: enlarged in an inset if there are several
    pt_per_unit = map_rect[2] * width * 72 / (limits[1] - limits[0])
    small = [
        e
        for e, b in zip(entries, bounds, strict=True)
        if min((b[2] - b[0]) * coslat, b[3] - b[1]) * pt_per_unit < SMALL_DEPARTEMENT_PT
    ]
    sb = [b for e, b in zip(entries, bounds, strict=True) if e in small]
    # an inset only for a cluster (Paris and the petite couronne), not for two far-apart shapes
    clustered = bool(sb) and (
        max(b[2] for b in sb) - min(b[0] for b in sb) <= INSET_MAX_SPAN * (x1 - x0)
        and max(b[3] for b in sb) - min(b[1] for b in sb) <= INSET_MAX_SPAN * (y1 - y0)
    )
    small = small if len(small) >= 2 and clustered else []
    bar_under_map = bool(small)  # the column then holds the list and the inset; the bar goes under the map
    if bar_under_map:
        height = max(height, (list_h + INSET_IN + 0.2) / 0.94 + 0.01)  # the room computed below
        map_rect = (0.005, COLOURBAR_IN / height, map_w, 0.99 - COLOURBAR_IN / height)
        limits = _fill_limits((x0 * coslat, x1 * coslat, y0, y1), map_rect[2] * width, map_rect[3] * height, 0.05)
    fig = Figure(figsize=(width, height))
    _Canvas(fig)
    ax = fig.add_axes(map_rect, axes_class=_FixedLimitsAxes)  # limits set below
    ax.set_axis_off()
    vx0, vx1, vy0, vy1 = limits
    ax.set_xlim(vx0, vx1)
    ax.set_ylim(vy0, vy1)
    ax.set_aspect("equal", adjustable="box")
    _draw_departements(ax, deps, entries, coslat, norm, "dep-")
    iax = None
    if small:
        sb = [b for e, b in zip(entries, bounds, strict=True) if e in small]
        zoom = (
            min(b[0] for b in sb) * coslat,
            max(b[2] for b in sb) * coslat,
            min(b[1] for b in sb),
            max(b[3] for b in sb),
        )
        zx0, zx1, zy0, zy1 = _fill_limits(zoom, 1.0, 1.0, 0.04)
        ax.add_patch(
            Rectangle((zx0, zy0), zx1 - zx0, zy1 - zy0, facecolor="none", edgecolor=MUTED, linewidth=0.7, zorder=3)
        )
        caption_h = 0.2 / height  # figure fraction
        room = 0.96 - list_h / height - caption_h - 0.02  # under the list, in the right column
        if room * height >= INSET_IN:
            rect = (col_x, 0.02, col_w, room)
            zx0, zx1, zy0, zy1 = _fill_limits(zoom, col_w * width, room * height, 0.04)
        else:
            side = INSET_SHARE * map_rect[2]
            paths = [_compound_path(deps[e["code"]]["polys"], coslat) for e in entries]
            rect = _inset_corner(map_rect, (side, side * width / height), limits, paths)
        iax = fig.add_axes(rect, axes_class=_FixedLimitsAxes)
        iax.text(
            0,
            1.0 + 0.04 / (rect[3] * height),
            "Agrandissement : " + ", ".join(e["code"] for e in small),
            transform=iax.transAxes,
            fontsize=NOTE,
            color=INK,
            ha="left",
            va="bottom",
        )
        iax.set_xlim(zx0, zx1)
        iax.set_ylim(zy0, zy1)
        iax.set_aspect("equal", adjustable="box")
        iax.set_xticks([])
        iax.set_yticks([])
        for sp in iax.spines.values():
            sp.set_visible(True)
            sp.set_color(MUTED)
            sp.set_linewidth(0.7)
        iax.set_facecolor("white")
        _draw_departements(iax, deps, entries, coslat, norm, "zoom-")
        _label_codes(iax, deps, small, coslat, [])
    renderer = fig.canvas.get_renderer()
    _label_codes(
        ax,
        deps,
        [e for e in entries if e not in small],
        coslat,
        [iax.get_window_extent(renderer)] if iax is not None else [],
    )

    # colour bar
    cax = fig.add_axes(
        (0.06, 0.32 / height, map_w - 0.1, 0.1 / height)
        if bar_under_map
        else (col_x + 0.01, 0.32 / height, col_w - 0.03, 0.1 / height)
    )
    label = (
        "Indice global de fragilité (0 = France)"
        if scale["norm"] == "zscore"
        else "Indice global de fragilité (France = 100)"
        if scale["norm"] == "ratio"
        else "Indice global de fragilité (1 à 100)"
    )
    _colourbar(fig, cax, norm, step, scale, horizontal=True, label=label, ref=scale["ref"])
    # list of départements with their score (at the top of the column when an inset is below it), at
    # the fewest decimals that keep different scores apart (two départements never print « +0,3 »
    # and « +0,3 » for different indices), and a département's own at least as its text prints it
    decimals = fr.decimals_apart([e.get("score") for e in rows], least=scale["decimals"])
    if ctx["territory"].get("kind") == "departement":
        decimals = max(decimals, (ctx.get("overall") or {}).get("decimals", decimals))
    lax = fig.add_axes((col_x, 0.02, col_w, 0.96))
    lax.set_axis_off()
    lax.set_xlim(0, 1)
    line = LIST_LINE_IN / (0.96 * height)
    top = 1 - line * 0.6
    lax.text(0, top, "Département", fontsize=SMALL, fontweight="bold", va="center", ha="left", color=INK)
    lax.text(1, top, "Indice", fontsize=SMALL, fontweight="bold", va="center", ha="right", color=INK)
    for k, e in enumerate(rows):
        yy = top - (k + 1.1) * line
        lax.add_patch(
            Rectangle(
                (0, yy - line * 0.32),
                0.055,
                line * 0.64,
                facecolor=_fill_color(e.get("score"), norm),
                edgecolor=INK,
                linewidth=0.4,
                hatch="////" if e.get("score") is None else None,
            )
        )
        lax.text(0.085, yy, e["code"], fontsize=NOTE, fontweight="bold", va="center", ha="left")
        lax.text(
            0.22,
            yy,
            e["name"],
            fontsize=NOTE,
            va="center",
            ha="left",
            fontweight="bold" if e.get("highlight") else "normal",
        )
        lax.text(1, yy, _fmt_index(e.get("score"), scale, decimals), fontsize=NOTE, va="center", ha="right")
    file = _save(fig, out_path)

    what = f"des {len(entries)} départements {_of(ctx)}"
    if highlighted:
        what = (
            f"des {len(entries)} départements de la région {ctx['territory']['region_name']}, dont "
            f"{ctx['territory']['nominative']} (contour épais, en gras dans la liste)"
        )
    alt = (
        f"Carte {what}, colorés selon leur indice global de fragilité ({scale['unit']} ; "
        "rouge : plus fragile que la France, bleu : moins fragile) : "
        + fr.join([f"{e['name']} ({e['code']}, {_fmt_index(e.get('score'), scale, decimals)})" for e in rows])
        + "."
    )
    if small:
        alt += (
            " Un encadré agrandit "
            + fr.join([f"{e['name']} ({e['code']})" for e in small])
            + ", trop petits à l'échelle de la carte."
        )
    return _result("map", file, title, alt, source, has_data=bool(scores))
