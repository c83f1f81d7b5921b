"""What a reader of the raw indicator extracts needs to know of a format: its code and label
columns (:class:`ReaderSpec`).

The class lives apart from :mod:`impact_regions.readers` so that the readers' constants, the
formats of DESIGN §4 (:data:`~impact_regions.readers.READERS`) built from it, come before every
function of that module.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReaderSpec:
    """The columns of one family of source files (its quirks: workflow/quirks.yaml)."""

    code_column: str
    label_column: str
