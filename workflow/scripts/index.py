"""Snakemake entry point: reports/index.html (see impact_regions.report_steps)."""
from impact_regions.entry import run
from impact_regions.report_steps import index_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(sm.log[0], lambda: index_step(dict(sm.params.reports), dict(sm.params.names), sm.input.map, sm.input.map_meta,
                                  sm.input.provenance, int(sm.params.vintage), sm.output[0], sm.input.annex,
                                  sm.input.annex_facts), "index")
