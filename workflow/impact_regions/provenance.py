"""Provenance of a run: what the reports were built from (REPORT_SPEC §7, DESIGN §8).

SHA-256 of every raw input file, a hash of the configuration (config.yaml and the catalogues),
the code version (package version and git commit when the project is a git checkout), and
whether any input is synthetic demonstration data (`demo: true` in `SOURCES.yaml`).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import yaml

from . import __version__

# Top-level configuration keys that choose WHICH territories get a report, not how any figure is
# made: left out of the configuration's hash, so that turning the départements on leaves the
# regions' reports (which print that hash) byte-identical.
NOT_HASHED = ("territories",)


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def code_version(root: str | Path) -> str:
    """`impact-regions 0.1.0 (git 1a2b3c4d)`, with `+ modifications locales` if the tree is dirty."""
    version = f"impact-regions {__version__}"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "workflow", "templates"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    if commit:
        version += f" (git {commit}{' + modifications locales' if dirty else ''})"
    return version


def code_date(root: str | Path) -> str | None:
    """The date of the code (`2026-12-04`): the committer date of the checked-out git commit, or
    None outside a git checkout. A date from the code, not from the clock, so that the index page
    can print the edition date of a build and two builds of the same commit stay byte-identical."""
    try:
        date = subprocess.run(
            ["git", "log", "-1", "--format=%cs", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return date or None


def config_content(path: str | Path) -> bytes:
    """The bytes of a configuration file that its hash covers: its content (YAML parsed, then
    written as canonical JSON, so comments and layout do not count) without the NOT_HASHED keys."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in NOT_HASHED}
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def build_provenance(raw_dir: str | Path, raw_files: list[str], config_files: list[str], code_root: str | Path) -> dict:
    raw_dir = Path(raw_dir)
    sources_path = raw_dir / "SOURCES.yaml"
    sources = yaml.safe_load(sources_path.read_text(encoding="utf-8")) if sources_path.exists() else {}
    files = []
    demo = False
    for f in sorted(raw_files):
        rel = str(Path(f).relative_to(raw_dir)) if Path(f).is_relative_to(raw_dir) else str(f)
        meta = (sources or {}).get(rel, {})
        demo = demo or bool(meta.get("demo"))
        files.append(
            {"path": rel, "sha256": sha256(f), "producer": meta.get("producer"), "is_demo": bool(meta.get("demo"))}
        )
    h = hashlib.sha256()
    for f in sorted(config_files):
        h.update(Path(f).name.encode() + b"\0" + config_content(f))
    return {
        "files": files,
        "config_sha256": h.hexdigest(),
        "code_version": code_version(code_root),
        "code_date": code_date(code_root),
        "is_demo": demo,
    }
