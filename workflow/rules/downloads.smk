# Data to take away: the archive of every published table (Parquet and CSV) with its data
# dictionary in French (impact_regions.tables_archive). The figures of each report, as CSV and
# XLSX (reports/donnees/<slug>.csv, .xlsx), are written by that territory's report job
# (report.smk), which has the rows already loaded.

DOWNLOADS = f"{REPORTS}/donnees"


rule tables_archive:
    input:
        tables=TABLES,
        provenance=rules.provenance.output[0],
        catalogue=CFG["indicators"],
        codebook=CFG["survey"],
        code=code(
            "report_steps",
            "tables_archive",
            "data_dictionary",
            "reproducible_zip",
            "report_common",
            "report_indicators",
            "french",
            "templating",
        ),
    output:
        f"{DOWNLOADS}/impact-regions-tables.zip",
    log:
        f"{LOGS}/tables_archive.log",
    benchmark:
        f"{LOGS}/benchmarks/tables_archive.tsv"
    params:
        tables={t: f"{PROCESSED}/{t}.parquet" for t in TABLE_NAMES + RUN_TABLE_NAMES},
        config={k: CFG[k] for k in ("vintage", "survey_year", "index", "survey_estimation")},
    priority: 10  # one job per run: early, so that it does not end the build alone
    threads: 1
    resources:
        # measured: peak 191 MiB, 4.2 s
        mem_mb=512,
        runtime=5,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/tables_archive.py"
