"""The warm worker of the report jobs (impact_regions.report_server): a job's step runs in a child
of the server with the job's stdout, stderr, log and exit status, or in the job's own process when
no server is reachable; the server ends with the run, or with its parent, and never outlives a
cancelled job's step. The reports it makes are compared byte for byte with in-process ones in
test_reports.test_two_clean_builds_are_byte_identical."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from impact_regions import report_server


def client(code: str, env: dict | None = None, **kwargs) -> subprocess.Popen | subprocess.CompletedProcess:
    """A job's process calling report_server.call (`code` follows the import)."""
    return subprocess.run(
        [sys.executable, "-c", f"from impact_regions.report_server import call\n{code}"],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        **kwargs,
    )


@pytest.fixture
def server():
    handle = report_server.start()
    assert handle is not None
    try:
        yield handle
    finally:
        report_server.stop(handle)
        os.environ.pop(report_server.ENV, None)


def alive(pid: int) -> bool:
    """Running (not ended, nor a zombie that nobody reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_a_step_runs_in_a_child_of_the_server_with_the_jobs_output(server, tmp_path):
    # GIVEN a running server WHEN a job asks for a step that prints its process's parent
    proc = client(
        f"call({str(tmp_path / 'step.log')!r}, 'probe', 'os:system', command='echo parent $(ps -o ppid= -p $PPID)')"
    )
    # THEN it ran in a child of the server, printing to the job's stdout, and logged to its log
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["parent", str(server.process.pid)]  # (ps pads the number)
    assert "probe done" in (tmp_path / "step.log").read_text(encoding="utf-8")
    assert "probe done" in proc.stderr


def test_an_input_error_is_one_message_and_exit_status_1(server, tmp_path):
    # GIVEN a step that meets a user's error (a missing configuration file)
    proc = client(
        f"call({str(tmp_path / 'step.log')!r}, 'probe', 'impact_regions.config:load_yaml', "
        f"path={str(tmp_path / 'missing.yaml')!r})"
    )
    # THEN the job exits with status 1, the message once in its log and on its stderr, no traceback
    assert proc.returncode == 1
    log = (tmp_path / "step.log").read_text(encoding="utf-8")
    assert "missing.yaml" in log and "file not found" in log and "Traceback" not in log
    assert proc.stderr.count("file not found") == 1 and "Traceback" not in proc.stderr


def test_a_bug_is_exit_status_2_with_its_traceback_in_the_log(server, tmp_path):
    proc = client(f"call({str(tmp_path / 'step.log')!r}, 'probe', 'json:loads', s='not json')")
    assert proc.returncode == 2
    assert "JSONDecodeError" in (tmp_path / "step.log").read_text(encoding="utf-8")


def test_without_a_server_the_step_runs_in_the_jobs_process(tmp_path):
    # GIVEN no server at the path the environment names (it crashed, or a cluster node)
    proc = client(
        "import os\ncall(None, 'probe', 'os:system', command='echo parent=$PPID')\nprint('me', os.getpid())",
        env={report_server.ENV: str(tmp_path / "no-such-socket")},
    )
    # THEN the job runs the step itself
    assert proc.returncode == 0, proc.stderr
    parent, _, me = proc.stdout.split()
    assert parent == f"parent={me}"


def test_a_cancelled_job_stops_its_step(server):
    # GIVEN a job whose step is running in a child of the server, and runs a command of its own
    # (a duration of its own, so that another test run on the machine cannot be mistaken for it)
    command = f"sleep 61.{os.getpid()}"
    job = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from impact_regions.report_server import call\ncall(None, 'probe', 'os:system', command={command!r})",
        ],
        env=dict(os.environ),
    )
    for _ in range(100):
        if children_of(server.process.pid):
            break
        time.sleep(0.1)
    assert children_of(server.process.pid)
    # WHEN Snakemake kills the job THEN the step's process ends too
    job.send_signal(signal.SIGTERM)
    job.wait(10)
    for _ in range(100):
        if not children_of(server.process.pid):
            break
        time.sleep(0.1)
    assert children_of(server.process.pid) == []
    # AND so do the step's own subprocesses
    assert subprocess.run(["pgrep", "-f", command.replace(".", "[.]")], capture_output=True).stdout == b""


def test_stop_waits_for_the_server_and_removes_its_socket():
    handle = report_server.start()
    assert os.environ[report_server.ENV] == handle.path and Path(handle.path).exists()
    report_server.stop(handle)
    assert handle.process.returncode is not None
    assert not Path(handle.directory).exists() and report_server.ENV not in os.environ


def test_the_server_exits_when_its_parent_is_gone():
    # GIVEN a server started by a process that then dies without stopping it
    code = (
        "import os, sys\nfrom impact_regions import report_server\nh = report_server.start()\n"
        "print(h.process.pid, flush=True)\nos._exit(0)"
    )
    pid = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout)
    # THEN it exits by itself within a few seconds
    for _ in range(100):
        if not alive(pid):
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the server outlived its parent")
