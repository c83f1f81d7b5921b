"""The download page reports/index.html (impact_regions.index_page, index_entries): its structure,
key figures, groups, links, escaping, determinism and the inlined map's links.

The rendered page is also opened in a real browser by tests/test_index_browser.py."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from impact_regions.index_entries import edition_date, french_date, index_entry, vintage_texts
from impact_regions.index_page import build_index, format_size, french_sort_key, inline_map, search_text

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
HEADER = {
    "indicators": "2017",
    "surveys": "2019",
    "edition": "4\u00a0décembre 2026",
    "code_version": "impact-regions 0.1.0 (git 0123456789)",
}


class _Collect(HTMLParser):
    """Collects tags and attributes, and checks that every non-void tag is closed."""

    VOID = {"meta", "link", "img", "br", "hr", "input", "source", "path", "use"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.text: list[str] = []
        self.decl = None

    def handle_decl(self, decl):
        self.decl = decl

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> in {self.stack}"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _context(name, code, kind, score, rank, profile, devoir, region_name=None):
    return {
        "territory": {"name": name, "code": code, "kind": kind, "region_name": region_name},
        "overall": {"score": score, "decimals": 2, "rank": rank, "n_domains": 16},
        "overall_rank_text": f"{rank}e sur 18",
        "survey_year": 2019,
        "profile": [{"domain_id": d, "label": d.capitalize(), "score": s} for d, s in profile],
        "devoir": devoir,
        "indicator_table": [{"domains": [{"indicators": [{"year": 2017}, {"year": 2015}]}]}],
    }


DEVOIR = {"estimate": 0.839, "france": 0.8196, "is_significant": False, "reliability": "fiable"}
ENTRIES = [
    index_entry(
        "paca",
        _context(
            "Provence-Alpes-Côte d’Azur",
            "93",
            "region",
            0.3256,
            7,
            [("securite", 2.004), ("numerique", 1.676), ("emploi", 0.04), ("culture", -0.5)],
            DEVOIR,
        ),
        {"pages": 8, "size_bytes": 1_234_567},
        {
            "csv": {"href": "donnees/paca.csv", "size_bytes": 12_345},
            "xlsx": {"href": "donnees/paca.xlsx", "size_bytes": 23_456},
        },
    ),
    index_entry(
        "ile-de-france",
        _context("Île-de-France", "11", "region", -0.5, 18, [("culture", -0.1)], {**DEVOIR, "is_significant": True}),
        {"pages": 8, "size_bytes": 845_300},
    ),
    index_entry(
        "bretagne",
        _context("Bretagne", "53", "region", -0.4, 16, [("emploi", 0.2)], DEVOIR),
        {"pages": 9, "size_bytes": 999},
    ),
    index_entry(
        "alsace",
        _context("Alsace", "ALSACE", "custom", 0.0463, 14, [("sante", 0.43)], DEVOIR),
        {"pages": 8, "size_bytes": 1_100_000},
    ),
    index_entry(
        "evil",
        _context("<script>alert(1)</script>", "X1", "custom", 0.1, 9, [], None),
        {"pages": 8, "size_bytes": 12_000_000},
    ),
]
SVG = (
    '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="500pt" '
    'height="300pt" viewBox="0 0 500 300">'
    '<a xlink:href="paca.pdf" target="_blank"><g id="region-93"><path d="M 0 0 L 1 1 z"/></g></a>'
    '<a xlink:href="paca.pdf" target="_blank"><text x="1" y="2">Provence-Alpes-</text></a>'
    '<a xlink:href="paca.pdf" target="_blank"><text x="1" y="9">Côte d’Azur</text></a>'
    '<a xlink:href="bretagne.pdf" target="_blank"><text x="5" y="5">Bretagne</text></a></svg>'
)
META = {"title": "Indice global de fragilité des régions", "alt": "Carte des régions…", "source": "Source : X."}


def _build(tmp_path, entries=ENTRIES, name="index.html", **kw):
    kw = {
        "header": HEADER,
        "demo": True,
        "map_svg": SVG,
        "map_meta": META,
        "annex": {"href": "methodologie.pdf", "pages": 12, "size_bytes": 400_000},
        "tables_zip": {"href": "donnees/impact-regions-tables.zip", "size_bytes": 2_345_678},
        **kw,
    }
    return build_index(entries, tmp_path / name, templates_dir=TEMPLATES, **kw)


def _parse(html):
    parser = _Collect()
    parser.feed(html)
    parser.close()
    assert parser.stack == []
    return parser


def test_page_has_title_vintages_edition_and_groups(tmp_path):
    # GIVEN three regions and two custom territories WHEN the page is built
    html = _build(tmp_path).read_text(encoding="utf-8")
    parser = _parse(html)
    text = re.sub(r"[ \n\t]+", " ", "".join(parser.text))
    # THEN it is a French HTML5 page with a title, the vintages, the edition date and code version
    assert parser.decl.lower() == "doctype html" and parser.tags[0] == ("html", {"lang": "fr"})
    assert "<h1>IMPACT-Régions — synthèses territoriales</h1>" in html
    for fact in (
        "Indicateurs",
        "2017",
        "Enquêtes",
        "2019",
        "Édition",
        "4\u00a0décembre 2026",
        "impact-regions 0.1.0 (git 0123456789)",
        "Données de démonstration",
    ):
        assert fact in text, fact
    # AND regions and custom territories are in separate headed sections, each in French order
    sections = [a["id"] for t, a in parser.tags if t == "section" and "groupe" in a.get("class", "")]
    assert sections == ["regions", "territoires"]
    rows = [a["data-slug"] for t, a in parser.tags if t == "tr" and a.get("class") == "territoire"]
    assert rows == ["bretagne", "ile-de-france", "paca", "alsace", "evil"]
    assert (
        html.index('id="regions"')
        < html.index('data-slug="bretagne"')
        < html.index('id="territoires"')
        < html.index('data-slug="alsace"')
    )
    # AND the page range of the PDFs is said in the introduction
    assert "une synthèse de 8 à 9 pages" in text


def test_rows_show_key_figures_and_files(tmp_path):
    html = _build(tmp_path).read_text(encoding="utf-8")
    row = html[html.index('data-slug="paca"') :].split("</tr>")[0]
    # THEN the overall index and rank, the domains above France, the devoir d'alliance are shown
    assert "+0,33 · 7e sur 18" in row
    assert "Securite (+2,0), Numerique (+1,7)" in row
    assert "Emploi (+0,0)" not in row and "Culture" not in row  # rounds to zero / below France
    assert "84\u00a0% (France\u00a0: 82\u00a0%)" in row
    # AND the links say what they give
    assert ">PDF, 8 pages, 1,2\u00a0Mo</a>" in row
    assert 'href="donnees/paca.csv"' in row and ">CSV, 12\u00a0ko</a>" in row
    assert 'href="donnees/paca.xlsx"' in row and ">Excel, 23\u00a0ko</a>" in row
    # AND a significant difference is said; a territory with no domain above France says so
    idf = html[html.index('data-slug="ile-de-france"') :].split("</tr>")[0]
    assert "écart net" in idf and "aucun domaine au-dessus de la France" in idf
    evil = html[html.index('data-slug="evil"') :].split("</tr>")[0]
    assert "non diffusé" in evil
    # AND the archive and the annex are linked with their sizes
    assert 'href="donnees/impact-regions-tables.zip"' in html and "(ZIP, 2,3\u00a0Mo)" in html
    assert "Annexe méthodologique (PDF, 12 pages, 400\u00a0ko)" in html


def test_text_is_escaped_and_every_link_relative(tmp_path):
    html = _build(tmp_path).read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    parser = _parse(html)
    for _, attrs in parser.tags:
        for key in ("href", "src"):
            if attrs.get(key) is not None:
                assert not re.match(r"^[a-z]+:|^/|\.\.", attrs[key]), attrs[key]
    assert str(tmp_path) not in html
    # AND only one inline script, allowed by its hash in the Content-Security-Policy
    assert len(re.findall(r"<script\b", html)) == 1
    assert "script-src 'sha256-" in html and "default-src 'none'" in html


def test_map_is_inlined_with_one_named_link_per_region(tmp_path):
    html = _build(tmp_path).read_text(encoding="utf-8")
    figure = html[html.index('<figure id="carte"') : html.index("</figure>")]
    assert "<svg" in figure and "xlink:href" not in figure and 'target="_blank"' not in figure
    assert "Provence-Alpes-" in figure and "Côte d’Azur" in figure and "Bretagne" in figure
    links = re.findall(r"<a ([^>]*)>", figure)
    named = [a for a in links if "aria-label" in a]
    assert len(named) == 2  # one per region: its first label line
    assert 'aria-label="Synthèse Provence-Alpes-Côte d’Azur (PDF)"' in figure
    assert all('tabindex="-1"' in a and 'aria-hidden="true"' in a for a in links if a not in named)
    assert "width=" not in re.search(r"<svg[^>]*>", figure).group(0)  # scaled by the page's CSS


def test_page_is_deterministic_and_optional_parts_go(tmp_path):
    a = _build(tmp_path, name="a.html")
    b = _build(tmp_path, entries=list(reversed(ENTRIES)), name="b.html")
    assert a.read_bytes() == b.read_bytes()
    c = _build(tmp_path, entries=ENTRIES[:1], name="c.html", demo=False, map_svg=None, tables_zip=None, annex=None)
    text = c.read_text(encoding="utf-8")
    assert "démonstration" not in text and "<svg" not in text and ".zip" not in text
    assert 'id="territoires"' not in text  # no empty group


def test_departements_are_grouped_under_their_region(tmp_path):
    deps = [
        index_entry(
            s, _context(n, c, "departement", 0.1, 3, [], DEVOIR, region_name=r), {"pages": 8, "size_bytes": 1000}
        )
        for s, n, c, r in [
            ("13-bouches-du-rhone", "Bouches-du-Rhône", "13", "Provence-Alpes-Côte d’Azur"),
            ("29-finistere", "Finistère", "29", "Bretagne"),
            ("04-alpes-de-haute-provence", "Alpes-de-Haute-Provence", "04", "Provence-Alpes-Côte d’Azur"),
        ]
    ]
    html = _build(tmp_path, entries=ENTRIES[:1] + deps).read_text(encoding="utf-8")
    section = html[html.index('id="departements"') :]
    assert (
        section.index("Bretagne")
        < section.index("Finistère")
        < section.index("Provence-Alpes-Côte d’Azur")
        < section.index("Alpes-de-Haute-Provence")
        < section.index("Bouches-du-Rhône")
    )


def test_departement_reports_link_into_their_folder(tmp_path):
    # GIVEN a département's report under reports/departements/ (config territories.departements)
    dep = index_entry(
        "departements/2A-corse-du-sud",
        _context("Corse-du-Sud", "DEP-2A", "departement", 0.1, 3, [], DEVOIR, region_name="Corse"),
        {"pages": 8, "size_bytes": 1000},
    )
    # WHEN the page is built THEN its row links to departements/<file>.pdf and shows the COG code
    html = _build(tmp_path, entries=ENTRIES[:1] + [dep]).read_text(encoding="utf-8")
    assert 'href="departements/2A-corse-du-sud.pdf"' in html
    assert "code 2A<" in html and "DEP-2A" not in html
    # AND other folders, or a département folder with a path inside it, are still refused
    for bad in ("departements/../x", "departements/a/b", "regions/x", "departements/"):
        with pytest.raises(ValueError):
            _build(tmp_path, entries=[{**dep, "slug": bad}], name="j.html")


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/b", "https://x", "", "a b"])
def test_unsafe_names_are_refused_and_nothing_written(tmp_path, bad):
    with pytest.raises(ValueError):
        _build(tmp_path, entries=[{**ENTRIES[0], "slug": bad}], name="i.html")
    with pytest.raises(ValueError):
        _build(tmp_path, name="i.html", map_svg=SVG.replace("bretagne.pdf", bad or "x y"))
    assert not (tmp_path / "i.html").exists()


def test_duplicate_slugs_and_unknown_kinds_are_refused(tmp_path):
    with pytest.raises(ValueError, match="duplicate"):
        _build(tmp_path, entries=ENTRIES[:1] * 2)
    with pytest.raises(ValueError, match="kind"):
        _build(tmp_path, entries=[{**ENTRIES[0], "kind": "pays"}])


def test_inline_map_keeps_links_out_of_a_hostile_svg():
    with pytest.raises(ValueError):
        inline_map(SVG.replace("paca.pdf", "javascript:alert(1)"), {})


def test_vintages_edition_date_and_french_helpers():
    # GIVEN contexts with indicators of 2015 and 2017 and a survey of 2019
    v = vintage_texts([ENTRIES and _context("A", "1", "region", 0, 1, [], DEVOIR)])
    assert v["indicators"] == "2015 et 2017" and v["surveys"] == "2019"
    # THEN the edition date is the newest of the data's and the code's dates, never the clock
    data = [date(2017, 12, 31), date(2019, 12, 31), date(2025, 1, 1)]
    assert edition_date(data, "2026-12-04") == date(2026, 12, 4)
    assert edition_date(data, None) == date(2025, 1, 1)
    assert edition_date(data, "2020-03-01") == date(2025, 1, 1)
    assert french_date(date(2025, 1, 1)) == "1er\u00a0janvier 2025"
    assert french_date(date(2026, 12, 4)) == "4\u00a0décembre 2026"
    assert search_text("Provence-Alpes-Côte d’Azur") == "provence alpes cote d azur"
    names = [
        "Occitanie",
        "Île-de-France",
        "Hauts-de-France",
        "Bretagne",
        "Normandie",
        "Auvergne-Rhône-Alpes",
        "Éa",
        "Ea",
    ]
    assert sorted(names, key=french_sort_key) == [
        "Auvergne-Rhône-Alpes",
        "Bretagne",
        "Ea",
        "Éa",
        "Hauts-de-France",
        "Île-de-France",
        "Normandie",
        "Occitanie",
    ]
    assert format_size(1) == "1\u00a0octet"
    assert format_size(1_500) == "2\u00a0ko"
    assert format_size(2_345_678) == "2,3\u00a0Mo"
