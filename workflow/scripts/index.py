"""Snakemake entry point: reports/index.html (see impact_regions.index_steps)."""

from impact_regions.entry import run
from impact_regions.index_steps import index_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(
    sm.log[0],
    lambda: index_step(
        {s: dict(f) for s, f in sm.params.reports.items()},
        sm.input.map,
        sm.input.map_meta,
        sm.input.provenance,
        sm.output[0],
        sm.params.templates_dir,
        sm.input.annex,
        sm.input.annex_facts,
        sm.input.tables_zip,
    ),
    "index",
)
