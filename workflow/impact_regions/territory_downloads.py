"""The figures of one territory's synthesis, to take away: ``reports/donnees/<slug>.csv`` and
``reports/donnees/<slug>.xlsx`` (written by the report job, beside context.json).

Three blocks, from the rows the report itself was built from (no formatted text is parsed back):

* **Indicateurs**: every indicator of the catalogue, the territory's raw value beside France's,
  unit, year, source, and a remark in words (approximation, partial coverage, why a value is
  missing) — the table of the report's section 7 (``context["indicator_table"]``);
* **Domaines**: the 16 domain scores and the overall index, France's score, the rank among the
  regions (1 = most fragile) with its Monte Carlo interval (5 % and 95 % quantiles) and the
  number of indicators (table ``fragility_indices``);
* **Enquêtes**: every survey estimate of the territory by respondent group, with its confidence
  interval, n, France's estimate, the difference, its significance and its reliability in the
  report's words (table ``survey_estimates``). Shares are given in % (0.84 -> 84), so that the
  two files read like the report; means keep their scale (0 to 10).

The CSV is one rectangular table for French spreadsheets (UTF-8 with BOM, ``;``, decimal comma,
CRLF line ends): a ``Bloc`` column tells the three blocks apart, each row fills the columns that
apply to it and leaves the others empty, so that it opens, filters and sorts cleanly in Excel or
LibreOffice. The XLSX has one sheet per block (the columns that apply) plus « Lisez-moi »
(territory, vintages, sources, code version, the meaning of every column), frozen header row,
filters, numbers stored as numbers with a number format. Numbers are rounded to 6 decimals in both.
Both files are byte-reproducible (no clock: see :mod:`impact_regions.reproducible_zip`).

The rows are made by :mod:`impact_regions.download_rows`, the columns named and explained by
:mod:`impact_regions.download_columns`; this module writes them as the two files.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC

from .download_columns import BLOCKS, columns
from .download_rows import DIGITS, territory_blocks


def _csv_cell(x, kind: str) -> str:
    if x is None:
        return ""
    if kind == "int":
        return str(int(x))
    if kind == "num":
        return f"{x:.{DIGITS}f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(x)


def csv_bytes(blocks: dict[str, list[dict]], cols: dict[str, tuple[str, str, str]]) -> bytes:
    """One table: every column of :func:`columns`, the blocks one after the other (see the module
    docstring for the convention)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow([c[0] for c in cols.values()])
    for rows in blocks.values():
        for r in rows:
            w.writerow([_csv_cell(r.get(k), kind) for k, (_, kind, _) in cols.items()])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def readme_rows(ctx: dict, cols: dict, date) -> list[tuple[str, str]]:
    """The « Lisez-moi » sheet: (heading, text) pairs."""
    t, prov = ctx["territory"], ctx.get("provenance") or {}
    rows = [
        ("Territoire", f"{t['name']} (code {t['code']})"),
        (
            "Contenu",
            f"Les chiffres de la synthèse IMPACT-{t['short_name']} {ctx['vintage']} : indicateurs, "
            "scores de fragilité par domaine et rangs, estimations des enquêtes par groupe de répondants.",
        ),
        ("Millésime des indicateurs", str(ctx["vintage"])),
        ("Année des enquêtes", str(ctx["survey_year"])),
        ("Date des données", date.strftime("%d/%m/%Y")),
        ("Sources des indicateurs", " ; ".join(ctx.get("sources", []))),
        ("Enquêtes", " ; ".join(ctx.get("surveys", []))),
        ("Méthode des scores", ctx.get("method_text", "")),
        ("Version du code", prov.get("code_version", "")),
        ("Empreinte des données", f"{ctx.get('fingerprint', '')} (voir l'annexe méthodologique, methodologie.pdf)"),
    ]
    if ctx.get("is_demo"):
        rows.append(
            (
                "Avertissement",
                "Données de démonstration : une partie des fichiers sources est synthétique "
                "(voir la colonne Source) ; ces chiffres ne décrivent pas le territoire réel.",
            )
        )
    rows += [
        (
            "Conventions",
            "Les parts sont en % (84 = 84 %), les notes sur leur échelle ; une cellule vide est une "
            "valeur manquante ou non diffusée (voir Remarque ou Fiabilité). Nombres arrondis à 6 "
            "décimales. Le fichier CSV contient les trois feuilles en un seul tableau (colonne Bloc) : "
            "UTF-8 avec BOM, séparateur point-virgule, virgule décimale.",
        ),
        ("Feuilles", "Indicateurs : valeurs brutes ; Domaines : scores et rangs ; Enquêtes : estimations."),
    ]
    rows += [(f"Colonne « {h} »", meaning) for h, _, meaning in cols.values()]
    return rows


def xlsx_bytes(blocks: dict[str, list[dict]], cols: dict, readme: list[tuple[str, str]], date, title: str) -> bytes:
    """The workbook: « Lisez-moi », then one sheet per block, byte-reproducible."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    from .reproducible_zip import restamp

    wb = Workbook()
    ws = wb.active
    ws.title = "Lisez-moi"
    for heading, text in readme:
        ws.append([heading, text])
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 34, 110
    for a, b in ws.iter_rows():
        a.font, a.alignment = Font(bold=True), Alignment(vertical="top")
        b.alignment = Alignment(wrap_text=True, vertical="top")
    for name, rows in blocks.items():
        ws = wb.create_sheet(name)
        keys = BLOCKS[name]
        ws.append([cols[k][0] for k in keys])
        for i, r in enumerate(rows, start=2):
            ws.append([r.get(k) for k in keys])
            for j, k in enumerate(keys, start=1):
                kind = cols[k][1]
                if kind != "text" and r.get(k) is not None:
                    ws.cell(i, j).number_format = r["_format"] if kind == "num" else "#,##0" if k == "n" else "0"
                elif kind == "text" and str(r.get(k) or "").startswith("="):
                    ws.cell(i, j).data_type = "s"  # a text, never a formula
        for j, k in enumerate(keys, start=1):
            cell = ws.cell(1, j)
            cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
            longest = max([len(str(r.get(k) or "")) for r in rows] + [min(len(cols[k][0]), 24)])
            ws.column_dimensions[get_column_letter(j)].width = max(8, min(50, longest + 2))
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{len(rows) + 1}"
    naive = date.astimezone(UTC).replace(tzinfo=None)  # openpyxl writes naive datetimes as UTC
    wb.properties.created = wb.properties.modified = naive
    wb.properties.creator, wb.properties.title, wb.properties.language = "IMPACT-Régions", title, "fr-FR"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # not wb.save(): it stamps `modified` with the clock
    return restamp(buf.getvalue(), date, first=("[Content_Types].xml",))


def write_territory_downloads(
    ctx: dict, tables: dict, catalogue: dict, codebook: dict, config: dict, out_csv: str, out_xlsx: str
) -> None:
    """reports/donnees/<slug>.csv and .xlsx of one territory, each written atomically."""
    import logging
    import time

    from .reproducible_zip import data_date
    from .templating import write_bytes_atomic

    start = time.perf_counter()
    blocks = territory_blocks(ctx, tables, catalogue, codebook, config)
    cols = columns(int(ctx.get("n_regions") or 18), float(config["survey_estimation"]["confidence_level"]))
    date = data_date(ctx["survey_year"])
    title = f"IMPACT-{ctx['territory']['short_name']} — chiffres de la synthèse {ctx['vintage']}"
    xlsx = xlsx_bytes(blocks, cols, readme_rows(ctx, cols, date), date, title)
    text = csv_bytes(blocks, cols)
    write_bytes_atomic(out_xlsx, xlsx)  # both built first: a failure leaves neither file
    write_bytes_atomic(out_csv, text)
    logging.getLogger(__name__).info(
        "downloads %s, %s written in %.2f s", out_csv, out_xlsx, time.perf_counter() - start
    )
