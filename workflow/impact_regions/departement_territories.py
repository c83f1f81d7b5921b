"""The 101 départements as territories, one report each (config `territories: {departements: true}`).

No file per département: the territory definitions are made from the reference geography
(`departements.csv`, `regions.csv`) and the table of French articles
(`data/departements_articles.yaml`). Each has the shape of a territory file's definition
(:func:`impact_regions.config.load_territory_files`) plus ``region_name``, with

- ``code`` ``DEP-<code>``, the département's code in the base tables (``impact_regions.territories``),
  so that its figures are the base rows already computed for every département: no job per
  département before the reports;
- ``slug`` ``departements/<code>-<name>`` (``departements/13-bouches-du-rhone``): the report rules
  write ``reports/<slug>.pdf``, so the reports land in ``reports/departements/`` with the
  existing rules;
- ``kind`` ``departement``, ``path`` None (no file: no intro).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from .config import DEPARTEMENT_PREFIX, SAFE_LOADER
from .errors import ConfigError

ARTICLES = Path(__file__).resolve().parent / "data" / "departements_articles.yaml"
FOLDER = "departements"  # under reports_dir
_VOWELS = "aeiouyéèêâîôûh"


def slugify(name: str) -> str:
    """`Bouches-du-Rhône` → `bouches-du-rhone`, `Côtes-d'Armor` → `cotes-d-armor`: ASCII, lower case,
    runs of anything else one hyphen (a file name that needs no quoting in a URL or a shell)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def load_articles(path: str | Path = ARTICLES) -> dict[str, dict]:
    """code -> {name, article, in} of the articles table (see its header)."""
    import yaml

    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    for code, entry in data.items():
        if entry.get("article") not in ("le", "la", "l'", "les", "") or entry.get("in") not in ("en", "dans", "à"):
            raise ConfigError(
                path, str(code), f'article must be le, la, l\', les or "", in: en, dans or à (got {entry})'
            )
    return {str(k): v for k, v in data.items()}


def forms(name: str, article: str, preposition: str) -> dict[str, str]:
    """The name in sentences: `locative` (« dans les Bouches-du-Rhône », « en Lozère », « à La
    Réunion »), `genitive` (« des Bouches-du-Rhône », « de la Lozère », « de La Réunion ») and
    `nominative` (« les Bouches-du-Rhône », « la Lozère », « La Réunion »)."""
    with_article = {"le": f"le {name}", "la": f"la {name}", "l'": f"l'{name}", "les": f"les {name}", "": name}[article]
    genitive = {
        "le": f"du {name}",
        "la": f"de la {name}",
        "l'": f"de l'{name}",
        "les": f"des {name}",
        "": f"d'{name}" if name[0].lower() in _VOWELS else f"de {name}",
    }[article]
    locative = {"en": f"en {name}", "dans": f"dans {with_article}", "à": f"à {name}"}[preposition]
    return {"locative": locative, "genitive": genitive, "nominative": with_article}


def departement_territories(geo_dir: str | Path, articles_path: str | Path = ARTICLES) -> list[dict]:
    """One territory definition per département of `geo_dir` (see the module docstring), sorted by
    slug. A département missing from the articles table, or named differently there, stops the
    run: its sentences would otherwise be wrong French (« en Bouches-du-Rhône »)."""
    from .geo import GEO_FILES, _read_geo_table, read_departements

    articles = load_articles(articles_path)
    header, rows, _ = _read_geo_table(Path(geo_dir) / GEO_FILES["regions"][0], GEO_FILES["regions"][1])
    region_names = {r[header.index("code_region")]: r[header.index("nom_region")] for r in rows}
    out = []
    for d in read_departements(geo_dir):
        code, name = d["code_departement"], d["nom_departement"]
        entry = articles.get(code)
        if entry is None or entry["name"] != name:
            raise ConfigError(
                articles_path,
                code,
                f"département {code} {name} (COG) has no entry with this name: add its article and preposition",
            )
        out.append(
            {
                "code": DEPARTEMENT_PREFIX + code,
                "name": name,
                "short_name": name,
                "slug": f"{FOLDER}/{code}-{slugify(name)}",
                "kind": "departement",
                **forms(name, entry["article"], entry["in"]),
                "region_name": region_names[d["code_region"]],
                "departements": [code],
                "intro": "",
                "path": None,
            }
        )
    return sorted(out, key=lambda t: t["slug"])
