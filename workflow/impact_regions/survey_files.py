"""Survey microdata files as pollsters deliver them: CSV, SPSS, Stata, SAS and Excel.

:func:`read_survey_table` reads one file of `config/survey.yaml` into a :class:`SurveyTable`:
every cell as text (codes keep their leading zeros; an integer number is written without
``.0``; an empty cell or a system-missing value is ``""``), the line of every row, the value
labels of each column and the cells the file itself declares missing. The format comes from the
file's extension or from the codebook's ``format:`` key (format, extensions: read with):

* ``csv``, ``.csv`` ``.txt`` ``.tsv``: the project's tolerant CSV reading (``;`` ``,`` or tab,
  UTF-8 with or without BOM, latin-1);
* ``sav``, ``.sav`` ``.zsav``: ``pyreadstat.read_sav``: value labels, user-defined missing values
  and ranges (``MISSING VALUES``);
* ``dta``, ``.dta``: ``pyreadstat.read_dta``: value labels, extended missing values ``.a`` … ``.z``;
* ``sas7bdat``, ``.sas7bdat``: ``pyreadstat.read_sas7bdat``: special missing values ``.A`` …
  ``.Z``, ``._``;
* ``xlsx``, ``.xlsx`` ``.xlsm``: pandas (``calamine`` engine): first sheet or the codebook's
  ``sheet:``, header on its first row.

Positions in errors: the physical line of a CSV file, the Excel row (with the sheet) of a
workbook, the case number (row of the data editor) of an SPSS, Stata or SAS file. A file that
cannot be read at all is an :class:`~impact_regions.errors.InputError` naming it and what to do;
so is a statistical file whose reading crashes pyreadstat or outlasts :func:`read_timeout` (two
minutes plus two seconds per MB: its child process is killed), or that gives no variable, or
fewer or more cases than its header declares (a truncated or corrupt file read without error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .readers import _sniff_separator, csv_records, decode, text_lines

#: Extension -> format (the codebook's `format:` overrides it).
FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".sav": "sav",
    ".zsav": "sav",
    ".dta": "dta",
    ".sas7bdat": "sas7bdat",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
#: What the position of a row is called in each format.
ROW_WORDS = {"csv": "line", "xlsx": "row", "sav": "case", "dta": "case", "sas7bdat": "case"}


#: Time the reading of a statistical file may take before its child process is killed: a base
#: plus so much per MB of file. ReadStat reads ~100 MB/s and the frame comes back through a pipe:
#: a 400 MB .sav (a million respondents) reads in well under a minute, its limit is 15 minutes.
READ_TIMEOUT_BASE_S = 120.0
READ_TIMEOUT_PER_MB_S = 2.0


@dataclass
class SurveyTable:
    """One survey file as text cells, with where each row is and what the file says about values."""

    path: str
    data: pd.DataFrame
    lines: np.ndarray
    format: str = "csv"
    sheet: str | None = None
    #: column -> code as text -> value label (statistical formats)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    #: column -> boolean mask of the cells the file declares missing (SPSS missing values and
    #: ranges, Stata/SAS extended missing values)
    declared_missing: dict[str, np.ndarray] = field(default_factory=dict)
    #: column -> boolean mask of the cells stored as numbers (a code stored as a number has lost
    #: its leading zero)
    numbers: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def row_word(self) -> str:
        return ROW_WORDS[self.format]

    def label_series(self, column: str) -> pd.Series:
        """The value label of each cell of `column` (empty string without one)."""
        labels = self.labels.get(column)
        if not labels:
            return pd.Series("", index=self.data.index, dtype=object)
        return self.data[column].map(labels).fillna("").astype(object)

    def missing_mask(self, column: str) -> np.ndarray:
        mask = self.declared_missing.get(column)
        return np.zeros(len(self.data), dtype=bool) if mask is None else mask

    def number_mask(self, column: str) -> np.ndarray:
        mask = self.numbers.get(column)
        return np.zeros(len(self.data), dtype=bool) if mask is None else mask

    def shown(self, column: str, i: int) -> str:
        """Cell i of `column` as the user sees it: the code, and its value label when it has one."""
        value = self.data[column].iloc[i]
        label = self.labels.get(column, {}).get(value)
        return f"{value} « {label} »" if label else value

    def error(self, mask, column: str | None, expected: str, hint: str | None = None, value=None) -> InputError:
        """An InputError at the first row of `mask` (all rows: `mask` None), naming file and position."""
        i = 0 if mask is None else int(np.flatnonzero(np.asarray(mask))[0])
        if value is None and column is not None:
            value = self.shown(column, i)
        return InputError(
            self.path,
            expected,
            line=int(self.lines[i]),
            column=column,
            value=value,
            hint=hint,
            sheet=self.sheet,
            row_word=self.row_word,
        )

    def header_error(self, column: str, expected: str, hint: str | None = None) -> InputError:
        """An InputError about the header (a missing column): line 1 of a CSV, row 1 of a sheet."""
        line = 1 if self.format in ("csv", "xlsx") else None
        return InputError(
            self.path, expected, line=line, column=column, hint=hint, sheet=self.sheet, row_word=self.row_word
        )


def file_format(path: str | Path, declared: str | None = None) -> str:
    """The format of a survey file: the codebook's `format:` if given, else from the extension."""
    if declared:
        return declared
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            path,
            f"unknown survey file format '{suffix or '(no extension)'}'",
            hint="Use a .csv, .sav, .dta, .sas7bdat or .xlsx file, or give the file a `format:` in config/survey.yaml",
        )
    return FORMATS[suffix]


def read_survey_table(path: str | Path, fmt: str | None = None, sheet: str | None = None) -> SurveyTable:
    """Read one survey file (any accepted format) into a :class:`SurveyTable`."""
    path = Path(path)
    if not path.exists():
        raise InputError(
            path, "survey file not found", hint="Check raw_dir in config.yaml and the paths in survey.yaml"
        )
    fmt = file_format(path, fmt)
    if fmt == "csv":
        return _read_csv(path)
    if fmt == "xlsx":
        return _read_xlsx(path, sheet)
    return _read_statistical(path, fmt)


def _read_csv(path: Path) -> SurveyTable:
    text, _ = decode(path.read_bytes())
    lines = text_lines(text)
    if not lines:
        raise InputError(path, "empty file")
    sep = _sniff_separator(lines[0])
    records = csv_records(lines, sep, str(path))
    header = [c.strip() for c in records[0][1]]
    keep, line_no = [], []
    # equal cells share one string object: a file of 1,000,000 respondents × 43 columns holds
    # ~4 M distinct cells, not 43 M strings (5.6 GB peak before)
    shared: dict[str, str] = {}
    same = shared.setdefault
    for line, row in records[1:]:
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            raise InputError(
                path,
                f"malformed line: {len(row)} fields where the header has {len(header)}",
                line=line,
                hint="Each line must have as many fields as the header",
            )
        keep.append([same(c, c) for c in (cell.strip() for cell in row)])
        line_no.append(line)
    del shared
    data = pd.DataFrame(keep, columns=header, index=[n - 2 for n in line_no], dtype=object).astype(str)
    return SurveyTable(str(path), data, np.asarray(line_no, dtype=np.int64), "csv")


def _cell_text(cell: object) -> str:
    """A cell as text: integers without `.0`, floats exactly (repr), empty for blanks and NaN."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ""
    if isinstance(cell, bool):
        return str(int(cell))
    if isinstance(cell, (float, np.floating)):
        return str(int(cell)) if float(cell).is_integer() else repr(float(cell))
    if isinstance(cell, (int, np.integer)):
        return str(int(cell))
    return str(cell).strip()


def _column_text(col: pd.Series) -> np.ndarray:
    """:func:`_cell_text` of a numeric column, vectorised (large files)."""
    v = col.to_numpy(dtype=float)
    out = np.full(len(v), "", dtype=object)
    finite = np.isfinite(v)
    whole = finite & (v == np.round(v)) & (np.abs(v) < 2**53)
    out[whole] = v[whole].astype(np.int64).astype(str)
    other = finite & ~whole
    out[other] = [repr(float(x)) for x in v[other]]
    return out


def _read_xlsx(path: Path, sheet: str | None) -> SurveyTable:
    try:
        grid = pd.read_excel(
            path, sheet_name=sheet if sheet is not None else 0, header=None, dtype=object, engine="calamine"
        )
    except ValueError as exc:  # missing sheet
        raise InputError(
            path,
            f"cannot read sheet '{sheet}': {exc}",
            hint="Name the sheet holding the respondents with `sheet:` in config/survey.yaml",
        ) from None
    except Exception as exc:  # noqa: BLE001 - a corrupt workbook: say so, never a traceback
        raise InputError(
            path,
            f"not a readable Excel workbook ({type(exc).__name__}: {exc})",
            hint="Save the file again as .xlsx, or export it as CSV",
        ) from None
    sheet_name = sheet if sheet is not None else _first_sheet_name(path)
    if grid.empty:
        raise InputError(path, "empty sheet", sheet=sheet_name, hint="The header must be on the first row")
    header = [_cell_text(c) for c in grid.iloc[0]]
    body = grid.iloc[1:]
    text = body.map(_cell_text)
    filled = (text != "").any(axis=1).to_numpy()
    text, body = text[filled], body[filled]
    rows = np.flatnonzero(filled) + 2  # Excel row: header on row 1
    data = pd.DataFrame(text.to_numpy(dtype=object), columns=header, index=rows - 2).astype(str)
    numbers = {
        name: body.iloc[:, j].map(lambda c: isinstance(c, (int, float)) and not isinstance(c, bool)).to_numpy(bool)
        for j, name in enumerate(header)
    }
    return SurveyTable(str(path), data, rows.astype(np.int64), "xlsx", sheet=sheet_name, numbers=numbers)


def _first_sheet_name(path: Path) -> str | None:
    try:
        from python_calamine import CalamineWorkbook

        return CalamineWorkbook.from_path(str(path)).sheet_names[0]
    except Exception:  # noqa: BLE001 - only used to name the sheet in messages
        return None


def _readstat(fmt: str, path: str):
    import faulthandler

    import pyreadstat

    faulthandler.disable()  # in the child: a crash is reported as an InputError, without a dump of the stack

    read = {"sav": pyreadstat.read_sav, "dta": pyreadstat.read_dta, "sas7bdat": pyreadstat.read_sas7bdat}[fmt]
    return read(path, user_missing=True)


def read_timeout(path: str | Path) -> float:
    """Seconds allowed to read the statistical file `path` (:data:`READ_TIMEOUT_BASE_S` plus
    :data:`READ_TIMEOUT_PER_MB_S` per MB)."""
    return READ_TIMEOUT_BASE_S + READ_TIMEOUT_PER_MB_S * Path(path).stat().st_size / 1e6


def _read_statistical(path: Path, fmt: str) -> SurveyTable:
    # ReadStat (C) can crash the process on a corrupt file (a segmentation fault on a .sav with
    # bytes altered, found by tests/test_fuzz_readers.py), or could loop on one: it reads in a
    # forked child process, so that a crash is an InputError naming the file, not the end of the
    # run, and a child still reading after :func:`read_timeout` is killed, an InputError too.
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures import TimeoutError as FutureTimeout
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    limit = read_timeout(path)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork"))
    try:
        frame, meta = pool.submit(_readstat, fmt, str(path)).result(timeout=limit)
    except FutureTimeout:
        for child in list(getattr(pool, "_processes", {}).values()):  # only this pool's own child
            child.kill()
        raise InputError(
            path,
            f"not a readable {fmt} file (its reader, pyreadstat, was still reading it after "
            f"{limit:.0f} s: a corrupt file, or one that never ends)",
            hint="Ask the pollster for the file again, or an export in another format; the limit is "
            "READ_TIMEOUT_BASE_S + READ_TIMEOUT_PER_MB_S per MB in survey_files.py",
        ) from None
    except BrokenProcessPool:
        raise InputError(
            path,
            f"not a readable {fmt} file (its reader, pyreadstat, crashed on it: a corrupt file)",
            hint="Ask the pollster for the file again, or an export in another format",
        ) from None
    except Exception as exc:  # noqa: BLE001 - pyreadstat raises its own errors for corrupt files
        raise InputError(
            path,
            f"not a readable {fmt} file ({type(exc).__name__}: {exc})",
            hint="Check the file and its format (`format:` in config/survey.yaml)",
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    # a corrupt file may also be read without an error, as a partial or empty table: refused
    declared = getattr(meta, "number_rows", None)
    if len(frame.columns) == 0:
        raise InputError(
            path,
            f"not a readable {fmt} file (no variable could be read: a corrupt file)",
            hint="Ask the pollster for the file again, or an export in another format",
        )
    if declared is not None and declared >= 0 and declared != len(frame):
        raise InputError(
            path,
            f"not a readable {fmt} file (its header declares {declared} cases, "
            f"{len(frame)} could be read: a truncated or corrupt file)",
            hint="Ask the pollster for the file again, or an export in another format",
        )
    types = getattr(meta, "readstat_variable_types", {}) or {}
    ranges = getattr(meta, "missing_ranges", {}) or {}
    data, labels, missing, numbers = {}, {}, {}, {}
    for name in frame.columns:
        col = frame[name]
        is_string = types.get(name) == "string"
        cells = col.to_numpy(dtype=object)
        text = _column_text(col) if col.dtype.kind in "fiu" else np.array([_cell_text(c) for c in cells], dtype=object)
        declared = np.zeros(len(cells), dtype=bool)
        if not is_string:
            # Stata/SAS extended missing values come back as their letter (a..z, _)
            letters = np.array([isinstance(c, str) for c in cells], dtype=bool)
            declared |= letters
            text[letters] = ["." + c for c in cells[letters]]
            numbers[name] = ~letters & (text != "")
        for r in ranges.get(name, []):  # SPSS missing values: discrete codes and ranges
            lo, hi = r.get("lo"), r.get("hi")
            if is_string:
                declared |= (col.astype(object) >= lo).to_numpy(bool) & (col.astype(object) <= hi).to_numpy(bool)
            else:
                num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
                declared |= (num >= float(lo)) & (num <= float(hi))
        data[name] = text
        missing[name] = declared
        value_labels = (meta.variable_value_labels or {}).get(name)
        if value_labels:
            labels[name] = {
                ("." + k if isinstance(k, str) and not is_string else _cell_text(k)): str(v)
                for k, v in value_labels.items()
            }
    table = pd.DataFrame(data, columns=list(frame.columns), dtype=object)
    return SurveyTable(
        str(path),
        table,
        np.arange(1, len(table) + 1, dtype=np.int64),
        fmt,
        labels=labels,
        declared_missing=missing,
        numbers=numbers,
    )
