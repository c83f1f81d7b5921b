# Stage 2: indicator values for every territory, scores and domain fragility indices.


rule indices:
    input:
        geo=GEO_FILES,
        indicator_raw=rules.indicator_raw.output[0],
        territories=rules.territories.output[0],
        catalogue=CFG["indicators"],
        code=code("indicator_raw", "indices", "treatment",
                  sql=("indicator_values", "indicator_scores", "fragility_indices")),
    output:
        indicator_values=f"{BASE}/indicator_values.parquet",
        indicator_scores=f"{BASE}/indicator_scores.parquet",
        fragility_indices=f"{BASE}/fragility_indices.parquet",
        indicator_treatment=f"{STAGING}/indicator_treatment.parquet",
    log:
        f"{LOGS}/indices.log",
    benchmark:
        f"{LOGS}/benchmarks/indices.tsv"
    params:
        geo_dir=GEO_DIR,
        index=CFG["index"],
    script:
        "../scripts/indices.py"
