"""The tiny dataset through SLURM (profiles/slurm), checked against the local run (issue 13, item 5).

What it does
------------
1. Builds two throw-away working directories the way the end-to-end tests do
   (tests/workdirs.py: workdir_with(tmp, TINY, ...), Corse and Martinique), never touching the
   repository's data/ or reports/.
2. Runs Snakemake in the first with the default workflow profile (profiles/default, `--cores 2`)
   and in the second with `--workflow-profile profiles/slurm` (executor plugin
   snakemake-executor-plugin-slurm: one `sbatch` per job). Each run is bounded by
   `timeout -k 30`: a Snakemake waiting on SLURM jobs may ignore SIGTERM.
3. Checks that both runs wrote the same files under data/ and reports/ and that they are equal:
   byte-identical, except report.html (the HTML a PDF is rendered from), which names its charts by
   absolute file:// URL and is compared with the working directory's path replaced. A parquet
   table that differs in bytes would be compared as an Arrow table (schema, metadata and values)
   and reported as such.
4. Measures: wall time of both runs, number of SLURM jobs, and per job (from `squeue --states=all`,
   which the test cluster's MinJobAge keeps answering after the jobs end, and the Snakemake log)
   the queue wait, the slot time (start to end in SLURM), the rule's own time (its `benchmark:`
   file), the overhead (slot - own time: the job's Snakemake starts and srun) and the detection
   lag (SLURM end to Snakemake's "Finished": the plugin's status polling).

Needs a running SLURM cluster whose partition is the profile's (`.ci/slurm` starts one on this
machine and calls this script, passing on its own arguments). Usage: `python benchmarks/slurm.py
[--timeout S] [--keep] [--slurm-args "more Snakemake arguments for the SLURM run"]`.
Results printed and written to benchmarks/results/slurm-<timestamp>.json. Exit status 1 when a run
fails or the outputs differ.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

# E402 below: these imports need the sys.path entries above
from benchmark import host_speed  # noqa: E402
from workdirs import TINY, workdir_with  # noqa: E402

REGIONS = {
    "corse": 'code: "94"\nname: Corse\nslug: corse\n',
    "martinique": 'code: "02"\nname: Martinique\nslug: martinique\n',
}
COMPARED = ("data", "reports")  # the outputs; logs/ and .snakemake/ differ by nature


def run(workdir: Path, extra: list[str], timeout: int) -> tuple[int, float, Path]:
    """Snakemake in `workdir` (the project's Snakefile), bounded by `timeout -k 30`; its output
    goes to run.log beside the working directory. Returns (exit status, wall seconds, log)."""
    log = workdir.parent / f"{workdir.name}.log"
    cmd = [
        "timeout",
        "-k",
        "30",
        str(timeout),
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(ROOT / "Snakefile"),
        "-d",
        str(workdir),
        *extra,
    ]
    t = time.monotonic()
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            rc = proc.wait()
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (see main): `timeout` passes it on to Snakemake
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=45)  # `timeout -k 30` kills a Snakemake that ignores it
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
    return rc, time.monotonic() - t, log


def same_table(a: Path, b: Path) -> bool:
    import pyarrow.parquet as pq

    ta, tb = pq.read_table(a), pq.read_table(b)
    return ta.schema.equals(tb.schema, check_metadata=True) and ta.equals(tb)


def compare(local: Path, slurm: Path) -> dict:
    """Every output file of both runs: {"files": n, "identical": n, "equal_after_path": [...],
    "equal_tables": [...], "different": [...], "only_local": [...], "only_slurm": [...]}."""

    def files(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for d in COMPARED for p in (root / d).rglob("*") if p.is_file()}

    fl, fs = files(local), files(slurm)
    out = {
        "files": len(fl),
        "identical": 0,
        "equal_after_path": [],
        "equal_tables": [],
        "different": [],
        "only_local": sorted(fl - fs),
        "only_slurm": sorted(fs - fl),
    }
    for rel in sorted(fl & fs):
        a, b = (local / rel).read_bytes(), (slurm / rel).read_bytes()
        if a == b:
            out["identical"] += 1
        elif rel.endswith(".html") and a.replace(str(local).encode(), b"WORKDIR") == b.replace(
            str(slurm).encode(), b"WORKDIR"
        ):
            out["equal_after_path"].append(rel)
        elif rel.endswith(".parquet") and same_table(local / rel, slurm / rel):
            out["equal_tables"].append(rel)
        else:
            out["different"].append(rel)
    return out


def stamp(text: str) -> float:
    return datetime.strptime(text, "%a %b %d %H:%M:%S %Y").timestamp()


def jobs_from_log(log: Path) -> dict[str, dict]:
    """{SLURM job id: {"rule", "submitted", "finished"}} from the Snakemake log (1 s resolution).
    A group job (--groups) has no rule and no "finished" here: its comment names it instead."""
    now, rule, by_smk, rules, out = None, None, {}, {}, {}
    for line in log.read_text(errors="replace").splitlines():
        if m := re.match(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$", line):
            now = stamp(m.group(1))
        elif m := re.match(r"^(?:local)?rule (\w+):$", line):
            rule = m.group(1)
        elif m := re.match(r"^    jobid: (\d+)$", line):
            rules[m.group(1)] = rule
        elif m := re.match(r"^Job (\S+) has been submitted with SLURM jobid (\d+)", line):  # group jobs: a UUID
            by_smk[m.group(1)] = m.group(2)
            out[m.group(2)] = {"rule": rules.get(m.group(1)), "submitted": now}
        elif (m := re.match(r"^Finished jobid: (\d+)", line)) and m.group(1) in by_smk:
            out[by_smk[m.group(1)]]["finished"] = now
    return out


def jobs_from_squeue() -> dict[str, dict]:
    """{job id: {"comment", "state", "start", "end"}} of every job the cluster still remembers."""
    out = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format=%i|%k|%T|%S|%e"], capture_output=True, text=True, check=True
    ).stdout

    def parse(s: str) -> float | None:
        return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").timestamp() if s[:1].isdigit() else None

    jobs = {}
    for line in out.splitlines():
        jid, comment, state, start, end = line.strip().split("|")
        jobs[jid] = {"comment": comment, "state": state, "start": parse(start), "end": parse(end)}
    return jobs


def own_seconds(workdir: Path, comment: str) -> float | None:
    """The rule's own wall time from its benchmark file (rule_<rule>[_wildcards_<slug>])."""
    m = re.match(r"^rule_(\w+?)(?:_wildcards_(.+))?$", comment)
    if not m:
        return None
    name = m.group(1) + (f"-{m.group(2)}" if m.group(2) else "")
    f = workdir / "logs" / "benchmarks" / f"{name}.tsv"
    if not f.exists():
        return None
    return float(f.read_text().splitlines()[1].split("\t")[0])


def per_job(workdir: Path, log: Path) -> list[dict]:
    logged, queued = jobs_from_log(log), jobs_from_squeue()
    rows = []
    for jid, info in sorted(logged.items(), key=lambda kv: int(kv[0])):
        q = queued.get(jid, {})
        row = {"slurm_job": int(jid), "rule": info["rule"] or q.get("comment"), "state": q.get("state")}
        start, end = q.get("start"), q.get("end")
        own = own_seconds(workdir, q.get("comment", ""))
        if start is not None and end is not None:
            row["queue_wait_s"] = start - info["submitted"] if info.get("submitted") else None
            row["slot_s"] = end - start
            row["own_s"] = own
            row["overhead_s"] = round(end - start - own, 2) if own is not None else None
            row["detection_lag_s"] = info["finished"] - end if info.get("finished") else None
        rows.append(row)
    return rows


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    return None if not xs else (xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by .ci/slurm's trap: stop the run, keep the files
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--timeout", type=int, default=1800, help="seconds allowed to each Snakemake run")
    ap.add_argument("--keep", action="store_true", help="keep the working directories")
    ap.add_argument("--workdir", type=Path, help="parent of the working directories (default: a new temporary one)")
    ap.add_argument(
        "--slurm-args",
        default="",
        help="more Snakemake arguments for the SLURM run, one string "
        '(e.g. "--slurm-init-seconds-before-status-checks 10")',
    )
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="impact-slurm-run-", dir=args.workdir))
    local = workdir_with(tmp / "local", TINY, REGIONS)
    slurm = workdir_with(tmp / "slurm", TINY, REGIONS)
    results = {
        "machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()},
        "host_speed_before": round(host_speed(), 3),
    }
    ok = False
    try:
        rc, t, log = run(local, ["--cores", "2"], args.timeout)
        results["local"] = {"exit": rc, "seconds": round(t, 1)}
        print(f"local run (profiles/default, --cores 2): exit {rc}, {t:.1f} s", flush=True)
        if rc != 0:
            print(log.read_text(errors="replace")[-4000:])
            return 1
        extra = shlex.split(args.slurm_args)
        rc, t, log = run(slurm, ["--workflow-profile", str(ROOT / "profiles" / "slurm"), *extra], args.timeout)
        results["slurm"] = {"exit": rc, "seconds": round(t, 1), "extra_args": extra}
        print(f"SLURM run (profiles/slurm): exit {rc}, {t:.1f} s", flush=True)
        if rc != 0:
            print(log.read_text(errors="replace")[-6000:])
            return 1
        jobs = per_job(slurm, log)
        results["slurm"]["jobs"] = jobs
        results["slurm"]["n_jobs"] = len(jobs)
        for key in ("queue_wait_s", "slot_s", "own_s", "overhead_s", "detection_lag_s"):
            vals = [j.get(key) for j in jobs]
            results["slurm"][f"median_{key}"] = None if median(vals) is None else round(median(vals), 2)
            results["slurm"][f"total_{key}"] = round(sum(v for v in vals if v is not None), 1)
        results["comparison"] = cmp = compare(local, slurm)
        ok = not (cmp["different"] or cmp["only_local"] or cmp["only_slurm"])
    except KeyboardInterrupt:
        print("interrupted: the Snakemake run was stopped", flush=True)
        return 130
    finally:
        results["machine"]["load_after"] = os.getloadavg()
        results["host_speed_after"] = round(host_speed(), 3)
        out = ROOT / "benchmarks" / "results" / f"slurm-{datetime.now():%Y%m%d-%H%M%S}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
        if args.keep or not ok:
            print(f"working directories kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    s = results["slurm"]

    def f(v: float | None) -> str:
        return "" if v is None else f"{v:.1f}"

    print(f"\n{'SLURM job':>9} {'rule':<18} {'wait':>5} {'slot':>5} {'own':>5} {'overh':>6} {'lag':>5}")
    for j in s["jobs"]:
        print(
            f"{j['slurm_job']:>9} {j['rule'] or '':<18} {f(j.get('queue_wait_s')):>5} {f(j.get('slot_s')):>5} "
            f"{f(j.get('own_s')):>5} {f(j.get('overhead_s')):>6} {f(j.get('detection_lag_s')):>5}"
        )
    print(
        f"\njobs: {s['n_jobs']}; wall time: SLURM {s['seconds']:.1f} s, local {results['local']['seconds']:.1f} s; "
        f"per job (median): slot {s['median_slot_s']} s, own work {s['median_own_s']} s, "
        f"overhead {s['median_overhead_s']} s, detection lag {s['median_detection_lag_s']} s; "
        f"slot time in all {s['total_slot_s']} s for {s['total_own_s']} s of work"
    )
    print(
        f"load average before {results['machine']['load_before'][0]:.1f}, "
        f"after {results['machine']['load_after'][0]:.1f}; "
        f"host speed {results['host_speed_before']} s / {results['host_speed_after']} s; "
        f"results: {out.relative_to(ROOT)}"
    )
    cmp = results["comparison"]
    print(
        f"outputs: {cmp['files']} files, {cmp['identical']} byte-identical"
        + (
            f", {len(cmp['equal_after_path'])} equal once the working directory's path is replaced "
            f"({', '.join(cmp['equal_after_path'])})"
            if cmp["equal_after_path"]
            else ""
        )
        + (
            f", {len(cmp['equal_tables'])} parquet equal as tables but not in bytes ({', '.join(cmp['equal_tables'])})"
            if cmp["equal_tables"]
            else ""
        )
    )
    for key in ("different", "only_local", "only_slurm"):
        if cmp[key]:
            print(f"  {key}: {', '.join(cmp[key])}")
    print("SLURM and local outputs: " + ("EQUAL" if ok else "DIFFERENT"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
