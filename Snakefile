# IMPACT-Régions: raw INSEE / ANCT extracts and survey microdata -> processed tables -> reports.
# Run `snakemake` (the workflow profile in profiles/default sets the cores). See README.md.

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
        [f"{REPORTS}/{slug}.pdf" for slug in SLUGS],
        [f"{REPORTS}/donnees/{slug}.{ext}" for slug in SLUGS for ext in ("csv", "xlsx")],
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
