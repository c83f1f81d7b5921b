"""What README.md tells a newcomer points at things that exist (fast checks; `make readme-check`
runs the README's commands for real on a fresh clone, see tests/readme_commands.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from readme_commands import XDG_OPEN_STUB, ReadmeError, block_script, blocks, command_text, runnable

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_first_lines_are_the_two_commands():
    # GIVEN the README WHEN its first code block is read THEN it is `make reports`, then `make test`
    first = blocks(README)[0]
    assert first["lang"] == "sh" and first["skip"] is None
    assert [c.split("#")[0].strip() for c in first["commands"]] == ["make reports", "make test"]


def test_readme_blocks_are_runnable_or_skipped_with_a_reason():
    # GIVEN the README's code blocks THEN they parse, and several sh blocks are run by the check
    found = blocks(README)
    assert len(runnable(README)) >= 4
    for b in found:
        if b["skip"] is not None:
            assert len(b["skip"]) > 10  # a real reason, not a token


def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^([A-Za-z][\w-]*):", text, flags=re.M)}


@pytest.mark.parametrize("doc", ["README.md", "benchmarks/README.md", "config/README.md"])
def test_every_make_target_named_exists(doc):
    # GIVEN a document WHEN it names `make <target>` THEN the Makefile has that target
    text = (ROOT / doc).read_text(encoding="utf-8")
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", text))
    assert named, doc
    assert named <= _make_targets(), sorted(named - _make_targets())


def _tracked_text_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        files = [ROOT / f for f in out.splitlines()]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        files = [p for p in ROOT.rglob("*") if ".git" not in p.parts and ".venv" not in p.parts]
    return [
        f
        for f in files
        if f.is_file()
        and f.suffix in (".md", ".py", ".smk", ".yaml", ".yml", ".j2", ".sql", ".toml", ".rst", ".R", ".css", "")
        and f.stat().st_size < 2_000_000
    ]


#: the steering documents' directory beside the repository (built so that this file does not cite it)
OUTSIDE = "../" + "shared/"


def test_nothing_cites_documents_outside_the_repository():
    # GIVEN every tracked text file THEN none cites the steering documents' directory outside the
    # repository (the design documents are in docs/)
    citing = [
        str(f.relative_to(ROOT))
        for f in _tracked_text_files()
        if OUTSIDE in f.read_text(encoding="utf-8", errors="replace")
    ]
    assert citing == []
    assert (ROOT / "docs" / "DESIGN.md").is_file() and (ROOT / "docs" / "REPORT_SPEC.md").is_file()


def test_files_cited_by_the_readme_exist():
    # GIVEN the paths of repository files the README cites in `code` THEN they exist
    generated = ("reports/", "data/processed/", "logs/", ".venv/", "report/")
    cited = {
        m
        for m in re.findall(r"`([\w./-]+/[\w.-]+\.(?:md|py|yaml|yml|smk|sql|css|R|rst|toml|j2))`", README)
        if not m.startswith(generated)
    }
    assert "docs/DESIGN.md" in cited and "benchmarks/README.md" in cited
    assert sorted(c for c in cited if not (ROOT / c).exists()) == []


def test_markers_need_a_reason_and_a_fence():
    # GIVEN malformed skip markers WHEN parsed THEN the error names the line
    with pytest.raises(ReadmeError, match="reason"):
        blocks("<!-- readme-check: skip -->\n```sh\nmake x\n```\n")
    with pytest.raises(ReadmeError, match="just before a fence"):
        blocks("<!-- readme-check: skip — long -->\ntext\n```sh\nmake x\n```\n")
    with pytest.raises(ReadmeError, match="unknown"):
        blocks("<!-- readme-check: run -->\n```sh\nmake x\n```\n")
    # AND a well-formed one skips its block only; continuation lines are one command
    text = (
        "<!-- readme-check: skip — needs sudo -->\n```sh\nsudo make x\n```\n\n"
        "```sh\n# comment\nmake a \\\n  B=1\n\nmake c\n```\n```yaml\nk: v\n```\n"
    )
    assert [b["commands"] for b in runnable(text)] == [["make a B=1", "make c"]]


def test_xdg_open_stub_checks_the_page(tmp_path):
    # GIVEN the stub that replaces xdg-open in the check, and pages with and without a broken link
    stub = tmp_path / "xdg-open"
    stub.write_text(XDG_OPEN_STUB, encoding="utf-8")
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    good = tmp_path / "good.html"
    good.write_text(
        '<!doctype html><html lang="fr"><head><title>t</title></head>'
        '<body><a href="a.pdf">a</a><a href="https://example.org">x</a><a href="#top">t</a></body></html>',
        encoding="utf-8",
    )
    bad = tmp_path / "bad.html"
    bad.write_text('<html><head></head><body><a href="missing%20file.pdf">m</a></body></html>', encoding="utf-8")
    # WHEN it opens them THEN the good page passes and the bad one fails, saying why
    ok = subprocess.run([sys.executable, str(stub), str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and "1 local link(s), all present" in ok.stdout
    ko = subprocess.run([sys.executable, str(stub), str(bad)], capture_output=True, text=True)
    assert ko.returncode != 0
    assert "no <html lang>" in ko.stderr and "no <title>" in ko.stderr and "missing%20file.pdf" in ko.stderr
    missing = subprocess.run([sys.executable, str(stub), str(tmp_path / "nope.html")], capture_output=True, text=True)
    assert missing.returncode != 0 and "does not exist" in missing.stderr


def test_a_skipped_command_is_announced_not_run():
    # GIVEN a block and a command the caller has already run WHEN the block's script is made
    script = block_script(["make reports   # build", "make test      # tests"], skip=(command_text("make test  # x"),))
    # THEN the other command runs and the skipped one is only printed
    assert "\nmake reports   # build\n" in script
    assert "\nmake test" not in script and "not rerun" in script
