# Stage 4: the Monte Carlo over the methodological choices and the survey error (rank intervals
# of fragility_indices, Sobol indices of sensitivity) and the perception gaps with their intervals.
# One job: the gaps need the Monte Carlo's draws, and the job is on the critical path to the reports.


rule perception_gaps:
    input:
        indicator_values=rules.indices.output.indicator_values,
        fragility_point=rules.indices.output.fragility_point,
        indicator_treatment=rules.indices.output.indicator_treatment,
        survey_estimates=rules.survey_estimates.output[0],
        territories=rules.territories.output[0],
        catalogue=CFG["indicators"],
        codebook=CFG["survey"],
        code=code(
            "indices",
            "uncertainty",
            "uncertainty_tables",
            "sobol",
            "perception_gaps",
            "treatment",
            # indices.py also holds the queries of the point values (run by rule indices)
            sql=("perception_gaps", "indicator_values", "indicator_scores", "fragility_indices"),
        ),
    output:
        fragility_indices=f"{BASE}/fragility_indices.parquet",
        sensitivity=f"{BASE}/sensitivity.parquet",
        perception_gaps=f"{BASE}/perception_gaps.parquet",
    log:
        f"{LOGS}/perception_gaps.log",
    benchmark:
        f"{LOGS}/benchmarks/perception_gaps.tsv"
    params:
        index=CFG["index"],
        uncertainty=CFG["uncertainty"],
    priority: 20  # on the critical path to the reports: scheduled first
    threads: 1
    resources:
        # measured: peak 316 MiB, 2.4 s
        mem_mb=768,
        runtime=5,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/perception_gaps.py"
