"""A project copied to another folder with its outputs is up to date there (issue 13, item 2).

Rule inputs, outputs and params hold paths relative to the working directory only (no
absolute path of the machine), and the jobs import the package from the project's own
`workflow/` (the Snakefile sets PYTHONPATH): `cp -a` of a built project to another folder
leaves `snakemake -n` with nothing to do, and rebuilding there gives the same PDFs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from workdirs import ROOT, TINY

# what a user's copy of the project holds (the code, the templates, the configuration, the profile)
PROJECT_FILES = ["Snakefile", "workflow", "templates", "profiles", "environment.yml", "config"]


def make_project(dest: Path) -> Path:
    """A self-contained project in `dest`: the repository's code and config, the tiny raw data
    under data/raw, and two territory files (Corse, Martinique); every path in config relative."""
    dest.mkdir(parents=True)
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "regions"))
        else:
            shutil.copy2(src, dest / name)
    shutil.copytree(TINY, dest / "data" / "raw")
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    assert not any(Path(str(cfg[k])).is_absolute() for k in ("raw_dir", "processed_dir", "reports_dir", "regions_dir"))
    regions = dest / "config" / "regions"
    regions.mkdir()
    (regions / "corse.yaml").write_text('code: "94"\nname: Corse\nslug: corse\n', encoding="utf-8")
    (regions / "martinique.yaml").write_text('code: "02"\nname: Martinique\nslug: martinique\n', encoding="utf-8")
    return dest


def snakemake_in(project: Path, *args: str) -> subprocess.CompletedProcess:
    """Plain `snakemake` run from the project folder, as a user runs it (its Snakefile, its profile)."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_copied_project_reruns_nothing_and_rebuilds_the_same_pdfs(tmp_path):
    # GIVEN a project built in one folder
    first = make_project(tmp_path / "premier")
    built = snakemake_in(first)
    assert built.returncode == 0, built.stderr[-4000:]
    # WHEN it is copied with its outputs (and Snakemake's records) to another folder
    second = tmp_path / "ailleurs" / "copie"
    second.parent.mkdir()
    subprocess.run(["cp", "-a", str(first), str(second)], check=True)
    # THEN Snakemake finds nothing to do there
    dry = snakemake_in(second, "-n")
    assert dry.returncode == 0, dry.stderr[-4000:]
    assert "Nothing to be done" in dry.stdout + dry.stderr, (dry.stdout + dry.stderr)[-3000:]
    # AND rebuilding everything in the copy gives byte-identical PDFs (no path of the first folder in them)
    rebuilt = snakemake_in(second, "--forceall")
    assert rebuilt.returncode == 0, rebuilt.stderr[-4000:]
    pdfs = sorted(p.relative_to(first) for p in (first / "reports").rglob("*.pdf"))
    assert [p.name for p in pdfs] == ["corse.pdf", "martinique.pdf", "methodologie.pdf"]
    for pdf in pdfs:
        assert (first / pdf).read_bytes() == (second / pdf).read_bytes(), pdf
