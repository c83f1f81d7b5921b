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
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from datetime import UTC

from . import french as fr
from .report_common import FAMILY_LABELS, GROUP_LABELS, GROUPS

#: survey_estimates.reliability -> words (REPORT_SPEC: « à interpréter avec prudence », report_common.CAUTION)
RELIABILITY = {
    "fiable": "fiable",
    "prudence": "à interpréter avec prudence",
    "non_publie": "non diffusé (moins de {n} répondants)",
}
#: unit of a domain score, by normalisation (config index.normalisation; report_method.method_text)
SCORE_UNITS = {"zscore": "écarts-types (0 = France)", "minmax": "échelle de 1 à 100", "ratio": "indice (France = 100)"}
DIGITS = 6
BLOCKS = {  # block -> its columns (the CSV has them all, in COLUMN order)
    "Indicateurs": [
        "bloc",
        "code",
        "territoire",
        "famille",
        "domaine",
        "identifiant",
        "libelle",
        "valeur",
        "france",
        "unite",
        "sens",
        "annee",
        "source",
        "remarque",
        "remarque_france",
    ],
    "Domaines": [
        "bloc",
        "code",
        "territoire",
        "famille",
        "domaine",
        "identifiant",
        "libelle",
        "valeur",
        "france",
        "unite",
        "rang",
        "rang_p05",
        "rang_p95",
        "n_indicateurs",
        "remarque",
    ],
    "Enquêtes": [
        "bloc",
        "code",
        "territoire",
        "famille",
        "domaine",
        "identifiant",
        "libelle",
        "groupe",
        "valeur",
        "ic_bas",
        "ic_haut",
        "n",
        "france",
        "ecart",
        "unite",
        "significatif",
        "fiabilite",
        "annee",
        "source",
    ],
}


def columns(n_regions: int, level: float) -> dict[str, tuple[str, str, str]]:
    """key -> (French header, kind: text | num | int, meaning for the « Lisez-moi » sheet), in CSV order."""
    ci = f"IC {fr.number(100 * level, 0)} %"
    return {
        "bloc": ("Bloc", "text", "Indicateurs, Domaines ou Enquêtes : la partie de la synthèse d'où vient la ligne."),
        "code": ("Code du territoire", "text", "Code officiel géographique de la région (ou code du territoire)."),
        "territoire": ("Territoire", "text", "Nom du territoire."),
        "famille": ("Famille", "text", "Famille du domaine : économique, social, sociétal, environnemental."),
        "domaine": ("Domaine", "text", "Domaine de fragilité (16 domaines ; « Indice global » pour l'ensemble)."),
        "identifiant": (
            "Identifiant",
            "text",
            "Identifiant stable de l'indicateur, du domaine ou de la mesure "
            "d'enquête (colonnes indicator_id, domain_id, measure_id des tables du projet).",
        ),
        "libelle": ("Libellé", "text", "Intitulé de l'indicateur, du score ou de la question."),
        "groupe": ("Groupe de répondants", "text", "Habitants, associations, entreprises ou maires."),
        "valeur": (
            "Valeur du territoire",
            "num",
            "Valeur, score ou estimation du territoire, dans l'unité de la "
            "colonne Unité (vide : valeur manquante ou non diffusée, voir Remarque ou Fiabilité).",
        ),
        "france": ("Valeur France", "num", "La même grandeur pour la France entière."),
        "ecart": (
            "Écart à la France",
            "num",
            "Estimation du territoire moins celle de la France (points de % pour une part, points pour une note).",
        ),
        "unite": ("Unité", "text", "Unité des colonnes de valeurs de la ligne (%, €, note de 0 à 10...)."),
        "sens": ("Sens de lecture", "text", "Si une valeur plus élevée signale plus ou moins de fragilité."),
        "ic_bas": (
            f"{ci} : borne basse",
            "num",
            f"Borne basse de l'intervalle de confiance à {fr.number(100 * level, 0)} % de l'estimation.",
        ),
        "ic_haut": (f"{ci} : borne haute", "num", "Borne haute du même intervalle."),
        "n": ("Répondants (nombre)", "int", "Nombre de répondants du territoire et du groupe ayant répondu."),
        "significatif": (
            "Écart significatif",
            "text",
            "oui : l'écart à la France est statistiquement significatif "
            "(au seuil de la synthèse, tests corrigés de Holm pour les 16 domaines) ; non sinon.",
        ),
        "fiabilite": (
            "Fiabilité",
            "text",
            "fiable ; à interpréter avec prudence (peu de répondants ou erreur "
            "relative élevée) ; non diffusé (trop peu de répondants).",
        ),
        "rang": (
            f"Rang parmi les {n_regions} régions (1 = la plus fragile)",
            "int",
            "Rang du score parmi les régions, la plus fragile au 1er rang.",
        ),
        "rang_p05": (
            "Rang : borne basse (5 %)",
            "int",
            "Rang le plus favorable de l'intervalle de rang (5e centile "
            "des rangs des simulations de Monte-Carlo sur les choix de méthode).",
        ),
        "rang_p95": ("Rang : borne haute (95 %)", "int", "Rang le moins favorable de l'intervalle (95e centile)."),
        "n_indicateurs": (
            "Nombre d'indicateurs",
            "int",
            "Nombre d'indicateurs renseignés sur lesquels repose le score.",
        ),
        "annee": ("Année", "int", "Année des données (millésime de l'indicateur, année de l'enquête)."),
        "source": ("Source", "text", "Producteur et fichier source, ou enquête."),
        "remarque": ("Remarque", "text", "Valeur approchée, partielle ou manquante (et pourquoi), en clair."),
        "remarque_france": ("Remarque (France)", "text", "La même remarque pour la valeur de la France."),
    }


def _num(x, scale: float = 1) -> float | None:
    """`x` times `scale`, rounded to :data:`DIGITS` decimals; None when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    x = round(float(x) * scale, DIGITS)
    return 0.0 if x == 0 else x


def _int(x) -> int | None:
    return None if _num(x) is None else int(round(float(x)))


def _remark(i: dict, side: str, coverage) -> str | None:
    """In words, for the territory (`side` "") or France ("france_") of an indicator row of the
    report: why the value is missing, or that it is approximate or partial."""
    if i[side + "missing"]:
        return f"valeur manquante : {i[side + 'missing']}"
    words = []
    if i["is_" + side + "approximation"]:
        words.append("valeur approchée (moyenne pondérée des valeurs publiées à un niveau plus fin)")
    if i["is_" + side + "partial"]:
        words.append(
            f"valeur partielle : la source ne renseigne que {fr.percent(coverage)} du territoire "
            "(en population ou selon le dénominateur)"
        )
    return " ; ".join(words) or None


def indicator_rows(ctx: dict, tables: dict) -> list[dict]:
    """Rows of the Indicateurs block, from the report's indicator table (catalogue order)."""
    code, demo_note = ctx["territory"]["code"], " (données de démonstration)"
    coverage = {(r["indicator_id"], r["territory_code"]): r.get("coverage") for r in tables["indicator_values"]}
    rows = []
    for fam in ctx["indicator_table"]:
        for dom in fam["domains"]:
            for i in dom["indicators"]:
                rows.append(
                    {
                        "famille": fam["label"],
                        "domaine": dom["label"],
                        "identifiant": i["id"],
                        "libelle": i["label"],
                        "valeur": _num(i["value"]),
                        "france": _num(i["france"]),
                        "unite": i["unit"],
                        "sens": i["direction_text"],
                        "annee": i["year"],
                        "source": i["source_label"] + (demo_note if i["is_demo"] else ""),
                        "remarque": _remark(i, "", coverage.get((i["id"], code))),
                        "remarque_france": _remark(i, "france_", coverage.get((i["id"], "FR"))),
                        "_format": "#,##0" + ("." + "0" * i["decimals"] if i["decimals"] else ""),
                    }
                )
    return rows


def domain_rows(ctx: dict, tables: dict, catalogue: dict, normalisation: str) -> list[dict]:
    """Rows of the Domaines block: the 16 domains (catalogue order), then the overall index."""
    code = ctx["territory"]["code"]
    fi = {(r["territory_code"], r["domain_id"]): r for r in tables["fragility_indices"]}
    domains = [
        (d["id"], fr.typography(d["label"]), FAMILY_LABELS.get(d["family"], d["family"])) for d in catalogue["domains"]
    ] + [("ensemble", "Indice global", "Ensemble")]
    unit = SCORE_UNITS.get(normalisation, normalisation)
    custom = "rang que le territoire occuperait parmi les régions" if ctx["territory"]["kind"] == "custom" else None
    rows = []
    for did, label, family in domains:
        mine, france = fi.get((code, did)) or {}, fi.get(("FR", did)) or {}
        score = _num(mine.get("score"))
        rows.append(
            {
                "famille": family,
                "domaine": label,
                "identifiant": did,
                "libelle": "Indice global de fragilité (moyenne des domaines)"
                if did == "ensemble"
                else "Score de fragilité du domaine",
                "valeur": score,
                "france": _num(france.get("score")),
                "unite": unit,
                "rang": _int(mine.get("rank_among_regions")),
                "rang_p05": _int(mine.get("rank_p05")),
                "rang_p95": _int(mine.get("rank_p95")),
                "n_indicateurs": _int(mine.get("n_indicators")),
                "remarque": "aucun indicateur renseigné" if score is None else custom,
                "_format": "0.00",
            }
        )
    return rows


def _measure_unit(m: dict) -> str:
    if m["kind"] == "mean":
        return f"note de {m.get('min', 0)} à {m.get('max', 10)}"
    if m["kind"] == "agree":
        return "% de répondants d'accord"
    return "% de répondants citant le domaine" if m.get("domain") else "% de « oui »"


def survey_rows(ctx: dict, tables: dict, catalogue: dict, codebook: dict, min_n_publish: int) -> list[dict]:
    """Rows of the Enquêtes block: groups in report order, measures in codebook order."""
    code = ctx["territory"]["code"]
    est = {(r["territory_code"], r["respondent_group"], r["measure_id"]): r for r in tables["survey_estimates"]}
    domains = {d["id"]: d for d in catalogue["domains"]}
    sources = {}  # (group, measure) -> survey label
    for spec in codebook["files"]:
        groups = {spec["group"]} if spec.get("group") else set((spec.get("group_values") or {}).values())
        for g in groups:
            for mid in spec.get("measure_columns") or {}:
                sources[g, mid] = fr.typography(spec["label"])
    demo = " (données de démonstration)" if ctx["survey_documentation"].get("is_demo") else ""
    groups = GROUPS + sorted({k[1] for k in est} - set(GROUPS))
    rows = []
    for g in groups:
        for m in codebook["measures"]:
            r = est.get((code, g, m["id"]))
            if r is None:
                continue
            scale = 1 if m["kind"] == "mean" else 100  # shares in %, as the report prints them
            f = est.get(("FR", g, m["id"])) or {}
            value, diff = _num(r["estimate"]), _num(r["diff_vs_france"])
            d = domains.get(m.get("domain"))
            rows.append(
                {
                    "famille": FAMILY_LABELS.get(d["family"], d["family"]) if d else None,
                    "domaine": fr.typography(d["label"]) if d else None,
                    "identifiant": m["id"],
                    "libelle": fr.typography(m["label"]),
                    "groupe": GROUP_LABELS.get(g, g.capitalize()),
                    "valeur": _num(r["estimate"], scale),
                    "ic_bas": _num(r["ci_low"], scale),
                    "ic_haut": _num(r["ci_high"], scale),
                    "n": _int(r["n"]),
                    "france": _num(f.get("estimate"), scale),
                    "ecart": _num(r["diff_vs_france"], scale),
                    "unite": _measure_unit(m),
                    "significatif": None
                    if value is None or diff is None
                    else ("oui" if r["is_significant"] else "non"),
                    "fiabilite": RELIABILITY.get(r["reliability"], r["reliability"]).format(n=min_n_publish),
                    "annee": ctx["survey_year"],
                    "source": sources.get((g, m["id"]), "") + demo,
                    "_format": "0.0",
                }
            )
    return rows


def territory_blocks(ctx: dict, tables: dict, catalogue: dict, codebook: dict, config: dict) -> dict[str, list[dict]]:
    """{block: rows} for one territory (see the module docstring); each row also has ``bloc``,
    ``code`` and ``territoire``, and ``_format`` (the XLSX number format of its values)."""
    blocks = {
        "Indicateurs": indicator_rows(ctx, tables),
        "Domaines": domain_rows(ctx, tables, catalogue, config["index"]["normalisation"]),
        "Enquêtes": survey_rows(ctx, tables, catalogue, codebook, int(config["survey_estimation"]["min_n_publish"])),
    }
    t = ctx["territory"]
    for name, rows in blocks.items():
        for r in rows:
            r.update(bloc=name, code=t["code"], territoire=t["name"])
    return blocks


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
