"""Snakemake entry point: staging table `indicator_raw` (see impact_regions.indicator_raw)."""

from impact_regions.entry import run
from impact_regions.steps import indicator_raw_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(
    sm.log[0],
    lambda: indicator_raw_step(
        sm.params.geo_dir, sm.params.raw_dir, sm.input.catalogue, sm.output[0], sm.params.workers
    ),
    "indicator_raw",
)
