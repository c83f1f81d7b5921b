"""The figures of a synthesis to take away: reports/donnees/<slug>.csv and .xlsx
(impact_regions.territory_downloads, download_rows, download_columns), from small inline rows.

An inline territory (code 93) with two domains and three indicators (one published, one an
approximation, one secret in France), its domain scores and ranks, and survey estimates of
every reliability (fiable, prudence, non_publie) for a mean on 0-10 and a share.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import openpyxl
import pandas as pd
import pytest

from impact_regions.download_columns import BLOCKS, columns
from impact_regions.download_rows import territory_blocks
from impact_regions.report_indicators import indicator_table
from impact_regions.reproducible_zip import data_date
from impact_regions.territory_downloads import csv_bytes, write_territory_downloads

CATALOGUE = {
    "domains": [
        {"id": "emploi", "label": "Emploi", "family": "économique"},
        {"id": "sante", "label": "Santé, accès aux soins", "family": "social"},
    ],
    "indicators": [
        {
            "id": "chomage",
            "label": "Taux de chômage",
            "domain": "emploi",
            "unit": "%",
            "year": 2017,
            "source_label": "INSEE, RP 2017",
            "direction": 1,
            "source": "insee/rp.csv",
        },
        {
            "id": "mediane",
            "label": "Médiane du niveau de vie",
            "domain": "emploi",
            "unit": "€",
            "year": 2017,
            "source_label": "INSEE-DGFiP, Filosofi 2017",
            "direction": -1,
            "sources": {"region": "insee/filo.csv"},
        },
        {
            "id": "apl",
            "label": "Accessibilité aux médecins",
            "domain": "sante",
            "unit": "consultations",
            "year": 2017,
            "source_label": "DREES, APL 2017",
            "direction": -1,
            "source": "drees/apl.csv",
        },
    ],
}
CODEBOOK = {
    "files": [
        {
            "id": "citoyens",
            "label": "IMPACT-Citoyens 2019",
            "group": "habitants",
            "measure_columns": {"fragilite_emploi": {}, "devoir_alliance": {}},
        },
        {
            "id": "organisations",
            "label": "PHARE-Organisations 2019",
            "group_values": {"maire": "maires"},
            "measure_columns": {"fragilite_emploi": {}},
        },
    ],
    "measures": [
        {
            "id": "fragilite_emploi",
            "kind": "mean",
            "min": 0,
            "max": 10,
            "label": "Fragilité perçue : Emploi",
            "domain": "emploi",
            "family": "fragilite_{domain}",
        },
        {"id": "devoir_alliance", "kind": "agree", "min": 1, "max": 4, "label": "Devoir d'alliance"},
    ],
}
CONFIG = {
    "vintage": 2017,
    "survey_year": 2019,
    "index": {"normalisation": "zscore"},
    "survey_estimation": {"confidence_level": 0.95, "min_n_publish": 30},
}


def _iv(ind, code, value, **kw):
    return {
        "indicator_id": ind,
        "territory_code": code,
        "value": value,
        "missing_reason": kw.get("reason"),
        "value_method": kw.get("method", "somme_des_effectifs"),
        "source_level": "commune",
        "coverage": kw.get("coverage", 1.0),
    }


def _fi(code, domain, score, rank=None, p05=None, p95=None, n=2):
    return {
        "territory_code": code,
        "domain_id": domain,
        "score": score,
        "rank_among_regions": rank,
        "n_indicators": n,
        "rank_median": rank,
        "rank_p05": p05,
        "rank_p95": p95,
    }


def _se(code, group, measure, est, lo, hi, n, diff, sig, rel):
    return {
        "territory_code": code,
        "respondent_group": group,
        "measure_id": measure,
        "estimate": est,
        "se": 0.1,
        "ci_low": lo,
        "ci_high": hi,
        "n": n,
        "n_eff": n,
        "diff_vs_france": diff,
        "p_value": 0.01,
        "is_significant": sig,
        "reliability": rel,
    }


TABLES = {
    "territories": [{"territory_code": "93", "kind": "region"}, {"territory_code": "FR", "kind": "france"}],
    "indicator_values": [
        _iv("chomage", "93", 16.657664568),
        _iv("chomage", "FR", 13.56067),
        _iv("mediane", "93", 20900.0, method="moyenne_ponderee"),
        _iv("mediane", "FR", 20799.2, method="publiee"),
        _iv("apl", "93", 3.21, coverage=0.8),
        _iv("apl", "FR", None, reason="secret"),
    ],
    "fragility_indices": [
        _fi("93", "emploi", 0.604178, 8, 7, 10),
        _fi("FR", "emploi", 0.0, n=3),
        _fi("93", "sante", -0.2, 12, 12, 12, n=1),
        _fi("FR", "sante", 0.0, n=1),
        _fi("93", "ensemble", 0.325623, 7, 6, 8, n=3),
        _fi("FR", "ensemble", 0.0, n=3),
        _fi("11", "ensemble", 0.5, 5, 4, 6),  # another region: not in the downloads
    ],
    "survey_estimates": [
        _se("93", "habitants", "fragilite_emploi", 6.595244, 6.464317, 6.726171, 936, 0.199361, True, "fiable"),
        _se("FR", "habitants", "fragilite_emploi", 6.395883, 6.35, 6.44, 9000, None, False, "fiable"),
        _se("93", "habitants", "devoir_alliance", 0.8412345, 0.80, 0.88, 80, 0.0312345, False, "prudence"),
        _se("FR", "habitants", "devoir_alliance", 0.81, 0.80, 0.82, 9000, None, False, "fiable"),
        _se("93", "maires", "fragilite_emploi", None, None, None, 12, None, False, "non_publie"),
        _se("FR", "maires", "fragilite_emploi", 5.5, 5.2, 5.8, 400, None, False, "fiable"),
    ],
}


def make_ctx() -> dict:
    return {
        "territory": {
            "code": "93",
            "name": "Provence-Alpes-Côte d’Azur",
            "short_name": "PACA",
            "slug": "paca",
            "kind": "region",
        },
        "vintage": 2017,
        "survey_year": 2019,
        "is_demo": False,
        "n_regions": 18,
        "indicator_table": indicator_table("93", TABLES["indicator_values"], CATALOGUE),
        "survey_documentation": {"is_demo": False},
        "sources": ["INSEE, RP 2017"],
        "surveys": ["IMPACT-Citoyens 2019"],
        "method_text": "Les indices reposent sur 3 indicateurs.",
        "fingerprint": "abcdef123456",
        "provenance": {"code_version": "impact-regions 0.1.0 (git 1234567890)"},
    }


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("donnees")
    write_territory_downloads(
        make_ctx(), TABLES, CATALOGUE, CODEBOOK, CONFIG, str(out / "paca.csv"), str(out / "paca.xlsx")
    )
    return out / "paca.csv", out / "paca.xlsx"


def read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code du territoire": str})


def test_csv_is_for_french_spreadsheets(written):
    # GIVEN the CSV of the inline territory
    raw = written[0].read_bytes()
    # THEN it starts with the UTF-8 BOM, separates with ';', uses CRLF and French headers with units
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].split(b"\r\n")[0].decode("utf-8").split(";")
    assert header[:3] == ["Bloc", "Code du territoire", "Territoire"]
    assert {
        "Valeur du territoire",
        "Valeur France",
        "Unité",
        "IC 95 % : borne basse",
        "Fiabilité",
        "Rang parmi les 18 régions (1 = la plus fragile)",
        "Rang : borne basse (5 %)",
    } <= set(header)
    # AND numbers have a decimal comma and no thousands separator
    text = raw.decode("utf-8-sig")
    assert ";16,657665;13,56067;" in text and ";20900;20799,2;" in text
    # AND read back with the French convention, the figures are numbers equal to the rows
    df = read_csv(written[0])
    ind = df[df["Bloc"] == "Indicateurs"].set_index("Identifiant")
    assert ind.loc["chomage", "Valeur du territoire"] == pytest.approx(16.657665)
    assert df["Valeur du territoire"].dtype == float


def test_csv_says_reliability_and_remarks_in_words(written):
    df = read_csv(written[0])
    se = df[df["Bloc"] == "Enquêtes"].set_index(["Groupe de répondants", "Identifiant"])
    # THEN reliability is in the report's words, suppressed estimates have no value
    assert se.loc[("Habitants", "fragilite_emploi"), "Fiabilité"] == "fiable"
    assert se.loc[("Habitants", "devoir_alliance"), "Fiabilité"] == "à interpréter avec prudence"
    maires = se.loc[("Maires", "fragilite_emploi")]
    assert maires["Fiabilité"] == "non diffusé (moins de 30 répondants)"
    assert pd.isna(maires["Valeur du territoire"]) and pd.isna(maires["Écart significatif"])
    assert maires["Valeur France"] == 5.5
    # AND significance in words; shares in % (as the report prints them), means on their scale
    assert se.loc[("Habitants", "fragilite_emploi"), "Écart significatif"] == "oui"
    devoir = se.loc[("Habitants", "devoir_alliance")]
    assert devoir["Valeur du territoire"] == pytest.approx(84.12345)
    assert devoir["Écart à la France"] == pytest.approx(3.12345)
    assert devoir["Unité"] == "% de répondants d'accord" and devoir["Écart significatif"] == "non"
    # AND approximations, partial and missing values are explained in French
    ind = df[df["Bloc"] == "Indicateurs"].set_index("Identifiant")
    assert ind.loc["mediane", "Remarque"].startswith("valeur approchée")
    assert "ne renseigne que 80\u00a0% du territoire" in ind.loc["apl", "Remarque"]
    assert ind.loc["apl", "Remarque (France)"] == "valeur manquante : secret statistique"
    assert pd.isna(ind.loc["apl", "Valeur France"])


def test_domains_with_ranks_and_interval(written):
    df = read_csv(written[0])
    dom = df[df["Bloc"] == "Domaines"].set_index("Identifiant")
    # THEN the 2 domains and the overall index, with rank interval and number of indicators
    assert list(dom.index) == ["emploi", "sante", "ensemble"]
    assert dom.loc["ensemble", "Valeur du territoire"] == pytest.approx(0.325623)
    row = dom.loc["emploi"]
    assert (
        row["Rang parmi les 18 régions (1 = la plus fragile)"],
        row["Rang : borne basse (5 %)"],
        row["Rang : borne haute (95 %)"],
        row["Nombre d'indicateurs"],
    ) == (8, 7, 10, 2)
    assert row["Unité"] == "écarts-types (0 = France)"


def test_xlsx_sheets_store_numbers_as_numbers(written):
    wb = openpyxl.load_workbook(written[1])
    # THEN one sheet per block after the « Lisez-moi », header frozen, filters on
    assert wb.sheetnames == ["Lisez-moi", "Indicateurs", "Domaines", "Enquêtes"]
    for name, keys in BLOCKS.items():
        ws = wb[name]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
        assert ws.max_column == len(keys)
    # AND values are numeric cells with a number format, the same as in the CSV
    ws = wb["Indicateurs"]
    header = [c.value for c in ws[1]]
    value = ws.cell(2, header.index("Valeur du territoire") + 1)
    assert value.data_type == "n" and value.value == pytest.approx(16.657665) and value.number_format == "#,##0.0"
    euros = ws.cell(3, header.index("Valeur du territoire") + 1)
    assert euros.value == 20900 and euros.number_format == "#,##0"
    ws = wb["Domaines"]
    header = [c.value for c in ws[1]]
    rank = ws.cell(2, header.index("Rang parmi les 18 régions (1 = la plus fragile)") + 1)
    assert rank.value == 8 and isinstance(rank.value, int)
    ws = wb["Enquêtes"]
    header = [c.value for c in ws[1]]
    n = ws.cell(2, header.index("Répondants (nombre)") + 1)
    assert n.value == 936 and n.number_format == "#,##0"
    # AND the territory code stays text
    assert ws.cell(2, header.index("Code du territoire") + 1).data_type == "s"
    # AND « Lisez-moi » gives the territory, the vintages, the code version and every column
    readme = {r[0].value: r[1].value for r in wb["Lisez-moi"].iter_rows()}
    assert readme["Millésime des indicateurs"] == "2017" and readme["Année des enquêtes"] == "2019"
    assert readme["Version du code"] == "impact-regions 0.1.0 (git 1234567890)"
    assert all(f"Colonne « {h} »" in readme for h, _, _ in columns(18, 0.95).values())


def test_two_writes_are_byte_identical_and_dated_from_the_data(tmp_path, written):
    # WHEN the same figures are written again elsewhere, later
    write_territory_downloads(
        make_ctx(), TABLES, CATALOGUE, CODEBOOK, CONFIG, str(tmp_path / "a.csv"), str(tmp_path / "a.xlsx")
    )
    # THEN both files are identical to the first ones
    assert (tmp_path / "a.csv").read_bytes() == written[0].read_bytes()
    assert (tmp_path / "a.xlsx").read_bytes() == written[1].read_bytes()
    # AND the XLSX carries the date of the PDFs, not the clock
    from impact_regions.geo import COG_DATE
    from impact_regions.render import vintage_date

    date = data_date(2019)
    assert date == max(vintage_date(2019), COG_DATE) == datetime(2025, 1, 1, tzinfo=UTC)
    with zipfile.ZipFile(written[1]) as zf:
        assert zf.namelist()[0] == "[Content_Types].xml"
        assert {i.date_time for i in zf.infolist()} == {(2025, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in zf.infolist()} == {0o100644}
        core = zf.read("docProps/core.xml").decode()
    assert core.count("2025-01-01T00:00:00Z") == 2  # created and modified


def test_a_failure_leaves_no_file(tmp_path, monkeypatch):
    # GIVEN the CSV cannot be built (after the workbook)
    import impact_regions.territory_downloads as td

    monkeypatch.setattr(td, "csv_bytes", lambda *a: 1 / 0)
    # WHEN the downloads are written THEN the error goes up and neither file exists
    with pytest.raises(ZeroDivisionError):
        write_territory_downloads(
            make_ctx(), TABLES, CATALOGUE, CODEBOOK, CONFIG, str(tmp_path / "b.csv"), str(tmp_path / "b.xlsx")
        )
    assert list(tmp_path.iterdir()) == []


def test_csv_is_one_rectangular_table():
    # GIVEN the blocks WHEN written as CSV THEN every line has every column (one table, a Bloc column)
    blocks = territory_blocks(make_ctx(), TABLES, CATALOGUE, CODEBOOK, CONFIG)
    cols = columns(18, 0.95)
    df = pd.read_csv(io.BytesIO(csv_bytes(blocks, cols)), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(df.columns) == [c[0] for c in cols.values()]
    assert df["Bloc"].value_counts().to_dict() == {"Indicateurs": 3, "Domaines": 3, "Enquêtes": 3}
    # AND a value missing in the tables is an empty cell, never "nan"
    cells = [
        c for line in csv.reader(io.StringIO(csv_bytes(blocks, cols).decode("utf-8-sig")), delimiter=";") for c in line
    ]
    assert "" in cells and not any(c.lower() in ("nan", "none", "<na>") for c in cells)
