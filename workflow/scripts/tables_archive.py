"""Snakemake entry point: the archive of the published tables (see impact_regions.report_steps)."""

from impact_regions.entry import run
from impact_regions.report_steps import tables_archive_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(
    sm.log[0],
    lambda: tables_archive_step(
        dict(sm.params.tables),
        sm.input.catalogue,
        sm.input.codebook,
        dict(sm.params.config),
        sm.input.provenance,
        sm.output[0],
    ),
    "tables_archive",
)
