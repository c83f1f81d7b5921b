"""Run the shell commands of README.md on a fresh clone of the committed HEAD (`make readme-check`).

Not part of pytest's default run (it builds everything from scratch: 10 to 20 minutes). Steps:

1. `git clone` of this repository into a temporary directory, checked out at `git rev-parse HEAD`
   (or `--rev`): what is committed is tested, README.md included, from a clean state (a warning
   names uncommitted changes, which are *not* tested).
2. The set-up command, `make reports`, runs there first: system libraries if missing, `.venv/`
   (pip install), then the whole pipeline (19 syntheses and the annex).
3. Every fenced block of README.md whose info string is `sh` runs, in the order of the README,
   each block in one `bash` process with `set -eo pipefail` (so `source .venv/bin/activate`
   holds for the next lines of its block, and not for the next block). The first command that
   fails stops the check, which prints the command, its exit status and its output.
4. No tracked file may have been changed by the commands (`git status`).

A block is skipped when the line just before its fence is the marker

    <!-- readme-check: skip — <reason> -->

(an HTML comment: invisible on GitHub). The reason is mandatory: a block that needs sudo, runs
for a long time (the long fuzz run, the benchmarks) or is only illustrative. Blocks in another
language (yaml, …) and commands in inline code are never run.

What is and is not exercised:

- `xdg-open FILE` needs a desktop: the commands run with a stub `xdg-open` first in PATH, which
  checks that FILE exists and, for an HTML file, that it parses, has `<html lang>` and a
  `<title>`, and that every local link (`href`, `src`) points to an existing file. No browser is
  started. Whether the real `xdg-open` is installed (Debian/Ubuntu package `xdg-utils`) is
  reported, not required.
- `make system-deps` installs with apt-get (sudo) only the libraries that are missing: on a
  machine that has them, the apt-get path is not exercised.
- The environment of the commands is cleaned of the caller's virtual environment
  (`PYTHONPATH`, `VIRTUAL_ENV`, any `…/.venv/bin` in `PATH`, make's variables), so that a
  command works only if it works from the clone's own `.venv/`.

Usage: `python3 tests/readme_commands.py [--rev REV] [--keep] [--keep-going] [--skip-command CMD]
[--verbose] [--list]` (standard library only). `--list` prints the blocks and what would run,
without running anything. `--skip-command "make test"` is for `.ci/run`, which has just run the
tests on the same commit: that command is then reported as not rerun.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUP = "make reports"
MARKER = re.compile(r"^<!--\s*readme-check:\s*(?P<verb>\w+)\s*(?:[—–:-]+\s*(?P<reason>.*?))?\s*-->\s*$")
FENCE = re.compile(r"^(?P<fence>```+|~~~+)\s*(?P<info>[^`]*)$")
TAG = "::readme-check::"  # printed before each command, to find the one that failed


class ReadmeError(Exception):
    pass


def blocks(text: str) -> list[dict]:
    """The fenced code blocks of a Markdown text: [{line, lang, commands, skip}], in order.

    `commands` are the logical command lines (continuation lines joined, blank lines and
    whole-line comments dropped); `skip` is the reason of a skip marker, or None."""
    lines = text.splitlines()
    out, i, pending = [], 0, None
    while i < len(lines):
        line = lines[i]
        m = MARKER.match(line.strip())
        if m:
            if m.group("verb") != "skip":
                raise ReadmeError(f"README.md:{i + 1}: unknown readme-check marker '{m.group('verb')}' (only 'skip')")
            if not (m.group("reason") or "").strip():
                raise ReadmeError(
                    f"README.md:{i + 1}: a skip marker needs its reason: <!-- readme-check: skip — why -->"
                )
            pending = (i + 1, m.group("reason").strip())
            i += 1
            continue
        f = FENCE.match(line.strip())
        if not f:
            if pending and line.strip():
                raise ReadmeError(
                    f"README.md:{pending[0]}: a readme-check marker must be on the line just before a fence"
                )
            i += 1
            continue
        if pending and pending[0] != i:
            raise ReadmeError(f"README.md:{pending[0]}: a readme-check marker must be on the line just before a fence")
        start, fence, lang = i + 1, f.group("fence"), (f.group("info").split() or [""])[0]
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise ReadmeError(f"README.md:{start}: unclosed code block")
        i += 1
        commands, current = [], ""
        for raw in body:
            piece = raw.rstrip()
            if not current and (not piece.strip() or piece.strip().startswith("#")):
                continue
            if current:
                piece = piece.lstrip()
            if piece.endswith("\\"):
                current += piece[:-1].rstrip() + " "
                continue
            commands.append((current + piece).strip())
            current = ""
        if current:
            commands.append(current.strip())
        out.append({"line": start, "lang": lang, "commands": commands, "skip": pending[1] if pending else None})
        pending = None
    if pending:
        raise ReadmeError(f"README.md:{pending[0]}: a readme-check marker must be on the line just before a fence")
    return out


def runnable(text: str) -> list[dict]:
    return [b for b in blocks(text) if b["lang"] == "sh" and b["skip"] is None]


# The stub xdg-open: checks the file instead of opening a browser (python3 of the system, stdlib).
XDG_OPEN_STUB = r'''#!/usr/bin/env python3
"""Stub of xdg-open for tests/readme_commands.py: checks the file, opens nothing."""
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

if len(sys.argv) != 2:
    sys.exit("xdg-open (stub): expected one file")
path = Path(sys.argv[1])
if not path.is_file():
    sys.exit(f"xdg-open (stub): {path} does not exist")
if path.suffix.lower() in (".html", ".htm"):
    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.links, self.title, self.lang = [], False, None
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "html":
                self.lang = a.get("lang")
            if tag == "title":
                self.title = True
            for key in ("href", "src"):
                if a.get(key):
                    self.links.append(a[key])
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    problems = []
    if not page.lang:
        problems.append("no <html lang>")
    if not page.title:
        problems.append("no <title>")
    local = []
    for link in page.links:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or not parts.path:
            continue  # http(s):, mailto:, data:, #anchor
        local.append(link)
        if not (path.parent / unquote(parts.path)).exists():
            problems.append(f"link to a missing file: {link}")
    if problems:
        sys.exit(f"xdg-open (stub): {path}: " + "; ".join(problems))
    print(
        f"xdg-open (stub): {path} is valid HTML (lang={page.lang}), {len(local)} local link(s), all present;"
        " no browser started"
    )
else:
    print(f"xdg-open (stub): {path} exists ({path.stat().st_size} bytes); no browser started")
'''


def clean_env(stub_dir: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")
        and not k.startswith("SNAKEMAKE")
    }
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and not p.rstrip("/").endswith(".venv/bin")]
    env["PATH"] = os.pathsep.join([str(stub_dir)] + path)
    env.pop("PS1", None)
    return env


def run_script(script: str, cwd: Path, env: dict, timeout: float, verbose: bool) -> tuple[int, list[str], list]:
    """Run a bash script; return (status, output lines, [(command, seconds)]), streaming the output."""
    proc = subprocess.Popen(
        ["bash", "-c", script],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGTERM))
    timer.start()
    output, times, current, started = [], [], None, time.monotonic()
    try:
        for line in proc.stdout:
            line = line.rstrip("\n")
            if line.startswith(TAG):
                now = time.monotonic()
                if current is not None:
                    times.append((current, now - started))
                    print(f"    ok  {now - started:7.1f} s", flush=True)
                current, started = line[len(TAG) :], now
                print(f"  $ {current}", flush=True)
                continue
            output.append(line)
            if verbose:
                print(f"    | {line}", flush=True)
        status = proc.wait()
    finally:
        timer.cancel()
    if current is not None:
        times.append((current, time.monotonic() - started))
        if status == 0:
            print(f"    ok  {times[-1][1]:7.1f} s", flush=True)
    return status, output, times


def command_text(command: str) -> str:
    """A command without its trailing comment (`make test   # …` -> `make test`)."""
    return re.sub(r"\s+#.*$", "", command).strip()


def block_script(commands: list[str], skip: tuple[str, ...] = ()) -> str:
    lines = ["set -eo pipefail"]
    for c in commands:
        if command_text(c) in skip:
            lines.append(f"printf '%s\\n' {shlex.quote(TAG + c + '   [not rerun: --skip-command]')}")
            continue
        lines.append(f"printf '%s\\n' {shlex.quote(TAG + c)}")
        lines.append(c)
    return "\n".join(lines) + "\n"


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", default="HEAD", help="the commit to test (default HEAD); its README.md is the one run")
    ap.add_argument("--keep", action="store_true", help="keep the clone (it is kept anyway when a command fails)")
    ap.add_argument(
        "--keep-going",
        action="store_true",
        help="after a failing block, run the next ones, and report every failure at the end",
    )
    ap.add_argument(
        "--skip-command",
        action="append",
        default=[],
        metavar="CMD",
        help='a README command (without its comment) not to rerun, e.g. "make test" when the caller '
        "(.ci/run) has just run it on the same commit; reported as not rerun",
    )
    ap.add_argument("--verbose", action="store_true", help="print every command's output as it runs")
    ap.add_argument("--list", action="store_true", help="list the blocks and exit")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per block (default 3600)")
    args = ap.parse_args(argv)
    skip = tuple(command_text(c) for c in args.skip_command)

    rev = git("rev-parse", "--verify", f"{args.rev}^{{commit}}").strip()
    readme = git("show", f"{rev}:README.md")
    try:
        found = blocks(readme)
    except ReadmeError as e:
        print(e, file=sys.stderr)
        return 2
    commands = {command_text(c) for b in runnable(readme) for c in b["commands"]}
    unknown = [c for c in skip if c not in commands]
    if unknown:
        print(f"--skip-command: not a command of README.md: {', '.join(unknown)}", file=sys.stderr)
        return 2
    for b in found:
        state = (
            "run"
            if b["lang"] == "sh" and b["skip"] is None
            else f"skip ({b['skip']})"
            if b["skip"]
            else f"not run ({b['lang'] or 'no language'})"
        )
        print(f"README.md:{b['line']}: {state}")
        for c in b["commands"] if b["lang"] == "sh" else []:
            print(f"    {c}")
    if args.list:
        return 0

    if rev == git("rev-parse", "HEAD").strip():
        dirty = git("status", "--porcelain", "--untracked-files=no")
        if dirty.strip():
            print("warning: uncommitted changes are NOT tested (the check clones HEAD):\n" + dirty, file=sys.stderr)
    if shutil.which("xdg-open"):
        print(f"xdg-open is installed ({shutil.which('xdg-open')}); the check uses a stub all the same (no desktop)")
    else:
        print("xdg-open is not installed here (Debian/Ubuntu: apt-get install xdg-utils); the check uses a stub")

    tmp = Path(tempfile.mkdtemp(prefix="readme-check-"))
    clone, stub_dir = tmp / "impact-regions", tmp / "bin"
    stub_dir.mkdir()
    (stub_dir / "xdg-open").write_text(XDG_OPEN_STUB, encoding="utf-8")
    (stub_dir / "xdg-open").chmod(0o755)
    t0 = time.monotonic()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-c", "advice.detachedHead=false", "checkout", "--quiet", rev], cwd=clone, check=True)
    print(f"clone of {rev[:12]} in {clone}")
    env = clean_env(stub_dir)

    steps = [("set-up", [SETUP])] + [(f"README.md:{b['line']}", b["commands"]) for b in runnable(readme)]
    all_times, failures = [], []
    for i, (where, block) in enumerate(steps):
        print(f"{where}:", flush=True)
        status, output, times = run_script(
            block_script(block, skip if i else ()), clone, env, args.timeout, args.verbose
        )
        all_times += times
        if status != 0:
            failures.append((where, times[-1][0] if times else block[0], status, output))
            print(f"    FAILED (exit status {status})", flush=True)
            if not args.keep_going or i == 0:  # nothing can run without the set-up
                break
    if not failures:
        changed = git("status", "--porcelain", "--untracked-files=no", cwd=clone)
        if changed.strip():
            failures.append(("git status", "(tracked files changed by the commands)", 1, changed.splitlines()))
    total = time.monotonic() - t0
    print(f"\n{len(all_times)} command(s) in {total:.0f} s (clone, set-up and commands):")
    for command, seconds in all_times:
        print(f"  {seconds:7.1f} s  {command}")
    if failures:
        for where, command, status, output in failures:
            print(f"\nFAILED ({where}): {command}\nexit status {status}; output (last 200 lines):", file=sys.stderr)
            print("\n".join(output[-200:]), file=sys.stderr)
        print(f"\n{len(failures)} failure(s); the clone is kept in {clone}", file=sys.stderr)
        return 1
    print("README commands OK")
    if args.keep:
        print(f"the clone is kept in {clone}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
