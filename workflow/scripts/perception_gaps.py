"""Snakemake entry point: table `perception_gaps` (see impact_regions.perception_gaps)."""
from impact_regions.entry import run
from impact_regions.steps import perception_gaps_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(sm.log[0], lambda: perception_gaps_step(sm.input.fragility_indices, sm.input.survey_estimates,
                                            sm.input.gap_uncertainty, sm.input.territories, sm.input.catalogue,
                                            sm.input.codebook, sm.output[0]), "perception_gaps")
