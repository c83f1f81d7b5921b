"""Snakemake entry point: a territory's report context and charts (see impact_regions.report_steps)."""
from pathlib import Path

from impact_regions.entry import call

sm = snakemake  # noqa: F821 (injected by Snakemake)
call(sm.log[0], f"report_data {sm.wildcards.slug}", "impact_regions.report_steps:report_data_step",
     territory=dict(sm.params.territory), parts=[dict(p) for p in sm.params.parts], geo_dir=sm.params.geo_dir,
     indicators_yaml=sm.input.catalogue, survey_yaml=sm.input.codebook, config=dict(sm.params.config),
     provenance_json=sm.input.provenance, fonts_dir=sm.params.fonts_dir, out_context=sm.output.context,
     charts_dir=str(Path(sm.output.charts[0]).parent), out_csv=sm.output.csv, out_xlsx=sm.output.xlsx)
