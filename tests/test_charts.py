"""The charts of a synthesis: written, valid SVG with real text, French numbers, deterministic.

The contexts in `tests/data/contexts/` are report contexts built by
`impact_regions.report_context.build_context` on the demonstration data (regenerate them when
the context changes): PACA (a region), Alsace (a custom territory of two départements, survey
estimates of organisations flagged 'prudence' and partnership modes suppressed) and Mayotte (one
overseas département, organisations suppressed everywhere, a missing domain index).
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from impact_regions import charts, french
from impact_regions.charts import perception

ROOT = Path(__file__).resolve().parent.parent
CONTEXTS = ROOT / "tests" / "data" / "contexts"
FONTS = ROOT / "templates" / "fonts"
GEO = ROOT / "data" / "raw" / "geo"
SVG_NS = "{http://www.w3.org/2000/svg}"
TERRITORIES = ["paca", "alsace", "mayotte"]
KEYS = ["profile", "map", "perceived", "quadrant", "groups", "innovation", "cooperation", "partnership", "modes"]

pytestmark = pytest.mark.skipif(
    not (GEO / "departements.geojson").exists(), reason="reference geometry not in data/raw/geo/"
)


def load(name: str) -> dict:
    return json.loads((CONTEXTS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    """Every chart of the three territories, drawn once: {name: (ctx, [chart dicts], out_dir)}."""
    out = {}
    for name in TERRITORIES:
        ctx = load(name)
        d = tmp_path_factory.mktemp(name)
        out[name] = (ctx, charts.make_all_charts(ctx, d, FONTS, GEO), d)
    return out


def svg_root(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def texts(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG_NS}text"))


def group(root: ET.Element, prefix: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG_NS}g") if (g.get("id") or "").startswith(prefix)]


def tick_labels(root: ET.Element) -> list[str]:
    """Text of the tick labels of every axis (matplotlib groups them as xtick_N / ytick_N)."""
    return [
        "".join(t.itertext())
        for g in root.iter(f"{SVG_NS}g")
        if re.fullmatch(r"[xy]tick_\d+", g.get("id") or "")
        for t in g.iter(f"{SVG_NS}text")
    ]


def drawn(results: list[dict]) -> list[dict]:
    """The charts drawn (not given way to a sentence)."""
    return [r for r in results if not r["is_omitted"]]


def chart(rendered, name: str, key: str) -> tuple[dict, dict, Path]:
    ctx, results, d = rendered[name]
    r = next(r for r in results if r["key"] == key)
    return ctx, r, d / (r["file"] or f"{key}.svg")


# ------------------------------------------------------------------------------------------
# Files, SVG, text
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TERRITORIES)
def test_every_chart_is_written_in_spec_order(rendered, name):
    # GIVEN the charts of a territory
    ctx, results, d = rendered[name]
    # THEN there is one per chart of REPORT_SPEC, in its order, each an existing SVG file or a sentence
    assert [r["key"] for r in results] == KEYS
    for r in results:
        assert r["title"] and r["source"] and r["alt"]
        if r["is_omitted"]:
            assert r["file"] is None and r["sentence"] and r["alt"] == r["sentence"] and not r["has_data"]
        else:
            assert (d / r["file"]).is_file() and r["file"].endswith(".svg") and r["sentence"] is None


@pytest.mark.parametrize("name", TERRITORIES)
def test_charts_are_valid_svg_with_real_text_in_noto_sans(rendered, name):
    _, results, d = rendered[name]
    for r in drawn(results):
        # GIVEN a chart file
        root = svg_root(d / r["file"])  # THEN it parses as XML ...
        assert root.tag == f"{SVG_NS}svg"
        # ... its text is real <text> (svg.fonttype none), not glyph outlines ...
        elements = texts(root)
        assert elements, r["file"]
        raw = (d / r["file"]).read_text(encoding="utf-8")
        assert not re.search(r'id="(NotoSans|DejaVuSans)-[0-9a-f]+"', raw), f"{r['file']}: glyphs drawn as paths"
        # ... set in Noto Sans, at a printed size of at least 7 pt (1 SVG px = 1 pt)
        # (presentation attributes: impact_regions.svg_tidy moves them out of `style`)
        for t in elements:
            assert (t.get("font-family") or "").startswith("'Noto Sans'"), (r["file"], t.attrib)
            size = float(re.fullmatch(r"([0-9.]+)px", t.get("font-size")).group(1))
            assert size >= 7, (r["file"], "".join(t.itertext()), size)


def test_chart_width_is_the_printed_width(rendered):
    # GIVEN the PACA charts
    _, results, d = rendered["paca"]
    for r in results:
        width_pt = float(svg_root(d / r["file"]).get("width").removesuffix("pt"))
        # THEN wide charts are as wide as the text block, narrow ones 72 % of it (the template does not rescale them)
        expected = charts.NARROW_CM if r["key"] in ("map", "innovation", "partnership") else charts.WIDE_CM
        assert width_pt == pytest.approx(expected / 2.54 * 72, rel=1e-3), r["file"]


NUMBER_WITH_POINT = re.compile(r"\d\.\d")
HYPHEN_AS_MINUS = re.compile(r"(?<![\w])-\s?\d")


@pytest.mark.parametrize("name", TERRITORIES)
def test_numbers_are_french_in_ticks_and_labels(rendered, name):
    _, results, d = rendered[name]
    negative_ticks = 0
    for r in results:
        if r["is_omitted"]:  # a sentence instead of the chart: French numbers too
            assert not NUMBER_WITH_POINT.search(r["sentence"]) and not HYPHEN_AS_MINUS.search(r["sentence"])
            continue
        root = svg_root(d / r["file"])
        # GIVEN every text of the chart, tick labels included
        for content in ["".join(t.itertext()) for t in texts(root)]:
            # THEN decimals use a comma and negative numbers the real minus sign U+2212
            assert not NUMBER_WITH_POINT.search(content), (r["file"], content)
            assert not HYPHEN_AS_MINUS.search(content), (r["file"], content)
        for label in tick_labels(root):
            if re.search(r"\d", label):  # numeric tick labels (the others are domain names)
                assert "-" not in label, (r["file"], label)
                negative_ticks += label.startswith("\u2212")
        # ... and so do the alt texts
        assert not NUMBER_WITH_POINT.search(r["alt"]) and not HYPHEN_AS_MINUS.search(r["alt"]), r["alt"]
    # AND the profile and quadrant of every sample territory do have negative ticks (the check is not vacuous)
    assert negative_ticks > 0


def test_percent_ticks_use_a_no_break_space(rendered):
    # GIVEN a chart of shares
    _, _, path = chart(rendered, "paca", "innovation")
    labels = tick_labels(svg_root(path))
    # THEN its ticks read "20 %" with a no-break space
    assert "20\u00a0%" in labels and not any(" %" in label for label in labels)


# ------------------------------------------------------------------------------------------
# Determinism
# ------------------------------------------------------------------------------------------


def test_two_runs_give_byte_identical_files(rendered, tmp_path):
    # GIVEN the charts of Alsace drawn a second time in the same process
    ctx, results, d = rendered["alsace"]
    again = charts.make_all_charts(ctx, tmp_path, FONTS, GEO)
    # THEN every file is byte-identical to the first run
    assert again == results
    for r in drawn(results):
        assert (tmp_path / r["file"]).read_bytes() == (d / r["file"]).read_bytes(), r["file"]


def test_another_process_gives_byte_identical_files(rendered, tmp_path):
    # GIVEN the charts of PACA drawn in a fresh interpreter with another hash seed
    _, results, d = rendered["paca"]
    code = (
        "import json, sys; from impact_regions import charts; "
        "charts.make_all_charts(json.load(open(sys.argv[1], encoding='utf-8')), sys.argv[2], sys.argv[3], sys.argv[4])"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", code, str(CONTEXTS / "paca.json"), str(tmp_path), str(FONTS), str(GEO)],
        check=True,
        env=env,
    )
    # THEN the files are the same bytes (no date, no random id)
    for r in drawn(results):
        assert (tmp_path / r["file"]).read_bytes() == (d / r["file"]).read_bytes(), r["file"]
    raw = (d / results[0]["file"]).read_text(encoding="utf-8")
    assert "<dc:date>" not in raw


# ------------------------------------------------------------------------------------------
# Alt texts, sources
# ------------------------------------------------------------------------------------------

FRENCH_WORDS = re.compile(r"\b(de|des|du|la|le|les|et|par|pour)\b")


@pytest.mark.parametrize("name", TERRITORIES)
def test_alt_texts_are_french_and_name_the_territory(rendered, name):
    ctx, results, _ = rendered[name]
    for r in results:
        # GIVEN the alt text of a chart
        alt = r["alt"]
        # THEN it is a French sentence that names the territory
        assert len(alt) > 60 and FRENCH_WORDS.search(alt), alt
        # (with the typographic apostrophe: Provence-Alpes-Côte d’Azur)
        assert french.typography(ctx["territory"]["name"]) in alt, alt
        assert not re.search(r"\b(the|and|of)\b", alt), alt


def test_alt_text_states_the_main_figures(rendered):
    # GIVEN the PACA profile and perception charts
    _, profile, _ = chart(rendered, "paca", "profile")
    _, perceived, _ = chart(rendered, "paca", "perceived")
    # THEN their alt texts give the leading figures, formatted like the report
    assert "sécurité (+2,0)" in profile["alt"] and "numérique (+1,7)" in profile["alt"]
    assert "emploi (6,6/10, France 6,4/10)" in perceived["alt"]


def test_sources_name_the_producers_and_surveys(rendered):
    ctx, profile, _ = chart(rendered, "paca", "profile")
    _, perceived, _ = chart(rendered, "paca", "perceived")
    _, modes, _ = chart(rendered, "paca", "modes")
    assert "INSEE" in profile["source"] and str(ctx["vintage"]) in profile["source"]
    assert "IMPACT-Citoyens 2019" in perceived["source"] and "PHARE" not in perceived["source"]
    assert "PHARE-Organisations 2019" in modes["source"]
    assert "démonstration" in profile["source"]  # the sample contexts are demonstration data


# ------------------------------------------------------------------------------------------
# What is drawn
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TERRITORIES)
def test_map_has_one_shape_per_departement(rendered, name):
    # GIVEN the map of the territory
    ctx, r, path = chart(rendered, name, "map")
    if len(ctx["departements_map"]) == 1:  # a single département (Mayotte): its index in a sentence, no map
        only = ctx["departements_map"][0]
        assert r["is_omitted"] and f"({only['code']})" in r["sentence"]
        assert french.number(only["score"], 1, signed=True) in r["sentence"]  # one decimal, as everywhere
        return
    root = svg_root(path)
    # THEN it draws exactly the départements of departements_map (neighbours are context, with other ids)
    shapes = group(root, "dep-")
    assert sorted(g.get("id") for g in shapes) == sorted(f"dep-{e['code']}" for e in ctx["departements_map"])
    # AND every code is labelled
    content = {"".join(t.itertext()) for t in texts(root)}
    assert {e["code"] for e in ctx["departements_map"]} <= content


def published(items: list[dict]) -> int:
    return sum(1 for i in items if i.get("estimate") is not None)


@pytest.mark.parametrize("name", TERRITORIES)
def test_one_bar_per_published_estimate_and_none_for_suppressed(rendered, name):
    ctx, results, d = rendered[name]
    groups = ["habitants", "associations", "entreprises", "maires"]
    expected = {
        "perceived": published(ctx["perceived"]),
        "innovation": published(ctx["innovation"]),
        "partnership": published(ctx["partnership"]),
        "groups": sum(1 for r in ctx["groups"] for g in groups if r[g] is not None),
        "cooperation": sum(1 for r in ctx["cooperation"] for g in groups if r[g] is not None),
        "modes": sum(1 for m in ctx["modes"] for g in groups[1:] if m[g] is not None),
    }
    for key, n in expected.items():
        # GIVEN a survey chart
        r = next(r for r in results if r["key"] == key)
        # (nothing published, or only the inhabitants in the groups chart, or no organisation with
        # most of its notes published, or a single group in the innovation chart: a sentence instead)
        only_inhabitants = key == "groups" and (
            all(r_[g] is None for r_ in ctx["groups"] for g in groups[1:])
            or set(ctx.get("groups_comparable", groups)) <= {"habitants"}
        )
        single = key == "innovation" and n == 1
        assert r["is_omitted"] == (n == 0 or only_inhabitants or single), (name, key)
        if r["is_omitted"]:
            continue
        root = svg_root(d / r["file"])
        # THEN it has one bar per published estimate: suppressed estimates are not drawn
        assert len(group(root, "estimate-")) == n, (name, key)
        assert r["has_data"] == (n > 0), (name, key)


def test_question_nobody_was_asked_is_said_not_asked():
    # GIVEN the PACA context where nobody answered the partnership, innovation and modes questions
    # (optional questions absent from the survey files: no estimate for France either)
    from impact_regions.charts import omit
    from impact_regions.report_actors import NOT_ASKED, partnership_sentence_of, share_sentence

    ctx = copy.deepcopy(load("paca"))
    for item in ctx["partnership"] + ctx["innovation"]:
        item["estimate"] = item["france"] = None
    for mode in ctx["modes"]:
        for g in ("associations", "entreprises", "maires"):
            mode[g] = mode[f"{g}_france"] = None
    # WHEN the charts' and the sections' sentences are written
    # THEN they say the question was not asked, not that too few answered
    assert omit.partnership(ctx) == omit.innovation(ctx) == omit.NOT_ASKED
    assert omit.modes(ctx, ["associations", "entreprises", "maires"]) == omit.NOT_ASKED
    assert "trop faible" not in omit.NOT_ASKED and "pas été posée" in omit.NOT_ASKED
    assert partnership_sentence_of(ctx["partnership"], "en Provence-Alpes-Côte d'Azur") == NOT_ASKED
    assert share_sentence({"estimate": None, "france": None, "reliability": "non_publie"}, {}, "…", "…") == NOT_ASKED
    # and a suppressed estimate beside a France estimate still says why it is not printed, and what
    text = share_sentence({"estimate": None, "france": 0.8, "reliability": "non_publie"}, {}, "…", "la part de ceux-là")
    assert text.startswith("Trop peu d'habitants ont répondu") and "publier la part de ceux-là ;" in text


def test_suppressed_organisations_of_mayotte_are_not_drawn(rendered):
    # GIVEN Mayotte, where every organisation estimate is suppressed
    ctx, r, path = chart(rendered, "mayotte", "partnership")
    # THEN the partnership chart gives way to one sentence saying why, with the France figures
    # (no SVG drawn: the file is an empty placeholder)
    assert r["is_omitted"] and not r["has_data"] and r["file"] is None
    # (in a few words: the note at the head of the survey pages gives the organisations' numbers)
    assert ctx["samples_note"].startswith("Trop peu d’associations, d’entreprises et de maires ont répondu")
    assert r["sentence"].startswith("Trop peu d’organisations ont répondu à Mayotte pour publier la part")
    assert "en France" in r["sentence"]
    assert "38\u00a0% des associations" in r["sentence"] and "\u2019" in r["sentence"] and "'" not in r["sentence"]
    assert not texts(svg_root(path))
    # AND so does the groups chart, which would only repeat the inhabitants' chart
    _, g, _ = chart(rendered, "mayotte", "groups")
    assert g["is_omitted"] and "habitants" in g["sentence"] and "d\u2019associations" in g["sentence"]
    # AND the modes chart (twelve "n.p." and France markers otherwise)
    _, m, _ = chart(rendered, "mayotte", "modes")
    assert m["is_omitted"] and "modes de partenariat" in m["sentence"] and "le mécénat chez" in m["sentence"]


def test_missing_index_is_marked_not_drawn(rendered):
    # GIVEN Mayotte, whose "niveau de vie" index is missing (no median standard of living)
    ctx, _, path = chart(rendered, "mayotte", "profile")
    content = ["".join(t.itertext()) for t in texts(svg_root(path))]
    # THEN the domain is listed as n.d. and explained in a note
    assert "n.d." in content
    assert any("indice non disponible" in c for c in content)
    # AND the quadrant leaves it out, saying so
    _, q, qpath = chart(rendered, "mayotte", "quadrant")
    qroot = svg_root(qpath)
    assert not group(qroot, "point-niveau_de_vie")
    assert len(group(qroot, "point-")) == sum(
        1 for g in ctx["gaps"] if g["objective"] is not None and g["perceived_diff"] is not None
    )


def test_caution_estimates_are_hatched_and_marked(rendered):
    # GIVEN Alsace, whose organisation estimates are flagged 'prudence'
    ctx, _, path = chart(rendered, "alsace", "groups")
    root = svg_root(path)
    n_caution = sum(
        1
        for r in ctx["groups"]
        for g in ["associations", "entreprises", "maires"]
        if r[g] is not None and r[f"{g}_reliability"] == "prudence"
    )
    assert n_caution > 0
    # THEN exactly those bars are flagged (hatched) and their values carry the mark, explained in a note
    assert len(group(root, "estimate-")) == len(ctx["groups"]) * 4
    assert len([g for g in group(root, "estimate-") if g.get("id").endswith("-caution")]) == n_caution
    content = ["".join(t.itertext()) for t in texts(root)]
    assert sum(c.endswith(charts.CAUTION_MARK) for c in content) == n_caution
    assert any("prudence" in c for c in content)


def test_caution_and_suppressed_perception(tmp_path):
    # GIVEN a context whose first perceived domain is 'prudence' and two others are suppressed
    ctx = load("paca")
    ctx["perceived"][0]["reliability"] = "prudence"
    hidden = ctx["perceived"][5:7]
    for p in hidden:
        p.update(estimate=None, ci_low=None, ci_high=None, reliability="non_publie")
    r = charts.chart_perceived(ctx, tmp_path / "p.svg")
    root = svg_root(tmp_path / "p.svg")
    labels = tick_labels(root)
    # THEN the suppressed domains are not drawn (listed in a note only), the caution one is hatched
    assert len(group(root, "estimate-")) == 14
    assert [g.get("id") for g in group(root, "estimate-") if g.get("id").endswith("caution")] == ["estimate-1-caution"]
    for p in hidden:
        assert p["label"] not in labels
        assert p["label"].lower() in r["alt"]  # named as not published
    notes = " ".join("".join(t.itertext()) for t in texts(root))
    assert "Domaines non publiés" in notes and "prudence" in notes


def test_profile_france_line_and_families(rendered):
    # GIVEN the PACA profile
    ctx, _, path = chart(rendered, "paca", "profile")
    content = ["".join(t.itertext()) for t in texts(svg_root(path))]
    # THEN France is labelled on the 0 line, the four families are in the legend, and every domain is a row
    assert "France" in content
    for family in ["Famille économique", "Famille sociale", "Famille sociétale", "Famille environnementale"]:
        assert family in content
    for d in ctx["profile"]:
        assert d["label"] in content
    raw = path.read_text(encoding="utf-8")
    for color in charts.FAMILY_COLORS.values():
        assert color.lower() in raw.lower()


def test_quadrant_names_and_significance(rendered):
    ctx, _, path = chart(rendered, "paca", "quadrant")
    root = svg_root(path)
    content = " ".join("".join(t.itertext()) for t in texts(root))
    # THEN the four quadrants are named and every domain is a labelled point
    for name in [
        "Fragilité reconnue",
        "Fragilité sous-estimée",
        "Inquiétude sans",
        "fragilité objective",
        "Atout partagé",
    ]:
        assert name in content
    assert len(group(root, "point-")) == len(ctx["gaps"])
    for g in ctx["gaps"]:
        assert g["label"] in content


def test_quadrant_labels_stay_inside_the_axes(tmp_path, monkeypatch):
    # GIVEN the quadrant of a dense territory (Mayotte: four domains within 0,5 écart-type)
    captured = {}
    original = perception._save

    def spy(fig, out_path):
        captured["fig"] = fig
        return original(fig, out_path)

    monkeypatch.setattr(perception, "_save", spy)
    charts.chart_quadrant(load("mayotte"), tmp_path / "q.svg")
    fig = captured["fig"]
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    labels = [t for t in ax.texts if t.get_transform() == ax.transData]
    assert len(labels) == sum(1 for g in load("mayotte")["gaps"] if g["objective"] is not None)
    bbs = [t.get_window_extent(renderer) for t in labels]
    # THEN every label is inside the axes and no two labels overlap
    for t, bb in zip(labels, bbs, strict=True):
        assert box.x0 <= bb.x0 and bb.x1 <= box.x1 and box.y0 <= bb.y0 and bb.y1 <= box.y1, t.get_text()
    for i in range(len(bbs)):
        for j in range(i + 1, len(bbs)):
            assert not bbs[i].overlaps(bbs[j]), (labels[i].get_text(), labels[j].get_text())


@pytest.mark.parametrize("name", TERRITORIES)
def test_quadrant_labels_are_next_to_their_own_point(tmp_path, monkeypatch, name):
    # GIVEN the quadrant of each test territory (Mayotte: santé, numérique and mal-logement
    # within a few points of each other)
    placed = []
    original = perception._place_labels

    def spy(*args, **kwargs):
        placed.extend(original(*args, **kwargs))
        return placed

    monkeypatch.setattr(perception, "_place_labels", spy)
    charts.chart_quadrant(load(name), tmp_path / "q.svg")
    scale = charts._new_figure(charts.WIDE_CM)[0].dpi / 72
    # THEN a label without a leader line is nearer to its own point than to any other (2 pt of
    # tolerance): a reader pairs each label with the right point
    anchors = [p["anchor"] for p in placed]
    for p in placed:
        if p["leader"]:
            continue
        own = charts._box_distance(p["anchor"], p["box"])
        nearest_other = min(charts._box_distance(a, p["box"]) for a in anchors if a is not p["anchor"])
        assert nearest_other >= own + 2 * scale, (p["text"].get_text(), own, nearest_other)


# ------------------------------------------------------------------------------------------
# Other normalisations, empty charts, the regions map
# ------------------------------------------------------------------------------------------


def test_ratio_normalisation_draws_france_at_100(tmp_path):
    # GIVEN indices expressed as a ratio to France (France = 100)
    ctx = load("paca")
    ctx["method"]["normalisation"] = "ratio"
    for d in ctx["profile"]:
        d["score"] = 100 + 15 * d["score"]
    r = charts.chart_profile(ctx, tmp_path / "p.svg")
    labels = tick_labels(svg_root(tmp_path / "p.svg"))
    # THEN the axis is around 100 and the unit says so
    assert "100" in labels and "France = 100" in r["title"]


def test_chart_without_any_published_estimate(tmp_path):
    # GIVEN a territory where no inhabitant estimate can be published
    ctx = load("mayotte")
    for p in ctx["perceived"]:
        p.update(estimate=None, reliability="non_publie")
    r = charts.chart_perceived(ctx, tmp_path / "p.svg")
    # THEN the chart gives way to a sentence saying why, with the France figures, and no file is written
    assert r["is_omitted"] and not r["has_data"] and r["file"] is None and not (tmp_path / "p.svg").exists()
    assert "à Mayotte" in r["sentence"] and "trop faibles" in r["sentence"] and "en France" in r["sentence"]


def test_departements_map_prints_different_indices_differently(rendered):
    # GIVEN PACA, whose départements 04 (+0,494) and 05 (+0,546) print alike at one decimal
    ctx, r, path = chart(rendered, "paca", "map")
    scores = {e["code"]: e["score"] for e in ctx["departements_map"]}
    assert french.number(scores["04"], 1, signed=True) == french.number(scores["05"], 1, signed=True)
    # WHEN the map's list and alt text are read
    content = [("".join(t.itertext())) for t in texts(svg_root(path))]
    # THEN each score prints with the decimals that keep them apart, in the list and the alt text alike
    for code in ("04", "05", "06", "84"):
        printed = french.number(scores[code], 2, signed=True)
        assert printed in content, (code, printed)
        assert f"({code}, {printed})" in r["alt"]


def test_regions_map_with_overseas_insets(tmp_path):
    # GIVEN an overall index for the 18 regions
    regions = json.loads((GEO / "regions.geojson").read_text(encoding="utf-8"))
    codes = [f["properties"]["code"] for f in regions["features"]]
    scores = {c: (i - 9) / 10 for i, c in enumerate(sorted(codes))}
    r = charts.chart_regions_map(scores, tmp_path / "regions.svg", GEO)
    root = svg_root(tmp_path / "regions.svg")
    # THEN every region is drawn once, the five overseas regions are named in their insets
    assert sorted(g.get("id") for g in group(root, "region-")) == sorted(f"region-{c}" for c in codes)
    content = " ".join("".join(t.itertext()) for t in texts(root))
    for name in ["Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"]:
        assert name in content
    assert r["file"] == "regions.svg" and "régions" in r["alt"] and "\u2212" in content


def test_regions_map_says_which_index_rests_on_fewer_domains(tmp_path):
    # GIVEN the 18 regions' overall index, Mayotte's (06) computed on 15 domains and the others on 16
    import pandas as pd

    regions = json.loads((GEO / "regions.geojson").read_text(encoding="utf-8"))
    codes = sorted(f["properties"]["code"] for f in regions["features"])
    rows = [
        {"territory_code": c, "domain_id": f"d{k}", "score": None if (c == "06" and k == 0) else 0.1}
        for c in codes
        for k in range(16)
    ] + [{"territory_code": c, "domain_id": "ensemble", "score": 1.0 if c == "06" else 0.0} for c in codes]
    fi = pd.DataFrame(rows)
    counts = charts.domains_by_region(fi, set(codes))
    assert counts["06"] == 15 and {n for c, n in counts.items() if c != "06"} == {16}
    # WHEN the map is drawn
    r = charts.chart_regions_map(
        charts.overall_by_region(fi, set(codes)), tmp_path / "regions.svg", GEO, n_domains=counts
    )
    content = " ".join("".join(t.itertext()) for t in texts(svg_root(tmp_path / "regions.svg")))
    # THEN Mayotte's label and the alt text say so, and no other region's
    assert content.count("(15 domaines)") == 1 and "Mayotte" in content
    assert "Mayotte (+1,0, 15 domaines)" in r["alt"], r["alt"]
    assert r["alt"].count("domaines") == 1
