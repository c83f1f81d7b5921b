"""End-to-end: plain Snakemake on the tiny dataset of tests/data/tiny (Corse and Martinique).

The run happens in a temporary working directory holding its own config/ (the project's
catalogues, two territory files) so that the project's data/processed is never touched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from workdirs import TINY, snakemake, workdir_with

from impact_regions import table_contract

#: the tables of DESIGN §6, from their contract (workflow/schemas/tables.yaml)
PUBLISHED = table_contract.tables("published")


def make_workdir(tmp: Path, raw: Path) -> Path:
    return workdir_with(
        tmp,
        raw,
        {
            "corse": 'code: "94"\nname: Corse\nslug: corse\n',
            "martinique": 'code: "02"\nname: Martinique\nslug: martinique\n',
        },
    )


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    workdir = make_workdir(tmp_path_factory.mktemp("tiny"), TINY)
    proc = snakemake(workdir)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return workdir


def test_every_table_written_conforms_to_its_contract(tiny_run):
    # GIVEN the tiny dataset WHEN snakemake ran THEN every published table exists, with rows
    processed = tiny_run / "data" / "processed"
    for table in PUBLISHED:
        assert len(pd.read_parquet(processed / f"{table}.parquet")) > 0, table
    # AND every table file it wrote (published, their base parts, staging) conforms to its contract:
    # columns in order, types, NULLs, accepted values, unique key
    written = sorted(p for p in processed.rglob("*.parquet") if "report_build" not in p.parts)
    assert {p.stem for p in written} == set(table_contract.tables())
    for path in written:
        table_contract.check(pd.read_parquet(path), path.stem)


def test_territories_cover_both_regions_departements_and_france(tiny_run):
    t = pd.read_parquet(tiny_run / "data" / "processed" / "territories.parquet")
    # THEN codes stay text (2A/2B, 972) and every kind is there
    assert set(t.loc[t.territory_code == "94", "departement_code"]) == {"2A", "2B"}
    assert set(t.loc[t.territory_code == "FR", "departement_code"]) == {"2A", "2B", "972"}
    assert set(t["kind"]) == {"region", "departement", "france"}
    assert {"DEP-2A", "DEP-2B", "DEP-972"} <= set(t["territory_code"])


def test_indices_and_estimates_for_each_territory(tiny_run):
    p = tiny_run / "data" / "processed"
    fi = pd.read_parquet(p / "fragility_indices.parquet")
    se = pd.read_parquet(p / "survey_estimates.parquet")
    gaps = pd.read_parquet(p / "perception_gaps.parquet")
    # THEN 16 domains + ensemble per territory, France at 0 in z-score
    assert fi.groupby("territory_code").size().eq(17).all()
    fr = fi[(fi.territory_code == "FR") & (fi.domain_id != "ensemble")]
    assert fr["score"].abs().max() < 1e-9
    assert set(fi.loc[fi.territory_code.isin(["94", "02"]), "rank_among_regions"]) <= {1, 2}
    # THEN survey estimates exist for the four groups, France has no difference to itself
    assert set(se["respondent_group"]) == {"habitants", "associations", "entreprises", "maires"}
    assert se.loc[se.territory_code == "FR", "diff_vs_france"].isna().all()
    hab = se[(se.territory_code == "94") & (se.respondent_group == "habitants") & (se.measure_id == "fragilite_emploi")]
    assert len(hab) == 1 and 0 <= hab["estimate"].iloc[0] <= 10
    # THEN gaps: 16 domains per region, ranks 1..16, one Spearman per territory
    g94 = gaps[gaps.territory_code == "94"]
    assert len(g94) == 16 and g94["rank_objective"].min() == 1
    assert g94["spearman_rho"].nunique() == 1


def test_statistics_tables_are_consistent(tiny_run):
    p = tiny_run / "data" / "processed"
    # THEN the raked weights meet the population margins of each region (and France, which is
    # the union of the regions); every inhabitant has a positive raked weight
    m = pd.read_parquet(p / "raking_margins.parquet")
    assert set(m["territory_code"]) == {"94", "02", "FR"}
    assert (m["achieved_share"] - m["target_share"]).abs().max() < 1e-6
    assert m.groupby(["territory_code", "variable"])["target_share"].sum().sub(1).abs().max() < 1e-9
    w = pd.read_parquet(p / "survey_weights.parquet")
    assert (w["weight_raked"] > 0).all() and len(w) == 300
    # THEN rank intervals bracket the median, gap intervals bracket the gap
    fi = pd.read_parquet(p / "fragility_indices.parquet")
    reg = fi[fi.territory_code.isin(["94", "02"])].dropna(subset=["score"])
    assert (reg["rank_p05"] <= reg["rank_median"]).all() and (reg["rank_median"] <= reg["rank_p95"]).all()
    gaps = pd.read_parquet(p / "perception_gaps.parquet").dropna(subset=["gap"])
    assert len(gaps) > 0
    assert ((gaps["gap_ci_low"] <= gaps["gap"]) & (gaps["gap"] <= gaps["gap_ci_high"])).all()
    assert (gaps["is_gap_significant"] == ((gaps["gap_ci_low"] > 0) | (gaps["gap_ci_high"] < 0))).all()
    # THEN one Sobol row per choice; the audit has one treatment row per indicator
    sens = pd.read_parquet(p / "sensitivity.parquet")
    assert set(sens["choice"]) == {"normalisation", "agregation", "poids", "traitement", "enquete"}
    audit = pd.read_parquet(p / "index_audit.parquet")
    assert (audit["check"] == "traitement").sum() == pd.read_parquet(p / "indicator_scores.parquet")[
        "indicator_id"
    ].nunique()
    # THEN the methodology annex is built and linked from the index page
    annex = tiny_run / "reports" / "methodologie.pdf"
    assert annex.stat().st_size > 10_000
    assert 'href="methodologie.pdf"' in (tiny_run / "reports" / "index.html").read_text(encoding="utf-8")


def test_the_index_page_shows_the_pages_and_sizes_of_the_pdfs(tiny_run):
    # GIVEN the PDFs of the run, read back with pypdf
    import json

    from impact_regions.french import integer
    from impact_regions.index_page import format_size
    from impact_regions.pdf_info import pdf_info

    build = tiny_run / "data" / "processed" / "report_build"
    index = (tiny_run / "reports" / "index.html").read_text(encoding="utf-8")
    pdfs = {p.stem: p for p in (tiny_run / "reports").glob("*.pdf")}
    assert set(pdfs) == {"corse", "martinique", "methodologie"}
    for name, pdf in pdfs.items():
        info = pdf_info(pdf)
        # THEN the facts written by the PDF job (which the index job reads instead of the PDFs)
        # are those of the file
        facts_file = build / ("methodologie-pdf.json" if name == "methodologie" else f"{name}/pdf.json")
        facts = json.loads(facts_file.read_text(encoding="utf-8"))
        assert facts == {"pages": info["pages"], "size_bytes": pdf.stat().st_size}, name
        # AND the index page shows them beside the link
        pages, size = integer(info["pages"]), format_size(pdf.stat().st_size)
        if name == "methodologie":
            assert f"Annexe méthodologique (PDF, {pages} pages, {size})</a>" in index
        else:
            row = index[index.index(f'data-slug="{name}"') :].split("</tr>")[0]
            assert f">PDF, {pages} pages, {size}</a>" in row, row


def test_downloads_hold_the_figures_of_the_tables(tiny_run):
    # GIVEN the processed tables of the run and the files to take away (reports/donnees/)
    import zipfile

    import openpyxl

    p, donnees = tiny_run / "data" / "processed", tiny_run / "reports" / "donnees"
    fi, se, iv = (
        pd.read_parquet(p / f"{t}.parquet") for t in ("fragility_indices", "survey_estimates", "indicator_values")
    )
    for slug, code in (("corse", "94"), ("martinique", "02")):
        # THEN each territory's CSV holds its figures: the overall index and every domain with its rank
        csv = pd.read_csv(
            donnees / f"{slug}.csv", sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code du territoire": str}
        )
        assert set(csv["Code du territoire"]) == {code}
        dom = csv[csv["Bloc"] == "Domaines"].set_index("Identifiant")
        mine = fi[fi["territory_code"] == code].set_index("domain_id")
        assert dom.loc["ensemble", "Valeur du territoire"] == pytest.approx(mine.loc["ensemble", "score"], abs=1e-6)
        rank = dom[[c for c in csv.columns if c.startswith("Rang parmi")][0]]
        for d, row in mine.iterrows():
            assert dom.loc[d, "Valeur du territoire"] == pytest.approx(row["score"], abs=1e-6, nan_ok=True), d
            assert rank[d] == row["rank_among_regions"], d
            assert dom.loc[d, "Rang : borne haute (95 %)"] == row["rank_p95"], d
        # AND every indicator value, and every survey estimate (shares in %)
        ind = csv[csv["Bloc"] == "Indicateurs"].set_index("Identifiant")["Valeur du territoire"]
        values = iv[iv["territory_code"] == code].set_index("indicator_id")["value"]
        assert sorted(ind.index) == sorted(values.index)
        assert ind.reindex(values.index).to_numpy() == pytest.approx(values.to_numpy(), abs=1e-6, nan_ok=True)
        sv = csv[csv["Bloc"] == "Enquêtes"].assign(group=lambda d: d["Groupe de répondants"].str.lower())
        est = se[se["territory_code"] == code].merge(
            sv, left_on=["respondent_group", "measure_id"], right_on=["group", "Identifiant"], validate="1:1"
        )
        assert len(est) == len(sv) == (se["territory_code"] == code).sum()
        scale = est["kind"].map({"moyenne": 1}).fillna(100)
        assert est["Valeur du territoire"].to_numpy() == pytest.approx(
            (est["estimate"] * scale).to_numpy(), abs=1e-6, nan_ok=True
        )
        assert (est["Répondants (nombre)"] == est["n"]).all()
        # AND the workbook holds the same figures, as numbers
        ws = openpyxl.load_workbook(donnees / f"{slug}.xlsx")["Domaines"]
        header = [c.value for c in ws[1]]
        overall = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[header.index("Identifiant")] == "ensemble"]
        assert overall[0][header.index("Valeur du territoire")] == pytest.approx(
            mine.loc["ensemble", "score"], abs=1e-6
        )
    # AND the archive holds every table as Parquet (the file itself) and CSV, each column in the dictionary
    with zipfile.ZipFile(donnees / "impact-regions-tables.zip") as zf:
        names = set(zf.namelist())
        dic = pd.read_csv(zf.open("dictionnaire.csv"), sep=";", encoding="utf-8-sig", dtype=str)
        for table in PUBLISHED:
            assert f"csv/{table}.csv" in names, table
            assert zf.read(f"parquet/{table}.parquet") == (p / f"{table}.parquet").read_bytes(), table
            cols = list(pd.read_parquet(p / f"{table}.parquet").columns)
            assert list(dic.loc[dic["table"] == table, "colonne"]) == cols, table
        back = pd.read_csv(
            zf.open("csv/fragility_indices.csv"),
            sep=";",
            decimal=",",
            encoding="utf-8-sig",
            dtype={"territory_code": str},
        )
    pd.testing.assert_frame_equal(back, fi, check_dtype=False)
    assert {"LISEZMOI.txt", "libelles.csv"} <= names
    # AND the index page links every file to take away
    index = (tiny_run / "reports" / "index.html").read_text(encoding="utf-8")
    for href in (
        "donnees/corse.csv",
        "donnees/corse.xlsx",
        "donnees/martinique.xlsx",
        "donnees/impact-regions-tables.zip",
    ):
        assert f'href="{href}"' in index, href


def test_noop_rerun_does_nothing(tiny_run):
    # WHEN snakemake runs again on unchanged inputs THEN nothing is scheduled
    proc = snakemake(tiny_run, "--dry-run")
    assert proc.returncode == 0
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_bad_raw_value_stops_the_run_and_leaves_no_stale_table(tmp_path):
    # GIVEN a good run on a copy of the tiny data
    raw = tmp_path / "raw"
    shutil.copytree(TINY, raw)
    workdir = make_workdir(tmp_path / "work", raw)
    assert snakemake(workdir).returncode == 0
    processed = workdir / "data" / "processed"
    # WHEN one number of the census extract becomes unparseable and snakemake runs again
    base = raw / "insee" / "base_cc_rp_2017.csv"
    lines = base.read_text(encoding="utf-8").splitlines()
    fields = lines[3].split(";")
    fields[2] = "12x5"
    lines[3] = ";".join(fields)
    base.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = snakemake(workdir)
    # THEN it fails naming file, line, column and value, without a traceback
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "base_cc_rp_2017.csv, line 4, column 'P17_POP': value '12x5': not a number" in out
    assert "Traceback" not in out
    # AND nothing of the failing step nor downstream of it is left; unrelated tables stay
    for stale in (
        "staging/indicator_raw.parquet",
        "base/indicator_values.parquet",
        "base/fragility_indices.parquet",
        "base/perception_gaps.parquet",
        *(f"{t}.parquet" for t in PUBLISHED),
    ):
        assert not (processed / stale).exists(), stale
    assert (processed / "base" / "survey_estimates.parquet").exists()
    assert (processed / "base" / "territories.parquet").exists()


def test_bad_region_file_stops_before_any_job(tmp_path):
    # GIVEN a territory file with a malformed département code
    workdir = make_workdir(tmp_path, TINY)
    (workdir / "config" / "regions" / "bad.yaml").write_text(
        'code: "X1"\nname: Bad\nslug: bad\ndepartements: ["2C"]\n', encoding="utf-8"
    )
    # WHEN snakemake runs THEN it stops at parse time naming the file and the field
    proc = snakemake(workdir)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "bad.yaml: field 'departements.0'" in out
    assert not (workdir / "data" / "processed").exists()
