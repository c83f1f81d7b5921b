"""The fingerprint of the code and templates a group of jobs runs: one small JSON file.

A report job runs about sixty project files (the package modules of the report, its templates,
stylesheet and fonts). Declared one by one as inputs of each of the 120 report jobs of a
département build, they made Snakemake handle about 7,500 input files for the report jobs
alone at every start, a no-op included. They are instead the inputs of one job that writes
their SHA-256 here, and the report jobs depend on this file: editing any of them rewrites it,
which reruns every report, exactly as before.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .templating import write_text_atomic


def source_fingerprint(paths: list[str]) -> dict[str, str]:
    """{path as given: SHA-256 of its bytes}, sorted by path; a path given twice stops the job."""
    if len(set(paths)) != len(paths):
        raise ValueError(f"files listed twice: {sorted({p for p in paths if paths.count(p) > 1})}")
    return {p: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in sorted(paths)}


def write_source_fingerprint(paths: list[str], out_json: str) -> None:
    """Write :func:`source_fingerprint` of `paths` to `out_json` (UTF-8 JSON, one line per file)."""
    write_text_atomic(out_json, json.dumps(source_fingerprint(paths), indent=0, sort_keys=True) + "\n")
