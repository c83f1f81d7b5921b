"""Snakemake entry point: the six tables' rows of one custom territory (see steps.custom_territory_step)."""
from impact_regions.entry import run
from impact_regions.steps import custom_territory_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
staging = {"indicator_raw": sm.input.indicator_raw, "survey_respondents": sm.input.respondents,
           "survey_responses": sm.input.responses}
outputs = {name: path for name, path in sm.output.items()}
run(sm.log[0], lambda: custom_territory_step(sm.params.geo_dir, dict(sm.params.definition), staging,
                                             {"territories": sm.input.base_territories}, sm.input.catalogue,
                                             sm.input.codebook, dict(sm.params.index), dict(sm.params.survey),
                                             outputs), f"custom_territory {sm.wildcards.slug}")
