"""Snakemake entry point: the published tables (base + custom territories), see steps.gather_step."""

from impact_regions.entry import run
from impact_regions.steps import gather_step

sm = snakemake  # noqa: F821 (injected by Snakemake)
outputs = {name: path for name, path in sm.output.items()}
run(sm.log[0], lambda: gather_step({k: list(v) for k, v in sm.params.parts.items()}, outputs), "tables")
