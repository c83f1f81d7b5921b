"""Snakemake entry point: staging/provenance.json (see impact_regions.provenance)."""

from impact_regions.entry import run
from impact_regions.report_steps import provenance_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(
    sm.log[0],
    lambda: provenance_step(
        sm.params.raw_dir, list(sm.params.raw_files), list(sm.params.config_files), sm.params.code_root, sm.output[0]
    ),
    "provenance",
)
