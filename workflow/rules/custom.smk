# Stage 5: custom territories (any set of départements), one job each, on top of the base tables,
# so that adding or editing one recomputes that territory only.


rule custom_territory:
    input:
        geo=GEO_FILES,
        indicator_raw=rules.indicator_raw.output[0],
        respondents=rules.survey_responses.output.respondents,
        responses=rules.survey_responses.output.responses,
        population=POPULATION,
        base_territories=rules.territories.output[0],
        base_weights=rules.survey_weights.output.weights,
        base_estimates=rules.survey_estimates.output[0],
        catalogue=CFG["indicators"],
        codebook=CFG["survey"],
        code=code(
            "custom_territory",
            "territories",
            "indicator_raw",
            "indices",
            "treatment",
            "index_audit",
            "french",
            "survey_estimates",
            "perception_gaps",
            "population",
            "raking",
            "survey_weights",
            "calibration_variance",
            "uncertainty",
            "uncertainty_tables",
            "sobol",
            "readers",
            "reader_spec",
            "quirks",
            sql=(
                "indicator_values",
                "indicator_scores",
                "fragility_indices",
                "survey_estimates",
                "perception_gaps",
            ),
        ),
    output:
        **{t: f"{CUSTOM}/{{slug}}/{t}.parquet" for t in TABLE_NAMES},
    log:
        f"{LOGS}/custom_territory/{{slug}}.log",
    benchmark:
        f"{LOGS}/benchmarks/custom_territory-{{slug}}.tsv"
    params:
        geo_dir=lambda w, input: os.path.dirname(input.geo[0]),
        # the territory's definition, not its file: editing its intro reruns nothing here
        definition=lambda wildcards: CUSTOM_DEFS[wildcards.slug],
        options={k: CFG[k] for k in ("index", "survey_estimation", "weighting", "raking", "audit", "uncertainty")},
    wildcard_constraints:
        slug=alternatives(CUSTOM_DEFS),
    threads: 1
    resources:
        # measured: peak 926 MiB, 9.1 s
        mem_mb=1536,
        runtime=10,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/custom_territory.py"
