"""`reports/index.html`: the page from which users find and download every synthesis of a run.

A single, self-contained HTML5 file in French (inline CSS, one inline script, no external
resource: a Content-Security-Policy forbids any other), meant to be opened from disk next to the
PDFs or served as is: every link is relative (`<slug>.pdf`, `donnees/<slug>.csv`…), so the
`reports/` folder can be moved or zipped. The page (template `templates/index.html.j2`) has a
title with the vintages, the edition date and the code version; the regions map inlined as SVG,
each region a link to its synthesis (hidden on narrow screens, where the list serves); one headed
table per kind of territory (régions, territoires personnalisés, départements grouped by region)
whose rows give the key figures and the files; a filter box (a few lines of plain JavaScript: the
page works without it); the data downloads and the methodology annex.

The output is deterministic: rows in a locale-independent French order, the edition date taken
from the data and the code (:func:`impact_regions.index_entries.edition_date`), never the clock.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

from markupsafe import Markup

from . import french
from .templating import jinja_env, write_text_atomic

__all__ = ["build_index", "index_html", "format_size", "french_sort_key", "inline_map", "search_text", "GROUPS"]

# A relative link to a file of reports/: an optional `donnees/` folder, then an optional
# `departements/` one (the départements' reports, config territories.departements), no scheme, no query.
_SAFE_NAME = re.compile(r"^(donnees/)?(departements/)?[A-Za-z0-9][A-Za-z0-9._-]*$")
_SVG, _XLINK = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"

DEFAULT_MAP_ALT = "Carte des régions de France métropolitaine et d'outre-mer, qui situe les territoires des synthèses"

# The groups of the page, in order: (kind, section id, heading, note under the heading)
GROUPS = [
    ("region", "regions", "Régions", None),
    (
        "custom",
        "territoires",
        "Territoires personnalisés",
        "Ensembles de départements définis par les utilisateurs. Leur rang est celui qu’ils auraient "
        "parmi les régions.",
    ),
    ("departement", "departements", "Départements", "Rangés par région ; rang parmi les départements."),
]


def french_sort_key(name: str) -> tuple:
    """Sort key giving the French dictionary order without depending on the system locale.

    Accents and case are ignored at the first level ("Île-de-France" sorts with "I", between
    "Hauts-de-France" and "Normandie"), then the exact name breaks ties; punctuation (hyphens,
    apostrophes) is ignored at the first level.
    """
    return (search_text(name), name)


def search_text(text: str) -> str:
    """`text` without accents, case or punctuation (`Provence-Alpes-Côte d’Azur` ->
    `provence alpes cote d azur`): what the page's filter compares, and the first level of the
    French sort."""
    decomposed = unicodedata.normalize("NFKD", text)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in base).split())


def format_size(size_bytes: int) -> str:
    """A file size in French: `850 octets`, `245 ko`, `1,2 Mo` (decimal units, 1 ko = 1 000 octets)."""
    size = int(size_bytes)
    if size < 1000:
        return french.integer(size) + french.NBSP + ("octet" if size <= 1 else "octets")
    if size < 1_000_000:
        return french.integer(size / 1000) + french.NBSP + "ko"
    return french.number(size / 1_000_000, 1) + french.NBSP + "Mo"


def _check_name(value: str, what: str) -> str:
    """A relative file name under reports/, safe as a link; raises ValueError otherwise."""
    if not isinstance(value, str) or not _SAFE_NAME.match(value) or ".." in value:
        raise ValueError(
            f"{what} must be a file name of reports/ (letters, digits, '.', '_', '-', "
            f"optionally under donnees/), got {value!r}"
        )
    return value


def _file(href: str, size_bytes: int, what: str) -> dict:
    return {"href": _check_name(href, what), "size": format_size(size_bytes)}


def inline_map(svg_text: str, names: dict[str, str]) -> Markup:
    """The map SVG (`reports/index-map.svg`) made fit to inline in the page.

    Its `xlink:href` links become HTML `href`s opening in the same tab; the first link of each
    region holding its name (a label line) is the one a keyboard or a screen reader meets, named
    `names[href]` ("Synthèse Bretagne (PDF)"), the others (its shape, its other label lines) are
    taken out of the tab order and of the accessibility tree; the fixed size goes (the page's CSS
    scales the map to the column). Raises ValueError on a link that is not a bare file name."""
    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", _XLINK)
    root = ET.fromstring(svg_text)
    for attr in ("width", "height"):
        root.attrib.pop(attr, None)
    root.set("focusable", "false")
    first: dict[str, ET.Element] = {}
    anchors = list(root.iter(f"{{{_SVG}}}a"))
    for a in anchors:
        href = _check_name(a.attrib.pop(f"{{{_XLINK}}}href", None) or a.get("href"), "map link")
        a.attrib.pop("target", None)
        a.set("href", href)
        if href not in first and a.find(f"{{{_SVG}}}text") is not None:
            first[href] = a
    for a in anchors:
        href = a.get("href")
        if first.get(href) is a:
            a.set("aria-label", f"Synthèse {names.get(href, href)} (PDF)")
        else:
            a.set("tabindex", "-1")
            a.set("aria-hidden", "true")
    text = ET.tostring(root, encoding="unicode")
    return Markup(text.replace(f' xmlns:xlink="{_XLINK}"', ""))


def _row(e: dict) -> dict:
    slug = _check_name(e["slug"], "slug")
    search = " ".join(dict.fromkeys([search_text(e["name"]), e["code"].casefold(), slug]))
    files = {kind: _file(f["href"], f["size_bytes"], f"{kind} file") for kind, f in sorted(e["downloads"].items())}
    return {
        **e,
        "pdf": _file(f"{slug}.pdf", e["size_bytes"], "pdf"),
        "pages_text": french.integer(e["pages"]),
        "files": files,
        "search": search,
    }


def _groups(entries: list[dict]) -> list[dict]:
    """The page's sections: one per kind of territory present, rows in French order; the
    départements in one sub-group per region."""

    def order(e):
        return (french_sort_key(e["name"]), e["slug"])

    sections = []
    for kind, anchor, title, note in GROUPS:
        rows = sorted((_row(e) for e in entries if e["kind"] == kind), key=order)
        if not rows:
            continue
        if kind == "departement":
            parents = sorted({r["parent"] or "" for r in rows}, key=french_sort_key)
            subgroups = [{"title": p or None, "rows": [r for r in rows if (r["parent"] or "") == p]} for p in parents]
        else:
            subgroups = [{"title": None, "rows": rows}]
        sections.append({"id": anchor, "title": title, "note": note, "count": len(rows), "subgroups": subgroups})
    unknown = sorted({e["kind"] for e in entries} - {g[0] for g in GROUPS})
    if unknown:
        raise ValueError(f"unknown territory kind(s) for the index page: {unknown}")
    return sections


def _script_hash(html: str) -> str:
    """The CSP source of the page's one inline script (`'sha256-…'`), so that no other script runs."""
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    if len(scripts) != 1:
        raise ValueError(f"the index template must hold exactly one inline script, found {len(scripts)}")
    return "'sha256-" + base64.b64encode(hashlib.sha256(scripts[0].encode("utf-8")).digest()).decode() + "'"


def build_index(entries: list[dict], out_path: str | Path, **options) -> Path:
    """Write :func:`index_html` of `entries` to `out_path` (normally `reports/index.html`),
    atomically, and return it; `options` are those of :func:`index_html`. Nothing is written when
    it raises."""
    return write_text_atomic(out_path, index_html(entries, **options))


def index_html(
    entries: list[dict],
    *,
    templates_dir: str | Path,
    header: dict,
    demo: bool,
    map_svg: str | None = None,
    map_meta: dict | None = None,
    annex: dict | None = None,
    tables_zip: dict | None = None,
    title: str = "IMPACT-Régions — synthèses territoriales",
) -> str:
    """The text of the index page.

    `entries`: the rows, as made by :func:`impact_regions.index_entries.index_entry`. `header`:
    `{"indicators": "2017", "surveys": "2019", "edition": "4 décembre 2026", "code_version": …}`.
    `demo`: adds the visible "Données de démonstration" mention. `map_svg`: the text of the
    regions map (its links are checked, see :func:`inline_map`) and `map_meta` its title, alt
    text and source line; None: no map. `annex` and `tables_zip`: `{"href", "size_bytes"}` (the
    annex also `pages`) or None. All text is escaped (autoescape). Raises ValueError on a link
    that is not a file of reports/ and on duplicate slugs."""
    slugs = [e["slug"] for e in entries]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"duplicate slugs in the index: {sorted(slugs)}")
    sections = _groups(entries)
    names = {f"{e['slug']}.pdf": e["name"] for e in entries}
    meta = dict(map_meta or {})
    figure = (
        None
        if map_svg is None
        else {
            "svg": inline_map(map_svg, names),
            "title": meta.get("title"),
            "source": meta.get("source"),
            "alt": meta.get("alt") or DEFAULT_MAP_ALT,
        }
    )
    n = len(entries)
    pages = sorted({int(e["pages"]) for e in entries})
    pages_text = (
        "quelques pages" if not pages else f"{pages[0]} pages" if len(pages) == 1 else f"{pages[0]} à {pages[-1]} pages"
    )
    context = {
        "pages_text": pages_text,
        "title": title,
        "header": header,
        "is_demo": bool(demo),
        "figure": figure,
        "sections": sections,
        "count_text": "aucune synthèse" if n == 0 else "1 synthèse" if n == 1 else f"{french.integer(n)} synthèses",
        "annex": None
        if annex is None
        else {**_file(annex["href"], annex["size_bytes"], "annex"), "pages": french.integer(annex["pages"])},
        "tables_zip": None if tables_zip is None else _file(tables_zip["href"], tables_zip["size_bytes"], "zip"),
        "csp_script": "",
    }
    template = jinja_env(templates_dir).get_template("index.html.j2")
    context["csp_script"] = Markup(_script_hash(template.render(**context)))  # quotes kept: a CSP source
    return template.render(**context)
