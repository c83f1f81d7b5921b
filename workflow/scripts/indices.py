"""Snakemake entry point: tables `indicator_values`, `indicator_scores`, `fragility_indices`."""
from impact_regions.entry import run
from impact_regions.steps import indices_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
outputs = {name: sm.output[name] for name in ("indicator_values", "indicator_scores", "fragility_indices",
                                               "indicator_treatment")}
run(sm.log[0], lambda: indices_step(sm.params.geo_dir, sm.input.indicator_raw, sm.input.territories,
                                    sm.input.catalogue, dict(sm.params.index), outputs), "indices")
