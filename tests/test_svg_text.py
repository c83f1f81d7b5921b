"""The charts' SVG texts drawn as whole strings (impact_regions.svg_text) instead of letter by letter."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from impact_regions import svg_text

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="200pt" height="60pt" viewBox="0 0 200 60">
<text x="100" y="20" style="font-size: 10px; text-anchor: middle">Numérique 4,6</text>
<text x="10" y="45" dx="0 2 2" style="font-size: 10px">abc</text>
</svg>"""


def render(tmp_path) -> str:
    from weasyprint import HTML

    (tmp_path / "c.svg").write_text(SVG, encoding="utf-8")
    pdf = HTML(string=f'<img src="{(tmp_path / "c.svg").as_uri()}" alt="x">').write_pdf()
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


@pytest.mark.skipif(not svg_text.install(), reason="WeasyPrint version without the fast path")
def test_simple_texts_are_drawn_whole_and_per_letter_texts_fall_back(tmp_path, monkeypatch):
    # GIVEN an SVG with a plain text (one x, one y, anchored in the middle) and one with dx offsets
    calls = {"whole": 0, "original": 0}
    original = svg_text._ORIGINAL

    def counting_original(*args):
        calls["original"] += 1
        return original(*args)

    monkeypatch.setattr(svg_text, "_ORIGINAL", counting_original)
    real_simple = svg_text._simple

    def counting_simple(node):
        ok = real_simple(node)
        calls["whole"] += ok
        return ok

    monkeypatch.setattr(svg_text, "_simple", counting_simple)
    # WHEN WeasyPrint draws it
    text = render(tmp_path)
    # THEN the plain text went through the whole-string path, the dx text through WeasyPrint's own,
    # and both are in the PDF as text
    assert calls == {"whole": 1, "original": 1}
    assert "Numérique 4,6" in text
    assert "abc" in text.replace(" ", "")
