"""Snakemake entry point: a territory's report context and charts (see impact_regions.report_steps)."""
from impact_regions.entry import run
from impact_regions.report_steps import report_data_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
charts_dir = str(__import__("pathlib").Path(sm.output.charts[0]).parent)
run(sm.log[0], lambda: report_data_step(dict(sm.params.territory), [dict(p) for p in sm.params.parts], sm.params.geo_dir,
                                        sm.input.catalogue, sm.input.codebook, dict(sm.params.config),
                                        sm.input.provenance, sm.params.fonts_dir, sm.output.context, charts_dir),
    f"report_data {sm.wildcards.slug}")
