# Stage 2: indicator values for every territory, scores, domain fragility indices (point values;
# stage 4 adds their Monte Carlo rank intervals) and their audit.


rule indices:
    input:
        geo=GEO_FILES,
        indicator_raw=rules.indicator_raw.output[0],
        territories=rules.territories.output[0],
        catalogue=CFG["indicators"],
        code=code(
            "indicator_raw",
            "indices",
            "treatment",
            "index_audit",
            "french",
            "readers",
            "reader_spec",
            "quirks",
            sql=("indicator_values", "indicator_scores", "fragility_indices"),
        ),
    output:
        indicator_values=f"{BASE}/indicator_values.parquet",
        indicator_scores=f"{BASE}/indicator_scores.parquet",
        fragility_point=f"{STAGING}/fragility_point.parquet",
        indicator_treatment=f"{STAGING}/indicator_treatment.parquet",
        index_audit=f"{BASE}/index_audit.parquet",
    log:
        f"{LOGS}/indices.log",
    benchmark:
        f"{LOGS}/benchmarks/indices.tsv"
    params:
        geo_dir=lambda w, input: os.path.dirname(input.geo[0]),
        index=CFG["index"],
        audit=CFG["audit"],
    priority: 20  # on the critical path to the reports: scheduled first
    threads: 1
    resources:
        # measured: peak 865 MiB, 8.5 s; 34,875 communes: 0.9 GB, 15 s
        mem_mb=1536,
        runtime=10,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/indices.py"
