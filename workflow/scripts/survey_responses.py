"""Snakemake entry point: staging tables `survey_respondents` and `survey_responses`."""

from impact_regions.entry import run
from impact_regions.steps import survey_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(
    sm.log[0],
    lambda: survey_step(
        sm.params.geo_dir,
        sm.params.raw_dir,
        sm.input.catalogue,
        sm.input.codebook,
        sm.output.respondents,
        sm.output.responses,
    ),
    "survey_responses",
)
