"""The charts of a regional synthesis: one deterministic SVG per chart, with French formatting.

Every chart function takes the report context of :mod:`impact_regions.report_context` and an
output path (the maps also a `geo_dir`, default `data/raw/geo/`), writes an SVG and returns
``{"key", "file", "title", "alt", "source", "has_data"}``: `key` is the name the template uses
(``charts.profile``...), `title` says what the chart shows and its unit, `alt` is a French text
alternative stating the main figures, `source` is the source line the template prints under the
chart (neither title nor source is repeated inside the SVG), `has_data` is False when every
estimate of the territory is suppressed (the chart then shows France only, or says that nothing
can be published). :func:`make_all_charts` draws them all in REPORT_SPEC order, :func:`draw_charts`
gives them by key, as context.json holds them. The charts follow REPORT_SPEC "Charts and layout":

* France is drawn on every chart (the 0 line of the indices, France markers ◆ on the survey
  charts, the centre of the map colour scale);
* one colour per family of domains and one per respondent group (:data:`FAMILY_COLORS`,
  :data:`GROUP_COLORS`, colour-blind safe), the same in every chart;
* estimates flagged 'prudence' are hatched and marked with an asterisk explained in a note,
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

The package, one module per concern:

* :mod:`.style` (palettes, sizes, markers), :mod:`.figure` (fonts, figure set-up and layout),
  :mod:`.svgout` (text metrics, SVG saving), :mod:`.common` (units, formats, sources, notes),
  :mod:`.labels` (label placement), :mod:`.bars` (the bars of the survey charts),
  :mod:`.geometry` (what the maps share);
* one module per family of charts: :mod:`.profile`, :mod:`.territory_map`, :mod:`.perception`
  (perceived, quadrant), :mod:`.groups`, :mod:`.alliances` (innovation, cooperation),
  :mod:`.practices` (partnership, modes), :mod:`.index_map` (the regions of the index page).
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from .alliances import chart_cooperation, chart_innovation
from .figure import _new_figure, setup_matplotlib
from .groups import chart_groups
from .index_map import chart_regions_map, domains_by_region, overall_by_region
from .labels import _box_distance
from .perception import chart_perceived, chart_quadrant
from .practices import chart_modes, chart_partnership
from .profile import chart_profile
from .style import CAUTION_MARK, FAMILY_COLORS, GROUP_COLORS, NARROW_CM, SVG_METADATA, WIDE_CM
from .svgout import _Canvas, _write_placeholder
from .territory_map import chart_map

__all__ = [
    # the charts, and what the report steps call (impact_regions.report_steps)
    "chart_cooperation",
    "chart_groups",
    "chart_innovation",
    "chart_map",
    "chart_modes",
    "chart_partnership",
    "chart_perceived",
    "chart_profile",
    "chart_quadrant",
    "chart_regions_map",
    "domains_by_region",
    "draw_charts",
    "make_all_charts",
    "overall_by_region",
    "setup_matplotlib",
    # palettes, sizes and marks of impact_regions.charts.style
    "CAUTION_MARK",
    "FAMILY_COLORS",
    "GROUP_COLORS",
    "NARROW_CM",
    "SVG_METADATA",
    "WIDE_CM",
    # internals that tests/test_charts.py and tests/test_svg_tidy.py reach through the package
    "Figure",
    "_Canvas",
    "_box_distance",
    "_new_figure",
]

#: Chart functions in REPORT_SPEC order: (key, function). The file of a chart is `<key>.svg`.
CHARTS = [
    ("profile", chart_profile),
    ("map", chart_map),
    ("perceived", chart_perceived),
    ("quadrant", chart_quadrant),
    ("groups", chart_groups),
    ("innovation", chart_innovation),
    ("cooperation", chart_cooperation),
    ("partnership", chart_partnership),
    ("modes", chart_modes),
]


def make_all_charts(ctx: dict, out_dir, fonts_dir=None, geo_dir=None) -> list[dict]:
    """Write every chart of a territory into `out_dir` as `<key>.svg`; their dicts in REPORT_SPEC order.

    Each dict has `key` (profile, map, perceived, quadrant, groups, innovation, cooperation,
    partnership, modes: the names the template uses), `file`, `title`, `alt`, `source`,
    `has_data`, `omit` and `sentence`. Every key is always there; a chart with nothing to show for
    the territory has `omit` True, `file` None and `sentence`, the sentence the template prints in
    its place (see :mod:`.omit`). Its `<key>.svg` is then an empty placeholder (the report rule
    declares every chart file as an output; no report shows it). `fonts_dir` defaults to
    templates/fonts, `geo_dir` to data/raw/geo.
    """
    setup_matplotlib(fonts_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for key, func in CHARTS:
        path = out_dir / f"{key}.svg"
        result = func(ctx, path, geo_dir=geo_dir) if key == "map" else func(ctx, path)
        if result["is_omitted"]:
            _write_placeholder(path, result["sentence"])
        results.append(result)
    return results


def draw_charts(ctx: dict, out_dir, fonts_dir=None, geo_dir=None) -> dict[str, dict]:
    """Every chart of a territory drawn into `out_dir` (:func:`make_all_charts`), by key: the
    charts of context.json, which the report's template reads by name (``charts.profile``...).
    Raises AssertionError when a chart of :data:`CHARTS` is missing from what was drawn."""
    charts = {c["key"]: c for c in make_all_charts(ctx, out_dir, fonts_dir, geo_dir)}
    missing = {key for key, _ in CHARTS} - set(charts)
    assert not missing, f"charts not drawn: {missing}"
    return charts
