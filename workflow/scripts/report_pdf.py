"""Snakemake entry point: a territory's PDF synthesis (see impact_regions.report_steps)."""
from impact_regions.entry import call

sm = snakemake  # noqa: F821 (injected by Snakemake)
call(sm.log[0], f"report_pdf {sm.wildcards.slug}", "impact_regions.report_steps:report_pdf_step",
     html=sm.input.html, templates_dir=sm.params.templates_dir, charts_dir=sm.params.charts_dir,
     context_json=sm.input.context, out_pdf=sm.output.pdf, out_facts=sm.output.facts)
