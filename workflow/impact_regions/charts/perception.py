"""The inhabitants' perception against France and against the index:

* `perceived.svg`: perceived fragility /10 per domain, territory bars beside France markers;
* `quadrant.svg`: objective index against perceived score, both relative to France, one
  labelled point per domain, the quadrants named;
"""

from __future__ import annotations

from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MultipleLocator
from matplotlib.transforms import Bbox

from .. import french as fr
from ..report_common import FAMILIES, FAMILY_LABELS
from . import omit
from .bars import _bar_rows_chart
from .common import (
    INDEX_STEPS,
    _caution_note,
    _ci,
    _ci_handle,
    _decimals,
    _france_handle,
    _nice_step,
    _number_formatter,
    _of,
    _omitted,
    _result,
    _scale,
    _significance_note,
    _source_gaps,
    _source_survey,
    _suppressed_note,
)
from .figure import _ensure_setup, _finalize, _new_figure
from .labels import _place_labels
from .style import (
    CAUTION_MARK,
    FAMILY_COLORS,
    GRID,
    GROUP_COLORS,
    HOLLOW_MARKER,
    INK,
    MUTED,
    NOTE,
    SMALL,
    WIDE_CM,
)
from .svgout import _save

QUADRANT_NAMES = {  # (x > 0, y > 0) -> name
    (True, True): "Fragilité reconnue",
    (True, False): "Fragilité sous-estimée",
    (False, True): "Inquiétude sans\nfragilité objective",
    (False, False): "Atout partagé",
}

#: how to read the quadrant, printed under it as text (not in the SVG: the paragraph can then
#: stand before the chart when the chart must wait for the next page)
QUADRANT_READING = fr.typography(
    "Lecture du graphique « Écart de perception » : à droite de l'axe vertical, "
    "l'indice de fragilité du domaine est plus élevé qu'en France ; "
    "au-dessus de l'axe horizontal, les habitants le jugent plus fragile que la moyenne des Français. "
    "Seuls les domaines dont l'écart entre perception et mesure dépasse les marges d'erreur de l'enquête et de "
    "l'indice (au seuil de 5\u00a0%, tous les domaines mesurés du territoire étant comparés ensemble) sont en "
    "couleur."
)


def chart_perceived(ctx: dict, out_path) -> dict:
    """Perceived fragility /10 per domain: the territory's inhabitants (bars, CI) beside France (◆)."""
    _ensure_setup()
    shown = [p for p in ctx["perceived"] if p.get("estimate") is not None]
    shown.sort(key=lambda p: (-p["estimate"], p["label"]))
    suppressed = [p for p in ctx["perceived"] if p.get("estimate") is None]
    color = GROUP_COLORS["habitants"]
    rows = [
        {
            "label": p["label"],
            "bars": [
                {
                    "color": color,
                    "value": p["estimate"],
                    "caution": p.get("reliability") == "prudence",
                    "ci": _ci(p),
                    "france": p.get("france"),
                    "sig": p.get("is_significant"),
                }
            ],
        }
        for p in shown
    ]
    notes = [_significance_note(ctx)]
    if any(p.get("reliability") == "prudence" for p in shown):
        notes.append(_caution_note(ctx))
    if suppressed:
        notes.append(_suppressed_note(ctx, [p["label"].lower() for p in suppressed], "Domaines non publiés"))
    title = "Fragilité perçue par les habitants, par domaine (note moyenne sur 10)"
    if not shown:
        return _omitted("perceived", title, _source_survey(ctx, "habitants"), omit.perceived(ctx))
    legend = [Patch(color=color, label=f"Habitants {_of(ctx)}"), _france_handle("France entière"), _ci_handle(ctx)]
    fig = _bar_rows_chart(
        rows,
        width_cm=WIDE_CM,
        kind="score",
        notes=notes,
        legend=legend,
        xlabel="Fragilité perçue (note moyenne de 0, pas du tout fragile, à 10, très fragile)",
        pitch_cm=0.44,
        group_gap_cm=0.0,
        bold_significant=True,
    )
    file = _save(fig, out_path)
    alt = (
        f"Diagramme en barres horizontales : note moyenne de fragilité perçue par les habitants {_of(ctx)} "
        f"pour {len(shown)} domaines, sur 10, avec la valeur de la France. "
    )
    if shown:
        alt += (
            "En tête : "
            + fr.join(
                [
                    f"{p['label'].lower()} ({fr.score10(p['estimate'])}, France {fr.score10(p['france'])})"
                    for p in shown[:3]
                ]
            )
            + ". "
        )
        alt += f"Note la plus basse : {shown[-1]['label'].lower()} ({fr.score10(shown[-1]['estimate'])})."
    if suppressed:
        alt += (
            " Domaines non publiés faute d'effectifs suffisants : "
            + fr.join([p["label"].lower() for p in suppressed])
            + "."
        )
    return _result("perceived", file, title, alt, _source_survey(ctx, "habitants"), has_data=bool(shown))


def _quadrant_limits(values: list[float], minimum: float, pad: float) -> tuple[float, float]:
    """Axis limits around the values and 0, each side of 0 at least a quarter of the axis (room for
    the quadrant names)."""
    lo, hi = min(values + [0.0, -minimum]), max(values + [0.0, minimum])
    span = hi - lo
    lo, hi = lo - pad * span, hi + pad * span
    if -lo < (hi - lo) / 4:
        lo = -hi / 3
    if hi < (hi - lo) / 4:
        hi = -lo / 3
    return lo, hi


def chart_quadrant(ctx: dict, out_path) -> dict:
    """Objective index against perceived score, both relative to France; one labelled point per domain."""
    _ensure_setup()
    scale = _scale(ctx)
    gaps = ctx["gaps"]
    pts = [g for g in gaps if g.get("objective") is not None and g.get("perceived_diff") is not None]
    no_obj = [g for g in gaps if g.get("objective") is None]
    no_perc = [g for g in gaps if g.get("objective") is not None and g.get("perceived_diff") is None]
    # the reading note is printed by the template under the chart, as text (QUADRANT_READING)
    notes = []
    if any(g.get("reliability") == "prudence" for g in pts):
        notes.append(_caution_note(ctx, f"{CAUTION_MARK} Perception"))
    if no_obj:
        notes.append("Non représenté (indice non disponible) : " + fr.join([g["label"].lower() for g in no_obj]) + ".")
    if no_perc:
        notes.append(
            "Non représenté (perception non publiée, effectif insuffisant) : "
            + fr.join([g["label"].lower() for g in no_perc])
            + "."
        )
    title = "Écart de perception : indice de fragilité et fragilité perçue, par rapport à la France"
    source = _source_gaps(ctx, ", estimations pondérées ; calculs IMPACT-Régions.")
    if not pts:
        return _omitted("quadrant", title, source, omit.quadrant(ctx))
    fig, ax = _new_figure(WIDE_CM)
    xs = [g["objective"] for g in pts]
    ys = [g["perceived_diff"] for g in pts]
    xlo, xhi = _quadrant_limits(xs, 0.25, 0.12)
    ylo, yhi = _quadrant_limits(ys, 0.1, 0.16)
    ax.set_xlim(xlo, xhi)
    ax.set_ylim(ylo, yhi)
    xm, ym = xhi - xlo, yhi - ylo
    # one decimal at most on both axes, as everywhere in the reports
    xstep, ystep = max(_nice_step(xm, 8, INDEX_STEPS), 0.1), max(_nice_step(ym, 6, INDEX_STEPS), 0.1)
    ax.xaxis.set_major_locator(MultipleLocator(xstep))
    ax.yaxis.set_major_locator(MultipleLocator(ystep))
    ax.xaxis.set_major_formatter(_number_formatter(_decimals(xstep), signed=True))
    ax.yaxis.set_major_formatter(_number_formatter(_decimals(ystep), signed=True))
    ax.tick_params(axis="y", length=2.5, width=0.6)
    ax.grid(True, linewidth=0.4)
    for side in ("top", "right"):
        ax.spines[side].set_visible(True)
    for sp in ax.spines.values():
        sp.set_color(GRID)
    ax.axhline(0, color=INK, linewidth=0.9, zorder=2)
    ax.axvline(0, color=INK, linewidth=0.9, zorder=2)
    ax.set_xlabel(
        "Indice de fragilité du domaine : "
        + scale["diff_unit"]
        + ("" if "France" in scale["diff_unit"] else " (0 = France)")
    )
    ax.set_ylabel("Fragilité perçue : écart à la France\n(points sur 10)")
    ms = 6.0
    for g in pts:
        if g.get("is_significant"):
            (point,) = ax.plot(
                [g["objective"]],
                [g["perceived_diff"]],
                marker="o",
                markersize=ms,
                linestyle="none",
                markerfacecolor=FAMILY_COLORS.get(g["family"], MUTED),
                markeredgecolor="white",
                markeredgewidth=0.6,
                zorder=5,
            )
        else:
            (point,) = ax.plot([g["objective"]], [g["perceived_diff"]], markersize=ms - 0.6, zorder=5, **HOLLOW_MARKER)
        point.set_gid(f"point-{g['domain_id']}")
    corner_kw = dict(fontsize=SMALL, color=MUTED, fontweight="bold", zorder=1, linespacing=1.15)
    corners = []
    for (px, py), name in QUADRANT_NAMES.items():
        corners.append(
            ax.text(
                0.985 if px else 0.015,
                0.975 if py else 0.025,
                name,
                transform=ax.transAxes,
                ha="right" if px else "left",
                va="top" if py else "bottom",
                **corner_kw,
            )
        )
    families = [f for f in FAMILIES if any(g["family"] == f and g.get("is_significant") for g in pts)]
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            markersize=ms,
            linestyle="none",
            markerfacecolor=FAMILY_COLORS[f],
            markeredgecolor="white",
            label=FAMILY_LABELS[f],
        )
        for f in families
    ]
    untested = ctx["territory"].get("kind") == "departement"  # gaps' margins of error: simulated for regions only
    handles.append(
        Line2D(
            [],
            [],
            markersize=ms - 0.6,
            label="Écart perception / mesure "
            + ("(marges d'erreur non calculées)" if untested else "non significatif"),
            **HOLLOW_MARKER,
        )
    )
    _finalize(fig, ax, 2.75, handles, notes)
    renderer = fig.canvas.get_renderer()
    scale_px = fig.dpi / 72
    obstacles = [t.get_window_extent(renderer).expanded(1.0, 1.0) for t in corners]
    for g in pts:
        px, py = ax.transData.transform((g["objective"], g["perceived_diff"]))
        r = ms / 2 * scale_px + 1
        obstacles.append(Bbox.from_extents(px - r, py - r, px + r, py + r))
    # the axes through 0: labels should not be struck through (weak obstacles: thin boxes)
    box = ax.get_window_extent(renderer)
    zx, zy = ax.transData.transform((0, 0))
    obstacles.append(Bbox.from_extents(box.x0, zy - 1.5 * scale_px, box.x1, zy + 1.5 * scale_px))
    obstacles.append(Bbox.from_extents(zx - 1.5 * scale_px, box.y0, zx + 1.5 * scale_px, box.y1))
    order = sorted(
        pts, key=lambda g: (not g.get("is_significant"), -(abs(g["objective"]) / xm + abs(g["perceived_diff"]) / ym))
    )
    items = [
        {
            "x": g["objective"],
            "y": g["perceived_diff"],
            "r0": ms / 2,
            "text": g["label"] + (CAUTION_MARK if g.get("reliability") == "prudence" else ""),
            "kw": {"color": INK if g.get("is_significant") else MUTED},
        }
        for g in order
    ]
    _place_labels(
        ax, items, obstacles, fontsize=NOTE, radii=(2, 5, 9, 14, 20, 28, 38, 50), leader_from=9, ambiguity_cost=30.0
    )
    file = _save(fig, out_path)

    by_q: dict[str, list[str]] = {}
    for g in sorted(pts, key=lambda g: -g["objective"]):
        name = QUADRANT_NAMES[(g["objective"] > 0, g["perceived_diff"] > 0)].replace("\n", " ")
        by_q.setdefault(name, []).append(
            g["label"].lower() + ("" if g.get("is_significant") or untested else " (non significatif)")
        )
    alt = (
        f"Nuage de points {_of(ctx)} : pour chaque domaine, l'indice de fragilité (écart à la France, axe horizontal) "
        "et la fragilité perçue par les habitants (écart à la France en points sur 10, axe vertical). "
    )
    alt += " ".join(f"{name} : {fr.join(labels)}." for name, labels in by_q.items())
    sig = [g for g in pts if g.get("is_significant")]
    if not untested:
        alt += (
            f" {len(sig)} écart{'s' if len(sig) > 1 else ''} de perception significatif{'s' if len(sig) > 1 else ''}"
            f" sur {len(pts)}."
        )
    reading = QUADRANT_READING
    if untested:
        reading = reading[: reading.index("Seuls les domaines")] + fr.typography(
            "Pour un département, les marges d'erreur de cet écart ne sont pas calculées : aucun domaine n'est mis "
            "en couleur, et les écarts se lisent comme des ordres de grandeur."
        )
    return {**_result("quadrant", file, title, alt, source, has_data=True), "reading": reading}
