"""Writers of the raw files in the real formats of their sources, byte-for-byte reproducible.

Fixed number formatting (``fmt_num``: rounded, trailing zeros stripped, ``-0`` never written),
LF line endings, rows sorted by code, and XLSX archives with fixed dates (document properties
2020-06-15, zip entries 1980-01-01).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np

EXPORT_DATE = "15/06/2020"
FIXED_DT = datetime(2020, 6, 15, 0, 0, 0)
ZIP_DT = (1980, 1, 1, 0, 0, 0)

DIV0 = "N/A - division par 0"
SECRET = "N/A - secret statistique"
NOT_AVAILABLE = "N/A - résultat non disponible"


def fmt_num(values, decimals: int, comma: bool = False, strip: bool = True) -> list[str]:
    """Numbers rounded to `decimals` (trailing zeros stripped unless `strip` is false: ``12.5``,
    ``3``), never ``-0``; NaN gives ``""`` (the caller writes a missing marker)."""
    v = np.round(np.asarray(values, dtype=float), decimals) + 0.0
    if decimals == 0:
        out = [str(int(x)) if x == x else "" for x in v]
    else:
        f = f"{{:.{decimals}f}}"
        out = [(f.format(x).rstrip("0").rstrip(".") if strip else f.format(x)) if x == x else "" for x in v]
    if comma:
        out = [s.replace(".", ",") for s in out]
    return out


def fmt_int(values) -> list[str]:
    return [str(int(x)) for x in np.asarray(values)]


def with_marker(strings: list[str], mask, marker: str) -> list[str]:
    mask = np.asarray(mask, dtype=bool)
    return [marker if m else s for s, m in zip(strings, mask, strict=True)]


def write_table(
    path: Path,
    header: list[str],
    columns: list[list[str]],
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    preamble: list[str] | None = None,
) -> None:
    """Write `;`-separated lines: optional preamble lines, the header, then the rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = list(preamble or [])
    lines.append(";".join(header))
    lines.extend(";".join(row) for row in zip(*columns, strict=True))
    text = "\n".join(lines) + "\n"
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


def to_latin1(text: str) -> str:
    """Latin-1 has no Œ/œ: INSEE's latin-1 files spell them OE/oe."""
    return text.replace("Œ", "OE").replace("œ", "oe")


def ot_preamble(producer: str) -> list[str]:
    return ["Observatoire des territoires - ANCT", f"Export du {EXPORT_DATE}", f"Source : {producer}", ""]


def write_xlsx(path: Path, sheets: list[tuple[str, list[list]]]) -> None:
    """Write an XLSX workbook (write-only openpyxl) whose bytes do not depend on the clock."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.creator = "Observatoire des territoires - ANCT"
    wb.properties.created = FIXED_DT
    wb.properties.modified = FIXED_DT
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_normalise_zip(buf.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite an OOXML zip with fixed entry dates and fixed document dates."""
    stamp = FIXED_DT.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\g<2>", text)
                content = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DT)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content, compresslevel=6)
    return out.getvalue()
