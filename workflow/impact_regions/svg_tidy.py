"""The charts' SVG as WeasyPrint draws it fastest: same picture, half the nodes, no inline CSS.

matplotlib writes every artist inside its own `<g id="...">` (half of a chart's elements are
such groups), puts every paint property in a `style="fill: ...; stroke: ..."` attribute, and
adds a `<style>*{stroke-linejoin: round; stroke-linecap: butt}</style>` rule. WeasyPrint's SVG
renderer visits every node, matches the `*` rule against every node and parses every `style`
attribute with tinycss2: about a fifth of a report's PDF job went there (measured with cProfile
on the PACA report). :func:`tidy_svg` rewrites the document into its equivalent:

* `<g>` elements whose only attribute is an id made up by matplotlib (`line2d_12`), which
  nothing references (`url(#id)`, `href="#id"`), are replaced by their children: a group without
  attributes draws nothing and changes nothing for its children. Groups named by the charts
  (`set_gid`: `dep-04`, `estimate-3-caution`) and the tick groups (`xtick_3`) stay, for the
  tests and for anyone reading the file;
* `style` declarations that are SVG presentation properties become attributes (the others stay
  in `style`);
* the `*` rule is applied to the elements it matches (those without their own value) and the
  `<style>` element is removed. This keeps the cascade exact: an attribute on an element wins
  over inheritance, as the `*` rule did, whereas the same values on the root would be inherited
  and lose to a group's value;
* identity rotations (`transform="rotate(-0 x y)"`, matplotlib's transform of every horizontal
  text) and the `<metadata>` block (matplotlib's RDF type/format, no title) are dropped.

The pixels do not change: the PDF pages of the 19 demo reports rendered at 80 dpi were compared
before and after (see the closing note of issue 3). Elements, attributes and numbers are
otherwise written as matplotlib wrote them, so two runs still give byte-identical files.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_G = f"{{{SVG_NS}}}g"
_STYLE = f"{{{SVG_NS}}}style"
_DEFS = f"{{{SVG_NS}}}defs"
_METADATA = f"{{{SVG_NS}}}metadata"

# SVG 1.1 presentation attributes that matplotlib writes in `style` (a property outside this set
# stays in `style`: as a CSS property it may have no attribute form)
PRESENTATION = frozenset(
    {
        "alignment-baseline",
        "baseline-shift",
        "clip-path",
        "clip-rule",
        "color",
        "display",
        "dominant-baseline",
        "fill",
        "fill-opacity",
        "fill-rule",
        "filter",
        "font-family",
        "font-size",
        "font-stretch",
        "font-style",
        "font-variant",
        "font-weight",
        "letter-spacing",
        "marker-end",
        "marker-mid",
        "marker-start",
        "mask",
        "opacity",
        "overflow",
        "stroke",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "stroke-opacity",
        "stroke-width",
        "text-anchor",
        "text-decoration",
        "visibility",
        "word-spacing",
    }
)
_UNIVERSAL_RULE = re.compile(r"^\s*\*\s*\{([^{}]*)\}\s*$")
# the ids matplotlib makes up for its groups (`figure_1`, `line2d_12`, `matplotlib.axis_2`...); a
# gid given by the charts (`estimate-3-caution`, `dep-04`, `point-emploi`) marks a group on purpose,
# and the tick groups (`xtick_3`, `ytick_1`) tell which texts are tick labels (the tests read the
# tick labels of each axis through them)
_AUTOMATIC_ID = re.compile(r"^(?![xy]tick_)[A-Za-z][A-Za-z0-9.]*_[0-9]+$")
_IDENTITY_ROTATION = re.compile(r"^rotate\(-?0 [-+0-9.eE]+ [-+0-9.eE]+\)$")
_REFERENCE = re.compile(r"(?:url\(\s*#|href=\"#)([^)\"\s]+)")


def _declarations(css: str) -> list[tuple[str, str]]:
    """`"fill: #fff; stroke: none"` -> [("fill", "#fff"), ("stroke", "none")] (matplotlib's
    simple declarations: no `;` or `:` inside values)."""
    pairs = []
    for declaration in css.split(";"):
        if ":" in declaration:
            name, value = declaration.split(":", 1)
            pairs.append((name.strip(), value.strip()))
    return pairs


def tidy_svg(text: str) -> str:
    """The SVG document `text` rewritten as described in the module docstring.

    A `<style>` element holding anything but one `*` rule is kept as it is (and its defaults are
    not spread), so a document this function does not understand keeps its meaning."""
    referenced = set(_REFERENCE.findall(text))
    root = ET.fromstring(text)
    defaults: list[tuple[str, str]] = []
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == _METADATA:
                parent.remove(child)
            elif child.tag == _STYLE and (rule := _UNIVERSAL_RULE.match(child.text or "")) and not defaults:
                defaults = _declarations(rule.group(1))
                parent.remove(child)

    def rewrite(element: ET.Element, is_root: bool = False) -> None:
        children: list[ET.Element] = []
        for child in element:
            bare = set(child.attrib) <= {"id"} and child.get("id") not in referenced  # before defaults
            automatic = _AUTOMATIC_ID.match(child.get("id", ""))
            rewrite(child)
            if bare and automatic and child.tag == _G and not (child.text or "").strip():
                children.extend(child)
            elif bare and child.tag == _DEFS and len(child) == 0:
                continue  # the <defs> of the removed <style>
            else:
                children.append(child)
        element[:] = children
        kept = []
        for name, value in _declarations(element.attrib.pop("style", "")):
            if name in PRESENTATION:
                element.set(name, value)
            else:
                kept.append(f"{name}: {value}")
        if not is_root:
            for name, value in defaults:
                element.attrib.setdefault(name, value)
        if kept:  # last, as on a second pass: the function is idempotent
            element.set("style", "; ".join(kept))
        if _IDENTITY_ROTATION.match(element.get("transform", "")):
            del element.attrib["transform"]

    rewrite(root, is_root=True)
    # ElementTree's prefixes are global and other code (WeasyPrint's XMP writer) registers its own:
    # set ours at each call, or the output would depend on what ran before in the process
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + ET.tostring(root, encoding="unicode")
