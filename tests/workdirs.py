"""Helpers of the end-to-end tests: a throw-away Snakemake working directory and a run in it.

The working directory holds its own config/ (the project's catalogues, the given territory
files, raw_dir pointing at the chosen raw data) so that the project's data/ and reports/ are
never touched.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny" / "raw"
DEMO_RAW = ROOT / "data" / "raw"


def workdir_with(tmp: Path, raw: Path, regions: dict[str, str]) -> Path:
    """A working directory whose config reads `raw` and has one territory file per entry of `regions`."""
    (tmp / "config" / "regions").mkdir(parents=True)
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    cfg.update(
        raw_dir=str(raw),
        indicators=str(ROOT / "config" / "indicators.yaml"),
        survey=str(ROOT / "config" / "survey.yaml"),
    )
    (tmp / "config" / "config.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    for slug, text in regions.items():
        (tmp / "config" / "regions" / f"{slug}.yaml").write_text(text, encoding="utf-8")
    return tmp


def snakemake(workdir: Path, *extra: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """Plain `snakemake` (the project's Snakefile and workflow profile) in `workdir`."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(workdir), "--cores", "2", *extra],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def demo_workdir(tmp: Path) -> Path:
    """A working directory on the shipped demo data (data/raw) with every territory file of config/regions."""
    regions = {f.stem: f.read_text(encoding="utf-8") for f in sorted((ROOT / "config" / "regions").glob("*.yaml"))}
    return workdir_with(tmp, DEMO_RAW, regions)
