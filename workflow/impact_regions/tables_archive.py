"""``reports/donnees/impact-regions-tables.zip``: every published table of the run (DESIGN §6,
``data/processed/<table>.parquet``) as Parquet and as CSV, with its data dictionary in French.

Entries, sorted by name:

* ``LISEZMOI.txt``: what the archive holds, the conventions, every table's grain and key, the
  vintages, the date and the code version;
* ``csv/<table>.csv``: the table for French spreadsheets, like the per-territory downloads:
  UTF-8 with BOM, ``;`` separator, decimal comma, CRLF line ends, a missing value as an empty
  cell, booleans ``True`` / ``False``, numbers in full precision (``pandas.read_csv(path,
  sep=";", decimal=",")`` reads it back);
* ``dictionnaire.csv``: one row per column of every table: key or not, type (read from the
  Parquet schema), unit, meaning (the contract ``workflow/schemas/tables.yaml``, through
  :mod:`impact_regions.data_dictionary`);
* ``libelles.csv``: the French label of every id and coded value the tables store: territory
  codes, domains, indicators (unit, source, year), survey measures (question, scale), survey
  files, and the codes of the contract's code lists (families, respondent groups, reliability...);
* ``parquet/<table>.parquet``: the file of ``data/processed`` byte for byte (types kept).

The archive is byte-reproducible (:mod:`impact_regions.reproducible_zip`) and written
atomically; it is built one table at a time.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from . import data_dictionary as dd
from . import table_contract

#: Parquet type (pyarrow, as str) -> French type name of the dictionary
TYPE_NAMES = {
    "string": "texte",
    "large_string": "texte",
    "bool": "booléen",
    "double": "décimal",
    "float": "décimal",
    "int64": "entier",
    "int32": "entier",
    "int16": "entier",
    "int8": "entier",
}


def _csv_text(rows: list[list], header: list[str]) -> bytes:
    """Rows as a French spreadsheet CSV (UTF-8 with BOM, `;`, CRLF); cells are already text."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_csv(path: str | Path) -> bytes:
    """One processed table as CSV for French spreadsheets (see the module docstring)."""
    import pandas as pd

    text = pd.read_parquet(path).to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")


def schemas(tables: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """{table: [(column, Parquet type), ...]} read from the files' footers (no data read)."""
    import pyarrow.parquet as pq

    out = {}
    for name, path in tables.items():
        s = pq.read_schema(path)
        out[name] = [(n, str(t)) for n, t in zip(s.names, s.types, strict=True)]
    return out


def dictionary_rows(schema: dict[str, list[tuple[str, str]]], normalisation: str) -> list[list[str]]:
    """dictionnaire.csv: table, column, key, type, unit, meaning, for every column of every table."""
    dd.check_columns({t: [c for c, _ in cols] for t, cols in schema.items()})
    unit = dd.SCORE_UNITS.get(normalisation, normalisation)
    rows = []
    for table in sorted(schema):
        key = table_contract.keys(table)
        for col, arrow_type in schema[table]:
            u, meaning = dd.column_text(table, col, unit)
            rows.append(
                [table, col, "oui" if col in key else "non", TYPE_NAMES.get(arrow_type, arrow_type), u, meaning]
            )
    return rows


def label_rows(territories: list[dict], catalogue: dict, codebook: dict, min_n_publish: int) -> list[list[str]]:
    """libelles.csv: column, code, label, unit, detail (see the module docstring)."""
    from .report_common import FAMILY_LABELS
    from .report_indicators import DIRECTION_TEXTS

    kinds = table_contract.codes("territories.kind")
    rows, seen = [], set()
    for t in territories:
        if t["territory_code"] not in seen:
            seen.add(t["territory_code"])
            rows.append(
                [
                    "territory_code",
                    t["territory_code"],
                    t["territory_name"],
                    "",
                    kinds.get(t["kind"], t["kind"]),
                ]
            )
    domains = {d["id"]: d for d in catalogue["domains"]}
    rows += [
        ["domain_id", d["id"], d["label"], "", f"famille {FAMILY_LABELS.get(d['family'], d['family']).lower()}"]
        for d in catalogue["domains"]
    ]
    rows.append(["domain_id", "ensemble", "Indice global de fragilité", "", "moyenne des scores des 16 domaines"])
    for i in catalogue["indicators"]:
        rows.append(
            [
                "indicator_id",
                i["id"],
                i["label"],
                str(i["unit"]),
                f"domaine {domains[i['domain']]['label']} ; {i['source_label']} ({i['year']}) ; "
                f"{DIRECTION_TEXTS.get(int(i['direction']), '')}",
            ]
        )
    for m in codebook["measures"]:
        scale = f"note de {m.get('min', 0)} à {m.get('max', 10)}" if m["kind"] == "mean" else dd.SHARE
        detail = " ".join(
            x for x in (m.get("question"), f"Réponses : {m['answers']}." if m.get("answers") else None) if x
        )
        rows.append(["measure_id", m["id"], m["label"], scale, detail])
    rows += [["file_id", f["id"], f["label"], "", f.get("population") or ""] for f in codebook["files"]]
    for column, codes in dd.code_lists().items():
        rows += [[column, code, label.format(min_n_publish=min_n_publish), "", ""] for code, label in codes.items()]
    return rows


def readme_text(schema: dict, counts: dict[str, int], config: dict, provenance: dict, date) -> str:
    """LISEZMOI.txt (CRLF line ends, for every platform's text editor)."""
    lines = [
        f"IMPACT-Régions : tables de données, indicateurs {config['vintage']}, enquêtes {config['survey_year']}",
        "",
        f"Date des données : {date:%d/%m/%Y}. Version du code : {provenance.get('code_version', '')}.",
    ]
    if provenance.get("is_demo"):
        lines += [
            "",
            "AVERTISSEMENT : données de démonstration. Une partie des fichiers sources est synthétique ; "
            "ces chiffres ne décrivent pas les territoires réels.",
        ]
    lines += [
        "",
        "Contenu de l'archive :",
        "  parquet/<table>.parquet : chaque table telle que la produit la chaîne (types conservés) ;",
        "  csv/<table>.csv : la même table pour un tableur français : UTF-8 avec BOM, séparateur « ; »,",
        "    virgule décimale, fin de ligne CRLF ; cellule vide = valeur manquante ; booléens True/False ;",
        "    nombres en pleine précision (notation scientifique possible, ex. 1,5e-07) ; importer les colonnes",
        "    de codes (territory_code, departement_code...) comme du texte pour garder 01, 2A ;",
        "  dictionnaire.csv : chaque colonne de chaque table (clé, type, unité, signification) ;",
        "  libelles.csv : le libellé de chaque code (territoires, domaines, indicateurs avec unité et source,",
        "    mesures d'enquête avec la question posée, groupes de répondants, valeurs codées). La colonne",
        "    « colonne » nomme la colonne concernée, dans toutes les tables, ou table.colonne.",
        "",
        "Tables (une ligne = ... ; clé) :",
    ]
    for table in sorted(schema):
        spec = table_contract.table(table)
        lines.append(
            f"  {table} ({counts[table]} lignes) : une ligne = {spec['grain']} ; clé : {', '.join(spec['key'])}"
        )
    lines += [
        "",
        "Les synthèses PDF, leurs chiffres par territoire (donnees/<territoire>.csv et .xlsx) et l'annexe",
        "méthodologique (methodologie.pdf) sont publiés avec cette archive.",
    ]
    return "\r\n".join(lines) + "\r\n"


def write_tables_archive(
    tables: dict[str, str], catalogue: dict, codebook: dict, config: dict, provenance: dict, out_zip: str
) -> None:
    """The archive of the module docstring, from the table files `tables` ({name: parquet path})."""
    import pyarrow.parquet as pq

    from .reproducible_zip import data_date, write_zip_atomic

    schema = schemas(tables)
    dictionary = dictionary_rows(schema, config["index"]["normalisation"])  # first: fails on an undocumented column
    counts = {t: pq.ParquetFile(p).metadata.num_rows for t, p in tables.items()}
    territories = pq.read_table(tables["territories"], columns=["territory_code", "territory_name", "kind"]).to_pylist()
    date = data_date(config["survey_year"])
    entries = {
        "LISEZMOI.txt": lambda: readme_text(schema, counts, config, provenance, date).encode("utf-8"),
        "dictionnaire.csv": lambda: _csv_text(
            dictionary, ["table", "colonne", "clé", "type", "unité", "signification"]
        ),
        "libelles.csv": lambda: _csv_text(
            label_rows(territories, catalogue, codebook, int(config["survey_estimation"]["min_n_publish"])),
            ["colonne", "code", "libellé", "unité", "détail"],
        ),
    }
    for name, path in tables.items():
        entries[f"csv/{name}.csv"] = lambda path=path: table_csv(path)
        entries[f"parquet/{name}.parquet"] = lambda path=path: Path(path).read_bytes()
    write_zip_atomic(out_zip, ((name, entries[name]()) for name in sorted(entries)), date)
