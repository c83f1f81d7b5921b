"""Unit tests of impact_regions.readers: the four raw formats of DESIGN §4 on small inline files.

Readers are tolerant about form (separator, encoding, decimal comma, thousands separators,
metadata lines, aggregate rows) and strict about meaning (numbers, codes, columns, duplicates):
every error must name the file, the physical line, the column and the value.
"""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest

from impact_regions.errors import InputError
from impact_regions.quirks import reader_quirks
from impact_regions.readers import decode, read_extract

COMMUNES = frozenset({"01001", "01004", "03001", "2A004", "2B033", "97101"})
DEPARTEMENTS = frozenset({"01", "03", "04", "13", "2A", "2B", "971"})
REGIONS = frozenset({"01", "84", "93", "94"})


def write(tmp_path, name: str, text: str, encoding: str = "utf-8", bom: bool = False):
    path = tmp_path / name
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def as_dict(df: pd.DataFrame, column: str) -> dict:
    """geo_code -> (value, missing_reason, line) for one column of a reader's long table."""
    sub = df[df["column"] == column]
    return {
        c: (v, r, ln)
        for c, v, r, ln in zip(sub["geo_code"], sub["value"], sub["missing_reason"], sub["line"], strict=True)
    }


# ------------------------------------------------------------------------------------------------
# insee_base
# ------------------------------------------------------------------------------------------------


def test_insee_base_semicolon_bom_decimal_comma_and_thousands(tmp_path):
    # GIVEN an RP base comparateur extract with a UTF-8 BOM, `;`, a decimal comma, thousands
    # separators written as a space, a no-break space and a narrow no-break space, and codes
    # with a leading zero and from Corse
    text = (
        "CODGEO;LIBGEO;P17_POP;P17_POP75P\n"
        "01001;L'Abergement-Clémenciat;1 234;56,5\n"
        "01004;Ambérieu-en-Bugey;14\u00a0081;1\u202f234,25\n"
        "2A004;Ajaccio;70 659;7.5\n"
    )
    path = write(tmp_path, "base.csv", text, bom=True)

    # WHEN both count columns are read at commune level
    df = read_extract(path, "insee_base", "commune", ["P17_POP", "P17_POP75P"], COMMUNES)

    # THEN every number is parsed, codes stay text, lines are the physical lines of the file
    assert list(df.columns) == ["line", "geo_code", "column", "value", "missing_reason"]
    pop = as_dict(df, "P17_POP")
    old = as_dict(df, "P17_POP75P")
    assert pop["01001"][0] == 1234.0 and pop["01004"][0] == 14081.0 and pop["2A004"][0] == 70659.0
    assert old["01001"][0] == 56.5 and old["01004"][0] == 1234.25 and old["2A004"][0] == 7.5
    assert {c: v[2] for c, v in pop.items()} == {"01001": 2, "01004": 3, "2A004": 4}
    assert set(df["geo_code"]) == {"01001", "01004", "2A004"}
    assert all(isinstance(c, str) for c in df["geo_code"])
    assert df["missing_reason"].isna().all()
    assert len(df) == 6  # one row per code and column


def test_insee_base_comma_separator_quoted_decimal_comma_crlf(tmp_path):
    # GIVEN the same kind of extract saved with `,` (decimal commas then quoted) and CRLF line ends
    text = (
        "CODGEO,LIBGEO,P17_POP\r\n"
        '01001,"L\'Abergement-Clémenciat","1 234,5"\r\n'
        "2B033,Bastia,41001\r\n"
        '03001,Abrest,"2,75"\r\n'
    )
    path = write(tmp_path, "base_comma.csv", text)

    # WHEN it is read
    df = read_extract(path, "insee_base", "commune", ["P17_POP"], COMMUNES)

    # THEN the separator is recognised and the quoted decimal commas parsed
    got = as_dict(df, "P17_POP")
    assert got["01001"][0] == 1234.5 and pd.isna(got["01001"][1])
    assert got["2B033"][0] == 41001.0
    assert got["03001"][0] == 2.75
    assert [got[c][2] for c in ("01001", "2B033", "03001")] == [2, 3, 4]


def test_latin1_fallback_keeps_accented_column_names(tmp_path):
    # GIVEN a statistiques-locales export saved in latin-1 (accents in the metadata, the header
    # and the labels): it is not valid UTF-8
    column = "Taux de chômage localisé annuel moyen 2017"
    text = (
        "Taux de chômage localisé\n"
        "Source : Insee, estimations d'emploi ; estimations de taux de chômage localisés\n"
        f"Code;Libellé;{column}\n"
        "01;Ain;6,1\n"
        "2A;Corse-du-Sud;9,3\n"
    )
    path = write(tmp_path, "chomage_latin1.csv", text, encoding="latin-1")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    # WHEN it is decoded and read
    decoded, encoding = decode(path.read_bytes())
    df = read_extract(path, "insee_statlocales", "departement", [column], DEPARTEMENTS)

    # THEN latin-1 is used and the accented value column is found
    assert encoding == "latin-1"
    assert "Libellé" in decoded
    got = as_dict(df, column)
    assert got["01"][0] == pytest.approx(6.1) and got["2A"][0] == pytest.approx(9.3)
    assert got["01"][2] == 4 and got["2A"][2] == 5


def test_decode_utf8_with_and_without_bom():
    # GIVEN the same text as UTF-8 with and without BOM
    text = "CODGEO;LIBGEO\n01001;Clémenciat\n"
    # WHEN decoded
    with_bom = decode(b"\xef\xbb\xbf" + text.encode("utf-8"))
    without = decode(text.encode("utf-8"))
    # THEN the BOM is stripped and the text identical
    assert with_bom == (text, "utf-8-sig")
    assert without == (text, "utf-8")


# ------------------------------------------------------------------------------------------------
# insee_filosofi
# ------------------------------------------------------------------------------------------------


def test_insee_filosofi_departement_level_markers_and_codes(tmp_path):
    # GIVEN a Filosofi DEP file with `s` (secret) and `nd` (non disponible) markers and the
    # département codes that break naive readers (leading zero, 2A/2B, three digits overseas)
    text = (
        "CODGEO;LIBGEO;MED17;TP6017\n"
        "01;Ain;23 080;10,5\n"
        "2A;Corse-du-Sud;20 470;s\n"
        "2B;Haute-Corse;19 480;nd\n"
        "971;Guadeloupe;nd;s\n"
    )
    path = write(tmp_path, "filo_dep.csv", text)

    # WHEN both columns are read at département level
    df = read_extract(path, "insee_filosofi", "departement", ["MED17", "TP6017"], DEPARTEMENTS)

    # THEN codes are kept as text and markers become NULL with their reason
    med, tp = as_dict(df, "MED17"), as_dict(df, "TP6017")
    assert set(med) == {"01", "2A", "2B", "971"}
    assert med["01"][0] == 23080.0 and tp["01"][0] == 10.5
    assert math.isnan(tp["2A"][0]) and tp["2A"][1] == "secret"
    assert med["2B"][0] == 19480.0 and math.isnan(tp["2B"][0]) and tp["2B"][1] == "non_disponible"
    assert math.isnan(med["971"][0]) and med["971"][1] == "non_disponible"
    assert tp["971"][1] == "secret"
    assert pd.isna(med["01"][1])
    assert med["971"][2] == 5


def test_insee_filosofi_region_level_keeps_leading_zero(tmp_path):
    # GIVEN a Filosofi REG file where Guadeloupe is region "01"
    path = write(
        tmp_path, "filo_reg.csv", "CODGEO;LIBGEO;MED17\n01;Guadeloupe;16 000\n84;Auvergne-Rhône-Alpes;21 810\n"
    )
    # WHEN read at region level
    df = read_extract(path, "insee_filosofi", "region", ["MED17"], REGIONS)
    # THEN "01" is a region code (not 1) and both values are there
    assert {k: (v[0], v[2]) for k, v in as_dict(df, "MED17").items()} == {"01": (16000.0, 2), "84": (21810.0, 3)}


# ------------------------------------------------------------------------------------------------
# insee_statlocales
# ------------------------------------------------------------------------------------------------


def markers(reader: str) -> dict[str, str]:
    """Marker -> reason of the exact-value `map_to_missing` quirks of `reader` (workflow/quirks.yaml)."""
    return {value: q.reason for q in reader_quirks(reader).markers for value in sorted(q.values)}


@pytest.mark.parametrize("marker, reason", sorted(markers("insee_statlocales").items()))
def test_every_missing_marker_maps_to_null_with_its_reason(tmp_path, marker, reason):
    # GIVEN a statistiques-locales export (2 metadata lines) where one département carries the marker
    column = "Part des 75 ans ou plus 2017"
    text = (
        "Part des 75 ans ou plus\n"
        "Source : Insee, RP 2017\n"
        f"Code;Libellé;{column}\n"
        "01;Ain;9,4\n"
        f"13;Bouches-du-Rhône;{marker}\n"
    )
    path = write(tmp_path, "statloc.csv", text)

    # WHEN it is read
    df = read_extract(path, "insee_statlocales", "departement", [column], DEPARTEMENTS)

    # THEN the marker is NULL with its documented reason, the other value is untouched
    got = as_dict(df, column)
    assert math.isnan(got["13"][0])
    assert got["13"][1] == reason
    assert got["13"][2] == 5
    assert got["01"][0] == pytest.approx(9.4) and pd.isna(got["01"][1])


@pytest.mark.parametrize("reader", ["insee_base", "insee_filosofi", "insee_statlocales", "ot_export"])
def test_missing_marker_reasons_are_the_documented_ones(reader):
    # GIVEN / WHEN the markers of a reader (workflow/quirks.yaml) / THEN they are exactly those of DESIGN §4
    assert markers(reader) == {
        "": "vide",
        "s": "secret",
        "nd": "non_disponible",
        "N/A - secret statistique": "secret",
        "N/A - résultat non disponible": "non_disponible",
        "N/A - division par 0": "division_par_0",
    }


def test_insee_statlocales_metadata_lines_and_all_markers_in_one_file(tmp_path):
    # GIVEN an export with its two metadata lines and every kind of value
    column = "Taux de pauvreté 2017"
    text = (
        "Taux de pauvreté au seuil de 60 %\n"
        "Source : Insee-DGFIP-Cnaf-Cnav-CCMSA, Fichier localisé social et fiscal (FiLoSoFi) 2017\n"
        f"Code;Libellé;{column}\n"
        "01;Ain;10,5\n"
        "03;Allier;N/A - secret statistique\n"
        "04;Alpes-de-Haute-Provence;N/A - résultat non disponible\n"
        "13;Bouches-du-Rhône;N/A - division par 0\n"
        "2A;Corse-du-Sud;\n"
        "2B;Haute-Corse;  19,25  \n"
    )
    path = write(tmp_path, "pauvrete.csv", text)

    # WHEN it is read
    df = read_extract(path, "insee_statlocales", "departement", [column], DEPARTEMENTS)

    # THEN the metadata lines are skipped, each code on its physical line
    got = as_dict(df, column)
    assert {c: v[2] for c, v in got.items()} == {"01": 4, "03": 5, "04": 6, "13": 7, "2A": 8, "2B": 9}
    assert {c: v[1] for c, v in got.items() if isinstance(v[1], str)} == {
        "03": "secret",
        "04": "non_disponible",
        "13": "division_par_0",
        "2A": "vide",
    }
    assert got["01"][0] == 10.5 and got["2B"][0] == 19.25


def test_blank_lines_do_not_shift_line_numbers(tmp_path):
    # GIVEN a file with a blank line in the middle and blank lines at the end
    text = "CODGEO;LIBGEO;P17_POP\n01001;A;1\n\n01004;B;oops\n\n\n"
    path = write(tmp_path, "blank.csv", text)
    # WHEN it is read
    with pytest.raises(InputError) as info:
        read_extract(path, "insee_base", "commune", ["P17_POP"], COMMUNES)
    # THEN the bad value is reported on its physical line (4, not 3)
    assert info.value.line == 4
    assert "line 4" in str(info.value)


def test_semicolon_header_with_commas_in_the_label(tmp_path):
    # GIVEN a statistiques-locales export whose indicator label (real INSEE style) has 3 commas
    column = "Allocataires AAH, pour 100 personnes, 20-64 ans, 2017"
    text = f"Allocataires de l'AAH\nSource : Cnaf, Insee\nCode;Libellé;{column}\n01;Ain;2,5\n"
    path = write(tmp_path, "aah.csv", text)
    # WHEN it is read
    df = read_extract(path, "insee_statlocales", "departement", [column], DEPARTEMENTS)
    # THEN the `;` separator is kept and the value read
    assert as_dict(df, column)["01"][0] == 2.5


# ------------------------------------------------------------------------------------------------
# ot_export (CSV and XLSX)
# ------------------------------------------------------------------------------------------------


def test_ot_export_csv_metadata_rows_and_aggregates_skipped(tmp_path):
    # GIVEN an Observatoire des territoires CSV export: 4 metadata rows (one blank), then the
    # header, aggregate rows FRANCE and FRMETRO, and data rows
    text = (
        "Observatoire des territoires - ANCT\n"
        "Indicateur : Part des allocataires du RSA\n"
        "Date d'export : 12/03/2020\n"
        "\n"
        "codgeo;libgeo;an;part_rsa\n"
        "FRANCE;France;2017;6,9\n"
        "FRMETRO;France métropolitaine;2017;6,5\n"
        "01;Ain;2017;3,9\n"
        "2B;Haute-Corse;2017;7,1\n"
    )
    path = write(tmp_path, "ot_rsa.csv", text)

    # WHEN it is read at département level
    df = read_extract(path, "ot_export", "departement", ["part_rsa"], DEPARTEMENTS)

    # THEN only the départements remain, on their physical lines
    got = as_dict(df, "part_rsa")
    assert set(got) == {"01", "2B"}
    assert (got["01"][0], got["01"][2]) == (3.9, 8)
    assert (got["2B"][0], got["2B"][2]) == (7.1, 9)


def _ot_workbook(path, rows, first_sheet: str | None = "Notes"):
    """An OT export workbook: an optional first sheet, then sheet `Data` with `rows` (row 1 first)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    if first_sheet:
        ws.title = first_sheet
        ws.append(["Ce classeur contient les données de l'Observatoire des territoires"])
        ws = wb.create_sheet("Data")
    else:
        ws.title = "Data"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


OT_META = [
    ["Observatoire des territoires - ANCT"],
    ["Indicateur : Taux de création d'entreprises"],
    ["Source : Insee, REE (Sirene)"],
    [None],
]


def test_ot_export_xlsx_sheet_data(tmp_path):
    # GIVEN an XLSX export written with openpyxl: a first sheet of notes, then sheet `Data` with
    # 4 metadata rows, the header on row 5, aggregates, codes typed as text ("01", "2A"), numeric
    # cells, a missing marker and an empty cell
    rows = OT_META + [
        ["codgeo", "libgeo", "an", "taux_creation", "nb_creations"],
        ["FRANCE", "France", 2017, 13.2, 591000],
        ["FRMETRO", "France métropolitaine", 2017, 13.1, 570000],
        ["01", "Ain", 2017, 12.5, 4512],
        ["2A", "Corse-du-Sud", 2017, "N/A - secret statistique", 1800],
        ["971", "Guadeloupe", 2017, None, "3 210"],
        ["03", "Allier", 2017, "11,75", 1500.0],
    ]
    path = _ot_workbook(tmp_path / "ot_creations.xlsx", rows)

    # WHEN both columns are read at département level
    df = read_extract(path, "ot_export", "departement", ["taux_creation", "nb_creations"], DEPARTEMENTS)

    # THEN the `Data` sheet is used, aggregates skipped, codes text, lines are the Excel rows
    taux, nb = as_dict(df, "taux_creation"), as_dict(df, "nb_creations")
    assert set(taux) == {"01", "2A", "971", "03"}
    assert {c: v[2] for c, v in taux.items()} == {"01": 8, "2A": 9, "971": 10, "03": 11}
    assert taux["01"][0] == 12.5 and taux["03"][0] == 11.75
    assert math.isnan(taux["2A"][0]) and taux["2A"][1] == "secret"
    assert math.isnan(taux["971"][0]) and taux["971"][1] == "vide"
    assert nb["01"][0] == 4512.0 and nb["971"][0] == 3210.0 and nb["03"][0] == 1500.0


def test_ot_export_xlsx_without_data_sheet(tmp_path):
    # GIVEN a workbook whose only sheet is not called `Data`
    wb = openpyxl.Workbook()
    wb.active.title = "Feuil1"
    wb.active.append(["codgeo", "libgeo", "an", "x"])
    path = tmp_path / "no_data.xlsx"
    wb.save(path)
    # WHEN it is read / THEN the error names the file and the expected sheet
    with pytest.raises(InputError) as info:
        read_extract(path, "ot_export", "departement", ["x"], DEPARTEMENTS)
    assert str(path) in str(info.value)
    assert "Data" in str(info.value)


def test_ot_export_xlsx_bad_value_reports_excel_row(tmp_path):
    # GIVEN an XLSX export whose value on Excel row 7 is not a number
    rows = OT_META + [
        ["codgeo", "libgeo", "an", "taux_creation"],
        ["01", "Ain", 2017, 12.5],
        ["03", "Allier", 2017, "douze"],
    ]
    path = _ot_workbook(tmp_path / "bad.xlsx", rows, first_sheet=None)
    # WHEN it is read
    with pytest.raises(InputError) as info:
        read_extract(path, "ot_export", "departement", ["taux_creation"], DEPARTEMENTS)
    # THEN the message names file, sheet, Excel row, column and value
    e = info.value
    assert (e.line, e.column, e.value, e.sheet) == (7, "taux_creation", "douze", "Data")
    assert (
        str(path) in str(e) and "sheet 'Data', row 7" in str(e) and "'taux_creation'" in str(e) and "'douze'" in str(e)
    )


def test_ot_export_xlsx_numeric_code_lost_its_leading_zero(tmp_path):
    # GIVEN an XLSX export where Excel turned département "01" into the number 1
    rows = OT_META + [
        ["codgeo", "libgeo", "an", "taux_creation"],
        ["FRANCE", "France", 2017, 13.2],
        [1, "Ain", 2017, 12.5],
    ]
    path = _ot_workbook(tmp_path / "numcode.xlsx", rows)
    # WHEN it is read
    with pytest.raises(InputError) as info:
        read_extract(path, "ot_export", "departement", ["taux_creation"], DEPARTEMENTS)
    # THEN the error is on row 7, column codgeo, value '1', and mentions the leading zero
    e = info.value
    assert (e.line, e.column, e.value) == (7, "codgeo", "1")
    assert "leading zero" in str(e)


# ------------------------------------------------------------------------------------------------
# errors: file, line, column, value
# ------------------------------------------------------------------------------------------------

BASE_HEADER = "CODGEO;LIBGEO;P17_POP;P17_POP75P\n"


@pytest.mark.parametrize(
    "body, line, column, value, words",
    [
        # unparseable number (two decimal separators)
        ("01001;A;1 234;5\n01004;B;1.234,5;6\n", 3, "P17_POP", "1.234,5", "not a number"),
        # a word instead of a number, in the second column
        ("01001;A;1;5\n01004;B;2;6\n2A004;C;3;environ 7\n", 4, "P17_POP75P", "environ 7", "not a number"),
        # an upper-case marker is not a known marker
        ("01001;A;S;5\n", 2, "P17_POP", "S", "missing marker"),
        # a commune code that lost its leading zero
        ("01004;B;1;1\n1001;A;1;1\n", 3, "CODGEO", "1001", "leading zero"),
        # a commune code with the wrong shape
        ("01001;A;1;1\n2C004;X;1;1\n", 3, "CODGEO", "2C004", "malformed commune code"),
        # a well-formed code unknown to the COG
        ("01001;A;1;1\n01004;B;1;1\n01999;Z;1;1\n", 4, "CODGEO", "01999", "unknown commune code"),
        # the same code twice
        ("01001;A;1;1\n2A004;C;1;1\n01001;A bis;2;2\n", 4, "CODGEO", "01001", "duplicate code (already on line 2)"),
    ],
)
def test_errors_name_file_line_column_value(tmp_path, body, line, column, value, words):
    # GIVEN an RP extract with one bad cell
    path = write(tmp_path, "base_bad.csv", BASE_HEADER + body)
    # WHEN it is read
    with pytest.raises(InputError) as info:
        read_extract(path, "insee_base", "commune", ["P17_POP", "P17_POP75P"], COMMUNES)
    # THEN the error carries the physical line, the column and the value, and says so in words
    e = info.value
    assert (e.line, e.column, e.value) == (line, column, value)
    msg = str(e)
    assert str(path) in msg
    assert f"line {line}" in msg
    assert f"column '{column}'" in msg
    assert repr(value) in msg
    assert words in msg


def test_error_line_counts_metadata_lines(tmp_path):
    # GIVEN a statistiques-locales export (2 metadata lines) with a malformed code on line 5
    column = "Taux 2017"
    text = f"Titre\nSource\nCode;Libellé;{column}\n01;Ain;1\n2;Aisne;2\n"
    path = write(tmp_path, "statloc_bad.csv", text)
    # WHEN it is read
    with pytest.raises(InputError) as info:
        read_extract(path, "insee_statlocales", "departement", [column], DEPARTEMENTS)
    # THEN the physical line (5) is reported, with the leading-zero hint
    e = info.value
    assert (e.line, e.column, e.value) == (5, "Code", "2")
    assert "line 5" in str(e) and "leading zero" in str(e)


def test_missing_column_names_file_header_line_and_column(tmp_path):
    # GIVEN a Filosofi file without the requested TP6017 column
    path = write(tmp_path, "filo.csv", "CODGEO;LIBGEO;MED17\n01;Ain;23 080\n")
    # WHEN TP6017 is requested
    with pytest.raises(InputError) as info:
        read_extract(path, "insee_filosofi", "departement", ["MED17", "TP6017"], DEPARTEMENTS)
    # THEN the error names the file, the header line, the column, and lists the columns found
    e = info.value
    assert (e.line, e.column) == (1, "TP6017")
    msg = str(e)
    assert str(path) in msg and "line 1" in msg and "'TP6017'" in msg and "missing column" in msg
    assert "MED17" in msg


def test_missing_code_column_means_no_header(tmp_path):
    # GIVEN an OT export whose header lacks `codgeo` within the allowed metadata lines
    path = write(tmp_path, "ot.csv", "a\nb\nc\nd\ne\nf\ng\nh\ncodgeo;libgeo;an;x\n01;Ain;2017;1\n")
    # WHEN read / THEN the error names the file and the code column
    with pytest.raises(InputError) as info:
        read_extract(path, "ot_export", "departement", ["x"], DEPARTEMENTS)
    assert info.value.column == "codgeo"
    assert str(path) in str(info.value) and "no header line" in str(info.value)


def test_aggregate_rows_are_not_skipped_outside_ot_exports(tmp_path):
    # GIVEN a Filosofi file (no aggregate rows expected) with a FRANCE row
    path = write(tmp_path, "filo.csv", "CODGEO;LIBGEO;MED17\n01;Ain;1\nFRANCE;France;2\n")
    # WHEN read / THEN FRANCE is a malformed département code on line 3
    with pytest.raises(InputError) as info:
        read_extract(path, "insee_filosofi", "departement", ["MED17"], DEPARTEMENTS)
    assert (info.value.line, info.value.value) == (3, "FRANCE")


def test_unknown_reader_and_missing_file(tmp_path):
    # GIVEN a file name that does not exist and an unknown reader name
    path = tmp_path / "absent.csv"
    # WHEN read / THEN both are InputErrors naming the file
    with pytest.raises(InputError, match="file not found") as info:
        read_extract(path, "insee_base", "commune", ["P17_POP"], COMMUNES)
    assert str(path) in str(info.value)
    path.write_text("CODGEO;LIBGEO\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown reader 'insee_rp'"):
        read_extract(path, "insee_rp", "commune", ["P17_POP"], COMMUNES)


def test_display_name_is_used_in_messages(tmp_path):
    # GIVEN a bad file read with a display name (as the pipeline passes data/raw/...)
    path = write(tmp_path, "x.csv", "CODGEO;LIBGEO;P17_POP\n01001;A;x\n")
    # WHEN read / THEN the display name is the one printed
    with pytest.raises(InputError) as info:
        read_extract(path, "insee_base", "commune", ["P17_POP"], COMMUNES, display="data/raw/insee/x.csv")
    assert str(info.value).startswith("data/raw/insee/x.csv, line 2, column 'P17_POP'")


def test_departement_index_read_without_pandas_matches_the_geography(tiny_geo, tiny_geo_dir):
    # GIVEN the tiny reference geography written as data/raw/geo files
    from impact_regions.geo import read_departement_index

    # WHEN the workflow's parse reads its index of départements (csv module, no pandas)
    index = read_departement_index(tiny_geo_dir)
    # THEN it is the geography's own mapping, both ways
    assert index.departement_region == tiny_geo.departement_region
    assert index.region_departements == tiny_geo.region_departements
    assert index.vintage == tiny_geo.vintage


def test_departement_index_reports_a_bad_population_with_its_line(tiny_geo_dir):
    # GIVEN departements.csv with a population that is not a whole number on its third line
    from impact_regions.geo import read_departement_index

    path = tiny_geo_dir / "departements.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    cells = lines[2].split(",")
    cells[head.index("population_municipale")] = "12 500"
    lines[2] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # WHEN the index is read THEN the error names the file, the line, the column and the value
    with pytest.raises(InputError) as err:
        read_departement_index(tiny_geo_dir)
    message = str(err.value)
    assert "departements.csv" in message and "line 3" in message and "population_municipale" in message
    assert "12 500" in message
