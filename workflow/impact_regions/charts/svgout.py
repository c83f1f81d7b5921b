"""Text metrics and SVG output: every text measured once per process, every chart saved tidy.

* `_RendererAgg` / `_RendererSVG` / `_Canvas`: matplotlib's renderers with text extents and font
  line metrics cached per process (same values, same arithmetic: byte-identical SVGs);
* :func:`_text_width` and :func:`_wrap_measured`: one-line widths from cached character advances,
  greedy word wrap of the notes;
* :func:`_save`: the figure as SVG, tidied for WeasyPrint (:mod:`impact_regions.svg_tidy`).
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import matplotlib
from matplotlib import cbook, font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter
from matplotlib.transforms import Bbox

from ..french import typography
from ..svg_tidy import tidy_svg
from .style import NOTE, SVG_METADATA

_CHAR_WIDTHS: dict[tuple[str, float, float], float] = {}


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
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ):
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
    for cache in (
        _RendererAgg._extents,
        _RendererAgg._line_metrics,
        _RendererSVG._extents,
        _RendererSVG._line_metrics,
        _CHAR_WIDTHS,
    ):
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
            renderer = MixedModeRenderer(
                self.figure,
                width,
                height,
                dpi,
                _RendererSVG(w, h, fh, image_dpi=dpi, metadata=metadata),
                bbox_inches_restore=bbox_inches_restore,
            )
            self.figure.draw(renderer)
            renderer.finalize()


def _ink_box(text, renderer) -> Bbox:
    """The box of the glyphs of a one-line, unrotated text in display space (what a reader sees;
    `get_window_extent` is the box of the whole line, ascent and descent of the font included)."""
    box = text.get_window_extent(renderer)
    _, line_descent, _ = _font_line_metrics(text.get_fontproperties(), text.get_figure(root=True).dpi)
    _, height, descent = renderer.get_text_width_height_descent(text.get_text(), text.get_fontproperties(), False)
    baseline = box.y0 + line_descent
    return Bbox.from_extents(box.x0, baseline - descent, box.x1, baseline - descent + height)


def _write_placeholder(out_path: str | Path, sentence: str) -> None:
    """An empty SVG in place of a chart given way to a sentence (the file the workflow expects)."""
    from xml.sax.saxutils import escape

    Path(out_path).write_text(
        '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="0pt" height="0pt" viewBox="0 0 0 0">'
        f"<desc>{escape(sentence)}</desc></svg>\n",
        encoding="utf-8",
    )


def _typeset(fig: Figure) -> None:
    """French typography (:func:`impact_regions.french.typography`: the apostrophe ’, no-break
    spaces before « : ; » and inside « ») on every text of the chart, whichever function wrote it:
    titles, axis labels, tick labels (fixed ones are kept by their formatter and redrawn from it),
    legend entries, value labels and notes."""
    for text in fig.findobj(Text):
        raw = text.get_text()
        if raw:
            fixed = typography(raw)
            if fixed != raw:
                text.set_text(fixed)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, FixedFormatter):
                formatter.seq = [typography(str(s)) for s in formatter.seq]


def _save(fig: Figure, out_path: str | Path) -> str:
    _typeset(fig)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    out_path.write_text(tidy_svg(buffer.getvalue()), encoding="utf-8")
    return out_path.name


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
