# Stage 7: one PDF synthesis per territory file, and the index page to download them.
# One job per territory (rule report: context, charts, HTML, PDF, downloads), so that editing one
# territory file rebuilds that territory only; its jobs of a local run are forked by a warm worker
# (impact_regions/report_server.py, started below) rather than each importing the libraries.

BUILD = f"{PROCESSED}/report_build"
REPORTS = CFG["reports_dir"]
TEMPLATES = os.path.relpath(Path(workflow.basedir) / "templates")  # relative: see SRC in common.smk
FONTS = sorted(str(p) for p in (Path(TEMPLATES) / "fonts").glob("*.ttf"))
# the templates of a synthesis (the index page's and the annex's have their own rules)
TEMPLATE_FILES = [str(Path(TEMPLATES) / "report.html.j2")] + sorted(
    str(p) for p in (Path(TEMPLATES) / "partials").glob("*.j2")
)
CONFIG_FILES = [str(f) for f in workflow.configfiles]
SOURCES_YAML = [p for p in [f"{RAW}/SOURCES.yaml"] if Path(p).exists()]
# the tables of the methodology annex (one document per run, rule methodology)
ANNEX_TABLES = ["territories", "fragility_indices", "raking_margins", "index_audit", "sensitivity"]
# the modules of the charts package (impact_regions/charts/), for code(...)
CHART_MODULES = [f"charts/{p.stem}" for p in sorted((SRC / "impact_regions" / "charts").glob("*.py"))]


rule provenance:
    input:
        raw=GEO_FILES + INDICATOR_SOURCES + SURVEY_SOURCES + SOURCES_YAML,
        config=CONFIG_FILES + [CFG["indicators"], CFG["survey"]],
        code=code("report_steps", "provenance", "templating", "french"),
    output:
        f"{STAGING}/provenance.json",
    log:
        f"{LOGS}/provenance.log",
    benchmark:
        f"{LOGS}/benchmarks/provenance.tsv"
    params:
        raw_dir=lambda w, input: os.path.dirname(os.path.dirname(input.raw[0])),  # geography first: <raw_dir>/geo/…
        raw_files=GEO_FILES + INDICATOR_SOURCES + SURVEY_SOURCES,
        config_files=CONFIG_FILES + [CFG["indicators"], CFG["survey"]],
        code_root=os.path.relpath(workflow.basedir),
    threads: 1
    resources:
        # measured: peak 189 MiB, 0.8 s
        mem_mb=512,
        runtime=5,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/provenance.py"


rule report_sources:
    input:
        templates=TEMPLATE_FILES,
        css=str(Path(TEMPLATES) / "print.css"),
        fonts=FONTS,
        code=code(
            "report_steps",
            "report_server",
            "report_context",
            "report_common",
            "report_profile",
            "report_perception",
            "report_actors",
            "report_method",
            "report_essentiel",
            "report_indicators",
            "report_surveys",
            "french",
            *CHART_MODULES,
            "svg_tidy",
            "provenance",
            "territory_downloads",
            "download_rows",
            "download_columns",
            "reproducible_zip",
            "templating",
            "render",
            "page_fill",
            "weasyprint_import",
            "pdf_info",
            "svg_text",
            "source_fingerprint",
        ),
    output:
        f"{BUILD}/report-sources.json",
    log:
        f"{LOGS}/report_sources.log",
    benchmark:
        f"{LOGS}/benchmarks/report_sources.tsv"
    threads: 1
    resources:
        # measured: peak 60 MiB, 0.3 s
        mem_mb=256,
        runtime=5,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/report_sources.py"


rule report:
    input:
        tables=lambda w: [p for part in report_parts(w.slug) for p in part.values()],
        provenance=rules.provenance.output[0],
        geo=GEO_FILES + [f"{GEO_DIR}/departements.geojson"],
        catalogue=CFG["indicators"],
        codebook=CFG["survey"],
        region=lambda w: BY_SLUG[w.slug]["path"] or [],  # a département has no file
        sources=rules.report_sources.output[0],  # code, templates and fonts (report_sources)
    output:
        # the territory's build directory: context.json (the report's figures), charts/, report.html
        # and pdf.json (pages and size); the index page reads the first and the last. One output
        # rather than four and nine charts: Snakemake handles fewer files at every start.
        build=directory(f"{BUILD}/{{slug}}"),
        pdf=report(
            f"{REPORTS}/{{slug}}.pdf",
            caption="../report/synthese.rst",
            category="Synthèses",
            subcategory=lambda w: {
                "region": "Régions",
                "custom": "Territoires personnalisés",
                "departement": "Départements",
            }[BY_SLUG[w.slug]["kind"]],
            labels=lambda w: {"Territoire": BY_SLUG[w.slug]["name"], "Fichier": f"{w.slug}.pdf"},
        ),
        csv=f"{REPORTS}/donnees/{{slug}}.csv",  # the report's figures, to take away (index page links)
        xlsx=f"{REPORTS}/donnees/{{slug}}.xlsx",
    log:
        f"{LOGS}/report/{{slug}}.log",
    benchmark:
        f"{LOGS}/benchmarks/report-{{slug}}.tsv"
    params:
        # the arguments of report_steps.report_step, as JSON (paths relative to the working directory)
        call=lambda w, input, output: report_call(w, input, output),
    wildcard_constraints:
        slug=alternatives(SLUGS),
    threads: 1
    resources:
        # measured: peak 193 MiB, 15.2 s (data, HTML and PDF jobs of 2026-12-04 together)
        mem_mb=768,
        runtime=5,  # minutes
    conda:
        CONDA_ENV
    # a shell command, not a script: the job is only a client of the warm worker, and a script's
    # preamble (unpickling Snakemake's objects) cost it about 0.1 s of CPU, measured. Its Python is
    # IMPACT_PYTHON (set by the Snakefile: Snakemake's own) or the job's environment's `python`.
    shell:
        '"${{IMPACT_PYTHON:-python}}" -P -m impact_regions.report_server run "report {wildcards.slug}" {log:q} '
        "impact_regions.report_steps:report_step {params.call:q}"


rule index_map:
    input:
        fragility=f"{BASE}/fragility_indices.parquet",
        geo=[f"{GEO_DIR}/regions.geojson"] + GEO_FILES,
        fonts=FONTS,
        # the charts import report_common (the families' and groups' names)
        code=code("index_steps", *CHART_MODULES, "report_common", "svg_tidy", "french", "templating"),
    output:
        map=report(
            f"{REPORTS}/index-map.svg",
            caption="../report/carte.rst",
            category="Carte",
            labels={"Carte": "Fragilité d'ensemble des 18 régions", "Fichier": "index-map.svg"},
        ),
        meta=f"{BUILD}/index-map.json",
    log:
        f"{LOGS}/index_map.log",
    benchmark:
        f"{LOGS}/benchmarks/index_map.tsv"
    params:
        geo_dir=lambda w, input: os.path.dirname(input.geo[0]),
        fonts_dir=lambda w, input: os.path.dirname(input.fonts[0]),
        links={t["code"]: f"{slug}.pdf" for slug, t in BY_SLUG.items() if t["kind"] == "region"},
    priority: 10  # one job per run: early, so that it does not end the build alone
    threads: 1
    resources:
        # measured: peak 190 MiB, 1.3 s
        mem_mb=512,
        runtime=5,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/index_map.py"


rule index:
    input:
        # each territory's report job writes its build directory (context and PDF facts), PDF and
        # downloads together: the directory stands for the others (one job's outputs all exist
        # after it ran, and a missing one reruns it), which spares Snakemake 480 input files
        builds=[f"{BUILD}/{slug}" for slug in SLUGS],
        tables_zip=f"{REPORTS}/donnees/impact-regions-tables.zip",
        map=rules.index_map.output.map,
        map_meta=rules.index_map.output.meta,
        annex=f"{REPORTS}/methodologie.pdf",
        annex_facts=f"{BUILD}/methodologie-pdf.json",
        provenance=rules.provenance.output[0],
        template=str(Path(TEMPLATES) / "index.html.j2"),
        code=code("index_steps", "index_page", "index_entries", "templating", "french"),
    output:
        f"{REPORTS}/index.html",
    log:
        f"{LOGS}/index.log",
    benchmark:
        f"{LOGS}/benchmarks/index.tsv"
    params:
        # the files each row is made from: the report's figures, its PDF's facts
        reports={
            slug: {
                "context": f"{BUILD}/{slug}/context.json",
                "facts": f"{BUILD}/{slug}/pdf.json",
                "csv": f"{REPORTS}/donnees/{slug}.csv",
                "xlsx": f"{REPORTS}/donnees/{slug}.xlsx",
            }
            for slug in SLUGS
        },
        templates_dir=lambda w, input: os.path.dirname(input.template),
    threads: 1
    resources:
        # measured: peak 193 MiB, 0.3 s
        mem_mb=512,
        runtime=5,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/index.py"


rule methodology:
    input:
        tables=[base_tables()[t] for t in ANNEX_TABLES],
        provenance=rules.provenance.output[0],
        catalogue=CFG["indicators"],
        templates=[str(Path(TEMPLATES) / "methodology.html.j2"), str(Path(TEMPLATES) / "print.css")],
        fonts=FONTS,
        code=code(
            "report_steps",
            "methodology_annex",
            "index_audit",
            "index_page",
            "french",
            "render",
            "page_fill",
            "weasyprint_import",
            "pdf_info",
            "svg_text",
            "templating",
            # index_audit imports indices and treatment
            "indices",
            "treatment",
            sql=("indicator_values", "indicator_scores", "fragility_indices"),
        ),
    output:
        html=f"{BUILD}/methodologie.html",
        pdf=report(
            f"{REPORTS}/methodologie.pdf",
            caption="../report/methodologie.rst",
            category="Synthèses",
            subcategory="Annexe méthodologique",
            labels={
                "Document": "Annexe méthodologique de l'exécution",
                "Fichier": "methodologie.pdf",
            },
        ),
        facts=f"{BUILD}/methodologie-pdf.json",  # pages and size, for the index page
    log:
        f"{LOGS}/methodology.log",
    benchmark:
        f"{LOGS}/benchmarks/methodology.tsv"
    params:
        tables={t: base_tables()[t] for t in ANNEX_TABLES},
        config={
            k: CFG[k]
            for k in (
                "vintage",
                "index",
                "survey_estimation",
                "weighting",
                "raking",
                "audit",
                "uncertainty",
            )
        },
        templates_dir=lambda w, input: os.path.dirname(input.templates[0]),
    priority: 10  # one job per run: early, so that it does not end the build alone
    threads: 1
    resources:
        # measured: peak 209 MiB, 4.5 s
        mem_mb=512,
        runtime=5,  # minutes
    conda:
        CONDA_ENV
    script:
        "../scripts/methodology.py"
