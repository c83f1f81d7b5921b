# Stage 6: the published tables of DESIGN §6: base rows plus every custom territory's rows.


rule tables:
    input:
        base=list(base_tables().values()),
        custom=[p for slug in CUSTOM_DEFS for p in custom_tables(slug).values()],
        code=code(),
    output:
        **{t: table_output(t) for t in TABLE_NAMES + RUN_TABLE_NAMES},
    log:
        f"{LOGS}/tables.log",
    benchmark:
        f"{LOGS}/benchmarks/tables.tsv"
    params:
        parts={
            t: [base_tables()[t]] + [custom_tables(s)[t] for s in CUSTOM_DEFS if t in TABLE_NAMES]
            for t in TABLE_NAMES + RUN_TABLE_NAMES
        },
    threads: 1
    resources:
        # measured: peak 191 MiB, 2.3 s
        mem_mb=512,
        runtime=5,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/tables.py"
