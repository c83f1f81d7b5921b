"""Tolerant, meaning-strict readers for the raw indicator extracts (DESIGN §4).

Each reader turns one raw file, exactly as downloaded, into a long table with one row per
(geographic code, column): ``line, geo_code, column, value, missing_reason``. Readers are
tolerant about form (``;`` or ``,`` separators, UTF-8 with or without BOM with a latin-1
fallback, decimal comma or point, metadata lines, thousands separators written as spaces) and
strict about meaning: a value that is neither a number nor a known missing marker, a malformed
or unknown geographic code, a missing column or a duplicated code stops the run with an
:class:`~impact_regions.errors.InputError` naming file, line, column and value.

The producers' quirks (missing-value markers, aggregate rows to skip, metadata lines above the
header, the sheet of a workbook) are reviewed data in ``workflow/quirks.yaml``, read by
:mod:`impact_regions.quirks`: no list of them is kept here. :data:`READERS` only names each
format's code and label columns.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .quirks import ReaderQuirks, reader_quirks
from .reader_spec import ReaderSpec

#: The four raw formats of DESIGN §4.
READERS: dict[str, ReaderSpec] = {
    # RP "base comparateur" / base communale: CODGEO;LIBGEO;P17_POP;...
    "insee_base": ReaderSpec("CODGEO", "LIBGEO"),
    # Filosofi, one file per level (COM/DEP/REG)
    "insee_filosofi": ReaderSpec("CODGEO", "LIBGEO"),
    # statistiques-locales export: Code;Libellé;<label>
    "insee_statlocales": ReaderSpec("Code", "Libellé"),
    # Observatoire des territoires export (CSV or XLSX): codgeo;libgeo;an;<indicateurs>
    "ot_export": ReaderSpec("codgeo", "libgeo"),
}

#: Syntax of a code at each level (COG): communes 5 characters (2A/2B for Corse), départements
#: 2 characters or 3 digits overseas, regions 2 digits.
CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    "commune": re.compile(r"^(?:\d{5}|2[AB]\d{3})$"),
    "departement": re.compile(r"^(?:\d{2}|2[AB]|97\d)$"),
    "region": re.compile(r"^\d{2}$"),
}

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_EXCEL = (".xlsx", ".xlsm", ".xls")


def decode(raw: bytes) -> tuple[str, str]:
    """Decode file bytes: UTF-8 (BOM stripped) first, latin-1 when the bytes are not UTF-8.

    Returns the text and the encoding used. Latin-1 accepts any byte (and an invalid byte after a
    BOM is replaced by U+FFFD), so a wrongly encoded file never fails here; it shows as odd labels,
    not as wrong numbers.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        # a BOM says UTF-8: a stray invalid byte becomes U+FFFD (an error if it lands in a number or a code)
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def text_lines(text: str) -> list[str]:
    """The lines of a text file as an editor numbers them: only ``\\r\\n``, ``\\r`` and ``\\n`` end a
    line (not the other breaks of :meth:`str.splitlines`, such as ``\\x85``, which is « … » in a
    Windows-1252 file read as latin-1)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def csv_records(lines: list[str], sep: str, display: str, first_line: int = 1) -> list[tuple[int, list[str]]]:
    """(physical line where the record starts, fields) of each CSV record of `lines`.

    `first_line` is the physical line of ``lines[0]``. A quoted field may span lines, so records
    and lines are counted apart; a field the csv module refuses (beyond its size limit: an
    unterminated quote) is an InputError at the line where the reading stopped.
    """
    reader = csv.reader(lines, delimiter=sep, quotechar='"')
    out: list[tuple[int, list[str]]] = []
    start = 0
    try:
        for row in reader:
            out.append((first_line + start, row))
            start = reader.line_num
    except csv.Error as exc:
        raise InputError(
            display,
            f"unreadable CSV record ({exc})",
            line=first_line + start,
            hint='Check the quotes: a field opened with " must be closed on the same record',
        ) from None
    return out


def _sniff_separator(header_line: str) -> str:
    """`;` when the header has one (French exports: labels may hold commas), else tab, else `,`."""
    for sep in (";", "\t"):
        if sep in header_line:
            return sep
    return ","


def _clean_name(name: object) -> str:
    return " ".join(str(name).strip().strip('"').split())


def _excel_cell_text(cell: object) -> str:
    """Text of an Excel cell as the user typed it: integers without `.0`, empty for blanks."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _load_grid(path: Path, spec: ReaderSpec, quirks: ReaderQuirks, display: str) -> tuple[list[str], pd.DataFrame, int]:
    """Locate the header and return (column names, cells as str indexed by their physical line or
    Excel row, 1-based line of the header)."""
    if path.suffix.lower() in _EXCEL:
        try:
            sheet = pd.read_excel(
                path,
                sheet_name=quirks.sheet if quirks.sheet is not None else 0,
                header=None,
                dtype=object,
                engine="calamine",
            )
        except ValueError as exc:  # missing sheet
            raise InputError(
                display,
                f"cannot read sheet '{quirks.sheet}': {exc}",
                sheet=quirks.sheet,
                hint=f"Export the data sheet under the name '{quirks.sheet}'"
                if quirks.sheet is not None
                else "Put the data on the workbook's first sheet",
            ) from None
        except Exception as exc:  # noqa: BLE001 - a corrupt workbook (zip, XML): say so, never a traceback
            raise InputError(
                display,
                f"not a readable Excel workbook ({type(exc).__name__}: {exc})",
                hint="Save the file again as .xlsx, or export it as CSV",
            ) from None
        grid = sheet.map(_excel_cell_text)
        rows = grid.values.tolist()
        header_idx = _find_header(rows, spec, quirks, display, lambda r: [_clean_name(c) for c in r])
        names = [_clean_name(c) for c in rows[header_idx]]
        body = grid.iloc[header_idx + 1 :].reset_index(drop=True)
        body.columns = range(body.shape[1])
        body.index = body.index + header_idx + 2  # Excel row of each line
        return names, body, header_idx + 1

    text, _ = decode(path.read_bytes())
    lines = text_lines(text)
    probe = lines[: quirks.max_lines_above_header + 1]

    def names_of(line: str) -> list[str]:
        if not line.strip():
            return []
        return [_clean_name(c) for c in next(csv.reader([line], delimiter=_sniff_separator(line)))]

    header_idx = _find_header(probe, spec, quirks, display, names_of)
    sep = _sniff_separator(lines[header_idx])
    records = csv_records(lines[header_idx:], sep, display, first_line=header_idx + 1)
    width = len(records[0][1])
    for line, row in records[1:]:
        if row and any(cell.strip() for cell in row) and len(row) != width:
            raise InputError(
                display,
                f"malformed line: {len(row)} fields where the header has {width}",
                line=line,
                hint="Each line must have as many fields as the header; check separators and quotes",
            )
    rows = [r if len(r) == width else [""] * width for _, r in records]
    frame = pd.DataFrame(rows, dtype=object)
    names = [_clean_name(c) for c in frame.iloc[0]]
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    body.index = pd.Index([line for line, _ in records[1:]], dtype="int64")
    return names, body, header_idx + 1


def _find_header(rows, spec: ReaderSpec, quirks: ReaderQuirks, display: str, split) -> int:
    most = quirks.max_lines_above_header
    for idx, row in enumerate(rows[: most + 1]):
        if spec.code_column in split(row):
            return idx
    raise InputError(
        display,
        f"no header line with the column '{spec.code_column}' in the first {most + 1} line(s)",
        line=most + 1 if most else 1,
        column=spec.code_column,
        hint="Check that the file is the raw export of the expected source and reader",
    )


def parse_numbers(
    cells: pd.Series, lines: pd.Series, display: str, column: str, quirks: ReaderQuirks
) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column of cells into floats and missing reasons.

    Accepts a decimal comma or point and spaces (also no-break) as thousands separators; a
    missing marker of `quirks` (its ``map_to_missing`` entries) gives NaN and its reason; anything
    else raises an InputError naming the line.
    Plain numbers take a fast vectorised path; only the other cells go through the checks.
    """
    raw = cells.astype(str)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, copy=True)
    reasons = np.full(len(raw), None, dtype=object)
    slow = ~np.isfinite(values)
    if slow.any():
        sub = raw[slow].str.strip()
        sub_reasons = quirks.missing_reasons(sub)
        is_missing = sub_reasons.notna().to_numpy()
        compact = sub.str.replace(_SPACES, "", regex=True)
        ok = compact.str.match(_NUMBER).to_numpy() | is_missing
        if not ok.all():
            bad = int(np.flatnonzero(slow)[np.flatnonzero(~ok)[0]])
            raise InputError(
                display,
                "not a number nor a known missing marker",
                line=int(lines.iloc[bad]),
                column=column,
                value=cells.iloc[bad],
                hint=quirks.marker_hint(),
            )
        parsed = pd.to_numeric(
            compact.where(~is_missing, None).str.replace(",", ".", regex=False), errors="coerce"
        ).to_numpy(dtype=float)
        huge = ~np.isfinite(parsed) & ~is_missing
        if huge.any():
            bad = int(np.flatnonzero(slow)[np.flatnonzero(huge)[0]])
            raise InputError(
                display,
                "number too large (beyond the range of a floating-point number)",
                line=int(lines.iloc[bad]),
                column=column,
                value=cells.iloc[bad],
                hint="Check the cell: an exponent or a run of digits has probably been garbled",
            )
        values[slow] = parsed
        reasons[slow] = sub_reasons.to_numpy(dtype=object)
    return values, reasons


def read_extract(
    path: str | Path,
    reader: str,
    level: str,
    columns: list[str],
    valid_codes: set[str] | frozenset[str],
    display: str | None = None,
) -> pd.DataFrame:
    """Read `columns` of one raw extract into a long table.

    Returns columns ``line, geo_code, column, value, missing_reason`` (one row per code and
    column). `valid_codes` are the COG codes of `level`: a code that is malformed or not among
    them is an error, as is a code present twice.
    """
    path = Path(path)
    display = display or str(path)
    if reader not in READERS:
        raise InputError(display, f"unknown reader '{reader}'", hint=f"Use one of {sorted(READERS)}")
    if not path.exists():
        raise InputError(display, "file not found", hint="Check raw_dir in config/config.yaml and the catalogue paths")
    spec = READERS[reader]
    quirks = reader_quirks(reader, path)
    try:
        return _read_grid(path, spec, quirks, level, columns, valid_codes, display)
    except InputError as err:
        if path.suffix.lower() in _EXCEL and err.line is not None:  # a workbook: the row of the sheet
            err.row_word, err.sheet = "row", quirks.sheet
        raise


def _read_grid(
    path: Path,
    spec: ReaderSpec,
    quirks: ReaderQuirks,
    level: str,
    columns: list[str],
    valid_codes: set[str] | frozenset[str],
    display: str,
) -> pd.DataFrame:
    names, body, header_line = _load_grid(path, spec, quirks, display)

    index = {}
    for pos, name in enumerate(names):
        index.setdefault(name, pos)
    for needed in [spec.code_column, *columns]:
        if _clean_name(needed) not in index:
            raise InputError(
                display,
                f"missing column '{needed}'",
                line=header_line,
                column=needed,
                hint=f"Columns found: {', '.join(n for n in names if n)}",
            )
        if names.count(_clean_name(needed)) > 1:
            raise InputError(
                display,
                f"column '{needed}' appears {names.count(_clean_name(needed))} times in the header",
                line=header_line,
                column=needed,
                hint="Rename or remove the extra column",
            )

    body = body[~(body == "").all(axis=1)]  # blank trailing lines
    lines = pd.Series(body.index.to_numpy(), index=body.index)  # _load_grid indexes the body by physical line
    codes = body[index[spec.code_column]].astype(str).str.strip()

    if quirks.skipped_rows:  # aggregate rows (France...): skipped, never read as data nor rejected
        keep = ~quirks.skipped(codes)
        body, codes, lines = body[keep], codes[keep], lines[keep]

    pattern = CODE_PATTERNS[level]
    malformed = ~codes.str.match(pattern)
    if malformed.any():
        i = int(np.flatnonzero(malformed.to_numpy())[0])
        hint = f"Expected a {level} code of the COG (codes are text: keep leading zeros and 2A/2B)"
        if codes.iloc[i].isdigit() and len(codes.iloc[i]) < {"commune": 5, "departement": 2, "region": 2}[level]:
            hint += "; this one looks like a number that lost its leading zero"
        raise InputError(
            display,
            f"malformed {level} code",
            line=int(lines.iloc[i]),
            column=spec.code_column,
            value=codes.iloc[i],
            hint=hint,
        )
    unknown = pd.Index(sorted(valid_codes)).get_indexer(codes.to_numpy(dtype=object)) < 0  # hash lookup
    unknown = pd.Series(unknown, index=codes.index)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(
            display,
            f"unknown {level} code (not in the COG reference geography)",
            line=int(lines.iloc[i]),
            column=spec.code_column,
            value=codes.iloc[i],
            hint="Use an extract on the 2025 geography (data/raw/geo) or remove the row",
        )
    dup = codes.duplicated(keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(lines[codes == codes.iloc[i]].iloc[0])
        raise InputError(
            display,
            f"duplicate code (already on line {first})",
            line=int(lines.iloc[i]),
            column=spec.code_column,
            value=codes.iloc[i],
            hint="Each code must appear once per file",
        )

    parts = []
    for column in dict.fromkeys(columns):
        cells = body[index[_clean_name(column)]]
        values, reasons = parse_numbers(cells, lines, display, column, quirks)
        parts.append(
            pd.DataFrame(
                {
                    "line": lines.to_numpy(dtype="int64"),
                    "geo_code": codes.to_numpy(dtype=object),
                    "column": column,
                    "value": values,
                    "missing_reason": reasons,
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["line", "geo_code", "column", "value", "missing_reason"])
    return pd.concat(parts, ignore_index=True)
