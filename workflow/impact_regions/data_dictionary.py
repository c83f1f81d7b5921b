"""The data dictionary of the published tables (DESIGN §6), in French, for the table archive
``reports/donnees/impact-regions-tables.zip`` (:mod:`impact_regions.tables_archive`).

Everything it prints comes from the contract of the tables, ``workflow/schemas/tables.yaml``
(:mod:`impact_regions.table_contract`): every published table's grain and key, every column's unit
and meaning, and the French meaning of the codes of the coded columns. The type of a column is
read from the Parquet file itself. A column of a table that the contract does not describe stops
the archive job (:func:`check_columns`): the dictionary cannot fall behind. ``{score_unit}`` in a
unit is the unit of the normalisation of the run (:data:`SCORE_UNITS`).
"""

from __future__ import annotations

from . import table_contract

SHARE = "part entre 0 et 1"

#: unit of a score, by normalisation (config index.normalisation)
SCORE_UNITS = {
    "zscore": "écarts-types de la distribution des départements (0 = France)",
    "minmax": "échelle de 1 (moins fragile) à 100 (plus fragile)",
    "ratio": "indice (France = 100)",
}


def published_tables() -> list[str]:
    """The tables the archive holds: the contract's published tables."""
    return table_contract.tables("published")


def column_text(table: str, column: str, score_unit: str) -> tuple[str, str]:
    """(unit, meaning) of a column for dictionnaire.csv: the contract's, the run's score unit in
    place of ``{score_unit}``, and for a coded column its codes after the meaning, so that they are
    written once (in the contract's code list)."""
    spec = table_contract.table(table)["columns"][column]
    meaning = spec["meaning"]
    if spec.get("accepted_values"):
        values = ", ".join(code or "(vide)" for code in table_contract.codes(spec["accepted_values"]))
        meaning += f" ; valeurs : {values} (libellés dans libelles.csv)"
    return spec["unit"].format(score_unit=score_unit), meaning


def code_lists() -> dict[str, dict[str, str]]:
    """{code list: {code: meaning}} of every code list a published column uses, in the contract's
    order: the codes libelles.csv labels (named as the contract names the list: the column, or
    table.column)."""
    used = {
        spec["accepted_values"]
        for t in published_tables()
        for spec in table_contract.table(t)["columns"].values()
        if spec.get("accepted_values")
    }
    return {name: table_contract.codes(name) for name in table_contract.contract()["codes"] if name in used}


def check_columns(schemas: dict[str, list[str]]) -> None:
    """Raise ValueError naming every column of `schemas` ({table: columns}) that the contract
    does not describe, and every table it lacks among the published ones."""
    published = set(published_tables())
    missing = [f"{t} (table)" for t in schemas if t not in published]
    missing += [
        f"{t}.{c}" for t, cols in schemas.items() if t in published for c in cols if c not in table_contract.columns(t)
    ]
    if missing:
        raise ValueError(
            "data dictionary (the contract workflow/schemas/tables.yaml) lacks: " + ", ".join(sorted(missing))
        )
