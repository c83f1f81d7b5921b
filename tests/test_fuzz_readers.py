"""Fuzzed readers (issue 11, item 7): whatever the bytes, a table that keeps its contract or an InputError.

Every reader of a raw input is run by `hypothesis` on variants of the committed test excerpts
(tests/data/tiny/raw): the indicator extracts of each reader and format (CSV and the OT workbook),
the survey files (CSV, SPSS, Stata, Excel, through the whole staging of `build_survey`; SAS,
the bytes of tests/data/sas/barometre.sas7bdat), the
population margins (TD_POP1B), the territory files (config/regions) and the reference geography
(`load_geo`, `read_departements`). The variants are

* byte mutations: bits flipped, bytes inserted or deleted, the file truncated, lines swapped,
  duplicated or deleted, line ends and separators changed, the text re-encoded (latin-1,
  cp1252, UTF-16, BOM);
* structured mutations: a cell replaced by a missing marker (``nd``, ``s``, ``-``,
  ``N/A - …``), a huge number, NaN, a negative count, a code without its leading zero, a stray
  quote or control character; a header cell renamed, a column removed or duplicated, a row
  duplicated; workbook cells of any type, rows and columns deleted, the sheet renamed;
  SPSS and Stata files written with odd values, then their bytes mutated.

The property: the reader either returns a table satisfying its contract (keys unique, types
right, every data line of the file accounted for, line numbers pointing at the line holding the
code) or raises the project's error naming the file and a position (line / sheet / case /
column; a YAML field for a territory file). Any other exception, a hang (an alarm stops an
example after :data:`HANG_SECONDS`) or a partial table fails the test: the reader is fixed,
never the property widened.

Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (default: few examples, derandomised, so that the test
run is reproducible and short) and ``long`` (``make fuzz``: many random examples, statistics
printed).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
from datetime import timedelta
from functools import cache
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from impact_regions.config import load_indicators, load_survey, load_territory_files
from impact_regions.errors import ConfigError, InputError
from impact_regions.geo import load_geo
from impact_regions.indicator_raw import files_to_read
from impact_regions.population import read_population
from impact_regions.quirks import reader_quirks
from impact_regions.readers import CODE_PATTERNS, READERS, decode, read_extract
from impact_regions.survey_files import read_survey_table
from impact_regions.survey_responses import build_survey

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "tests" / "data" / "tiny" / "raw"
CONFIG = ROOT / "config"

_COMMON = dict(
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    print_blob=True,
)
settings.register_profile(
    "ci", max_examples=20, deadline=timedelta(seconds=10), derandomize=True, database=None, **_COMMON
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")),
    deadline=timedelta(seconds=20),
    derandomize=False,
    **_COMMON,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def fewer(divisor: int) -> settings:
    """The profile's examples divided by `divisor`, for the slow readers (a workbook written by
    openpyxl, a whole survey staged: 0.3 to 1 s an example against 0.05 s for an extract)."""
    return settings(max_examples=max(4, settings.default.max_examples // divisor))


#: An example running longer than this is a hang.
HANG_SECONDS = 30


@contextlib.contextmanager
def no_hang(seconds: int = HANG_SECONDS):
    def alarm(signum, frame):
        raise AssertionError(f"reader still running after {seconds} s (hang)")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ------------------------------------------------------------------------------------------------
# Mutations
# ------------------------------------------------------------------------------------------------

#: Cells that break naive readers: missing markers, odd numbers, codes, control characters.
TOKENS = [
    "",
    "nd",
    "s",
    "-",
    "N/A - secret statistique",
    "N/A - division par 0",
    "N/A - autre chose",
    "NA",
    "null",
    "1e400",
    "-1e400",
    "1e308",
    "-1",
    "-0,5",
    "-3.2e5",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "9" * 40,
    "1 234,5",
    "12,3,4",
    "1.2.3",
    "0x1F",
    "1_000",
    "١٢",
    "２",
    "  7  ",
    "+",
    ".",
    ",",
    "1e",
    "e5",
    '"',
    '""',
    '"a;b"',
    "\x00",
    "\x85",
    "\u2028",
    "\x0b",
    "\x0c",
    "\ufeff",
    "é",
    "Ã©",
    "\t",
    "99",
    "9",
    "0",
    "01",
    "1",
    "2",
    "100",
    "101",
    "000",
    "2A",
    "2a",
    "02",
    "2",
    "94",
    "972",
    "97",
    "2A004",
    "2A4",
    "FRANCE",
    "France",
    "DEP",
    "REG",
    "CIT0200001",
    "Corse",
    "corse",
    "Martinique",
    "association",
]

_int = st.integers(min_value=0, max_value=2**20)


def _sep_of(data: bytes) -> bytes:
    head = data.split(b"\n", 6)[:6]
    for sep in (b";", b"\t", b","):
        if any(sep in h for h in head):
            return sep
    return b";"


def _cells(line: bytes, sep: bytes) -> list[bytes]:
    return line.split(sep)


def _apply(data: bytes, op: tuple) -> bytes:
    kind, a, b, c = op
    n = len(data)
    lines = data.split(b"\n")
    sep = _sep_of(data)
    if kind == "flip":
        if not n:
            return data
        i = a % n
        return data[:i] + bytes([data[i] ^ (1 << (b % 8))]) + data[i + 1 :]
    if kind == "insert":
        i = a % (n + 1)
        return data[:i] + c + data[i:]
    if kind == "delete":
        i = a % (n + 1)
        return data[:i] + data[i + 1 + b % 64 :]
    if kind == "truncate":
        return data[: a % (n + 1)]
    if kind in ("swap_lines", "dup_line", "del_line"):
        i, j = a % len(lines), b % len(lines)
        if kind == "swap_lines":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "dup_line":
            lines.insert(j, lines[i])
        else:
            del lines[i]
        return b"\n".join(lines)
    if kind == "dup_column":  # a column copied at the end of every line (a duplicated column name)
        j = b % max(1, lines[0].count(sep) + 1)
        return b"\n".join(ln + sep + _cells(ln, sep)[j] if len(_cells(ln, sep)) > j else ln for ln in lines)
    if kind in ("set_cell", "strip_zero", "header_cell", "del_column"):
        if kind in ("header_cell", "del_column"):
            i = next((k for k, ln in enumerate(lines[:8]) if ln.count(sep) >= 2), 0)
        else:
            i = a % len(lines)
        cells = _cells(lines[i], sep)
        j = b % len(cells)
        if kind == "set_cell":
            cells[j] = c
        elif kind == "strip_zero":
            cells[j] = cells[j].lstrip(b"0") or cells[j]
        elif kind == "header_cell":
            cells[j] = c if c else cells[j].upper() + b" "
        else:
            for k in range(len(lines)):
                row = _cells(lines[k], sep)
                if len(row) > j:
                    del row[j]
                    lines[k] = sep.join(row)
            return b"\n".join(lines)
        lines[i] = sep.join(cells)
        return b"\n".join(lines)
    if kind == "separator":
        other = [b";", b",", b"\t", b"|"][a % 4]
        return data.replace(sep, other)
    if kind == "line_ends":
        return data.replace(b"\n", [b"\r\n", b"\r", b"\n\n", b"\x85"][a % 4])
    if kind == "encoding":
        text, _ = decode(data)
        enc = ["latin-1", "cp1252", "utf-16", "utf-8-sig", "utf-32", "mac_roman"][a % 6]
        return text.encode(enc, errors="replace")
    if kind == "metadata":
        return c + b"\n" + data
    raise AssertionError(kind)


KINDS = [
    "flip",
    "insert",
    "delete",
    "truncate",
    "swap_lines",
    "dup_line",
    "del_line",
    "set_cell",
    "set_cell",
    "set_cell",
    "strip_zero",
    "header_cell",
    "del_column",
    "dup_column",
    "separator",
    "line_ends",
    "encoding",
    "metadata",
]

_payload = st.one_of(st.sampled_from(TOKENS).map(lambda t: t.encode("utf-8")), st.binary(max_size=12))
operations = st.tuples(st.sampled_from(KINDS), _int, _int, _payload)


@st.composite
def mutated(draw, seed: bytes, max_ops: int = 4) -> bytes:
    data = seed
    for op in draw(st.lists(operations, min_size=1, max_size=max_ops)):
        data = _apply(data, op)
    return data


# ------------------------------------------------------------------------------------------------
# What an error must say
# ------------------------------------------------------------------------------------------------

#: Errors about the whole file (nothing to point at inside it).
WHOLE_FILE = ("empty file", "not a readable", "empty sheet", "file not found")


def assert_input_error(err: InputError, path: Path | str) -> None:
    text = str(err)
    assert str(path) in text or Path(str(err.path)).name == Path(str(path)).name, (
        f"error does not name the file: {text}"
    )
    positioned = err.line is not None or err.column is not None or err.sheet is not None
    assert positioned or err.expected.startswith(WHOLE_FILE), f"error without a position: {text}"


def physical_lines(data: bytes) -> list[str]:
    """The lines of a text file as an editor numbers them (\\r\\n, \\r or \\n end a line)."""
    text, _ = decode(data)
    return re.split(r"\r\n|\r|\n", text)


def check_line_value(err: InputError, data: bytes) -> None:
    """A CSV error's line holds the value it quotes (the position is right)."""
    if err.line is None or err.value is None or err.row_word != "line":
        return
    value = str(err.value)
    if "«" in value or "\n" in value or "\r" in value or '"' in value:
        return
    lines = physical_lines(data)
    assert 1 <= err.line <= len(lines), f"line {err.line} beyond the file's {len(lines)} lines: {err}"
    assert value.strip() in lines[err.line - 1], f"line {err.line} does not hold {value!r}: {lines[err.line - 1]!r}"


# ------------------------------------------------------------------------------------------------
# Seeds
# ------------------------------------------------------------------------------------------------


@cache
def tiny_geo():
    return load_geo(RAW / "geo")


@cache
def catalogue():
    return load_indicators(CONFIG / "indicators.yaml")


@cache
def codebook():
    return load_survey(CONFIG / "survey.yaml", catalogue()["domains"])


def extract_tasks(suffix: str) -> list[tuple]:
    return [
        (src, rdr, level, tuple(cols))
        for (src, rdr, level), cols in sorted(files_to_read(catalogue()).items())
        if src.endswith(suffix)
    ]


CSV_EXTRACTS = extract_tasks(".csv")
XLSX_EXTRACTS = extract_tasks(".xlsx")


# ------------------------------------------------------------------------------------------------
# Indicator extracts
# ------------------------------------------------------------------------------------------------


def check_extract(df: pd.DataFrame, data: bytes | None, reader: str, level: str, columns, codes) -> None:
    """The contract of read_extract's long table."""
    assert list(df.columns) == ["line", "geo_code", "column", "value", "missing_reason"]
    assert not df.duplicated(["geo_code", "column"]).any(), "duplicate keys"
    assert set(df["column"]) <= set(columns)
    per_column = df.groupby("column")["geo_code"].apply(frozenset)
    if len(df):
        assert set(per_column.index) == set(columns), "a column silently left out"
        assert len(set(per_column)) == 1, "columns with different codes"
    assert df["geo_code"].map(lambda c: isinstance(c, str) and c in codes and bool(CODE_PATTERNS[level].match(c))).all()
    value = df["value"].to_numpy(dtype=float)
    reason = df["missing_reason"]
    assert (np.isfinite(value) | np.isnan(value)).all(), "an infinite value"
    assert (np.isnan(value) == reason.notna().to_numpy()).all(), "NaN without reason or reason with a value"
    quirks = reader_quirks(reader)
    assert set(reason.dropna()) <= {q.reason for q in quirks.markers}
    if data is None:
        return
    # every code's line holds it; every data line of the file is read (nothing silently dropped)
    lines = physical_lines(data)
    spec = READERS[reader]
    most = quirks.max_lines_above_header
    sep = next((s for s in (";", "\t") if any(s in ln for ln in lines[: most + 1])), ",")
    for code, ln in zip(df["geo_code"], df["line"], strict=True):
        assert 2 <= ln <= len(lines) and code in lines[ln - 1], f"line {ln} does not hold code {code}"
    header = next(
        (
            i
            for i, ln in enumerate(lines[: most + 1])
            if spec.code_column in [c.strip().strip('"') for c in ln.split(sep)]
        ),
        None,
    )
    if header is None or '"' in "".join(lines[header:]):
        return  # quoted fields may span lines: the line check above is what holds
    pos = [c.strip().strip('"') for c in lines[header].split(sep)].index(spec.code_column)
    expected = set()
    for k, ln in enumerate(lines[header + 1 :], start=header + 2):
        cells = ln.split(sep)
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > pos and quirks.skipped(pd.Series([cells[pos].strip()], dtype=object))[0]:
            continue
        expected.add(k)
    assert set(df["line"]) == expected, f"lines read {sorted(set(df['line']) ^ expected)[:5]} differ from the file"


def run_extract(path: Path, data: bytes | None, reader: str, level: str, columns) -> None:
    codes = tiny_geo().codes(level)
    try:
        with no_hang():
            df = read_extract(path, reader, level, list(columns), codes)
    except InputError as err:
        assert_input_error(err, path)
        if data is not None:
            check_line_value(err, data)
        return
    check_extract(df, data, reader, level, columns, codes)


@st.composite
def extract_case(draw, tasks):
    task = draw(st.sampled_from(tasks))
    seed = (RAW / task[0]).read_bytes()
    return task, draw(mutated(seed))


@given(case=extract_case(CSV_EXTRACTS))
def test_indicator_extract_csv(case):
    (src, reader, level, columns), data = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(src).name
        path.write_bytes(data)
        run_extract(path, data, reader, level, columns)


_ILLEGAL_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

#: Cell values of a workbook: what Excel and calamine can hand back.
EXCEL_VALUES = st.one_of(
    st.sampled_from([t for t in TOKENS if not _ILLEGAL_IN_XLSX.search(t)]),
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.datetimes(
        min_value=pd.Timestamp("1900-03-01").to_pydatetime(), max_value=pd.Timestamp("2100-01-01").to_pydatetime()
    ),
    st.text(max_size=12).map(lambda t: _ILLEGAL_IN_XLSX.sub("", t)),
)


@st.composite
def workbook_edits(draw):
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from(["cell", "del_row", "dup_row", "del_col", "rename_sheet"]), _int, _int, EXCEL_VALUES
            ),
            min_size=1,
            max_size=5,
        )
    )


def edit_workbook(src: Path, dst: Path, edits) -> None:
    wb = openpyxl.load_workbook(src)
    ws = wb["Data"] if "Data" in wb.sheetnames else wb.worksheets[0]
    for kind, a, b, value in edits:
        rows, cols = max(ws.max_row, 1), max(ws.max_column, 1)
        if kind == "cell":
            ws.cell(row=1 + a % (rows + 1), column=1 + b % cols, value=value)
        elif kind == "del_row":
            ws.delete_rows(1 + a % rows)
        elif kind == "dup_row":
            r = 1 + a % rows
            ws.insert_rows(r + 1)
            for c in range(1, cols + 1):
                ws.cell(row=r + 1, column=c, value=ws.cell(row=r, column=c).value)
        elif kind == "del_col":
            ws.delete_cols(1 + b % cols)
        elif kind == "rename_sheet":
            ws.title = ["data", "Data", "Feuil1", "Données"][a % 4]
    wb.save(dst)


@fewer(4)
@given(task=st.sampled_from(XLSX_EXTRACTS), edits=workbook_edits())
def test_indicator_extract_xlsx_cells(task, edits):
    src, reader, level, columns = task
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(src).name
        edit_workbook(RAW / src, path, edits)
        run_extract(path, None, reader, level, columns)


@given(task=st.sampled_from(XLSX_EXTRACTS), data=st.data())
def test_indicator_extract_xlsx_bytes(task, data):
    src, reader, level, columns = task
    raw = data.draw(mutated((RAW / src).read_bytes(), max_ops=2))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(src).name
        path.write_bytes(raw)
        run_extract(path, None, reader, level, columns)


# ------------------------------------------------------------------------------------------------
# Survey files (read and staged: build_survey)
# ------------------------------------------------------------------------------------------------

SURVEY_FILES = [spec["path"] for spec in codebook()["files"]]


def survey_codebook(paths: dict[int, str], rename: dict[str, str] | None = None) -> dict:
    """The codebook with file i at paths[i], its measure columns renamed by `rename` (Stata names)."""
    cb = codebook()
    files = [dict(spec, path=paths.get(i, spec["path"])) for i, spec in enumerate(cb["files"])]
    if rename:
        for i in paths:
            files[i]["measure_columns"] = {
                m: dict(c, column=rename.get(c["column"], c["column"])) for m, c in files[i]["measure_columns"].items()
            }
    return dict(cb, files=files)


def data_lines(data: bytes) -> int:
    """Non-blank lines after the header of a CSV file (when no quoted field may span lines)."""
    lines = physical_lines(data)
    first = next((i for i, ln in enumerate(lines) if ln.strip()), len(lines))  # the header
    sep = next((s for s in (";", "\t") if s in lines[first]), ",") if first < len(lines) else ","
    return sum(1 for ln in lines[first + 1 :] if any(c.strip() for c in ln.split(sep)))


def check_survey(resp: pd.DataFrame, answers: pd.DataFrame, geo) -> None:
    assert not resp.duplicated(["file_id", "respondent_id"]).any()
    assert resp["region_code"].isin(geo.codes("region")).all()
    assert resp["departement_code"].isin(geo.codes("departement")).all()
    w = resp["weight"].to_numpy(dtype=float)
    assert (np.isfinite(w) & (w > 0)).all()
    assert np.isfinite(answers["y"].to_numpy(dtype=float)).all()
    assert not answers.duplicated(["file_id", "respondent_id", "measure_id"]).any()
    known = set(zip(resp["file_id"], resp["respondent_id"], strict=True))
    assert set(zip(answers["file_id"], answers["respondent_id"], strict=True)) <= known


def run_survey(
    root: Path,
    index: int,
    path: Path,
    data: bytes | None,
    csv_lines: int | None = None,
    rename: dict[str, str] | None = None,
) -> None:
    """Stage the survey with file `index` at `path`: an InputError naming the file, or tables that
    keep their contract with `csv_lines` respondents of that file when given (the data lines of
    a CSV file, the cases of a statistical file, the rows of a sheet)."""
    geo = tiny_geo()
    cb = survey_codebook({index: str(path.relative_to(root))}, rename)
    try:
        with no_hang():
            resp, answers = build_survey(cb, root, geo)
    except InputError as err:
        assert_input_error(err, path)
        if data is not None:
            check_line_value(err, data)
        return
    check_survey(resp, answers, geo)
    file_id = cb["files"][index]["id"]
    if csv_lines is not None:
        assert (resp["file_id"] == file_id).sum() == csv_lines, "a respondent silently dropped or added"


def survey_root(tmp: str) -> Path:
    root = Path(tmp)
    shutil.copytree(RAW / "survey", root / "survey")
    return root


@st.composite
def survey_case(draw):
    index = draw(st.integers(0, len(SURVEY_FILES) - 1))
    return index, draw(mutated((RAW / SURVEY_FILES[index]).read_bytes()))


@fewer(4)
@given(case=survey_case())
def test_survey_csv(case):
    index, data = case
    with tempfile.TemporaryDirectory() as tmp:
        root = survey_root(tmp)
        path = root / SURVEY_FILES[index]
        path.write_bytes(data)
        quoted = b'"' in data
        run_survey(root, index, path, data, None if quoted else data_lines(data))


@cache
def citizens_frame() -> pd.DataFrame:
    """The citizens' excerpt (first 40 respondents) with numeric answers, as a pollster file holds it."""
    frame = pd.read_csv(RAW / SURVEY_FILES[0], sep=";", dtype=str, keep_default_na=False).head(40)
    text = {"id_repondant", "code_region", "code_departement", "strate", "grappe"}
    for col in frame.columns:
        if col not in text:
            frame[col] = pd.to_numeric(frame[col].str.replace(",", "."), errors="coerce")
    return frame


STAT_CELLS = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=False, width=64),
    st.sampled_from([99, 9, 0, -1, 1e300, 0.5]),
)


#: Byte mutations that keep no line structure (a binary file): drawn directly, not filtered out of
#: `operations` (a filter rejected ~37 % of the draws, and hypothesis gave up on some examples).
byte_operations = st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate"]), _int, _int, _payload)


@st.composite
def statistical_case(draw):
    fmt = draw(st.sampled_from(["sav", "dta"]))
    frame = citizens_frame().copy()
    numeric = [c for c in frame.columns if frame[c].dtype.kind in "fi"]
    for _ in range(draw(st.integers(0, 4))):
        row = draw(st.integers(0, len(frame) - 1))
        col = draw(st.sampled_from(list(frame.columns)))
        if col in numeric:
            frame[col] = frame[col].astype(float)
            frame.loc[row, col] = draw(STAT_CELLS)
        else:
            frame.loc[row, col] = draw(st.sampled_from(TOKENS[:80]).map(lambda t: t.replace("\x00", "")))
    if draw(st.booleans()):
        frame = frame.drop(columns=[draw(st.sampled_from(list(frame.columns)))])
    byte_ops = draw(st.lists(byte_operations, max_size=2))
    return fmt, frame, byte_ops


@fewer(2)
@given(case=statistical_case())
def test_survey_statistical_files(case):
    import pyreadstat

    fmt, frame, byte_ops = case
    with tempfile.TemporaryDirectory() as tmp:
        root = survey_root(tmp)
        path = root / "survey" / f"impact_citoyens.{fmt}"
        labels = {"sexe": {1: "Homme", 2: "Femme"}} if "sexe" in frame.columns else {}
        rename = {c: c[:32] for c in frame.columns if len(c) > 32} if fmt == "dta" else {}  # Stata: 32 characters
        frame = frame.rename(columns=rename)
        try:
            if fmt == "sav":
                missing = {"fragilite_emploi": [99]} if "fragilite_emploi" in frame.columns else {}
                pyreadstat.write_sav(frame, str(path), variable_value_labels=labels, missing_ranges=missing)
            else:
                pyreadstat.write_dta(frame, str(path), variable_value_labels=labels)
        except pyreadstat.ReadstatError:  # a value the format cannot hold (1e300 in Stata): no file to read
            assume(False)
        data = path.read_bytes()
        for op in byte_ops:
            data = _apply(data, op)
        path.write_bytes(data)
        try:
            with no_hang():
                table = read_survey_table(path)
        except InputError as err:
            assert_input_error(err, path)
            return
        assert len(table.lines) == len(table.data)
        assert all(isinstance(v, str) for col in table.data.columns for v in table.data[col])
        for mask in (*table.declared_missing.values(), *table.numbers.values()):
            assert len(mask) == len(table.data)
        # every case the file was written with is a respondent, or the run stops: a file whose
        # bytes were altered is read whole or refused, never as a partial table
        run_survey(root, 0, path, None, csv_lines=len(frame), rename=rename)


@fewer(5)
@given(edits=workbook_edits())
def test_survey_xlsx(edits):
    with tempfile.TemporaryDirectory() as tmp:
        root = survey_root(tmp)
        src = root / "survey" / "seed.xlsx"
        citizens_frame().to_excel(src, index=False, sheet_name="Data")
        path = root / "survey" / "impact_citoyens.xlsx"
        edit_workbook(src, path, edits)
        run_survey(root, 0, path, None, csv_lines=sheet_rows(path))


def sheet_rows(path: Path) -> int:
    """Non-blank rows below the header row of the workbook's first sheet (the respondents)."""
    from impact_regions.survey_files import _cell_text

    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return sum(1 for row in ws.iter_rows(min_row=2, values_only=True) if any(_cell_text(v) != "" for v in row))


# ------------------------------------------------------------------------------------------------
# Population margins (TD_POP1B)
# ------------------------------------------------------------------------------------------------

POPULATION = RAW / "insee" / "pop_sexe_age_2017_dep.csv"


@given(data=mutated(POPULATION.read_bytes()))
def test_population(data):
    codes = tiny_geo().codes("departement")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / POPULATION.name
        path.write_bytes(data)
        try:
            with no_hang():
                pop = read_population(path, codes)
        except InputError as err:
            assert_input_error(err, path)
            check_line_value(err, data)
            return
    assert list(pop.columns) == ["departement_code", "sexe", "age", "count"]
    assert not pop.duplicated(["departement_code", "sexe", "age"]).any()
    assert pop["departement_code"].isin(codes).all()
    assert pop["sexe"].isin([1, 2]).all() and pop["age"].between(0, 100).all()
    count = pop["count"].to_numpy(dtype=float)
    assert (np.isfinite(count) & (count >= 0)).all()
    if b'"' not in data:
        assert len(pop) == data_lines(data), "a line silently dropped"


# ------------------------------------------------------------------------------------------------
# Territory files (config/regions)
# ------------------------------------------------------------------------------------------------

REGION_SEEDS = [
    (CONFIG / "regions" / "corse.yaml").read_bytes(),
    (CONFIG / "regions" / "martinique.yaml").read_bytes(),
    b'code: ILES\nname: "\xc3\x8eles"\nslug: iles\ndepartements: ["2A", "2B", "972"]\nintro: >\n  Deux \xc3\xaeles.\n',
]
_SLUGS = {0: "corse", 1: "martinique", 2: "iles"}


@st.composite
def region_case(draw):
    index = draw(st.integers(0, len(REGION_SEEDS) - 1))
    seed = REGION_SEEDS[index]
    ops = draw(
        st.lists(st.one_of(operations, st.tuples(st.just("set_value"), _int, _int, _payload)), min_size=1, max_size=3)
    )
    data = seed
    for op in ops:
        if op[0] == "set_value":  # a YAML value replaced by a token, a list, a number or nothing
            lines = data.split(b"\n")
            i = op[1] % len(lines)
            key, _, _ = lines[i].partition(b":")
            values = [
                b"",
                b"~",
                b"[]",
                b"{}",
                b"12",
                b"2A",
                b"'94'",
                b"[2A, 972]",
                b"[01, 2A]",
                b"- x",
                b"*a",
                b"!!binary AAAA",
                b"!!python/object:os.system x",
                b"&a [1]",
                b"FR",
                b'""',
                op[3],
            ]
            lines[i] = key + b": " + values[op[2] % len(values)]
            data = b"\n".join(lines)
        else:
            data = _apply(data, op)
    return index, data


@given(case=region_case())
def test_region_files(case):
    index, data = case
    geo = tiny_geo()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{_SLUGS[index]}.yaml"
        path.write_bytes(data)
        try:
            with no_hang():
                out = load_territory_files(tmp, geo)
        except ConfigError as err:
            assert str(path) in str(err) and err.field, f"error without file or field: {err}"
            return
        except InputError as err:
            assert_input_error(err, path)
            return
    assert len(out) == 1
    t = out[0]
    assert isinstance(t["code"], str) and t["code"] and isinstance(t["name"], str) and t["name"]
    assert t["slug"] == _SLUGS[index]
    assert t["departements"] and set(t["departements"]) <= set(geo.departement_region)
    assert len(set(t["departements"])) == len(t["departements"]), "a département listed twice"
    assert all(isinstance(t[k], str) for k in ("short_name", "locative", "genitive", "intro"))


# ------------------------------------------------------------------------------------------------
# What the fuzzing found, kept as plain regression tests
# ------------------------------------------------------------------------------------------------

BASE_HEADER = "CODGEO;LIBGEO;P17_POP\n"


def _extract(tmp_path, name: str, data: bytes, reader: str = "insee_base", columns=("P17_POP",)):
    path = tmp_path / name
    path.write_bytes(data)
    return path, lambda: read_extract(path, reader, "commune", list(columns), tiny_geo().codes("commune"))


def test_found_huge_number_is_an_error_not_infinity(tmp_path):
    path, read = _extract(tmp_path, "base.csv", (BASE_HEADER + "2A004;Ajaccio;70659\n2A001;Afa;1e400\n").encode())
    with pytest.raises(InputError) as exc:
        read()
    assert exc.value.line == 3 and exc.value.column == "P17_POP" and "too large" in str(exc.value)


def test_found_bom_then_invalid_utf8_is_read(tmp_path):
    _, read = _extract(
        tmp_path, "base.csv", b"\xef\xbb\xbf" + (BASE_HEADER + "2A004;Aj\x80accio;70659\n").encode("latin-1")
    )
    assert read()["value"].tolist() == [70659.0]


def test_found_windows_ellipsis_does_not_split_a_line(tmp_path):
    # « … » is byte 0x85 in Windows-1252; read as latin-1 it is U+0085, a line break for str.splitlines
    data = (BASE_HEADER + "2A004;Ajaccio\x85;70659\n2A001;Afa;3133\n").encode("latin-1")
    _, read = _extract(tmp_path, "base.csv", data)
    df = read()
    assert dict(zip(df["geo_code"], df["line"], strict=True)) == {"2A004": 2, "2A001": 3}


def test_found_quoted_field_over_two_lines_keeps_physical_lines(tmp_path):
    data = (BASE_HEADER + '2A004;"Ajaccio\nsur deux lignes";70659\n2A001;Afa;x\n').encode()
    _, read = _extract(tmp_path, "base.csv", data)
    with pytest.raises(InputError) as exc:
        read()
    assert exc.value.line == 4 and exc.value.value == "x"


def test_found_unterminated_quote_beyond_the_csv_field_limit(tmp_path):
    data = (BASE_HEADER + '2A004;"Ajaccio;70659\n' + "2A001;Afa;3133\n" * 20000).encode()
    _, read = _extract(tmp_path, "base.csv", data)
    with pytest.raises(InputError) as exc:
        read()
    assert exc.value.line == 2 and "quote" in str(exc.value)


def test_found_corrupt_workbook_is_an_input_error(tmp_path):
    src, reader, _, columns = XLSX_EXTRACTS[0]
    good = (RAW / src).read_bytes()
    _, read = _extract(tmp_path, "ot.xlsx", good[: len(good) // 2], reader=reader, columns=columns)
    with pytest.raises(InputError) as exc:
        read()
    assert "not a readable Excel workbook" in str(exc.value)


def test_found_territory_file_not_in_utf8(tmp_path):
    (tmp_path / "corse.yaml").write_bytes('code: "94"\nname: Corse\nslug: corse\nintro: "Île"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as exc:
        load_territory_files(tmp_path, tiny_geo())
    assert exc.value.field == "line 4" and "UTF-8" in str(exc.value)


def test_found_duplicated_column_of_a_survey_file(tmp_path):
    root = survey_root(str(tmp_path))
    path = root / SURVEY_FILES[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ";poids"] + [ln + ";1" for ln in lines[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        build_survey(codebook(), root, tiny_geo())
    assert (exc.value.line, exc.value.column) == (1, "poids") and "2 times" in str(exc.value)


def test_found_duplicated_column_of_an_extract_or_population(tmp_path):
    _, read = _extract(tmp_path, "base.csv", b"CODGEO;LIBGEO;P17_POP;P17_POP\n2A004;Ajaccio;70659;1\n")
    with pytest.raises(InputError) as exc:
        read()
    assert (exc.value.line, exc.value.column) == (1, "P17_POP")
    path = tmp_path / "pop.csv"
    path.write_bytes(b"NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB;NB\nDEP;2A;Corse-du-Sud;1;000;790.6;1\n")
    with pytest.raises(InputError) as exc:
        read_population(path)
    assert (exc.value.line, exc.value.column) == (1, "NB")


# ------------------------------------------------------------------------------------------------
# Reference geography (data/raw/geo)
# ------------------------------------------------------------------------------------------------

GEO_FILES = ["regions.csv", "departements.csv", "communes.csv"]


@st.composite
def geo_case(draw):
    name = draw(st.sampled_from(GEO_FILES))
    return name, draw(mutated((RAW / "geo" / name).read_bytes()))


@given(case=geo_case())
def test_geography(case):
    from impact_regions.geo import read_departements

    name, data = case
    with tempfile.TemporaryDirectory() as tmp:
        for f in GEO_FILES:
            shutil.copy(RAW / "geo" / f, Path(tmp) / f)
        path = Path(tmp) / name
        path.write_bytes(data)
        for read in (load_geo, read_departements):
            try:
                with no_hang():
                    got = read(tmp)
            except InputError as err:
                assert_input_error(err, path)
                check_line_value(err, data)
                continue
            if read is read_departements:
                codes = [r["code_departement"] for r in got]
                assert len(set(codes)) == len(codes)
                assert all(isinstance(r["population_municipale"], int) and r["population_municipale"] >= 0 for r in got)
                continue
            for frame, key in (
                (got.regions, "code_region"),
                (got.departements, "code_departement"),
                (got.communes, "code_commune"),
            ):
                assert not frame[key].duplicated().any()
                assert frame[key].map(lambda c: isinstance(c, str)).all()
            for frame in (got.departements, got.communes):
                assert frame["population_municipale"].dtype == np.int64


def test_found_geography_errors_name_the_line(tmp_path):
    from impact_regions.geo import read_departements

    for f in GEO_FILES:
        shutil.copy(RAW / "geo" / f, tmp_path / f)
    cases = [
        ("regions.csv", b"code_region,nom_region\n02,Martinique\n\n94\n", 4, "malformed line"),
        ("regions.csv", b"code_region,nom_region\n02,Martinique\n\xe902,Corse\n", 3, "not UTF-8"),
        (
            "departements.csv",
            (RAW / "geo" / "departements.csv").read_bytes().replace(b"157249", b"9" * 30),
            2,
            "whole number",
        ),
    ]
    for name, data, line, words in cases:
        (tmp_path / name).write_bytes(data)
        for read in (load_geo, read_departements):
            if read is read_departements and name != "departements.csv":
                continue
            with pytest.raises(InputError) as exc:
                read(tmp_path)
            assert exc.value.line == line and words in str(exc.value)
        shutil.copy(RAW / "geo" / name, tmp_path / name)


def _segfault(fmt, path):
    import faulthandler

    faulthandler.disable()  # no traceback dump in the test output
    os.kill(os.getpid(), signal.SIGSEGV)


def test_found_a_crash_of_the_statistical_reader_is_an_input_error(tmp_path, monkeypatch):
    # a byte-mutated .sav made pyreadstat (ReadStat, C) die of a segmentation fault, taking the run
    # with it: the file is now read in a child process, whose death is an InputError
    import impact_regions.survey_files as survey_files

    path = tmp_path / "survey.sav"
    path.write_bytes(b"$FL2 not really SPSS")
    monkeypatch.setattr(survey_files, "_readstat", _segfault)
    with pytest.raises(InputError) as exc:
        read_survey_table(path)
    assert str(path) in str(exc.value) and "crashed" in str(exc.value)


def test_found_the_sav_file_that_crashed_pyreadstat():
    # tests/data/fuzz/pyreadstat_segfault.sav: the citizens' excerpt written by pyreadstat.write_sav,
    # one byte of the header changed (offset 310: 0 -> 2) and 12 bytes inserted; `pyreadstat.read_sav`
    # on it ends the Python process with a segmentation fault (pyreadstat 1.3.8, ReadStat)
    path = ROOT / "tests" / "data" / "fuzz" / "pyreadstat_segfault.sav"
    with pytest.raises(InputError) as exc:
        read_survey_table(path)
    assert str(path) in str(exc.value) and "not a readable sav file" in str(exc.value)


def _never_ends(fmt, path):
    import time

    time.sleep(600)


def test_a_statistical_reader_that_hangs_is_killed_and_an_input_error(tmp_path, monkeypatch):
    # GIVEN a .sav file on which pyreadstat never returns (a ReadStat loop), and a short limit
    import time

    import impact_regions.survey_files as survey_files

    path = tmp_path / "survey.sav"
    path.write_bytes(b"$FL2 not really SPSS")
    monkeypatch.setattr(survey_files, "_readstat", _never_ends)
    monkeypatch.setattr(survey_files, "READ_TIMEOUT_BASE_S", 0.5)
    # WHEN it is read
    start = time.monotonic()
    with pytest.raises(InputError) as exc:
        read_survey_table(path)
    # THEN the child is killed after the limit and the error names the file and the limit
    assert time.monotonic() - start < 10
    assert str(path) in str(exc.value) and "still reading it after 1 s" in str(exc.value)
    assert "READ_TIMEOUT_BASE_S" in str(exc.value)


def test_the_read_timeout_grows_with_the_file(tmp_path):
    from impact_regions.survey_files import READ_TIMEOUT_BASE_S, read_timeout

    small, big = tmp_path / "small.sav", tmp_path / "big.sav"
    small.write_bytes(b"x")
    with open(big, "wb") as f:
        f.truncate(400_000_000)  # sparse: a 400 MB file (a million respondents) without writing it
    assert READ_TIMEOUT_BASE_S <= read_timeout(small) < READ_TIMEOUT_BASE_S + 1
    assert 600 < read_timeout(big) <= 3600


#: The SAS seed: no Python library writes .sas7bdat, so its bytes are mutated (tests/data/sas).
SAS_SEED = ROOT / "tests" / "data" / "sas" / "barometre.sas7bdat"


@fewer(2)
@given(byte_ops=st.lists(byte_operations, min_size=1, max_size=3))
def test_survey_sas7bdat_bytes(byte_ops):
    data = SAS_SEED.read_bytes()
    for op in byte_ops:
        data = _apply(data, op)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "barometre.sas7bdat"
        path.write_bytes(data)
        try:
            with no_hang():
                table = read_survey_table(path)
        except InputError as err:
            assert_input_error(err, path)
            return
    # read: every case of the data set (8), never a partial table, every cell as text
    assert len(table.data) == len(table.lines) == 8, "a case silently dropped or added"
    assert all(isinstance(v, str) for col in table.data.columns for v in table.data[col])
    for mask in (*table.declared_missing.values(), *table.numbers.values()):
        assert len(mask) == len(table.data)


def test_found_a_corrupt_sas7bdat_read_as_an_empty_table(tmp_path):
    # five zero bytes inserted at offset 232 of the SAS seed: pyreadstat returned a table without
    # variables or cases, without an error; it is now refused, naming the file
    data = SAS_SEED.read_bytes()
    path = tmp_path / "barometre.sas7bdat"
    path.write_bytes(data[:232] + b"\x00" * 5 + data[232:])
    with pytest.raises(InputError) as exc:
        read_survey_table(path)
    assert str(path) in str(exc.value) and "not a readable sas7bdat file" in str(exc.value)
