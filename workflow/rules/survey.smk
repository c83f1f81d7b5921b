# Stage 3: survey estimates by territory, respondent group and measure.


rule survey_estimates:
    input:
        respondents=rules.survey_responses.output.respondents,
        responses=rules.survey_responses.output.responses,
        survey_weights=rules.survey_weights.output.weights,
        territories=rules.territories.output[0],
        catalogue=CFG["indicators"],
        codebook=CFG["survey"],
        code=code(
            "survey_estimates",
            "calibration_variance",
            "raking",
            "population",
            "readers",
            "reader_spec",
            "quirks",
            sql=("survey_estimates",),
        ),
    output:
        f"{BASE}/survey_estimates.parquet",
    log:
        f"{LOGS}/survey_estimates.log",
    benchmark:
        f"{LOGS}/benchmarks/survey_estimates.tsv"
    params:
        weighting=CFG["weighting"],
        raking=CFG["raking"],
        options=CFG["survey_estimation"],
    priority: 20  # on the critical path to the reports: scheduled first
    threads: 1
    resources:
        # measured: peak 695 MiB, 8.3 s; 1 M respondents: 4.9 GB, 130 s
        mem_mb=1536,
        runtime=10,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/survey_estimates.py"
