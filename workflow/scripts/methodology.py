"""Snakemake entry point: reports/methodologie.pdf, the methodology annex (see impact_regions.methodology_annex)."""

from impact_regions.entry import run
from impact_regions.methodology_annex import annex_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(
    sm.log[0],
    lambda: annex_step(
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
