"""Section « Les indicateurs » (REPORT_SPEC §7): report_indicators.indicator_table and its partial.

A small inline catalogue whose domains are listed out of family order, with the units of the real
catalogue (%, €, ‰, « pour 10 000 hab. », an index), a published value and a computed one
(weighted mean: an approximation), missing values of every kind, a negative evolution.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from impact_regions import french as fr
from impact_regions.report_indicators import (
    COLUMNS,
    indicator_table,
    missing_text,
)
from impact_regions.templating import jinja_env

REPO = Path(__file__).resolve().parents[1]
NBSP, NNBSP, MINUS = "\u00a0", "\u202f", "\u2212"

CATALOGUE = {
    # listed out of family order on purpose: the table follows DESIGN §5 (économique, social,
    # sociétal, environnemental), and the catalogue order inside a family
    "domains": [
        {"id": "environnement", "label": "Environnement", "family": "environnemental"},
        {"id": "securite", "label": "Sécurité", "family": "sociétal"},
        {"id": "niveau_de_vie", "label": "Niveau de vie", "family": "économique"},
        {"id": "culture", "label": "Culture", "family": "sociétal"},
        {"id": "pauvrete", "label": "Pauvreté, exclusion", "family": "social"},
        {"id": "emploi", "label": "Emploi", "family": "économique"},
    ],
    "indicators": [
        {
            "id": "mediane",
            "label": "Médiane du niveau de vie",
            "domain": "niveau_de_vie",
            "unit": "€",
            "year": 2017,
            "source_label": "INSEE-DGFiP, Filosofi 2017",
            "direction": -1,
            "weight": "NBPERS17",
            "sources": {"region": "insee/filo_reg.csv", "commune": "insee/filo_com.csv"},
        },
        {
            "id": "imposes",
            "label": "Part des ménages fiscaux imposés",
            "domain": "niveau_de_vie",
            "unit": "%",
            "year": 2017,
            "source_label": "INSEE-DGFiP, Filosofi 2017",
            "direction": -1,
            "weight": "NBMEN17",
            "sources": {"region": "insee/filo_reg.csv"},
        },
        {
            "id": "chomage",
            "label": "Chômeurs parmi les actifs",
            "domain": "emploi",
            "unit": "%",
            "year": 2017,
            "source_label": "INSEE, RP 2017",
            "direction": 1,
            "sources": {"commune": "insee/rp.csv"},
        },
        {
            "id": "evolution",
            "label": "Évolution de l'emploi sur 5 ans",
            "domain": "emploi",
            "unit": "%",
            "year": 2017,
            "source_label": "ANCT, Observatoire des territoires",
            "direction": -1,
            "sources": {"commune": "ot/emploi.xlsx"},
        },
        {
            "id": "pauvrete",
            "label": "Taux de pauvreté",
            "domain": "pauvrete",
            "unit": "%",
            "year": 2017,
            "source_label": "INSEE-DGFiP, Filosofi 2017",
            "direction": 1,
            "sources": {"region": "insee/filo_reg.csv"},
        },
        {
            "id": "apa",
            "label": "Bénéficiaires de l'APA",
            "domain": "pauvrete",
            "unit": "%",
            "year": 2016,
            "source_label": "DREES, Aide sociale",
            "direction": 1,
            "sources": {"departement": "drees/apa.csv"},
        },
        {
            "id": "crimes",
            "label": "Crimes et délits pour 1 000 habitants",
            "domain": "securite",
            "unit": "‰",
            "year": 2017,
            "source_label": "SSMSI",
            "direction": 1,
            "sources": {"commune": "ssmsi/base.csv"},
        },
        {
            "id": "cambriolages",
            "label": "Cambriolages pour 1 000 logements",
            "domain": "securite",
            "unit": "‰",
            "year": 2017,
            "source_label": "SSMSI",
            "direction": 1,
            "sources": {"commune": "ssmsi/base.csv"},
        },
        {
            "id": "equipements",
            "label": "Équipements culturels pour 10 000 habitants",
            "domain": "culture",
            "unit": "pour 10 000 hab.",
            "year": 2017,
            "source_label": "INSEE, BPE 2017",
            "direction": -1,
            "sources": {"commune": "insee/bpe.csv"},
        },
        {
            "id": "artif",
            "label": "Surface artificialisée",
            "domain": "environnement",
            "unit": "% de la surface",
            "year": 2017,
            "source_label": "CEREMA",
            "direction": 1,
            "sources": {"commune": "cerema/artif.csv"},
        },
        {
            "id": "fragilite_num",
            "label": "Indice de fragilité numérique",
            "domain": "environnement",
            "unit": "indice",
            "year": 2017,
            "source_label": "MedNum",
            "direction": 1,
            "sources": {"commune": "mednum/ifn.csv"},
            "denominator_source": "insee/rp.csv",
        },
    ],
}


def row(indicator_id, territory, value, method="somme_des_effectifs", reason=None, level="commune", coverage=1.0):
    return {
        "indicator_id": indicator_id,
        "territory_code": territory,
        "value": value,
        "missing_reason": reason,
        "value_method": method,
        "source_level": level,
        "coverage": coverage,
    }


VALUES = [
    row("mediane", "93", 20900.0, "publiee", level="region"),
    row("mediane", "FR", 20799.211443, "moyenne_ponderee", level="region", coverage=0.996),
    row("imposes", "93", 43.2, "publiee", level="region"),
    row("imposes", "FR", 51.644533, "moyenne_ponderee", level="region"),
    row("chomage", "93", 16.657665),
    row("chomage", "FR", 13.56067),
    row("evolution", "93", -0.786523),
    row("evolution", "FR", 1.221192),
    row("pauvrete", "93", float("nan"), "publiee", "non_disponible", "region", 0.0),
    row("pauvrete", "FR", 15.306872, "moyenne_ponderee", level="region"),
    row("apa", "93", None, "moyenne_ponderee", "secret", "departement", 0.0),
    row("apa", "FR", None, "moyenne_ponderee", "niveau_non_couvert", None, 0.0),
    row("crimes", "93", 78.860726, coverage=0.998),
    row("crimes", "FR", 57.898613, coverage=0.99),
    row("cambriolages", "93", 10.895112, coverage=0.8),
    row("cambriolages", "FR", 7.703756, coverage=0.83),
    row("equipements", "93", 1.053492),
    row("equipements", "FR", 1.044281),
    row("artif", "93", 0.462056),
    row("artif", "FR", 0.468762),
    # fragilite_num: no row at all for the territory; a bare division by zero for France
    row("fragilite_num", "FR", None, reason="division_par_0"),
    # another territory's rows are ignored
    row("chomage", "84", 9.0),
    row("mediane", "84", None, reason="secret"),
]


@pytest.fixture(scope="module")
def table():
    return indicator_table(
        "93",
        VALUES,
        CATALOGUE,
        demo_files=["ssmsi/base.csv"],
        domain_scores={"emploi": 0.4213, "securite": None},
        genitive="de Provence-Alpes-Côte d’Azur",
    )


def indicators(table):
    return {i["id"]: i for f in table for d in f["domains"] for i in d["indicators"]}


def test_families_in_design_order_and_domains_in_catalogue_order(table):
    # GIVEN a catalogue whose domains are listed out of family order
    # WHEN the table is built
    # THEN families come économique, social, sociétal, environnemental and, inside each, the
    # domains and indicators keep the catalogue order
    assert [f["family"] for f in table] == ["économique", "social", "sociétal", "environnemental"]
    assert [f["label"] for f in table] == ["Économique", "Social", "Sociétal", "Environnemental"]
    assert [d["domain_id"] for d in table[0]["domains"]] == ["niveau_de_vie", "emploi"]
    assert [d["domain_id"] for d in table[2]["domains"]] == ["securite", "culture"]
    assert [i["id"] for i in table[0]["domains"][1]["indicators"]] == ["chomage", "evolution"]
    assert [f["n_indicators"] for f in table] == [4, 2, 3, 2]


def test_every_catalogue_indicator_present_exactly_once(table):
    # GIVEN values for some indicators only (none at all for the territory's fragilite_num)
    # WHEN the table is built
    # THEN every catalogue indicator is there exactly once, in its own domain
    ids = [i["id"] for f in table for d in f["domains"] for i in d["indicators"]]
    assert sorted(ids) == sorted(i["id"] for i in CATALOGUE["indicators"])
    assert len(ids) == len(set(ids))
    for f in table:
        for d in f["domains"]:
            assert all(i["domain_id"] == d["domain_id"] for i in d["indicators"])


def test_french_numbers_and_units(table):
    # GIVEN raw values in the units of the catalogue
    # WHEN they are formatted
    # THEN decimal comma, narrow no-break spaces between thousands, a no-break space before the
    # symbol, no decimals for euros, two below 1, the real minus and a sign for an evolution
    ind = indicators(table)
    assert ind["chomage"]["value_text"] == f"16,7{NBSP}%"
    assert ind["chomage"]["france_text"] == f"13,6{NBSP}%"
    assert ind["mediane"]["value_text"] == f"20{NNBSP}900{NBSP}€"
    assert ind["mediane"]["france_text"] == f"20{NNBSP}799{NBSP}€"
    assert ind["crimes"]["value_text"] == f"78,9{NBSP}‰"
    assert ind["evolution"]["value_text"] == f"{MINUS}0,79{NBSP}%"
    assert ind["evolution"]["france_text"] == f"+1,22{NBSP}%"
    assert ind["artif"]["value_text"] == f"0,46{NBSP}%"  # « % de la surface »: % after the value
    assert ind["artif"]["unit_text"] == "% de la surface"
    # word units are printed in the unit column only, with French digit grouping
    assert ind["equipements"]["value_text"] == "1,1"
    assert ind["equipements"]["unit_text"] == f"pour 10{NNBSP}000 hab."
    assert ind["mediane"]["year"] == 2017 and ind["apa"]["year"] == 2016
    assert ind["mediane"]["source_label"] == "INSEE-DGFiP, Filosofi 2017"


def test_direction_words(table):
    ind = indicators(table)
    assert ind["chomage"]["direction_text"] == "plus élevé = plus fragile"
    assert ind["mediane"]["direction_text"] == "plus élevé = moins fragile"


@pytest.mark.parametrize(
    "reason, expected",
    [
        ("secret", "secret statistique"),
        ("non_disponible", "non publiée par le producteur"),
        ("niveau_non_couvert", "non publiée à ce niveau géographique"),
        ("division_par_0", "non calculable (dénominateur nul)"),
        ("vide", "non renseignée dans la source"),
        (None, "non disponible"),
        (float("nan"), "non disponible"),
        ("code_inconnu", "non disponible"),
    ],
)
def test_missing_reason_texts(reason, expected):
    # GIVEN a missing_reason of indicator_values (or none, or an unknown one)
    # WHEN it is turned into the cell's text
    # THEN the French text says why, and is never a code, "nan" or "0"
    assert missing_text(reason) == expected


def test_missing_values_say_why(table):
    # GIVEN missing values (NaN or None) with their reasons, and an indicator without any row
    # WHEN the table is built
    # THEN the cell text says why; the raw value is None; nothing prints "nan", "None" or "0"
    ind = indicators(table)
    assert ind["pauvrete"]["value"] is None
    assert ind["pauvrete"]["missing"] == ind["pauvrete"]["value_text"] == "non publiée par le producteur"
    assert ind["pauvrete"]["france_missing"] is None
    assert ind["apa"]["value_text"] == "secret statistique"
    assert ind["apa"]["france_text"] == "non publiée à ce niveau géographique"
    assert ind["fragilite_num"]["value_text"] == "non disponible"  # no row at all
    assert ind["fragilite_num"]["france_text"] == "non calculable (dénominateur nul)"
    assert not ind["apa"]["is_approximation"] and not ind["apa"]["is_france_approximation"]  # nothing to mark
    assert table[1]["has_missing"] and not table[0]["has_missing"]
    for i in ind.values():
        for key in ("value_text", "france_text"):
            assert i[key] and i[key] not in ("0", "n.p.", fr.MISSING)
            assert not re.search(r"\b(nan|None)\b", i[key], re.IGNORECASE)


def test_approximation_flag_and_note(table):
    # GIVEN France's Filosofi values computed as weighted means of the regions' published values
    # WHEN the table is built
    # THEN those values (and only those) are flagged, and the family's note says how they were
    # computed and that they are approximations
    ind = indicators(table)
    assert ind["mediane"]["is_france_approximation"] and not ind["mediane"]["is_approximation"]
    assert ind["imposes"]["is_france_approximation"]
    assert not ind["chomage"]["is_approximation"] and not ind["chomage"]["is_france_approximation"]
    eco = table[0]
    assert eco["has_approximation"]
    note = eco["approximation_note"]
    assert note.startswith("* ") and "régions" in note and "approximation" in note
    assert "nombre de personnes" in note and "nombre de ménages" in note
    assert table[2]["approximation_note"] is None and not table[2]["has_approximation"]


def test_partial_coverage_noted(table):
    # GIVEN cambriolages known for 80 % of the territory and 83 % of France, crimes for 99 %
    # WHEN the table is built
    # THEN a † note names the indicator and both shares; crimes gets none
    ind = indicators(table)
    assert ind["cambriolages"]["is_partial"] and ind["cambriolages"]["is_france_partial"]
    assert not ind["crimes"]["is_partial"]
    notes = table[2]["partial_notes"]
    assert len(notes) == 1 and notes[0].startswith("† Cambriolages")
    assert f"80{NBSP}% de Provence-Alpes-Côte d’Azur" in notes[0] and f"83{NBSP}% de la France" in notes[0]


def test_domain_scores_and_demo_flags(table):
    # GIVEN a score for emploi (None for sécurité) and the SSMSI file marked demonstration
    # THEN the score is printed signed with a decimal comma, and only SSMSI rows are flagged demo
    emploi = table[0]["domains"][1]
    assert emploi["score_text"] == "+0,42"
    securite = table[2]["domains"][0]
    assert securite["score"] is None and securite["score_text"] is None
    ind = indicators(table)
    assert ind["crimes"]["is_demo"] and ind["cambriolages"]["is_demo"] and not ind["chomage"]["is_demo"]
    assert not table[2]["has_only_demo"] and table[2]["has_demo"]
    # a file used only as a denominator counts too
    assert indicator_table("93", VALUES, CATALOGUE, demo_files=["insee/rp.csv"])[3]["has_demo"]


def test_json_clean_and_no_nan(table):
    # GIVEN the table WHEN serialised THEN no float is NaN (JSON has none) and every value is plain
    import json

    text = json.dumps(table, ensure_ascii=False, allow_nan=False)
    assert "NaN" not in text
    assert all(i["value"] is None or math.isfinite(i["value"]) for i in indicators(table).values())


def test_columns_needed_are_those_listed():
    # GIVEN rows with only the listed COLUMNS WHEN the table is built THEN it works; and with the
    # three optional columns absent, nothing is flagged (no KeyError)
    slim = [{k: r[k] for k in COLUMNS} for r in VALUES]
    assert indicator_table("93", slim, CATALOGUE)
    bare = [{k: r[k] for k in ("indicator_id", "territory_code", "value", "missing_reason")} for r in VALUES]
    t = indicator_table("93", bare, CATALOGUE)
    assert not any(f["has_approximation"] or f["has_partial"] for f in t)


# ------------------------------------------------------------------------------------------------
# the partial
# ------------------------------------------------------------------------------------------------


def render(table, short_name="PACA", nominative="Provence-Alpes-Côte d’Azur") -> str:
    env = jinja_env(REPO / "templates")
    return env.get_template("partials/indicators.html.j2").render(
        ctx={"indicator_table": table}, t={"short_name": short_name, "nominative": nominative}
    )


def test_partial_renders_one_captioned_table_per_family(table):
    # GIVEN the table WHEN the partial is rendered (autoescape on, StrictUndefined)
    # THEN one table per family, each with its caption, scoped headers, right-aligned numbers,
    # the reading note, the approximation mark and its footnote, and no "nan" / "None"
    html = render(table)
    assert html.count("<table") == 4
    # (« famille » is feminine: « Famille sociale »)
    for caption in ("Famille économique", "Famille sociale", "Famille sociétale", "Famille environnementale"):
        assert f"<caption>{caption}&nbsp;: PACA et France</caption>" in html
    assert html.count('<th scope="col" class="num">France</th>') == 4
    assert '<th scope="rowgroup" colspan="6">Niveau de vie' in html
    assert '<th scope="row">Médiane du niveau de vie' in html
    assert '<td class="num">20\u202f799\u00a0€<sup class="mark">*</sup></td>' in html
    assert '<td class="num missing">non publiée par le producteur</td>' in html
    assert "Comment lire ces tableaux" in html and "valeurs brutes" in html
    # AND the reading note names the territory with its article when it has one
    assert "pour Provence-Alpes-Côte d’Azur et pour la France" in html
    assert "pour la Corse et pour la France" in render(table, short_name="Corse", nominative="la Corse")
    assert "* Valeur que le producteur ne publie pas" in html
    assert "score du domaine" in html and "+0,42" in html
    assert "(démo)" in html
    assert not re.search(r"\b(nan|None|n\.p\.)\b", html)


def test_partial_escapes_data(table):
    # GIVEN a territory name and an indicator label with markup WHEN rendered THEN they are escaped
    cat = {
        "domains": CATALOGUE["domains"],
        "indicators": [
            dict(i, label="<b>Chômage</b> & co") if i["id"] == "chomage" else i for i in CATALOGUE["indicators"]
        ],
    }
    html = render(indicator_table("93", VALUES, cat), short_name="<script>x</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;Chômage&lt;/b&gt; &amp; co" in html


def test_partial_all_demo_said_once(table):
    # GIVEN every source file marked demonstration WHEN rendered THEN one sentence says so and
    # the rows are not tagged one by one
    files = {f for i in CATALOGUE["indicators"] for f in i["sources"].values()}
    html = render(indicator_table("93", VALUES, CATALOGUE, demo_files=files))
    assert "Toutes ces valeurs sont des données de démonstration" in html
    assert "(démo)" not in html


def test_print_css_block_keeps_rows_together():
    # GIVEN templates/print.css WHEN its indicators block is read THEN rows and domains are not
    # split across pages, the header repeats, the caption stays with the table
    css = (REPO / "templates" / "print.css").read_text(encoding="utf-8")
    start = css.index("/* --- indicators table (report_indicators) --- */")
    end = css.index("/* --- end indicators table (report_indicators) --- */")
    block = css[start:end]
    assert "table.indicators tbody.indicator-domain { break-inside: avoid; }" in block
    assert "table.indicators tr { break-inside: avoid; }" in block
    assert "table.indicators thead { display: table-header-group; }" in block
    assert "table.indicators caption { break-after: avoid; }" in block


def test_pdf_never_splits_a_domain_across_pages(tmp_path):
    # GIVEN a family long enough to cross pages (20 domains of 3 indicators) laid out with the
    # shipped print.css
    from pypdf import PdfReader

    from impact_regions.render import render_pdf

    domains = [{"id": f"d{k}", "label": f"Domaine{k:02d}", "family": "sociétal"} for k in range(20)]
    inds = [
        {
            "id": f"i{k}_{j}",
            "label": f"Indicateur{k:02d}x{j} avec un libellé assez long pour tenir sur deux lignes",
            "domain": f"d{k}",
            "unit": "%",
            "year": 2017,
            "source_label": "INSEE, RP 2017",
            "direction": 1,
            "sources": {"commune": "rp.csv"},
        }
        for k in range(20)
        for j in range(3)
    ]
    values = [row(i["id"], code, 10.0 + n) for n, i in enumerate(inds) for code in ("93", "FR")]
    html = render(indicator_table("93", values, {"domains": domains, "indicators": inds}))
    css = (REPO / "templates" / "print.css").as_uri()
    page = tmp_path / "page.html"
    page.write_text(
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>t</title>'
        f'<link rel="stylesheet" href="{css}"></head><body>{html}</body></html>',
        encoding="utf-8",
    )
    # WHEN it is rendered
    render_pdf(page, tmp_path / "page.pdf", [REPO / "templates", tmp_path], title="t", vintage_year=2017)
    pages = [p.extract_text() for p in PdfReader(tmp_path / "page.pdf").pages]
    # THEN the table crosses pages, each page repeats the header row, and each domain's heading
    # and its three rows are on one page
    assert len(pages) >= 2
    assert all("Indicateur" in p and "France" in p for p in pages)
    for k in range(20):
        where = {n for n, p in enumerate(pages) if f"Domaine{k:02d}" in p}
        rows = [{n for n, p in enumerate(pages) if f"Indicateur{k:02d}x{j}" in p} for j in range(3)]
        assert len(where) == 1 and all(r == where for r in rows), (k, where, rows)
