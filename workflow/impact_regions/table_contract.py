"""The contract of the tables the pipeline writes, ``workflow/schemas/tables.yaml``, and its check.

The contract gives, for every table (the published ones of ``data/processed/`` with their parts
in ``base/`` and ``custom/<slug>/``, and the staging tables), its grain, key and, for every column
in file order, its DuckDB type, whether it may be NULL, its unit and meaning in French, and for a
coded column the code list of its accepted values. It is the one place these are written: the
pipeline's writes (:func:`impact_regions.storage.write_table` calls :func:`conform`), the table
archive's data dictionary (:mod:`impact_regions.data_dictionary`), the tests and the README's table
of tables all read it.

The file is read once per process (:func:`contract`, cached; about 10 ms). :func:`validate`
checks it against ``tables.schema.yaml`` and the rules a schema cannot express; the workflow calls
it when it is parsed and the tests call it, so that the jobs only read it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
CONTRACT_PATH = SCHEMA_DIR / "tables.yaml"
SCHEMA_PATH = SCHEMA_DIR / "tables.schema.yaml"

#: Arrow type (as str) -> the DuckDB type DESCRIBE prints for a Parquet column of that type
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "large_string": "VARCHAR",
    "string_view": "VARCHAR",
    "double": "DOUBLE",
    "float": "FLOAT",
    "int64": "BIGINT",
    "int32": "INTEGER",
    "int16": "SMALLINT",
    "int8": "TINYINT",
    "uint64": "UBIGINT",
    "uint32": "UINTEGER",
    "uint16": "USMALLINT",
    "uint8": "UTINYINT",
    "bool": "BOOLEAN",
    "null": "NULL",
}
#: How many offending values, rows or keys a message shows
SHOWN = 5


class ContractError(Exception):
    """A table (or the contract itself) breaks the contract: the message names the table, the
    column, the offending values with their row counts and what the contract says."""


@functools.cache
def contract() -> dict[str, Any]:
    """The contract as loaded from ``tables.yaml`` (not validated: see :func:`validate`)."""
    import yaml

    from .config import SAFE_LOADER

    return yaml.load(CONTRACT_PATH.read_text(encoding="utf-8"), Loader=SAFE_LOADER)


def tables(stage: str | None = None) -> list[str]:
    """The names of the tables of the contract (of one `stage`: published or staging), in its order."""
    return [t for t, spec in contract()["tables"].items() if stage is None or spec["stage"] == stage]


def table(name: str) -> dict[str, Any]:
    """The contract of table `name`: stage, grain, key, columns {name: spec}, optional extra_columns."""
    try:
        return contract()["tables"][name]
    except KeyError:
        raise ContractError(f"table '{name}' is not in the contract {CONTRACT_PATH.name}") from None


def keys(name: str) -> list[str]:
    """The key of table `name`: the columns that identify a row."""
    return list(table(name)["key"])


def columns(name: str) -> list[str]:
    """The columns of table `name`, in file order (without the configuration's extra columns)."""
    return list(table(name)["columns"])


def codes(list_name: str) -> dict[str, str]:
    """Code list `list_name` of the contract: code -> French meaning, in the contract's order."""
    return dict(contract()["codes"][list_name])


def accepted_values(name: str, column: str) -> list[str] | None:
    """The values column `column` of table `name` may hold (None: not a coded column)."""
    ref = table(name)["columns"][column].get("accepted_values")
    return None if ref is None else list(codes(ref))


def validate(data: dict | None = None) -> None:
    """Raise ContractError listing every problem of the contract `data` (default: the file):
    against ``tables.schema.yaml``, then a key column missing or nullable, a code list that does
    not exist or that a non-VARCHAR column names."""
    import jsonschema
    import yaml

    from .config import SAFE_LOADER

    data = contract() if data is None else data
    schema = yaml.load(SCHEMA_PATH.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(map(str, e.path)))
    problems = [f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors]
    if not problems:
        for name, spec in data["tables"].items():
            cols = spec["columns"]
            for k in spec["key"]:
                if k not in cols:
                    problems.append(f"tables.{name}.key: '{k}' is not a column of the table")
                elif cols[k]["nullable"]:
                    problems.append(f"tables.{name}.columns.{k}: a key column cannot be nullable")
            for c, col in cols.items():
                ref = col.get("accepted_values")
                if ref is not None and ref not in data["codes"]:
                    problems.append(f"tables.{name}.columns.{c}.accepted_values: no code list '{ref}' under codes")
                if ref is not None and col["type"] != "VARCHAR":
                    problems.append(f"tables.{name}.columns.{c}: accepted values on a {col['type']} column")
    if problems:
        raise ContractError(f"{CONTRACT_PATH}: " + "; ".join(problems))


def check(df: pd.DataFrame, name: str) -> None:
    """Raise ContractError naming every way `df` breaks the contract of table `name` (see :func:`conform`)."""
    conform(df, name)


def conform(df: pd.DataFrame, name: str, where: str | Path | None = None) -> pa.Table:
    """`df` as the Arrow table its Parquet file is written from, after checking it against the
    contract of table `name`: the columns and their order, their types, no NULL where the contract
    says never, coded values among the accepted ones, the key unique. Raises ContractError listing
    every problem, each with the column, the offending values or rows and what the contract says
    (`where`, the file about to be written, starts the message).

    A column whose cells are all NULL has no type of its own in Arrow (pandas object dtype): it
    is given the contract's, so that the file's types do not depend on the rows (a custom
    territory without a missing value, for instance)."""
    import pyarrow as pa

    spec = table(name)
    data = pa.Table.from_pandas(df, preserve_index=False)
    for i, field in enumerate(data.schema):
        if pa.types.is_null(field.type) and field.name in spec["columns"]:
            target = _arrow_type(spec["columns"][field.name]["type"])
            data = data.set_column(i, field.name, data.column(i).cast(target))
    problems = _column_problems(data, spec)
    present = [c for c in spec["columns"] if c in data.column_names]
    problems += [p for c in present for p in _value_problems(data, c, spec["columns"][c])]
    if all(k in present for k in spec["key"]):
        problems += _key_problems(df, spec["key"])
    if problems:
        head = f"{where}: " if where is not None else ""
        raise ContractError(
            f"{head}table '{name}' breaks its contract (workflow/schemas/tables.yaml):\n  - " + "\n  - ".join(problems)
        )
    return data


def _arrow_type(duckdb_type: str) -> pa.DataType:
    import pyarrow as pa

    return {"VARCHAR": pa.large_string(), "DOUBLE": pa.float64(), "BIGINT": pa.int64(), "BOOLEAN": pa.bool_()}[
        duckdb_type
    ]


def _duckdb_type(arrow_type: pa.DataType) -> str:
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):  # a pandas Categorical: DuckDB reads its values' type
        arrow_type = arrow_type.value_type
    return DUCKDB_TYPES.get(str(arrow_type), str(arrow_type))


def _column_problems(data: pa.Table, spec: dict) -> list[str]:
    """Missing columns, columns the contract does not have, columns out of order, extra columns' types."""
    expected, actual = list(spec["columns"]), data.column_names
    extra_spec = spec.get("extra_columns")
    missing = [c for c in expected if c not in actual]
    extra = [c for c in actual if c not in spec["columns"]]
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if extra and extra_spec is None:
        problems.append(f"column(s) {', '.join(extra)} not in the contract")
    if not missing and [c for c in actual if c in spec["columns"]] != expected:
        problems.append(f"columns in the order {', '.join(actual)}; the contract's is {', '.join(expected)}")
    elif not missing and extra and extra_spec is not None and actual[: len(expected)] != expected:
        problems.append(f"extra column(s) {', '.join(extra)} before the contract's columns {', '.join(expected)}")
    if extra_spec is not None:
        for c in extra:
            got = _duckdb_type(data.schema.field(c).type)
            if got not in extra_spec["type"]:
                problems.append(
                    f"extra column '{c}': type {got}, the contract says one of {', '.join(extra_spec['type'])}"
                )
            if not extra_spec["nullable"] and data.column(c).null_count:
                problems.append(
                    f"extra column '{c}': {data.column(c).null_count} NULL value(s), the contract says never NULL"
                )
    return problems


def _value_problems(data: pa.Table, column: str, spec: dict) -> list[str]:
    """The type, NULLs and accepted values of one column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = data.column(column)
    got = _duckdb_type(col.type)
    if got != spec["type"]:
        return [f"column '{column}': type {got} (Arrow {col.type}), the contract says {spec['type']}"]
    problems = []
    if not spec["nullable"] and col.null_count:
        rows = pc.indices_nonzero(pc.is_null(col)).to_pylist()[:SHOWN]
        problems.append(
            f"column '{column}': {col.null_count} NULL value(s) (row(s) {', '.join(map(str, rows))}"
            f"{', ...' if col.null_count > len(rows) else ''}), the contract says never NULL"
        )
    if spec.get("accepted_values") is not None:
        allowed = codes(spec["accepted_values"])
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        outside = [v for v in pc.unique(col).to_pylist() if v is not None and v not in allowed]
        if outside:
            counts = pc.value_counts(pc.filter(col, pc.is_in(col, value_set=pa.array(outside, col.type))))
            shown = [f"{c['values']!r} ({c['counts']} row(s))" for c in counts.to_pylist()[:SHOWN]]
            problems.append(
                f"column '{column}': value(s) outside the accepted values of code list "
                f"'{spec['accepted_values']}' ({', '.join(allowed)}): {', '.join(shown)}"
                f"{', ...' if len(outside) > SHOWN else ''}"
            )
    return problems


def _key_problems(df: pd.DataFrame, key: list[str]) -> list[str]:
    """Key values held by more than one row, with a few examples. pandas' duplicated (hashing
    each column's codes) is the fast way: 0.8 s on the 1.9 M rows of indicator_raw, where Arrow's
    group_by takes 8 s."""
    dup = df.duplicated(key, keep=False)
    if not dup.any():
        return []
    counts = df.loc[dup, key].value_counts(sort=False, dropna=False)
    shown = [
        f"({', '.join(map(repr, k if isinstance(k, tuple) else (k,)))}) x {n}" for k, n in counts.head(SHOWN).items()
    ]
    return [
        f"key ({', '.join(key)}) not unique: {len(counts)} value(s) held by several rows ({int(dup.sum())} rows), "
        f"e.g. {', '.join(shown)}{', ...' if len(counts) > SHOWN else ''}"
    ]
