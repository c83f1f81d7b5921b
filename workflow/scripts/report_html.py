"""Snakemake entry point: a territory's report as HTML (see impact_regions.report_steps)."""
from impact_regions.entry import call

sm = snakemake  # noqa: F821 (injected by Snakemake)
call(sm.log[0], f"report_html {sm.wildcards.slug}", "impact_regions.report_steps:report_html_step",
     context_json=sm.input.context, region_file=sm.input.region, templates_dir=sm.params.templates_dir,
     charts_dir=sm.params.charts_dir, out_html=sm.output[0])
