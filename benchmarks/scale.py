"""Scale benchmark (issue 11, item 6): the base tables on a national survey of 1,000,000 inhabitants.

What it does
------------
1. In a temporary working directory (never the repository's data/), writes the raw data with the
   demonstration generator (impact_regions.demo_data's modules): the commune-level indicator
   extracts of all 34,875 communes of data/raw/geo/communes.csv (and the département / region
   files), the population margins, the organisations' survey at its demo size, and an
   inhabitants' survey of `--respondents` (default 1,000,000) drawn with the demo's design,
   scaled: the demo's regional allocation (overseas regions over-represented) times a constant,
   strata region × urban/rural, PSUs of 6-10 respondents drawn PPS in the départements (about
   125,000 PSUs at 1 M), weights with a non-response correction. The answers are drawn around the
   demo's regional targets but not calibrated exactly to the published figures (the demo's
   answer-by-answer calibration is made for ~13,500 respondents; it changes no cost here).
2. Copies config/ there and runs Snakemake (this repository's Snakefile, `--directory` the
   working directory) on the base tables only: data/processed/base/*.parquet (territories,
   indicator_values, indicator_scores, fragility_indices with the Monte Carlo, survey_weights,
   raking_margins, survey_estimates, perception_gaps, index_audit, sensitivity), no report.
3. Records the build's wall-clock time, its CPU time (Snakemake and all its jobs: the figure to
   compare on a shared host), the largest peak RSS, and per job: wall time and mean load from
   Snakemake's `benchmark:` files, and the exact peak RSS (kernel high-water mark) and CPU time
   from benchmarks/rusage/sitecustomize.py (Snakemake's own max_rss is sampled every 30 s once a
   job has run 30 s, so it can miss a job's peak). Also the job timeline and a yardstick of the
   host's speed (benchmark.host_speed).

Usage: `make bench-scale` (or `.venv/bin/python benchmarks/scale.py [--respondents N] [--cores 2]
[--workdir DIR] [--keep]`). Results printed and written to benchmarks/results/scale-<timestamp>.json.
Targets (issue 11): base tables under 60 s and under 2 GB peak memory on the 2-core machine.
Not a test: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import contextlib
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

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "workflow"))
sys.path.insert(0, str(ROOT / "benchmarks"))

# E402 below: these imports need the sys.path entries above
from benchmark import host_speed  # noqa: E402

from impact_regions.demo import files, objective, sources, survey  # noqa: E402
from impact_regions.demo import geo as geo_mod  # noqa: E402
from impact_regions.demo import population as population_mod  # noqa: E402
from impact_regions.demo_data import DEFAULT_SEED  # noqa: E402

BASE_TABLES = [
    "territories",
    "indicator_values",
    "indicator_scores",
    "fragility_indices",
    "survey_estimates",
    "perception_gaps",
    "raking_margins",
    "index_audit",
    "survey_weights",
    "sensitivity",
]
TARGET_SECONDS, TARGET_MIB = 60.0, 2048.0


@contextlib.contextmanager
def scaled_citizens(total: int):
    """The demo's inhabitants' generator with its regional allocation scaled to `total`
    respondents and without the exact calibration of the answers to the published figures."""
    sizes, calibrate = survey.citizen_sizes, survey.calibrate_group

    def citizen_sizes(geo, regions, per_region):
        base = sizes(geo, regions, None)
        factor = total / sum(base.values())
        out = {r: max(2 * survey.PSU_MAX, int(round(n * factor))) for r, n in base.items()}
        largest = max(out, key=out.get)
        out[largest] += total - sum(out.values())
        return out

    survey.citizen_sizes = citizen_sizes
    survey.calibrate_group = lambda *args, **kwargs: None
    try:
        yield
    finally:
        survey.citizen_sizes, survey.calibrate_group = sizes, calibrate


def write_survey(path: Path, frame: pd.DataFrame) -> None:
    """The inhabitants' file as the demo writes it (`;`, poids with 4 decimals, integers), with
    pandas' writer: the demo's string-per-cell writer needs ~40 M Python strings at 1 M rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep=";", index=False, float_format="%.4f", lineterminator="\n")


def generate(raw: Path, geo_dir: Path, respondents: int, seed: int = DEFAULT_SEED) -> dict:
    """Write the raw data under `raw`; returns what was written (counts)."""
    geo = geo_mod.load(geo_dir)
    regions = list(geo.regions["code"])
    everything = [np.ones(len(t), dtype=bool) for t in (geo.communes, geo.departements, geo.regions)]
    obj = objective.generate(geo, np.random.default_rng([seed, 1]))
    written = files.write_all(obj, geo, raw, *everything)
    population_mod.write_population(
        raw / population_mod.PATH, population_mod.generate_population(geo.departements, seed)
    )
    written.append(population_mod.PATH)
    with scaled_citizens(respondents):
        cit = survey.generate_citizens(geo, seed, regions, None, None)
    write_survey(raw / "survey/impact_citoyens.csv", cit)
    org = survey.generate_organisations(geo, seed, regions, None)
    header, cols = survey.format_frame(org)
    from impact_regions.demo.writers import write_table

    write_table(raw / "survey/phare_organisations.csv", header, cols)
    written += ["survey/impact_citoyens.csv", "survey/phare_organisations.csv"]
    geo_mod.copy_full(geo_dir, raw / "geo")
    sources.write(raw, seed, written, f"benchmarks/scale.py --respondents {respondents}")
    return {
        "communes": int(len(geo.communes)),
        "respondents": int(len(cit)),
        "organisations": int(len(org)),
        "strata": int(cit["strate"].nunique()),
        "psus": int(cit["grappe"].nunique()),
        "regions": len(regions),
    }


def job_records(work: Path, rusage_log: Path) -> list[dict]:
    """Per job: Snakemake's benchmark file (wall time, load) joined with the exact rusage line."""
    exact = {}
    if rusage_log.exists():
        for line in rusage_log.read_text().splitlines():
            rec = json.loads(line)
            exact[rec["script"]] = rec
    rows = []
    starts = [r["start"] for r in exact.values()]
    t0 = min(starts) if starts else 0.0
    for f in sorted((work / "logs" / "benchmarks").glob("*.tsv")):
        with f.open() as fh:
            rec = next(csv.DictReader(fh, delimiter="\t"))
        job = f.stem
        row = {
            "job": job,
            "seconds": float(rec["s"]),
            "snakemake_max_rss_mib": float(rec["max_rss"]) if rec["max_rss"] not in ("", "NA") else None,
            "mean_load": float(rec["mean_load"]) if rec.get("mean_load") not in (None, "", "NA") else None,
        }
        ex = exact.get(job)
        if ex:
            row.update(
                {
                    "peak_rss_mib": round(max(ex["max_rss_mib"], ex["children_max_rss_mib"]), 1),
                    "cpu_seconds": round(ex["cpu_seconds"], 2),
                    "span": [round(ex["start"] - t0, 1), round(ex["end"] - t0, 1)],
                }
            )
        rows.append(row)
    return sorted(rows, key=lambda r: r.get("span", [0])[0])


def run_snakemake(work: Path, cores: str, rusage_log: Path) -> tuple[float, float, float, str]:
    targets = [f"data/processed/base/{t}.parquet" for t in BASE_TABLES]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "benchmarks" / "rusage"), str(ROOT / "workflow"), env.get("PYTHONPATH", "")]
    ).rstrip(os.pathsep)
    env["IMPACT_RUSAGE_LOG"] = str(rusage_log)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            *targets,
            "--snakefile",
            str(ROOT / "Snakefile"),
            "--directory",
            str(work),
            "--cores",
            cores,
            "--scheduler",
            "greedy",
            "--quiet",
            "all",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"snakemake failed (working directory {work}):\n{proc.stderr[-4000:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return elapsed, cpu, after.ru_maxrss / 1024, proc.stderr


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--respondents", type=int, default=1_000_000)
    ap.add_argument("--cores", default=str(os.cpu_count()))
    ap.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="working directory (default: a new temporary directory, removed unless --keep)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the working directory")
    ap.add_argument(
        "--reuse-data",
        action="store_true",
        help="reuse the raw data already generated in --workdir (only the build is rerun)",
    )
    args = ap.parse_args(argv)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="impact-scale-"))
    work = work.resolve()
    if work == ROOT or ROOT in work.parents:
        sys.exit("the working directory must be outside the repository")
    raw = work / "data" / "raw"
    results: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "respondents_requested": args.respondents,
        "cores": args.cores,
    }
    try:
        if not (args.reuse_data and (raw / "survey" / "impact_citoyens.csv").exists()):
            shutil.rmtree(work / "data", ignore_errors=True)
            t = time.perf_counter()
            results["data"] = generate(raw, ROOT / "data" / "raw" / "geo", args.respondents)
            results["data"]["generation_seconds"] = round(time.perf_counter() - t, 1)
            print(f"data: {results['data']}", flush=True)
        shutil.rmtree(work / "config", ignore_errors=True)
        shutil.copytree(ROOT / "config", work / "config")
        for d in ("data/processed", "logs", ".snakemake"):
            shutil.rmtree(work / d, ignore_errors=True)
        results["data_sizes_mib"] = {
            str(p.relative_to(raw)): round(p.stat().st_size / 2**20, 1)
            for p in sorted(raw.rglob("*"))
            if p.is_file() and p.stat().st_size > 2**20
        }
        rusage_log = work / "logs" / "rusage.jsonl"
        rusage_log.parent.mkdir(parents=True, exist_ok=True)
        results["host_speed_before"] = round(host_speed(), 3)
        seconds, cpu, peak, stderr = run_snakemake(work, args.cores, rusage_log)
        results["host_speed_after"] = round(host_speed(), 3)
        jobs = job_records(work, rusage_log)
        job_peak = max((j.get("peak_rss_mib") or 0 for j in jobs), default=0.0)
        results["build"] = {
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "peak_rss_mib": round(max(peak, job_peak), 1),
            "jobs": jobs,
        }
        results["targets"] = {
            "seconds": TARGET_SECONDS,
            "peak_rss_mib": TARGET_MIB,
            "met": seconds < TARGET_SECONDS and max(peak, job_peak) < TARGET_MIB,
        }
        results["job_logs"] = {p.stem: p.read_text()[-600:] for p in sorted((work / "logs").glob("*.log"))}
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)

    b = results["build"]
    print(f"host speed : {results['host_speed_before']:.3f} s before, {results['host_speed_after']:.3f} s after")
    print(
        f"base tables: {b['seconds']:.1f} s wall, {b['cpu_seconds']:.1f} s CPU, peak RSS {b['peak_rss_mib']:.0f} MiB "
        f"(targets {TARGET_SECONDS:.0f} s, {TARGET_MIB:.0f} MiB: {'met' if results['targets']['met'] else 'MISSED'})"
    )
    print(f"  {'job':<20} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9}  span (s from the first job's start)")
    for j in b["jobs"]:
        print(
            f"  {j['job']:<20} {j['seconds']:8.2f} {j.get('cpu_seconds', float('nan')):8.2f} "
            f"{j.get('peak_rss_mib', float('nan')):9.0f}  {j.get('span', '')}"
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"scale-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(
        f"written: {path.relative_to(ROOT)}"
        + (f"; working directory kept: {work}" if args.keep or args.workdir else "")
    )


if __name__ == "__main__":
    main()
