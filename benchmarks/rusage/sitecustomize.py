"""Peak memory and CPU time of every Snakemake job, for benchmarks/scale.py (not used otherwise).

benchmarks/scale.py puts this directory on PYTHONPATH and sets IMPACT_RUSAGE_LOG: every Python
process then appends, when it exits, one JSON line with its kernel high-water mark of resident
memory (ru_maxrss, exact, unlike Snakemake's `benchmark:` files, which sample the memory every
30 s once a job has run 30 s) and its CPU time, and those of its waited-for children. Only the
processes Snakemake starts for a `script:` (argv[0] under .snakemake/scripts/) are recorded.
"""

import os
import sys

_LOG = os.environ.get("IMPACT_RUSAGE_LOG")
if _LOG and ".snakemake/scripts/" in (sys.argv[0] if sys.argv else ""):
    import atexit
    import json
    import resource
    import time

    _START = time.time()

    def _record() -> None:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        # the script's name is tmp<random>.<name>.py
        name = os.path.basename(sys.argv[0]).split(".", 1)[-1].rsplit(".py", 1)[0]
        line = {
            "script": name,
            "pid": os.getpid(),
            "start": _START,
            "end": time.time(),
            "max_rss_mib": me.ru_maxrss / 1024,
            "children_max_rss_mib": kids.ru_maxrss / 1024,
            "cpu_seconds": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
        }
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")

    atexit.register(_record)
