"""Running a step from a Snakemake `script:` with clear errors and a log file.

:func:`run` sends the step's log to the rule's `log:` file and to stderr. A problem with the
user's inputs (:class:`InputError`, :class:`ConfigError`) is printed as one message, without
a traceback, and the process exits with status 1 (Snakemake then removes the step's outputs).
Anything else is a bug: its traceback goes to the log.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Callable

from .errors import ConfigError, InputError


def run(log_path: str | None, step: Callable[[], None], name: str) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers, force=True
    )
    for noisy in ("weasyprint", "fontTools", "matplotlib"):  # their INFO lines drown the step's own
        logging.getLogger(noisy).setLevel(logging.WARNING)
    log = logging.getLogger(name)
    start = time.perf_counter()
    try:
        step()
    except (InputError, ConfigError) as exc:
        log.error("%s", exc)
        sys.exit(1)
    except Exception:
        log.error("unexpected error in step %s (a bug, please report it):\n%s", name, traceback.format_exc())
        sys.exit(2)
    log.info("%s done in %.2f s", name, time.perf_counter() - start)


def call(log_path: str | None, name: str, target: str, **kwargs) -> None:
    """Run `target` (`"module:function"` of the package) with `kwargs`, as :func:`run` does.

    When the environment variable IMPACT_RECORD_CALLS names a directory, the call (target and
    arguments, which must be JSON values) is first written there as `<name>.json`: the benchmark
    (benchmarks/warm_floor.py) replays the report jobs' calls of a cold build in one warm process to
    measure what the same work costs without a process per job."""
    import importlib
    import json
    import os
    from pathlib import Path

    record_dir = os.environ.get("IMPACT_RECORD_CALLS")
    if record_dir:
        path = Path(record_dir) / (name.replace("/", "_").replace(" ", "-") + ".json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {"name": name, "target": target, "kwargs": kwargs, "time": time.time()}, ensure_ascii=False, indent=1
            ),
            encoding="utf-8",
        )
    module, _, function = target.partition(":")
    step = getattr(importlib.import_module(module), function)
    run(log_path, lambda: step(**kwargs), name)
