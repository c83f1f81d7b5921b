"""Byte-reproducible zip archives: the table archive and the XLSX files of reports/donnees/.

A zip written by :mod:`zipfile` stamps every entry with the clock and the file's mode; here every
entry gets the same date (:func:`data_date`, the date the PDFs carry), the mode of a regular
file readable by all (0644, Unix), DEFLATE at a fixed level and no extra field. Entries are
written in the order given (the table archive sorts them; an XLSX keeps openpyxl's order,
``[Content_Types].xml`` first). Two builds from the same inputs give identical bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from .geo import COG_DATE

#: DEFLATE level of every entry (zlib's default: level 9 gains about 1 % for twice the time)
COMPRESSLEVEL = 6
#: regular file, rw-r--r--, in the high 16 bits of external_attr (Unix)
FILE_MODE = 0o100644


def data_date(survey_year: int) -> datetime:
    """The date stamped in the downloads: the one the PDFs carry, 31 December of the surveys'
    year or the COG edition if later (``report_steps.report_pdf_step``:
    ``max(render.vintage_date(survey_year), geo.COG_DATE)``), never the clock."""
    return max(datetime(int(survey_year), 12, 31, tzinfo=UTC), COG_DATE)


def _write(fileobj, entries: Iterable[tuple[str, bytes]], date: datetime) -> None:
    stamp = date.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(fileobj, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3  # Unix, whatever the platform: the mode below is read as such
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSLEVEL)


def zip_bytes(entries: Iterable[tuple[str, bytes]], date: datetime) -> bytes:
    """A zip archive of `entries` (name, content), in that order, every entry stamped `date`."""
    buf = io.BytesIO()
    _write(buf, entries, date)
    return buf.getvalue()


def restamp(archive: bytes, date: datetime, first: tuple[str, ...] = ()) -> bytes:
    """The zip `archive` (e.g. an XLSX just written by openpyxl) with the same entries, stamped as
    :func:`zip_bytes` stamps them, in the same order except the entries named in `first`, put
    first (``[Content_Types].xml`` of an XLSX, as Excel writes it)."""
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        infos = sorted(zf.infolist(), key=lambda i: i.filename not in first)  # stable: order kept otherwise
        return zip_bytes(((i.filename, zf.read(i)) for i in infos), date)


def write_zip_atomic(path: str | Path, entries: Iterable[tuple[str, bytes]], date: datetime) -> Path:
    """Write the archive of :func:`zip_bytes` to `path` through a temporary sibling file and
    ``os.replace`` (one entry in memory at a time): a failure leaves no archive behind."""
    from .templating import atomic_writer

    with atomic_writer(path) as fh:
        _write(fh, entries, date)
    return Path(path)
