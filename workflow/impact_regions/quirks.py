"""The producers' quirks the readers handle, as reviewed data: ``workflow/quirks.yaml``.

Each entry of the file says what it matches (a value, a list of values, a regular expression,
the lines above a header, a sheet name), what the reader does (``map_to_missing`` with a reason,
``skip_row``, ``skip_lines_above_header``, ``read_sheet``), for which readers (and optionally
which files), why, and the source that shows it (schema: ``workflow/schemas/quirks.schema.yaml``).
:func:`reader_quirks` gives the quirks one reader applies to one file; the readers of
:mod:`impact_regions.readers` hold no list of their own.

The file is read once per process (and again only if it changes on disk) and validated: a file
that breaks its schema, two entries with one id, an invalid regular expression, or two entries
that claim the same value or the same layout for one reader raise a
:class:`~impact_regions.errors.ConfigError` naming the file, the entry (``quirks.<n>``) and its
id. The workflow loads it when it is parsed, so such a file stops the run before any job. A
quirk that matches nothing in a run is not an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:  # pandas is imported by the matching functions only
    import numpy as np
    import pandas as pd

#: The project's quirks file, beside workflow/schemas/.
QUIRKS_FILE = Path(__file__).resolve().parent.parent / "quirks.yaml"

#: Actions that match the cells of a column (the others describe the layout of a file).
CELL_ACTIONS = ("map_to_missing", "skip_row")


@dataclass(frozen=True)
class Quirk:
    """One entry of the quirks file, ready to match."""

    id: str
    #: position in the file's list (errors name the entry `quirks.<position>`)
    position: int
    readers: tuple[str, ...]
    files: tuple[str, ...]
    action: str
    #: exact values (upper case when `ignore_case`)
    values: frozenset[str]
    regex: re.Pattern[str] | None
    ignore_case: bool
    max_lines_above_header: int | None
    sheet: str | None
    reason: str | None
    #: the values it matches, as messages show them: 's', 'nd', /regex/ (none for a layout action)
    shown: tuple[str, ...]

    def applies_to(self, reader: str, path: str | Path | None) -> bool:
        """Whether `reader` applies the entry to the file `path` (None: any file, i.e. entries without `files`)."""
        if reader not in self.readers:
            return False
        if not self.files:
            return True
        return path is not None and any(PurePath(path).match(pattern) for pattern in self.files)

    def mask(self, cells: pd.Series) -> np.ndarray:
        """Which (already trimmed) text cells the entry matches."""
        text = cells.str.upper() if self.ignore_case else cells
        hit = text.isin(self.values).to_numpy(dtype=bool)
        if self.regex is not None:
            hit = hit | cells.str.fullmatch(self.regex).fillna(False).to_numpy(dtype=bool)
        return hit


@dataclass(frozen=True)
class ReaderQuirks:
    """The quirks one reader applies to one file."""

    reader: str
    #: `map_to_missing` entries, in the file's order (the first that matches gives the reason)
    markers: tuple[Quirk, ...] = ()
    #: `skip_row` entries
    skipped_rows: tuple[Quirk, ...] = ()
    #: lines that may precede the header (0: header on line 1)
    max_lines_above_header: int = 0
    #: sheet of a workbook to read (None: the first)
    sheet: str | None = None

    def missing_reasons(self, cells: pd.Series) -> pd.Series:
        """The `missing_reason` of each trimmed text cell a marker matches, NaN elsewhere (as
        :meth:`pandas.Series.map` of a dict gives it)."""
        import numpy as np
        import pandas as pd

        reasons = np.full(len(cells), np.nan, dtype=object)
        free = np.ones(len(cells), dtype=bool)
        for quirk in self.markers:
            hit = free & quirk.mask(cells)
            reasons[hit] = quirk.reason
            free &= ~hit
        return pd.Series(reasons, index=cells.index, dtype=object)

    def skipped(self, codes: pd.Series) -> np.ndarray:
        """Which (trimmed) codes are rows to skip."""
        import numpy as np

        hit = np.zeros(len(codes), dtype=bool)
        for quirk in self.skipped_rows:
            hit |= quirk.mask(codes)
        return hit

    def marker_hint(self) -> str:
        """What a value cell may hold besides a number, for error messages."""
        import pandas as pd

        shown = [s for q in self.markers for s in q.shown if s != "''"]
        text = "Expected a number (decimal comma or point)"
        if shown:
            text += " or one of: " + ", ".join(shown)
        if self.missing_reasons(pd.Series([""], dtype=object)).notna().iloc[0]:
            text += ", or an empty cell"
        return text


def reader_quirks(reader: str, path: str | Path | None = None, quirks_file: str | Path | None = None) -> ReaderQuirks:
    """The quirks `reader` applies to the file `path` (entries scoped by `files` need the path).

    `quirks_file` defaults to :data:`QUIRKS_FILE`. Two entries of one layout action
    (``skip_lines_above_header``, ``read_sheet``) for the same file, or two entries matching the
    same value, raise a ConfigError naming both."""
    file = Path(quirks_file) if quirks_file is not None else QUIRKS_FILE
    return _resolve(load_quirks(file), reader, path, file)


def load_quirks(path: str | Path | None = None) -> tuple[Quirk, ...]:
    """The entries of the quirks file `path` (default :data:`QUIRKS_FILE`), validated.

    Read once per process and per version of the file (its size and modification time)."""
    path = Path(path) if path is not None else QUIRKS_FILE
    try:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = (0, 0)  # missing: load_yaml says so
    return _load(str(path), key)


@lru_cache(maxsize=8)
def _load(path: str, _version: tuple[int, int]) -> tuple[Quirk, ...]:
    from .config import load_yaml

    data = load_yaml(path)
    _check_schema(data if data is not None else {}, path)
    entries = data["quirks"]
    quirks = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if entry["id"] in seen:
            raise ConfigError(
                path, f"quirks.{i}.id", f"entry '{entry['id']}': duplicate id (also entry quirks.{seen[entry['id']]})"
            )
        seen[entry["id"]] = i
        quirks.append(_quirk(entry, i, path))
    quirks = tuple(quirks)
    for reader in sorted({r for q in quirks for r in q.readers}):
        _resolve(quirks, reader, None, path)  # conflicts between entries without `files`
    return quirks


def _check_schema(data: object, path: str) -> None:
    """Raise the ConfigError of the first entry that breaks the schema: its most specific
    problem, with the entry's position and id."""
    import jsonschema
    import yaml

    from .config import SAFE_LOADER, SCHEMA_DIR

    schema_file = SCHEMA_DIR / "quirks.schema.yaml"
    schema = yaml.load(schema_file.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if not errors:
        return
    # the first entry in error, and in it the deepest error (`quirks.3.action`, not `quirks.3`)
    err = min(errors, key=lambda e: (list(e.absolute_path)[:2], -len(e.absolute_path)))
    where = list(err.absolute_path)
    field = ".".join(str(p) for p in where) or "(top level)"
    if err.validator == "not" and err.validator_value == {}:  # $defs/forbidden
        problem = f"not allowed with action {data['quirks'][where[1]].get('action')!r}"
    elif err.validator == "oneOf":
        problem = f"{err.message} (see `{where[-1]}` in workflow/schemas/{schema_file.name})"
    else:
        problem = err.message
    if len(where) >= 2 and where[0] == "quirks" and isinstance(where[1], int):
        entry = data["quirks"][where[1]]
        name = entry.get("id") if isinstance(entry, dict) else None
        problem = f"entry {name!r}: {problem}" if name is not None else f"entry without an id: {problem}"
    raise ConfigError(path, field, problem)


def _quirk(entry: dict, i: int, path: str) -> Quirk:
    match = entry["match"]
    ignore_case = bool(entry.get("ignore_case", False))
    values: list[str] = []
    regex = None
    max_lines = sheet = None
    if entry["action"] == "skip_lines_above_header":
        max_lines = int(match["max_lines_above_header"])
        shown = []
    elif entry["action"] == "read_sheet":
        sheet = match
        shown = []
    elif isinstance(match, dict):
        try:
            regex = re.compile(match["regex"], re.IGNORECASE if ignore_case else 0)
        except re.error as exc:
            raise ConfigError(
                path, f"quirks.{i}.match.regex", f"entry '{entry['id']}': invalid regular expression ({exc})"
            ) from None
        shown = [f"/{match['regex']}/"]
    else:
        values = [match] if isinstance(match, str) else list(match)
        shown = [repr(v) for v in values]
    return Quirk(
        id=entry["id"],
        position=i,
        readers=tuple(entry["readers"]),
        files=tuple(entry.get("files", ())),
        action=entry["action"],
        values=frozenset(v.upper() if ignore_case else v for v in values),
        regex=regex,
        ignore_case=ignore_case,
        max_lines_above_header=max_lines,
        sheet=sheet,
        reason=entry.get("reason"),
        shown=tuple(shown),
    )


def _resolve(quirks: tuple[Quirk, ...], reader: str, path: str | Path | None, file: str | Path) -> ReaderQuirks:
    applied = [q for q in quirks if q.applies_to(reader, path)]
    for_file = f" and file {path}" if path is not None else ""
    layout: dict[str, Quirk] = {}
    for q in applied:
        if q.action in CELL_ACTIONS:
            continue
        if q.action in layout:
            raise ConfigError(
                file,
                f"quirks.{q.position}",
                f"entry '{q.id}': a second {q.action} for reader '{reader}'{for_file} "
                f"(entry '{layout[q.action].id}', quirks.{layout[q.action].position}, gives one already)",
            )
        layout[q.action] = q
    for action in CELL_ACTIONS:
        entries = [q for q in applied if q.action == action]
        for k, q in enumerate(entries):
            for other in entries[:k]:
                shared = _shared_values(other, q)
                if shared:
                    raise ConfigError(
                        file,
                        f"quirks.{q.position}.match",
                        f"entry '{q.id}': for reader '{reader}'{for_file}, {shared[0]!r} is already matched "
                        f"by entry '{other.id}' (quirks.{other.position})",
                    )
    lines = layout.get("skip_lines_above_header")
    sheet = layout.get("read_sheet")
    return ReaderQuirks(
        reader=reader,
        markers=tuple(q for q in applied if q.action == "map_to_missing"),
        skipped_rows=tuple(q for q in applied if q.action == "skip_row"),
        max_lines_above_header=lines.max_lines_above_header if lines else 0,
        sheet=sheet.sheet if sheet else None,
    )


def _shared_values(a: Quirk, b: Quirk) -> list[str]:
    """Values both entries match (compared in upper case when either ignores case)."""
    if a.ignore_case or b.ignore_case:
        return sorted({v.upper() for v in a.values} & {v.upper() for v in b.values})
    return sorted(a.values & b.values)
