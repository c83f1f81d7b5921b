"""HTML side of the reports: the Jinja2 environment (autoescaped, French filters) and atomic writes
(bytes, text, JSON; and reading JSON back).

Kept apart from :mod:`impact_regions.render` so that the HTML job does not import WeasyPrint.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from . import french

#: markup between tags, or a whole element whose text is code (never retouched)
_HTML_PARTS = re.compile(r"(<(script|style|code|pre)\b.*?</\2\s*>|<!--.*?-->|<[^>]*>)", re.S | re.I)


def _tmp_sibling(path: Path) -> Path:
    """A fresh temporary path in the same directory as `path` (so that os.replace is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")


@contextlib.contextmanager
def atomic_writer(path: str | Path):
    """A binary file handle on a temporary sibling of `path`, moved onto `path` with `os.replace`
    when the block ends without error, removed otherwise.

    Readers (and Snakemake) never see a half-written file; the file gets the usual permissions
    (0666 minus the umask), not the 0600 of `tempfile.mkstemp`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_sibling(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path) as fh:
        fh.write(data)
    return Path(path)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """`write_bytes_atomic` for UTF-8 text, with `\\n` line ends on every platform."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def read_json(path: str | Path) -> dict:
    """A JSON file the workflow wrote (provenance.json, a context.json, a PDF's facts)."""
    import json

    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_json_atomic(path: str | Path, data: dict) -> Path:
    """`data` as sorted, indented UTF-8 JSON (a context.json, a PDF's facts, the provenance),
    written atomically: the same data always gives the same bytes."""
    import json

    return write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


# --------------------------------------------------------------------------------------------
# Jinja2
# --------------------------------------------------------------------------------------------


def _fr_join(items, last: str = "et"):
    """`french.join` that keeps autoescaping right: Markup items give a Markup result.

    With plain strings the result is a plain string (escaped on output). If any item is already
    Markup (e.g. `<strong>` built by the template), every other item is escaped and the joined
    result is Markup, so that it is neither double-escaped nor left unescaped.
    """
    items = list(items)
    if any(isinstance(i, Markup) for i in items):
        return Markup(french.join([str(escape(i)) for i in items], last=str(escape(last))))
    return french.join(items, last=last)


def jinja_env(templates_dir: str | Path) -> Environment:
    """The Jinja2 environment of the reports: autoescape, StrictUndefined, French filters.

    * autoescape on for `.html`, `.htm`, `.xml`, `.svg`, `.j2` templates, for templates built
      from strings, and by default for any other name: no value from the data or a region file
      can inject markup;
    * `StrictUndefined`: a missing variable is an error, not an empty string;
    * `trim_blocks`/`lstrip_blocks`: block tags do not leave blank lines;
    * filters from :mod:`impact_regions.french`: `fr_number`, `fr_percent`, `fr_points`,
      `fr_score10`, `fr_unit` (value_with_unit), `fr_int`, `fr_join`.
    """
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "xml", "svg", "j2"),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        {
            "fr_number": french.number,
            "fr_percent": french.percent,
            "fr_points": french.points,
            "fr_score10": french.score10,
            "fr_unit": french.value_with_unit,
            "fr_int": french.integer,
            "fr_join": _fr_join,
        }
    )
    return env


def typographic_apostrophes(html: str) -> str:
    """The French apostrophe ’ (U+2019) for the straight one in the text of an HTML page
    (written ' in a template, &#39; by autoescape in a value such as a territory's intro), at
    render time: tags and their attributes, comments, and the text of <script>, <style>, <code>
    and <pre> are left as they are."""
    parts = _HTML_PARTS.split(html)
    out = []
    i = 0
    while i < len(parts):
        out.append(parts[i].replace("&#39;", "\u2019").replace("&#x27;", "\u2019").replace("'", "\u2019"))
        if i + 1 < len(parts):
            out.append(parts[i + 1])  # the markup, unchanged
        i += 3  # text, markup, the element name group
    return "".join(out)


def render_html(templates_dir: str | Path, template_name: str, context: dict, out_path: str | Path) -> Path:
    """Render `template_name` from `templates_dir` with `context` and write it atomically, with
    the typographic apostrophe in its text (:func:`typographic_apostrophes`).

    Returns the written path. Raises `jinja2.UndefinedError` on a missing variable (nothing is
    written then).
    """
    html = jinja_env(templates_dir).get_template(template_name).render(**context)
    return write_text_atomic(out_path, typographic_apostrophes(html))


# --------------------------------------------------------------------------------------------
# URL fetcher
# --------------------------------------------------------------------------------------------
