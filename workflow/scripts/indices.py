"""Snakemake entry point: indicator values and scores, point indices, treatment and `index_audit`."""

from impact_regions.entry import run
from impact_regions.steps import indices_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
outputs = {name: path for name, path in sm.output.items()}
run(
    sm.log[0],
    lambda: indices_step(
        sm.params.geo_dir,
        sm.input.indicator_raw,
        sm.input.territories,
        sm.input.catalogue,
        dict(sm.params.index),
        dict(sm.params.audit),
        outputs,
    ),
    "indices",
)
