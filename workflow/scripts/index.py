"""Snakemake entry point: reports/index.html and its map (see impact_regions.report_steps)."""
from impact_regions.entry import run
from impact_regions.report_steps import index_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(sm.log[0], lambda: index_step(dict(sm.params.reports), dict(sm.params.names), sm.input.fragility,
                                  sm.params.geo_dir, sm.params.fonts_dir, sm.input.provenance, int(sm.params.vintage),
                                  sm.output.html, sm.output.map), "index")
