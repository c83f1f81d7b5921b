"""Snakemake entry point: `fragility_indices` (with rank intervals), `sensitivity` and `perception_gaps`."""

from impact_regions.entry import run
from impact_regions.steps import perception_gaps_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
outputs = {name: path for name, path in sm.output.items()}
run(
    sm.log[0],
    lambda: perception_gaps_step(
        sm.input.indicator_values,
        sm.input.fragility_point,
        sm.input.indicator_treatment,
        sm.input.survey_estimates,
        sm.input.territories,
        sm.input.catalogue,
        sm.input.codebook,
        dict(sm.params.index),
        dict(sm.params.uncertainty),
        outputs,
    ),
    "perception_gaps",
)
