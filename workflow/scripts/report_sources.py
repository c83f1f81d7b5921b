"""Snakemake entry point: report_build/report-sources.json (see impact_regions.source_fingerprint)."""

from impact_regions.entry import run
from impact_regions.source_fingerprint import write_source_fingerprint

sm = snakemake  # noqa: F821 (injected by Snakemake)
run(sm.log[0], lambda: write_source_fingerprint(list(sm.input), sm.output[0]), "report_sources")
