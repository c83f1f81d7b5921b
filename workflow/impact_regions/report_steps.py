"""The report stage, one function per Snakemake rule (see `workflow/rules/report.smk`).

provenance  -> staging/provenance.json (input hashes, config hash, code version, demo flag)
report      -> one job per territory (report_step), the three steps below in one process:
  data      -> report_build/<slug>/context.json + charts/*.svg (figures, sentences, charts)
               + reports/donnees/<slug>.csv and .xlsx (the report's figures, to take away)
  html      -> report_build/<slug>/report.html (Jinja2 template, autoescaped)
  pdf       -> reports/<slug>.pdf (WeasyPrint, tagged PDF/UA-1, deterministic) + pdf.json
index_map, index -> reports/index-map.svg, reports/index.html: see impact_regions.index_steps
methodology -> reports/methodologie.pdf (the methodology annex) + its HTML and pdf.json
tables_archive -> reports/donnees/impact-regions-tables.zip (every table, Parquet + CSV, dictionary;
                  rule in downloads.smk)

Each step reads its inputs (Load), makes its output with the builder of the module named after
it (Process: report_context, charts, methodology_annex...), and writes it (Save).
Each output is written atomically: a failed job leaves nothing behind.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path

# The heavy imports (pandas, matplotlib, WeasyPrint) are made inside the steps that need them, so
# that each job only pays for its own (the HTML job starts in a fraction of a second).


@contextmanager
def short_lived_job():
    """The cyclic garbage collector kept out of the way of a job whose process exits when it ends
    (report_data_step, report_pdf_step): off while the step runs, since almost everything it
    allocates (modules, tables, figures until they are saved) lives until the end and the
    collector only scanned it again and again; frozen at the end, since Python's collections at
    shutdown would traverse it all once more. Every output is closed by then; in a process that
    goes on (a test), those objects merely stay allocated."""
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if gc_enabled:
            gc.enable()


def provenance_step(raw_dir: str, raw_files: list[str], config_files: list[str], code_root: str, out: str) -> None:
    """staging/provenance.json (see :mod:`impact_regions.provenance`: reading the inputs is hashing them)."""
    from .provenance import build_provenance
    from .templating import write_json_atomic

    write_json_atomic(out, build_provenance(raw_dir, raw_files, config_files, code_root))


def report_data_step(
    territory: dict,
    parts: list[dict[str, str]],
    geo_dir: str,
    indicators_yaml: str,
    survey_yaml: str,
    config: dict,
    provenance_json: str,
    fonts_dir: str,
    out_context: str,
    charts_dir: str,
    out_csv: str | None = None,
    out_xlsx: str | None = None,
) -> None:
    """context.json and the charts of one territory, and the figures of its report as CSV and XLSX
    (`out_csv`, `out_xlsx`: see :mod:`impact_regions.territory_downloads`; both or neither).

    The job runs once per territory, so its start-up counts: neither pandas nor the communes are
    loaded (the tables are read with pyarrow, only the rows of the territory, France and its
    départements; the geography is `departements.csv` read with the csv module), and the cyclic
    garbage collector is kept out of the way (:func:`short_lived_job`): off while the step runs
    saves about 0.1 s (the uncollected cycles of the figures add about 2 MB), frozen at the end
    about 0.25 s of collections at the process's shutdown.
    """
    with short_lived_job():
        from .charts import draw_charts
        from .config import load_indicators, load_survey
        from .geo import read_departements
        from .report_context import build_context, read_tables, report_territory_codes
        from .templating import read_json, write_json_atomic

        # Load
        departements = read_departements(geo_dir)
        catalogue = load_indicators(indicators_yaml, check=False)  # validated when the workflow was parsed
        codebook = load_survey(survey_yaml, catalogue["domains"], check=False)
        provenance = read_json(provenance_json)
        # ranked among its peers: a département among the départements, any other among the regions
        tables = read_tables(
            parts,
            report_territory_codes(territory),
            peer_kind="departement" if territory["kind"] == "departement" else "region",
        )
        # Process (the charts are drawn into charts_dir)
        ctx = build_context(
            territory, tables, departements, catalogue, codebook, config, provenance, bool(provenance.get("is_demo"))
        )
        ctx["charts"] = draw_charts(ctx, charts_dir, fonts_dir, geo_dir)
        # Save
        if out_csv or out_xlsx:
            from .territory_downloads import write_territory_downloads

            write_territory_downloads(ctx, tables, catalogue, codebook, config, out_csv, out_xlsx)
        write_json_atomic(out_context, ctx)


def report_html_step(context_json: str, region_file: str, templates_dir: str, charts_dir: str, out_html: str) -> None:
    """report_build/<slug>/report.html: the report's template filled with its context.json and
    the territory's introduction (its region file), written atomically."""
    from .config import load_yaml, validate
    from .templating import read_json, render_html

    # Load
    ctx = read_json(context_json)
    # a département of `territories: {departements: true}` has no file (Snakemake passes an empty list)
    region = validate(load_yaml(region_file) or {}, "region", region_file, check=False) if region_file else {}
    ctx["territory"]["intro"] = region.get("intro", "")  # the file was checked at parse time
    templates = Path(templates_dir).resolve()
    # Process and Save
    render_html(
        templates,
        "report.html.j2",
        {
            "ctx": ctx,
            "t": ctx["territory"],
            "charts": ctx["charts"],
            "charts_url": Path(charts_dir).resolve().as_uri(),
            "css_url": (templates / "print.css").as_uri(),
        },
        out_html,
    )


def report_pdf_step(
    html: str, templates_dir: str, charts_dir: str, context_json: str, out_pdf: str, out_facts: str
) -> None:
    """reports/<slug>.pdf, and `out_facts`: its page count and size for the index page (see
    :func:`impact_regions.pdf_info.write_pdf_facts`). As in report_data_step, the cyclic garbage
    collector is kept out of the way of this short-lived job (:func:`short_lived_job`, while
    WeasyPrint imports and renders): about 0.15 s less CPU per report, measured."""
    with short_lived_job():
        from .geo import COG_DATE
        from .pdf_info import write_pdf_facts
        from .render import render_pdf, vintage_date
        from .templating import read_json

        # Load
        ctx = read_json(context_json)
        # Process and Save: WeasyPrint writes the PDF, dated after the newest data it cites (the
        # surveys' year and the COG edition)
        facts = render_pdf(
            html,
            out_pdf,
            [Path(templates_dir).resolve(), Path(charts_dir).resolve()],
            title=f"IMPACT-{ctx['territory']['short_name']} — Synthèse {ctx['vintage']}",
            lang="fr",
            vintage_year=int(ctx["vintage"]),
            newest_data=max(vintage_date(int(ctx["survey_year"])), COG_DATE),
        )
        write_pdf_facts(facts, out_facts)


def report_step(
    territory: dict,
    parts: list[dict[str, str]],
    geo_dir: str,
    indicators_yaml: str,
    survey_yaml: str,
    config: dict,
    provenance_json: str,
    fonts_dir: str,
    region_file: str,
    templates_dir: str,
    out_context: str,
    charts_dir: str,
    out_html: str,
    out_pdf: str,
    out_facts: str,
    out_csv: str | None = None,
    out_xlsx: str | None = None,
) -> None:
    """A territory's whole report, one job (rule `report`): :func:`report_data_step`, then
    :func:`report_html_step` from the context.json just written, then :func:`report_pdf_step`.

    One job rather than three (data, HTML, PDF): each job is a process that starts Python, imports
    its libraries, and costs Snakemake its own bookkeeping; with three jobs per territory a report
    cost 5.5 s of CPU in a cold build against 3.0 s for the same calls in one warm process
    (benchmarks/benchmark.py, issue 13). Each step reads what the one before wrote, exactly as
    the separate jobs did, so the files are the same."""
    report_data_step(
        territory=territory,
        parts=parts,
        geo_dir=geo_dir,
        indicators_yaml=indicators_yaml,
        survey_yaml=survey_yaml,
        config=config,
        provenance_json=provenance_json,
        fonts_dir=fonts_dir,
        out_context=out_context,
        charts_dir=charts_dir,
        out_csv=out_csv,
        out_xlsx=out_xlsx,
    )
    report_html_step(
        context_json=out_context,
        region_file=region_file,
        templates_dir=templates_dir,
        charts_dir=charts_dir,
        out_html=out_html,
    )
    report_pdf_step(
        html=out_html,
        templates_dir=templates_dir,
        charts_dir=charts_dir,
        context_json=out_context,
        out_pdf=out_pdf,
        out_facts=out_facts,
    )


def methodology_step(
    tables: dict[str, str],
    indicators_yaml: str,
    config: dict,
    provenance_json: str,
    templates_dir: str,
    out_html: str,
    out_pdf: str,
    out_facts: str,
) -> None:
    """reports/methodologie.pdf, the methodology annex (see impact_regions.methodology_annex):
    its context built from the processed tables, its HTML, the PDF, and the PDF's page count and
    size for the index page (`out_facts`)."""
    import pandas as pd

    from .config import load_indicators
    from .geo import COG_DATE
    from .methodology_annex import build_annex_context
    from .pdf_info import write_pdf_facts
    from .render import render_pdf
    from .templating import read_json, render_html

    # Load
    frames = {name: pd.read_parquet(path) for name, path in tables.items()}
    catalogue = load_indicators(indicators_yaml)
    provenance = read_json(provenance_json)
    # Process
    ctx = build_annex_context(frames, catalogue, config, provenance, bool(provenance.get("is_demo")))
    # Save: the HTML, then the PDF WeasyPrint makes of it, and its facts
    templates = Path(templates_dir).resolve()
    render_html(templates, "methodology.html.j2", {"ctx": ctx, "css_url": (templates / "print.css").as_uri()}, out_html)
    facts = render_pdf(
        out_html,
        out_pdf,
        [templates],
        title=f"IMPACT-Régions — Annexe méthodologique {config['vintage']}",
        lang="fr",
        vintage_year=int(config["vintage"]),
        newest_data=COG_DATE,
    )
    write_pdf_facts(facts, out_facts)


def tables_archive_step(
    tables: dict[str, str], indicators_yaml: str, survey_yaml: str, config: dict, provenance_json: str, out_zip: str
) -> None:
    """reports/donnees/impact-regions-tables.zip: every published table as Parquet and CSV, with
    its data dictionary in French (see :mod:`impact_regions.tables_archive`). The tables
    themselves are read while the archive is written, one at a time (a run's tables together
    would not need to fit in memory): making and writing the archive is one call."""
    from .config import load_indicators, load_survey
    from .tables_archive import write_tables_archive
    from .templating import read_json

    # Load
    catalogue = load_indicators(indicators_yaml, check=False)  # validated when the workflow was parsed
    codebook = load_survey(survey_yaml, catalogue["domains"], check=False)
    provenance = read_json(provenance_json)
    # Process and Save
    write_tables_archive(tables, catalogue, codebook, config, provenance, out_zip)
