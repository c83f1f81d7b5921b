"""The contract of the tables, workflow/schemas/tables.yaml (impact_regions.table_contract): its
form, the check every table passes before it is written, and the copies of it elsewhere (the
README's table of tables, the columns and codes the report code names, the workflow's table lists).
"""

from __future__ import annotations

import ast
import copy
import re

import duckdb
import pandas as pd
import pytest
from test_tables_archive import frames
from workdirs import ROOT

from impact_regions import table_contract as tc
from impact_regions.storage import write_table


def sensitivity() -> pd.DataFrame:
    """A table that keeps the contract of `sensitivity` (two choices; a NULL where one is allowed)."""
    df = frames()["sensitivity"]
    df.loc[1, "first_order"] = None
    return df


def violation(df: pd.DataFrame, table: str = "sensitivity") -> str:
    with pytest.raises(tc.ContractError) as info:
        tc.check(df, table)
    return str(info.value)


# the contract itself ------------------------------------------------------------------------------


def test_the_contract_validates_against_its_schema():
    # GIVEN workflow/schemas/tables.yaml WHEN validated THEN nothing is wrong with it
    tc.validate()
    # AND it covers the published tables and the staging tables, each key made of its columns
    assert len(tc.tables("published")) == 10 and len(tc.tables("staging")) == 5
    for t in tc.tables():
        assert tc.keys(t) and set(tc.keys(t)) <= set(tc.columns(t)), t


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda c: c["tables"]["sensitivity"]["columns"]["runs"].pop("unit"), "'unit' is a required property"),
        (lambda c: c["tables"]["sensitivity"]["columns"]["runs"].update(type="INT"), "'INT' is not one of"),
        (lambda c: c["tables"]["sensitivity"].update(key=["choice", "nope"]), "'nope' is not a column"),
        (lambda c: c["tables"]["sensitivity"]["columns"]["choice"].update(nullable=True), "cannot be nullable"),
        (
            lambda c: c["tables"]["sensitivity"]["columns"]["output"].update(accepted_values="outputs"),
            "no code list 'outputs'",
        ),
    ],
)
def test_a_broken_contract_is_named_by_validate(edit, message):
    # GIVEN the contract with one mistake WHEN validated THEN the error names the field and the problem
    broken = copy.deepcopy(tc.contract())
    edit(broken)
    with pytest.raises(tc.ContractError, match=re.escape(message)):
        tc.validate(broken)


# the check --------------------------------------------------------------------------------------


def test_a_table_that_keeps_the_contract_passes():
    # GIVEN a table with the contract's columns, types, NULLs where allowed THEN check says nothing
    tc.check(sensitivity(), "sensitivity")


def test_a_duplicate_key_is_named_with_its_rows():
    df = sensitivity()
    df.loc[1, "choice"] = "normalisation"
    msg = violation(df)
    # THEN the table, the key, the value and how many rows hold it
    assert "table 'sensitivity' breaks its contract" in msg
    assert "key (choice) not unique: 1 value(s) held by several rows (2 rows), e.g. ('normalisation') x 2" in msg


def test_a_null_in_a_key_or_a_non_nullable_column_is_named_with_its_rows():
    df = sensitivity()
    df.loc[1, "choice"] = None
    df.loc[0, "runs"] = None  # int64 becomes float64 with a NaN: the type is wrong too
    df["evaluations"] = pd.array([3584, None], dtype="Int64")
    msg = violation(df)
    assert "column 'choice': 1 NULL value(s) (row(s) 1), the contract says never NULL" in msg
    assert "column 'runs': type DOUBLE (Arrow double), the contract says BIGINT" in msg
    assert "column 'evaluations': 1 NULL value(s) (row(s) 1), the contract says never NULL" in msg


def test_missing_extra_and_moved_columns_are_named():
    assert "missing column(s) total, runs" in violation(sensitivity().drop(columns=["total", "runs"]))
    assert "column(s) note not in the contract" in violation(sensitivity().assign(note="x"))
    moved = sensitivity()[["first_order", "choice", *tc.columns("sensitivity")[2:]]]
    assert "columns in the order first_order, choice, total," in violation(moved)


def test_a_wrong_type_is_named_with_the_contracts():
    df = sensitivity().assign(runs=["512", "512"])
    assert "column 'runs': type VARCHAR (Arrow large_string), the contract says BIGINT" in violation(df)


def test_a_value_outside_the_accepted_values_is_named_with_its_count():
    df = pd.concat([sensitivity()] * 3, ignore_index=True)
    df["choice"] = ["normalisation", "enquete", "seed", "other", "seed", "poids"]
    msg = violation(df)
    # THEN the values, their row counts, the code list and its values
    assert (
        "column 'choice': value(s) outside the accepted values of code list 'sensitivity.choice' "
        "(normalisation, agregation, poids, traitement, enquete): 'seed' (2 row(s)), 'other' (1 row(s))"
    ) in msg


def test_every_problem_is_listed_at_once():
    df = sensitivity().assign(output="mean_rank", runs=[1.5, 2.5])
    msg = violation(df)
    assert "column 'output': value(s) outside" in msg and "column 'runs': type DOUBLE" in msg


def test_a_column_of_nulls_gets_the_contracts_type():
    # GIVEN an indicator_values part where no value is missing: missing_reason is all NULL (object)
    df = pd.DataFrame(
        {
            "indicator_id": ["a"],
            "territory_code": ["X"],
            "domain_id": ["emploi"],
            "year": [2017],
            "numerator": [1.0],
            "denominator": [2.0],
            "value": [0.5],
            "missing_reason": pd.Series([None], dtype=object),
            "value_method": ["somme_des_effectifs"],
            "source_level": ["commune"],
            "coverage": [1.0],
        }
    )
    # WHEN it is conformed THEN the column is text, as in every other part
    assert tc._duckdb_type(tc.conform(df, "indicator_values").schema.field("missing_reason").type) == "VARCHAR"


def test_extra_columns_of_the_codebook_are_allowed_after_the_contracts():
    base = pd.DataFrame(
        {
            "file_id": ["citoyens", "organisations"],
            "respondent_id": ["1", "2"],
            "respondent_group": ["habitants", "maires"],
            "region_code": ["94", "94"],
            "departement_code": ["2A", "2B"],
            "stratum": ["citoyens:94", "organisations:94"],
            "psu": ["citoyens:94:1", "organisations:94:2"],
            "weight": [1.0, 2.0],
        }
    )
    # GIVEN survey_respondents with the codebook's extra columns (NULL for organisations) THEN it passes
    tc.check(base.assign(sexe=[1.0, None], tranche_age=[2.0, None]), "survey_respondents")
    # AND an extra column of text, or before the contract's columns, is named
    assert "extra column 'sexe': type VARCHAR" in violation(base.assign(sexe=["1", None]), "survey_respondents")
    moved = base.assign(sexe=[1, 2])[["sexe", *base.columns]]
    assert "extra column(s) sexe before the contract's columns" in violation(moved, "survey_respondents")
    assert "column 'respondent_group': value(s) outside" in violation(
        base.assign(respondent_group=["x", "maires"]), "survey_respondents"
    )


def test_write_table_writes_nothing_when_the_check_fails(tmp_path):
    # GIVEN a table that breaks the contract and an earlier file at its path
    path = tmp_path / "sensitivity.parquet"
    path.write_bytes(b"earlier")
    df = sensitivity().assign(output="other")
    # WHEN it is written THEN the error names the file and the table, and nothing changed on disk
    with pytest.raises(tc.ContractError, match=r"sensitivity\.parquet: table 'sensitivity' breaks its contract"):
        write_table(df, path, "sensitivity")
    assert path.read_bytes() == b"earlier" and sorted(p.name for p in tmp_path.iterdir()) == ["sensitivity.parquet"]


def test_write_table_writes_the_file_pandas_would(tmp_path):
    # GIVEN a conforming table WHEN written THEN the bytes are those of DataFrame.to_parquet
    df = sensitivity()
    write_table(df, tmp_path / "a.parquet", "sensitivity")
    df.to_parquet(tmp_path / "b.parquet", index=False)
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_an_unknown_table_is_named():
    with pytest.raises(tc.ContractError, match="table 'nope' is not in the contract"):
        tc.keys("nope")


# the demo's tables ------------------------------------------------------------------------------


def test_the_contract_lists_exactly_the_demos_columns_and_types(demo_processed):
    # GIVEN every table file of a run on the demo data (published tables, base parts, staging)
    files = sorted(p for p in demo_processed.rglob("*.parquet") if "report_build" not in p.parts)
    assert {p.stem for p in files} == set(tc.tables())
    con = duckdb.connect()
    for path in files:
        spec = tc.table(path.stem)
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
        got = [(name, typ) for name, typ, *_ in described]
        extra = got[len(spec["columns"]) :]
        # THEN the columns are the contract's, in order, with the DuckDB types it gives (no missing, no extra)
        assert got[: len(spec["columns"])] == [(c, s["type"]) for c, s in spec["columns"].items()], path
        if "extra_columns" in spec:
            assert [n for n, _ in extra] == ["sexe", "tranche_age"]
            assert {t for _, t in extra} <= set(spec["extra_columns"]["type"])
        else:
            assert extra == [], path
        # AND their values keep it (NULLs, accepted values, key)
        tc.check(pd.read_parquet(path), path.stem)


# the copies -------------------------------------------------------------------------------------


def design_tables() -> dict[str, tuple[list[str], list[str]]]:
    """{table: (key, main columns)} of DESIGN §6's table of processed tables (docs/DESIGN.md, the
    verbatim copy of the steering document), the `(...)` of a column being its comment."""
    text = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")
    block = text[text.index("| table | key | main columns |") :].split("\n\n")[0]
    out = {}
    for line in block.splitlines()[2:]:
        name, key, main = (cell.strip(" `") for cell in line.strip("|").split("|"))
        main = re.sub(r"\([^)]*\)", "", main)
        out[name] = ([k.strip() for k in key.split(",")], [c.strip() for c in main.split(",")])
    return out


def test_designs_tables_columns_and_values_are_the_contracts():
    # GIVEN DESIGN §6, whose names other tools and tests read
    design = design_tables()
    assert len(design) == 6
    for t, (key, main) in design.items():
        # THEN each of its tables has DESIGN's key and every column DESIGN names
        assert tc.keys(t) == key, t
        assert set(key + main) <= set(tc.columns(t)), (t, sorted(set(key + main) - set(tc.columns(t))))
    # AND the columns §6 adds with calibration and uncertainty are there
    assert {"rank_median", "rank_p05", "rank_p95"} <= set(tc.columns("fragility_indices"))
    assert {"gap_ci_low", "gap_ci_high"} <= set(tc.columns("perception_gaps"))
    assert {"weight_design", "weight_raked"} <= set(tc.columns("survey_weights"))
    assert {"territory_code", "variable", "category", "target_share", "achieved_share"} <= set(
        tc.columns("raking_margins")
    )
    assert {"choice", "first_order", "total"} <= set(tc.columns("sensitivity"))
    # AND the values DESIGN writes are the accepted values, spelled as DESIGN spells them
    text = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")
    kinds = re.search(r"kind \(([a-z/]+)\)", text).group(1).split("/")
    assert sorted(tc.codes("territories.kind")) == sorted(kinds)
    section = text[text.index("## 5. The 16 domains") : text.index("Every domain has")]
    families = {line.split("|")[3].strip() for line in section.splitlines()[4:] if line.startswith("|")}
    assert families == {"économique", "social", "sociétal", "environnemental"}
    assert families <= set(tc.codes("family"))
    groups = re.search(r"`respondent_group` is one of ([^.]+)\.", text).group(1)
    assert sorted(tc.codes("respondent_group")) == sorted(re.findall(r"`([a-z]+)`", groups))


def readme_tables() -> dict[str, tuple[list[str], str]]:
    """{table: (key, what)} of the README's table of processed tables."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index("| table | key | what |") :].split("\n\n")[0]
    rows = [line.split(" | ") for line in block.splitlines()[2:]]
    return {r[0].strip("| `"): ([k.strip() for k in r[1].split(",")], r[2]) for r in rows}


def test_the_readmes_table_of_tables_is_the_contracts():
    # GIVEN the README's table of data/processed/*.parquet
    readme = readme_tables()
    # THEN it lists the published tables with the contract's keys
    assert sorted(readme) == sorted(tc.tables("published"))
    assert {t: key for t, (key, _) in readme.items()} == {t: tc.keys(t) for t in readme}
    # AND every column it names in `code` is a column of that table
    for t, (_, what) in readme.items():
        named = re.findall(r"`([a-z_0-9]+)`", what)
        assert set(named) <= set(tc.columns(t)), (t, sorted(set(named) - set(tc.columns(t))))
    # AND its reliability table gives the accepted values of reliability
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index("| value | rule (defaults) | in the reports |") :].split("\n\n")[0]
    assert [line.split("|")[1].strip(" `") for line in block.splitlines()[2:]] == list(tc.codes("reliability"))


def test_the_columns_and_codes_the_report_code_names_are_the_contracts():
    from impact_regions import report_common, report_indicators
    from impact_regions.report_context import TABLE_COLUMNS

    # GIVEN the columns the reports read THEN each is a column of its table in the contract
    for table, cols in TABLE_COLUMNS.items():
        assert set(cols) <= set(tc.columns(table)), (table, sorted(set(cols) - set(tc.columns(table))))
    assert set(report_indicators.COLUMNS) <= set(TABLE_COLUMNS["indicator_values"])
    # AND the codes the reports word are the contract's
    assert set(report_indicators.MISSING_TEXTS) == set(tc.codes("missing_reason"))
    assert report_common.GROUPS == list(tc.codes("respondent_group")) == list(report_common.GROUP_LABELS)
    assert set(report_common.QUADRANTS) == set(tc.codes("quadrant"))
    assert report_common.FAMILIES == [c for c in tc.codes("family") if c != "ensemble"]
    assert list(report_common.FAMILY_LABELS) == list(report_common.FAMILY_TITLES) == report_common.FAMILIES
    # AND the contract's longer meaning of a family opens with the label the reports print
    for family, label in report_common.FAMILY_LABELS.items():
        assert tc.codes("family")[family].startswith(f"{label} ("), (family, tc.codes("family")[family])


def test_the_workflows_table_lists_are_the_contracts_published_tables():
    # GIVEN the table lists of workflow/rules/common.smk THEN together they are the published tables
    text = (ROOT / "workflow" / "rules" / "common.smk").read_text(encoding="utf-8")

    def listed(name: str) -> list[str]:
        start = text.index(f"\n{name} = [") + len(name) + 4
        return ast.literal_eval(text[start : text.index("]", start) + 1])

    assert sorted(listed("TABLE_NAMES") + listed("RUN_TABLE_NAMES")) == sorted(tc.tables("published"))
