"""Labels of the drawn charts (REPORT_SPEC "Charts and layout"): value labels at the end of their
bar and never at the France marker, no two labels overlapping, the small départements of
Île-de-France legible in an inset, one decimal for the indices.

The figures are captured when a chart saves them (the `_save` of each chart module is spied on),
so the boxes are those of the drawn texts, in display space. Text boxes are glyph boxes
(:func:`impact_regions.charts.svgout._ink_box`), what a reader sees.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from matplotlib.lines import Line2D

from impact_regions import charts, french
from impact_regions.charts import alliances, groups, index_map, perception, practices, profile, territory_map
from impact_regions.charts.svgout import _ink_box

ROOT = Path(__file__).resolve().parent.parent
CONTEXTS = ROOT / "tests" / "data" / "contexts"
GEO = ROOT / "data" / "raw" / "geo"
TERRITORIES = ["paca", "alsace", "mayotte"]
BAR_CHARTS = {
    "perceived": charts.chart_perceived,
    "groups": charts.chart_groups,
    "innovation": charts.chart_innovation,
    "cooperation": charts.chart_cooperation,
    "partnership": charts.chart_partnership,
    "modes": charts.chart_modes,
}

pytestmark = pytest.mark.skipif(
    not (GEO / "departements.geojson").exists(), reason="reference geometry not in data/raw/geo/"
)


def load(name: str) -> dict:
    return json.loads((CONTEXTS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def figures(monkeypatch) -> list:
    """The figures the charts save, in order."""
    saved = []
    for module in (alliances, groups, index_map, perception, practices, profile, territory_map):
        original = module._save

        def spy(fig, out_path, original=original):
            saved.append(fig)
            return original(fig, out_path)

        monkeypatch.setattr(module, "_save", spy)
    charts.setup_matplotlib()
    return saved


def draw(figures: list, func, ctx: dict, path: Path, **kwargs):
    """(result, figure) of a chart drawn; figure None when it gave way to a sentence."""
    n = len(figures)
    result = func(ctx, path, **kwargs)
    return result, (figures[-1] if len(figures) > n else None)


def value_labels(fig) -> list[dict]:
    """Each value label with its bar, the bar's interval (if any) and its France marker, in display space."""
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    bars = {p.get_gid().split("-")[1]: p for p in ax.patches if (p.get_gid() or "").startswith("estimate-")}
    out = []
    for t in ax.texts:
        gid = t.get_gid() or ""
        if not gid.startswith("value-"):
            continue
        bar = bars[gid.split("-")[1]]
        bb = bar.get_window_extent(renderer)
        y_data = bar.get_y() + bar.get_height() / 2
        lines = [ln for ln in ax.lines if len(ln.get_ydata()) and all(abs(v - y_data) < 1e-9 for v in ln.get_ydata())]
        # small multiples draw several bars on one row: the bar's own marker is the one nearest its end
        end = bar.get_x() + bar.get_width()

        def near(ln, end=end):
            return min(abs(x - end) for x in ln.get_xdata())

        marker = min((ln for ln in lines if ln.get_marker() == "D"), key=near, default=None)
        ci = min(
            (ln for ln in lines if len(ln.get_xdata()) == 2 and ln.get_marker() in ("None", None, "")),
            key=near,
            default=None,
        )
        to_px = ax.transData.transform
        out.append(
            {
                "text": t,
                "box": _ink_box(t, renderer),
                "bar": bb,
                "hatched": bar.get_gid().endswith("-caution"),
                "ci": None if ci is None else sorted(to_px((x, y_data))[0] for x in ci.get_xdata()),
                "france": None
                if marker is None
                else (
                    to_px((marker.get_xdata()[0], y_data))[0],
                    (marker.get_markersize() / 2 + marker.get_markeredgewidth() / 2) * fig.dpi / 72,
                ),
            }
        )
    return out


def overlapping(boxes: list, min_gap: float = 0.0) -> list[tuple[int, int]]:
    """Pairs of boxes closer than `min_gap` (display units) on both axes."""
    return [
        (i, j)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].x0 - min_gap < boxes[j].x1
        and boxes[j].x0 - min_gap < boxes[i].x1
        and boxes[i].y0 - min_gap < boxes[j].y1
        and boxes[j].y0 - min_gap < boxes[i].y1
    ]


def check_value_labels(fig, where: str) -> int:
    """Assert that every value label of a bar chart stands at the end of its bar, clear of its
    France marker and never beyond it unless the marker is on the end of the bar (or the bar is
    too short to hold the label inside); returns the number of labels checked."""
    pt = fig.dpi / 72
    labels = value_labels(fig)
    for lab in labels:
        box, bar, name = lab["box"], lab["bar"], f"{where}: {lab['text'].get_text()}"
        end = max(bar.x1, lab["ci"][1]) if lab["ci"] else bar.x1  # the end of the bar or of its interval
        inner = min(bar.x1, lab["ci"][0]) if lab["ci"] else bar.x1
        if box.x0 >= bar.x1:  # after the bar: within a few points of its end (just after a marker on it)
            gap, limit = box.x0 - end, 3.5 * pt + 1
            if lab["france"] is not None and box.x0 > lab["france"][0]:
                limit = max(limit, lab["france"][0] + lab["france"][1] - end + 1.5 * pt)
            assert 0 <= gap <= limit, (name, gap / pt)
        else:  # inside the bar, against its end (left of its interval); never in a hatched bar
            assert not lab["hatched"], (name, "inside a hatched bar")
            assert bar.x0 <= box.x0 and box.x1 <= inner and inner - box.x1 <= 4 * pt, (name, (inner - box.x1) / pt)
        if lab["france"] is not None:
            fx, r = lab["france"]
            # clear of the France marker ...
            assert fx + r <= box.x0 or box.x1 <= fx - r, (name, "on the France marker")
            # ... and not pushed past it, unless the marker sits on the end of the bar (or the bar is
            # too short to hold its label: a bar of 2 % with France at 7 %; or hatched: no label inside)
            if box.x0 > fx and inner - bar.x0 >= box.width + 4.5 * pt and not lab["hatched"]:
                assert fx - end <= r + 0.5 * pt, (name, "placed at the France marker, away from its bar")
    return len(labels)


# ------------------------------------------------------------------------------------------
# Value labels at the end of their bar
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TERRITORIES)
def test_value_labels_sit_at_the_end_of_their_bar(figures, tmp_path, name):
    # GIVEN every bar chart of the territory
    ctx = load(name)
    checked = 0
    for key, func in BAR_CHARTS.items():
        result, fig = draw(figures, func, ctx, tmp_path / f"{key}.svg")
        if fig is None:
            assert result["is_omitted"]
            continue
        # THEN each value label is at the end of its bar, clear of the France marker
        checked += check_value_labels(fig, f"{name}/{key}")
    assert checked > 0


def test_label_goes_inside_its_bar_when_france_is_beyond_its_end(figures, tmp_path):
    # GIVEN a partnership chart where France is far beyond the bar (the old layout printed the
    # value after the France marker, away from its bar)
    ctx = load("paca")
    item = ctx["partnership"][0]
    item.update(estimate=0.30, ci_low=0.27, ci_high=0.33, france=0.345, reliability="fiable")
    _, fig = draw(figures, charts.chart_partnership, ctx, tmp_path / "p.svg")
    labels = value_labels(fig)
    assert check_value_labels(fig, "partnership") == len(labels) > 0
    # THEN that label is inside its bar (left of its interval), in a colour that reads on the bar
    first = next(lab for lab in labels if lab["text"].get_gid() == "value-1-inside")
    assert first["box"].x1 <= first["ci"][0] and first["text"].get_color() in ("white", charts.style.INK)


def test_label_after_a_france_marker_on_the_end_of_the_bar(figures, tmp_path):
    # GIVEN a bar ending where France stands
    ctx = load("paca")
    p = ctx["perceived"][0]
    p.update(ci_low=None, ci_high=None, france=p["estimate"])
    _, fig = draw(figures, charts.chart_perceived, ctx, tmp_path / "p.svg")
    # THEN its label is just after the marker, which is at the end of the bar
    lab = next(lab for lab in value_labels(fig) if lab["text"].get_gid() == "value-1")
    fx, r = lab["france"]
    assert fx + r <= lab["box"].x0 <= fx + r + 2 * fig.dpi / 72


# ------------------------------------------------------------------------------------------
# No two labels overlap
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TERRITORIES)
def test_labels_of_neighbouring_bars_do_not_touch(figures, tmp_path, name):
    # GIVEN the grouped bar charts (four bars per domain) and the others
    ctx = load(name)
    for key, func in BAR_CHARTS.items():
        _, fig = draw(figures, func, ctx, tmp_path / f"{key}.svg")
        if fig is None:
            continue
        renderer = fig.canvas.get_renderer()
        texts = [t for t in fig.axes[0].texts if t.get_text()]
        boxes = [_ink_box(t, renderer) for t in texts]
        # THEN no two of their labels (values, "n.p.") come closer than 1 pt
        clash = overlapping(boxes, 1.0 * fig.dpi / 72)
        assert not clash, [(f"{name}/{key}", texts[i].get_text(), texts[j].get_text()) for i, j in clash]


@pytest.mark.parametrize("name", TERRITORIES)
def test_quadrant_labels_overlap_neither_labels_nor_other_points(figures, tmp_path, name):
    # GIVEN the quadrant chart
    ctx = load(name)
    _, fig = draw(figures, charts.chart_quadrant, ctx, tmp_path / "q.svg")
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_transform() == ax.transData]
    boxes = [t.get_window_extent(renderer) for t in labels]
    # THEN no two domain labels overlap (their whole line boxes) ...
    assert not overlapping(boxes), [(labels[i].get_text(), labels[j].get_text()) for i, j in overlapping(boxes)]
    # ... and no label covers the point of another domain
    domain_of = {g["label"]: g["domain_id"] for g in ctx["gaps"]}
    points = [ln for ln in ax.lines if (ln.get_gid() or "").startswith("point-")]
    assert len(points) == len(labels)
    for ln in points:
        x, y = ax.transData.transform((ln.get_xdata()[0], ln.get_ydata()[0]))
        r = ln.get_markersize() / 2 * fig.dpi / 72
        for t, bb in zip(labels, boxes, strict=True):
            if bb.x0 < x + r and x - r < bb.x1 and bb.y0 < y + r and y - r < bb.y1:
                assert ln.get_gid() == f"point-{domain_of[t.get_text().rstrip('*')]}", (t.get_text(), ln.get_gid())


# ------------------------------------------------------------------------------------------
# Maps: Île-de-France inset, single département
# ------------------------------------------------------------------------------------------

IDF = {
    "75": ("Paris", -0.72),
    "77": ("Seine-et-Marne", -0.45),
    "78": ("Yvelines", -0.44),
    "91": ("Essonne", -0.53),
    "92": ("Hauts-de-Seine", -0.68),
    "93": ("Seine-Saint-Denis", 0.84),
    "94": ("Val-de-Marne", -0.39),
    "95": ("Val-d'Oise", -0.37),
}


def idf_context() -> dict:
    ctx = copy.deepcopy(load("paca"))
    ctx["territory"].update(
        name="Île-de-France", genitive="d'Île-de-France", locative="en Île-de-France", code="11", slug="ile-de-france"
    )
    ctx["departements_map"] = [{"code": c, "name": n, "score": s} for c, (n, s) in IDF.items()]
    return ctx


def test_paris_and_the_petite_couronne_are_enlarged_in_an_inset(figures, tmp_path):
    # GIVEN the map of Île-de-France
    r, fig = draw(figures, charts.chart_map, idf_context(), tmp_path / "map.svg", geo_dir=GEO)
    renderer = fig.canvas.get_renderer()
    main, inset = (
        fig.axes[0],
        next(a for a in fig.axes if any((p.get_gid() or "").startswith("zoom-") for p in a.patches)),
    )

    def codes(ax):
        return {t.get_text() for t in ax.texts}

    # THEN Paris and the petite couronne are drawn and labelled in the inset, the others on the map
    assert {"75", "92", "93", "94"} <= codes(inset)
    assert codes(main) == {"77", "78", "91", "95"}
    # AND the inset is legible: Paris is at least 20 pt wide there
    paris = next(p for p in inset.patches if p.get_gid() == "zoom-75").get_window_extent(renderer)
    assert paris.width >= 20 * fig.dpi / 72
    # AND no code of the map is hidden by the inset or overlaps another code
    boxes = [t.get_window_extent(renderer) for t in main.texts]
    inset_box = inset.get_window_extent(renderer)
    assert not overlapping(boxes) and not any(b.overlaps(inset_box) for b in boxes)
    assert "encadré" in r["alt"] and "Paris (75)" in r["alt"]


def test_map_without_small_departements_has_no_inset(figures, tmp_path):
    # GIVEN the map of PACA (six départements, all large enough)
    _, fig = draw(figures, charts.chart_map, load("paca"), tmp_path / "map.svg", geo_dir=GEO)
    # THEN there is no inset
    assert not any((p.get_gid() or "").startswith("zoom-") for a in fig.axes for p in a.patches)


@pytest.mark.parametrize(
    "code,name",
    [("971", "Guadeloupe"), ("972", "Martinique"), ("973", "Guyane"), ("974", "La Réunion"), ("976", "Mayotte")],
)
def test_a_single_departement_region_gets_a_sentence_not_a_map(figures, tmp_path, code, name):
    # GIVEN an overseas region of one département
    ctx = load("mayotte")
    ctx["territory"].update(name=name, genitive=f"de {name}", locative=f"en {name}")
    ctx["departements_map"] = [{"code": code, "name": name, "score": 1.3483}]
    r, fig = draw(figures, charts.chart_map, ctx, tmp_path / "map.svg", geo_dir=GEO)
    # THEN no map is drawn; one sentence gives its index with one decimal
    assert fig is None and r["is_omitted"] and r["file"] is None and not (tmp_path / "map.svg").exists()
    assert f"({code})" in r["sentence"] and "+1,3 " in r["sentence"] and "\u2019" in r["sentence"]


# ------------------------------------------------------------------------------------------
# The decimals of the indices: the context's (report_profile: one number for every domain, those
# that tell the regions apart), one decimal in these contexts and on the axes
# ------------------------------------------------------------------------------------------

INDEX_NUMBER = re.compile(r"^[+\u2212]?\d+(,\d+)?$")


def decimals(text: str) -> int:
    return len(text.split(",")[1]) if "," in text else 0


@pytest.mark.parametrize("name", TERRITORIES)
def test_indices_have_one_decimal(figures, tmp_path, name):
    # GIVEN the profile (with values all below 1 in absolute value: it used to print two decimals then)
    ctx = load(name)
    for d in ctx["profile"]:
        if d.get("score") is not None:
            d["score"] = d["score"] / 4
    _, fig = draw(figures, charts.chart_profile, ctx, tmp_path / "p.svg")
    values = [t.get_text() for t in fig.axes[0].texts if INDEX_NUMBER.match(t.get_text())]
    # THEN the value labels have the context's decimals (one here) and tick labels one at most
    assert values and all(decimals(v) == 1 for v in values), values
    # AND with the decimals of a build where the regions need three to be told apart, three on every bar
    for d in ctx["profile"]:
        d["decimals"] = 3
    _, fig3 = draw(figures, charts.chart_profile, ctx, tmp_path / "p3.svg")
    values3 = [t.get_text() for t in fig3.axes[0].texts if INDEX_NUMBER.match(t.get_text())]
    assert values3 and all(decimals(v) == 3 for v in values3), values3
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert all(decimals(v) <= 1 for v in ticks), ticks
    # AND the map's list of départements (PACA, Alsace; Mayotte has no map) prints one number of
    # decimals for all, one unless two different indices would then print alike (PACA: 04 and 05)
    mctx = load(name)
    _, mfig = draw(figures, charts.chart_map, mctx, tmp_path / "m.svg", geo_dir=GEO)
    if mfig is not None:
        listed = [
            t.get_text() for a in mfig.axes for t in a.texts if INDEX_NUMBER.match(t.get_text()) and "," in t.get_text()
        ]
        expected = french.decimals_apart([e["score"] for e in mctx["departements_map"]], least=1)
        assert listed and all(decimals(v) == expected for v in listed), listed
        assert len(set(listed)) == len({e["score"] for e in mctx["departements_map"]}), listed


def test_regions_map_has_one_decimal(figures, tmp_path):
    regions = json.loads((GEO / "regions.geojson").read_text(encoding="utf-8"))
    scores = {f["properties"]["code"]: (i - 9) / 7 for i, f in enumerate(regions["features"])}
    r, fig = draw(figures, charts.chart_regions_map, scores, tmp_path / "regions.svg", geo_dir=GEO)
    numbers = [m.group(0) for a in fig.axes for t in a.texts for m in re.finditer(r"[+\u2212]?\d+,\d+", t.get_text())]
    assert numbers and all(decimals(v) == 1 for v in numbers), numbers
    assert all(decimals(v) == 1 for v in re.findall(r"[+\u2212]?\d+,\d+", r["alt"]))


def test_france_marker_lines_are_found(figures, tmp_path):
    # (the helpers above find the France markers: the checks are not vacuous)
    _, fig = draw(figures, charts.chart_groups, load("paca"), tmp_path / "g.svg")
    labels = value_labels(fig)
    assert labels and all(lab["france"] is not None for lab in labels)
    assert isinstance(next(ln for ln in fig.axes[0].lines if ln.get_marker() == "D"), Line2D)
