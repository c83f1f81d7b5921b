"""Snakemake entry point: a territory's report as HTML (see impact_regions.report_steps)."""
from impact_regions.entry import run
from impact_regions.report_steps import report_html_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(sm.log[0], lambda: report_html_step(sm.input.context, sm.input.region, sm.params.templates_dir,
                                        sm.params.charts_dir, sm.output[0]), f"report_html {sm.wildcards.slug}")
