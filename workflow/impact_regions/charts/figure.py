"""Figure set-up and layout: fonts and rcParams, a figure at its printed width, the final layout.

:func:`setup_matplotlib` registers the shipped fonts and sets the house style;
:func:`_new_figure` gives a figure of the printed width with fixed-limit axes; :func:`_finalize`
lays legend, plot and notes out from top to bottom, measured with the real fonts (no layout
engine left running).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import french as fr
from .style import CM, DEFAULT_FONTS_DIR, FONT_SIZE, GRID, INK, MUTED, NOTE, SMALL
from .svgout import _Canvas, _forget_text_metrics, _wrap_measured

_FONTS_REGISTERED: set[str] = set()

PAD_IN = 3 / 72  # outer padding of every chart

GAP_IN = 5 / 72  # between the legend, the plot and the notes


def setup_matplotlib(fonts_dir: str | Path | None = None) -> None:
    """Register the shipped fonts and set the house style (idempotent).

    Noto Sans 2.004 has no U+2212 MINUS SIGN glyph: the minus comes from Noto Sans Math
    (`NotoSansMath-Regular.ttf`, shipped beside Noto Sans and declared under that family name in
    print.css), then DejaVu Sans (bundled with matplotlib) if it is absent. The SVG text asks for
    the same list, ``'Noto Sans', 'Noto Sans Math', 'DejaVu Sans'``, so that text is measured here
    with the glyphs WeasyPrint draws.
    """
    fonts_dir = Path(fonts_dir) if fonts_dir else DEFAULT_FONTS_DIR
    faces = sorted(fonts_dir.glob("NotoSans-*.ttf"))
    if not faces:
        raise FileNotFoundError(f"no NotoSans-*.ttf in {fonts_dir}")
    math_faces = sorted(fonts_dir.glob("NotoSansMath-*.ttf"))
    added = False
    for path in faces + math_faces:
        if str(path) not in _FONTS_REGISTERED:
            font_manager.fontManager.addfont(str(path))
            _FONTS_REGISTERED.add(str(path))
            added = True
    if added:  # text may now be set in other fonts: measure it again
        _forget_text_metrics()
    families = ["Noto Sans"] + (["Noto Sans Math"] if math_faces else []) + ["DejaVu Sans"]
    # Noto Sans Math has no bold face: matplotlib would warn at every bold text while looking up the
    # fallback list (the bold text itself is Noto Sans Bold).
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    matplotlib.rcParams.update(
        {
            "font.family": families,
            "font.size": FONT_SIZE,
            "axes.titlesize": FONT_SIZE + 1,
            "axes.labelsize": FONT_SIZE,
            "axes.labelcolor": INK,
            "axes.edgecolor": MUTED,
            "axes.linewidth": 0.6,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.unicode_minus": True,
            "axes.axisbelow": True,
            "axes.facecolor": "white",
            "text.color": INK,
            "xtick.labelsize": SMALL,
            "ytick.labelsize": SMALL,
            "xtick.color": MUTED,
            "ytick.color": MUTED,
            "xtick.labelcolor": INK,
            "ytick.labelcolor": INK,
            "xtick.major.size": 2.5,
            "ytick.major.size": 0,
            "xtick.major.width": 0.6,
            "grid.color": GRID,
            "grid.linewidth": 0.6,
            "legend.fontsize": SMALL,
            "legend.frameon": False,
            "legend.handlelength": 1.4,
            "legend.handleheight": 0.9,
            "legend.columnspacing": 1.4,
            "hatch.linewidth": 0.7,
            "figure.dpi": 72,
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "svg.fonttype": "none",
            "svg.hashsalt": "impact-regions",
            "svg.image_inline": True,
            "path.simplify": False,
        }
    )


def _ensure_setup() -> None:
    if not _FONTS_REGISTERED:
        setup_matplotlib(None)


class _FixedLimitsAxes(Axes):
    """Axes whose view limits the chart sets itself (`set_xlim` and `set_ylim`, never autoscaled).

    matplotlib updates the data limits each time a bar, a line or an outline is added, walking
    every segment of its path, for autoscaling only: with both limits fixed that work is never
    used (it was more than half of the time of `barh`, and most of the time of adding the outlines
    of a map), so it is skipped. Only for axes whose two limits are set explicitly (not the list
    beside the département map, autoscaled): the output is the same.
    """

    def _update_patch_limits(self, patch):
        pass

    def _update_line_limits(self, line):
        pass


def _new_figure(width_cm: float) -> tuple[Figure, object]:
    """A figure of the printed width with one axes; :func:`_finalize` sets the height and layout.

    Every chart drawn in these axes sets both axis limits (see `_FixedLimitsAxes`)."""
    fig = Figure(figsize=(width_cm * CM, 4.0))
    _Canvas(fig)
    ax = fig.add_axes((0.3, 0.3, 0.4, 0.4), axes_class=_FixedLimitsAxes)
    return fig, ax


def _row_major(handles: list, ncols: int) -> list:
    """Order legend entries so that they read row by row (matplotlib fills columns first)."""
    nrows = math.ceil(len(handles) / ncols)
    return [handles[r * ncols + c] for c in range(ncols) for r in range(nrows) if r * ncols + c < len(handles)]


def _finalize(fig: Figure, ax, main_h: float, legend: list, notes: list[str]) -> None:
    """Lay the chart out at its printed size, measured with the real fonts.

    From top to bottom: the legend (as many columns as fit the width), the plot area of height
    `main_h` inches with its decorations (tick labels, axis labels, value labels), the notes.
    Everything is left-aligned on the figure's left edge; no layout engine is left running.
    """
    notes = [fr.typography(n) for n in notes]  # measured as printed (svgout._typeset does the rest)
    renderer = fig.canvas.get_renderer()
    dpi = fig.dpi
    width = fig.get_figwidth()
    avail_px = (width - 2 * PAD_IN) * dpi
    # decorations around the plot area: first the axis decorations (ticks, labels: they do not
    # depend on the axes size), then, at the final width, everything else (value labels placed in
    # data coordinates), which may only add to the margins
    h_total = main_h + 3.0
    fig.set_size_inches(width, h_total)
    left, right, below, above = 1.0, 0.1, 0.4, 0.05
    for extra in ([], None):
        ax.set_position(
            ((PAD_IN + left) / width, 1.5 / h_total, (width - 2 * PAD_IN - left - right) / width, main_h / h_total)
        )
        tight = ax.get_tightbbox(renderer, bbox_extra_artists=extra)
        win = ax.get_window_extent(renderer)
        left = max(0.0, (win.x0 - tight.x0) / dpi) if extra is not None else max(left, (win.x0 - tight.x0) / dpi)
        right = max(0.0, (tight.x1 - win.x1) / dpi) if extra is not None else max(right, (tight.x1 - win.x1) / dpi)
        below = max(0.0, (win.y0 - tight.y0) / dpi) if extra is not None else max(below, (win.y0 - tight.y0) / dpi)
        above = max(0.0, (tight.y1 - win.y1) / dpi) if extra is not None else max(above, (tight.y1 - win.y1) / dpi)
    leg, leg_h = None, 0.0
    if legend:
        for ncols in range(len(legend), 0, -1):
            leg = fig.legend(
                handles=_row_major(legend, ncols),
                loc="upper left",
                ncols=ncols,
                fontsize=SMALL,
                borderaxespad=0.0,
                borderpad=0.1,
                handletextpad=0.5,
                bbox_to_anchor=(0, 1),
                bbox_transform=fig.transFigure,
            )
            leg_box = leg.get_window_extent(renderer)
            if leg_box.width <= avail_px or ncols == 1:
                break
            leg.remove()
        leg_h = leg_box.height / dpi + GAP_IN
    lines = [line for note in notes for line in _wrap_measured(note, avail_px - 2, renderer)]
    notes_text = None
    notes_h = 0.0
    if lines:
        notes_text = fig.text(0, 0, "\n".join(lines), ha="left", va="top", fontsize=NOTE, color=MUTED, linespacing=1.25)
        notes_h = notes_text.get_window_extent(renderer).height / dpi + GAP_IN
    height = PAD_IN + leg_h + above + main_h + below + notes_h + PAD_IN
    fig.set_size_inches(width, height)
    ax.set_position(
        (
            (PAD_IN + left) / width,
            (PAD_IN + notes_h + below) / height,
            (width - 2 * PAD_IN - left - right) / width,
            main_h / height,
        )
    )
    if leg is not None:
        leg.set_bbox_to_anchor((PAD_IN / width, 1 - PAD_IN / height), transform=fig.transFigure)
    if notes_text is not None:
        notes_text.set_position((PAD_IN / width, (PAD_IN + notes_h - GAP_IN) / height))
