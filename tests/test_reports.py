"""The PDF syntheses: content matches the tables, print and accessibility properties, safety,
determinism and incremental rebuilds.

Two Snakemake runs in temporary working directories:
- `demo_run`: the shipped demo data with two territory files, PACA and Mayotte (an overseas
  region with small samples), so that the published figures of REPORT_SPEC can be checked;
- `tiny_run` (tests/data/tiny): Corse and Martinique, for safety, determinism and rebuilds.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from workdirs import ROOT, TINY, snakemake, workdir_with

from impact_regions import french as fr
from impact_regions.render import pdf_info


def pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    # typographic apostrophes (’) read as ' so that expected strings stay plain
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " ").replace("\u2019", "'"))


def plain(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\u202f", " ").replace("\u00a0", " ").replace("\u2019", "'"))


@pytest.fixture(scope="module")
def demo_run(demo_reports):
    """The working directory of the session's full demo build (conftest.demo_reports: the demo data
    with every territory file), shared with the browser tests: one build of the demo per session."""
    return demo_reports.parent


TINY_REGIONS = {
    "corse": 'code: "94"\nname: Corse\nslug: corse\n',
    "martinique": 'code: "02"\nname: Martinique\nslug: martinique\nlocative: "en Martinique"\n',
}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    regions = dict(TINY_REGIONS)
    regions["corse"] += (
        'intro: \'<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/passwd"> fin\'\n'
    )
    work = workdir_with(tmp_path_factory.mktemp("tiny"), TINY, regions)
    proc = snakemake(work)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work


def estimate(work: Path, territory: str, group: str, measure: str) -> pd.Series:
    se = pd.read_parquet(work / "data" / "processed" / "survey_estimates.parquet")
    return se[(se.territory_code == territory) & (se.respondent_group == group) & (se.measure_id == measure)].iloc[0]


def test_paca_sentences_match_the_tables(demo_run):
    # GIVEN the PACA report built from the demo data
    text = pdf_text(demo_run / "reports" / "paca.pdf")
    # THEN the inhabitants' priorities are printed with their scores from survey_estimates
    emploi = estimate(demo_run, "93", "habitants", "fragilite_emploi")["estimate"]
    ndv = estimate(demo_run, "93", "habitants", "fragilite_niveau_de_vie")["estimate"]
    assert plain(f"l'emploi ({fr.score10(emploi)}), le niveau de vie ({fr.score10(ndv)})") in text
    assert "l'emploi (6,6/10), le niveau de vie (6,4/10), la pauvreté et le vieillissement (6,2/10)" in text
    # AND the devoir d'alliance, 84 % in PACA against 82 % in France, from the table
    pa = estimate(demo_run, "93", "habitants", "devoir_alliance")["estimate"]
    fr_ = estimate(demo_run, "FR", "habitants", "devoir_alliance")["estimate"]
    assert (
        plain(
            f"{fr.percent(pa)} des habitants de Provence-Alpes-Côte d'Azur pensent que les collectivités, "
            f"les entreprises et les associations doivent travailler ensemble, contre {fr.percent(fr_)} en France"
        )
        in text
    )
    assert "84 %" in text and "82 %" in text
    # AND the objective profile names security and digital first
    assert "concernent d'abord la sécurité et le numérique" in text
    # AND the first page points to the methodology section, which spans several pages
    assert "Sources et méthode : section « Méthodologie », en fin de document" in text
    assert "dernière page" not in text
    # AND every section is there
    for title in (
        "Les fragilités en Provence-Alpes-Côte d'Azur",
        "La perception des fragilités par les habitants",
        "La perception des fragilités par les associations",
        "Le « devoir d'alliances »",
        "Les pratiques d'alliances",
        "Méthodologie et sources",
    ):
        assert title in text, title


def _ordinal(n: int) -> str:
    return f"{n}{'re' if n == 1 else 'e'}"


def test_paca_shows_rank_intervals_gap_significance_and_methods(demo_run):
    # GIVEN the PACA report and the tables it comes from
    text = pdf_text(demo_run / "reports" / "paca.pdf")
    p = demo_run / "data" / "processed"
    fi = pd.read_parquet(p / "fragility_indices.parquet")
    paca = fi[(fi.territory_code == "93") & (fi.domain_id != "ensemble")]
    # THEN every domain whose Monte Carlo rank interval is not a single rank prints it beside its rank
    wide = paca[paca.rank_p05 != paca.rank_p95]
    assert len(wide) > 0
    for _, r in wide.iterrows():
        expected = f"{_ordinal(int(r.rank_among_regions))} ({_ordinal(int(r.rank_p05))}–{_ordinal(int(r.rank_p95))})"
        assert expected in text, expected
    # THEN the number of significant perception/measure gaps is the table's
    gaps = pd.read_parquet(p / "perception_gaps.parquet")
    g = gaps[(gaps.territory_code == "93") & gaps.gap.notna()]
    n_sig = int(g.is_gap_significant.sum())
    assert f"{n_sig} domaines sur {len(g)} montrent un écart net" in text
    # THEN the methodology names the raking, the Holm correction and the most influential choice
    assert "calés (raking)" in text and "correction de Holm" in text
    sens = pd.read_parquet(p / "sensitivity.parquet").sort_values("total", ascending=False)
    assert f"({plain(fr.percent(sens.total.iloc[0]))} de leur variance" in text


def test_methodology_annex_matches_the_tables(demo_run):
    # GIVEN the methodology annex of the run
    annex = demo_run / "reports" / "methodologie.pdf"
    info = pdf_info(annex)
    text = pdf_text(annex)
    p = demo_run / "data" / "processed"
    # THEN it is a tagged PDF with the Sobol indices, the audit and the weighting of the tables
    assert info["is_tagged"] and info["lang"] == "fr" and info["pages"] >= 3
    for _, r in pd.read_parquet(p / "sensitivity.parquet").iterrows():
        assert plain(fr.number(r.total, 2)) in text
    audit = pd.read_parquet(p / "index_audit.parquet")
    alpha = audit[(audit.check == "cronbach_alpha") & (audit.domain_id == "emploi")].value.iloc[0]
    assert "Cronbach" in text and plain(fr.number(alpha, 2)) in text
    margins = pd.read_parquet(p / "raking_margins.parquet")
    kish = margins[margins.territory_code == "FR"].kish_efficiency.iloc[0]
    assert plain(fr.percent(kish)) in text
    assert "Holm" in text and "Provence-Alpes-Côte d'Azur" in text
    # AND it neither counts the syntheses' pages nor the gaps (Mayotte has one domain less), nor
    # describes the gaps chart that is no longer drawn
    assert "huit pages" not in text and "16 écarts" not in text and "intervalle tracé" not in text
    assert "un par domaine mesuré" in text


def test_annex_keeps_percentages_with_their_figure():
    # GIVEN the annex template THEN no figure is separated from its « % » by a breaking space
    import re as _re

    template = (ROOT / "templates" / "methodology.html.j2").read_text(encoding="utf-8")
    assert not _re.search(r"(\d|\}\}) %", template)


def test_paca_pdf_is_a_tagged_a4_document_of_4_to_12_pages(demo_run):
    path = demo_run / "reports" / "paca.pdf"
    info = pdf_info(path)
    assert 4 <= info["pages"] <= 12
    assert info["is_tagged"]
    assert info["lang"].lower().startswith("fr")
    reader = PdfReader(path)
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 1 and abs(float(box.height) - 841.9) < 1  # A4 in points
    text = pdf_text(path)
    for page in reader.pages:  # every page (the running mark is printed in capitals)
        assert "données de démonstration" in (page.extract_text() or "").lower()
    assert f"page {info['pages']} / {info['pages']}" in text
    assert [o.title for o in reader.outline if hasattr(o, "title")][:1]  # bookmarks


def test_every_report_has_4_to_12_pages(demo_run, tiny_run):
    # GIVEN the reports of both runs THEN each has 4 to 12 pages (8 of synthesis, with the
    # indicator tables and the survey documentation)
    for pdf in [*(demo_run / "reports").glob("*.pdf"), *(tiny_run / "reports").glob("*.pdf")]:
        assert 4 <= pdf_info(pdf)["pages"] <= 12, pdf.name


def test_overseas_report_marks_low_reliability(demo_run):
    # GIVEN Mayotte, where organisations' samples are small
    text = pdf_text(demo_run / "reports" / "mayotte.pdf")
    se = pd.read_parquet(demo_run / "data" / "processed" / "survey_estimates.parquet")
    mine = se[se.territory_code == "06"]
    # THEN a suppressed estimate is never printed and flagged ones are marked
    assert (mine.reliability == "non_publie").any()
    assert "trop faible" in text
    if (mine.reliability == "prudence").any():
        assert "à interpréter avec prudence" in text
    pa = estimate(demo_run, "06", "habitants", "devoir_alliance")["estimate"]
    assert plain(fr.percent(pa)) in text


def test_intro_cannot_inject_html_or_files(tiny_run):
    text = pdf_text(tiny_run / "reports" / "corse.pdf")
    # THEN the intro is printed as text and no file content leaks
    assert '<img src="file:///etc/passwd">' in text
    assert "root:" not in text
    raw = (tiny_run / "reports" / "corse.pdf").read_bytes()
    assert b"root:x:" not in raw and b"/EmbeddedFile" not in raw


def test_two_clean_builds_are_byte_identical(tiny_run, tmp_path):
    # GIVEN a second, clean build of the same inputs in another directory
    regions = dict(TINY_REGIONS)
    regions["corse"] += (
        'intro: \'<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/passwd"> fin\'\n'
    )
    other = workdir_with(tmp_path / "again", TINY, regions)
    # (without the hooks, so without the warm worker: each report job runs in its own process,
    # as on a cluster, where tiny_run's were forked by the worker, impact_regions.report_server)
    assert snakemake(other, "--no-hooks").returncode == 0
    # THEN PDFs, charts and the index are identical byte for byte
    for rel in (
        "reports/corse.pdf",
        "reports/martinique.pdf",
        "reports/index-map.svg",
        "data/processed/report_build/corse/charts/profile.svg",
        "data/processed/report_build/martinique/charts/map.svg",
        "data/processed/report_build/corse/context.json",
        "data/processed/report_build/corse/pdf.json",
        "reports/donnees/corse.csv",
        "reports/donnees/martinique.xlsx",
    ):
        assert (tiny_run / rel).read_bytes() == (other / rel).read_bytes(), rel


def _scheduled(work: Path) -> set[tuple[str, str]]:
    out = snakemake(work, "--dry-run")
    jobs = set()
    for block in out.stdout.split("\n\n"):
        m = re.search(r"^(?:local)?rule (\w+):", block, re.M)
        if m:
            w = re.search(r"wildcards: slug=([\w-]+)", block)
            jobs.add((m.group(1), w.group(1) if w else ""))
    assert out.returncode == 0, out.stderr[-2000:]
    return jobs


def test_adding_one_territory_schedules_only_its_jobs(tiny_run):
    # GIVEN the built tiny project WHEN one custom territory file is added
    (tiny_run / "config" / "regions" / "corse-du-sud.yaml").write_text(
        'code: CORSE_DU_SUD\nname: Corse-du-Sud\nslug: corse-du-sud\ndepartements: ["2A"]\n', encoding="utf-8"
    )
    try:
        jobs = _scheduled(tiny_run)
    finally:
        (tiny_run / "config" / "regions" / "corse-du-sud.yaml").unlink()
    # THEN only that territory's jobs run, plus the published tables, their archive (the tables
    # gain the territory's rows) and the index that list it
    per_territory = {j for j in jobs if j[1]}
    assert per_territory == {(r, "corse-du-sud") for r in ("custom_territory", "report")}
    assert {j[0] for j in jobs if not j[1]} <= {"tables", "tables_archive", "index", "all"}


def test_editing_css_rebuilds_the_reports_and_the_annex_only(tiny_run):
    # GIVEN the built tiny project WHEN the print CSS is edited (Snakemake compares checksums,
    # so the content must change, a touch is not enough)
    css = ROOT / "templates" / "print.css"
    original = css.read_bytes()
    stat = css.stat()
    try:
        css.write_bytes(original + b"\n/* edited by a test */\n")
        jobs = {j[0] for j in _scheduled(tiny_run)}
    finally:
        css.write_bytes(original)
        os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # THEN the reports are made again, and the annex, which uses the same CSS; no table. (Charts
    # and HTML are no longer spared: they are made by the territory's one report job, since a job
    # per step cost more than redrawing them, see report_steps.report_step.)
    # The CSS reaches the report jobs through the fingerprint of their sources (report_sources).
    assert {"report_sources", "report", "methodology"} <= jobs
    assert jobs <= {"report_sources", "report", "methodology", "index", "all"}


def test_editing_one_territory_file_rebuilds_that_territory_only(tiny_run):
    # GIVEN the built tiny project WHEN Martinique's file gets an introduction
    region = tiny_run / "config" / "regions" / "martinique.yaml"
    original = region.read_text(encoding="utf-8")
    try:
        region.write_text(original + "intro: Une introduction.\n", encoding="utf-8")
        jobs = _scheduled(tiny_run)
    finally:
        region.write_text(original, encoding="utf-8")
    # THEN only Martinique's report is rebuilt (and the index that lists it): no table
    assert {j for j in jobs if j[1]} == {("report", "martinique")}
    assert {j[0] for j in jobs if not j[1]} <= {"index", "all"}


def test_readings_never_contradict_the_profile_nor_invent_ties(demo_run):
    # GIVEN every context built by the demo run and the regions' stored scores
    import json

    p = demo_run / "data" / "processed"
    fi = pd.read_parquet(p / "fragility_indices.parquet")
    regions = set(pd.read_parquet(p / "territories.parquet").query("kind == 'region'").territory_code)
    for ctx_file in sorted((p / "report_build").glob("*/context.json")):
        ctx = json.loads(ctx_file.read_text(encoding="utf-8"))
        code = ctx["territory"]["code"]
        sentences = " ".join(v for k, v in ctx.items() if isinstance(v, str) and k.endswith("_sentence"))
        # THEN no domain is called one of the least fragile (the wording that confused ranks)
        assert "parmi les moins fragiles" not in sentences, ctx_file
        # AND a domain above France is never in the « moins fragile que la France » clause
        below = ctx["profile_sentence"].partition("À l’inverse")[2]
        for d in ctx["profile"]:
            if d["score"] is not None and d["score"] > 0:
                assert d["phrase"] not in below, (code, d["domain_id"])
        # AND « ex æquo » only where another region has exactly the same stored score
        for d in ctx["profile"]:
            if d["rank_text"] and "ex æquo" in d["rank_text"]:
                same = fi[
                    (fi.domain_id == d["domain_id"])
                    & fi.territory_code.isin(regions - {code})
                    & (fi.score == d["score"])
                ]
                assert len(same) > 0, (code, d["domain_id"])
        # AND the sentences use typographic apostrophes only
        assert "'" not in sentences, code
        # AND the first page's key messages are there, four at most five
        assert 3 <= len(ctx["essentiel"]) <= 5, code


def test_rank_differences_are_never_worded_as_certain_unless_confirmed(demo_run, tiny_run):
    # GIVEN every context built by the two runs
    import json

    from impact_regions.report_perception import confirmed, rank_mismatches
    from impact_regions.territories import sentence_subject

    for work in (demo_run, tiny_run):
        for ctx_file in sorted((work / "data" / "processed" / "report_build").glob("*/context.json")):
            ctx = json.loads(ctx_file.read_text(encoding="utf-8"))
            ranks, check = ctx["gap_sentence"], ctx["gap_significance_sentence"]
            under, over = rank_mismatches(ctx["gaps"])
            named = [(g, "under") for g in under] + [(g, "over") for g in over]
            # THEN the rank sentence compares rankings inside the territory, never a certain gap
            assert ranks.startswith("Classés au sein du territoire"), ctx_file
            for word in ("préoccupe", "davantage", "écart net", "sans être"):
                assert word not in ranks, (ctx_file, word)
            # AND every domain it names is in it
            for g, _ in named:
                assert fr.typography(g["phrase"]) in ranks, (ctx_file, g["domain_id"])
            # AND the next sentence checks them: a domain is said confirmed only when its gap is
            # significant in the same direction, and « se confirment » alone only when all are
            first = check.split(". ")[0]
            if named and check:
                assert "différence" in first and "classement" in first, ctx_file
                ok = [g for g, side in named if confirmed(g, side)]
                if not ok:
                    assert "ne se confirment pas" in first, ctx_file
                elif len(ok) < len(named):
                    for g, side in named:
                        assert (fr.typography(g["phrase"]) in first) == confirmed(g, side), (ctx_file, g["domain_id"])
                else:
                    assert first.startswith("Ces différences de classement se confirment"), ctx_file
            # AND priority ranks follow the perceived chart's order over every rated domain
            rated = sorted(
                (p for p in ctx["perceived"] if p["estimate"] is not None), key=lambda p: (-p["estimate"], p["label"])
            )
            order = {p["domain_id"]: i + 1 for i, p in enumerate(rated)}
            for g in ctx["gaps"]:
                assert g["rank_perceived"] == order.get(g["domain_id"]), (ctx_file, g["domain_id"])
            # AND a region's rank sentence starts with its name as a subject (« La Corse est… »)
            t = ctx["territory"]
            if t["kind"] == "region" and ctx["overall"]["rank_words"]:
                subject = sentence_subject(t["nominative"])
                assert ctx["overall"]["rank_words"].startswith(subject + " "), (ctx_file, subject)
                assert ("sont " if t["nominative"].startswith("les ") else "est ") in ctx["overall"]["rank_words"]


def _blank_share_below_content(page, dpi: int = 30) -> float:
    """Share of a printed page's content area (A4 minus the 20/18 mm top/bottom and 16 mm side
    margins of print.css) left white below its last ink, measured on the rasterised page."""
    import numpy as np

    image = np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
    px_mm = image.shape[0] / 297
    body = image[int(20 * px_mm) + 1 : int((297 - 18) * px_mm) - 1, int(16 * px_mm) : -int(16 * px_mm)]
    ink = np.flatnonzero((body < 235).any(axis=1))
    return 1 - ((ink.max() + 1) if len(ink) else 0) / body.shape[0]


def test_no_page_but_the_last_is_more_than_a_quarter_empty(demo_run, tiny_run):
    # GIVEN every PDF of both runs (syntheses and the methodology annex), rasterised
    pdfium = pytest.importorskip("pypdfium2")
    checked = 0
    for path in [*(demo_run / "reports").glob("*.pdf"), *(tiny_run / "reports").glob("*.pdf")]:
        document = pdfium.PdfDocument(str(path))
        # THEN no page but the last has more than a quarter of its content area blank at the bottom
        for number in range(len(document) - 1):
            blank = _blank_share_below_content(document[number])
            assert blank <= 0.25, f"{path.name} page {number + 1} is {blank:.0%} empty"
            checked += 1
    assert checked >= 20


def test_reports_past_8_pages_have_a_table_of_contents_with_page_numbers(demo_run):
    # GIVEN PACA's synthesis (more than 8 pages) THEN its first page lists the sections with the
    # page each starts on, and those pages hold the sections' titles
    reader = PdfReader(demo_run / "reports" / "paca.pdf")
    assert len(reader.pages) > 8
    first = plain(reader.pages[0].extract_text())
    for label, title in [
        ("Habitants", "La perception des fragilités par les habitants"),
        ("Indicateurs", "Les indicateurs"),
        ("Méthodologie", "Méthodologie et sources"),
    ]:
        match = re.search(re.escape(label) + r" p\. (\d+)", first)
        assert match, label
        assert title in plain(reader.pages[int(match.group(1)) - 1].extract_text()), (label, match.group(1))


def test_pdfs_are_not_dated_before_the_newest_data_they_cite(demo_run):
    # GIVEN the syntheses, which cite the 2019 surveys and the COG 2025, and the annex, which
    # lists the geography files among its inputs
    for path in (demo_run / "reports").glob("*.pdf"):
        meta = PdfReader(path).metadata
        text = pdf_text(path)
        assert ("COG 2025" if path.stem != "methodologie" else "geo/communes.csv") in text, path.name
        # THEN their date (reproducible: from the data, not the clock) is 1 January 2025 or later
        assert meta["/CreationDate"] >= "D:20250101", (path.name, meta["/CreationDate"])
        assert meta["/ModDate"] == meta["/CreationDate"]


def test_index_map_has_a_visible_title_a_source_and_region_names(demo_run):
    # GIVEN the download page and its map
    html = (demo_run / "reports" / "index.html").read_text(encoding="utf-8")
    svg = (demo_run / "reports" / "index-map.svg").read_text(encoding="utf-8")
    # THEN the map has a caption and a source line, and the map names the regions
    assert re.search(r"<figcaption[^>]*>Indice global de fragilité des régions", html)
    assert '<p class="source">Source' in html
    for name in ("Bretagne", "Occitanie", "Provence-Alpes-", "Guyane"):
        assert name in svg, name


def test_overall_index_prints_the_same_everywhere_and_never_a_false_tie(demo_run):
    # GIVEN every region's context, its PDF, the index page and the methodology annex of the demo build
    import json

    reports = demo_run / "reports"
    index = (reports / "index.html").read_text(encoding="utf-8")
    annex = plain(pdf_text(reports / "methodologie.pdf"))
    printed, decimals = {}, set()
    for ctx_file in sorted((demo_run / "data" / "processed" / "report_build").glob("*/context.json")):
        ctx = json.loads(ctx_file.read_text(encoding="utf-8"))
        t, ov = ctx["territory"], ctx["overall"]
        if t["kind"] != "region" or ov["score"] is None:
            continue
        value = fr.number(ov["score"], ov["decimals"], signed=True)
        printed[t["slug"]] = (value, ov["rank"])
        decimals.add(ov["decimals"])
        # THEN the report prints that string, in its box and in L'essentiel (words hyphenated at a
        # line end joined again)
        text = re.sub("[\u2010\u00ad] ?", "", plain(pdf_text(reports / f"{t['slug']}.pdf")))
        assert f"Indice global de fragilité : {value} " in text, t["slug"]
        assert f"indice global de fragilité est de {value} " in text, t["slug"]
        # AND the index page's row prints the same string
        row = index[index.index(f'data-slug="{t["slug"]}"') :].split("</tr>")[0]
        assert f">{value} · " in row, (t["slug"], value)
        # AND so does the annex's ranking table
        assert f"{plain(t['name'])} {value} " in annex, (t["slug"], value)
    assert len(printed) == 18
    # AND one rule for all: the same decimals in every region's report
    assert len(decimals) == 1, decimals
    # AND no two regions of different ranks print the same value
    by_value: dict[str, set] = {}
    for value, rank in printed.values():
        by_value.setdefault(value, set()).add(rank)
    assert all(len(ranks) == 1 for ranks in by_value.values()), by_value


def test_pdf_texts_have_typographic_apostrophes_only(demo_run):
    # GIVEN the text of every PDF of the demo build (reports, annex), charts included
    import shutil
    import subprocess

    for pdf in sorted((demo_run / "reports").glob("*.pdf")):
        if shutil.which("pdftotext"):
            text = subprocess.run(
                ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
            ).stdout
        else:
            text = "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
        # THEN no straight apostrophe is left (sentences, chart text, annex, a territory's description)
        lines = [line for line in text.splitlines() if "'" in line]
        assert not lines, (pdf.name, lines[:5])
