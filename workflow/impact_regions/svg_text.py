"""Faster drawing of the charts' SVG text by WeasyPrint: one Pango layout per text, not per letter.

WeasyPrint 70 draws every SVG `<text>` letter by letter (a Pango layout, a line split and a text
object per character), because SVG allows per-letter `x`, `y`, `dx`, `dy` and `rotate` lists.
The charts written by matplotlib never use them: each `<text>` has one `x` and one `y` and is
placed by a `transform`. For such texts, :func:`whole_text` lays the string out once, which gives
the same glyphs at the same baseline origin, with the font's kerning applied between letters
(which the letter-by-letter path drops) and far fewer PDF operators: the PDF job spends about a
third less time drawing the charts (measured with ``benchmarks/benchmark.py``).

Texts that use any per-letter feature (several coordinates, `dx`, `dy`, `rotate`,
`letter-spacing`, `textLength`), `tspan`/`textPath` children, and any WeasyPrint version other than
the one this was written against (:data:`SUPPORTED_MAJOR`) keep WeasyPrint's own implementation.
:func:`install` is idempotent.
"""

from __future__ import annotations

import importlib
from math import inf

import weasyprint
from weasyprint.matrix import Matrix
from weasyprint.svg.bounding_box import extend_bounding_box
from weasyprint.svg.utils import normalize, size

# the modules, not the `text` function that weasyprint.svg re-exports under the same name
wsvg = importlib.import_module("weasyprint.svg")
wtext = importlib.import_module("weasyprint.svg.text")
SUPPORTED_MAJOR = "70"
_ORIGINAL = wtext.text
_PER_LETTER = ("dx", "dy", "rotate", "letter-spacing", "textLength")


def _single(node, name: str) -> bool:
    """Whether attribute `name` is absent or holds a single coordinate."""
    value = node.attrib.get(name)
    return value is None or len(normalize(value).strip().split(" ")) == 1


def _simple(node) -> bool:
    return (
        node.tag == "text"
        and node.text
        and len(node._etree_node) == 0
        and not any(a in node.attrib for a in _PER_LETTER)
        and _single(node, "x")
        and _single(node, "y")
    )


def whole_text(svg, node, font_size):
    """Draw a `<text>` node as one layout (see the module docstring); same contract as
    ``weasyprint.svg.text.text``: updates the cursor and the node's text bounding box."""
    if not _simple(node):
        return _ORIGINAL(svg, node, font_size)
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.text.line_break import split_first_line

    style = wtext.Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    weight = node.get("font-weight", 400)
    if weight == "normal":
        weight = 400
    elif weight == "bold":
        weight = 700
    else:
        try:
            weight = int(weight)
        except ValueError:
            weight = 400
    style["font_weight"] = weight
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")

    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
    x = size(normalize(node.attrib["x"]).strip(), font_size, svg.inner_width) if "x" in node.attrib else None
    y = size(normalize(node.attrib["y"]).strip(), font_size, svg.inner_height) if "y" in node.attrib else None
    if x is not None:
        svg.cursor_d_position[0] = 0
    if y is not None:
        svg.cursor_d_position[1] = 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y

    # vertical alignment, as WeasyPrint does it (ascent and descent are its approximations)
    ascent, descent = font_size * 0.8, font_size * 0.2
    y_align = 0
    display_anchor = node.get("display-anchor")
    alignment_baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        y_align = -height / 2
    elif display_anchor == "bottom":
        y_align = -height
    elif display_anchor != "top" and alignment_baseline in ("central", "middle"):
        y_align = (ascent + descent) / 2 - descent
    elif display_anchor != "top" and alignment_baseline in (
        "text-before-edge",
        "before_edge",
        "top",
        "hanging",
        "text-top",
    ):
        y_align = ascent
    elif display_anchor != "top" and alignment_baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        y_align = -descent

    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + y_align
    svg.cursor_position = x + width, y
    node.text_bounding_box = extend_bounding_box(
        node.text_bounding_box,
        ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height)),
    )

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    text_box = wtext.TextBox(layout, style)
    text_box.baseline = baseline
    emojis = draw_first_line(svg.stream, text_box, "none", "none", Matrix(a=1, d=-1, e=x_position, f=y_position))
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)


def install() -> bool:
    """Use :func:`whole_text` for SVG `<text>` nodes; returns whether it is in use."""
    if weasyprint.__version__.split(".")[0] != SUPPORTED_MAJOR:
        return False
    # weasyprint.svg recognises text nodes by comparing TAGS[tag] with its module-level `text`
    # (text anchors, bounding boxes): every text tag and that name must point to the same function
    for tag, func in list(wsvg.TAGS.items()):
        if func is _ORIGINAL:
            wsvg.TAGS[tag] = whole_text
    wsvg.text = whole_text
    return True
