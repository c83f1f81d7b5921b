"""Survey files as pollsters deliver them (issue 11, points 1, 2 and 5).

The tests write the same eight respondents four times: as the project's own CSV layout, and as an
SPSS .sav, a Stata .dta and an Excel .xlsx with a pollster's variable names (RESPID, REG, Q3_1…),
value labels, declared missing values (SPSS missing codes, Stata extended missing values), an age
in years instead of the age band, and regions and départements given as names, as numbers that
lost their leading zero, or as pollster codes whose value labels name the region. Read through
their codebooks, all four must give exactly the same staging tables. Then the errors: an
unexpected answer quotes its code and its label, an unknown region name is named with a
suggestion, a missing column names the codebook entry, an age in no band stops the run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from impact_regions.config import load_survey
from impact_regions.errors import ConfigError, InputError
from impact_regions.survey_files import read_survey_table
from impact_regions.survey_responses import build_survey

DOMAINS = [{"id": "emploi", "label": "Emploi"}, {"id": "logement", "label": "Mal-logement"}]
BANDS = '["18-24", "25-34", "35-49", "50-64", "65+"]'

#: The respondents, in the project's canonical names and codes (99 / 9 = ne sait pas, "" = not asked).
CANONICAL = pd.DataFrame(
    {
        "id_repondant": ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"],
        "code_region": ["84", "84", "93", "94", "01", "93", "94", "84"],
        "code_departement": ["01", "03", "13", "2A", "971", "04", "2B", "01"],
        "sexe": ["1", "2", "1", "2", "1", "2", "1", "2"],
        "tranche_age": ["1", "2", "3", "4", "5", "1", "2", "4"],
        "strate": ["S1", "S1", "S2", "S2", "S3", "S3", "S2", "S1"],
        "grappe": ["1", "2", "1", "2", "1", "2", "1", "1"],
        "poids": ["1.5", "0.8", "2", "1.25", "1", "0.5", "3", "1.1"],
        "fragilite_emploi": ["5", "99", "8", "0", "6", "2", "10", "7"],
        "fragilite_logement": ["7", "3", "10", "4", "6", "99", "1", "2"],
        "devoir_alliance": ["1", "9", "2", "4", "3", "1", "2", "9"],
        "cooperation_emploi": ["1", "", "0", "1", "0", "", "1", "0"],
        "cooperation_logement": ["0", "1", "", "1", "0", "", "0", "1"],
    }
)
AGES = [19.0, 30.0, 45.0, 60.0, 70.0, 24.0, 25.0, 64.0]

CANONICAL_CODEBOOK = """
files:
  - {id: citoyens, path: survey/impact_citoyens.csv, label: Test, id_column: id_repondant, group: habitants,
     strata_column: strate, psu_column: grappe, weight_column: poids,
     extra_columns: {sexe: [1, 2], tranche_age: [1, 2, 3, 4, 5]}}
region_column: code_region
departement_column: code_departement
measures:
  - {pattern: "fragilite_{domain}", kind: mean, min: 0, max: 10, missing: [99], label: "F {domain_label}"}
  - {id: devoir_alliance, kind: agree, min: 1, max: 4, positive: [1, 2], missing: [9], label: Devoir}
  - {pattern: "cooperation_{domain}", kind: share, label: "C {domain_label}"}
"""

#: A pollster's codebook: their variable names, answers named by their labels.
POLLSTER_CODEBOOK = """
files:
  - id: citoyens
    path: survey/barometre.{ext}
    label: Test
    id_column: RESPID
    group: habitants
    strata_column: STRATE
    psu_column: GRAPPE
    weight_column: POIDS_W
    region_column: REG
    departement_column: DEP
    extra_columns:
      sexe: {sexe}
      tranche_age: {{column: AGE, age_bands: {bands}}}
    measures:
      "fragilite_{{domain}}": "Q3_{{n}}"
      devoir_alliance: {{column: Q12}}
      "cooperation_{{domain}}": "Q5_{{domain}}"
region_column: code_region
departement_column: code_departement
measures:
  - {{pattern: "fragilite_{{domain}}", kind: mean, min: 0, max: 10,
     missing: ["Ne sait pas"], label: "F {{domain_label}}"}}
  - {{id: devoir_alliance, kind: agree, min: 1, max: 4, positive: {positive}, missing: [9], label: Devoir}}
  - {{pattern: "cooperation_{{domain}}", kind: share, label: "C {{domain_label}}"}}
"""

#: The pollster numbers the regions 1-4 (not COG codes): the value labels say which region.
POLLSTER_REGIONS = {1.0: "Auvergne-Rhône-Alpes", 2.0: "Provence-Alpes-Côte d'Azur", 3.0: "Corse", 4.0: "Guadeloupe"}
REGION_NUMBER = {"84": 1.0, "93": 2.0, "94": 3.0, "01": 4.0}
#: Départements as the pollster typed them: codes, names in any case, without accents.
DEP_AS_DELIVERED = ["01", "Allier", "13", "Corse-du-Sud", "971", "04", "HAUTE CORSE", "Ain"]
AGREE_LABELS = {
    1.0: "Tout à fait d'accord",
    2.0: "Plutôt d'accord",
    3.0: "Plutôt pas d'accord",
    4.0: "Pas du tout d'accord",
    9.0: "NSP",
}


def pollster_frame(dk) -> pd.DataFrame:
    """The respondents under the pollster's names; `dk` is the cell written for « ne sait pas »."""
    c = CANONICAL

    def answers(col, dk_code):
        return pd.Series([dk if v == dk_code else (np.nan if v == "" else float(v)) for v in c[col]], dtype=object)

    return pd.DataFrame(
        {
            "RESPID": c["id_repondant"],
            "REG": c["code_region"].map(REGION_NUMBER),
            "DEP": DEP_AS_DELIVERED,
            "S1": c["sexe"].astype(float),
            "AGE": AGES,
            "STRATE": c["strate"],
            "GRAPPE": c["grappe"],
            "POIDS_W": c["poids"].astype(float),
            "Q3_1": answers("fragilite_emploi", "99"),
            "Q3_2": answers("fragilite_logement", "99"),
            "Q12": c["devoir_alliance"].astype(float),
            "Q5_emploi": [np.nan if v == "" else float(v) for v in c["cooperation_emploi"]],
            "Q5_logement": [np.nan if v == "" else float(v) for v in c["cooperation_logement"]],
        }
    )


def stage(root, codebook_text: str, geo):
    (root / "survey.yaml").write_text(codebook_text, encoding="utf-8")
    codebook = load_survey(root / "survey.yaml", DOMAINS)
    return build_survey(codebook, root, geo)


def write_sav(path, frame=None, labels=None):
    frame = pollster_frame(99.0) if frame is None else frame
    for q in ("Q3_1", "Q3_2"):
        if q in frame:
            frame[q] = frame[q].astype(float)
    value_labels = {
        "REG": POLLSTER_REGIONS,
        "S1": {1.0: "Homme", 2.0: "Femme"},
        "Q12": AGREE_LABELS,
        "Q3_1": {99.0: "Ne sait pas"},
        "Q3_2": {99.0: "Ne sait pas"},
    }
    value_labels.update(labels or {})
    ranges = {"Q3_1": [99.0], "Q3_2": [99.0], "Q12": [{"lo": 9.0, "hi": 9.0}]}
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={k: v for k, v in value_labels.items() if k in frame},
        missing_ranges={k: v for k, v in ranges.items() if k in frame},
    )


def sav_codebook(ext="sav", declared_only=False):
    """The pollster's codebook for a statistical file; `declared_only`: no `missing` answers, so
    that only the file's own declared missing values exclude 99 and 9."""
    text = POLLSTER_CODEBOOK.format(
        ext=ext,
        sexe="{column: S1, codes: [Homme, Femme]}",
        bands=BANDS,
        positive='["Tout à fait d\'accord", "plutot d\'accord"]',
    )
    if declared_only:
        text = text.replace('missing: ["Ne sait pas"], ', "").replace(", missing: [9]", "")
        assert "missing" not in text
    return text


@pytest.fixture
def canonical(tmp_path, tiny_geo):
    root = tmp_path / "canonical"
    (root / "survey").mkdir(parents=True)
    CANONICAL.to_csv(root / "survey" / "impact_citoyens.csv", sep=";", index=False)
    return stage(root, CANONICAL_CODEBOOK, tiny_geo)


def assert_same_tables(got, expected):
    for g, e in zip(got, expected, strict=True):
        pd.testing.assert_frame_equal(g.reset_index(drop=True), e.reset_index(drop=True))


# ------------------------------------------ same tables -----------------------------------------


def test_spss_file_with_labels_and_missing_codes_gives_the_csv_tables(tmp_path, tiny_geo, canonical):
    # GIVEN the respondents as an SPSS file: pollster names, regions numbered 1-4 with their names as
    # value labels, départements as codes and names, an age in years, sex labelled Homme/Femme, and
    # 99 and 9 declared missing in the file (the codebook names « Ne sait pas » by label, not 99)
    (tmp_path / "survey").mkdir()
    write_sav(tmp_path / "survey" / "barometre.sav")
    # WHEN it is staged through the pollster's codebook, with or without `missing` answers
    got = stage(tmp_path, sav_codebook(), tiny_geo)
    declared = stage(tmp_path, sav_codebook(declared_only=True), tiny_geo)
    # THEN the tables are those of the canonical CSV: same regions, bands, weights, answers (the
    # file's declared missing values 99 and 9 are excluded even when the codebook does not name them)
    assert_same_tables(got, canonical)
    assert_same_tables(declared, canonical)


def test_stata_file_with_extended_missing_values_gives_the_csv_tables(tmp_path, tiny_geo, canonical):
    # GIVEN the respondents as a Stata file, « ne sait pas » written as the extended missing value
    # .a (labelled « Ne sait pas ») and the 9 of Q12 as a labelled code
    frame = pollster_frame("a")
    (tmp_path / "survey").mkdir()
    pyreadstat.write_dta(
        frame,
        str(tmp_path / "survey" / "barometre.dta"),
        variable_value_labels={
            "REG": {int(k): v for k, v in POLLSTER_REGIONS.items()},
            "S1": {1: "Homme", 2: "Femme"},
            "Q12": {int(k): v for k, v in AGREE_LABELS.items()},
            "Q3_1": {"a": "Ne sait pas"},
            "Q3_2": {"a": "Ne sait pas"},
        },
        missing_user_values={"Q3_1": ["a"], "Q3_2": ["a"]},
    )
    table = read_survey_table(tmp_path / "survey" / "barometre.dta")
    assert table.data["Q3_1"].iloc[1] == ".a" and table.missing_mask("Q3_1")[1]
    # WHEN staged / THEN the same tables as the CSV
    assert_same_tables(stage(tmp_path, sav_codebook("dta"), tiny_geo), canonical)


def test_excel_file_with_names_and_codes_that_lost_their_zero(tmp_path, tiny_geo, canonical):
    # GIVEN an Excel workbook (respondents on the sheet « Répondants », after a notes sheet): regions
    # by name, départements typed as numbers (1, 3, 4: leading zero lost) or text, sex as text mapped
    # by the codebook, « NSP » typed for « ne sait pas »
    c = CANONICAL
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    ws = wb.create_sheet("Répondants")
    ws.append(
        [
            "RESPID",
            "REG",
            "DEP",
            "S1",
            "AGE",
            "STRATE",
            "GRAPPE",
            "POIDS_W",
            "Q3_1",
            "Q3_2",
            "Q12",
            "Q5_emploi",
            "Q5_logement",
        ]
    )
    names = {"84": "Auvergne-Rhône-Alpes", "93": "provence alpes cote d'azur", "94": "Corse", "01": "Guadeloupe"}
    deps = [1, 3, 13, "2A", 971, 4, "2B", "01"]

    def num(col, k):
        v = c[col].iloc[k]
        return "NSP" if v == "99" else (None if v == "" else int(v))

    for k in range(len(c)):
        ws.append(
            [
                c["id_repondant"].iloc[k],
                names[c["code_region"].iloc[k]],
                deps[k],
                {"1": "Homme", "2": "Femme"}[c["sexe"].iloc[k]],
                int(AGES[k]),
                c["strate"].iloc[k],
                int(c["grappe"].iloc[k]),
                float(c["poids"].iloc[k]),
                num("fragilite_emploi", k),
                num("fragilite_logement", k),
                int(c["devoir_alliance"].iloc[k]),
                num("cooperation_emploi", k),
                num("cooperation_logement", k),
            ]
        )
    (tmp_path / "survey").mkdir()
    wb.save(tmp_path / "survey" / "barometre.xlsx")
    text = POLLSTER_CODEBOOK.format(
        ext="xlsx", sexe="{column: S1, codes: {Homme: 1, Femme: 2}}", bands=BANDS, positive="[1, 2]"
    ).replace('missing: ["Ne sait pas"]', "missing: [NSP]")
    text = text.replace("    group: habitants\n", "    group: habitants\n    sheet: Répondants\n")
    # WHEN staged / THEN the same tables as the CSV
    assert_same_tables(stage(tmp_path, text, tiny_geo), canonical)


def test_format_key_overrides_the_extension(tmp_path, tiny_geo, canonical):
    # GIVEN the SPSS file delivered as « barometre.dat », with `format: sav` in the codebook
    (tmp_path / "survey").mkdir()
    write_sav(tmp_path / "survey" / "barometre.dat")
    text = sav_codebook("dat").replace("    group: habitants\n", "    group: habitants\n    format: sav\n")
    # WHEN staged / THEN it is read as SPSS
    assert_same_tables(stage(tmp_path, text, tiny_geo), canonical)
    # and without the key the extension is refused, naming the file and what to do
    with pytest.raises(InputError, match="unknown survey file format '.dat'.*format:"):
        stage(tmp_path, sav_codebook("dat"), tiny_geo)


# --------------------------------------------- errors -------------------------------------------


@pytest.mark.parametrize(
    "row, column, value, labels, shown, words",
    [
        # an answer the codebook does not expect: its code and its label are quoted
        (
            3,
            "Q12",
            5.0,
            {"Q12": {**AGREE_LABELS, 5.0: "Sans opinion"}},
            "5 « Sans opinion »",
            "barometre.sav, case 4, column 'Q12': value '5 « Sans opinion »': answer out of range",
        ),
        # a region whose label is no COG name: the closest name is suggested
        (
            3,
            "REG",
            3.0,
            {"REG": {**POLLSTER_REGIONS, 3.0: "Corsica"}},
            "3 « Corsica »",
            "unknown region (neither a COG region code nor a region name)",
        ),
        (6, "DEP", "Corse du Nord", None, "Corse du Nord", "unknown département code (COG) or name"),
        # a 16-year-old in an adult survey banded from 18
        (2, "AGE", 16.0, None, "16", "age in no age band (bands: 18-24, 25-34, 35-49, 50-64, 65+)"),
    ],
)
def test_bad_cell_of_an_spss_file_names_case_column_code_and_label(
    tmp_path, tiny_geo, row, column, value, labels, shown, words
):
    # GIVEN an SPSS file with one bad cell (or a bad value label)
    frame = pollster_frame(99.0)
    frame.loc[row, column] = value
    (tmp_path / "survey").mkdir()
    write_sav(tmp_path / "survey" / "barometre.sav", frame, labels)
    # WHEN staged
    with pytest.raises(InputError) as info:
        stage(tmp_path, sav_codebook(), tiny_geo)
    # THEN the error names the file, the case (row of the data editor), the delivered column and the
    # value with its label
    e = info.value
    assert (e.line, e.row_word, e.column, e.value) == (row + 1, "case", column, shown)
    assert words in str(e) and f"case {row + 1}" in str(e)
    if column == "REG":
        assert "did you mean « Corse » (94)" in str(e)


def test_missing_column_names_the_codebook_entry(tmp_path, tiny_geo):
    # GIVEN an SPSS file without Q3_2 (fragilité du logement in the pollster's numbering)
    (tmp_path / "survey").mkdir()
    write_sav(tmp_path / "survey" / "barometre.sav", pollster_frame(99.0).drop(columns=["Q3_2"]))
    # WHEN / THEN the run stops naming the file, the column and the codebook entry
    with pytest.raises(InputError) as info:
        stage(tmp_path, sav_codebook(), tiny_geo)
    msg = str(info.value)
    assert "barometre.sav" in msg and info.value.column == "Q3_2"
    assert "missing column 'Q3_2' (named by the codebook entry files.0.measures.fragilite_{domain})" in msg
    # and a file's own region column is named as that file's entry
    with pytest.raises(
        InputError, match=r"missing column 'REGION' \(named by the codebook entry files.0.region_column\)"
    ):
        stage(tmp_path, sav_codebook().replace("region_column: REG", "region_column: REGION"), tiny_geo)


def test_optional_measure_absent_from_the_file_is_not_asked(tmp_path, tiny_geo, canonical):
    # GIVEN the same file without Q12, whose measure the codebook marks optional
    (tmp_path / "survey").mkdir()
    write_sav(tmp_path / "survey" / "barometre.sav", pollster_frame(99.0).drop(columns=["Q12"]))
    text = sav_codebook().replace("devoir_alliance: {column: Q12}", "devoir_alliance: {column: Q12, optional: true}")
    # WHEN staged
    resp, answers = stage(tmp_path, text, tiny_geo)
    # THEN the respondents are unchanged and the measure simply has no answer
    pd.testing.assert_frame_equal(resp, canonical[0])
    assert "devoir_alliance" not in set(answers["measure_id"])
    expected = canonical[1][canonical[1]["measure_id"] != "devoir_alliance"]
    pd.testing.assert_frame_equal(answers.reset_index(drop=True), expected.reset_index(drop=True))


def test_weight_declared_missing_stops_the_run(tmp_path, tiny_geo):
    # GIVEN an SPSS file whose weight 0.5 (case 6) is declared a missing value of POIDS_W
    (tmp_path / "survey").mkdir()
    frame = pollster_frame(99.0)
    path = tmp_path / "survey" / "barometre.sav"
    write_sav(path, frame)
    data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    pyreadstat.write_sav(
        data,
        str(path),
        variable_value_labels=meta.variable_value_labels,
        missing_ranges={**meta.missing_ranges, "POIDS_W": [0.5]},
    )
    # WHEN / THEN the weight is refused at case 6
    with pytest.raises(InputError, match="weight must be a number > 0") as info:
        stage(tmp_path, sav_codebook(), tiny_geo)
    assert (info.value.line, info.value.column) == (6, "POIDS_W")


def test_codebook_mistakes_are_configuration_errors(tmp_path, tiny_geo):
    # GIVEN codebooks naming an unknown measure in a file, mapping two measures to one column, or
    # a pattern's column with an unknown placeholder
    (tmp_path / "survey").mkdir()
    write_sav(tmp_path / "survey" / "barometre.sav")
    cases = [
        (
            sav_codebook().replace("devoir_alliance: {column: Q12}", "devoir: {column: Q12}"),
            "files.0.measures.devoir",
            "unknown measure 'devoir'",
        ),
        (
            sav_codebook().replace("devoir_alliance: {column: Q12}", "devoir_alliance: Q3_1"),
            "files.0.measures.devoir_alliance",
            "already the column of 'fragilite_emploi'",
        ),
        (
            sav_codebook().replace('"Q3_{n}"', '"Q3_{num}"'),
            "files.0.measures.fragilite_{domain}",
            "only {domain} and {n} can be replaced",
        ),
    ]
    for text, field, words in cases:
        # WHEN / THEN each stops at the codebook, naming the field
        with pytest.raises(ConfigError) as info:
            stage(tmp_path, text, tiny_geo)
        assert info.value.field == field and words in str(info.value)


# ------------------------------------------- SAS file -------------------------------------------

#: A SAS data set of the eight respondents (tests/data/sas/README.md: how it was made).
SAS_FILE = Path(__file__).parent / "data" / "sas" / "barometre.sas7bdat"


def test_sas_file_with_special_missing_values_gives_the_csv_tables(tmp_path, tiny_geo, canonical):
    # GIVEN the respondents as a SAS .sas7bdat data set under the pollster's names: regions as COG
    # codes in a character variable, départements as codes and names, an age in years, « ne sait
    # pas » of Q3_1 / Q3_2 as the special missing value .A, the 9 of Q12 as a code (a .sas7bdat
    # holds no value labels: they live in a separate format catalogue)
    (tmp_path / "survey").mkdir()
    shutil.copy(SAS_FILE, tmp_path / "survey" / "barometre.sas7bdat")
    table = read_survey_table(tmp_path / "survey" / "barometre.sas7bdat")
    assert table.row_word == "case" and list(table.data["RESPID"]) == list(CANONICAL["id_repondant"])
    assert table.data["Q3_1"].iloc[1] == ".A" and table.missing_mask("Q3_1")[1]
    assert table.data["REG"].iloc[4] == "01" and table.data["GRAPPE"].iloc[0] == "1"
    # WHEN staged through a codebook mapping its variables, with codes instead of labels
    text = POLLSTER_CODEBOOK.format(ext="sas7bdat", sexe="{column: S1, codes: [1, 2]}", bands=BANDS, positive="[1, 2]")
    text = text.replace('missing: ["Ne sait pas"], ', "")
    # THEN the same tables as the canonical CSV (the .A answers excluded as the file declares them)
    assert_same_tables(stage(tmp_path, text, tiny_geo), canonical)
