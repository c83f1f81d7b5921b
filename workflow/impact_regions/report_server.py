"""A warm worker for the report jobs of a local run: the heavy imports paid once, not once per job.

Each territory's `report` job (workflow/rules/report.smk) is a new Python process. Importing what
it needs (matplotlib, pyarrow, Jinja2, WeasyPrint with cffi parsing Pango's declarations, the
package) takes about 0.5 s of CPU per job: with one job per territory, a report still cost 1.37
times the warm floor of issue 13 (the same calls in one process), against 1.25 asked. So, for a
local run with at least two report jobs to do (common.smk, start_report_server), the Snakefile's
`onstart:` starts this server (:func:`start`) as a child of the Snakemake process: it imports
that stack once, listens on a Unix socket in a private temporary directory, and for each request
forks a child that runs the step from that pristine, preloaded state (nothing of one report's
work is seen by another's), with the job's own standard output and error (passed over the
socket), working directory and environment, and reports the child's exit status. The job's
command, `python -m impact_regions.report_server run ...` (:func:`call`, the client: a shell
command rather than a script, whose preamble cost about 0.1 s more), exits with that status, so
that Snakemake's handling of errors, logs and outputs is the one of an ordinary job: an
InputError is one clear message in the log and on stderr, exit status 1, and Snakemake removes
the job's outputs.

When no server is reachable (a SLURM or other cluster run, where the jobs run elsewhere; the
variable IMPACT_REPORT_SERVER unset: `snakemake --no-hooks`, a run with one report job; a server that
crashed or timed out) :func:`call` runs the step in its own process, exactly as before.

The server ends with the run: `onsuccess:`/`onerror:` call :func:`stop`, which waits for it, so
that its CPU time and its children's count in the run's (what benchmarks/benchmark.py measures).
It also exits by itself when its parent (Snakemake) is gone, and after IDLE_TIMEOUT seconds
without a request. If the client dies (Snakemake cancelled the job), its child is terminated.

Protocol, one request per connection: the client sends 8 bytes (the length of the request, with
its stdout and stderr as SCM_RIGHTS file descriptors), then the request as JSON (`name`, `target`,
`kwargs`, `log`, `cwd`, `env`); the server answers `{"status": <exit status>}` as JSON once the
child has ended. This module imports only the standard library at the top: the client is the
job's process and must start fast.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import sys
import tempfile

ENV = "IMPACT_REPORT_SERVER"  # the socket's path, in the environment of the jobs of a local run
IDLE_TIMEOUT = 1800  # seconds without a request after which the server exits by itself
_HEADER = struct.Struct("!Q")
# what the report steps import (see report_steps), imported once by the server
PRELOAD = (
    "matplotlib.figure",
    "pyarrow.parquet",
    "impact_regions.report_steps",
    "impact_regions.charts",
    "impact_regions.config",
    "impact_regions.geo",
    "impact_regions.report_context",
    "impact_regions.territory_downloads",
    "impact_regions.reproducible_zip",
    "impact_regions.templating",
    "impact_regions.render",
    "openpyxl",
)


# --- client: the job's side ---------------------------------------------------------------------


def call(log_path: str | None, name: str, target: str, **kwargs) -> None:
    """Run `target` with `kwargs` as impact_regions.entry.call does, in a child of the warm server
    if one is reachable, else in this process. Exits with the step's exit status if not 0."""
    path = os.environ.get(ENV)
    if path:
        status = _ask(
            path,
            {
                "name": name,
                "target": target,
                "kwargs": kwargs,
                "log": log_path,
                "cwd": os.getcwd(),
                "env": dict(os.environ),
            },
        )
        if status is not None:
            if status != 0:
                sys.exit(status)
            return
    from .entry import call as call_here

    call_here(log_path, name, target, **kwargs)


def _ask(path: str, request: dict) -> int | None:
    """The exit status of the request run by the server, or None if the server could not take it
    (then nothing was run, or a child of a server that died was stopped with it: the caller runs
    the step itself; every output is written atomically)."""
    payload = json.dumps(request, ensure_ascii=False).encode("utf-8")
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            socket.send_fds(sock, [_HEADER.pack(len(payload))], [sys.stdout.fileno(), sys.stderr.fileno()])
            sock.sendall(payload)
            answer = _recv_until_eof(sock)
        return int(json.loads(answer)["status"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _recv_until_eof(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise ConnectionError("request cut short")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


# --- Snakemake's side: start and stop -----------------------------------------------------------


class Handle:
    """The running server, as :func:`start` returns it."""

    def __init__(self, process, directory: str, path: str):
        self.process, self.directory, self.path = process, directory, path


def start() -> Handle | None:
    """Start the server as a child of this process and set IMPACT_REPORT_SERVER for the jobs;
    None if no socket can be made (the jobs then run as ordinary processes).

    The socket is bound and listening before the server starts: a job may connect at once and
    waits while the server imports (about 1 s). Its path is short (a Unix socket's is limited to
    107 bytes): a new private directory (mode 0700) of the temporary directory, or of /tmp if that
    one's path is too long."""
    import shutil
    import subprocess

    for base in (tempfile.gettempdir(), "/tmp"):
        if len(base) > 80 or not os.path.isdir(base):
            continue
        directory = tempfile.mkdtemp(prefix="impact-", dir=base)
        path = os.path.join(directory, "s")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(path)
            listener.listen(128)
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-P",
                    "-m",
                    "impact_regions.report_server",
                    "serve",
                    str(listener.fileno()),
                    path,
                    str(os.getpid()),
                ],
                stdin=subprocess.DEVNULL,
                pass_fds=[listener.fileno()],
                close_fds=True,
            )
        except OSError:
            shutil.rmtree(directory, ignore_errors=True)
            continue
        finally:
            listener.close()  # the server's copy only: if it dies, connecting fails at once
        os.environ[ENV] = path
        return Handle(process, directory, path)
    return None


def stop(handle: Handle | None, timeout: float = 60) -> None:
    """Stop the server and wait for it (its CPU time then counts in this process's children's)."""
    import shutil
    import signal
    import subprocess

    if handle is None:
        return
    if os.environ.get(ENV) == handle.path:
        del os.environ[ENV]
    if handle.process.poll() is None:
        handle.process.send_signal(signal.SIGTERM)
        try:
            handle.process.wait(timeout)
        except subprocess.TimeoutExpired:
            handle.process.kill()
            handle.process.wait()
    shutil.rmtree(handle.directory, ignore_errors=True)


# --- the server ---------------------------------------------------------------------------------


def serve(listener: socket.socket, path: str, parent: int, idle_timeout: float = IDLE_TIMEOUT) -> None:
    """Preload, then fork one child per request until SIGTERM, the parent's end or the idle timeout.
    Children still running at the end are terminated; all are waited for."""
    import gc
    import importlib
    import selectors
    import signal
    import time

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: Snakemake decides
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the loop through wake_w

    from .weasyprint_import import import_weasyprint

    import_weasyprint()  # first, as render.py does
    for module in PRELOAD:
        importlib.import_module(module)
    gc.collect()
    gc.freeze()  # the preloaded objects: never scanned again, nor their pages copied by a child's collection

    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(wake_r, selectors.EVENT_READ, "wake")
    running: dict[int, socket.socket] = {}  # child pid -> its client's connection
    last = time.monotonic()
    while not stopping and os.getppid() == parent and (running or time.monotonic() - last < idle_timeout):
        for key, _ in selector.select(timeout=1.0):
            if key.data == "accept":
                try:
                    conn, _ = listener.accept()
                except OSError:
                    continue
                last = time.monotonic()
                pid = _start_child(conn, listener, selector, wake_r, wake_w)
                if pid is None:
                    conn.close()
                else:
                    running[pid] = conn
                    selector.register(conn, selectors.EVENT_READ, pid)
            elif key.data == "wake":
                try:
                    while os.read(wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
            else:  # a client closed its connection before its child ended: the job was cancelled
                _terminate(key.data)
        _reap(running, selector, block=False)
        if running:
            last = time.monotonic()  # idle: from the end of the last request
    for pid in list(running):
        _terminate(pid)
    _reap(running, selector, block=True)
    listener.close()
    try:
        os.unlink(path)
        os.rmdir(os.path.dirname(path))
    except OSError:
        pass


def _terminate(pid: int) -> None:
    import signal

    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(running: dict, selector, block: bool) -> None:
    """Wait for the children that ended (all of them if `block`) and answer their clients."""
    while running:
        try:
            pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            running.clear()
            return
        if pid == 0:
            return
        conn = running.pop(pid, None)
        if conn is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        if code < 0:  # killed by a signal: the job fails, as a process killed so would
            print(f"report server: the step's process was killed by signal {-code}", file=sys.stderr)
            code = 1
        selector.unregister(conn)
        try:
            conn.sendall(json.dumps({"status": code}).encode())
        except OSError:
            pass
        conn.close()


def _start_child(conn: socket.socket, listener: socket.socket, selector, wake_r: int, wake_w: int) -> int | None:
    """Read the request on `conn` and fork its child; the child's pid, or None for a bad request."""
    conn.settimeout(10)
    try:
        header, fds, _, _ = socket.recv_fds(conn, _HEADER.size, 2)
        if len(header) != _HEADER.size or len(fds) != 2:
            raise ConnectionError("bad request")
        request = json.loads(_recv_exactly(conn, _HEADER.unpack(header)[0]))
    except (OSError, ValueError):
        return None
    conn.settimeout(None)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        try:
            os.setpgid(pid, pid)  # (also done by the child: whichever runs first)
        except OSError:
            pass
        return pid
    # the child: never returns
    code = 1
    try:
        import signal

        os.setpgid(0, 0)  # its own process group, so that a cancelled job's step ends with its subprocesses
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        selector.close()
        listener.close()
        conn.close()
        os.close(wake_r)
        os.close(wake_w)
        code = _run_request(request, fds)
    finally:
        os._exit(code)


def _run_request(request: dict, fds: list[int]) -> int:
    """In the forked child: the job's stdout/stderr, cwd and environment, then the step."""
    import logging
    import traceback

    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fds[0], 1)
    os.dup2(fds[1], 2)
    for fd in (null, *fds):
        os.close(fd)
    code = 0
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        from .entry import call as call_here

        call_here(request["log"], request["name"], request["target"], **request["kwargs"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
    return code


def main(argv: list[str]) -> None:
    """`run NAME LOG TARGET KWARGS_JSON`: a job (the client, :func:`call`); `serve FD PATH PARENT`:
    the server, as :func:`start` runs it."""
    if argv[:1] == ["run"] and len(argv) == 5:
        name, log, target, kwargs = argv[1:]
        call(log or None, name, target, **json.loads(kwargs))
    elif argv[:1] == ["serve"] and len(argv) == 4:
        serve(socket.socket(fileno=int(argv[1])), argv[2], int(argv[3]))
    else:
        sys.exit("usage: python -m impact_regions.report_server run NAME LOG TARGET KWARGS_JSON")


if __name__ == "__main__":
    main(sys.argv[1:])
