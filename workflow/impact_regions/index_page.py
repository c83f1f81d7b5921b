"""`reports/index.html`: the page that lists every regional synthesis produced by a run.

A single, self-contained HTML5 file in French (inline CSS, no script, no external resource), meant
to be opened from disk next to the PDFs: every link is relative (`<slug>.pdf`, the map
`index-map.svg`), so the `reports/` folder can be moved, zipped or served as is. The output is
deterministic (no build date; reports sorted by name with a locale-independent French order), so
that two runs on the same data give the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from jinja2 import Environment, StrictUndefined, select_autoescape

from . import french
from .templating import write_text_atomic

__all__ = ["build_index", "format_size", "french_sort_key"]

# A relative link to a sibling file: no directory, no scheme, no query.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

DEFAULT_MAP_ALT = ("Carte des régions de France métropolitaine et d'outre-mer, "
                   "qui situe les territoires des synthèses")

_TEMPLATE = """\
<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
  body { font-family: "Noto Sans", "Segoe UI", Arial, sans-serif; margin: 2rem auto;
         max-width: 52rem; padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
  h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
  .meta { color: #555; margin-top: 0; }
  .demo { border: 2px solid #b35900; background: #fff4e5; color: #7a3d00; padding: 0.5rem 0.8rem;
          font-weight: bold; }
  figure { margin: 1.5rem 0; text-align: center; }
  figure img { max-width: 100%; height: auto; }
  figcaption { font-weight: 700; margin-bottom: 0.5rem; }
  figure .source { color: #555; font-size: 0.85rem; margin: 0.3rem 0 0; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  caption { text-align: left; font-weight: bold; padding-bottom: 0.4rem; }
  th, td { border-bottom: 1px solid #ccc; padding: 0.4rem 0.6rem; text-align: left; }
  td.num, th.num { text-align: right; white-space: nowrap; }
  a { color: #0b5394; }
  footer { margin-top: 2rem; color: #555; font-size: 0.9rem; }
</style>
</head>
<body>
<header>
<h1>{{ title }}</h1>
<p class="meta">{{ count_text }} — données {{ vintage }}</p>
{% if demo %}
<p class="demo" role="note">Données de démonstration\u00a0: ces synthèses sont calculées sur des données synthétiques, elles ne décrivent pas les territoires réels.</p>
{% endif %}
</header>
<main>
{% if map_src %}
<figure>
{% if map_title %}<figcaption>{{ map_title }}</figcaption>{% endif %}
<img src="{{ map_src }}" alt="{{ map_alt }}">
{% if map_source %}<p class="source">{{ map_source }}</p>{% endif %}
</figure>
{% endif %}
<table>
<caption>Synthèses disponibles</caption>
<thead>
<tr><th scope="col">Territoire</th><th scope="col" class="num">Pages</th><th scope="col" class="num">Taille</th><th scope="col">Millésime des données</th></tr>
</thead>
<tbody>
{% for r in reports %}
<tr><td><a href="{{ r.href }}" type="application/pdf">{{ r.name }}</a></td><td class="num">{{ r.pages }}</td><td class="num">{{ r.size }}</td><td>{{ r.vintage }}</td></tr>
{% endfor %}
</tbody>
</table>
{% if annex %}
<p>Méthodes et contrôles communs à toutes les synthèses (pondération, robustesse des indices, incertitude des rangs, sensibilité) : <a href="{{ annex.href }}" type="application/pdf">annexe méthodologique</a> (PDF, {{ annex.pages }} pages, {{ annex.size }}).</p>
{% endif %}
</main>
<footer>
<p>Synthèses au format PDF accessible (PDF/UA), produites par IMPACT-Régions.</p>
</footer>
</body>
</html>
"""


def french_sort_key(name: str) -> tuple:
    """Sort key giving the French dictionary order without depending on the system locale.

    Accents and case are ignored at the first level ("Île-de-France" sorts with "I", between
    "Hauts-de-France" and "Normandie"), then the exact name breaks ties; punctuation (hyphens,
    apostrophes) is ignored at the first level.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    base = "".join(ch if ch.isalnum() else " " for ch in base)
    return (" ".join(base.split()), name)


def format_size(size_bytes: int) -> str:
    """A file size in French: `850 octets`, `245 ko`, `1,2 Mo` (decimal units, 1 ko = 1 000 octets)."""
    size = int(size_bytes)
    if size < 1000:
        return french.integer(size) + french.NBSP + ("octet" if size <= 1 else "octets")
    if size < 1_000_000:
        return french.integer(size / 1000) + french.NBSP + "ko"
    return french.number(size / 1_000_000, 1) + french.NBSP + "Mo"


def _check_name(value: str, what: str) -> str:
    """A bare sibling file name, safe as a relative link; raises ValueError otherwise."""
    if not isinstance(value, str) or not _SAFE_NAME.match(value) or ".." in value:
        raise ValueError(f"{what} must be a bare file name (letters, digits, '.', '_', '-'), "
                         f"got {value!r}")
    return value


def build_index(entries: list[dict], map_svg_name: str | None, out_path: str | Path, *,
                vintage, demo: bool, title: str = "IMPACT-Régions — Synthèses régionales",
                map_alt: str = DEFAULT_MAP_ALT, annex: dict | None = None, map_title: str | None = None,
                map_source: str | None = None) -> Path:
    """Write `out_path` (normally `reports/index.html`): the list of the reports of the run.

    `entries`: one dict per report with `slug` (the PDF is `<slug>.pdf` next to the index),
    `name` (territory name), `pages`, `size_bytes`, `vintage`. `map_svg_name`: the file name of
    the France regions map next to the index (e.g. `"index-map.svg"`), shown above the list, or
    None. `vintage`: the data vintage of the run, shown in the header. `demo`: adds the visible
    "Données de démonstration" mention. Reports are sorted by name in French order
    (:func:`french_sort_key`); sizes are in French units (:func:`format_size`). All text is
    escaped (Jinja2 autoescape). `annex`: the methodology annex next to the index (`file`,
    `pages`, `size_bytes`), linked below the list, or None. Raises ValueError on a slug or map
    name that is not a bare file name, and on duplicate slugs. `map_title` and `map_source`: the
    map's visible caption and source line. Returns the written path.
    """
    map_src = _check_name(map_svg_name, "map_svg_name") if map_svg_name is not None else None
    slugs = [_check_name(e["slug"], "slug") for e in entries]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"duplicate slugs in the index: {sorted(slugs)}")
    reports = [
        {
            "href": f"{e['slug']}.pdf",
            "name": e["name"],
            "pages": french.integer(e["pages"]),
            "size": format_size(e["size_bytes"]),
            "vintage": e["vintage"],
        }
        for e in sorted(entries, key=lambda e: (french_sort_key(e["name"]), e["slug"]))
    ]
    n = len(reports)
    count_text = ("Aucune synthèse" if n == 0 else
                  "1 synthèse" if n == 1 else f"{french.integer(n)} synthèses")
    env = Environment(autoescape=select_autoescape(default_for_string=True, default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    html = env.from_string(_TEMPLATE).render(
        title=title, count_text=count_text, vintage=vintage, demo=bool(demo), map_src=map_src,
        map_alt=map_alt, map_title=map_title, map_source=map_source, reports=reports,
        annex=None if annex is None else {"href": _check_name(annex["file"], "annex file"),
                                          "pages": french.integer(annex["pages"]),
                                          "size": format_size(annex["size_bytes"])})
    return write_text_atomic(out_path, html)
