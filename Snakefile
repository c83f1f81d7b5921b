# IMPACT-Régions: raw INSEE / ANCT extracts and survey microdata -> processed tables -> reports.
# Run `snakemake` (the workflow profile in profiles/default sets the cores). See README.md.

import os
import sys

from snakemake_interface_executor_plugins.settings import DeploymentMethod

# The package is imported from this workflow's own copy, in Snakemake's process and (PYTHONPATH)
# in every job's: a copy of the project elsewhere runs its own code, whatever is installed.
PACKAGE_DIR = os.path.join(workflow.basedir, "workflow")
sys.path.insert(0, PACKAGE_DIR)
os.environ.update(  # set here, for the jobs (a cluster's jobs get it from the submitting shell)
    PYTHONPATH=os.pathsep.join(
        [PACKAGE_DIR] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != PACKAGE_DIR]
    )
)

# The Python of the `shell:` jobs (rule report): Snakemake's own, as for its `script:` jobs, given
# by the environment so that the command Snakemake records names no path of this machine; with
# conda or a container, the `python` of the job's environment.
if not {DeploymentMethod.CONDA, DeploymentMethod.APPTAINER} & set(
    getattr(workflow.deployment_settings, "deployment_method", None) or ()
):
    os.environ.update(IMPACT_PYTHON=sys.executable)


configfile: "config/config.yaml"


# `snakemake --report report.zip`: this description, and the outputs flagged report() in the rules
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/indices.smk"
include: "workflow/rules/survey.smk"
include: "workflow/rules/gaps.smk"
include: "workflow/rules/custom.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/downloads.smk"


rule all:
    input:
        TABLES,
        [f"{REPORTS}/{slug}.pdf" for slug in SLUGS],  # (and, from the same jobs, the downloads)
        f"{REPORTS}/index.html",
        f"{REPORTS}/methodologie.pdf",
        rules.tables_archive.output,


onstart:
    byte_compile_package()
    start_report_server()


onsuccess:
    stop_report_server()


onerror:
    stop_report_server()
    remove_stale_outputs()
