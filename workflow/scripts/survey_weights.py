"""Snakemake entry point: tables `survey_weights` and `raking_margins` (see steps.survey_weights_step)."""

from impact_regions.entry import run
from impact_regions.steps import survey_weights_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(
    sm.log[0],
    lambda: survey_weights_step(
        sm.input.respondents,
        sm.input.population,
        sm.input.territories,
        sm.params.weighting,
        dict(sm.params.raking),
        sm.output.weights,
        sm.output.margins,
    ),
    "survey_weights",
)
