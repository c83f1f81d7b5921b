"""HTML and PDF rendering: Jinja2 templates to HTML, WeasyPrint HTML to a tagged, reproducible PDF.

Three guarantees, from DESIGN §8-9:

* **Safety.** Templates are rendered with autoescape on and `StrictUndefined`, so a value from a
  region file (an `intro`, a territory name) is always text, never markup, and a typo in a
  template fails instead of printing nothing. WeasyPrint only gets resources through
  :class:`SafeFetcher`, which serves regular files under an explicit list of roots (the
  templates directory and the job's own charts directory) and refuses everything else: `http:`,
  `https:`, `data:`, any other scheme, any path that leaves the roots (`..`, symlinks). PDF
  attachments (`<link rel="attachment">`, `<a rel="attachment">`) are refused outright.
* **No hole, no partial file.** WeasyPrint swallows most resource errors and only logs them (a
  missing image becomes an empty box, a missing font a silent fallback). :func:`render_pdf`
  therefore (1) makes the fetcher fatal (`fail_on_errors`), (2) records every refusal or missing
  file in the fetcher and checks the record after rendering, since some WeasyPrint code paths
  (SVG drawing) catch even fatal errors, and (3) fails on any ERROR logged by WeasyPrint during
  the job and on the warnings that mean a hole (a character drawn as an empty .notdef box, a
  @font-face that cannot be loaded). The PDF is written to a temporary file next to the target and moved into place only
  when everything succeeded; on failure the temporary file and any older target are removed.
* **Reproducibility.** Two renders of the same HTML with the same resources give byte-identical
  PDFs: the creation and modification dates are the data vintage (31 December of the vintage
  year), the PDF /ID is derived from the content, and `SOURCE_DATE_EPOCH` is set to the same
  date while rendering, because the fontTools subsetter (used when libharfbuzz-subset is not
  installed) stamps the current time into the subset fonts' `head` table otherwise. Fontconfig
  sees only the `@font-face` fonts of the templates (not the fonts installed on the machine),
  so the same fonts are embedded everywhere.

WeasyPrint 70 notes: its URL fetcher is a class (`weasyprint.urls.URLFetcher`, a urllib
`OpenerDirector`) whose `fetch(url, headers=None)` returns a `URLFetcherResponse`; the old
"function returning a dict" API is gone, and `weasyprint.urls.fetch` reads the fetcher's
`_fail_on_errors` attribute, so a custom fetcher must subclass `URLFetcher`. It no longer reads
`SOURCE_DATE_EPOCH` itself and writes no date unless the document metadata has one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .weasyprint_import import import_weasyprint

import_weasyprint()  # first, so that no other import loads WeasyPrint the slow way

# E402 below: these imports must come after import_weasyprint()
from weasyprint import HTML  # noqa: E402
from weasyprint.logger import LOGGER  # noqa: E402
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse  # noqa: E402

from .page_fill import balance  # noqa: E402
from .pdf_info import pdf_info  # noqa: E402
from .svg_text import install as _install_svg_text  # noqa: E402
from .templating import _tmp_sibling, jinja_env, render_html, write_bytes_atomic, write_text_atomic  # noqa: E402

__all__ = [
    "RenderError",
    "SafeFetcher",
    "jinja_env",
    "make_url_fetcher",
    "pdf_info",
    "render_html",
    "render_pdf",
    "vintage_date",
    "write_bytes_atomic",
    "write_text_atomic",
]

log = logging.getLogger(__name__)

# Extensions the fetcher serves, with a fixed MIME type (not `mimetypes`, whose answers depend on
# the host's /etc/mime.types). Anything else under an allowed root is refused.
_MIME_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}

# Fontconfig configuration with no font directory: only @font-face fonts exist (see render_pdf).
_EMPTY_FONTCONFIG = (
    '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig></fontconfig>\n'
)

# One render at a time per process: render_pdf temporarily sets SOURCE_DATE_EPOCH and
# FONTCONFIG_FILE and listens to the process-wide "weasyprint" logger.
_RENDER_LOCK = threading.Lock()
_install_svg_text()  # the charts' texts drawn as whole strings, not letter by letter

# WeasyPrint warnings that mean a hole in the document: a character drawn as an empty box
# (.notdef: the font lacks the glyph), a @font-face that could not be loaded. They fail the job.
_FATAL_WARNINGS = (".notdef glyph rendered", "cannot be loaded", "Too many glyphs missing")


class RenderError(RuntimeError):
    """The PDF could not be produced safely and completely; no PDF was left behind.

    `problems` lists every reason (refused URL, missing file, WeasyPrint error), one per line of
    the message, so that the Snakemake log names all of them at once.
    """

    def __init__(self, target: str | Path, problems: list[str]):
        self.target = str(target)
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{self.target}: PDF not produced:\n{lines}")


# --------------------------------------------------------------------------------------------
# Atomic writes
# --------------------------------------------------------------------------------------------


class SafeFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves only regular files under `allowed_roots`.

    `SafeFetcher(allowed_roots: list[Path])` — the roots must exist. The fetcher accepts
    absolute `file:` URLs only (WeasyPrint resolves relative URLs against the HTML's base URL
    before calling it); the path is resolved (symlinks, `..`, percent-escapes) and must stay under
    one of the roots, with an extension among .css .svg .png .jpg .jpeg .ttf .otf .woff .woff2.
    Every other request (http, https, data, ftp, other paths, other file types) raises
    `PermissionError`; an allowed but missing file raises `FileNotFoundError`. Both are recorded
    in `.problems` (list of str) because WeasyPrint does not always propagate them; `.served`
    lists the files actually read. It subclasses `weasyprint.urls.URLFetcher` (required by
    WeasyPrint 70, which reads the fetcher's `_fail_on_errors`) with `fail_on_errors=True`, so
    that WeasyPrint turns our exceptions into `FatalURLFetchingError` and stops rendering instead
    of leaving an empty box.
    """

    def __init__(self, allowed_roots: list[Path]):
        roots = [Path(r).resolve(strict=True) for r in allowed_roots]
        for root in roots:
            if not root.is_dir():
                raise ValueError(f"allowed root is not a directory: {root}")
        super().__init__(allowed_protocols=["file"], allow_redirects=False, fail_on_errors=True)
        self.allowed_roots: list[Path] = roots
        self.problems: list[str] = []
        self.served: list[Path] = []

    def _refuse(self, url: str, why: str) -> PermissionError:
        """Record a refusal and return the exception to raise."""
        shown = url if len(url) <= 200 else url[:197] + "..."
        message = f"refused {shown}: {why}"
        self.problems.append(message)
        return PermissionError(message)

    def resolve(self, url: str) -> Path:
        """The file an URL designates, if it may be served; raises (and records) otherwise."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme != "file":
            raise self._refuse(url, f"scheme {scheme or '(none)'!r} not allowed, only local files")
        if parts.netloc not in ("", "localhost"):
            raise self._refuse(url, f"remote host {parts.netloc!r} not allowed")
        raw = unquote(parts.path)
        if "\x00" in raw or not raw.startswith("/"):
            raise self._refuse(url, "not an absolute local path")
        path = Path(raw).resolve(strict=False)  # follows symlinks, removes '..'
        if not any(path.is_relative_to(root) for root in self.allowed_roots):
            raise self._refuse(url, "outside the allowed directories " + ", ".join(str(r) for r in self.allowed_roots))
        if path.suffix.lower() not in _MIME_TYPES:
            raise self._refuse(url, f"file type {path.suffix or '(none)'!r} not served")
        if not path.is_file():
            message = f"missing file {path}"
            self.problems.append(message)
            raise FileNotFoundError(message)
        return path

    def fetch(self, url, headers=None):
        """Serve `url` if it is an allowed local file, as a WeasyPrint `URLFetcherResponse`."""
        path = self.resolve(url)
        data = path.read_bytes()
        self.served.append(path)
        mime = _MIME_TYPES[path.suffix.lower()]
        headers = {"Content-Type": mime + ("; charset=utf-8" if mime == "text/css" else "")}
        return URLFetcherResponse(path.as_uri(), data, headers)


def make_url_fetcher(allowed_roots: list[Path]) -> SafeFetcher:
    """A :class:`SafeFetcher` for these roots (typically `templates/` and the job's charts dir)."""
    return SafeFetcher(allowed_roots)


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def vintage_date(vintage_year: int) -> datetime:
    """The date stamped in the PDF of a given data vintage: 31 December, 00:00 UTC.

    A date from the data, not from the clock, so that two builds are byte-identical.
    """
    return datetime(int(vintage_year), 12, 31, tzinfo=UTC)


class _ErrorCollector(logging.Handler):
    """Collects WeasyPrint log records emitted by the rendering thread.

    `errors`: ERROR records and the warnings of `_FATAL_WARNINGS`; `warnings`: the other ones.
    """

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record):
        if record.thread != self.thread:
            return
        text = record.getMessage()
        fatal = record.levelno >= logging.ERROR or any(m in text for m in _FATAL_WARNINGS)
        (self.errors if fatal else self.warnings).append(text)


def _html_problems(html) -> list[str]:
    """Refuse what the template must never contain: attachments and images without alt."""
    problems = []
    for element in html.etree_element.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.rsplit("}", 1)[-1].lower()
        rel = (element.get("rel") or "").lower().split()
        if "attachment" in rel:
            problems.append(f'<{tag} rel="attachment" href="{element.get("href")}">: PDF attachments are not allowed')
        if tag == "img" and element.get("alt") is None:
            problems.append(f'<img src="{element.get("src")}"> has no alt attribute (required for an accessible PDF)')
    return problems


def _no_attachments_finisher(problems: list[str]):
    """A WeasyPrint finisher that records any embedded file or file annotation left in the PDF."""
    import pydyf

    def finisher(document, pdf):
        names = pdf.catalog.get("Names")
        if isinstance(names, pydyf.Dictionary) and "EmbeddedFiles" in names:
            problems.append("the PDF would embed files (EmbeddedFiles)")
        for obj in pdf.objects:
            fields = getattr(obj, "extra", obj)
            if isinstance(fields, dict) and (
                fields.get("Subtype") == "/FileAttachment" or fields.get("Type") == "/EmbeddedFile"
            ):
                problems.append("the PDF would contain a file attachment")
                break

    return finisher


def render_pdf(
    html_path: str | Path,
    out_pdf: str | Path,
    allowed_roots: list[Path],
    *,
    title: str,
    lang: str = "fr",
    vintage_year: int,
    newest_data: datetime | None = None,
    pdf_variant: str = "pdf/ua-1",
    system_fonts: bool = False,
) -> dict:
    """Render `html_path` to `out_pdf`, a tagged (PDF/UA-1) and reproducible PDF; or fail.

    * Resources are fetched only through :class:`SafeFetcher` over `allowed_roots`; relative
      URLs are resolved against the HTML file's own URL (or its `<base href>`).
    * Metadata: `/Title` = `title`, `/Lang` = `lang`, creation and modification dates =
      31 December of `vintage_year` (UTC) or `newest_data` if later (the date of the newest data
      the document cites: a PDF is not dated before its sources), /ID derived from the HTML and the options, fonts
      subset (HarfBuzz if available, else fontTools under `SOURCE_DATE_EPOCH`), compressed.
    * Fonts: with `system_fonts=False` (the default) Fontconfig is given an empty configuration
      while rendering, so that only the `@font-face` fonts of the templates (served from
      `templates/fonts/` through the fetcher) exist: the PDF does not depend on the fonts
      installed on the machine. Declare every face used (regular, bold, italic...): a missing
      face is synthesised from the regular one. `system_fonts=True` lets Fontconfig fall back
      on installed fonts. A fallback font for a few characters (Noto Sans 2.004 has no U+2212
      MINUS SIGN) needs its own family name (`@font-face { font-family: "Noto Sans Math";
      unicode-range: U+2212 }`, listed after "Noto Sans"): WeasyPrint 70 keys embedded fonts by
      their Pango description, so a second file under the family name "Noto Sans" collides
      with the first one and its glyphs are drawn from the wrong font, silently.
    * Fails with :class:`RenderError` if the HTML contains a `rel="attachment"` or an `<img>`
      without `alt`, if any resource was refused or missing, if WeasyPrint logged an error or a
      warning that means a hole (a glyph missing from the fonts, drawn as an empty box; a
      @font-face that cannot be loaded), or if the PDF would contain an attachment. On any
      failure no PDF is left: the temporary file is removed and so is an older `out_pdf`.

    Returns `{"pages": <page count>, "size_bytes": <file size>, "warnings": [...]}`, the warnings
    being those WeasyPrint logged during the job (unsupported CSS, subsetting fallback...). The
    written file is not read back (pypdf would cost a PDF job about 0.2 s): :func:`pdf_info` does
    that, for the tests.
    """
    html_path = Path(html_path).resolve(strict=True)
    out_pdf = Path(out_pdf)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_sibling(out_pdf)
    date = max(vintage_date(vintage_year), newest_data or vintage_date(vintage_year))
    w3c_date = date.strftime("%Y-%m-%dT%H:%M:%SZ")
    html_bytes = html_path.read_bytes()
    # the ID must not depend on where the project sits: the roots' absolute URLs are neutralised
    for i, root in enumerate(allowed_roots):
        html_bytes = html_bytes.replace(Path(root).resolve().as_uri().encode(), f"<root{i}>".encode())
    identifier = (
        hashlib.sha256(b"\0".join([html_bytes, title.encode(), lang.encode(), w3c_date.encode(), pdf_variant.encode()]))
        .hexdigest()[:32]
        .encode()
    )
    options = {
        "pdf_variant": pdf_variant,
        "pdf_identifier": identifier,
        "uncompressed_pdf": False,
        "attachments": [],
        "custom_metadata": False,
        "pdf_forms": False,
        "optimize_images": False,
        "full_fonts": False,
        "hinting": False,
    }
    problems: list[str] = []

    with _RENDER_LOCK:
        collector = _ErrorCollector()
        old_level = LOGGER.level
        old_env = {k: os.environ.get(k) for k in ("SOURCE_DATE_EPOCH", "FONTCONFIG_FILE")}
        # WeasyPrint copies each @font-face file into a new tempfile.mkdtemp("weasyprint-") folder
        # that only its FontConfiguration's __del__ removes, which never runs in a job whose garbage
        # collector is frozen or that ends with os._exit (the warm worker's children): 2.7 MB left
        # in /tmp per report, 19 GB after a few days of builds. Everything it writes goes to a
        # directory of ours instead, removed below.
        work_dir = tempfile.TemporaryDirectory(prefix="impact-render-")
        old_tempdir, tempfile.tempdir = tempfile.tempdir, work_dir.name
        LOGGER.addHandler(collector)
        if LOGGER.getEffectiveLevel() > logging.WARNING:
            LOGGER.setLevel(logging.WARNING)
        os.environ["SOURCE_DATE_EPOCH"] = str(int(date.timestamp()))
        if not system_fonts:
            fc_file = Path(work_dir.name) / "fonts.conf"
            fc_file.write_text(_EMPTY_FONTCONFIG, encoding="utf-8")
            os.environ["FONTCONFIG_FILE"] = str(fc_file)
        fetcher = None
        try:
            fetcher = make_url_fetcher(allowed_roots)
            html = HTML(filename=str(html_path), url_fetcher=fetcher, media_type="print")
            problems += _html_problems(html)
            if problems:
                raise RenderError(out_pdf, problems)
            # laid out again (at most a few times) until no page is more than a quarter empty
            document, unbalanced = balance(lambda: html.render(**dict(options)), html)
            metadata = document.metadata
            metadata.title = title
            metadata.lang = lang
            metadata.created = w3c_date
            metadata.modified = w3c_date
            if metadata.attachments:  # only reachable if _html_problems missed a <link>
                problems.append("the HTML declares PDF attachments (<link rel=attachment>)")
            metadata.attachments = []
            document.write_pdf(str(tmp), finisher=_no_attachments_finisher(problems), **options)
            problems += fetcher.problems + collector.errors
            if problems:
                raise RenderError(out_pdf, problems)
            os.replace(tmp, out_pdf)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            out_pdf.unlink(missing_ok=True)
            if isinstance(exc, RenderError):
                raise
            if not isinstance(exc, (Exception, FatalURLFetchingError)):
                raise  # KeyboardInterrupt, SystemExit
            found = problems + (fetcher.problems if fetcher else []) + collector.errors
            if not found or not isinstance(exc, FatalURLFetchingError):
                found.append(f"{type(exc).__name__}: {exc}")
            raise RenderError(out_pdf, list(dict.fromkeys(found))) from exc
        finally:
            LOGGER.removeHandler(collector)
            LOGGER.setLevel(old_level)
            for key, value in old_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            tempfile.tempdir = old_tempdir
            work_dir.cleanup()

    for warning in collector.warnings:
        log.warning("%s: WeasyPrint: %s", out_pdf, warning)
    for problem in unbalanced:
        log.warning("%s: %s (no chart or paragraph could fill it)", out_pdf, problem)
    return {"pages": len(document.pages), "size_bytes": out_pdf.stat().st_size, "warnings": list(collector.warnings)}
