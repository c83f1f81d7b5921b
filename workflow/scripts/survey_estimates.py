"""Snakemake entry point: table `survey_estimates` (see impact_regions.survey_estimates)."""

from impact_regions.entry import run
from impact_regions.steps import survey_estimates_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(
    sm.log[0],
    lambda: survey_estimates_step(
        sm.input.respondents,
        sm.input.responses,
        sm.input.survey_weights,
        sm.input.territories,
        sm.input.catalogue,
        sm.input.codebook,
        sm.params.weighting,
        dict(sm.params.options),
        sm.output[0],
        dict(sm.params.raking),
    ),
    "survey_estimates",
)
