"""Benchmark of the pipeline on the data of config/config.yaml (the demo data by default).

Measures, with wall-clock time, CPU time (Snakemake and all its jobs) and peak memory:
  1. a cold build (data/processed, logs removed first), in two runs: the tables, the annex and the
     index map first, then the territories' reports and the index page, whose CPU time less a
     no-op's, divided by the number of territories, is the marginal cost of one more report;
  2. a no-op rerun (nothing changed),
  3. the rebuild after editing one territory file (an intro added to config/regions/paca.yaml),
and the time and peak RSS of every job, from Snakemake's `benchmark:` files, and per rule the
exact peak RSS of its jobs' processes (benchmarks/rusage: the `benchmark:` files sample the memory
and miss short jobs; the rules' `resources:` quote these peaks); then the warm floor
(benchmarks/warm_floor.py): the report jobs' calls of the cold build replayed in one process that
imported everything once. The ratio marginal / floor is what a process per job costs.
4. At scale (issue 13): a cold build with `territories: {departements: true}` (18 regions, the
   custom territories, 101 départements) in a temporary working directory on the same raw data:
   wall and CPU time, marginal CPU per report, peak memory, per-rule peaks, and the no-op rerun;
5. the SLURM run of the tiny dataset (`.ci/slurm`: a one-node cluster started on this machine,
   as root or with sudo; skipped otherwise): its wall time against the local run's, the jobs and
   the per-job overhead (results of benchmarks/slurm.py).

Usage: `make bench` (or `.venv/bin/python benchmarks/benchmark.py [--cores N] [--no-departements]
[--no-slurm]`).
Results are printed and written to benchmarks/results/<timestamp>.json. Not a test: numbers
depend on the machine; compare before/after a change on the same machine, preferably by the CPU
time, which the host's load disturbs much less than the wall-clock time.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "logs" / "benchmarks"


def snakemake(cores: str, *targets: str, env: dict | None = None, cwd: Path = ROOT) -> tuple[float, float, float]:
    """Run plain snakemake; return (seconds, CPU seconds, peak RSS in MiB of the largest process).

    The CPU time (user + system of Snakemake and of every job it ran) measures the work done: on
    a shared host it varies much less than the wall-clock time, so it is the figure to compare
    before and after a change."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # the targets first: `--quiet` takes any number of values and would read them as its own
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            *(targets or ["all"]),
            "-s",
            str(ROOT / "Snakefile"),
            "--cores",
            cores,
            "--quiet",
            "all",
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"snakemake failed:\n{proc.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return elapsed, cpu, max(after.ru_maxrss, before.ru_maxrss) / 1024


def job_benchmarks() -> list[dict]:
    rows = []
    for f in sorted(BENCH_DIR.glob("*.tsv")):
        with f.open() as fh:
            rec = next(csv.DictReader(fh, delimiter="\t"))
        rows.append({"job": f.stem, "seconds": float(rec["s"]), "max_rss_mib": float(rec["max_rss"])})
    return rows


def rusage_env(log: Path) -> dict:
    """Environment under which every job's process appends its exact peak RSS and CPU to `log`."""
    paths = [str(ROOT / "benchmarks" / "rusage")] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {"PYTHONPATH": os.pathsep.join(paths), "IMPACT_RUSAGE_LOG": str(log)}


def rule_peaks(log: Path) -> dict[str, dict]:
    """{rule: jobs, peak RSS (MiB, of the largest job process), longest wall time, CPU} from the
    lines benchmarks/rusage/sitecustomize.py wrote (one per job process)."""
    rules: dict[str, dict] = {}
    for line in log.read_text(encoding="utf-8").splitlines() if log.exists() else []:
        rec = json.loads(line)
        r = rules.setdefault(rec["script"], {"jobs": 0, "peak_rss_mib": 0.0, "max_seconds": 0.0, "cpu_seconds": 0.0})
        r["jobs"] += 1
        r["peak_rss_mib"] = round(max(r["peak_rss_mib"], rec["max_rss_mib"], rec["children_max_rss_mib"]), 1)
        r["max_seconds"] = round(max(r["max_seconds"], rec["end"] - rec["start"]), 2)
        r["cpu_seconds"] = round(r["cpu_seconds"] + rec["cpu_seconds"], 2)
    return dict(sorted(rules.items()))


def departements_build(cores: str) -> dict:
    """Cold build with every département (config territories.departements: true) in a temporary
    working directory: the repository's config and territory files, its raw data, none of its
    outputs. Two runs as for the main cold build (tables first, then the reports), then a no-op."""
    import yaml

    work = Path(tempfile.mkdtemp(prefix="impact-bench-departements-"))
    try:
        shutil.copytree(ROOT / "config", work / "config")
        cfg_path = work / "config" / "config.yaml"
        cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
        cfg["territories"] = {**(cfg.get("territories") or {}), "departements": True}
        cfg["raw_dir"] = str(ROOT / cfg["raw_dir"])
        cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
        log = work / "rusage.jsonl"
        t1, c1, m1 = snakemake(cores, "tables", "methodology", "index_map", env=rusage_env(log), cwd=work)
        t2, c2, m2 = snakemake(cores, env=rusage_env(log), cwd=work)
        tn, cn, _ = snakemake(cores, cwd=work)
        reports = [p for p in (work / cfg["reports_dir"]).rglob("*.pdf") if p.name != "methodologie.pdf"]
        return {
            "territories": len(reports),
            "seconds": round(t1 + t2, 2),
            "cpu_seconds": round(c1 + c2, 2),
            "peak_rss_mib": round(max(m1, m2), 1),
            "reports_phase": {"seconds": round(t2, 2), "cpu_seconds": round(c2, 2)},
            "marginal_cpu_seconds_per_report": round((c2 - cn) / len(reports), 3),
            "noop": {"seconds": round(tn, 2), "cpu_seconds": round(cn, 2)},
            "rules": rule_peaks(log),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def slurm_run() -> dict:
    """`.ci/slurm` (a one-node SLURM cluster on this machine, the tiny dataset locally and through
    profiles/slurm, outputs compared): its summary, or why it was skipped."""
    if os.geteuid() != 0 and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode != 0:
        return {"skipped": "needs root or password-less sudo to start the SLURM daemons (.ci/slurm)"}
    out = ROOT / "benchmarks" / "results"
    before = set(out.glob("slurm-*.json"))
    proc = subprocess.run(["bash", str(ROOT / ".ci" / "slurm")], cwd=ROOT, capture_output=True, text=True)
    new = sorted(set(out.glob("slurm-*.json")) - before)
    if proc.returncode != 0 or not new:
        return {"failed": proc.returncode, "stderr": proc.stderr[-2000:]}
    return json.loads(new[-1].read_text(encoding="utf-8"))


def host_speed() -> float:
    """CPU seconds of a fixed pure-Python workload (best of 3): a yardstick of the host's speed
    at the time of the run. On a shared virtual machine the same build takes 10-20 % more CPU
    time when the host is busy; dividing by this figure makes runs comparable."""
    code = "import time; t = time.process_time(); sum(i * i for i in range(3_000_000)); print(time.process_time() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(3)
    ]
    return min(runs)


def timeline() -> dict[str, tuple[float, float]]:
    """{stage: (first start, last end)} in seconds from the start of the build, for the jobs
    of the last run: a job ends when its log was last written and starts its `benchmark:`
    wall-clock time earlier."""
    spans = []
    for f in BENCH_DIR.glob("*.tsv"):
        stage, _, wildcard = f.stem.partition("-")
        log = ROOT / "logs" / (f"{stage}/{wildcard}.log" if wildcard else f"{stage}.log")
        if log.exists():
            with f.open() as fh:
                seconds = float(next(csv.DictReader(fh, delimiter="\t"))["s"])
            end = log.stat().st_mtime
            spans.append((stage, end - seconds, end))
    if not spans:
        return {}
    t0 = min(start for _, start, _ in spans)
    stages: dict[str, tuple[float, float]] = {}
    for stage, start, end in spans:
        first, last = stages.get(stage, (float("inf"), 0.0))
        stages[stage] = (min(first, start - t0), max(last, end - t0))
    return dict(sorted(stages.items(), key=lambda kv: kv[1]))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cores", default=str(os.cpu_count()))
    ap.add_argument("--no-departements", action="store_true", help="skip the cold build with every département")
    ap.add_argument("--no-slurm", action="store_true", help="skip the SLURM run of the tiny dataset")
    args = ap.parse_args(argv)
    with open(ROOT / "config" / "config.yaml", encoding="utf-8") as fh:
        import yaml

        cfg = yaml.safe_load(fh)
    shutil.rmtree(ROOT / cfg["processed_dir"], ignore_errors=True)
    shutil.rmtree(ROOT / "logs", ignore_errors=True)

    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "host_speed_before": round(host_speed(), 3),
    }
    record = Path(tempfile.mkdtemp(prefix="impact-calls-"))
    atexit.register(shutil.rmtree, record, True)  # also when a phase fails and the script exits
    rusage_log = record / "rusage.jsonl"  # not a call record (warm_floor.py reads *.json)
    cold_env = {"IMPACT_RECORD_CALLS": str(record), **rusage_env(rusage_log)}
    t1, c1, m1 = snakemake(args.cores, "tables", "methodology", "index_map", env=cold_env)
    t2, c2, m2 = snakemake(args.cores, env=cold_env)
    results["cold"] = {
        "seconds": round(t1 + t2, 2),
        "cpu_seconds": round(c1 + c2, 2),
        "peak_rss_mib": round(max(m1, m2), 1),
        "reports_phase": {"seconds": round(t2, 2), "cpu_seconds": round(c2, 2)},
        "jobs": job_benchmarks(),
        "rules": rule_peaks(rusage_log),
        "timeline": {k: [round(a, 1), round(b, 1)] for k, (a, b) in timeline().items()},
    }
    t, c, m = snakemake(args.cores)
    results["noop"] = {"seconds": round(t, 2), "cpu_seconds": round(c, 2)}
    n_reports = len(list((ROOT / cfg["regions_dir"]).glob("*.yaml")))
    results["per_report"] = {
        "territories": n_reports,
        "marginal_cpu_seconds": round((c2 - results["noop"]["cpu_seconds"]) / n_reports, 3),
    }
    region = ROOT / cfg["regions_dir"] / "paca.yaml"
    if region.exists():
        # Snakemake compares checksums: the file must really change (a touch reruns nothing)
        original = region.read_bytes()
        try:
            region.write_bytes(original + b"intro: Texte d'introduction ajoute par le benchmark.\n")
            t, c, m = snakemake(args.cores)
            results["one_region"] = {
                "seconds": round(t, 2),
                "cpu_seconds": round(c, 2),
                "touched": str(region.relative_to(ROOT)),
                "peak_rss_mib": round(m, 1),
            }
        finally:
            region.write_bytes(original)
        snakemake(args.cores)  # back to the original report (not timed)

    # last: the replay rewrites the reports' files (identical bytes, newer times)
    floor = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "warm_floor.py"), str(record)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if floor.returncode != 0:
        sys.exit(f"warm floor replay failed:\n{floor.stderr[-3000:]}")
    results["warm_floor"] = json.loads(floor.stdout.strip().splitlines()[-1])
    shutil.rmtree(record, ignore_errors=True)
    per = results["per_report"]
    per["warm_floor_cpu_seconds"] = results["warm_floor"]["cpu_per_territory"]
    per["ratio"] = round(per["marginal_cpu_seconds"] / per["warm_floor_cpu_seconds"], 2)
    if not args.no_departements:
        results["departements"] = departements_build(args.cores)
    if not args.no_slurm:
        results["slurm"] = slurm_run()
    results["host_speed_after"] = round(host_speed(), 3)
    print(
        f"host speed : {results['host_speed_before']:.3f} s before, {results['host_speed_after']:.3f} s after "
        "(CPU time of a fixed workload: higher = busier host)"
    )
    print(
        f"cold build : {results['cold']['seconds']:7.2f} s  (CPU {results['cold']['cpu_seconds']:.1f} s, "
        f"peak RSS {results['cold']['peak_rss_mib']:.0f} MiB)"
    )
    stages: dict[str, list[dict]] = {}
    for job in results["cold"]["jobs"]:
        stages.setdefault(job["job"].split("-")[0], []).append(job)
    for stage, jobs in stages.items():
        total = sum(j["seconds"] for j in jobs)
        peak = max(j["max_rss_mib"] for j in jobs)
        print(
            f"  {stage:<18} {len(jobs):3d} job(s) {total:7.2f} s (sum of the jobs' wall-clock times)  "
            f"peak {peak:6.0f} MiB"
        )
    print("  exact peak RSS per rule (MiB, largest job process) and longest job (s):")
    print(
        "    "
        + ", ".join(f"{k} {v['peak_rss_mib']:.0f}/{v['max_seconds']:.1f}" for k, v in results["cold"]["rules"].items())
    )
    print("  timeline of the cold build (first start - last end of each stage, in s):")
    print("    " + ", ".join(f"{k} {a:.1f}-{b:.1f}" for k, (a, b) in results["cold"]["timeline"].items()))
    print(f"no-op rerun: {results['noop']['seconds']:7.2f} s  (CPU {results['noop']['cpu_seconds']:.1f} s)")
    per = results["per_report"]
    print(
        f"per report : {per['marginal_cpu_seconds']:.2f} s CPU in the cold build (reports run less a no-op, "
        f"/ {per['territories']}) against a warm floor of {per['warm_floor_cpu_seconds']:.2f} s "
        f"(same calls in one process): ratio {per['ratio']:.2f}"
    )
    if "one_region" in results:
        one = results["one_region"]
        print(f"one region : {one['seconds']:7.2f} s  (CPU {one['cpu_seconds']:.1f} s, after editing {one['touched']})")
    if "departements" in results:
        d = results["departements"]
        print(
            f"départements: {d['territories']} reports, cold build {d['seconds']:.1f} s (CPU {d['cpu_seconds']:.1f} s, "
            f"peak RSS {d['peak_rss_mib']:.0f} MiB), {d['marginal_cpu_seconds_per_report']:.2f} s CPU per report, "
            f"no-op {d['noop']['seconds']:.2f} s"
        )
    if "slurm" in results:
        sl = results["slurm"]
        if "skipped" in sl or "failed" in sl:
            print("SLURM (tiny): " + (sl.get("skipped") or f"failed ({sl['failed']})"))
        else:
            run, cmp = sl["slurm"], sl["comparison"]
            print(
                f"SLURM (tiny): {run['seconds']:.1f} s against {sl['local']['seconds']:.1f} s locally, "
                f"{run['n_jobs']} jobs, per job (median) overhead {run['median_overhead_s']} s, "
                f"detection lag {run['median_detection_lag_s']} s; outputs: {len(cmp['different'])} different"
            )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
