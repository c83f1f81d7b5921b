"""Issue 10, syntheses handed to elected officials unchanged: one decimals rule for the indices,
the typographic apostrophe in charts and pages, charts that are mostly suppressed said in one
sentence, the territory named with its article, one list of the inhabitants' priorities, the
France comparison of every key figure, coherent groups of domains. Small inline data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from impact_regions import french as fr

ROOT = Path(__file__).resolve().parent.parent
CONTEXTS = ROOT / "tests" / "data" / "contexts"
FONTS = ROOT / "templates" / "fonts"
GEO = ROOT / "data" / "raw" / "geo"


def load(name: str) -> dict:
    return json.loads((CONTEXTS / f"{name}.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------
# 1. One decimals rule for the overall index
# ------------------------------------------------------------------------------------------


def test_decimals_tell_every_two_different_values_apart():
    # GIVEN indices that print alike at one decimal (+1,4 and +1,4) and at two (+0,08 and +0,08)
    demo = [1.499956, 1.438417, 1.360674, 0.082773, 0.075585, -0.507669]
    # WHEN the decimals of the whole set are chosen
    d = fr.decimals_apart(demo)
    # THEN they are the fewest at which no two different values print the same
    assert d == 3
    printed = [fr.number(v, d, signed=True) for v in demo]
    assert len(set(printed)) == len(printed)
    # AND +1,4 and +1,4 get a second decimal; a real tie (equal values) needs nothing more
    assert fr.decimals_apart([1.42, 1.44, 0.2, 0.2]) == 2 and fr.decimals_apart([1.5, 0.2, 0.2]) == 1
    # AND missing values are ignored; the most is three decimals
    assert fr.decimals_apart([None, 0.1, float("nan")]) == 1
    assert fr.decimals_apart([0.10001, 0.10002]) == 3


def _fi(scores: dict[str, float], domain: str = "ensemble") -> list[dict]:
    ranked = sorted(scores, key=lambda c: -scores[c])
    return [
        {
            "territory_code": c,
            "domain_id": domain,
            "score": s,
            "rank_among_regions": ranked.index(c) + 1,
            "rank_median": ranked.index(c) + 1,
            "rank_p05": ranked.index(c) + 1,
            "rank_p95": ranked.index(c) + 1,
            "n_indicators": 2,
        }
        for c, s in scores.items()
    ]


def test_every_region_prints_its_index_with_the_decimals_of_all_regions():
    from impact_regions.report_profile import profile_section

    # GIVEN three regions, two of which print +0,08 at two decimals, the third far from both
    scores = {"27": 0.082773, "24": 0.075585, "93": 1.2}
    tables = {
        "fragility_indices": _fi(scores) + _fi(scores, "emploi"),
        "territories": [{"territory_code": c, "kind": "region"} for c in scores],
        "indicator_values": [],
    }
    catalogue = {
        "domains": [{"id": "emploi", "label": "Emploi", "phrase": "l'emploi", "family": "économique"}],
        "indicators": [],
    }
    printed = {}
    for code in scores:
        territory = {
            "code": code,
            "kind": "region",
            "departements": [],
            "locative": "dans la région",
            "genitive": "de la région",
            "nominative": "la région",
        }
        # WHEN each region's profile is built
        ctx = profile_section(territory, tables, [], catalogue)
        printed[code] = fr.number(ctx["overall"]["score"], ctx["overall"]["decimals"], signed=True)
        # THEN the sentence of its box prints that figure
        assert f"Indice global de fragilité : {printed[code]} " in ctx["overall_sentence"]
        # AND its domains carry their own decimals, those of every region for that domain
        assert ctx["profile"][0]["decimals"] == 3
    # AND the three print with three decimals, the far one too (one rule for all)
    assert printed == {"27": "+0,083", "24": "+0,076", "93": "+1,200"}


def test_index_map_prints_the_reports_decimals(tmp_path):
    pytest.importorskip("matplotlib")
    if not (GEO / "regions.geojson").exists():
        pytest.skip("reference geometry not in data/raw/geo/")
    from impact_regions import charts

    charts.setup_matplotlib(FONTS)
    # GIVEN regions whose indices print alike at one and two decimals
    regions = json.loads((GEO / "regions.geojson").read_text(encoding="utf-8"))
    codes = [f["properties"]["code"] for f in regions["features"]]
    scores = {c: (i - 9) / 7 for i, c in enumerate(codes)}
    scores[codes[0]], scores[codes[1]] = 0.082773, 0.075585
    # WHEN the map of the regions is drawn
    r = charts.chart_regions_map(scores, tmp_path / "regions.svg", GEO)
    svg = (tmp_path / "regions.svg").read_text(encoding="utf-8")
    # THEN both print differently, with the decimals of every region (three)
    assert "+0,083" in svg and "+0,076" in svg
    assert all(len(v.split(",")[1]) == 3 for v in re.findall(r"[+\u2212]?\d+,\d+", r["alt"]))


# ------------------------------------------------------------------------------------------
# 2. Typographic apostrophes in the HTML of every page, at render time
# ------------------------------------------------------------------------------------------


def test_render_html_writes_typographic_apostrophes(tmp_path):
    from impact_regions.templating import render_html

    # GIVEN a template with straight apostrophes in its text, in a value (autoescaped: &#39;), in an
    # attribute, in code and in a style sheet
    (tmp_path / "t.html.j2").write_text(
        "<style>p{font-family:'Noto Sans'}</style><p class='x'>l'annexe, {{ intro }} <code>a'b</code></p>\n",
        encoding="utf-8",
    )
    # WHEN it is rendered
    out = render_html(tmp_path, "t.html.j2", {"intro": "Collectivité européenne d'Alsace"}, tmp_path / "t.html")
    html = out.read_text(encoding="utf-8")
    # THEN the text has ’, the markup, the code and the style sheet are unchanged
    assert "l\u2019annexe" in html and "européenne d\u2019Alsace" in html
    assert "class='x'" in html and "<code>a'b</code>" in html and "'Noto Sans'" in html


def test_chart_text_has_typographic_apostrophes(tmp_path):
    pytest.importorskip("matplotlib")
    if not (GEO / "departements.geojson").exists():
        pytest.skip("reference geometry not in data/raw/geo/")
    from impact_regions import charts

    charts.setup_matplotlib(FONTS)
    # GIVEN the charts of PACA (titles, axis labels and notes written with ')
    ctx = load("paca")
    results = charts.make_all_charts(ctx, tmp_path, FONTS, GEO)
    for r in results:
        # THEN no text of the SVG, nor the title, alt text or source, has a straight apostrophe
        assert "'" not in r["title"] + r["alt"] + r["source"], r["key"]
        if r["file"]:
            svg = (tmp_path / r["file"]).read_text(encoding="utf-8")
            text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
            assert "'" not in text and "&#39;" not in text and "&apos;" not in text, r["key"]


# ------------------------------------------------------------------------------------------
# 3. Mostly suppressed charts become a sentence
# ------------------------------------------------------------------------------------------


@pytest.fixture
def survey_charts(tmp_path):
    pytest.importorskip("matplotlib")
    if not (GEO / "departements.geojson").exists():
        pytest.skip("reference geometry not in data/raw/geo/")
    from impact_regions import charts

    charts.setup_matplotlib(FONTS)
    return charts


def test_innovation_chart_with_one_group_gives_way_to_a_sentence(survey_charts, tmp_path):
    # GIVEN the inhabitants' share published, the organisations' suppressed (an overseas region)
    ctx = load("paca")
    ctx["territory"]["locative"] = "en Guadeloupe"
    for i in ctx["innovation"]:
        if i["group"] != "habitants":
            i["estimate"] = None
            i["reliability"] = "non_publie"
    # WHEN the innovation chart is made
    r = survey_charts.chart_innovation(ctx, tmp_path / "innovation.svg")
    # THEN one sentence replaces it: the groups not published, France's figures, the inhabitants said above
    assert r["is_omitted"] and r["file"] is None
    s = r["sentence"]
    assert "d\u2019associations, d\u2019entreprises et de maires interrogés en Guadeloupe" in s
    assert "celle des habitants est donnée plus haut" in s and "en France, elle est de" in s
    assert "chez les habitants" not in s
    # AND with two groups published the chart is drawn
    ctx["innovation"][1]["estimate"] = 0.8
    assert not survey_charts.chart_innovation(ctx, tmp_path / "innovation2.svg")["is_omitted"]


def test_groups_chart_without_comparable_organisations_gives_way_to_a_sentence(survey_charts, tmp_path):
    # GIVEN organisations with a few notes published, too few to compare their priorities
    ctx = load("paca")
    ctx["groups_comparable"] = ["habitants"]
    # WHEN the groups chart is made
    r = survey_charts.chart_groups(ctx, tmp_path / "groups.svg")
    # THEN one sentence replaces its grid of « n.p. »
    assert r["is_omitted"] and "la plupart de leurs notes" in r["sentence"]
    assert "comparées à celles des habitants" in r["sentence"]
    # AND with comparable organisations the chart is drawn
    ctx["groups_comparable"] = ["habitants", "associations"]
    assert not survey_charts.chart_groups(ctx, tmp_path / "groups2.svg")["is_omitted"]


# ------------------------------------------------------------------------------------------
# 4 and 6. Articles, names, and the basis of a partial index
# ------------------------------------------------------------------------------------------


def _single_ctx(nominative: str, name: str, n_domains: int = 16) -> dict:
    return {
        "territory": {"name": name, "nominative": nominative, "kind": "region", "locative": "en Guadeloupe"},
        "method": {"normalisation": "zscore"},
        "overall": {
            "score": 1.360674,
            "decimals": 3,
            "n_domains": n_domains,
            "partial": "" if n_domains == 16 else f"calculé sur {n_domains} domaines",
        },
        "profile": [{}] * 16,
    }


def test_single_departement_sentence_has_the_article_and_the_reports_figure():
    pytest.importorskip("matplotlib")
    from impact_regions.charts import omit

    # GIVEN la Guadeloupe, a region of one département
    ctx = _single_ctx("la Guadeloupe", "Guadeloupe")
    # WHEN the sentence replacing its map is written
    s = omit.single_departement(ctx, {"name": "Guadeloupe", "code": "971", "score": 1.36})
    # THEN it names the region with its article and prints the index as the report does
    assert s.startswith("La Guadeloupe forme un seul département (971)")
    assert "est de +1,361 (0 correspond" in s
    # AND a territory where a domain is not measured says so
    s = omit.single_departement(_single_ctx("Mayotte", "Mayotte", 15), {"name": "Mayotte", "code": "976"})
    assert s.startswith("Mayotte forme") and "(calculé sur 15 domaines ; 0 correspond" in s


def test_key_messages_name_the_region_and_the_basis_of_a_partial_index():
    from impact_regions.report_essentiel import fragility_message, perception_message, practices_message

    # GIVEN Mayotte: 15 domains measured, too few inhabitants and organisations surveyed
    ctx = {
        "territory": {"kind": "region", "nominative": "Mayotte", "locative": "à Mayotte"},
        "overall": {
            "score": 1.438417,
            "decimals": 3,
            "rank_words": "Mayotte est la 2e région la plus fragile sur 18.",
            "partial": "calculé sur 15 domaines",
        },
        "profile": [{"phrase": "la sécurité", "score": 1.5, "decimals": 2}],
        "perceived": [{"phrase": "l'emploi", "estimate": None, "position": 0}],
        "gaps": [],
        "partnership": [{"estimate": None}],
        "engagement": {"estimate": None},
    }
    # WHEN the key messages are written
    # THEN the index carries its basis and the figure of every other place
    assert "est de +1,438 (0 = France ; calculé sur 15 domaines)" in fragility_message(ctx)["text"]
    assert "la sécurité (+1,50)" in fragility_message(ctx)["text"]
    # AND « too few surveyed » names the region, not « le territoire »
    assert "interrogés à Mayotte" in perception_message(ctx)["text"]
    assert "interrogées à Mayotte" in practices_message(ctx)["text"]


def test_innovation_key_figure_is_compared_with_france():
    from impact_regions.report_essentiel import alliances_message

    # GIVEN the devoir d'alliances and the innovation shares, one of them significantly above France
    ctx = {
        "devoir": {"estimate": 0.87, "france": 0.82, "is_significant": True, "diff": 0.05},
        "innovation": [
            {"group": "habitants", "estimate": 0.76, "france": 0.74, "is_significant": False, "diff": 0.02},
            {"group": "maires", "estimate": 0.89, "france": 0.85, "is_significant": True, "diff": 0.04},
        ],
    }
    # WHEN the key message is written
    text = alliances_message(ctx)["text"]
    # THEN the innovation figures have France's beside them and say which difference is net
    assert (
        "76\u00a0% des habitants et 89\u00a0% des maires (74\u00a0% et 85\u00a0% en France ; écart net pour "
        "les maires)" in text
    )
    # AND a single published group reads like the other key figures
    ctx["innovation"] = ctx["innovation"][:1]
    assert (
        "76\u00a0% des habitants (74\u00a0% en France : un écart trop faible pour être certain)"
        in alliances_message(ctx)["text"]
    )


# ------------------------------------------------------------------------------------------
# 5. One list of the inhabitants' priorities
# ------------------------------------------------------------------------------------------


def _perceived(values: list[tuple[str, float]]) -> list[dict]:
    items = [
        {
            "domain_id": p,
            "phrase": p,
            "label": p,
            "estimate": v,
            "france": 6.5,
            "is_significant": False,
            "diff": None,
            "reliability": "fiable",
            "position": i,
        }
        for i, (p, v) in enumerate(values)
    ]
    return sorted(items, key=lambda p: -p["estimate"])


@pytest.mark.parametrize(
    "values, expected, more",
    [
        # Bretagne: three domains print 6,1, the catalogue's order, none dropped
        (
            [("l'emploi", 6.08), ("le niveau de vie", 6.06), ("la transition énergétique", 6.11), ("la santé", 5.2)],
            "l'emploi, le niveau de vie et la transition énergétique (6,1/10)",
            "",
        ),
        # Corse: a domain tied with the second is kept
        (
            [("la santé", 6.6), ("l'emploi", 6.2), ("la mobilité", 6.24), ("le logement", 5.0), ("la culture", 4.0)],
            "la santé (6,6/10), l'emploi et la mobilité (6,2/10)",
            "",
        ),
        # Alsace: L'essentiel names the first two, the section goes on to a third (and those tied with it)
        (
            [
                ("l'emploi", 6.2),
                ("le niveau de vie", 6.2),
                ("la mobilité", 5.9),
                ("la culture", 5.9),
                ("la santé", 5.0),
            ],
            "l'emploi et le niveau de vie (6,2/10)",
            ", puis la mobilité et la culture (5,9/10)",
        ),
    ],
)
def test_essentiel_and_section_name_the_same_priorities(values, expected, more):
    from impact_regions.report_essentiel import perception_message
    from impact_regions.report_perception import priorities_sentence

    # GIVEN the inhabitants' perceived fragility with ties at the printed value
    perceived = _perceived(values)
    # WHEN the perception section and L'essentiel are written
    section, _ = priorities_sentence("en Bretagne", perceived)
    essentiel = perception_message(
        {"territory": {"kind": "region", "locative": "en Bretagne"}, "perceived": perceived, "gaps": []}
    )["text"]
    # THEN both name the same domains, in the same order, with the same figures (L'essentiel's list
    # the head of the section's, ties whole)
    assert f"les priorités des habitants sont {expected}{more}." in section
    assert f"Les habitants placent en tête {expected}." in essentiel


# ------------------------------------------------------------------------------------------
# 7. Economic domains named together
# ------------------------------------------------------------------------------------------


def test_profile_sentence_names_the_economic_domains_together():
    from impact_regions.report_profile import profile_sentence

    # GIVEN PACA: two economic domains, then a social one, then employment (economic too)
    def dom(label, phrase, family, score):
        return {"label": label, "phrase": phrase, "family": family, "score": score}

    domains = [
        dom("Sécurité", "la sécurité", "sociétal", 2.0),
        dom("Numérique", "le numérique", "sociétal", 1.7),
        dom("Niveau de vie", "le niveau de vie", "économique", 0.8),
        dom("Développement économique", "le développement économique", "économique", 0.7),
        dom("Handicap", "le handicap", "social", 0.5),
        dom("Emploi", "l'emploi", "économique", 0.3),
    ]
    # WHEN the profile sentence is written
    text = profile_sentence("en Provence-Alpes-Côte d'Azur", domains)
    # THEN employment is named with the other economic questions, not apart
    assert (
        "puis les questions économiques (niveau de vie, développement économique et emploi) et le handicap." in text
    ), text
