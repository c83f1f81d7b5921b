"""Running the SQL files of `workflow/sql/` and writing processed tables safely.

Each table of DESIGN §6 is built by one SELECT in `workflow/sql/<table>.sql`, run in an
in-memory DuckDB over registered relations, with method options passed as bound parameters.
Tables are written atomically (temporary file, then rename) after checking them against their
contract (``workflow/schemas/tables.yaml``: columns, types, NULLs, accepted values, unique key),
so a failed step never leaves a half-written or non-conforming parquet file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
# DuckDB's memory limit in every query (see run_sql); IMPACT_DUCKDB_MEMORY overrides it (e.g. "8GB")
MEMORY_LIMIT = os.environ.get("IMPACT_DUCKDB_MEMORY", "4GB")


def sql_text(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run_sql(
    name: str, relations: Mapping[str, pd.DataFrame | str | Path], params: Mapping | None = None
) -> pd.DataFrame:
    """Run `workflow/sql/<name>.sql` over `relations` (DataFrames, or parquet paths) and return the result.

    Only the parameters the query uses are bound (DuckDB rejects unused named parameters).

    DuckDB runs on one thread: with several, its parallel aggregates add floating-point numbers
    in an order that depends on scheduling, and two runs on the same inputs differ in the last
    bits (measured: 8,233 cells of survey_estimates with 2 threads; byte-identical files with 1).
    The workflow runs its jobs in parallel instead; the cost is a few tenths of a second for the
    indices job.

    DuckDB's memory limit is fixed (:data:`MEMORY_LIMIT`, 4 GB) instead of DuckDB's default of
    80 % of the machine's memory: the limit sizes the aggregates' hash tables, hence the order in
    which some sums are added (measured: with 1 GB instead of 4 GB, 49 standard errors of the demo
    data differ in the last bits, relative 4e-16), so a fixed limit keeps the results the same on
    every machine with enough memory. Beyond the limit, joins and aggregates spill to a temporary
    directory, removed afterwards. A parquet path is read by DuckDB itself (no pandas copy).
    """
    query = sql_text(name)
    con = duckdb.connect()
    try:
        with tempfile.TemporaryDirectory(prefix="duckdb-spill-") as spill:
            con.execute("SET threads TO 1")
            con.execute("SET memory_limit = $limit", {"limit": MEMORY_LIMIT})
            con.execute("SET temp_directory = $dir", {"dir": spill})
            for rel_name, rel in relations.items():
                if isinstance(rel, (str, Path)):
                    con.register(rel_name, con.read_parquet(str(rel)))
                else:
                    con.register(rel_name, rel)
            used = {k: v for k, v in (params or {}).items() if f"${k}" in query}
            result = con.execute(query, used).df() if used else con.execute(query).df()
            con.close()  # before the spill directory goes
            return result
    finally:
        con.close()


def write_table(df: pd.DataFrame, path: str | Path, table: str) -> None:
    """Write `df` to parquet as table `table` of the contract (workflow/schemas/tables.yaml), atomically.

    The table is checked first (:func:`impact_regions.table_contract.conform`: columns, types,
    NULLs, accepted values, unique key): a table that breaks the contract raises ContractError
    and nothing is written. The file is the one ``df.to_parquet(path, index=False)`` writes
    (the same Arrow table, snappy compression), written to a temporary file and then renamed.
    """
    import pyarrow.parquet as pq

    from .table_contract import conform

    path = Path(path)
    data = conform(df, table, where=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        pq.write_table(data, tmp, compression="snappy")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
