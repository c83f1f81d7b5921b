"""Snakemake entry point: reports/methodologie.pdf, the methodology annex (see impact_regions.report_steps)."""

from impact_regions.entry import run
from impact_regions.report_steps import methodology_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(
    sm.log[0],
    lambda: methodology_step(
        dict(sm.params.tables),
        sm.input.catalogue,
        dict(sm.params.config),
        sm.input.provenance,
        sm.params.templates_dir,
        sm.output.html,
        sm.output.pdf,
        sm.output.facts,
    ),
    "methodology",
)
