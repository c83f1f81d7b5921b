"""Bad inputs: each one stops its step with one clear message and leaves no output behind.

The steps are called as Snakemake runs them (`steps.indicator_raw_step`, `steps.survey_step`) on
small raw files copied into tmp_path, with one defect each. Every InputError must name the
file, the physical line, the column and the value; the step's parquet output must not exist.
Configuration errors (region files) must name the file and the field.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from inline_configs import SURVEY_CODEBOOK_YAML

from impact_regions.config import check_config, load_indicators, load_territory_files
from impact_regions.errors import ConfigError, InputError
from impact_regions.steps import indicator_raw_step, survey_step

INDICATORS_YAML = """
domains:
  - {id: emploi, label: Emploi, family: économique}
  - {id: logement, label: Mal-logement, family: social}
indicators:
  - id: chomage
    label: Chômeurs parmi les actifs de 15 à 64 ans
    domain: emploi
    reader: insee_base
    source: insee/base.csv
    level: commune
    numerator: P17_CHOM1564
    denominator: P17_ACT1564
    multiplier: 100
    direction: 1
    unit: "%"
    year: 2017
    source_label: INSEE, RP 2017
  - id: logements_vacants
    label: Logements vacants
    domain: logement
    reader: insee_base
    source: insee/base.csv
    level: commune
    numerator: P17_LOGVAC
    denominator: P17_LOG
    multiplier: 100
    direction: 1
    unit: "%"
    year: 2017
    source_label: INSEE, RP 2017
  - id: pauvrete
    label: Taux de pauvreté
    domain: emploi
    reader: insee_filosofi
    source: filo/FILO_DEP.csv
    level: departement
    value: TP6017
    direction: 1
    unit: "%"
    year: 2017
    source_label: INSEE-DGFiP, Filosofi 2017
  - id: mediane
    label: Médiane du niveau de vie
    domain: emploi
    reader: insee_filosofi
    source: filo/FILO_DEP.csv
    level: departement
    value: MED17
    direction: -1
    unit: "€"
    year: 2017
    source_label: INSEE-DGFiP, Filosofi 2017
"""

SURVEY_YAML = SURVEY_CODEBOOK_YAML

BASE = """CODGEO;LIBGEO;P17_CHOM1564;P17_ACT1564;P17_LOGVAC;P17_LOG
01001;L'Abergement-Clémenciat;30;400;12;350
01004;Ambérieu-en-Bugey;600;7 000;410;6 500
03001;Abrest;150;1 400;80;1 450
2A004;Ajaccio;3 500;33 000;s;38 000
2B033;Bastia;2 400;22 000;1 900;24 000
97101;Les Abymes;6 000;22 000;2 100;25 000
"""

FILO_DEP = """CODGEO;LIBGEO;MED17;TP6017
01;Ain;23 080;8,6
03;Allier;19 700;15,6
2A;Corse-du-Sud;20 300;s
971;Guadeloupe;nd;nd
"""

SURVEY = (
    "id_repondant;code_region;code_departement;sexe;tranche_age;strate;grappe;poids;"
    "fragilite_emploi;fragilite_logement;devoir_alliance;cooperation_emploi;cooperation_logement\n"
    """C1;84;01;1;2;S1;1;1,5;5;7;1;1;0
C2;84;03;2;3;S1;2;0,8;99;3;9;;1
C3;93;13;1;4;S2;1;2,0;8;10;2;0;
C4;94;2A;2;5;S2;2;1,2;0;4;4;1;1
C5;01;971;1;1;S3;1;1,0;6;6;3;0;0
C6;93;04;2;2;S3;2;0,5;2;99;1;;
"""
)


@pytest.fixture
def project(tmp_path, tiny_geo_dir):
    """A tiny project: geo, raw files, catalogue and codebook, and where the outputs go."""
    raw = tmp_path / "raw"
    for rel, text in (
        ("insee/base.csv", BASE),
        ("filo/FILO_DEP.csv", FILO_DEP),
        ("survey/impact_citoyens.csv", SURVEY),
    ):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_text(text, encoding="utf-8")
    (tmp_path / "indicators.yaml").write_text(INDICATORS_YAML, encoding="utf-8")
    (tmp_path / "survey.yaml").write_text(SURVEY_YAML, encoding="utf-8")
    out = tmp_path / "processed"
    return {
        "geo": str(tiny_geo_dir),
        "raw": raw,
        "indicators": str(tmp_path / "indicators.yaml"),
        "survey": str(tmp_path / "survey.yaml"),
        "indicator_raw": out / "indicator_raw.parquet",
        "respondents": out / "survey_respondents.parquet",
        "responses": out / "survey_responses.parquet",
    }


def run_indicator_raw(p):
    indicator_raw_step(p["geo"], str(p["raw"]), p["indicators"], str(p["indicator_raw"]))


def run_survey(p):
    survey_step(p["geo"], str(p["raw"]), p["indicators"], p["survey"], str(p["respondents"]), str(p["responses"]))


def edit_cell(path: Path, row_id: str, column: str, value: str) -> None:
    """Set `column` of the data line whose first field is `row_id` (a `;` file, header on line 1)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(";")
    j = header.index(column)
    for i, line in enumerate(lines[1:], start=1):
        fields = line.split(";")
        if fields[0] == row_id:
            fields[j] = value
            lines[i] = ";".join(fields)
            break
    else:
        raise AssertionError(f"no row {row_id}")
    path.write_text("\n".join(lines), encoding="utf-8")


def assert_names_everything(err: InputError, path: Path, line: int, column: str, value: str | None):
    assert Path(err.path) == path
    assert err.line == line and err.column == column
    msg = str(err)
    assert str(path) in msg and f"line {line}" in msg and f"column '{column}'" in msg
    if value is not None:
        assert err.value == value and repr(value) in msg


# -------------------------------------- the good inputs work ------------------------------------


def test_good_inputs_write_the_outputs(project):
    # GIVEN the clean tiny project
    # WHEN both steps run
    run_indicator_raw(project)
    run_survey(project)
    # THEN their tables exist (so that "no output" below means something)
    raw = pd.read_parquet(project["indicator_raw"])
    assert {"insee/base.csv", "filo/FILO_DEP.csv", "geo"} == set(raw["source"])
    assert set(raw.loc[raw["source"] == "filo/FILO_DEP.csv", "geo_code"]) == {"01", "03", "2A", "971"}
    resp = pd.read_parquet(project["respondents"])
    assert len(resp) == 6 and project["responses"].exists()
    assert sorted(p.name for p in project["indicator_raw"].parent.iterdir()) == [
        "indicator_raw.parquet",
        "survey_respondents.parquet",
        "survey_responses.parquet",
    ]  # no temp file left


# ----------------------------------------- indicator_raw ----------------------------------------


@pytest.mark.parametrize(
    "file, row_id, column, value, line, words",
    [
        ("insee/base.csv", "01004", "P17_ACT1564", "7 000,5,2", 3, "not a number"),
        ("insee/base.csv", "2B033", "P17_LOGVAC", "n.d.", 6, "not a number nor a known missing marker"),
        ("insee/base.csv", "03001", "CODGEO", "03999", 4, "unknown commune code"),
        ("insee/base.csv", "03001", "CODGEO", "3001", 4, "leading zero"),
        ("insee/base.csv", "2A004", "CODGEO", "20004", 5, "unknown commune code"),  # Corse written as 20
        ("insee/base.csv", "2B033", "CODGEO", "01001", 6, "duplicate code (already on line 2)"),
        ("filo/FILO_DEP.csv", "03", "CODGEO", "3", 3, "leading zero"),
        ("filo/FILO_DEP.csv", "2A", "CODGEO", "20", 4, "unknown departement code"),
        ("filo/FILO_DEP.csv", "971", "TP6017", "N/A", 5, "not a number"),
        # impossible numbers: a negative count, a rate outside its unit's range
        ("insee/base.csv", "03001", "P17_CHOM1564", "-150", 4, "a count (numerator of 'chomage') must be ≥ 0"),
        ("insee/base.csv", "2B033", "P17_LOG", "-24000", 6, "a count (denominator of 'logements_vacants') must be ≥ 0"),
        ("filo/FILO_DEP.csv", "03", "TP6017", "115.6", 3, "value outside the range of its unit '%' (0 to 100)"),
        ("filo/FILO_DEP.csv", "01", "TP6017", "-0.1", 2, "value outside the range of its unit '%' (0 to 100)"),
        ("filo/FILO_DEP.csv", "03", "MED17", "-19700", 3, "value outside the range of its unit '€' (≥ 0)"),
        # a share above 100 %: more unemployed than active people in Abrest (1 400)
        (
            "insee/base.csv",
            "03001",
            "P17_CHOM1564",
            "1500",
            4,
            (
                "numerator above its denominator for commune 03001: "
                "P17_CHOM1564 = 1500 over P17_ACT1564 = 1400 (same line)"
                " gives a rate of 107.1 %, outside 0 to 100 (indicator 'chomage')"
            ),
        ),
        ("insee/base.csv", "2B033", "P17_LOGVAC", "24001", 6, "numerator above its denominator for commune 2B033"),
    ],
)
def test_bad_raw_extract_stops_indicator_raw(project, file, row_id, column, value, line, words):
    # GIVEN a copy of a raw extract with one bad cell
    path = project["raw"] / file
    edit_cell(path, row_id, column, value)
    # WHEN the ingest step runs
    with pytest.raises(InputError) as info:
        run_indicator_raw(project)
    # THEN the message names file, line, column and value, and no table is written
    assert_names_everything(info.value, path, line, column, value)
    assert words in str(info.value)
    assert not project["indicator_raw"].exists()


@pytest.mark.parametrize("unit", ["€", "minutes", "consultations/an/hab.", "indice", "pour 10 000 hab."])
def test_negative_value_of_a_unit_without_sign_stops_indicator_raw(project, unit):
    # GIVEN the published poverty value in a unit that cannot be negative (an income, a travel
    # time, an accessibility, an index on a base 100), with one negative value
    text = INDICATORS_YAML.replace(
        '    value: TP6017\n    direction: 1\n    unit: "%"\n',
        f'    value: TP6017\n    direction: 1\n    unit: "{unit}"\n',
    )
    assert text != INDICATORS_YAML
    Path(project["indicators"]).write_text(text, encoding="utf-8")
    path = project["raw"] / "filo/FILO_DEP.csv"
    edit_cell(path, "2A", "TP6017", "-3,5")
    # WHEN the ingest step runs
    with pytest.raises(InputError) as info:
        run_indicator_raw(project)
    # THEN it stops on that value, with the unit's range and what to do
    assert_names_everything(info.value, path, 4, "TP6017", "-3.5")
    assert f"value outside the range of its unit '{unit}' (≥ 0) (value of 'pauvrete')" in str(info.value)
    assert "`range` in indicators.yaml" in str(info.value)
    assert not project["indicator_raw"].exists()


def test_every_unit_of_the_catalogue_has_a_range():
    # GIVEN the shipped catalogue
    from impact_regions.indicator_raw import rate_range, value_range

    catalogue = load_indicators(Path(__file__).parents[1] / "config" / "indicators.yaml")
    for ind in catalogue["indicators"]:
        if ind["additive"]:
            # THEN every share (an additive % of counts) is bounded by its denominator, the
            # change of employment and the creation rate (creations in the year over the stock
            # on 1 January, above 100 % in a tiny commune) excepted
            expected = (
                ind.get("signed_numerator", False)
                or ind["id"] == "taux_creation_entreprises"
                or not ind["unit"].startswith("%")
            )
            assert (rate_range(ind) in (None, (0, None))) == expected, ind["id"]
        else:
            # THEN every published value has a range: nothing is accepted whatever its sign
            lo, _ = value_range(ind)
            assert lo == 0, ind["id"]


def test_share_above_its_denominator_in_another_file_names_both(project):
    # GIVEN unemployment counted in the RP base but divided by active people of another file
    den = project["raw"] / "insee/actifs.csv"
    den.write_text(
        "CODGEO;LIBGEO;ACT\n01001;A;400\n01004;B;7000\n03001;C;100\n2A004;D;33000\n2B033;E;22000\n97101;F;22000\n",
        encoding="utf-8",
    )
    text = INDICATORS_YAML.replace(
        "    denominator: P17_ACT1564\n",
        "    denominator: ACT\n    denominator_source: insee/actifs.csv\n    denominator_reader: insee_base\n",
    )
    Path(project["indicators"]).write_text(text, encoding="utf-8")
    # WHEN the ingest step runs
    with pytest.raises(InputError) as info:
        run_indicator_raw(project)
    # THEN the error names the numerator's file, line, column and value, and the denominator's
    # column, value, file and line
    path = project["raw"] / "insee/base.csv"
    assert_names_everything(info.value, path, 4, "P17_CHOM1564", "150")
    assert f"over ACT = 100 ({den}, line 4) gives a rate of 150 %" in str(info.value)
    assert "declare its `range`" in str(info.value)
    # and a declared range lets it through
    Path(project["indicators"]).write_text(
        text.replace("    denominator: ACT\n", "    denominator: ACT\n    range: [0, null]\n"), encoding="utf-8"
    )
    run_indicator_raw(project)
    assert project["indicator_raw"].exists()


def test_signed_numerator_and_explicit_range_are_accepted(project):
    # GIVEN a numerator that is a change (declared signed) with a negative value, and a rate whose
    # catalogue range allows negative values
    path = project["raw"] / "insee/base.csv"
    edit_cell(path, "03001", "P17_CHOM1564", "-150")
    edit_cell(project["raw"] / "filo/FILO_DEP.csv", "03", "TP6017", "-2,5")
    text = INDICATORS_YAML.replace(
        "    numerator: P17_CHOM1564\n", "    numerator: P17_CHOM1564\n    signed_numerator: true\n"
    )
    text = text.replace("    value: TP6017\n", "    value: TP6017\n    range: [-100, null]\n")
    Path(project["indicators"]).write_text(text, encoding="utf-8")
    # WHEN the ingest step runs / THEN it succeeds and keeps the values
    run_indicator_raw(project)
    raw = pd.read_parquet(project["indicator_raw"])

    def value(source, code, column):
        return raw.loc[
            (raw["source"] == source) & (raw["geo_code"] == code) & (raw["column"] == column), "value"
        ].item()

    assert value("insee/base.csv", "03001", "P17_CHOM1564") == -150
    assert value("filo/FILO_DEP.csv", "03", "TP6017") == -2.5


def test_negative_population_stops_indicator_raw(project):
    # GIVEN the reference geography with a negative commune population (line 4 of communes.csv)
    path = Path(project["geo"]) / "communes.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[3].startswith("03001,") and lines[3].endswith(",3000")
    lines[3] = lines[3][: -len("3000")] + "-3000"
    path.write_text("\n".join(lines), encoding="utf-8")
    # WHEN / THEN the step stops naming file, line, column and value
    with pytest.raises(InputError) as info:
        run_indicator_raw(project)
    assert_names_everything(info.value, path, 4, "population_municipale", "-3000")
    assert not project["indicator_raw"].exists()


def test_missing_column_stops_indicator_raw(project):
    # GIVEN the RP extract without its P17_LOG column
    path = project["raw"] / "insee/base.csv"
    df = pd.read_csv(path, sep=";", dtype=str).drop(columns=["P17_LOG"])
    df.to_csv(path, sep=";", index=False)
    # WHEN the ingest step runs
    with pytest.raises(InputError) as info:
        run_indicator_raw(project)
    # THEN the error names the file, the header line and the missing column
    assert_names_everything(info.value, path, 1, "P17_LOG", None)
    assert "missing column 'P17_LOG'" in str(info.value)
    assert not project["indicator_raw"].exists()


def test_missing_raw_file_stops_indicator_raw(project):
    # GIVEN the Filosofi file is absent
    path = project["raw"] / "filo/FILO_DEP.csv"
    path.unlink()
    # WHEN / THEN the error names the missing file and nothing is written
    with pytest.raises(InputError, match="file not found") as info:
        run_indicator_raw(project)
    assert str(path) in str(info.value)
    assert not project["indicator_raw"].exists()


def test_failed_rerun_leaves_no_temporary_file(project):
    # GIVEN a first good run, then a bad cell
    run_indicator_raw(project)
    before = project["indicator_raw"].read_bytes()
    edit_cell(project["raw"] / "insee/base.csv", "01001", "P17_LOG", "x")
    # WHEN the step runs again
    with pytest.raises(InputError):
        run_indicator_raw(project)
    # THEN the old table is untouched (Snakemake removes it) and no temporary file is left
    assert project["indicator_raw"].read_bytes() == before
    assert [p.name for p in project["indicator_raw"].parent.iterdir()] == ["indicator_raw.parquet"]


# -------------------------------------------- survey --------------------------------------------

SURVEY_FILE = Path("survey/impact_citoyens.csv")


@pytest.mark.parametrize(
    "row_id, column, value, line, words",
    [
        ("C3", "poids", "0", 4, "weight must be a number > 0"),
        ("C2", "poids", "-1,5", 3, "weight must be a number > 0"),
        ("C6", "poids", "", 7, "weight must be a number > 0"),
        ("C5", "poids", "un", 6, "weight must be a number > 0"),
        ("C4", "fragilite_emploi", "11", 5, "answer out of range (allowed: 0 to 10, or 99 (ne sait pas))"),
        ("C1", "fragilite_logement", "-1", 2, "answer out of range"),
        ("C1", "devoir_alliance", "5", 2, "answer out of range (allowed: 1 to 4, or 9"),
        ("C3", "cooperation_emploi", "2", 4, "answer out of range (allowed: 0 or 1"),
        ("C2", "fragilite_emploi", "5,5", 3, "not a whole number"),
        ("C5", "sexe", "3", 6, "code out of range (allowed: 1, 2)"),
        ("C4", "code_region", "99", 5, "respondent in an unknown region"),
        ("C5", "code_region", "1", 6, "respondent in an unknown region"),
        ("C1", "code_departement", "13", 2, "département is not in the respondent's region 84"),
        ("C6", "code_departement", "4", 7, "unknown département code"),
        ("C3", "id_repondant", "C1", 4, "duplicate respondent identifier"),
        ("C2", "strate", "", 3, "empty design code"),
    ],
)
def test_bad_survey_value_stops_survey_step(project, row_id, column, value, line, words):
    # GIVEN a copy of the microdata with one bad cell
    path = project["raw"] / SURVEY_FILE
    edit_cell(path, row_id, column, value)
    # WHEN the survey step runs
    with pytest.raises(InputError) as info:
        run_survey(project)
    # THEN the message names file, line, column and value, and neither table is written
    assert_names_everything(info.value, path, line, column, value)
    assert words in str(info.value)
    assert not project["respondents"].exists() and not project["responses"].exists()


def test_another_departement_of_the_same_region_is_accepted(project):
    # GIVEN the respondent of 2A moved to 2B (same region 94), and one of 01 moved to 03 (region 84)
    path = project["raw"] / SURVEY_FILE
    edit_cell(path, "C4", "code_departement", "2B")
    edit_cell(path, "C1", "code_departement", "03")
    # WHEN the survey step runs
    run_survey(project)
    # THEN it succeeds and keeps the codes as text
    resp = pd.read_parquet(project["respondents"]).set_index("respondent_id")
    assert resp.at["C4", "departement_code"] == "2B" and resp.at["C5", "departement_code"] == "971"
    assert resp.at["C1", "region_code"] == "84" and resp.at["C5", "region_code"] == "01"


def test_survey_missing_column(project):
    # GIVEN the microdata without the weight column
    path = project["raw"] / SURVEY_FILE
    pd.read_csv(path, sep=";", dtype=str, keep_default_na=False).drop(columns=["poids"]).to_csv(
        path, sep=";", index=False
    )
    # WHEN / THEN the error names the file, line 1 and the column
    with pytest.raises(InputError) as info:
        run_survey(project)
    assert_names_everything(info.value, path, 1, "poids", None)
    assert not project["respondents"].exists() and not project["responses"].exists()


@pytest.mark.parametrize(
    "column, entry",
    [
        ("cooperation_logement", "files.0.measures.cooperation_{domain}"),
        ("devoir_alliance", "files.0.measures.devoir_alliance"),
        ("strate", "files.0.strata_column"),
        ("grappe", "files.0.psu_column"),
        ("tranche_age", "files.0.extra_columns.tranche_age"),
        ("code_departement", "departement_column"),
    ],
)
def test_survey_column_named_by_the_codebook_is_required(project, column, entry):
    # GIVEN microdata without a column the codebook names (a measure, a design or an extra column)
    path = project["raw"] / SURVEY_FILE
    pd.read_csv(path, sep=";", dtype=str, keep_default_na=False).drop(columns=[column]).to_csv(
        path, sep=";", index=False
    )
    # WHEN / THEN the error names the file, the header line, the column and the codebook entry
    with pytest.raises(InputError) as info:
        run_survey(project)
    assert_names_everything(info.value, path, 1, column, None)
    assert f"missing column '{column}' (named by the codebook entry {entry})" in str(info.value)
    assert not project["respondents"].exists() and not project["responses"].exists()


def test_survey_optional_measure_may_be_absent(project):
    # GIVEN microdata without devoir_alliance, which the codebook marks optional
    path = project["raw"] / SURVEY_FILE
    pd.read_csv(path, sep=";", dtype=str, keep_default_na=False).drop(columns=["devoir_alliance"]).to_csv(
        path, sep=";", index=False
    )
    text = SURVEY_YAML.replace("label: Devoir d'alliance}", "label: Devoir d'alliance, optional: true}")
    assert text != SURVEY_YAML
    Path(project["survey"]).write_text(text, encoding="utf-8")
    # WHEN the survey step runs / THEN it succeeds and the measure has no answer
    run_survey(project)
    answers = pd.read_parquet(project["responses"])
    assert "devoir_alliance" not in set(answers["measure_id"]) and "fragilite_emploi" in set(answers["measure_id"])


def test_survey_line_number_after_a_blank_line(project):
    # GIVEN microdata with a blank line after C2, and a zero weight on C4 (physical line 6)
    path = project["raw"] / SURVEY_FILE
    lines = SURVEY.split("\n")
    lines.insert(3, "")
    path.write_text("\n".join(lines), encoding="utf-8")
    edit_cell(path, "C4", "poids", "0")
    assert path.read_text(encoding="utf-8").split("\n")[5].startswith("C4;")
    # WHEN / THEN the error points at line 6
    with pytest.raises(InputError) as info:
        run_survey(project)
    assert info.value.line == 6


# ------------------------------------------ configuration ---------------------------------------


def write_region(directory: Path, slug: str, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / f"{slug}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "slug, text, field, words",
    [
        ("alsace", 'code: alsace\nname: Alsace\nslug: alsace\ndepartements: ["01"]\n', "code", "does not match"),
        (
            "alsace",
            "code: ALSACE\nname: Alsace\nslug: alsace\ndepartements: [1, 3]\n",
            "departements.0",
            "not of type 'string'",
        ),
        (
            "alsace",
            'code: ALSACE\nname: Alsace\nslug: alsace\ndepartements: ["01"]\ncolour: red\n',
            "(top level)",
            "colour",
        ),
        (
            "alsace",
            'code: ALSACE\nslug: alsace\ndepartements: ["01"]\n',
            "(top level)",
            "'name' is a required property",
        ),
        (
            "alsace",
            'code: ALSACE\nname: Alsace\nslug: elsass\ndepartements: ["01"]\n',
            "slug",
            "must equal the file name",
        ),
        ("alsace", "code: ALSACE\nname: Alsace\nslug: alsace\n", "departements", "must list its départements"),
        (
            "alsace",
            'code: ALSACE\nname: Alsace\nslug: alsace\ndepartements: ["01", "99"]\n',
            "departements",
            "unknown département code(s) 99",
        ),
        ("france", 'code: FR\nname: France\nslug: france\ndepartements: ["01"]\n', "code", "reserved"),
        ("r99", 'code: "99"\nname: Nowhere\nslug: r99\ndepartements: ["01"]\n', "code", "not a COG region code"),
        (
            "ara",
            'code: "84"\nname: ARA\nslug: ara\ndepartements: ["01"]\n',
            "departements",
            "region 84 has départements 01, 03",
        ),
        ("ara", 'code: "84"\nname: [ARA\nslug: ara\n', None, "invalid YAML"),
    ],
)
def test_bad_region_file(tmp_path, tiny_geo, slug, text, field, words):
    # GIVEN a region directory with one bad file (and a good one)
    regions = tmp_path / "regions"
    write_region(regions, "corse", 'code: "94"\nname: Corse\nslug: corse\n')
    bad = write_region(regions, slug, text)
    # WHEN the territory files are loaded
    with pytest.raises(ConfigError) as info:
        load_territory_files(regions, tiny_geo)
    # THEN the error names the file and the field
    e = info.value
    assert Path(e.path) == bad
    assert str(bad) in str(e)
    if field is not None:
        assert e.field == field and f"field '{field}'" in str(e)
    assert words in str(e)


def test_custom_code_that_collides(tmp_path, tiny_geo):
    # GIVEN two custom territories with the same code
    regions = tmp_path / "regions"
    write_region(regions, "alsace", 'code: ALSACE\nname: Alsace\nslug: alsace\ndepartements: ["01"]\n')
    second = write_region(regions, "elsass", 'code: ALSACE\nname: Elsass\nslug: elsass\ndepartements: ["03"]\n')
    # WHEN loaded / THEN the second file's code is rejected, naming the first
    with pytest.raises(ConfigError) as info:
        load_territory_files(regions, tiny_geo)
    assert Path(info.value.path) == second and info.value.field == "code"
    assert "already used by alsace.yaml" in str(info.value)


def test_good_region_files(tmp_path, tiny_geo):
    # GIVEN a COG region without départements and a custom territory with 2A
    regions = tmp_path / "regions"
    write_region(regions, "corse", 'code: "94"\nname: Corse\nslug: corse\n')
    write_region(regions, "sud", 'code: SUD_2\nname: Sud\nslug: sud\ndepartements: ["2A", "04"]\n')
    # WHEN loaded / THEN the region gets its COG départements and the custom one keeps its own
    out = {t["code"]: t for t in load_territory_files(regions, tiny_geo)}
    assert out["94"]["kind"] == "region" and out["94"]["departements"] == ["2A", "2B"]
    assert out["SUD_2"]["kind"] == "custom" and out["SUD_2"]["departements"] == ["04", "2A"]


def test_bad_catalogue_and_config(tmp_path):
    # GIVEN a catalogue whose indicator points at an unknown domain
    path = tmp_path / "indicators.yaml"
    path.write_text(INDICATORS_YAML.replace("domain: logement\n", "domain: housing\n"), encoding="utf-8")
    # WHEN / THEN the error names the file and the field
    with pytest.raises(ConfigError) as info:
        load_indicators(path)
    assert info.value.field == "indicators.1.domain" and "unknown domain 'housing'" in str(info.value)
    assert str(path) in str(info.value)
    # and a geometric mean of z-scores is refused in config.yaml
    config = {
        "vintage": 2017,
        "raw_dir": "data/raw",
        "processed_dir": "data/processed",
        "reports_dir": "reports",
        "regions_dir": "config/regions",
        "indicators": "config/indicators.yaml",
        "survey": "config/survey.yaml",
    }
    assert check_config(config, "config/config.yaml")["index"]["aggregation"] == "arithmetic"
    with pytest.raises(ConfigError) as info:
        check_config(dict(config, index={"aggregation": "geometric", "normalisation": "zscore"}), "config/config.yaml")
    assert info.value.field == "index.aggregation" and "config/config.yaml" in str(info.value)
