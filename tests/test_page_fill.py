"""Page balance (impact_regions.page_fill): a chart that does not fit is drawn smaller or the text
after it moves before it, no table row is left alone, and what cannot be fixed is reported.

Pages are A4 with 2 cm margins: a content area of 257 mm, about 971 CSS px. Blocks have fixed
heights (divs, paragraphs and SVG images sized in px), so the layouts are known by hand.
"""

from __future__ import annotations

from pathlib import Path

from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from impact_regions.page_fill import MAX_EMPTY, balance, page_report

FONT = Path(__file__).resolve().parents[1] / "templates" / "fonts" / "NotoSans-Regular.ttf"
CSS = f"""
@font-face {{ font-family: "Noto Sans"; src: url({FONT.as_uri()}); }}
@page {{ size: A4; margin: 2cm; }}
body {{ font-family: "Noto Sans"; font-size: 10pt; margin: 0; }}
figure, p, div {{ margin: 0; }}
figure {{ break-inside: avoid; }}
figure img {{ display: block; width: 600px; }}
tr {{ height: 100px; break-inside: avoid; }}
"""


TEXT_100 = '<span style="display: inline-block; height: 100px">texte</span>'  # a line 100 px tall


def _svg(directory: Path, height: int) -> str:
    name = f"chart-{height}.svg"
    (directory / name).write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="{height}" '
        f'viewBox="0 0 600 {height}"><rect width="600" height="{height}" '
        f'fill="#336699"/></svg>',
        encoding="utf-8",
    )
    return name


def _balanced(directory: Path, body: str):
    html = HTML(
        string=f"<html><head><style>{CSS}</style></head><body><section>{body}</section></body></html>",
        base_url=str(directory) + "/",
    )
    document, left = balance(lambda: html.render(), html)
    return html, document, left


def _tags_on_page(document, number: int) -> list[str]:
    page = document.pages[number - 1]._page_box
    section = page.children[0].children[0].children[0]
    return [
        c.element_tag + (f"#{c.element.get('id')}" if c.element.get("id") else "")
        for c in section.children
        if c.element is not None
    ]


def test_a_chart_slightly_too_tall_is_drawn_smaller_on_the_same_page(tmp_path):
    # GIVEN 700 px of text then a 300 px chart: 271 px are left on page 1
    _, document, left = _balanced(
        tmp_path, f'<div style="height: 700px"></div><figure><img src="{_svg(tmp_path, 300)}" alt="a"></figure>'
    )
    # WHEN balanced THEN the chart stays on page 1, at about 90 % of its size, and nothing is left
    assert len(document.pages) == 1 and left == []
    image = next(b for b in document.pages[0]._page_box.descendants() if isinstance(b, boxes.ReplacedBox))
    assert 0.85 < image.width / 600 < 0.95


def test_the_text_after_a_chart_that_cannot_shrink_enough_moves_before_it(tmp_path):
    # GIVEN 600 px of text, a 600 px chart (it would need 62 %) and two 100 px paragraphs after it
    html, document, left = _balanced(
        tmp_path,
        '<div style="height: 600px"></div>'
        f'<figure id="f"><img src="{_svg(tmp_path, 600)}" alt="a"></figure>'
        f'<p id="p1">{TEXT_100}</p><p id="p2">{TEXT_100}</p>',
    )
    # WHEN balanced THEN both paragraphs fill page 1 and the chart opens page 2, unscaled
    assert _tags_on_page(document, 1) == ["div", "p#p1", "p#p2"]
    assert _tags_on_page(document, 2) == ["figure#f"]
    assert page_report(document)[0].empty <= MAX_EMPTY and left == []


def test_no_table_row_is_left_alone_on_a_page(tmp_path):
    # GIVEN 120 px of text and a table of 9 rows of 100 px: 8 fit on page 1, the 9th would be alone
    rows = "".join(f'<tr id="r{i}"><td>{i}</td></tr>' for i in range(1, 10))
    _, document, _ = _balanced(tmp_path, f'<div style="height: 120px"></div><table><tbody>{rows}</tbody></table>')
    # WHEN balanced THEN the last two rows stand together on page 2
    page2 = [b.element.get("id") for b in document.pages[1]._page_box.descendants() if isinstance(b, boxes.TableRowBox)]
    assert page2 == ["r8", "r9"]


def test_what_cannot_be_fixed_is_reported(tmp_path):
    # GIVEN 500 px of text and a 900 px chart with nothing after it
    _, document, left = _balanced(
        tmp_path, f'<div style="height: 500px"></div><figure><img src="{_svg(tmp_path, 900)}" alt="a"></figure>'
    )
    # WHEN balanced THEN page 1 stays half empty and the log line says so
    assert len(document.pages) == 2
    assert left == [f"page 1 is {page_report(document)[0].empty:.0%} empty"]


def test_a_table_whose_first_row_would_close_a_page_moves_with_its_heading(tmp_path):
    # GIVEN 800 px of text, a heading and a table of 3 rows of 100 px: only the first row fits
    rows = "".join(f'<tr id="r{i}"><td>{i}</td></tr>' for i in range(1, 4))
    _, document, _ = _balanced(
        tmp_path,
        '<div style="height: 800px"></div><h2 id="h">Titre</h2>'
        f"<table><caption>Chiffres</caption><tbody>{rows}</tbody></table>",
    )
    # WHEN balanced THEN the heading, the caption and the three rows open page 2 together
    assert _tags_on_page(document, 1) == ["div"]
    assert _tags_on_page(document, 2)[:2] == ["h2#h", "table"]
    page2 = [b.element.get("id") for b in document.pages[1]._page_box.descendants() if isinstance(b, boxes.TableRowBox)]
    assert page2 == ["r1", "r2", "r3"]
