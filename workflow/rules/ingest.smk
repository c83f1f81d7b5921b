# Stage 1: raw extracts and microdata -> validated staging tables, and the territories table.


rule territories:
    input:
        geo=GEO_FILES,
        code=code("territories"),
    output:
        f"{BASE}/territories.parquet",
    log:
        f"{LOGS}/territories.log",
    benchmark:
        f"{LOGS}/benchmarks/territories.tsv"
    params:
        geo_dir=lambda w, input: os.path.dirname(input.geo[0]),
    threads: 1
    resources:
        # measured: peak 189 MiB, 3.7 s
        mem_mb=512,
        runtime=5,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/territories.py"


rule indicator_raw:
    input:
        geo=GEO_FILES,
        catalogue=CFG["indicators"],
        sources=INDICATOR_SOURCES,
        quirks=QUIRKS,
        code=code("readers", "reader_spec", "quirks", "indicator_raw"),
    output:
        f"{STAGING}/indicator_raw.parquet",
    log:
        f"{LOGS}/indicator_raw.log",
    benchmark:
        f"{LOGS}/benchmarks/indicator_raw.tsv"
    params:
        geo_dir=lambda w, input: os.path.dirname(input.geo[0]),
        raw_dir=lambda w, input: os.path.dirname(os.path.dirname(input.geo[0])),  # geography: <raw_dir>/geo
        # the files are read by 2 worker processes (largest first), but the job's start, the
        # concatenation and the writing run on one core: declared as 1 thread, Snakemake runs the
        # survey chain beside it (measured: the last base table 2.6 s sooner on 2 cores than with
        # `threads: 2`, whose second core idled a third of the time)
        workers=2,
    priority: 20  # on the critical path to the reports: scheduled first
    threads: 1
    resources:
        # measured: peak 674 MiB + 2 readers of 513 MiB at most, 21.6 s
        mem_mb=2048,
        runtime=10,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/indicator_raw.py"


rule survey_responses:
    input:
        geo=GEO_FILES,
        catalogue=CFG["indicators"],
        codebook=CFG["survey"],
        sources=SURVEY_SOURCES,
        code=code(
            "readers",
            "reader_spec",
            "quirks",
            "population",
            "survey_files",
            "survey_places",
            "survey_answers",
            "survey_responses",
        ),
    output:
        respondents=f"{STAGING}/survey_respondents.parquet",
        responses=f"{STAGING}/survey_responses.parquet",
    log:
        f"{LOGS}/survey_responses.log",
    benchmark:
        f"{LOGS}/benchmarks/survey_responses.tsv"
    params:
        geo_dir=lambda w, input: os.path.dirname(input.geo[0]),
        raw_dir=lambda w, input: os.path.dirname(os.path.dirname(input.geo[0])),  # geography: <raw_dir>/geo
    priority: 20  # on the critical path to the reports: scheduled first
    threads: 1
    resources:
        # measured: peak 299 MiB, 8.8 s; 1 M respondents: 5.5 GB, 71 s
        mem_mb=1024,
        runtime=10,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/survey_responses.py"


rule survey_weights:
    input:
        respondents=rules.survey_responses.output.respondents,
        population=POPULATION,
        territories=rules.territories.output[0],
        code=code("population", "raking", "survey_weights", "readers", "reader_spec", "quirks"),
    output:
        weights=f"{BASE}/survey_weights.parquet",
        margins=f"{BASE}/raking_margins.parquet",
    log:
        f"{LOGS}/survey_weights.log",
    benchmark:
        f"{LOGS}/benchmarks/survey_weights.tsv"
    params:
        weighting=CFG["weighting"],
        raking=CFG["raking"],
    priority: 20  # on the critical path to the reports: scheduled first
    threads: 1
    resources:
        # measured: peak 204 MiB, 3.5 s; 1 M respondents: 1.0 GB, 14 s
        mem_mb=512,
        runtime=10,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/survey_weights.py"
