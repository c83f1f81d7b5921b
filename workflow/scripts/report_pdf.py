"""Snakemake entry point: a territory's PDF synthesis (see impact_regions.report_steps)."""
from impact_regions.entry import run
from impact_regions.report_steps import report_pdf_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(sm.log[0], lambda: report_pdf_step(sm.input.html, sm.params.templates_dir, sm.params.charts_dir,
                                       sm.input.context, sm.output.pdf, sm.output.facts),
    f"report_pdf {sm.wildcards.slug}")
