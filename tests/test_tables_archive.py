"""The archive of the published tables, reports/donnees/impact-regions-tables.zip
(impact_regions.tables_archive, data_dictionary reading the contract workflow/schemas/tables.yaml), from
small inline tables.
"""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from impact_regions import data_dictionary as dd
from impact_regions.tables_archive import write_tables_archive

CATALOGUE = {
    "domains": [{"id": "emploi", "label": "Emploi", "family": "économique"}],
    "indicators": [
        {
            "id": "chomage",
            "label": "Taux de chômage",
            "domain": "emploi",
            "unit": "%",
            "year": 2017,
            "source_label": "INSEE, RP 2017",
            "direction": 1,
        }
    ],
}
CODEBOOK = {
    "files": [{"id": "citoyens", "label": "IMPACT-Citoyens 2019", "population": "adultes"}],
    "measures": [
        {
            "id": "fragilite_emploi",
            "kind": "mean",
            "min": 0,
            "max": 10,
            "label": "Fragilité perçue : Emploi",
            "question": "Votre territoire est-il fragile ?",
            "answers": "de 0 à 10",
        },
        {"id": "devoir_alliance", "kind": "agree", "label": "Devoir d'alliance"},
    ],
}
CONFIG = {
    "vintage": 2017,
    "survey_year": 2019,
    "index": {"normalisation": "zscore"},
    "survey_estimation": {"min_n_publish": 30},
}
PROVENANCE = {"code_version": "impact-regions 0.1.0 (git 1234567890)", "is_demo": True}


def frames() -> dict[str, pd.DataFrame]:
    """Three tables with the columns of the pipeline: codes with leading zeros, NULLs, booleans."""
    territories = pd.DataFrame(
        {
            "territory_code": ["94", "94", "FR", "DEP-2A"],
            "departement_code": ["2A", "2B", "2A", "2A"],
            "territory_name": ["Corse", "Corse", "France", "Corse-du-Sud"],
            "kind": ["region", "region", "france", "departement"],
            "departement_name": ["Corse-du-Sud", "Haute-Corse", "Corse-du-Sud", "Corse-du-Sud"],
            "region_code": ["94", "94", "94", "94"],
        }
    )
    fragility = pd.DataFrame(
        {
            "territory_code": ["94", "FR"],
            "domain_id": ["ensemble", "ensemble"],
            "family": ["ensemble", "ensemble"],
            "score": [0.1234567890123, 0.0],
            "rank_among_regions": pd.array([3, None], dtype="Int64"),
            "n_indicators": [32, 32],
            "rank_median": [3.0, None],
            "rank_p05": [2.0, None],
            "rank_p95": [5.0, None],
        }
    )
    sensitivity = pd.DataFrame(
        {
            "choice": ["normalisation", "enquete"],
            "first_order": [0.38, 1.5e-07],
            "total": [0.48, 0.01],
            "first_order_ci_low": [0.3, 0.0],
            "first_order_ci_high": [0.46, 0.02],
            "total_ci_low": [0.42, 0.0],
            "total_ci_high": [0.55, 0.02],
            "runs": [512, 512],
            "evaluations": [3584, 3584],
            "output": ["deplacement_moyen_des_rangs", "deplacement_moyen_des_rangs"],
        }
    )
    return {"territories": territories, "fragility_indices": fragility, "sensitivity": sensitivity}


def write_tables(directory, tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, df in tables.items():
        paths[name] = str(directory / f"{name}.parquet")
        df.to_parquet(paths[name], index=False)
    return paths


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("archive")
    paths = write_tables(tmp / "processed", frames())
    out = tmp / "donnees" / "impact-regions-tables.zip"
    write_tables_archive(paths, CATALOGUE, CODEBOOK, CONFIG, PROVENANCE, str(out))
    return paths, out


def test_every_table_in_both_formats_with_the_dictionary(archive):
    paths, out = archive
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        # THEN every table is there as Parquet (the file itself) and CSV, with the dictionary, sorted
        assert names == sorted(names)
        assert set(names) == {
            "LISEZMOI.txt",
            "dictionnaire.csv",
            "libelles.csv",
            *(f"csv/{t}.csv" for t in paths),
            *(f"parquet/{t}.parquet" for t in paths),
        }
        for t, p in paths.items():
            assert zf.read(f"parquet/{t}.parquet") == open(p, "rb").read()
        # AND fixed dates and permissions on every entry
        assert {i.date_time for i in zf.infolist()} == {(2025, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in zf.infolist()} == {0o100644}
        readme = zf.read("LISEZMOI.txt").decode("utf-8")
    assert "fragility_indices (2 lignes) : une ligne = " in readme and "clé : territory_code, domain_id" in readme
    assert "données de démonstration" in readme and "git 1234567890" in readme


def test_csv_tables_follow_the_french_spreadsheet_convention(archive):
    paths, out = archive
    with zipfile.ZipFile(out) as zf:
        raw = zf.read("csv/fragility_indices.csv")
        sens = zf.read("csv/sensitivity.csv").decode("utf-8-sig")
        back = pd.read_csv(
            io.BytesIO(zf.read("csv/territories.csv")), sep=";", decimal=",", encoding="utf-8-sig", dtype=str
        )
    # THEN BOM, ';', decimal comma, full precision, CRLF; a NULL is an empty cell
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("territory_code;domain_id;family;score;")
    assert "94;ensemble;ensemble;0,1234567890123;3;32;3,0;2,0;5,0" in text
    assert "FR;ensemble;ensemble;0,0;;32;;;" in text
    assert "1,5e-07" in sens
    # AND codes keep their leading zeros and letters when read as text
    assert back.equals(pd.read_parquet(paths["territories"]))


def test_dictionary_describes_every_column_and_labels_every_code(archive):
    paths, out = archive
    with zipfile.ZipFile(out) as zf:
        dic = pd.read_csv(io.BytesIO(zf.read("dictionnaire.csv")), sep=";", encoding="utf-8-sig", dtype=str)
        lab = pd.read_csv(
            io.BytesIO(zf.read("libelles.csv")), sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False
        )
    # THEN one row per column of every table, with key, type (from the file), unit and meaning
    for t, p in paths.items():
        cols = list(pd.read_parquet(p).columns)
        assert list(dic.loc[dic["table"] == t, "colonne"]) == cols
    row = dic[(dic["table"] == "fragility_indices") & (dic["colonne"] == "score")].iloc[0]
    assert (row["clé"], row["type"], row["unité"]) == ("non", "décimal", dd.SCORE_UNITS["zscore"])
    assert (
        dic[(dic["table"] == "fragility_indices") & (dic["colonne"] == "rank_among_regions")]["type"].item() == "entier"
    )
    assert not dic["signification"].isna().any()
    # AND the labels: territory codes, ids of the catalogues (unit, source, question), coded values
    lab = lab.set_index(["colonne", "code"])
    assert lab.loc[("territory_code", "DEP-2A"), "libellé"] == "Corse-du-Sud"
    assert lab.loc[("indicator_id", "chomage"), "unité"] == "%"
    assert "INSEE, RP 2017" in lab.loc[("indicator_id", "chomage"), "détail"]
    assert lab.loc[("measure_id", "fragilite_emploi"), "détail"].startswith("Votre territoire est-il fragile ?")
    assert lab.loc[("reliability", "non_publie"), "libellé"] == "non diffusé (moins de 30 répondants)"
    assert lab.loc[("reliability", "prudence"), "libellé"] == "à interpréter avec prudence"
    assert lab.loc[("domain_id", "ensemble"), "libellé"] == "Indice global de fragilité"
    assert ("quadrant", "atout_partage") in lab.index and ("respondent_group", "maires") in lab.index


def test_two_builds_are_byte_identical(archive, tmp_path):
    paths, out = archive
    again = tmp_path / "again.zip"
    write_tables_archive(paths, CATALOGUE, CODEBOOK, CONFIG, PROVENANCE, str(again))
    assert again.read_bytes() == out.read_bytes()


def test_a_column_without_a_dictionary_entry_stops_the_archive(tmp_path):
    # GIVEN a table that gained a column nobody described
    tables = frames()
    tables["fragility_indices"]["new_column"] = 1.0
    paths = write_tables(tmp_path / "processed", tables)
    out = tmp_path / "out.zip"
    # WHEN the archive is built THEN it fails naming the column, and writes nothing
    with pytest.raises(ValueError, match=r"fragility_indices\.new_column"):
        write_tables_archive(paths, CATALOGUE, CODEBOOK, CONFIG, PROVENANCE, str(out))
    assert not out.exists() and list(tmp_path.glob("*.zip*")) == []


def test_the_columns_the_code_writes_are_the_contracts():
    # GIVEN the column lists of the modules that build whole tables (the SQL tables are checked on a
    # real run, in test_pipeline_e2e, and every table is checked when it is written)
    from impact_regions import (
        index_audit,
        survey_estimates,
        survey_weights,
        territories,
        treatment,
        uncertainty,
        uncertainty_tables,
    )
    from impact_regions.table_contract import columns, keys

    built = {
        "territories": territories.COLUMNS,
        "survey_estimates": survey_estimates.COLUMNS,
        "index_audit": index_audit.COLUMNS,
        "raking_margins": survey_weights.MARGINS_COLUMNS,
        "survey_weights": survey_weights.WEIGHTS_COLUMNS,
        "sensitivity": uncertainty.SENSITIVITY_COLUMNS,
        "indicator_treatment": treatment.COLUMNS,
    }
    # THEN each is the contract's, in its order; the uncertainty job's columns end their tables
    for table, cols in built.items():
        assert list(cols) == columns(table), table
    assert columns("fragility_indices")[-len(uncertainty_tables.RANK_COLUMNS) :] == uncertainty_tables.RANK_COLUMNS
    assert columns("perception_gaps")[-len(uncertainty_tables.GAP_COLUMNS) :] == uncertainty_tables.GAP_COLUMNS
    assert index_audit.KEY == keys("index_audit")
    # AND the dictionary describes every published table
    assert set(dd.published_tables()) == {
        "territories",
        "indicator_values",
        "indicator_scores",
        "fragility_indices",
        "survey_estimates",
        "perception_gaps",
        "raking_margins",
        "index_audit",
        "survey_weights",
        "sensitivity",
    }
