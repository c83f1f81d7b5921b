"""The workflow and the Python code are lint-clean and formatted (issue 13, item 2; issue 14, item 5).

`snakemake --lint` prints no finding (every rule declares `conda:` with the project's
environment, no param hard-codes a path prefix of an input or output, functions live in
common.smk) and `snakefmt --check` passes on the Snakefile and workflow/rules/*.smk with the
house order of directives and line length set in pyproject.toml ([tool.snakefmt]).
`ruff format --check` and `ruff check` pass on the whole tree with the line length (120) and rules
of pyproject.toml ([tool.ruff]): the checks of `make lint`, here in the README's test command too.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from workdirs import ROOT


def test_snakemake_lint_has_no_finding():
    # GIVEN the project's Snakefile and configuration WHEN Snakemake lints them
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    out = proc.stdout + proc.stderr
    # THEN it finds nothing to say ("Lints for ..." heads every finding)
    assert proc.returncode == 0, out[-3000:]
    assert "Lints for" not in out, out[-6000:]


def test_snakefmt_check_passes():
    # GIVEN the Snakefile and the rule files WHEN snakefmt checks them THEN none would be reformatted
    proc = subprocess.run(
        [sys.executable, "-m", "snakefmt", "--check", "Snakefile", "workflow/rules"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]


@pytest.mark.parametrize("command", [["format", "--check"], ["check"]], ids=["format", "check"])
def test_ruff_passes(command):
    # GIVEN the Python files of the tree WHEN ruff checks their format / lints them (no cache written)
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # THEN none would be reformatted / there is no finding
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
