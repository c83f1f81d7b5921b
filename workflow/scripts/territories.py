"""Snakemake entry point: table `territories` (see impact_regions.territories)."""

from impact_regions.entry import run
from impact_regions.steps import territories_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(sm.log[0], lambda: territories_step(sm.params.geo_dir, sm.output[0]), "territories")
