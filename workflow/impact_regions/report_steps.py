"""The report stage, one function per Snakemake rule (see `workflow/rules/report.smk`).

provenance  -> staging/provenance.json (input hashes, config hash, code version, demo flag)
report      -> one job per territory (report_step), the three steps below in one process:
  data      -> report_build/<slug>/context.json + charts/*.svg (figures, sentences, charts)
               + reports/donnees/<slug>.csv and .xlsx (the report's figures, to take away)
  html      -> report_build/<slug>/report.html (Jinja2 template, autoescaped)
  pdf       -> reports/<slug>.pdf (WeasyPrint, tagged PDF/UA-1, deterministic) + pdf.json
index       -> reports/index.html + reports/index-map.svg
tables_archive -> reports/donnees/impact-regions-tables.zip (every table, Parquet + CSV, dictionary;
                  rule in downloads.smk)
Each output is written atomically: a failed job leaves nothing behind.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

# The heavy imports (pandas, matplotlib, WeasyPrint) are made inside the steps that need them, so
# that each job only pays for its own (the HTML job starts in a fraction of a second).

CHART_NAMES = ["profile", "map", "perceived", "quadrant", "groups", "innovation", "cooperation", "partnership", "modes"]


def write_json(data: dict, path: str | Path) -> None:
    """Write `data` as sorted, indented UTF-8 JSON, atomically (see templating.write_text_atomic)."""
    from .templating import write_text_atomic

    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def provenance_step(raw_dir: str, raw_files: list[str], config_files: list[str], code_root: str, out: str) -> None:
    from .provenance import build_provenance

    write_json(build_provenance(raw_dir, raw_files, config_files, code_root), out)


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
    garbage collector is kept out of the way: off while the step runs, since almost everything it
    allocates (modules, tables, figures until they are saved) lives until the end and the
    collector only scanned it again and again (about 0.1 s; the uncollected cycles of the figures
    add about 2 MB); frozen at the end, since the job's process then exits and Python's collections
    at shutdown would traverse it all once more (about 0.25 s). Every output is closed by then;
    in a process that goes on (a test), those objects merely stay allocated.
    """
    import gc

    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        from .charts import make_all_charts
        from .config import load_indicators, load_survey
        from .geo import read_departements
        from .report_context import build_context, read_tables, report_territory_codes

        departements = read_departements(geo_dir)
        catalogue = load_indicators(indicators_yaml, check=False)  # validated when the workflow was parsed
        codebook = load_survey(survey_yaml, catalogue["domains"], check=False)
        provenance = json.loads(Path(provenance_json).read_text(encoding="utf-8"))
        # ranked among its peers: a département among the départements, any other among the regions
        tables = read_tables(
            parts,
            report_territory_codes(territory),
            peer_kind="departement" if territory["kind"] == "departement" else "region",
        )
        ctx = build_context(
            territory, tables, departements, catalogue, codebook, config, provenance, bool(provenance.get("is_demo"))
        )
        charts = make_all_charts(ctx, charts_dir, fonts_dir, geo_dir)
        ctx["charts"] = {c["key"]: c for c in charts}
        missing = set(CHART_NAMES) - set(ctx["charts"])
        assert not missing, f"charts not drawn: {missing}"
        if out_csv or out_xlsx:
            from .territory_downloads import write_territory_downloads

            write_territory_downloads(ctx, tables, catalogue, codebook, config, out_csv, out_xlsx)
        write_json(ctx, out_context)
    finally:
        gc.freeze()
        if gc_enabled:
            gc.enable()


def report_html_step(context_json: str, region_file: str, templates_dir: str, charts_dir: str, out_html: str) -> None:
    from .config import load_yaml, validate
    from .templating import render_html

    ctx = json.loads(Path(context_json).read_text(encoding="utf-8"))
    # a département of `territories: {departements: true}` has no file (Snakemake passes an empty list)
    region = validate(load_yaml(region_file) or {}, "region", region_file, check=False) if region_file else {}
    ctx["territory"]["intro"] = region.get("intro", "")  # the file was checked at parse time
    templates = Path(templates_dir).resolve()
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
    :func:`write_pdf_facts`). As in report_data_step, the cyclic garbage collector is kept out of
    the way of this short-lived job (off while WeasyPrint imports and renders, frozen before the
    process exits): about 0.15 s less CPU per report, measured."""
    import gc

    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        from .geo import COG_DATE
        from .render import render_pdf, vintage_date

        ctx = json.loads(Path(context_json).read_text(encoding="utf-8"))
        # dated after the newest data it cites: the surveys' year and the COG edition
        newest = max(vintage_date(int(ctx["survey_year"])), COG_DATE)
        facts = render_pdf(
            html,
            out_pdf,
            [Path(templates_dir).resolve(), Path(charts_dir).resolve()],
            title=f"IMPACT-{ctx['territory']['short_name']} — Synthèse {ctx['vintage']}",
            lang="fr",
            vintage_year=int(ctx["vintage"]),
            newest_data=newest,
        )
        write_pdf_facts(facts, out_facts)
    finally:
        gc.freeze()
        if gc_enabled:
            gc.enable()


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


def index_map_step(
    fragility_indices: str,
    geo_dir: str,
    fonts_dir: str,
    out_map: str,
    out_meta: str,
    links: dict[str, str] | None = None,
) -> None:
    """The France map of the regions shaded by overall fragility, for the index page; `links`
    maps a region code to its synthesis (`"paca.pdf"`), drawn as SVG links."""
    import pandas as pd

    from .charts import chart_regions_map, setup_matplotlib
    from .geo import load_geo

    setup_matplotlib(fonts_dir)
    fi = pd.read_parquet(fragility_indices)
    regions = set(load_geo(geo_dir, communes=False).regions["code_region"])
    overall = fi[(fi["domain_id"] == "ensemble") & fi["territory_code"].isin(regions)]
    meta = chart_regions_map(
        dict(zip(overall["territory_code"], overall["score"], strict=True)), out_map, geo_dir, links=links
    )
    write_json(meta, out_meta)  # title and alt text, for the index page


def write_pdf_facts(render_result: dict, out_json: str) -> None:
    """`{"pages": ..., "size_bytes": ...}` of a PDF just rendered (the result of render_pdf), for
    the index page: reading the 20 PDFs back with pypdf cost the index job, the last of the build,
    about 0.9 s (measured); the tests check that these facts match the PDFs."""
    write_json({"pages": render_result["pages"], "size_bytes": render_result["size_bytes"]}, out_json)


def index_step(
    reports: dict[str, dict],
    map_svg: str,
    map_meta: str,
    provenance_json: str,
    out_html: str,
    templates_dir: str,
    annex_pdf: str | None = None,
    annex_facts: str | None = None,
    tables_zip: str | None = None,
) -> None:
    """reports/index.html (see impact_regions.index_page): every report's row with its key figures
    and files, the map, the vintages and edition date, the annex and the tables' archive.

    `reports` maps each slug to `{"context": context.json, "facts": pdf.json, "csv": …, "xlsx": …}`
    (the data files optional): files the report's jobs wrote, so that the page and the PDFs come
    from the same figures; `annex_facts` holds the annex's page count and size."""
    from .geo import COG_DATE
    from .index_entries import edition_date, french_date, index_entry, vintage_texts
    from .index_page import build_index

    def read(path: str) -> dict:
        return json.loads(Path(path).read_text(encoding="utf-8"))

    def download(path: str | None) -> dict | None:
        # the link, relative to the page: donnees/paca.csv, donnees/departements/13-….csv
        return (
            None
            if not path
            else {
                "href": Path(os.path.relpath(path, Path(out_html).parent)).as_posix(),
                "size_bytes": Path(path).stat().st_size,
            }
        )

    entries, contexts = [], []
    for slug, files in sorted(reports.items()):
        ctx = read(files["context"])
        contexts.append(ctx)
        downloads = {k: d for k in ("csv", "xlsx") if (d := download(files.get(k)))}
        entries.append(index_entry(slug, ctx, read(files["facts"]), downloads))
    provenance = read(provenance_json)
    vintages = vintage_texts(contexts)
    # the data's dates: 31 December of each vintage (as the PDFs' dates) and the COG edition
    data_dates = [date(y, 12, 31) for y in vintages["indicator_years"] | vintages["survey_years"]]
    header = {
        "indicators": vintages["indicators"],
        "surveys": vintages["surveys"],
        "edition": french_date(edition_date(data_dates + [COG_DATE.date()], provenance.get("code_date"))),
        "code_version": provenance["code_version"],
    }
    annex = None
    if annex_pdf:
        info = read(annex_facts)
        annex = {"href": Path(annex_pdf).name, "pages": info["pages"], "size_bytes": info["size_bytes"]}
    build_index(
        entries,
        out_html,
        templates_dir=templates_dir,
        header=header,
        demo=bool(provenance.get("is_demo")),
        map_svg=Path(map_svg).read_text(encoding="utf-8"),
        map_meta=read(map_meta),
        annex=annex,
        tables_zip=download(tables_zip),
    )


def tables_archive_step(
    tables: dict[str, str], indicators_yaml: str, survey_yaml: str, config: dict, provenance_json: str, out_zip: str
) -> None:
    """reports/donnees/impact-regions-tables.zip: every published table as Parquet and CSV, with
    its data dictionary in French (see :mod:`impact_regions.tables_archive`)."""
    from .config import load_indicators, load_survey
    from .tables_archive import write_tables_archive

    catalogue = load_indicators(indicators_yaml, check=False)  # validated when the workflow was parsed
    codebook = load_survey(survey_yaml, catalogue["domains"], check=False)
    provenance = json.loads(Path(provenance_json).read_text(encoding="utf-8"))
    write_tables_archive(tables, catalogue, codebook, config, provenance, out_zip)
