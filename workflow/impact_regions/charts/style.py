"""The house style of the charts: palettes, sizes, markers, paths (constants only, no drawing).

* :data:`FAMILY_COLORS` (Okabe-Ito) and :data:`GROUP_COLORS` (Paul Tol "muted"), colour-blind
  safe, the same in every chart (the families' and the groups' order and printed names are the
  report's: :mod:`impact_regions.report_common`); :data:`FRAGILITY_CMAP`, the diverging scale of the maps;
* the printed widths :data:`WIDE_CM` and :data:`NARROW_CM` and the font sizes (7 to 8 pt);
* the France marker ◆, the hollow marker of non-significant points, the SVG metadata (no date).
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.colors import LinearSegmentedColormap

PROJECT_DIR = Path(__file__).resolve().parents[3]
DEFAULT_FONTS_DIR = PROJECT_DIR / "templates" / "fonts"
DEFAULT_GEO_DIR = PROJECT_DIR / "data" / "raw" / "geo"

# --------------------------------------------------------------------------------------------
# Palettes and style
# --------------------------------------------------------------------------------------------

#: Families of domains: Okabe-Ito (colour-blind safe).
FAMILY_COLORS = {
    "économique": "#0072B2",  # blue
    "social": "#E69F00",  # orange
    "sociétal": "#CC79A7",  # reddish purple
    "environnemental": "#009E73",  # bluish green
}

#: Respondent groups: Paul Tol's "muted" scheme (colour-blind safe), distinct from the families.
GROUP_COLORS = {
    "habitants": "#332288",  # indigo
    "associations": "#44AA99",  # teal
    "entreprises": "#DDCC77",  # sand
    "maires": "#882255",  # wine
}

INK = "#1d2733"  # text, France reference
MUTED = "#5b6573"  # secondary text, axes
GRID = "#dfe4ea"
NEUTRAL = "#a7afb8"  # non-significant points
CONTEXT_FILL = "#eceff2"  # neighbouring départements on the map
MISSING_FILL = "#ffffff"

#: Diverging map scale centred on France: ColorBrewer RdBu, reversed (Paul Tol's "BuRd", colour-blind
#: safe): blue = less fragile than France, red = more fragile.
FRAGILITY_CMAP = LinearSegmentedColormap.from_list(
    "impact_burd", ["#2166AC", "#4393C3", "#92C5DE", "#D1E5F0", "#F7F7F7", "#FDDBC7", "#F4A582", "#D6604D", "#B2182B"]
)

CM = 1 / 2.54
WIDE_CM = 17.8  # the text width of the A4 page (210 - 2 x 16 mm)
NARROW_CM = 12.8  # 72 % of it (figure.chart:not(.wide) in print.css)
FONT_SIZE = 8.0  # body of the charts, pt
SMALL = 7.5  # ticks, legends, value labels
NOTE = 7.0  # notes (the smallest text: ≥ 7 pt at print size)
CAUTION_MARK = "*"
# a point whose difference is not significant: hollow, grey (quadrant and gap charts, their legends)
HOLLOW_MARKER = dict(
    marker="o", linestyle="none", markerfacecolor="white", markeredgecolor=NEUTRAL, markeredgewidth=1.1
)
FRANCE_MARKER = dict(
    marker="D", markersize=5.2, markerfacecolor=INK, markeredgecolor="white", markeredgewidth=0.8, linestyle="none"
)
SVG_METADATA = {"Date": None, "Creator": None}
