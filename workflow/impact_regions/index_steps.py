"""The rules of the index page (see `workflow/rules/report.smk`), one function per rule, each
reading its inputs (Load), calling the builder of the module named after what it makes
(Process), and writing (Save), as in :mod:`impact_regions.report_steps`:

index_map -> reports/index-map.svg (the regions map of the index page) + its title and alt text
index     -> reports/index.html (:mod:`impact_regions.index_page`, rows from
             :mod:`impact_regions.index_entries`), from the files the report jobs wrote
"""

from __future__ import annotations

import os
from pathlib import Path

# The heavy imports (pandas, matplotlib) are made inside the steps that need them.


def index_map_step(
    fragility_indices: str,
    geo_dir: str,
    fonts_dir: str,
    out_map: str,
    out_meta: str,
    links: dict[str, str] | None = None,
) -> None:
    """The France map of the regions shaded by overall fragility, for the index page; `links`
    maps a region code to its synthesis (`"paca.pdf"`), drawn as SVG links. `out_meta`: the map's
    title and alt text, which the index page prints."""
    import pandas as pd

    from .charts import chart_regions_map, domains_by_region, overall_by_region, setup_matplotlib
    from .geo import load_geo
    from .templating import write_json_atomic

    # Load
    setup_matplotlib(fonts_dir)
    fi = pd.read_parquet(fragility_indices)
    regions = set(load_geo(geo_dir, communes=False).regions["code_region"])
    # Process and Save (the map is drawn into out_map)
    meta = chart_regions_map(
        overall_by_region(fi, regions), out_map, geo_dir, links=links, n_domains=domains_by_region(fi, regions)
    )
    write_json_atomic(out_meta, meta)


def _link(path: str | None, page: str) -> dict | None:
    """`{"href", "size_bytes"}` of a file of reports/ as the page at `page` links it (relative:
    donnees/paca.csv, donnees/departements/13-….csv); None without a file."""
    if not path:
        return None
    return {"href": Path(os.path.relpath(path, Path(page).parent)).as_posix(), "size_bytes": Path(path).stat().st_size}


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
    from .index_entries import index_entry, index_header
    from .index_page import index_html
    from .templating import read_json, write_text_atomic

    # Load
    slugs = sorted(reports)
    contexts = {slug: read_json(reports[slug]["context"]) for slug in slugs}
    facts = {slug: read_json(reports[slug]["facts"]) for slug in slugs}
    downloads = {
        slug: {k: d for k in ("csv", "xlsx") if (d := _link(reports[slug].get(k), out_html))} for slug in slugs
    }
    provenance = read_json(provenance_json)
    annex = {"href": Path(annex_pdf).name, **read_json(annex_facts)} if annex_pdf else None
    # Process
    html = index_html(
        [index_entry(slug, contexts[slug], facts[slug], downloads[slug]) for slug in slugs],
        templates_dir=templates_dir,
        header=index_header(list(contexts.values()), provenance, COG_DATE.date()),
        demo=bool(provenance.get("is_demo")),
        map_svg=Path(map_svg).read_text(encoding="utf-8"),
        map_meta=read_json(map_meta),
        annex=annex,
        tables_zip=_link(tables_zip, out_html),
    )
    # Save
    write_text_atomic(out_html, html)
