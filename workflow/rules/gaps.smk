# Stage 4: perception gaps (objective index vs perceived fragility).


rule perception_gaps:
    input:
        fragility_indices=rules.uncertainty.output.fragility_indices,
        survey_estimates=rules.survey_estimates.output[0],
        gap_uncertainty=rules.uncertainty.output.gap_uncertainty,
        territories=rules.territories.output[0],
        catalogue=CFG["indicators"],
        codebook=CFG["survey"],
        code=code("perception_gaps", sql=("perception_gaps",)),
    output:
        f"{BASE}/perception_gaps.parquet",
    log:
        f"{LOGS}/perception_gaps.log",
    benchmark:
        f"{LOGS}/benchmarks/perception_gaps.tsv"
    priority: 20  # on the critical path to the reports: scheduled first
    script:
        "../scripts/perception_gaps.py"
