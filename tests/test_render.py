"""Rendering infrastructure: Jinja2 environment, safe URL fetcher, tagged reproducible PDF, index.

Every PDF test renders a tiny hand-written HTML page laid out like a real job: a `templates/`
directory (CSS + the shipped Noto Sans font) and a `build/<job>/` directory holding the HTML and
its own `charts/`. Only `templates/` and `charts/` are allowed roots.

Policy checked here (DESIGN §9): anything other than a file under the allowed roots is refused
AND fails the job (no PDF at all), because every URL in a report comes from template code, never
from data (region texts are escaped), so a refused URL is a bug to fix, not something to skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from impact_regions import french
from impact_regions.render import (
    RenderError,
    SafeFetcher,
    jinja_env,
    make_url_fetcher,
    pdf_info,
    render_html,
    render_pdf,
)

REPO = Path(__file__).resolve().parents[1]
FONT = REPO / "templates" / "fonts" / "NotoSans-Regular.ttf"
PASSWD = Path("/etc/passwd")

CSS = """\
@font-face { font-family: "Noto Sans"; src: url(fonts/NotoSans-Regular.ttf); }
@page { size: A4; margin: 2cm; }
body { font-family: "Noto Sans"; font-size: 10pt; }
"""

CHART = """\
<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120" viewBox="0 0 300 120">
<rect x="10" y="10" width="120" height="60" fill="#336699"/>
<text x="10" y="100" font-family="Noto Sans" font-size="12">Emploi 6,6/10 ; France 6,4/10</text>
</svg>
"""

HTML_TEMPLATE = """\
<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>Titre HTML</title>
<link rel="stylesheet" href="{css_url}">
</head>
<body>
<h1>IMPACT-Test — Synthèse</h1>
<p>Le devoir d'alliance\u00a0: 84\u00a0% des habitants.</p>
<img src="charts/chart.svg" alt="Graphique de test">
{extra}
</body>
</html>
"""


@pytest.fixture
def job(tmp_path):
    """A templates dir and a job build dir with one chart; returns a small helper namespace."""
    templates = tmp_path / "templates"
    (templates / "fonts").mkdir(parents=True)
    shutil.copy(FONT, templates / "fonts" / FONT.name)
    (templates / "report.css").write_text(CSS, encoding="utf-8")
    build = tmp_path / "build" / "test"
    charts = build / "charts"
    charts.mkdir(parents=True)
    (charts / "chart.svg").write_text(CHART, encoding="utf-8")

    class Job:
        root = tmp_path
        roots = [templates, charts]
        out = tmp_path / "reports" / "test.pdf"

        def __init__(self):
            self.templates, self.build, self.charts = templates, build, charts

        def html(self, extra: str = "", name: str = "report.html") -> Path:
            path = build / name
            path.write_text(
                HTML_TEMPLATE.format(css_url=(templates / "report.css").as_uri(), extra=extra), encoding="utf-8"
            )
            return path

        def render(self, html_path: Path, out: Path | None = None, **kw) -> dict:
            kw.setdefault("title", "IMPACT-Test — Synthèse")
            kw.setdefault("vintage_year", 2019)
            return render_pdf(html_path, out or self.out, self.roots, **kw)

    return Job()


def _no_leftovers(directory: Path) -> bool:
    """No PDF and no temporary file in `directory`."""
    return not directory.exists() or not any(directory.iterdir())


# ---------------------------------------------------------------------------------------------
# (1) a tagged PDF with title and language
# ---------------------------------------------------------------------------------------------


def test_pdf_is_produced_tagged_with_title_and_lang(job):
    result = job.render(job.html())
    assert job.out.is_file()
    assert result == {"pages": 1, "size_bytes": job.out.stat().st_size, "warnings": []}
    info = pdf_info(job.out)
    assert info["pages"] == 1
    assert info["is_tagged"] is True
    assert info["title"] == "IMPACT-Test — Synthèse"  # the title argument wins over <title>
    assert info["lang"] == "fr"
    assert info["pdfua_part"] == 1
    assert info["has_attachments"] is False
    assert info["fonts"] == ["Noto-Sans"]  # only the shipped font, subset and embedded
    reader = PdfReader(str(job.out))
    assert reader.metadata["/CreationDate"] == "D:20191231000000Z"
    assert reader.metadata["/ModDate"] == "D:20191231000000Z"
    assert reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"]
    text = reader.pages[0].extract_text()
    assert "Synthèse" in text and "84" in text
    assert [p.name for p in job.out.parent.iterdir()] == ["test.pdf"]  # no temp file left


def test_chart_text_uses_the_shipped_font_even_with_system_fonts_off(job):
    html = job.html(extra='<p style="font-weight: bold">Gras synthétisé</p>')
    job.render(html)
    assert pdf_info(job.out)["fonts"] == ["Noto-Sans"]


# ---------------------------------------------------------------------------------------------
# (2) anything but an allowed file is refused and fails the job
# ---------------------------------------------------------------------------------------------

# case: (HTML snippet, expected reason in the error)
FORBIDDEN = {
    "img_file_outside": ('<img src="file:///etc/passwd" alt="x">', "outside the allowed"),
    "img_relative_escape": ('<img src="../../../../../../../../etc/passwd" alt="x">', "outside the allowed"),
    "img_https": ('<img src="https://example.org/x.png" alt="x">', "scheme 'https'"),
    "img_http": ('<img src="http://127.0.0.1:9/x.png" alt="x">', "scheme 'http'"),
    "img_data": (
        '<img alt="x" src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=">',
        "scheme 'data'",
    ),
    "css_background_https": ('<div style="background: url(https://example.org/bg.png)">x</div>', "scheme 'https'"),
    "link_attachment": ('<link rel="attachment" href="file:///etc/passwd">', "attachments"),
    "a_attachment_relative": ('<a rel="attachment" href="../../../etc/passwd">pièce jointe</a>', "attachments"),
    "a_attachment_allowed_file": ('<a rel="attachment" href="charts/chart.svg">graphique</a>', "attachments"),
    "img_without_alt": ('<img src="charts/chart.svg">', "no alt"),
    "wrong_file_type": ('<img src="file://{templates}/report.html.j2" alt="x">', "file type '.j2'"),
}


@pytest.mark.parametrize("case", sorted(FORBIDDEN))
def test_forbidden_resources_fail_the_job(job, case):
    (job.templates / "report.html.j2").write_text("secret template", encoding="utf-8")
    snippet, reason = FORBIDDEN[case]
    with pytest.raises(RenderError) as err:
        job.render(job.html(extra=snippet.replace("{templates}", str(job.templates))))
    assert reason in str(err.value), err.value.problems
    assert not job.out.exists()
    assert _no_leftovers(job.out.parent)


def test_refused_url_inside_an_svg_chart_fails_the_job(job):
    # WeasyPrint draws SVG inside a `except BaseException` that only logs: the fetcher's own
    # record of refusals is what makes the job fail here.
    (job.charts / "chart.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="100" height="100"><image href="file:///etc/passwd" width="10" height="10"/>'
        '<image xlink:href="https://example.org/y.png" width="10" height="10"/></svg>',
        encoding="utf-8",
    )
    with pytest.raises(RenderError, match="refused"):
        job.render(job.html())
    assert not job.out.exists()


def test_css_import_from_the_network_fails_the_job(job):
    (job.templates / "report.css").write_text('@import url("https://example.org/evil.css");\n' + CSS, encoding="utf-8")
    with pytest.raises(RenderError, match="https"):
        job.render(job.html())
    assert not job.out.exists()


def test_symlink_out_of_the_roots_is_refused(job):
    (job.charts / "link.svg").symlink_to(PASSWD)
    with pytest.raises(RenderError, match="outside the allowed"):
        job.render(job.html(extra='<img src="charts/link.svg" alt="x">'))
    assert not job.out.exists()


def test_attachments_are_blocked_even_without_the_html_check(job, monkeypatch):
    """Defence in depth: with the HTML pre-check disabled, a <link rel=attachment> is caught in
    the document metadata, an <a rel=attachment> to a file outside the roots by the fetcher, and
    one to an allowed file by the PDF finisher: nothing is ever embedded."""
    import impact_regions.render as render

    monkeypatch.setattr(render, "_html_problems", lambda html: [])
    with pytest.raises(RenderError, match="attachment"):
        job.render(job.html(extra='<link rel="attachment" href="file:///etc/passwd">'))
    assert not job.out.exists()
    with pytest.raises(RenderError, match="refused"):
        job.render(job.html(extra='<a rel="attachment" href="../../../etc/passwd">x</a>'))
    assert not job.out.exists()
    with pytest.raises(RenderError, match="attachment"):
        job.render(job.html(extra='<a rel="attachment" href="charts/chart.svg">x</a>'))
    assert not job.out.exists()


def test_no_byte_of_a_forbidden_file_reaches_any_pdf(job, tmp_path):
    # Belt and braces for (2): even a rendering that is allowed to succeed never carries
    # /etc/passwd, and the refused ones leave nothing at all.
    secret = PASSWD.read_bytes()[:32]
    job.render(job.html())
    assert secret not in job.out.read_bytes()


def test_fetcher_unit_behaviour(job):
    fetcher = make_url_fetcher(job.roots)
    assert isinstance(fetcher, SafeFetcher)
    ok = fetcher.fetch((job.charts / "chart.svg").as_uri())
    assert ok.content_type == "image/svg+xml" and b"<svg" in ok.read()
    css = fetcher.fetch((job.templates / "report.css").as_uri())
    assert css.content_type == "text/css"
    for url in (
        "file:///etc/passwd",
        "https://example.org/a.css",
        "http://localhost/a.svg",
        "data:text/css,body{}",
        "ftp://example.org/a.svg",
        "charts/chart.svg",
        f"file://{job.charts}/../../../../etc/passwd",
        f"file://{job.charts}/%2e%2e/%2e%2e/secret.svg",
        "file://otherhost/etc/passwd",
    ):
        with pytest.raises(PermissionError):
            fetcher.fetch(url)
    with pytest.raises(FileNotFoundError):
        fetcher.fetch((job.charts / "missing.svg").as_uri())
    assert len(fetcher.problems) == 10


# ---------------------------------------------------------------------------------------------
# (3) a missing file fails the job and leaves no PDF (not even an old one)
# ---------------------------------------------------------------------------------------------


def test_missing_chart_fails_and_leaves_no_pdf(job):
    html = job.html(extra='<img src="charts/absent.svg" alt="Graphique absent">')
    job.out.parent.mkdir(parents=True)
    job.out.write_bytes(b"%PDF- stale report from a previous run")
    with pytest.raises(RenderError, match="missing file"):
        job.render(html)
    assert not job.out.exists()
    assert _no_leftovers(job.out.parent)


def test_missing_font_or_stylesheet_fails(job):
    (job.templates / "fonts" / FONT.name).unlink()
    with pytest.raises(RenderError, match="missing file"):
        job.render(job.html())
    assert not job.out.exists()


def test_glyph_missing_from_the_shipped_font_fails(job):
    # Fontconfig sees only the @font-face fonts, so a character they lack would print as an
    # empty box (.notdef): that is a hole in the report, the job fails. (Noto Sans 2.004 has no
    # U+2212 MINUS SIGN either: the templates must ship a font that covers it.)
    with pytest.raises(RenderError, match="notdef"):
        job.render(job.html(extra="<p>\u6f22</p>"))
    assert not job.out.exists()


def test_missing_html_fails_before_anything(job):
    with pytest.raises(FileNotFoundError):
        job.render(job.build / "nope.html")
    assert not job.out.exists()


# ---------------------------------------------------------------------------------------------
# (4) determinism
# ---------------------------------------------------------------------------------------------


def test_two_renders_are_byte_identical(job, tmp_path, monkeypatch):
    html = job.html()
    a = tmp_path / "a" / "r.pdf"
    b = tmp_path / "b" / "r.pdf"
    job.render(html, a)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1")  # a caller's value does not leak in...
    job.render(html, b)
    assert a.read_bytes() == b.read_bytes()
    assert os.environ["SOURCE_DATE_EPOCH"] == "1"  # ...and is restored afterwards
    c = tmp_path / "c" / "r.pdf"
    job.render(html, c, vintage_year=2020)
    assert c.read_bytes() != a.read_bytes()  # the vintage date is in the PDF


def test_a_job_ending_with_os_exit_leaves_nothing_in_the_temporary_directory(job, tmp_path):
    """GIVEN a render in a process that ends as the warm worker's children do (os._exit, garbage
    collector frozen), with TMPDIR pointing at an empty directory
    WHEN the PDF is written
    THEN that directory is still empty: WeasyPrint's copies of the @font-face files (a
    "weasyprint-*" folder per report, 2.7 MB each) are removed by render_pdf itself."""
    import subprocess
    import sys

    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    html = job.html()
    code = (
        "import gc, os, sys\n"
        "from pathlib import Path\n"
        "from impact_regions.render import render_pdf\n"
        "gc.disable()\n"
        f"render_pdf(Path({str(html)!r}), Path({str(job.out)!r}), [Path(p) for p in {[str(r) for r in job.roots]!r}],"
        " title='T', vintage_year=2019)\n"
        "gc.freeze()\n"
        "sys.stdout.flush()\n"
        "os._exit(0)\n"
    )
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": str(REPO / "workflow")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert job.out.is_file()
    assert sorted(p.name for p in tmpdir.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# (5) Jinja2
# ---------------------------------------------------------------------------------------------


def test_jinja_autoescape_and_strict_undefined(tmp_path):
    (tmp_path / "page.html.j2").write_text(
        "<p>{{ intro }}</p>\n{% if True %}\n<p>{{ share | fr_percent }}</p>\n{% endif %}\n", encoding="utf-8"
    )
    out = render_html(tmp_path, "page.html.j2", {"intro": "<img src=x>", "share": 0.84}, tmp_path / "out" / "page.html")
    text = out.read_text(encoding="utf-8")
    assert "&lt;img src=x&gt;" in text and "<img" not in text
    assert text == "<p>&lt;img src=x&gt;</p>\n<p>84\u00a0%</p>\n"  # trim/lstrip blocks
    env = jinja_env(tmp_path)
    assert env.from_string("{{ v }}").render(v="<b>") == "&lt;b&gt;"
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        env.from_string("{{ missing }}").render()
    with pytest.raises(UndefinedError):
        render_html(tmp_path, "page.html.j2", {"share": 0.5}, tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_jinja_french_filters(tmp_path):
    env = jinja_env(tmp_path)
    t = env.from_string(
        "{{ 1234567 | fr_int }}|{{ -0.3 | fr_number }}|{{ 0.84 | fr_percent }}|"
        "{{ 0.02 | fr_points }}|{{ 6.6 | fr_score10 }}|{{ 17.2 | fr_unit('%') }}|"
        "{{ ['a', 'b', 'c'] | fr_join }}"
    )
    assert t.render() == "|".join(
        [
            french.integer(1234567),
            french.number(-0.3),
            french.percent(0.84),
            french.points(0.02),
            french.score10(6.6),
            french.value_with_unit(17.2, "%"),
            "a, b et c",
        ]
    )
    # fr_join escapes plain items, and keeps Markup items as markup
    assert env.from_string("{{ ['<a>', 'b'] | fr_join }}").render() == "&lt;a&gt; et b"
    from markupsafe import Markup

    assert env.from_string("{{ items | fr_join }}").render(items=[Markup("<b>x</b>"), "<y>"]) == "<b>x</b> et &lt;y&gt;"
