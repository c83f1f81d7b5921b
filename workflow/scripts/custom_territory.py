"""Snakemake entry point: every per-territory table's rows for one custom territory (steps.custom_territory_step)."""

from impact_regions.entry import run
from impact_regions.steps import custom_territory_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
staging = {
    "indicator_raw": sm.input.indicator_raw,
    "survey_respondents": sm.input.respondents,
    "survey_responses": sm.input.responses,
    "population": sm.input.population,
}
base = {
    "territories": sm.input.base_territories,
    "survey_weights": sm.input.base_weights,
    "survey_estimates": sm.input.base_estimates,
}
outputs = {name: path for name, path in sm.output.items()}
run(
    sm.log[0],
    lambda: custom_territory_step(
        sm.params.geo_dir,
        dict(sm.params.definition),
        staging,
        base,
        sm.input.catalogue,
        sm.input.codebook,
        {k: v for k, v in sm.params.options.items()},
        outputs,
    ),
    f"custom_territory {sm.wildcards.slug}",
)
