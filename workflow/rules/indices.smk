# Stage 2: indicator values for every territory, scores, domain fragility indices and their audit;
# then the Monte Carlo over the methodological choices (rank and gap intervals, Sobol indices).


rule indices:
    input:
        geo=GEO_FILES,
        indicator_raw=rules.indicator_raw.output[0],
        territories=rules.territories.output[0],
        catalogue=CFG["indicators"],
        code=code("indicator_raw", "indices", "treatment", "index_audit", "french",
                  sql=("indicator_values", "indicator_scores", "fragility_indices")),
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
        geo_dir=GEO_DIR,
        index=CFG["index"],
        audit=CFG["audit"],
    priority: 20  # on the critical path to the reports: scheduled first
    script:
        "../scripts/indices.py"


rule uncertainty:
    input:
        indicator_values=rules.indices.output.indicator_values,
        fragility_point=rules.indices.output.fragility_point,
        indicator_treatment=rules.indices.output.indicator_treatment,
        survey_estimates=f"{BASE}/survey_estimates.parquet",
        territories=rules.territories.output[0],
        catalogue=CFG["indicators"],
        code=code("indices", "uncertainty", "sobol"),
    output:
        fragility_indices=f"{BASE}/fragility_indices.parquet",
        sensitivity=f"{BASE}/sensitivity.parquet",
        gap_uncertainty=f"{STAGING}/gap_uncertainty.parquet",
    log:
        f"{LOGS}/uncertainty.log",
    benchmark:
        f"{LOGS}/benchmarks/uncertainty.tsv"
    params:
        index=CFG["index"],
        uncertainty=CFG["uncertainty"],
    priority: 20  # on the critical path to the reports: scheduled first
    script:
        "../scripts/uncertainty.py"
