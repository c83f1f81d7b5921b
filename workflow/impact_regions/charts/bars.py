"""Horizontal bars with France markers, the drawing of every survey chart (perception, groups,
innovation, cooperation, partnerships, modes): value labels, confidence intervals, hatching of
'prudence' estimates, and the small figure saying that nothing can be published."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator
from matplotlib.transforms import blended_transform_factory

from .. import french as fr
from .common import _lighten, _number_formatter, _percent_formatter
from .figure import _finalize, _new_figure
from .style import CAUTION_MARK, CM, FONT_SIZE, FRANCE_MARKER, INK, MUTED, NOTE, SMALL

#: pitch of the bars of the grouped charts (groups, cooperation, modes): the value labels of two
#: neighbouring bars (7 pt digits) keep about 2 pt between them
GROUPED_PITCH_CM = 0.28
PANEL_GAP = 0.18  # between two panels of a small-multiples chart, share of a panel's scale
LABEL_GAP_PT = 3.5  # between the end of a bar (or of its interval) and its value label

NO_DATA = "Aucune estimation publiable pour ce territoire (effectifs insuffisants)."


def _bar_rows_chart(
    rows: list[dict],
    *,
    width_cm: float,
    kind: str,
    notes: list[str],
    legend: list,
    xlabel: str,
    pitch_cm: float,
    group_gap_cm: float = 0.28,
    bold_significant: bool = False,
    label_width: float | None = None,
    panels: list[tuple[str, str]] | None = None,
) -> Figure:
    """Horizontal bars, rows top-down, each row a list of bars.

    With `panels` ([(title, colour)], one per bar of a row), the bars of a row stand side by side
    in as many panels, each with its own 0-max scale (small multiples: one row per domain instead
    of one row per bar, a chart about a third as tall as the grouped bars).

    `rows`: [{"label", "bars": [{"color", "value", "caution", "ci", "france", "sig", "empty_text"}]}];
    a bar with value None draws nothing but its France marker and `empty_text`. `kind`: "score"
    (0-10) or "share" (0-100 %). Value labels sit at the end of their bar (:func:`_place_value_labels`).
    """
    rows = [r for r in rows if r["bars"]]
    if not rows:
        return _no_data_figure(width_cm, notes)
    n_bars = len(rows) if panels else sum(len(r["bars"]) for r in rows)
    pitch = pitch_cm * CM
    gap = group_gap_cm * CM
    main_h = n_bars * pitch + len(rows) * gap + 0.05
    fig, ax = _new_figure(width_cm)
    y = 0.0
    centers, extent = [], []
    for r in rows:
        k = 1 if panels else len(r["bars"])
        first = y + gap / 2 + pitch / 2
        ys = [first] * len(r["bars"]) if panels else [first + j * pitch for j in range(k)]
        centers.append((ys[0] + ys[-1]) / 2)
        for yy, b in zip(ys, r["bars"], strict=True):
            b["y"] = yy
        y += k * pitch + gap
        extent += [
            v
            for b in r["bars"]
            for v in (b.get("value"), b.get("france"), (b.get("ci") or (None, None))[1])
            if v is not None
        ]
    total = y
    bar_h = pitch * 0.78
    # compact grouped charts: smaller value labels and France markers (still >= 7 pt)
    label_size = SMALL if pitch_cm >= 0.3 else NOTE
    marker_size = min(FRANCE_MARKER["markersize"], pitch_cm / 2.54 * 72 * 0.72)
    hatched, labels = [], []
    n_est = 0
    if kind == "score":
        xmax = 10.0
        fmt = partial(fr.number, decimals=1)
    else:
        top = max(extent + [0.1]) + 0.09  # room for the value labels
        step = 0.1 if top <= 0.6 else 0.2
        xmax = min(1.0, math.ceil(top / step - 1e-9) * step)
        fmt = fr.percent
    span = xmax * (1 + PANEL_GAP)  # panel j draws its 0 at j * span
    for r in rows:
        for j, b in enumerate(r["bars"]):
            v, yy = b.get("value"), b["y"]
            off = j * span if panels else 0.0
            if panels:  # every x of this bar shifted into its panel
                b = {
                    **b,
                    "france": None if b.get("france") is None else b["france"] + off,
                    "ci": tuple(None if c is None else c + off for c in b["ci"]) if b.get("ci") else None,
                }
            if v is not None:
                n_est += 1
                if b.get("caution"):
                    bars = ax.barh(
                        yy,
                        v,
                        left=off,
                        height=bar_h,
                        color=_lighten(b["color"], 0.6),
                        edgecolor=b["color"],
                        linewidth=0.6,
                        zorder=2,
                    )
                    hatched.append((bars.patches[0], b["color"]))
                else:
                    bars = ax.barh(yy, v, left=off, height=bar_h, color=b["color"], linewidth=0, zorder=2)
                # ids for the tests and for anyone reading the SVG: one "estimate-" bar per published estimate
                bars.patches[0].set_gid(f"estimate-{n_est}{'-caution' if b.get('caution') else ''}")
                ci = b.get("ci")
                if ci and ci[0] is not None and ci[1] is not None:
                    ax.plot([ci[0], ci[1]], [yy, yy], color=INK, linewidth=0.7, zorder=3, solid_capstyle="butt")
                    for c in ci:
                        ax.plot([c, c], [yy - bar_h * 0.22, yy + bar_h * 0.22], color=INK, linewidth=0.7, zorder=3)
            if b.get("france") is not None:
                ax.plot([b["france"]], [yy], zorder=4, **{**FRANCE_MARKER, "markersize": marker_size})
            right = max(
                [
                    x
                    for x in (v if v is None else v + off, b.get("france"), (b.get("ci") or (None, None))[1])
                    if x is not None
                ]
                + [off]
            )
            if v is not None:
                text = fmt(v) + (CAUTION_MARK if b.get("caution") else "")
                ci = b.get("ci") if b.get("ci") and None not in b["ci"] else None
                end = max(v + off, ci[1]) if ci else v + off
                label = ax.annotate(
                    text,
                    (end, yy),
                    xytext=(LABEL_GAP_PT, 0),
                    textcoords="offset points",
                    ha="left",
                    va="center",
                    fontsize=label_size,
                    zorder=5,
                    fontweight="bold" if (bold_significant and b.get("sig")) else "normal",
                )
                label.set_gid(f"value-{n_est}")
                labels.append(
                    {
                        "text": label,
                        "value": v,
                        "end": end,
                        "inner": ci[0] if ci else v + off,
                        "y": yy,
                        "start": off,
                        "france": b.get("france"),
                        "radius": marker_size / 2 + FRANCE_MARKER["markeredgewidth"] / 2,
                        "fill": _lighten(b["color"], 0.6) if b.get("caution") else b["color"],
                        "hatched": bool(b.get("caution")),
                    }
                )
            elif b.get("empty_text"):
                ax.annotate(
                    b["empty_text"],
                    (right, yy),
                    xytext=(7.0 if b.get("france") is not None else 1, 0),
                    textcoords="offset points",
                    ha="left",
                    va="center",
                    fontsize=NOTE,
                    color=MUTED,
                    style="italic",
                    zorder=5,
                )
    ax.set_ylim(total, 0)
    ax.set_yticks(centers, [r["label"] for r in rows])
    ax.tick_params(axis="y", length=0, pad=4)
    if panels:
        ax.set_xlim(0, len(panels) * span - xmax * PANEL_GAP)
        ticks = [j * span + t for j in range(len(panels)) for t in (0, xmax / 2, xmax)]
        # the 0 of the panels after the first is not labelled: it would touch the previous maximum
        ax.set_xticks(
            ticks,
            [
                "" if j and t == j * span else fmt(t - j * span) if kind != "score" else fr.number(t - j * span, 0)
                for j in range(len(panels))
                for t in (j * span, j * span + xmax / 2, j * span + xmax)
            ],
        )
        on_top = blended_transform_factory(ax.transData, ax.transAxes)
        for j, (title, color) in enumerate(panels):
            ax.text(
                j * span,
                1.0,
                title,
                transform=on_top,
                ha="left",
                va="bottom",
                fontsize=SMALL,
                fontweight="bold",
                color=INK,
            )
            ax.plot(
                [j * span, j * span + xmax],
                [1.0, 1.0],
                transform=on_top,
                color=color,
                linewidth=2.0,
                solid_capstyle="butt",
                clip_on=False,
                zorder=1,
            )
    else:
        ax.set_xlim(0, xmax)
        ax.xaxis.set_major_locator(MultipleLocator(1 if kind == "score" else step))
        ax.xaxis.set_major_formatter(_number_formatter(0) if kind == "score" else _percent_formatter())
    ax.grid(axis="x")
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    _finalize(fig, ax, main_h, legend, notes)
    _place_value_labels(ax, labels)
    for patch, color in hatched:
        _hatch(ax, patch, color)
    return fig


def _contrast(a: tuple, b: tuple) -> float:
    """WCAG contrast ratio of two RGB colours."""

    def luminance(c):
        return sum(
            w * (x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4)
            for w, x in zip((0.2126, 0.7152, 0.0722), c, strict=True)
        )

    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _place_value_labels(ax, labels: list[dict]) -> None:
    """Each value label at the end of its bar, clear of the France marker ◆ (the layout is final).

    A label stands just after the end of its bar (or of its confidence interval). When the France
    marker is in the way: if the marker sits on the end of the bar, the label stands just after
    it; otherwise the label goes inside the bar, against its end (left of the interval), in
    white or ink, whichever contrasts more with the bar; only a bar too short for it, or a
    hatched one, keeps the label after the marker."""
    if not labels:
        return
    fig = ax.get_figure(root=True)
    renderer = fig.canvas.get_renderer()
    pt = fig.dpi / 72

    def x_px(x):
        return ax.transData.transform((x, 0))[0]

    for lab in labels:
        x0_bar = x_px(lab.get("start", 0.0))
        if lab["france"] is None:
            continue
        text = lab["text"]
        w = text.get_window_extent(renderer).width
        end, fx, r = x_px(lab["end"]), x_px(lab["france"]), (lab["radius"] + 0.5) * pt

        def hits(a: float, b: float, fx: float = fx, r: float = r) -> bool:
            return fx + r > a and fx - r < b

        if not hits(end + LABEL_GAP_PT * pt, end + LABEL_GAP_PT * pt + w):
            continue
        inner = x_px(lab["inner"]) - 2.5 * pt
        # never inside a hatched bar (the hatching crosses the digits)
        if not lab.get("hatched") and fx - end > r and inner - w >= x0_bar + 2 * pt and not hits(inner - w, inner):
            text.xy = (lab["inner"], lab["y"])
            text.xyann = (-2.5, 0)
            text.set_horizontalalignment("right")
            fill = to_rgb(lab["fill"])
            text.set_color("white" if _contrast(fill, (1, 1, 1)) >= _contrast(fill, to_rgb(INK)) else INK)
            text.set_gid(text.get_gid() + "-inside")
        else:  # the marker is on the end of the bar (or the bar is too short): just after the marker
            text.xyann = ((fx + r - end) / pt + 1.0, 0)


def _hatch(ax, patch, color: str, spacing_pt: float = 2.6, linewidth: float = 0.6) -> None:
    """Diagonal hatching drawn as plain lines clipped to the patch.

    SVG hatch patterns show seams between their tiles once rendered to PDF; plain lines do not.
    The layout must be final (the 45° angle is computed in display space).
    """
    fig = ax.get_figure(root=True)
    renderer = fig.canvas.get_renderer()
    box = patch.get_window_extent(renderer)
    step = spacing_pt * fig.dpi / 72
    starts = np.arange(box.x0 - box.height, box.x1 + step, step)
    starts = starts[starts <= box.x1]
    ends = np.column_stack([starts + box.height, np.full(len(starts), box.y1)])
    starts = np.column_stack([starts, np.full(len(starts), box.y0)])
    inv = ax.transData.inverted()
    segments = np.stack([inv.transform(starts), inv.transform(ends)], axis=1)
    lines = LineCollection(segments, colors=[color], linewidths=linewidth, zorder=patch.get_zorder() + 0.1)
    ax.add_collection(lines, autolim=False)
    lines.set_clip_path(patch)


def _no_data_figure(width_cm: float, notes: list[str]) -> Figure:
    """A small chart that only says that nothing can be published."""
    fig, ax = _new_figure(width_cm)
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        NO_DATA,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=FONT_SIZE,
        color=MUTED,
        style="italic",
    )
    _finalize(fig, ax, 0.45, [], notes)
    return fig
