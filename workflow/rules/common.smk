# Configuration, validated before any job is scheduled, and the paths shared by the rules.
import mimetypes
import os
import re
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

from impact_regions.config import check_config, load_indicators, load_survey, load_territory_files
from impact_regions.departement_territories import departement_territories
from impact_regions.errors import ConfigError, InputError
from impact_regions.geo import read_departement_index
from impact_regions.indicator_raw import source_paths
from impact_regions.quirks import load_quirks
from impact_regions.table_contract import ContractError
from impact_regions.table_contract import validate as validate_table_contract
from impact_regions.territories import custom_definition

try:
    CFG = check_config(dict(config), "config/config.yaml")
    CATALOGUE = load_indicators(CFG["indicators"])
    CODEBOOK = load_survey(CFG["survey"], CATALOGUE["domains"])
    GEO_DIR = f"{CFG['raw_dir']}/geo"
    GEO = read_departement_index(GEO_DIR)  # the départements of each region (no pandas: faster parse)
    TERRITORY_FILES = load_territory_files(CFG["regions_dir"], GEO)
    load_quirks()  # workflow/quirks.yaml: a file that breaks its schema stops the run here, naming the entry
    # config territories.departements: one more report per département, from the base tables
    DEPARTEMENT_TERRITORIES = departement_territories(GEO_DIR) if CFG["territories"]["departements"] else []
except (ConfigError, InputError) as exc:
    raise WorkflowError(f"invalid configuration: {exc}") from None
try:
    validate_table_contract()  # the contract every table is checked against (workflow/schemas/tables.yaml)
except ContractError as exc:
    raise WorkflowError(f"invalid table contract: {exc}") from None

RAW = CFG["raw_dir"]
PROCESSED = CFG["processed_dir"]
STAGING = f"{PROCESSED}/staging"
BASE = f"{PROCESSED}/base"  # 18 regions, 101 départements, France: independent of the territory files
CUSTOM = f"{PROCESSED}/custom"  # one directory per custom territory
LOGS = "logs"
GEO_FILES = [f"{GEO_DIR}/{f}" for f in ("regions.csv", "departements.csv", "communes.csv")]
INDICATOR_SOURCES = source_paths(CATALOGUE, RAW)
SURVEY_SOURCES = [f"{RAW}/{f['path']}" for f in CODEBOOK["files"]]
SLUGS = [t["slug"] for t in TERRITORY_FILES + DEPARTEMENT_TERRITORIES]  # départements: "departements/13-…"
BY_SLUG = {t["slug"]: t for t in TERRITORY_FILES + DEPARTEMENT_TERRITORIES}
CUSTOM_DEFS = {t["slug"]: custom_definition(t) for t in TERRITORY_FILES if t["kind"] == "custom"}


def alternatives(words):
    """A wildcard constraint matching exactly these words (nothing if there are none)."""
    return "|".join(re.escape(w) for w in words) or "(?!)"


# Paths of the project's own files, relative to the working directory (the project folder, or
# the folder given by --directory): rule inputs and params hold no absolute path, so that a copy
# of the project with its outputs (cp -a) finds every job up to date.
SRC = Path(os.path.relpath(Path(workflow.basedir) / "workflow"))
# the producers' quirks the readers apply (an input of the jobs that read the raw extracts)
QUIRKS = str(SRC / "quirks.yaml")
# The software environment of every rule (`--software-deployment-method conda`); the rules' files
# are in workflow/rules/, hence the path relative to them.
CONDA_ENV = "../../environment.yml"
# Resources of each rule (`threads`, and `mem_mb`, `runtime` under `resources`), for a cluster's scheduler
# (profiles/slurm) and for `--resources` limits: from the demo build of 2026-12-04 (19 reports,
# 2 cores, busy host), each rule's "measured:" comment gives its job's peak memory (the kernel's
# high-water mark of the job's process, recorded by benchmarks/rusage: the `benchmark:` files
# sample the memory and missed most short jobs, e.g. 9 MB for an HTML job; ~190 MiB is the floor
# inherited from the Snakemake process that starts a job) and its longest wall time; and, where
# it was measured, the same at scale (`make bench-scale`, 1 M respondents, 34,875 communes).
# mem_mb is 1.5-3 times the demo peak, runtime (minutes) well above the wall time: a national
# survey needs more for the survey rules (`--set-resources survey_estimates:mem_mb=8000`).
# Every step runs on one core (DuckDB is set to one thread: storage.py), so threads: 1.


def code(*modules, sql=()):
    """The package modules and SQL files a job runs, as inputs: editing one reruns its jobs. The
    contract of the tables (workflow/schemas/tables.yaml) is one of them: every table is checked
    against it when it is written, and the table archive prints its dictionary."""
    common = ("__init__", "errors", "config", "geo", "storage", "table_contract", "steps", "entry", "territories")
    return (
        [str(SRC / "impact_regions" / f"{m}.py") for m in (*common, *modules)]
        + [str(SRC / "sql" / f"{q}.sql") for q in sql]
        + [str(SRC / "schemas" / "tables.yaml")]
    )


# Tables with rows per territory (base rows + one part per custom territory) ...
TABLE_NAMES = [
    "territories",
    "indicator_values",
    "indicator_scores",
    "fragility_indices",
    "survey_estimates",
    "perception_gaps",
    "raking_margins",
    "index_audit",
]
# ... and tables of the whole run (base only): the inhabitants' weights, the Sobol indices
RUN_TABLE_NAMES = ["survey_weights", "sensitivity"]
TABLES = [f"{PROCESSED}/{t}.parquet" for t in TABLE_NAMES + RUN_TABLE_NAMES]
# the tables `snakemake --report` includes (category « Tableaux », captions in workflow/report/tables/),
# with what they hold; the report offers them for download (its viewer shows no Parquet)
SNAKEMAKE_REPORT_TABLES = {
    "fragility_indices": "Indices de fragilité par domaine, rangs et intervalles de rang",
    "indicator_values": "Valeurs des indicateurs par territoire",
    "survey_estimates": "Estimations des enquêtes, écarts à la France, fiabilité",
    "perception_gaps": "Écarts entre fragilité objective et perçue",
    "sensitivity": "Sensibilité aux choix de méthode (indices de Sobol)",
}
mimetypes.add_type("application/vnd.apache.parquet", ".parquet")  # else the report logs "assuming text/plain"


def table_output(t):
    path = f"{PROCESSED}/{t}.parquet"
    if t not in SNAKEMAKE_REPORT_TABLES:
        return path
    return report(
        path,
        caption=f"../report/tables/{t}.rst",
        category="Tableaux",
        labels={"Table": t, "Contenu": SNAKEMAKE_REPORT_TABLES[t]},
    )


POPULATION = f"{RAW}/{CFG['raking']['population']}"


def base_tables():
    return {t: f"{BASE}/{t}.parquet" for t in TABLE_NAMES + RUN_TABLE_NAMES}


def custom_tables(slug):
    return {t: f"{CUSTOM}/{slug}/{t}.parquet" for t in TABLE_NAMES}


# the tables a report reads (impact_regions.report_context.TABLE_COLUMNS): no other table change
# reruns the reports
REPORT_TABLES = [
    "territories",
    "indicator_values",
    "fragility_indices",
    "survey_estimates",
    "perception_gaps",
    "raking_margins",
    "sensitivity",
]


def report_parts(slug):
    """The table files a territory's report reads: the base, plus its own rows if custom."""
    parts = [{t: p for t, p in base_tables().items() if t in REPORT_TABLES}]
    if slug in CUSTOM_DEFS:
        parts.append({t: p for t, p in custom_tables(slug).items() if t in REPORT_TABLES})
    return parts


def territory_for_report(slug):
    t = BY_SLUG[slug]
    keys = (
        "code",
        "name",
        "short_name",
        "locative",
        "genitive",
        "nominative",
        "slug",
        "kind",
        "departements",
    )
    return {k: t[k] for k in keys + (("region_name",) if t["kind"] == "departement" else ())}


def byte_compile_package():
    """Byte-compile the package (workflow/impact_regions) if a module changed, as pip does for an
    installed package: every job imports it, and when PYTHONDONTWRITEBYTECODE is set (some
    machines and containers set it) Python would otherwise compile the modules again in each of
    the ~70 jobs of a build (about 0.07 s per report job, measured). Takes 2 ms when nothing
    changed. Silent if the directory is read-only (the jobs then compile in memory, as before)."""
    import compileall

    compileall.compile_dir(str(SRC / "impact_regions"), quiet=2)


def remove_stale_outputs():
    """After a failed run, remove every output older than one of its inputs (or missing one).

    Snakemake removes the outputs of the job that failed; the tables downstream of it, left over
    from an earlier run, would disagree with the new inputs. They are removed too, repeatedly
    until nothing changes, so that no output contradicts the inputs that failed to build.
    Rules with wildcards (one job per territory) are left out: their output patterns are not files.
    """
    removed, changed = [], True
    while changed:
        changed = False
        for r in workflow.rules:
            if r.has_wildcards():  # per-territory jobs: Snakemake itself removes a failed job's outputs
                continue
            outs = [Path(o) for o in r.output if Path(o).exists()]
            if not outs:
                continue
            oldest = min(o.stat().st_mtime for o in outs)
            if any(not Path(i).exists() or Path(i).stat().st_mtime > oldest for i in r.input):
                for o in outs:
                    o.unlink()
                    removed.append(str(o))
                changed = True
    if removed:
        print(
            "Removed outputs made stale by the failure: " + ", ".join(sorted(removed)),
            file=sys.stderr,
        )


# The report jobs (report.smk, one per territory): their arguments, and the warm worker that forks them.
def report_call(wildcards, input, output):
    """The arguments of report_steps.report_step for a territory's job, as JSON."""
    import json

    return json.dumps(
        {
            "territory": territory_for_report(wildcards.slug),
            "parts": report_parts(wildcards.slug),
            "geo_dir": str(Path(input.geo[0]).parent),
            "indicators_yaml": input.catalogue,
            "survey_yaml": input.codebook,
            "config": {
                k: CFG[k]
                for k in (
                    "vintage",
                    "survey_year",
                    "index",
                    "survey_estimation",
                    "weighting",
                    "uncertainty",
                )
            },
            "provenance_json": input.provenance,
            "fonts_dir": str(Path(TEMPLATES) / "fonts"),
            "region_file": input.region or "",
            "templates_dir": TEMPLATES,
            "out_context": f"{output.build}/context.json",
            "charts_dir": f"{output.build}/charts",
            "out_html": f"{output.build}/report.html",
            "out_pdf": output.pdf,
            "out_facts": f"{output.build}/pdf.json",
            "out_csv": output.csv,
            "out_xlsx": output.xlsx,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


# The warm worker of the report jobs (impact_regions/report_server.py): started by `onstart:` for a
# local run with report jobs to do, stopped (and waited for) by `onsuccess:` and `onerror:`.
REPORT_SERVER = []
REPORT_SERVER_MIN_JOBS = 2  # its imports cost about 1 s of CPU, a report job's own about 0.5 s


def start_report_server():
    """Start the server if this run executes report jobs on this machine, at least
    REPORT_SERVER_MIN_JOBS of them. A cluster run (SLURM: the jobs run on other nodes), --touch,
    or a run with fewer report jobs starts none; the report jobs then run in their own process,
    as they do when the server cannot be reached."""
    from snakemake_interface_executor_plugins.settings import ExecMode

    from impact_regions.report_server import start

    if not workflow.local_exec or workflow.exec_mode != ExecMode.DEFAULT or workflow.touch:
        return
    if sum(job.rule.name == "report" for job in workflow.dag.needrun_jobs()) >= REPORT_SERVER_MIN_JOBS:
        REPORT_SERVER.append(start())


def stop_report_server():
    from impact_regions.report_server import stop

    while REPORT_SERVER:
        stop(REPORT_SERVER.pop())
