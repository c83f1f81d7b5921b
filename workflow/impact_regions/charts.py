"""The charts of a regional synthesis: one deterministic SVG per chart, with French formatting.

Every chart function takes the report context of :mod:`impact_regions.report_context` and an
output path (the maps also a `geo_dir`, default `data/raw/geo/`), writes an SVG and returns
``{"key", "file", "title", "alt", "source", "has_data"}``: `key` is the name the template uses
(``charts.profile``...), `title` says what the chart shows and its unit, `alt` is a French text
alternative stating the main figures, `source` is the source line the template prints under the
chart (neither title nor source is repeated inside the SVG), `has_data` is False when every
estimate of the territory is suppressed (the chart then shows France only, or says that nothing
can be published). :func:`make_all_charts` draws them all in REPORT_SPEC order. The charts follow
REPORT_SPEC "Charts and layout":

* France is drawn on every chart (the 0 line of the indices, France markers ◆ on the survey
  charts, the centre of the map colour scale);
* one colour per family of domains and one per respondent group (:data:`FAMILY_COLORS`,
  :data:`GROUP_COLORS`, colour-blind safe), the same in every chart;
* estimates flagged 'caution' are hatched and marked with an asterisk explained in a note,
  suppressed estimates (None) are never drawn and are listed in a note;
* all numbers go through :mod:`impact_regions.french` (decimal comma, U+2212 minus, no-break
  spaces), tick labels included;
* text stays text in the SVG (``svg.fonttype: none``, Noto Sans from ``templates/fonts``), and
  two runs give byte-identical files (``svg.hashsalt``, no date, no random id).

Sizes are those of the printed page (A4, 16 mm margins): wide charts are :data:`WIDE_CM` wide,
narrow ones :data:`NARROW_CM` (the map, innovation and partnerships: `figure.chart:not(.wide)`),
so that the template shows them at their natural size and the font sizes (7 to 8 pt) are the
printed ones. The layout is computed by measuring the text (no layout engine), labels of the
quadrant chart and of the maps are placed by a deterministic overlap-avoiding search. Only the
object-oriented API of matplotlib is used (no pyplot).

Fonts: Noto Sans 2.004 (templates/fonts) has no glyph for U+2212 MINUS SIGN. The SVG text asks for
``'Noto Sans', 'Noto Sans Math', 'DejaVu Sans'``: print.css declares "Noto Sans Math" (restricted
to U+2212), which WeasyPrint also uses for the text of SVG images.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import math
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import cbook, font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.collections import LineCollection
from matplotlib.colorbar import Colorbar
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FixedLocator, FuncFormatter, MultipleLocator
from matplotlib.transforms import Bbox, blended_transform_factory

from . import french as fr
from .svg_tidy import tidy_svg

__all__ = [
    "FAMILY_COLORS", "GROUP_COLORS", "chart_cooperation", "chart_groups", "chart_innovation", "chart_map",
    "chart_modes", "chart_partnership", "chart_perceived", "chart_profile", "chart_quadrant", "chart_regions_map",
    "make_all_charts", "setup_matplotlib",
]

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_FONTS_DIR = PROJECT_DIR / "templates" / "fonts"
DEFAULT_GEO_DIR = PROJECT_DIR / "data" / "raw" / "geo"

# --------------------------------------------------------------------------------------------
# Palettes and style
# --------------------------------------------------------------------------------------------

#: Families of domains: Okabe-Ito (colour-blind safe).
FAMILY_COLORS = {
    "économique": "#0072B2",       # blue
    "social": "#E69F00",           # orange
    "sociétal": "#CC79A7",         # reddish purple
    "environnemental": "#009E73",  # bluish green
}
FAMILY_LABELS = {"économique": "Économique", "social": "Social", "sociétal": "Sociétal",
                 "environnemental": "Environnemental"}

#: Respondent groups: Paul Tol's "muted" scheme (colour-blind safe), distinct from the families.
GROUP_COLORS = {
    "habitants": "#332288",     # indigo
    "associations": "#44AA99",  # teal
    "entreprises": "#DDCC77",   # sand
    "maires": "#882255",        # wine
}
GROUPS = list(GROUP_COLORS)
GROUP_LABELS = {"habitants": "Habitants", "associations": "Associations", "entreprises": "Entreprises",
                "maires": "Maires"}

INK = "#1d2733"        # text, France reference
MUTED = "#5b6573"      # secondary text, axes
GRID = "#dfe4ea"
NEUTRAL = "#a7afb8"    # non-significant points
CONTEXT_FILL = "#eceff2"  # neighbouring départements on the map
MISSING_FILL = "#ffffff"

#: Diverging map scale centred on France: ColorBrewer RdBu, reversed (Paul Tol's "BuRd", colour-blind
#: safe): blue = less fragile than France, red = more fragile.
FRAGILITY_CMAP = LinearSegmentedColormap.from_list("impact_burd", [
    "#2166AC", "#4393C3", "#92C5DE", "#D1E5F0", "#F7F7F7", "#FDDBC7", "#F4A582", "#D6604D", "#B2182B"])

CM = 1 / 2.54
WIDE_CM = 17.8     # the text width of the A4 page (210 - 2 x 16 mm)
NARROW_CM = 12.8   # 72 % of it (figure.chart:not(.wide) in print.css)
FONT_SIZE = 8.0    # body of the charts, pt
SMALL = 7.5        # ticks, legends, value labels
NOTE = 7.0         # notes (the smallest text: ≥ 7 pt at print size)
CAUTION_MARK = "*"
# a point whose difference is not significant: hollow, grey (quadrant and gap charts, their legends)
HOLLOW_MARKER = dict(marker="o", linestyle="none", markerfacecolor="white", markeredgecolor=NEUTRAL, markeredgewidth=1.1)
FRANCE_MARKER = dict(marker="D", markersize=5.2, markerfacecolor=INK, markeredgecolor="white",
                     markeredgewidth=0.8, linestyle="none")
SVG_METADATA = {"Date": None, "Creator": None}

_FONTS_REGISTERED: set[str] = set()


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
    matplotlib.rcParams.update({
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
    })


def _ensure_setup() -> None:
    if not _FONTS_REGISTERED:
        setup_matplotlib(None)


# --------------------------------------------------------------------------------------------
# Canvas and renderers: each text measured once per process
# --------------------------------------------------------------------------------------------

class _SharedTextMetrics:
    """Renderer mixin: text extents and font line metrics shared by all the renderers of a class.

    matplotlib caches the extent of a text per renderer instance, and a chart uses several
    renderers (a new Agg renderer each time the figure is resized while it is laid out, one SVG
    renderer per file): the same tick labels, legend entries and notes were laid out by FreeType
    again and again, in every chart. An extent only depends on the renderer's class and dpi, the
    text, the font properties (compared as matplotlib's own cache compares them) and whether it is
    mathtext: the key of this cache. Likewise the font's line metrics (ascent, descent and line
    gap from its OS/2 or hhea table), which ``Text._get_layout`` reads for every text it lays out
    unless the renderer provides them through ``_get_font_height_metrics``. The values are those
    matplotlib computes, with the same arithmetic: the SVG files are unchanged, byte for byte.
    The caches are emptied when fonts are registered (:func:`setup_matplotlib`); they assume the
    other text settings (hinting) stay those of the house style.
    """

    _extents: dict  # (dpi, text, font properties, ismath) -> (width, height, descent)
    _line_metrics: dict  # font properties -> (ascent, descent, line gap)
    #: the figure dpi while this renderer lays text out (Text._get_layout scales by it)
    _layout_dpi: float

    def get_text_width_height_descent(self, s, prop, ismath):
        key = (getattr(self, "dpi", None), s, prop.copy(), ismath)
        extent = self._extents.get(key)
        if extent is None:
            extent = self._extents[key] = super().get_text_width_height_descent(s, prop, ismath)
        return extent

    def _get_font_height_metrics(self, prop):
        """(ascent, descent, line gap) of the font of `prop`, as ``Text._get_layout`` computes them."""
        key = (self._layout_dpi, prop.copy())
        metrics = self._line_metrics.get(key)
        if metrics is None:
            metrics = self._line_metrics[key] = _font_line_metrics(prop, self._layout_dpi)
        return metrics


def _font_line_metrics(prop: FontProperties, dpi: float) -> tuple:
    """The font's ascent, descent and line gap in pixels, copied from matplotlib's ``Text._get_layout``
    (same tables, same operations), or Nones to let matplotlib measure "lp" instead."""
    font = font_manager.get_font(font_manager.fontManager._find_fonts_by_props(prop))
    for table_name, linegap_key, ascent_key, descent_key in (
            ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"), ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        fontsize = prop.get_size_in_points()
        units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
        scale = 1 / units_per_em * fontsize * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[linegap_key] * scale
    return None, None, None


def _forget_text_metrics() -> None:
    """Empty the text measurement caches (when fonts are registered: a text may change font)."""
    for cache in (_RendererAgg._extents, _RendererAgg._line_metrics, _RendererSVG._extents,
                  _RendererSVG._line_metrics, _CHAR_WIDTHS):
        cache.clear()


class _RendererAgg(_SharedTextMetrics, RendererAgg):
    """The Agg renderer the charts are measured with (its dpi is the figure's, see `_Canvas`)."""

    _extents: dict = {}
    _line_metrics: dict = {}

    @property
    def _layout_dpi(self) -> float:
        return self.dpi


class _RendererSVG(_SharedTextMetrics, RendererSVG):
    """The SVG renderer the charts are written with (the figure is at 72 dpi while it is written)."""

    _extents: dict = {}
    _line_metrics: dict = {}
    _layout_dpi = 72


class _Canvas(FigureCanvasAgg):
    """The canvas of every chart: FigureCanvasAgg and FigureCanvasSVG with the renderers above.

    `get_renderer` and `print_svg` are those of matplotlib (3.11) with `_RendererAgg` and
    `_RendererSVG` in place of their base classes. `savefig(..., format="svg")` calls this
    `print_svg` since the canvas has one.
    """

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _RendererAgg(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer

    def print_svg(self, filename, *, metadata=None, bbox_inches_restore=None, **_kwargs):
        """Write the figure as SVG (`_kwargs`: print options the SVG backend ignores too)."""
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                fh = codecs.getwriter("utf-8")(fh)
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            w, h = width * 72, height * 72
            renderer = MixedModeRenderer(self.figure, width, height, dpi,
                                         _RendererSVG(w, h, fh, image_dpi=dpi, metadata=metadata),
                                         bbox_inches_restore=bbox_inches_restore)
            self.figure.draw(renderer)
            renderer.finalize()


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

def _name(ctx: dict) -> str:
    return ctx["territory"]["name"]


def _of(ctx: dict) -> str:
    """`de Provence-Alpes-Côte d'Azur`, `d'Alsace`."""
    return ctx["territory"].get("genitive") or f"de {_name(ctx)}"


def _save(fig: Figure, out_path: str | Path) -> str:
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    out_path.write_text(tidy_svg(buffer.getvalue()), encoding="utf-8")
    return out_path.name


def _result(key: str, file: str, title: str, alt: str, source: str, has_data: bool = True) -> dict:
    """The chart's description for the template. `has_data` is False when every estimate of the
    territory is suppressed (the chart then only shows France)."""
    return {"key": key, "file": file, "title": title, "alt": alt, "source": source, "has_data": has_data}


def _lighten(color: str, amount: float = 0.62) -> tuple[float, float, float]:
    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def _nice_step(span: float, target: int = 6) -> float:
    raw = max(span, 1e-9) / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _decimals(step: float) -> int:
    """Decimals needed to print multiples of `step` exactly (0.25 -> 2, 0.5 -> 1, 2 -> 0)."""
    for d in range(5):
        if abs(round(step, d) - step) < 1e-9 * max(1.0, abs(step)):
            return d
    return 4


def _producers(ctx: dict) -> str:
    """`ANCT, ARCEP, DREES, INSEE…`: the producers named in the indicator sources."""
    seen: list[str] = []
    for s in ctx.get("sources", []):
        head = s.split(",")[0].strip()
        if head and head not in seen:
            seen.append(head)
    return ", ".join(seen)


def _demo_suffix(ctx: dict) -> str:
    return " Données de démonstration." if ctx.get("demo") else ""


def _source_indices(ctx: dict) -> str:
    prod = _producers(ctx)
    return (f"Sources : {prod} (données {ctx.get('vintage', '')}) ; calculs IMPACT-Régions."
            + _demo_suffix(ctx)).replace("  ", " ")


def _surveys(ctx: dict) -> tuple[str, str]:
    surveys = ctx.get("surveys") or []
    citizens = next((s for s in surveys if "citoyen" in s.lower()), surveys[0] if surveys else "enquête habitants")
    orgs = next((s for s in surveys if s != citizens), "enquête organisations")
    return citizens, orgs


def _source_survey(ctx: dict, which: str) -> str:
    citizens, orgs = _surveys(ctx)
    name = {"habitants": citizens, "organisations": orgs, "both": f"{citizens} ; {orgs}"}[which]
    return f"Source : {name}, estimations pondérées ; calculs IMPACT-Régions." + _demo_suffix(ctx)


def _scale(ctx: dict) -> dict:
    """How the index is expressed (DESIGN §7): reference value for France, unit, decimals."""
    norm = (ctx.get("method") or {}).get("normalisation", "zscore")
    if norm == "ratio":
        return {"norm": norm, "ref": 100.0, "signed": False, "decimals": 0,
                "unit": "indice, France = 100", "diff_unit": "écart à la France, en points d'indice (France = 100)"}
    if norm == "minmax":
        return {"norm": norm, "ref": None, "signed": False, "decimals": 0,
                "unit": "score de 1 (département le moins fragile) à 100 (le plus fragile)",
                "diff_unit": "écart à la France, en points sur l'échelle de 1 à 100"}
    return {"norm": "zscore", "ref": 0.0, "signed": True, "decimals": 1,
            "unit": "écart à la moyenne nationale, en écarts-types",
            "diff_unit": "écart à la moyenne nationale, en écarts-types"}


def _fmt_index(value: float | None, scale: dict, decimals: int | None = None) -> str:
    d = scale["decimals"] if decimals is None else decimals
    return fr.number(value, d, signed=scale["signed"])


@lru_cache(maxsize=None)
def _tick_text(x: float, decimals: int, signed: bool = False, percent: bool = False) -> str:
    """`fr.number(x, decimals, signed)` (or `fr.percent(x)`), remembered: matplotlib formats the same
    ticks each time it lays an axis out (several times per chart) and Babel is slow."""
    return fr.percent(x) if percent else fr.number(x, decimals, signed=signed)


def _number_formatter(decimals: int, signed: bool = False) -> FuncFormatter:
    """Tick labels as `fr.number` prints them (what `fr.tick_formatter` gives, with `signed`)."""
    return FuncFormatter(lambda x, _pos: _tick_text(x, decimals, signed))


def _percent_formatter() -> FuncFormatter:
    return FuncFormatter(lambda x, _pos: _tick_text(x, 0, percent=True))


def _france_handle(label: str = "France") -> Line2D:
    return Line2D([], [], label=label, **FRANCE_MARKER)


def _source_gaps(ctx: dict, tail: str) -> str:
    """Source line of the charts that put the index beside the inhabitants' perception."""
    citizens, _ = _surveys(ctx)
    return (f"Sources : indices de fragilité ({_producers(ctx)}, données {ctx.get('vintage', '')}) ; {citizens}"
            + tail + _demo_suffix(ctx))


def _rules(ctx: dict) -> dict:
    """The publication rules of the run (config `survey_estimation`), as printed in the notes."""
    est = (ctx.get("method") or {}).get("estimation") or {}
    level = est.get("confidence_level", 0.95)
    return {"min_publish": int(est.get("min_n_publish", 30)), "min_reliable": int(est.get("min_n_reliable", 100)),
            "max_rse": fr.percent(est.get("max_rse", 0.30)), "alpha": fr.percent(est.get("alpha", 0.05)),
            "level": fr.percent(level)}


def _ci_handle(ctx: dict) -> Line2D:
    return Line2D([], [], color=INK, linewidth=0.7, marker="|", markersize=5, markeredgewidth=0.7,
                  label=f"Intervalle de confiance à {_rules(ctx)['level']}")


def _caution_note(ctx: dict, what: str = f"Barres hachurées et {CAUTION_MARK} : estimation") -> str:
    r = _rules(ctx)
    return (f"{what} à interpréter avec prudence (moins de {r['min_reliable']} répondants ou erreur relative "
            f"supérieure à {r['max_rse']}).")


def _significance_note(ctx: dict) -> str:
    return f"Valeur en gras : écart à la France statistiquement significatif (seuil de {_rules(ctx)['alpha']})."


def _np_note(ctx: dict) -> str:
    return f"n.p. : non publié (moins de {_rules(ctx)['min_publish']} répondants)."


PAD_IN = 3 / 72     # outer padding of every chart
GAP_IN = 5 / 72     # between the legend, the plot and the notes


_CHAR_WIDTHS: dict[tuple[str, float, float], float] = {}


def _text_width(text: str, renderer, size: float, start: float = 0.0) -> float:
    """Width of a one-line text in display units: the sum of cached character advances (kerning is
    negligible at these sizes; the wrap keeps a margin), added from left to right to `start` (the
    width of the text before it, to extend a measured line)."""
    prop = None
    total = start
    for ch in text:
        key = (ch, size, renderer.dpi)
        if key not in _CHAR_WIDTHS:
            prop = prop or FontProperties(family=matplotlib.rcParams["font.family"], size=size)
            # measured between two letters so that leading/trailing spaces count
            w_pair = renderer.get_text_width_height_descent(f"x{ch}x", prop, ismath=False)[0]
            w_xx = renderer.get_text_width_height_descent("xx", prop, ismath=False)[0]
            _CHAR_WIDTHS[key] = w_pair - w_xx
        total += _CHAR_WIDTHS[key]
    return total


def _wrap_measured(text: str, max_px: float, renderer, size: float = NOTE) -> list[str]:
    """Greedy word wrap using the real character widths (2 % margin).

    The width of the current line is kept and extended word by word (the same additions, in the
    same order, as measuring each trial line from its start)."""
    lines: list[str] = []
    current, width = "", 0.0
    for word in text.split(" "):
        if not current:
            current, width = word, _text_width(word, renderer, size)
            continue
        trial_width = _text_width(" " + word, renderer, size, start=width)
        if trial_width * 1.02 > max_px:
            lines.append(current)
            current, width = word, _text_width(word, renderer, size)
        else:
            current, width = f"{current} {word}", trial_width
    if current:
        lines.append(current)
    return lines


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
        ax.set_position(((PAD_IN + left) / width, 1.5 / h_total, (width - 2 * PAD_IN - left - right) / width,
                         main_h / h_total))
        tight = ax.get_tightbbox(renderer, bbox_extra_artists=extra)
        win = ax.get_window_extent(renderer)
        left = max(0.0, (win.x0 - tight.x0) / dpi) if extra is not None else max(left, (win.x0 - tight.x0) / dpi)
        right = max(0.0, (tight.x1 - win.x1) / dpi) if extra is not None else max(right, (tight.x1 - win.x1) / dpi)
        below = max(0.0, (win.y0 - tight.y0) / dpi) if extra is not None else max(below, (win.y0 - tight.y0) / dpi)
        above = max(0.0, (tight.y1 - win.y1) / dpi) if extra is not None else max(above, (tight.y1 - win.y1) / dpi)
    leg, leg_h = None, 0.0
    if legend:
        for ncols in range(len(legend), 0, -1):
            leg = fig.legend(handles=_row_major(legend, ncols), loc="upper left", ncols=ncols, fontsize=SMALL,
                             borderaxespad=0.0, borderpad=0.1, handletextpad=0.5, bbox_to_anchor=(0, 1),
                             bbox_transform=fig.transFigure)
            leg_box = leg.get_window_extent(renderer)
            if leg_box.width <= avail_px or ncols == 1:
                break
            leg.remove()
        leg_h = leg_box.height / dpi + GAP_IN
    lines = [line for note in notes for line in _wrap_measured(note, avail_px - 2, renderer)]
    notes_text = None
    notes_h = 0.0
    if lines:
        notes_text = fig.text(0, 0, "\n".join(lines), ha="left", va="top", fontsize=NOTE, color=MUTED,
                              linespacing=1.25)
        notes_h = notes_text.get_window_extent(renderer).height / dpi + GAP_IN
    height = PAD_IN + leg_h + above + main_h + below + notes_h + PAD_IN
    fig.set_size_inches(width, height)
    ax.set_position(((PAD_IN + left) / width, (PAD_IN + notes_h + below) / height,
                     (width - 2 * PAD_IN - left - right) / width, main_h / height))
    if leg is not None:
        leg.set_bbox_to_anchor((PAD_IN / width, 1 - PAD_IN / height), transform=fig.transFigure)
    if notes_text is not None:
        notes_text.set_position((PAD_IN / width, (PAD_IN + notes_h - GAP_IN) / height))


# --------------------------------------------------------------------------------------------
# Label placement without overlaps (quadrant chart, maps)
# --------------------------------------------------------------------------------------------

_DIRECTIONS = [(1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1), (0, 1), (0, -1)]


def _overlap(a: tuple, b: tuple) -> float:
    """Overlap area of two boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _leader(px: float, py: float, r0: float, box: tuple) -> tuple[float, float, float, float]:
    """Segment from the marker edge to the nearest point of the label box (display space)."""
    qx, qy = min(max(px, box[0]), box[2]), min(max(py, box[1]), box[3])
    d = math.hypot(qx - px, qy - py) or 1.0
    return px + (qx - px) * r0 / d, py + (qy - py) * r0 / d, qx, qy


def _box_distance(point: tuple, box: tuple) -> float:
    """Distance from a point to a box (x0, y0, x1, y1); 0 inside (display space)."""
    dx = max(box[0] - point[0], 0.0, point[0] - box[2])
    dy = max(box[1] - point[1], 0.0, point[1] - box[3])
    return math.hypot(dx, dy)


def _segment_hits(seg: tuple, box: tuple) -> bool:
    """Whether a segment crosses the inside of a box (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = seg
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if p == 0:
            if q <= 0:
                return False
            continue
        r = q / p
        if p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
        if t0 >= t1:
            return False
    return t1 - t0 > 1e-6


def _place_labels(ax, items: list[dict], obstacles: list[Bbox], *, radii=(3, 7, 12, 18, 26, 36, 50),
                  fontsize: float = SMALL, leader_from: float = 11, margin: float = 2.0,
                  directions=_DIRECTIONS, passes: int = 3, ambiguity_cost: float | None = None) -> list[dict]:
    """Place one text per point where it overlaps nothing (or as little as possible).

    `items`: [{"x", "y" (data), "text", "kw" (text properties), "r0" (marker radius, pt)}], in
    priority order. Candidate positions surround each point at growing distances; a greedy pass
    takes, in order, the first position free of obstacles (display-space boxes), of the labels
    already placed and of their leader lines; then a few passes move every label that still
    overlaps something to its best position given all the others. Labels stay inside the axes;
    a thin leader line joins a label placed far from its point. With `ambiguity_cost`, a place
    without a leader as near to another point as to the label's own (within 2 pt) costs that
    many points of distance more, so that labels are not paired with the wrong point. The figure
    layout must be final when this runs. Deterministic (no randomness).

    Returns, per item: `{"text": the Text, "anchor": its point and "box": its box (display
    space), "leader": whether a leader line was drawn}`.
    """
    fig = ax.get_figure(root=True)
    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72
    axbox = ax.get_window_extent(renderer)
    ix0, iy0 = axbox.x0 + margin * scale, axbox.y0 + margin * scale
    ix1, iy1 = axbox.x1 - margin * scale, axbox.y1 - margin * scale
    obs = np.array([[o.x0, o.y0, o.x1, o.y1] for o in obstacles]).reshape(-1, 4)
    inv = ax.transData.inverted()
    texts, cands = [], []
    anchors = [tuple(ax.transData.transform((it["x"], it["y"]))) for it in items]
    markers = [(x - it.get("r0", 3.0) * scale, y - it.get("r0", 3.0) * scale,
                x + it.get("r0", 3.0) * scale, y + it.get("r0", 3.0) * scale) for (x, y), it in zip(anchors, items)]
    for n_item, it in enumerate(items):
        t = ax.text(0, 0, it["text"], fontsize=fontsize, ha="center", va="center", zorder=6, **it.get("kw", {}))
        bb = t.get_window_extent(renderer)
        w, h = bb.width + 1.5 * scale, bb.height
        px, py = ax.transData.transform((it["x"], it["y"]))
        r0 = it.get("r0", 3.0) * scale
        specs = []
        for r_pt in radii:
            r = r0 + r_pt * scale
            for k, (dx, dy) in enumerate(directions):
                if dx == 0 and dy == 0 and r_pt != radii[0]:
                    continue  # the centred position is tried once
                f = 0.72 if dx and dy else 1.0
                specs.append((px + dx * (r * f + w / 2), py + dy * (r * f + h / 2), r_pt, r + k * 0.3 * scale))
        arr = np.array([(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2) for cx, cy, _, _ in specs])
        outside = (np.maximum(0, ix0 - arr[:, 0]) + np.maximum(0, arr[:, 2] - ix1)
                   + np.maximum(0, iy0 - arr[:, 1]) + np.maximum(0, arr[:, 3] - iy1))
        if len(obs):
            ow = np.minimum(arr[:, None, 2], obs[None, :, 2]) - np.maximum(arr[:, None, 0], obs[None, :, 0])
            oh = np.minimum(arr[:, None, 3], obs[None, :, 3]) - np.maximum(arr[:, None, 1], obs[None, :, 1])
            over = (np.clip(ow, 0, None) * np.clip(oh, 0, None)).sum(axis=1)
        else:
            over = np.zeros(len(arr))
        hard = 50 * outside * h + 10 * over
        own = []
        others = [a for k, a in enumerate(anchors) if k != n_item]
        for (cx, cy, r_pt, soft), box, hc in zip(specs, arr.tolist(), hard.tolist()):
            seg = _leader(px, py, r0, box) if r_pt >= leader_from else None
            ambiguous = (ambiguity_cost is not None and seg is None and others
                         and min(_box_distance(o, box) for o in others) < _box_distance((px, py), box) + 2 * scale)
            if ambiguous:  # about as near to another point as to its own: a reader may pair them wrongly
                soft += ambiguity_cost * scale
            if seg is not None:  # a leader must not pass over another point
                hc += 10 * w * h * sum(_segment_hits(seg, m) for k, m in enumerate(markers) if k != n_item)
            own.append({"pos": (cx, cy), "box": tuple(box), "seg": seg, "hard": hc, "soft": soft, "area": w * h,
                        "ambiguous": ambiguous})
        texts.append(t)
        cands.append(own)

    chosen: list[dict | None] = [None] * len(items)

    def clash(i: int, c: dict) -> float:
        total = 0.0
        for j, o in enumerate(chosen):
            if j == i or o is None:
                continue
            total += _overlap(c["box"], o["box"])
            if c["seg"] is not None and _segment_hits(c["seg"], o["box"]):
                total += c["area"]
            if o["seg"] is not None and _segment_hits(o["seg"], c["box"]):
                total += c["area"]
        return 10 * total

    for i, own in enumerate(cands):  # greedy pass
        best, best_cost = None, None
        for c in own:
            cost = c["hard"] + clash(i, c) + c["soft"]
            if best_cost is None or cost < best_cost:
                best, best_cost = c, cost
            if c["hard"] == 0 and cost == c["soft"] and not c["ambiguous"]:
                break  # the nearest free place (candidates go outwards)
        chosen[i] = best
    for _ in range(passes):  # repair passes
        moved = False
        for i, own in enumerate(cands):
            current = chosen[i]["hard"] + clash(i, chosen[i])
            if current == 0:
                continue
            best, best_cost = chosen[i], current + chosen[i]["soft"]
            for c in own:
                cost = c["hard"] + c["soft"]
                if cost >= best_cost:
                    continue
                cost += clash(i, c)
                if cost < best_cost:
                    best, best_cost = c, cost
            if best is not chosen[i]:
                chosen[i], moved = best, True
        if not moved:
            break
    for t, c in zip(texts, chosen):
        t.set_position(inv.transform(c["pos"]))
        if c["seg"] is not None:
            seg = c["seg"]
            (ax0, ay0), (ax1, ay1) = inv.transform(seg[:2]), inv.transform(seg[2:])
            ax.add_line(Line2D([ax0, ax1], [ay0, ay1], color=MUTED, linewidth=0.5, zorder=4))
    return [{"text": t, "anchor": a, "box": c["box"], "leader": c["seg"] is not None}
            for t, a, c in zip(texts, anchors, chosen)]


# --------------------------------------------------------------------------------------------
# 1. Fragility profile
# --------------------------------------------------------------------------------------------

def chart_profile(ctx: dict, out_path) -> dict:
    """The 16 domain indices against France, sorted, coloured by family."""
    _ensure_setup()
    scale = _scale(ctx)
    rows = [d for d in ctx["profile"] if d.get("score") is not None]
    rows.sort(key=lambda d: -d["score"])
    missing = [d for d in ctx["profile"] if d.get("score") is None]
    ref = scale["ref"]
    # min-max scores have no fixed France value: France markers if the context gives them ("france")
    france_by_domain = {d["domain_id"]: d.get("france") for d in ctx["profile"]}
    ref_each = ref is None and any(v is not None for v in france_by_domain.values())
    base = ref if ref is not None else 0.0
    notes = []
    if missing:
        notes.append("n.d. : indice non disponible (données manquantes) pour "
                     + fr.join([d.get("phrase") or d["label"].lower() for d in missing]) + ".")
    if scale["norm"] == "minmax" and not ref_each:
        notes.append("La valeur de la France n'est pas disponible sur cette échelle.")
    all_rows = rows + missing
    n = len(all_rows)
    fig, ax = _new_figure(WIDE_CM)
    y = np.arange(n, dtype=float)
    for i, d in enumerate(all_rows):
        color = FAMILY_COLORS.get(d["family"], MUTED)
        if d.get("score") is None:
            ax.annotate("n.d.", (base, i), xytext=(4, 0), textcoords="offset points", ha="left", va="center",
                        fontsize=SMALL, color=MUTED, style="italic")
            continue
        ax.barh(i, d["score"] - base, left=base, height=0.66, color=color, linewidth=0, zorder=2)
        if ref_each and france_by_domain.get(d["domain_id"]) is not None:
            ax.plot([france_by_domain[d["domain_id"]]], [i], zorder=4, **FRANCE_MARKER)
    values = [d["score"] for d in rows] + [base]
    if ref_each:
        values += [v for v in france_by_domain.values() if v is not None]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    pad = 0.13 * span
    ax.set_xlim(lo - (pad if lo < base else 0.02 * span), hi + pad)
    step = _nice_step(span + 2 * pad, 7)
    dec = _decimals(step)
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(_number_formatter(dec))
    value_dec = scale["decimals"] + (1 if scale["norm"] == "zscore" and max(abs(v - base) for v in values) < 1 else 0)
    for i, d in enumerate(rows):
        v = d["score"]
        right = v >= base
        ax.annotate(_fmt_index(v, scale, value_dec), (v, i), xytext=(3 if right else -3, 0), textcoords="offset points",
                    ha="left" if right else "right", va="center", fontsize=SMALL, color=INK, zorder=5)
    ax.set_yticks(y, [d["label"] for d in all_rows])
    ax.set_ylim(n - 0.4, -1.25)
    ax.tick_params(axis="y", length=0, pad=4)
    ax.grid(axis="x")
    ax.spines["left"].set_visible(False)
    if ref is not None:
        ax.axvline(ref, color=INK, linewidth=1.1, zorder=3)
        right_side = not rows or rows[0]["score"] < ref
        ax.text(ref + (0.01 if right_side else -0.01) * span, -0.95, "France", ha="left" if right_side else "right",
                va="center", fontsize=SMALL, fontweight="bold", color=INK)
    ax.set_xlabel({"zscore": "Indice de fragilité : écart à la moyenne nationale (en écarts-types ; 0 = France)",
                   "ratio": "Indice de fragilité (France = 100)",
                   "minmax": "Indice de fragilité (score de 1, département le moins fragile, à 100, le plus fragile)"}
                  [scale["norm"]])
    families = [f for f in FAMILY_COLORS if any(d["family"] == f for d in ctx["profile"])]
    handles = [Patch(color=FAMILY_COLORS[f], label=f"Domaine {FAMILY_LABELS[f].lower()}") for f in families]
    if ref_each:
        handles.append(_france_handle())
    if any(d.get("rank_text") for d in rows):
        # the rank among the regions and its Monte Carlo interval, in a column right of the plot
        beside = blended_transform_factory(ax.transAxes, ax.transData)
        ax.text(1.03, -0.95, "Rang", transform=beside, ha="left", va="center", fontsize=SMALL,
                fontweight="bold", color=INK)
        for i, d in enumerate(rows):
            if d.get("rank_text"):
                ax.text(1.03, i, d["rank_text"], transform=beside, ha="left", va="center", fontsize=SMALL, color=MUTED)
        among = (f"qu'occuperait le territoire parmi les {ctx['n_regions']} régions" if ctx["territory"]["kind"] == "custom"
                 else f"parmi les {ctx['n_regions']} régions")
        notes.append(f"Rang : rang {among} (1re = la plus fragile"
                     + ("; ex æquo : même indice qu'au moins une autre région" if any(d.get("tied") for d in rows)
                        else "")
                     + ") ; entre parenthèses, l'intervalle où se situent "
                     "90 % des rangs obtenus en faisant varier les choix de méthode (normalisation, agrégation, "
                     "poids, traitement des valeurs extrêmes ; voir l'annexe méthodologique).")
    _finalize(fig, ax, 0.18 * (n + 1), handles, notes)
    file = _save(fig, out_path)

    top = rows[:3]
    bottom = [d for d in reversed(rows) if d["score"] < base][:3] if ref is not None else rows[-3:][::-1]
    title = {"zscore": "Indices de fragilité par domaine, écart à la moyenne nationale (en écarts-types)",
             "ratio": "Indices de fragilité par domaine (indice, France = 100)",
             "minmax": "Indices de fragilité par domaine (score de 1 à 100)"}[scale["norm"]]
    alt = (f"Diagramme en barres horizontales : indices de fragilité {_of(ctx)} pour {len(rows)} domaines, "
           f"{scale['unit']}, triés du plus élevé au plus bas et colorés par famille "
           f"({fr.join([FAMILY_LABELS[f].lower() for f in families])}). ")
    if top:
        alt += "Les plus élevés : " + fr.join([f"{d['label'].lower()} ({_fmt_index(d['score'], scale, value_dec)})"
                                              for d in top]) + "."
    if bottom:
        alt += " Les plus bas : " + fr.join([f"{d['label'].lower()} ({_fmt_index(d['score'], scale, value_dec)})"
                                            for d in bottom]) + "."
    if missing:
        alt += " Non disponible : " + fr.join([d["label"].lower() for d in missing]) + "."
    return _result("profile", file, title, alt, _source_indices(ctx), has_data=bool(rows))


# --------------------------------------------------------------------------------------------
# Geography (geojson read with json, projected with a cos(latitude) correction)
# --------------------------------------------------------------------------------------------

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


#: Holes smaller than this (square degrees, about 80 km²) are slivers left by the simplification of
#: the dissolved boundaries, not enclaves: they are filled (the Enclave des papes, 0.015, is kept).
MIN_HOLE_AREA = 0.01


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


#: Half-range of the map colour scale at least (one scale for all reports unless a value exceeds it,
#: so that small differences to France stay pale and maps can be compared from one report to another).
MAP_HALF_RANGE = {"zscore": 1.0, "ratio": 20.0, "minmax": 20.0}


def _symmetric_norm(values: list[float], ref: float, norm_name: str = "zscore") -> tuple[Normalize, float]:
    """A colour scale centred on France: [ref - v, ref + v], v the larger of the default half-range
    and the largest deviation rounded up; with a tick step."""
    dev = max([abs(v - ref) for v in values] + [0.0])
    vmax = MAP_HALF_RANGE.get(norm_name, 1.0)
    if dev > vmax:
        unit = _nice_step(dev, 4)
        vmax = unit * math.ceil(dev / unit - 1e-9)
    return Normalize(ref - vmax, ref + vmax), _nice_step(vmax, 3)


def _colourbar(fig: Figure, cax, norm: Normalize, step: float, scale: dict, *, horizontal: bool,
               label: str, ref: float | None) -> None:
    boundaries = np.linspace(norm.vmin, norm.vmax, 41)
    cb = Colorbar(cax, cmap=FRAGILITY_CMAP, norm=norm, boundaries=boundaries, values=(boundaries[:-1] + boundaries[1:]) / 2,
                  orientation="horizontal" if horizontal else "vertical", drawedges=False)
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


# --------------------------------------------------------------------------------------------
# 2. Map of the territory's départements
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Bars with France markers (survey charts)
# --------------------------------------------------------------------------------------------

def _bar_rows_chart(rows: list[dict], *, width_cm: float, kind: str, notes: list[str], legend: list,
                    xlabel: str, pitch_cm: float, group_gap_cm: float = 0.28, bold_significant: bool = False,
                    label_width: float | None = None) -> Figure:
    """Horizontal bars, rows top-down, each row a list of bars.

    `rows`: [{"label", "bars": [{"color", "value", "caution", "ci", "france", "sig", "empty_text"}]}];
    a bar with value None draws nothing but its France marker and `empty_text`. `kind`: "score"
    (0-10) or "share" (0-100 %).
    """
    rows = [r for r in rows if r["bars"]]
    if not rows:
        return _no_data_figure(width_cm, notes)
    n_bars = sum(len(r["bars"]) for r in rows)
    pitch = pitch_cm * CM
    gap = group_gap_cm * CM
    main_h = n_bars * pitch + len(rows) * gap + 0.05
    fig, ax = _new_figure(width_cm)
    y = 0.0
    centers, extent = [], []
    for r in rows:
        k = len(r["bars"])
        first = y + gap / 2 + pitch / 2
        ys = [first + j * pitch for j in range(k)]
        centers.append((ys[0] + ys[-1]) / 2)
        for yy, b in zip(ys, r["bars"]):
            b["y"] = yy
        y += k * pitch + gap
        extent += [v for b in r["bars"] for v in (b.get("value"), b.get("france"), (b.get("ci") or (None, None))[1])
                   if v is not None]
    total = y
    bar_h = pitch * 0.78
    # compact grouped charts: smaller value labels and France markers (still >= 7 pt)
    label_size = SMALL if pitch_cm >= 0.3 else NOTE
    marker_size = min(FRANCE_MARKER["markersize"], pitch_cm / 2.54 * 72 * 0.72)
    hatched = []
    n_est = 0
    if kind == "score":
        xmax = 10.0
        fmt = lambda v: fr.number(v, 1)  # noqa: E731
    else:
        top = max(extent + [0.1]) + 0.09  # room for the value labels
        step = 0.1 if top <= 0.6 else 0.2
        xmax = min(1.0, math.ceil(top / step - 1e-9) * step)
        fmt = fr.percent
    for r in rows:
        for b in r["bars"]:
            v, yy = b.get("value"), b["y"]
            if v is not None:
                n_est += 1
                if b.get("caution"):
                    bars = ax.barh(yy, v, height=bar_h, color=_lighten(b["color"], 0.6), edgecolor=b["color"],
                                   linewidth=0.6, zorder=2)
                    hatched.append((bars.patches[0], b["color"]))
                else:
                    bars = ax.barh(yy, v, height=bar_h, color=b["color"], linewidth=0, zorder=2)
                # ids for the tests and for anyone reading the SVG: one "estimate-" bar per published estimate
                bars.patches[0].set_gid(f"estimate-{n_est}{'-caution' if b.get('caution') else ''}")
                ci = b.get("ci")
                if ci and ci[0] is not None and ci[1] is not None:
                    ax.plot([ci[0], ci[1]], [yy, yy], color=INK, linewidth=0.7, zorder=3, solid_capstyle="butt")
                    for c in ci:
                        ax.plot([c, c], [yy - bar_h * 0.22, yy + bar_h * 0.22], color=INK, linewidth=0.7, zorder=3)
            if b.get("france") is not None:
                ax.plot([b["france"]], [yy], zorder=4, **{**FRANCE_MARKER, "markersize": marker_size})
            right = max([x for x in (v, b.get("france"), (b.get("ci") or (None, None))[1]) if x is not None] + [0])
            clear = 3.5 if b.get("france") is None or right > b["france"] + 0.012 * xmax else 7.0  # clear of the ◆
            if v is not None:
                text = fmt(v) + (CAUTION_MARK if b.get("caution") else "")
                ax.annotate(text, (right, yy), xytext=(clear, 0), textcoords="offset points", ha="left", va="center",
                            fontsize=label_size, zorder=5,
                            fontweight="bold" if (bold_significant and b.get("sig")) else "normal")
            elif b.get("empty_text"):
                ax.annotate(b["empty_text"], (right, yy), xytext=(7.0 if b.get("france") is not None else 1, 0),
                            textcoords="offset points", ha="left", va="center", fontsize=NOTE, color=MUTED,
                            style="italic", zorder=5)
    ax.set_xlim(0, xmax)
    ax.set_ylim(total, 0)
    ax.set_yticks(centers, [r["label"] for r in rows])
    ax.tick_params(axis="y", length=0, pad=4)
    if kind == "score":
        ax.xaxis.set_major_locator(MultipleLocator(1))
        ax.xaxis.set_major_formatter(_number_formatter(0))
    else:
        ax.xaxis.set_major_locator(MultipleLocator(step))
        ax.xaxis.set_major_formatter(_percent_formatter())
    ax.grid(axis="x")
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    _finalize(fig, ax, main_h, legend, notes)
    for patch, color in hatched:
        _hatch(ax, patch, color)
    return fig


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


NO_DATA = "Aucune estimation publiable pour ce territoire (effectifs insuffisants)."


def _no_data_alt(ctx: dict, what: str) -> str:
    return f"Graphique sans données ({what}, {_name(ctx)}) : aucune estimation publiable, effectifs insuffisants."


def _no_data_figure(width_cm: float, notes: list[str]) -> Figure:
    """A small chart that only says that nothing can be published."""
    fig, ax = _new_figure(width_cm)
    ax.set_axis_off()
    ax.text(0.5, 0.5, NO_DATA, transform=ax.transAxes, ha="center", va="center", fontsize=FONT_SIZE, color=MUTED,
            style="italic")
    _finalize(fig, ax, 0.45, [], notes)
    return fig


def _ci(item: dict):
    lo, hi = item.get("ci_low"), item.get("ci_high")
    return (lo, hi) if lo is not None and hi is not None else None


def _suppressed_note(ctx: dict, labels: list[str], what: str = "Non publié") -> str:
    return (f"{what} (moins de {_rules(ctx)['min_publish']} répondants, estimation trop imprécise) : "
            + fr.join(labels) + ".")


# --------------------------------------------------------------------------------------------
# 3. Perceived fragility (inhabitants)
# --------------------------------------------------------------------------------------------

def chart_perceived(ctx: dict, out_path) -> dict:
    """Perceived fragility /10 per domain: the territory's inhabitants (bars, CI) beside France (◆)."""
    _ensure_setup()
    shown = [p for p in ctx["perceived"] if p.get("estimate") is not None]
    shown.sort(key=lambda p: (-p["estimate"], p["label"]))
    suppressed = [p for p in ctx["perceived"] if p.get("estimate") is None]
    color = GROUP_COLORS["habitants"]
    rows = [{"label": p["label"], "bars": [{"color": color, "value": p["estimate"], "caution": p.get("reliability") == "caution",
                                             "ci": _ci(p), "france": p.get("france"), "sig": p.get("significant")}]}
            for p in shown]
    notes = [_significance_note(ctx)]
    if any(p.get("reliability") == "caution" for p in shown):
        notes.append(_caution_note(ctx))
    if suppressed:
        notes.append(_suppressed_note(ctx, [p["label"].lower() for p in suppressed], "Domaines non publiés"))
    legend = [Patch(color=color, label=f"Habitants {_of(ctx)}"), _france_handle("France entière"),
              _ci_handle(ctx)]
    fig = _bar_rows_chart(rows, width_cm=WIDE_CM, kind="score", notes=notes, legend=legend,
                          xlabel="Fragilité perçue (note moyenne de 0, pas du tout fragile, à 10, très fragile)",
                          pitch_cm=0.44, group_gap_cm=0.0, bold_significant=True)
    file = _save(fig, out_path)
    title = "Fragilité perçue par les habitants, par domaine (note moyenne sur 10)"
    alt = (f"Diagramme en barres horizontales : note moyenne de fragilité perçue par les habitants {_of(ctx)} "
           f"pour {len(shown)} domaines, sur 10, avec la valeur de la France. ")
    if shown:
        alt += "En tête : " + fr.join([f"{p['label'].lower()} ({fr.score10(p['estimate'])}, France {fr.score10(p['france'])})"
                                        for p in shown[:3]]) + ". "
        alt += f"Note la plus basse : {shown[-1]['label'].lower()} ({fr.score10(shown[-1]['estimate'])})."
    if suppressed:
        alt += " Domaines non publiés faute d'effectifs suffisants : " + fr.join([p["label"].lower() for p in suppressed]) + "."
    if not shown:
        alt = _no_data_alt(ctx, "fragilité perçue par les habitants")
    return _result("perceived", file, title, alt, _source_survey(ctx, "habitants"), has_data=bool(shown))


# --------------------------------------------------------------------------------------------
# 4. Perception gap quadrant
# --------------------------------------------------------------------------------------------

QUADRANT_NAMES = {  # (x > 0, y > 0) -> name
    (True, True): "Fragilité reconnue",
    (True, False): "Fragilité sous-estimée",
    (False, True): "Inquiétude sans\nfragilité objective",
    (False, False): "Atout partagé",
}


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
    notes = ["Lecture : à droite de l'axe vertical, l'indice de fragilité du domaine est plus élevé qu'en France ; "
             "au-dessus de l'axe horizontal, les habitants le jugent plus fragile que la moyenne des Français. "
             "Seuls les domaines dont l'écart entre perception et mesure est significatif (intervalle à 95 % "
             "combinant l'erreur d'enquête et l'incertitude de l'indice, qui exclut zéro) sont en couleur."]
    if any(g.get("reliability") == "caution" for g in pts):
        notes.append(_caution_note(ctx, f"{CAUTION_MARK} Perception"))
    if no_obj:
        notes.append("Non représenté (indice non disponible) : " + fr.join([g["label"].lower() for g in no_obj]) + ".")
    if no_perc:
        notes.append("Non représenté (perception non publiée, effectif insuffisant) : "
                     + fr.join([g["label"].lower() for g in no_perc]) + ".")
    title = "Écart de perception : indice de fragilité et fragilité perçue, par rapport à la France"
    source = _source_gaps(ctx, ", estimations pondérées ; calculs IMPACT-Régions.")
    if not pts:
        file = _save(_no_data_figure(WIDE_CM, notes[1:]), out_path)
        return _result("quadrant", file, title, _no_data_alt(ctx, "écart de perception"), source, has_data=False)
    fig, ax = _new_figure(WIDE_CM)
    xs = [g["objective"] for g in pts]
    ys = [g["perceived_diff"] for g in pts]
    xlo, xhi = _quadrant_limits(xs, 0.25, 0.12)
    ylo, yhi = _quadrant_limits(ys, 0.1, 0.16)
    ax.set_xlim(xlo, xhi)
    ax.set_ylim(ylo, yhi)
    xm, ym = xhi - xlo, yhi - ylo
    xstep, ystep = _nice_step(xm, 8), _nice_step(ym, 6)
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
    ax.set_xlabel("Indice de fragilité du domaine : " + scale["diff_unit"] + " (0 = France)")
    ax.set_ylabel("Fragilité perçue : écart à la France\n(points sur 10)")
    ms = 6.0
    for g in pts:
        if g.get("significant"):
            (point,) = ax.plot([g["objective"]], [g["perceived_diff"]], marker="o", markersize=ms, linestyle="none",
                               markerfacecolor=FAMILY_COLORS.get(g["family"], MUTED), markeredgecolor="white",
                               markeredgewidth=0.6, zorder=5)
        else:
            (point,) = ax.plot([g["objective"]], [g["perceived_diff"]], markersize=ms - 0.6, zorder=5,
                               **HOLLOW_MARKER)
        point.set_gid(f"point-{g['domain_id']}")
    corner_kw = dict(fontsize=SMALL, color=MUTED, fontweight="bold", zorder=1, linespacing=1.15)
    corners = []
    for (px, py), name in QUADRANT_NAMES.items():
        corners.append(ax.text(0.985 if px else 0.015, 0.975 if py else 0.025, name, transform=ax.transAxes,
                               ha="right" if px else "left", va="top" if py else "bottom", **corner_kw))
    families = [f for f in FAMILY_COLORS if any(g["family"] == f and g.get("significant") for g in pts)]
    handles = [Line2D([], [], marker="o", markersize=ms, linestyle="none", markerfacecolor=FAMILY_COLORS[f],
                      markeredgecolor="white", label=FAMILY_LABELS[f]) for f in families]
    handles.append(Line2D([], [], markersize=ms - 0.6, label="Écart perception / mesure non significatif",
                          **HOLLOW_MARKER))
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
    order = sorted(pts, key=lambda g: (not g.get("significant"), -(abs(g["objective"]) / xm + abs(g["perceived_diff"]) / ym)))
    items = [{"x": g["objective"], "y": g["perceived_diff"], "r0": ms / 2,
              "text": g["label"] + (CAUTION_MARK if g.get("reliability") == "caution" else ""),
              "kw": {"color": INK if g.get("significant") else MUTED}} for g in order]
    _place_labels(ax, items, obstacles, fontsize=NOTE, radii=(2, 5, 9, 14, 20, 28, 38, 50), leader_from=9,
                  ambiguity_cost=30.0)
    file = _save(fig, out_path)

    by_q: dict[str, list[str]] = {}
    for g in sorted(pts, key=lambda g: -g["objective"]):
        name = QUADRANT_NAMES[(g["objective"] > 0, g["perceived_diff"] > 0)].replace("\n", " ")
        by_q.setdefault(name, []).append(g["label"].lower() + ("" if g.get("significant") else " (non significatif)"))
    alt = (f"Nuage de points {_of(ctx)} : pour chaque domaine, l'indice de fragilité (écart à la France, axe horizontal) "
           "et la fragilité perçue par les habitants (écart à la France en points sur 10, axe vertical). ")
    alt += " ".join(f"{name} : {fr.join(labels)}." for name, labels in by_q.items())
    sig = [g for g in pts if g.get("significant")]
    alt += f" {len(sig)} écart{'s' if len(sig) > 1 else ''} de perception significatif{'s' if len(sig) > 1 else ''} sur {len(pts)}."
    return _result("quadrant", file, title, alt, source, has_data=True)


# --------------------------------------------------------------------------------------------
# 5. Perceived fragility by group
# --------------------------------------------------------------------------------------------

def _present_groups(rows: list[dict], groups: list[str]) -> tuple[list[str], list[str]]:
    present = [g for g in groups if any(r.get(g) is not None for r in rows)]
    return present, [g for g in groups if g not in present]


def _group_bar_rows(data: list[dict], present: list[str], france_fallback: dict | None = None) -> tuple:
    """Rows of grouped bars (one bar per respondent group) for the groups and cooperation charts.

    Returns (rows, number of 'caution' bars, whether any value is not published). A group's
    France value falls back to `france_fallback[group][domain_id]` when the row has none.
    """
    rows, n_caution, empty = [], 0, False
    for r in data:
        bars = []
        for g in present:
            v = r.get(g)
            caution = r.get(f"{g}_reliability") == "caution" and v is not None
            n_caution += caution
            france = r.get(f"{g}_france")
            if france is None and france_fallback and g in france_fallback:
                france = france_fallback[g].get(r["domain_id"])
            empty |= v is None
            bars.append({"color": GROUP_COLORS[g], "value": v, "caution": caution, "france": france,
                         "empty_text": f"n.p. ({GROUP_LABELS[g].lower()})" if v is None else None})
        rows.append({"label": r["label"], "bars": bars})
    return rows, n_caution, empty


def chart_groups(ctx: dict, out_path) -> dict:
    """Perceived fragility /10 of the leading domains, by group (habitants, associations, entreprises, maires)."""
    _ensure_setup()
    data = ctx["groups"]
    present, absent = _present_groups(data, GROUPS)
    france_hab = {p["domain_id"]: p.get("france") for p in ctx.get("perceived", [])}
    rows, n_caution, empty = _group_bar_rows(data, present, {"habitants": france_hab})
    notes = []
    if n_caution:
        notes.append(_caution_note(ctx))
    if empty:
        notes.append(_np_note(ctx))
    if absent:
        notes.append(_suppressed_note(ctx, [GROUP_LABELS[g].lower() for g in absent], "Groupes non représentés"))
    has_fr_orgs = any(r.get(f"{g}_france") is not None for r in data for g in GROUPS[1:])
    legend = [Patch(color=GROUP_COLORS[g], label=GROUP_LABELS[g]) for g in present]
    legend.append(_france_handle("France entière" if has_fr_orgs else "France entière (habitants)"))
    fig = _bar_rows_chart(rows, width_cm=WIDE_CM, kind="score", notes=notes, legend=legend,
                          xlabel="Fragilité perçue (note moyenne sur 10)", pitch_cm=0.23 if len(present) > 1 else 0.4,
                          group_gap_cm=0.22 if len(present) > 1 else 0.0)
    file = _save(fig, out_path)
    title = "Fragilité perçue par groupe d'acteurs, domaines en tête (note moyenne sur 10)"
    alt = (f"Diagramme en barres groupées : fragilité perçue sur 10 {_of(ctx)} pour {len(data)} domaines, selon "
           f"{fr.join([GROUP_LABELS[g].lower() for g in present])}. ")
    for g in present:
        best = max((r for r in data if r.get(g) is not None), key=lambda r: r[g])
        alt += f"{GROUP_LABELS[g]} : note la plus haute pour {best['label'].lower()} ({fr.score10(best[g])}). "
    if absent:
        alt += "Non publiés faute d'effectifs suffisants : " + fr.join([GROUP_LABELS[g].lower() for g in absent]) + "."
    if not present:
        alt = _no_data_alt(ctx, "fragilité perçue par groupe d'acteurs")
    source = _source_survey(ctx, "both" if len(present) > 1 or present != ["habitants"] else "habitants")
    return _result("groups", file, title, alt.strip(), source, has_data=bool(present))


# --------------------------------------------------------------------------------------------
# 6-9. Alliances and practices
# --------------------------------------------------------------------------------------------

def _share_by_group_chart(ctx: dict, items: list[dict], out_path, *, key: str, title: str, xlabel: str,
                          what: str, which_source: str) -> dict:
    rows, n_caution, suppressed = [], 0, []
    for i in items:
        g = i["group"]
        v = i.get("estimate")
        caution = i.get("reliability") == "caution" and v is not None
        n_caution += caution
        if v is None:
            suppressed.append(GROUP_LABELS[g].lower())
        rows.append({"label": GROUP_LABELS[g], "bars": [{
            "color": GROUP_COLORS[g], "value": v, "caution": caution, "ci": _ci(i), "france": i.get("france"),
            "sig": i.get("significant"), "empty_text": "non publié" if v is None else None}]})
    shown = [i for i in items if i.get("estimate") is not None]
    notes = []
    if shown:
        notes.append(_significance_note(ctx))
    if n_caution:
        notes.append(_caution_note(ctx))
    if suppressed:
        notes.append(_suppressed_note(ctx, suppressed, "Non publié pour la région"
                                      if ctx["territory"].get("kind") == "region" else "Non publié pour le territoire"))
    legend = [_france_handle("France entière")] + ([_ci_handle(ctx)] if any(_ci(i) for i in shown) else [])
    fig = _bar_rows_chart(rows, width_cm=NARROW_CM, kind="share", notes=notes, legend=legend, xlabel=xlabel,
                          pitch_cm=0.5, group_gap_cm=0.0, bold_significant=True)
    file = _save(fig, out_path)
    alt = f"Diagramme en barres, {_name(ctx)} : {what}, par groupe, comparée à la France. "
    if shown:
        listed = fr.join([f"{GROUP_LABELS[i['group']].lower()} {fr.percent(i['estimate'])} (France {fr.percent(i.get('france'))}"
                          f"{', à interpréter avec prudence' if i.get('reliability') == 'caution' else ''})"
                          for i in shown])
        alt += listed[0].upper() + listed[1:] + "."
    if suppressed:
        alt += " Non publié faute d'effectifs suffisants : " + fr.join(suppressed) + "."
    return _result(key, file, title, alt, _source_survey(ctx, which_source), has_data=bool(shown))


def chart_innovation(ctx: dict, out_path) -> dict:
    """Share of each group that sees alliances as a source of innovation, vs France."""
    _ensure_setup()
    groups = {i["group"] for i in ctx["innovation"]}
    return _share_by_group_chart(
        ctx, ctx["innovation"], out_path, key="innovation",
        title="Les alliances, source d'innovation : part des répondants qui le pensent, par groupe (en %)"
        .replace(" %", fr.NBSP + "%"),
        xlabel="Part des répondants d'accord (tout à fait ou plutôt)",
        what="part des répondants qui voient les alliances comme une source d'innovation",
        which_source="both" if len(groups) > 1 else "habitants")


def chart_partnership(ctx: dict, out_path) -> dict:
    """Share of associations, companies and mayors with at least one partnership, vs France."""
    _ensure_setup()
    return _share_by_group_chart(
        ctx, ctx["partnership"], out_path, key="partnership",
        title="Organisations ayant au moins un partenariat avec un autre type d'acteur (en %)".replace(" %", fr.NBSP + "%"),
        xlabel="Part des organisations ayant au moins un partenariat",
        what="part des organisations ayant au moins un partenariat", which_source="organisations")


def chart_cooperation(ctx: dict, out_path) -> dict:
    """Priority domains for cooperation: share citing each domain, inhabitants vs organisations."""
    _ensure_setup()
    data = ctx["cooperation"]
    present, absent = _present_groups(data, GROUPS)
    rows, n_caution, empty = _group_bar_rows(data, present)
    notes = ["Jusqu'à trois domaines cités par répondant : les parts ne s'additionnent pas."]
    if n_caution:
        notes.append(_caution_note(ctx))
    if empty:
        notes.append(_np_note(ctx))
    if absent:
        notes.append(_suppressed_note(ctx, [GROUP_LABELS[g].lower() for g in absent], "Groupes non représentés"))
    has_france = any(r.get(f"{g}_france") is not None for r in data for g in GROUPS)
    legend = [Patch(color=GROUP_COLORS[g], label=GROUP_LABELS[g]) for g in present]
    if has_france:
        legend.append(_france_handle("France entière"))
    fig = _bar_rows_chart(rows, width_cm=WIDE_CM, kind="share", notes=notes, legend=legend,
                          xlabel="Part des répondants citant le domaine comme prioritaire pour coopérer",
                          pitch_cm=0.23 if len(present) > 1 else 0.4, group_gap_cm=0.22 if len(present) > 1 else 0.0)
    file = _save(fig, out_path)
    title = "Domaines prioritaires de coopération : part des répondants qui les citent (en %)".replace(" %", fr.NBSP + "%")
    alt = (f"Diagramme en barres groupées : part des répondants {_of(ctx)} citant chaque domaine comme prioritaire "
           f"pour coopérer, pour {len(data)} domaines, selon {fr.join([GROUP_LABELS[g].lower() for g in present])}. ")
    for g in present:
        ranked = sorted((r for r in data if r.get(g) is not None), key=lambda r: -r[g])[:2]
        alt += f"{GROUP_LABELS[g]} : " + fr.join([f"{r['label'].lower()} ({fr.percent(r[g])})" for r in ranked]) + ". "
    if absent:
        alt += "Non publiés faute d'effectifs suffisants : " + fr.join([GROUP_LABELS[g].lower() for g in absent]) + "."
    if not present:
        alt = _no_data_alt(ctx, "domaines prioritaires de coopération")
    return _result("cooperation", file, title, alt.strip(), _source_survey(ctx, "both" if len(present) > 1 else "habitants"),
                   has_data=bool(present))


def chart_modes(ctx: dict, out_path) -> dict:
    """The four partnership modes by organisation group: territory bars, France markers."""
    _ensure_setup()
    orgs = ["associations", "entreprises", "maires"]
    data = ctx["modes"]
    present = [g for g in orgs if any(m.get(g) is not None or m.get(f"{g}_france") is not None for m in data)]
    rows, n_caution, missing = [], 0, set()
    for m in data:
        bars = []
        for g in present:
            v = m.get(g)
            caution = m.get(f"{g}_reliability") == "caution" and v is not None
            n_caution += caution
            if v is None:
                missing.add(g)
            bars.append({"color": GROUP_COLORS[g], "value": v, "caution": caution, "france": m.get(f"{g}_france"),
                         "empty_text": f"n.p. ({GROUP_LABELS[g].lower()})" if v is None else None})
        rows.append({"label": m["label"], "bars": bars})
    notes = ["Parmi les organisations qui ont au moins un partenariat ; plusieurs modes possibles."]
    if n_caution:
        notes.append(_caution_note(ctx))
    if missing:
        all_missing = all(m.get(g) is None for m in data for g in present)
        where = "la région" if ctx["territory"].get("kind") == "region" else "le territoire"
        minimum = _rules(ctx)["min_publish"]
        if all_missing:
            notes.append(f"n.p. : estimations non publiées pour {where} (moins de {minimum} organisations ayant des "
                         "partenariats) ; seules les valeurs de la France sont représentées.")
        else:
            notes.append(f"n.p. : non publié pour {where} (moins de {minimum} organisations) : "
                         + fr.join([GROUP_LABELS[g].lower() for g in orgs if g in missing]) + ".")
    legend = [Patch(color=GROUP_COLORS[g], label=GROUP_LABELS[g]) for g in present
              if any(m.get(g) is not None for m in data)]
    legend.append(_france_handle("France entière"))
    fig = _bar_rows_chart(rows, width_cm=WIDE_CM, kind="share", notes=notes, legend=legend,
                          xlabel="Part des organisations pratiquant ce mode de partenariat", pitch_cm=0.25,
                          group_gap_cm=0.22)
    file = _save(fig, out_path)
    title = "Modes de partenariat des organisations qui ont des partenariats (en %)".replace(" %", fr.NBSP + "%")
    alt = (f"Diagramme en barres groupées : part des associations, entreprises et maires {_of(ctx)} ayant des partenariats "
           "qui pratiquent chacun des quatre modes (mécénat, pratiques responsables, innovation sociétale, coopération "
           "économique), avec la valeur de la France. ")
    for g in present:
        vals = [(m["label"].lower(), m.get(g), m.get(f"{g}_france")) for m in data]
        if all(v is None for _, v, _ in vals):
            alt += f"{GROUP_LABELS[g]} : non publié (effectif insuffisant). "
            continue
        alt += f"{GROUP_LABELS[g]} : " + fr.join([f"{lab} {fr.percent(v)} (France {fr.percent(f)})"
                                                  for lab, v, f in vals if v is not None]) + ". "
    return _result("modes", file, title, alt.strip(), _source_survey(ctx, "organisations"),
                   has_data=any(m.get(g) is not None for m in data for g in orgs))


# --------------------------------------------------------------------------------------------
# 10. France map of the regions (index page)
# --------------------------------------------------------------------------------------------

OVERSEAS_REGIONS = ["01", "02", "03", "04", "06"]


def chart_regions_map(fragility_by_region: dict, out_path, geo_dir=None, *, normalisation: str = "zscore",
                      source: str | None = None) -> dict:
    """The 18 regions shaded by their overall fragility index; overseas regions as insets."""
    _ensure_setup()
    scale = _scale({"method": {"normalisation": normalisation}})
    regions = _features(geo_dir, "regions")
    scores = {str(k): (None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
              for k, v in fragility_by_region.items()}
    values = [v for v in scores.values() if v is not None]
    ref = scale["ref"] if scale["ref"] is not None else (float(np.median(values)) if values else 0.0)
    norm, step = _symmetric_norm(values, ref, scale["norm"])
    width, height = WIDE_CM * CM, 13.0 * CM
    fig = Figure(figsize=(width, height))
    _Canvas(fig)

    def draw(rect, codes, label_values: bool):
        ax = fig.add_axes(rect, axes_class=_FixedLimitsAxes)  # limits set below
        polys_all = [regions[c]["polys"] for c in codes]
        b = [_bounds(p) for p in polys_all]
        x0, y0, x1, y1 = min(v[0] for v in b), min(v[1] for v in b), max(v[2] for v in b), max(v[3] for v in b)
        coslat = math.cos(math.radians((y0 + y1) / 2))
        ax.set_axis_off()
        vx0, vx1, vy0, vy1 = _fill_limits((x0 * coslat, x1 * coslat, y0, y1), rect[2] * width, rect[3] * height, 0.04)
        ax.set_xlim(vx0, vx1)
        ax.set_ylim(vy0, vy1)
        ax.set_aspect("equal", adjustable="box")
        for c in codes:
            s = scores.get(c)
            patch = PathPatch(_compound_path(regions[c]["polys"], coslat), facecolor=_fill_color(s, norm),
                              edgecolor=MUTED, linewidth=0.45, hatch="////" if s is None else None)
            patch.set_gid(f"region-{c}")
            ax.add_patch(patch)
        if label_values:
            items = []
            for c in codes:
                lx, ly = _label_point(regions[c]["polys"], coslat)
                items.append({"x": lx, "y": ly, "text": _fmt_index(scores.get(c), scale, 2), "r0": 0,
                              "kw": {"color": INK, "bbox": dict(boxstyle="round,pad=0.15", facecolor="white",
                                                                edgecolor="none", alpha=0.75)}})
            _place_labels(ax, items, [], radii=(2, 6, 12), fontsize=NOTE, directions=[(0, 0)] + _DIRECTIONS)
        return ax

    metro = sorted(c for c in regions if c not in OVERSEAS_REGIONS)
    draw((0.2, 0.02, 0.62, 0.96), metro, True)
    inset_h, gap = 0.14, 0.05
    for k, c in enumerate([c for c in OVERSEAS_REGIONS if c in regions]):
        y = 0.95 - (k + 1) * inset_h - k * gap
        ax = draw((0.01, y, 0.16, inset_h), [c], False)
        ax.set_axis_on()
        ax.set_xticks([])
        ax.set_yticks([])
        for sp in ax.spines.values():
            sp.set_visible(True)
            sp.set_color(GRID)
            sp.set_linewidth(0.6)
        ax.text(0.5, 1.02, f"{regions[c]['nom']} : {_fmt_index(scores.get(c), scale, 2)}", transform=ax.transAxes,
                ha="center", va="bottom", fontsize=NOTE, color=INK)
    cax = fig.add_axes((0.86, 0.25, 0.022, 0.5))
    _colourbar(fig, cax, norm, step, scale, horizontal=False,
               label="Indice global de fragilité : " + scale["unit"], ref=scale["ref"])
    file = _save(fig, out_path)
    ranked = sorted(((c, s) for c, s in scores.items() if s is not None and c in regions), key=lambda x: -x[1])
    title = ("Indice global de fragilité des régions, écart à la moyenne nationale (en écarts-types)"
             if scale["norm"] == "zscore" else "Indice global de fragilité des régions")
    alt = ("Carte de France des régions, colorées selon leur indice global de fragilité (" + scale["unit"]
           + " ; rouge : plus fragile que la France, bleu : moins fragile), les régions d'outre-mer en encadrés. ")
    if ranked:
        alt += "Les plus fragiles : " + fr.join([f"{regions[c]['nom']} ({_fmt_index(s, scale, 2)})" for c, s in ranked[:3]])
        alt += " ; les moins fragiles : " + fr.join([f"{regions[c]['nom']} ({_fmt_index(s, scale, 2)})"
                                                      for c, s in ranked[-3:][::-1]]) + "."
    src = source or "Source : indices de fragilité IMPACT-Régions. Fond de carte : IGN, Admin Express ; INSEE, COG 2025."
    return _result("regions_map", file, title, alt, src)


# --------------------------------------------------------------------------------------------
# All the charts of one territory
# --------------------------------------------------------------------------------------------

#: Chart functions in REPORT_SPEC order: (key, function). The file of a chart is `<key>.svg`.
# Colours and shapes of their own (the family colours mean something else on the same page):
GAP_UNDER = "#56B4E9"  # Okabe-Ito sky blue, "<": perceived as less worrying than the indicators suggest
GAP_OVER = "#D55E00"   # Okabe-Ito vermillion, ">": perceived as more worrying than the indicators show


def chart_gaps(ctx: dict, out_path) -> dict:
    """The standardised perception/measure gap of every domain with its 95 % interval (survey
    error and index uncertainty combined): dot and whisker, coloured only when significant."""
    _ensure_setup()
    pts = [g for g in ctx["gaps"] if g.get("gap") is not None]
    pts.sort(key=lambda g: g["gap"])
    missing = [g for g in ctx["gaps"] if g.get("gap") is None]
    notes = ["Écart = position des habitants moins position de l'indice, chacune étant l'écart à la France rapporté "
             "à sa dispersion entre les régions (écarts-types interrégionaux) : < 0, domaine perçu comme moins "
             "préoccupant que ne le laissent attendre les indicateurs ; > 0, plus préoccupant. Trait : intervalle "
             "à 95 % (erreur d'enquête et incertitude de l'indice selon les choix de méthode)."]
    if missing:
        notes.append("Non représenté (indice ou perception non disponible) : "
                     + fr.join([g["label"].lower() for g in missing]) + ".")
    title = "Écart entre perception et mesure, par domaine (en écarts-types interrégionaux)"
    source = _source_gaps(ctx, " ; simulation de Monte-Carlo IMPACT-Régions.")
    if not pts:
        file = _save(_no_data_figure(WIDE_CM, notes[1:]), out_path)
        return _result("gaps", file, title, _no_data_alt(ctx, "écart entre perception et mesure"), source,
                       has_data=False)
    fig, ax = _new_figure(WIDE_CM)
    n = len(pts)
    lo = min(min(g["gap_ci_low"] for g in pts), 0.0)
    hi = max(max(g["gap_ci_high"] for g in pts), 0.0)
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - 0.04 * span, hi + 0.04 * span)
    ax.set_ylim(n - 0.4, -0.6)
    step = _nice_step(span * 1.08, 8)
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(_number_formatter(_decimals(step), signed=True))
    ax.axvline(0, color=INK, linewidth=0.9, zorder=2)
    ms = 4.6
    for i, g in enumerate(pts):
        color = (GAP_UNDER if g["gap"] < 0 else GAP_OVER) if g["significant"] else NEUTRAL
        ax.plot([g["gap_ci_low"], g["gap_ci_high"]], [i, i], color=color, linewidth=1.2, solid_capstyle="butt",
                zorder=3)
        if g["significant"]:
            ax.plot([g["gap"]], [i], marker="<" if g["gap"] < 0 else ">", markersize=ms + 0.6, linestyle="none",
                    markerfacecolor=color, markeredgecolor="white", markeredgewidth=0.5, zorder=4)
        else:
            ax.plot([g["gap"]], [i], markersize=ms - 0.6, zorder=4, **HOLLOW_MARKER)
    ax.set_yticks(np.arange(n, dtype=float), [g["label"] + (f" {CAUTION_MARK}" if g.get("reliability") == "caution" else "")
                                              for g in pts])
    ax.tick_params(axis="y", length=0, pad=4)
    ax.grid(axis="x")
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("Écart perception − mesure (en écarts-types interrégionaux)")
    if any(g.get("reliability") == "caution" for g in pts):
        notes.append(_caution_note(ctx, f"{CAUTION_MARK} Perception"))
    handles = []
    if any(g["significant"] and g["gap"] < 0 for g in pts):
        handles.append(Line2D([], [], marker="<", markersize=ms + 0.6, linestyle="none", markerfacecolor=GAP_UNDER,
                              markeredgecolor="white", label="Perçu comme moins préoccupant (significatif)"))
    if any(g["significant"] and g["gap"] > 0 for g in pts):
        handles.append(Line2D([], [], marker=">", markersize=ms + 0.6, linestyle="none", markerfacecolor=GAP_OVER,
                              markeredgecolor="white", label="Perçu comme plus préoccupant (significatif)"))
    if any(not g["significant"] for g in pts):
        handles.append(Line2D([], [], markersize=ms - 0.6, label="Non significatif", **HOLLOW_MARKER))
    _finalize(fig, ax, 0.125 * (n + 1), handles, notes)
    file = _save(fig, out_path)
    sig = [g for g in pts if g["significant"]]
    alt = (f"Graphique en points et intervalles : écart entre la perception des habitants et l'indice de fragilité "
           f"{_of(ctx)} pour {n} domaines, avec son intervalle de confiance à 95 %. ")
    alt += (f"{len(sig)} écart" + ("s" if len(sig) > 1 else "") + " significatif" + ("s" if len(sig) > 1 else "")
            + (" : " + fr.join([f"{g['label'].lower()} ({fr.number(g['gap'], 1, signed=True)})" for g in sig]) if sig else "")
            + ".")
    return _result("gaps", file, title, alt, source, has_data=True)


CHARTS = [
    ("profile", chart_profile),
    ("map", chart_map),
    ("perceived", chart_perceived),
    ("quadrant", chart_quadrant),
    ("gaps", chart_gaps),
    ("groups", chart_groups),
    ("innovation", chart_innovation),
    ("cooperation", chart_cooperation),
    ("partnership", chart_partnership),
    ("modes", chart_modes),
]


def make_all_charts(ctx: dict, out_dir, fonts_dir=None, geo_dir=None) -> list[dict]:
    """Write every chart of a territory into `out_dir` as `<key>.svg`; their dicts in REPORT_SPEC order.

    Each dict has `key` (profile, map, perceived, quadrant, gaps, groups, innovation, cooperation,
    partnership, modes: the names the template uses), `file`, `title`, `alt`, `source` and
    `has_data`. `fonts_dir` defaults to templates/fonts, `geo_dir` to data/raw/geo.
    """
    setup_matplotlib(fonts_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for key, func in CHARTS:
        if key == "map":
            results.append(func(ctx, out_dir / f"{key}.svg", geo_dir=geo_dir))
        else:
            results.append(func(ctx, out_dir / f"{key}.svg"))
    return results
