"""Snakemake entry point: reports/index-map.svg (see impact_regions.index_steps)."""

from impact_regions.entry import run
from impact_regions.index_steps import index_map_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(
    sm.log[0],
    lambda: index_map_step(
        sm.input.fragility, sm.params.geo_dir, sm.params.fonts_dir, sm.output.map, sm.output.meta, dict(sm.params.links)
    ),
    "index_map",
)
