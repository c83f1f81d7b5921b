"""The producers' quirks as reviewed data: workflow/quirks.yaml (issue 14, item 2).

The file validates against workflow/schemas/quirks.schema.yaml, whose every field is described;
every line it cites shows what the entry matches; every entry changes what a reader does (a
small input per entry and reader, read with the file and with a copy of it without the entry);
a malformed entry stops the loading — and `snakemake` — naming the file and the entry; no list
of markers, aggregate codes or sheet names is left in the readers' code.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from test_relocation import make_project, snakemake_in
from workdirs import ROOT

from impact_regions import quirks as quirks_module
from impact_regions.config import SCHEMA_DIR, validate
from impact_regions.errors import ConfigError, InputError
from impact_regions.quirks import QUIRKS_FILE, load_quirks, reader_quirks
from impact_regions.readers import _excel_cell_text, _sniff_separator, decode, read_extract, text_lines

SCHEMA = SCHEMA_DIR / "quirks.schema.yaml"
DATA = yaml.safe_load(QUIRKS_FILE.read_text(encoding="utf-8"))
ENTRIES = {e["id"]: e for e in DATA["quirks"]}
READER_NAMES = ["insee_base", "insee_filosofi", "insee_statlocales", "ot_export"]
DEPARTEMENTS = frozenset({"01", "13", "2A"})
REFERENCE = re.compile(
    r'^(?P<path>[^\s:]+) (?:line (?P<line>\d+)|sheet (?P<sheet>\S+)(?: row (?P<row>\d+))?)(?:: "(?P<quote>.+)")?$'
)


def code_column(reader: str) -> tuple[str, str]:
    from impact_regions.readers import READERS

    return READERS[reader].code_column, READERS[reader].label_column


def references(entry: dict) -> list[str]:
    return [entry["source"]] if isinstance(entry["source"], str) else list(entry["source"])


def without(tmp_path: Path, entry_id: str) -> Path:
    """A copy of the quirks file without the entry `entry_id`."""
    data = {"quirks": [e for e in DATA["quirks"] if e["id"] != entry_id]}
    path = tmp_path / "quirks-without.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def broken(tmp_path: Path, change) -> Path:
    """A copy of the quirks file changed by `change(entries)`."""
    entries = [dict(e) for e in DATA["quirks"]]
    change(entries)
    path = tmp_path / "quirks-broken.yaml"
    path.write_text(yaml.safe_dump({"quirks": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------
# the file and its schema
# ------------------------------------------------------------------------------------------------


def test_quirks_file_validates_against_its_schema():
    # GIVEN workflow/quirks.yaml WHEN validated against its schema and loaded THEN every entry is there, ids unique
    validate(yaml.safe_load(QUIRKS_FILE.read_text(encoding="utf-8")), "quirks", QUIRKS_FILE)
    loaded = load_quirks()
    assert [q.id for q in loaded] == list(ENTRIES)
    assert len(ENTRIES) == len(DATA["quirks"])


def test_schema_describes_every_field():
    # GIVEN the schema WHEN every property is walked THEN each has a description (as the other schemas)
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if "description" not in sub:
                    missing.append(f"{where}.{name}")
            for key, sub in node.items():
                if key not in ("allOf", "if", "then", "else", "not"):  # rules on fields defined above
                    walk(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}[{i}]")

    walk(schema, "schema")
    assert not missing
    assert schema["description"] and schema["$defs"]["reference"]["description"]


def test_schema_readers_are_the_readers_of_the_package_and_of_the_catalogue():
    # GIVEN the readers the schema allows WHEN compared THEN they are the package's and indicators.schema's
    from impact_regions.readers import READERS

    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    allowed = schema["properties"]["quirks"]["items"]["properties"]["readers"]["items"]["enum"]
    catalogue = yaml.safe_load((SCHEMA_DIR / "indicators.schema.yaml").read_text(encoding="utf-8"))
    assert (
        sorted(allowed)
        == sorted(READERS)
        == sorted(catalogue["properties"]["indicators"]["items"]["properties"]["reader"]["enum"])
    )


# ------------------------------------------------------------------------------------------------
# sources: every cited line shows what the entry matches
# ------------------------------------------------------------------------------------------------

CITED = [(e["id"], ref) for e in DATA["quirks"] for ref in references(e)]


def cells_shown(path: Path, line: int | None, sheet: str | None, row: int | None) -> tuple[str, list[str]]:
    """(text, trimmed cells) of the cited line of a text file or row of a sheet."""
    if sheet is not None:
        book = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="calamine")
        assert sheet in book, f"{path}: no sheet {sheet!r} (sheets: {list(book)})"
        if row is None:
            return "", []
        frame = book[sheet]
        assert row <= len(frame), f"{path} sheet {sheet} has {len(frame)} rows"
        cells = [_excel_cell_text(c).strip() for c in frame.iloc[row - 1]]
        return " ".join(cells), cells
    lines = text_lines(decode(path.read_bytes())[0])
    assert line <= len(lines), f"{path} has {len(lines)} lines"
    text = lines[line - 1]
    return text, [c.strip().strip('"') for c in text.split(_sniff_separator(text))]


@pytest.mark.parametrize("entry_id, reference", CITED, ids=[f"{i}:{r[:50]}" for i, r in CITED])
def test_every_cited_source_exists_and_shows_the_quirk(entry_id, reference):
    # GIVEN a source cited by an entry
    entry = ENTRIES[entry_id]
    if reference.startswith(("https://", "http://", "unverified: ")):
        return  # a producer's page is not fetched (tests run offline); an unverified entry says why
    m = REFERENCE.match(reference)
    assert m, f"{entry_id}: reference {reference!r} is neither a URL, a file with a line or sheet, nor unverified"
    path = ROOT / m["path"]
    # WHEN the cited file is opened at the cited line (or sheet and row)
    assert path.is_file(), f"{entry_id}: {m['path']} does not exist"
    line = int(m["line"]) if m["line"] else None
    row = int(m["row"]) if m["row"] else None
    text, cells = cells_shown(path, line, m["sheet"], row)
    # THEN it shows the quoted text, or what the entry matches
    if m["quote"]:
        assert m["quote"] in text, f"{entry_id}: {reference}: the line is {text!r}"
    elif entry["action"] == "read_sheet":
        assert m["sheet"] == entry["match"], f"{entry_id}: cites sheet {m['sheet']}, matches {entry['match']!r}"
    elif entry["action"] == "skip_lines_above_header":
        # the cited line is the header, after no more lines than the entry allows
        position = line or row
        assert any(code_column(r)[0] in cells for r in entry["readers"]), f"{entry_id}: not a header: {text!r}"
        assert position - 1 <= entry["match"]["max_lines_above_header"]
    else:
        assert examples_in(entry, cells), f"{entry_id}: {reference}: nothing it matches in {text!r}"


def examples_in(entry: dict, cells: list[str]) -> list[str]:
    """The cells the entry (map_to_missing or skip_row) matches."""
    match, fold = entry["match"], entry.get("ignore_case", False)
    if isinstance(match, dict):
        pattern = re.compile(match["regex"], re.IGNORECASE if fold else 0)
        return [c for c in cells if pattern.fullmatch(c)]
    values = [match] if isinstance(match, str) else match
    key = str.upper if fold else str
    return [c for c in cells if key(c) in {key(v) for v in values}]


# ------------------------------------------------------------------------------------------------
# every entry is used: a small input per entry and reader shows its action, and the reader does
# something else without it
# ------------------------------------------------------------------------------------------------


def example_values(entry: dict) -> list[str]:
    """Values the entry matches: its own, or (a regular expression) the cells its sources show."""
    match = entry["match"]
    if isinstance(match, str):
        return [match]
    if isinstance(match, list):
        values = list(match)
        return values + [v.lower() for v in values if v.lower() != v] if entry.get("ignore_case") else values
    found = []
    for ref in references(entry):
        m = REFERENCE.match(ref)
        if m and not m["quote"]:
            line, row = (int(m["line"]) if m["line"] else None), (int(m["row"]) if m["row"] else None)
            found += examples_in(entry, cells_shown(ROOT / m["path"], line, m["sheet"], row)[1])
    assert found, f"{entry['id']}: cite a line that shows a value the regular expression matches"
    return found


def write_csv(tmp_path: Path, reader: str, rows: list[str], above: list[str] = ()) -> Path:
    code, label = code_column(reader)
    path = tmp_path / f"{reader}.csv"
    path.write_text("\n".join([*above, f"{code};{label};X", *rows]) + "\n", encoding="utf-8")
    return path


def read(path: Path, reader: str) -> pd.DataFrame:
    return read_extract(path, reader, "departement", ["X"], DEPARTEMENTS)


def case_input(entry: dict, reader: str, tmp_path: Path):
    """(file, check of the table read) showing the entry's action for `reader`."""
    action = entry["action"]
    if action == "map_to_missing":
        values = example_values(entry)
        assert len(values) <= len(DEPARTEMENTS), "one département per example value"
        rows = [f"{c};Lieu;{v}" for c, v in zip(sorted(DEPARTEMENTS), values, strict=False)]
        path = write_csv(tmp_path, reader, rows)

        def check(df):
            assert df["value"].isna().all() and (df["missing_reason"] == entry["reason"]).all(), df

        return path, check
    if action == "skip_row":
        values = example_values(entry)
        path = write_csv(tmp_path, reader, [f"{v};Agrégat;1" for v in values] + ["01;Ain;2,5"])

        def check(df):
            assert df["geo_code"].tolist() == ["01"] and df["value"].tolist() == [2.5], df

        return path, check
    if action == "skip_lines_above_header":
        n = entry["match"]["max_lines_above_header"]
        above = ["Titre de l'export", "Source : producteur", *[f"Note {k}" for k in range(max(0, n - 3))], ""][:n]
        path = write_csv(tmp_path, reader, ["01;Ain;2,5"], above=above)

        def check(df):
            assert df["line"].tolist() == [n + 2] and df["value"].tolist() == [2.5], df

        return path, check
    if action == "read_sheet":
        code, label = code_column(reader)
        book = openpyxl.Workbook()
        book.active.title = "Métadonnées"
        book.active.append(["Définitions des indicateurs"])
        data = book.create_sheet(entry["match"])
        data.append([code, label, "X"])
        data.append(["01", "Ain", 2.5])
        path = tmp_path / f"{reader}.xlsx"
        book.save(path)

        def check(df):
            assert df["geo_code"].tolist() == ["01"] and df["value"].tolist() == [2.5], df

        return path, check
    raise AssertionError(f"no example input for action {action!r}: add one to this test")


USES = [(e["id"], r) for e in DATA["quirks"] for r in e["readers"]]


@pytest.mark.parametrize("entry_id, reader", USES, ids=[f"{i}-{r}" for i, r in USES])
def test_every_entry_changes_what_its_reader_does(entry_id, reader, tmp_path, monkeypatch):
    # GIVEN a small input that the entry is about
    entry = ENTRIES[entry_id]
    path, check = case_input(entry, reader, tmp_path)
    # WHEN the reader reads it with the quirks file THEN the action happens
    check(read(path, reader))
    # AND WHEN it reads it with a copy of the file without the entry THEN it does something else
    monkeypatch.setattr(quirks_module, "QUIRKS_FILE", without(tmp_path, entry_id))
    try:
        other = read(path, reader)
    except InputError:
        return  # e.g. "not a number nor a known missing marker", "malformed code", "no header line"
    with pytest.raises(AssertionError):
        check(other)


def test_marker_hint_lists_the_markers_in_the_files_order(tmp_path):
    # GIVEN a value that is no number nor marker WHEN read THEN the hint lists the file's markers, empty cell last
    path = write_csv(tmp_path, "insee_filosofi", ["01;Ain;douze"])
    with pytest.raises(InputError) as err:
        read(path, "insee_filosofi")
    assert err.value.hint == (
        "Expected a number (decimal comma or point) or one of: 's', 'nd', 'N/A - secret statistique', "
        "'N/A - résultat non disponible', 'N/A - division par 0', or an empty cell"
    )


def test_a_quirk_matching_nothing_is_no_error(tmp_path):
    # GIVEN an OT export without any aggregate row or metadata line WHEN read THEN it is read as it is
    df = read(write_csv(tmp_path, "ot_export", ["01;Ain;1", "13;Bouches-du-Rhône;2"]), "ot_export")
    assert df["geo_code"].tolist() == ["01", "13"]


# ------------------------------------------------------------------------------------------------
# what the schema allows beyond the shipped entries: regular expressions, files, case
# ------------------------------------------------------------------------------------------------


def test_regex_marker_and_file_scoped_entry(tmp_path, monkeypatch):
    # GIVEN a quirks file with a regular-expression marker and a skipped row for one file only
    text = """
quirks:
  - id: marker-na-other
    readers: [ot_export]
    match: {regex: "N/A - .*"}
    action: map_to_missing
    reason: non_disponible
    why: Any other N/A marker of the exports.
    source: "unverified: a test"
  - id: total-row
    readers: [ot_export]
    files: ["special/*.csv"]
    match: total
    ignore_case: true
    action: skip_row
    why: A total row in one file only.
    source: "unverified: a test"
"""
    quirks_file = tmp_path / "quirks.yaml"
    quirks_file.write_text(text, encoding="utf-8")
    monkeypatch.setattr(quirks_module, "QUIRKS_FILE", quirks_file)
    (tmp_path / "special").mkdir()
    rows = ["TOTAL;Total;3", "01;Ain;N/A - autre raison"]
    special = write_csv(tmp_path / "special", "ot_export", rows)
    other = write_csv(tmp_path, "ot_export", rows)
    # WHEN both files are read
    df = read(special, "ot_export")
    # THEN the regular expression maps the cell, and the total row is skipped in its file only
    assert df["geo_code"].tolist() == ["01"] and df["missing_reason"].tolist() == ["non_disponible"]
    with pytest.raises(InputError, match="malformed departement code"):
        read(other, "ot_export")


def test_entries_scoped_to_one_file_conflict_when_that_file_is_read(tmp_path):
    # GIVEN two header entries for OT exports, one for one file only WHEN that file's quirks are asked
    entries = [
        {
            "id": "lines",
            "readers": ["ot_export"],
            "match": {"max_lines_above_header": 2},
            "action": "skip_lines_above_header",
            "why": "Two lines above the header.",
            "source": "unverified: a test",
        },
        {
            "id": "lines-special",
            "readers": ["ot_export"],
            "files": ["special.csv"],
            "match": {"max_lines_above_header": 5},
            "action": "skip_lines_above_header",
            "why": "Five lines in one file.",
            "source": "unverified: a test",
        },
    ]
    path = tmp_path / "quirks.yaml"
    path.write_text(yaml.safe_dump({"quirks": entries}), encoding="utf-8")
    assert reader_quirks("ot_export", "other.csv", path).max_lines_above_header == 2
    # THEN it is an error naming the quirks file and both entries
    with pytest.raises(ConfigError) as err:
        reader_quirks("ot_export", "data/special.csv", path)
    assert str(err.value).startswith(f"{path}: field 'quirks.1'")
    assert "'lines-special'" in str(err.value) and "'lines'" in str(err.value)


# ------------------------------------------------------------------------------------------------
# a malformed file stops the loading (and the workflow) naming the file and the entry
# ------------------------------------------------------------------------------------------------


def _set(i, key, value):
    def change(entries):
        entries[i][key] = value

    return change


def _drop(i, key):
    def change(entries):
        del entries[i][key]

    return change


def _append(entry):
    def change(entries):
        entries.append(entry)

    return change


MARKER_S = list(ENTRIES).index("marker-s")
OT_LINES = list(ENTRIES).index("ot-metadata-lines")
OT_SHEET = list(ENTRIES).index("ot-data-sheet")
N = len(ENTRIES)
NEW = {"id": "new", "readers": ["ot_export"], "why": "A new entry for the test.", "source": "unverified: a test"}

MALFORMED = {
    "no why": (_drop(MARKER_S, "why"), f"quirks.{MARKER_S}", "'why' is a required property"),
    "unknown action": (_set(MARKER_S, "action", "drop_value"), f"quirks.{MARKER_S}.action", "drop_value"),
    "marker without reason": (_drop(MARKER_S, "reason"), f"quirks.{MARKER_S}", "'reason' is a required property"),
    "unknown reason": (_set(MARKER_S, "reason", "confidentiel"), f"quirks.{MARKER_S}.reason", "confidentiel"),
    "unknown reader": (_set(MARKER_S, "readers", ["insee_rp"]), f"quirks.{MARKER_S}.readers.0", "insee_rp"),
    "source without a line": (_set(MARKER_S, "source", "data/raw/x.csv"), f"quirks.{MARKER_S}.source", "x.csv"),
    "reason on a layout entry": (_set(OT_LINES, "reason", "vide"), f"quirks.{OT_LINES}.reason", "not allowed"),
    "lines as a value": (_set(OT_LINES, "match", "6"), f"quirks.{OT_LINES}.match", "'6'"),
    "case on a sheet": (_set(OT_SHEET, "ignore_case", True), f"quirks.{OT_SHEET}.ignore_case", "not allowed"),
    "duplicate id": (_set(OT_SHEET, "id", "marker-s"), f"quirks.{OT_SHEET}.id", "duplicate id"),
    "invalid regex": (
        _append({**NEW, "match": {"regex": "N/A ("}, "action": "map_to_missing", "reason": "vide"}),
        f"quirks.{N}.match.regex",
        "invalid regular expression",
    ),
    "marker twice": (
        _append({**NEW, "match": ["nd", "S"], "ignore_case": True, "action": "map_to_missing", "reason": "secret"}),
        f"quirks.{N}.match",
        "'S' is already matched by entry 'marker-s'",
    ),
    "second sheet": (
        _append({**NEW, "match": "Données", "action": "read_sheet"}),
        f"quirks.{N}",
        "a second read_sheet for reader 'ot_export'",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_entry_names_the_file_and_the_entry(case, tmp_path):
    # GIVEN a copy of the quirks file with one malformed entry
    change, field, problem = MALFORMED[case]
    path = broken(tmp_path, change)
    # WHEN it is loaded THEN the error names the file, the entry (position and id) and the problem
    with pytest.raises(ConfigError) as err:
        load_quirks(path)
    message = str(err.value)
    assert message.startswith(f"{path}: field '{field}"), message
    assert re.search(r"entry '[a-z0-9-]+'", message), message
    assert problem in message, message


def test_invalid_yaml_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "quirks.yaml"
    path.write_text("quirks:\n  - id: x\n   readers: [ot_export]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"quirks\.yaml: field 'line 3"):
        load_quirks(path)


def test_a_malformed_quirks_file_stops_snakemake_before_any_job(tmp_path):
    # GIVEN a copy of the project whose quirks file has an entry without its reason
    project = make_project(tmp_path / "projet")
    path = project / "workflow" / "quirks.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    reason: secret\n", "", 1), encoding="utf-8")
    # WHEN snakemake is run (dry run) THEN it stops at once, naming the file and the entry
    proc = snakemake_in(project, "-n")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"quirks.yaml: field 'quirks.{MARKER_S}': entry 'marker-s': 'reason' is a required property" in out, out[
        -3000:
    ]


# ------------------------------------------------------------------------------------------------
# no list left in the code
# ------------------------------------------------------------------------------------------------

READER_MODULES = ["readers.py", "quirks.py", "indicator_raw.py", "population.py", "geo.py", "survey_files.py"]


@pytest.mark.parametrize("module", READER_MODULES)
def test_no_marker_aggregate_code_or_sheet_is_written_in_the_readers(module):
    # GIVEN what the quirks match (but the empty cell) WHEN the readers' string constants are listed
    matched = {v for q in load_quirks() for v in q.values if v} | {q.sheet for q in load_quirks() if q.sheet}
    tree = ast.parse((ROOT / "workflow" / "impact_regions" / module).read_text(encoding="utf-8"))
    constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    # THEN none of them is a marker, an aggregate code or a sheet name
    assert not constants & matched


def test_missing_reasons_are_those_the_reports_explain():
    # GIVEN the reasons the schema allows WHEN compared with the reports' texts THEN each has its text
    from impact_regions.report_indicators import MISSING_TEXTS

    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    reasons = schema["properties"]["quirks"]["items"]["properties"]["reason"]["enum"]
    assert set(reasons) <= set(MISSING_TEXTS)
