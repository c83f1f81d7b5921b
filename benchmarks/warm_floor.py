"""The warm floor of the report jobs: the same calls, in one process that imported everything once.

`benchmarks/benchmark.py` runs its cold build with IMPACT_RECORD_CALLS set, so that every report
job writes its call (target and arguments: see impact_regions.entry.call) to a directory. This
script replays those calls, in the order of the build, in a single Python process whose heavy
imports (pandas, pyarrow, matplotlib, WeasyPrint, the package) are done before the clock starts:
its CPU time per territory is the floor that a build with a process per job is compared with
(issue 13: the marginal cost of one more report should stay within 1.25 times this floor).

The replay writes the same files as the build, byte for byte (the outputs are reproducible), so
it runs last. Usage: `python benchmarks/warm_floor.py <record dir>`; prints a JSON object.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

STAGES = ("report",)  # the rule of a territory's report (report.smk), one call per territory


def main(record_dir: str) -> None:
    records = [json.loads(p.read_text(encoding="utf-8")) for p in Path(record_dir).glob("*.json")]
    records = [r for r in records if r["name"].split(" ")[0] in STAGES]
    # territory by territory, in the order of the names
    records.sort(key=lambda r: (r["name"].split(" ", 1)[1], STAGES.index(r["name"].split(" ")[0])))
    import matplotlib.figure  # noqa: F401  (the imports of the jobs, before the clock)
    import pyarrow.parquet  # noqa: F401

    from impact_regions import report_steps  # noqa: F401
    from impact_regions.weasyprint_import import import_weasyprint

    import_weasyprint()
    territories = sorted({r["name"].split(" ", 1)[1] for r in records})
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for r in records:
        module, _, function = r["target"].partition(":")
        getattr(importlib.import_module(module), function)(**r["kwargs"])
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(
        json.dumps(
            {
                "territories": len(territories),
                "calls": len(records),
                "cpu_seconds": round(cpu, 2),
                "wall_seconds": round(wall, 2),
                "cpu_per_territory": round(cpu / max(len(territories), 1), 3),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
