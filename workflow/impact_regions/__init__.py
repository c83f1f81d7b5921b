"""IMPACT-Régions: territorial fragility indices, survey estimates and perception gaps.

The package holds the pure, tested functions; `workflow/scripts/*.py` are thin entry points
that Snakemake runs, and `workflow/sql/*.sql` the DuckDB queries that build the tables of
DESIGN §6.
"""

__version__ = "0.1.0"
