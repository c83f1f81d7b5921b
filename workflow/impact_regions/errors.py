"""Errors that stop the pipeline with one clear, actionable message.

Every problem with the user's inputs (raw extracts, survey microdata, configuration) is raised
as an :class:`InputError` or :class:`ConfigError`. The entry points catch them and print the
message alone, without a traceback: the message names the file, the line, the column, the
offending value, what was expected and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class InputError(Exception):
    """A raw input file holds something the pipeline cannot use.

    `line` is the 1-based physical line of the file (the Excel row for XLSX files), so that the
    user can open the file at that line. `row_word` names what `line` counts when it is not a
    text line: ``row`` for a spreadsheet (with its `sheet`), ``case`` for the n-th record of an
    SPSS, Stata or SAS file (its row in the data editor).
    """

    path: str | Path
    expected: str
    line: int | None = None
    column: str | None = None
    value: object = None
    hint: str | None = None
    sheet: str | None = None
    row_word: str = "line"

    def __reduce__(self):  # picklable, so that it crosses process pools intact
        return (
            self.__class__,
            (self.path, self.expected, self.line, self.column, self.value, self.hint, self.sheet, self.row_word),
        )

    def __str__(self) -> str:
        where = [str(self.path)]
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.line is not None:
            where.append(f"{self.row_word} {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        msg = ", ".join(where)
        if self.value is not None:
            msg += f": value {_show(self.value)}"
        msg += f": {self.expected}"
        if self.hint:
            msg += f". {self.hint}"
        return msg


@dataclass
class ConfigError(Exception):
    """A configuration file (config.yaml, a catalogue or a region file) is invalid."""

    path: str | Path
    field: str
    problem: str

    def __reduce__(self):
        return (self.__class__, (self.path, self.field, self.problem))

    def __str__(self) -> str:
        return f"{self.path}: field '{self.field}': {self.problem}"


def _show(value: object) -> str:
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text)
