"""The charts' SVG rewritten for WeasyPrint (impact_regions.svg_tidy): fewer nodes, same drawing."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from impact_regions.svg_tidy import SVG_NS, tidy_svg

NS = {"s": SVG_NS}

# a chart as matplotlib writes it, cut down: the `*` rule, id-only groups, style attributes, a
# clip path referenced by url(#...), a marker referenced by href, identity and real rotations
MATPLOTLIB_LIKE = """<?xml version="1.0" encoding="utf-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="100pt" height="50pt" viewBox="0 0 100 50"
     xmlns="http://www.w3.org/2000/svg" version="1.1">
 <metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
 <defs>
  <style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style>
 </defs>
 <g id="figure_1">
  <g id="axes_1">
   <g id="line2d_1">
    <path d="M 0 0 L 10 10" clip-path="url(#p1)" style="fill: none; stroke: #dfe4ea; stroke-linecap: square"/>
   </g>
   <g id="estimate-3-caution">
    <defs><path id="m1" d="M 0 0 L 0 2.5" style="stroke: #5b6573"/></defs>
    <use xlink:href="#m1" x="5" y="5" style="fill: #5b6573; mix-blend-mode: multiply"/>
   </g>
   <g id="text_1">
    <text x="5" y="20" transform="rotate(-0 5 20)" style="font-size: 7.5px; text-anchor: middle">−1</text>
    <text x="5" y="40" transform="rotate(-90 5 40)" style="font-size: 8px">Rang</text>
   </g>
   <g id="styled" style="stroke: #000000">
    <path d="M 1 1 L 2 2"/>
   </g>
  </g>
 </g>
 <defs><clipPath id="p1"><rect x="0" y="0" width="50" height="50"/></clipPath></defs>
</svg>
"""


def _tags(svg: str) -> list[str]:
    return [el.tag.split("}")[1] for el in ET.fromstring(svg).iter()]


def test_id_only_groups_are_flattened_and_styles_become_attributes():
    # GIVEN an SVG written by matplotlib
    # WHEN it is tidied
    out = tidy_svg(MATPLOTLIB_LIKE)
    root = ET.fromstring(out)
    # THEN no group with only an id made up by matplotlib is left; a group named by the charts
    # (gid) and a group with a style keep their place
    groups = root.findall(".//s:g", NS)
    assert [g.get("id") for g in groups] == ["estimate-3-caution", "styled"]
    assert groups[1].get("stroke") == "#000000" and groups[1].get("style") is None
    # AND the presentation properties are attributes; a CSS-only property stays in `style`
    line = root.find(".//s:path[@clip-path]", NS)
    assert (line.get("fill"), line.get("stroke"), line.get("stroke-linecap")) == ("none", "#dfe4ea", "square")
    use = root.find(".//s:use", NS)
    assert use.get("fill") == "#5b6573" and use.get("style") == "mix-blend-mode: multiply"
    # AND the metadata and the <style> element (and the <defs> that only held it) are gone
    assert "metadata" not in _tags(out) and "style" not in _tags(out)
    assert all(len(defs) for defs in root.iter(f"{{{SVG_NS}}}defs"))  # no empty <defs> left
    # AND references still resolve: the clip path and the marker keep their ids
    assert root.find(".//s:clipPath", NS).get("id") == "p1"
    assert root.find(".//s:defs/s:path", NS).get("id") == "m1"


def test_the_universal_rule_is_spread_without_overriding_an_element_own_value():
    # GIVEN `*{stroke-linejoin: round; stroke-linecap: butt}` and a path with its own linecap
    out = ET.fromstring(tidy_svg(MATPLOTLIB_LIKE))
    # THEN every element below the root has the rule's values unless it set its own
    line = out.find(".//s:path[@clip-path]", NS)
    assert (line.get("stroke-linejoin"), line.get("stroke-linecap")) == ("round", "square")
    inner = out.find(".//s:g[@id='styled']/s:path", NS)
    assert (inner.get("stroke-linejoin"), inner.get("stroke-linecap")) == ("round", "butt")
    # (an element's attribute wins over what its group would pass down, as the rule did)
    assert out.get("stroke-linecap") is None  # not on the root: it would be inherited


def test_identity_rotations_go_and_real_rotations_stay():
    out = ET.fromstring(tidy_svg(MATPLOTLIB_LIKE))
    texts = out.findall(".//s:text", NS)
    assert texts[0].get("transform") is None and texts[0].text == "−1"
    assert texts[1].get("transform") == "rotate(-90 5 40)"


def test_an_unknown_stylesheet_is_kept_and_not_spread():
    # GIVEN a <style> with a rule other than the lone `*` rule
    svg = MATPLOTLIB_LIKE.replace("*{stroke-linejoin: round; stroke-linecap: butt}", "path{stroke: red}")
    out = ET.fromstring(tidy_svg(svg))
    # THEN it stays, and nothing is added to the elements
    assert out.find(".//s:style", NS).text == "path{stroke: red}"
    assert out.find(".//s:g[@id='styled']/s:path", NS).get("stroke-linecap") is None


def test_tidying_is_deterministic_and_idempotent():
    once = tidy_svg(MATPLOTLIB_LIKE)
    assert tidy_svg(MATPLOTLIB_LIKE) == once
    assert tidy_svg(once) == once


def _drawing_operators(pdf: bytes) -> list[str]:
    """The uncompressed PDF's lines without what the tidying may change and the picture does not
    depend on: save/restore pairs of the removed groups (q/Q), identity matrices (rotate(-0)),
    stream lengths, cross-reference offsets and the content-derived half of the /ID."""
    text = re.sub(rb"<</Length \d+>>", b"", pdf).decode("latin-1")
    lines = text.splitlines()
    start = lines.index("startxref")
    return [
        line
        for line in lines[:start]
        if line.strip() not in ("q", "Q", "1 0 0 1 0 0 cm")
        and not line.startswith("/ID [")
        and not re.fullmatch(r"\d{10} \d{5} [nf] ?", line)
    ]


def test_a_real_chart_draws_the_same_operators_once_tidied(tmp_path):
    # GIVEN a chart drawn by the project's matplotlib set-up (text as text, fonts shipped)
    from weasyprint import HTML

    from impact_regions import charts, render  # noqa: F401 (render installs the fast SVG text)

    charts.setup_matplotlib()
    fig = charts.Figure(figsize=(3, 2))
    charts._Canvas(fig)
    ax = fig.add_subplot()
    ax.barh(["Emploi", "Numérique"], [0.8, -1.2], color=["#0072b2", "#e69f00"])
    ax.set_xlabel("Écart à la moyenne nationale (en écarts-types)")
    ax.grid(axis="x")
    ax.plot([-1, 0.5, 0.8], [0, 1, 0], color="#009e73", linewidth=2)  # a polyline: its joins are drawn
    original = tmp_path / "original.svg"
    fig.savefig(original, format="svg", metadata=charts.SVG_METADATA)
    tidied = tmp_path / "tidied.svg"
    tidied.write_text(tidy_svg(original.read_text(encoding="utf-8")), encoding="utf-8")
    # WHEN WeasyPrint draws each version
    pdfs = [
        HTML(string=f'<img src="{p.as_uri()}" alt="x">').write_pdf(pdf_identifier=b"0" * 32, uncompressed_pdf=True)
        for p in (original, tidied)
    ]
    # THEN the PDF drawing operators are the same; the tidied file has far fewer elements
    assert _drawing_operators(pdfs[0]) == _drawing_operators(pdfs[1])
    assert len(_tags(tidied.read_text(encoding="utf-8"))) < 0.75 * len(_tags(original.read_text(encoding="utf-8")))


def test_the_output_does_not_depend_on_prefixes_registered_by_other_code():
    # GIVEN a tidied chart, then other code in the process registering its own prefix for the
    # SVG namespace (WeasyPrint's XMP writer registers its prefixes globally)
    before = tidy_svg(MATPLOTLIB_LIKE)
    ET.register_namespace("svgx", SVG_NS)
    # WHEN the chart is tidied again
    after = tidy_svg(MATPLOTLIB_LIKE)
    # THEN the bytes are the same, with SVG as the default namespace
    assert after == before and "<svg xmlns=" in after
