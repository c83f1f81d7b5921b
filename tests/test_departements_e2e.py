"""End-to-end: `territories: {departements: true}` on the tiny dataset (Corse: 2A, 2B; Martinique: 972).

Two independent builds from scratch, option off and on: the regions' reports (context.json and
PDF) must be the same bytes, the départements' PDFs must be under reports/departements/, and the
index page must list them under their region. A third check: a build made with the option off,
asked for the option on, schedules only the départements' report jobs and the index.
"""

from __future__ import annotations

import json
import re

import pytest
from workdirs import TINY, snakemake, workdir_with

ON = ("--config", "territories={departements: true}")
REGIONS = {
    "corse": 'code: "94"\nname: Corse\nslug: corse\ngenitive: "de la Corse"\n',
    "martinique": 'code: "02"\nname: Martinique\nslug: martinique\nlocative: "en Martinique"\n'
    'genitive: "de la Martinique"\n',
}
DEPARTEMENTS = {"2A-corse-du-sud": "Corse", "2B-haute-corse": "Corse", "972-martinique": "Martinique"}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """{"off": workdir, "on": workdir}: the same project built with the option off and on."""
    out = {}
    for name, extra in (("off", ()), ("on", ON)):
        workdir = workdir_with(tmp_path_factory.mktemp(name), TINY, REGIONS)
        proc = snakemake(workdir, *extra)
        assert proc.returncode == 0, proc.stderr[-4000:]
        out[name] = workdir
    return out


def test_regions_reports_are_the_same_bytes_with_the_option_on(builds):
    off, on = builds["off"], builds["on"]
    for slug in REGIONS:
        # THEN each region's figures and PDF are byte-identical
        for rel in (f"data/processed/report_build/{slug}/context.json", f"reports/{slug}.pdf"):
            assert (off / rel).read_bytes() == (on / rel).read_bytes(), rel
    assert (off / "reports/methodologie.pdf").read_bytes() == (on / "reports/methodologie.pdf").read_bytes()
    # AND the option off builds no département report
    assert not (off / "reports" / "departements").exists()


def test_departement_reports_are_under_reports_departements(builds):
    on = builds["on"]
    pdfs = sorted(p.name for p in (on / "reports" / "departements").glob("*.pdf"))
    assert pdfs == sorted(f"{s}.pdf" for s in DEPARTEMENTS)
    for slug, region in DEPARTEMENTS.items():
        assert (on / "reports" / "departements" / f"{slug}.pdf").read_bytes().startswith(b"%PDF")
        ctx = json.loads((on / "data/processed/report_build/departements" / slug / "context.json").read_text("utf-8"))
        t = ctx["territory"]
        # the context says what the territory is and where it belongs
        assert (t["kind"], t["region_name"], t["n_departements"]) == ("departement", region, 1)
        # ranked among the départements only (3 in the tiny geography), never among the regions
        if ctx["overall"]["rank"] is not None:
            assert ctx["overall_rank_text"].endswith("sur 3")
            assert "département" in ctx["overall_sentence"] and "région" not in ctx["overall"]["rank_words"]
    corse_du_sud = json.loads(
        (on / "data/processed/report_build/departements/2A-corse-du-sud/context.json").read_text("utf-8")
    )
    assert corse_du_sud["territory"]["locative"] == "en Corse-du-Sud"
    assert corse_du_sud["territory"]["genitive"] == "de la Corse-du-Sud"


def test_index_lists_departements_under_their_region(builds):
    html = (builds["on"] / "reports" / "index.html").read_text(encoding="utf-8")
    section = html[html.index('id="departements"') :]
    # Corse's two départements after its heading, Martinique's after its own
    assert (
        section.index(">Corse<")
        < section.index("Corse-du-Sud")
        < section.index("Haute-Corse")
        < section.index(">Martinique<")
    )
    for slug in DEPARTEMENTS:
        assert f'href="departements/{slug}.pdf"' in section
    assert re.search(r"code 2A<", section) and "DEP-" not in html
    # AND the page with the option off has no département group
    assert 'id="departements"' not in (builds["off"] / "reports" / "index.html").read_text(encoding="utf-8")


def test_turning_the_option_on_schedules_only_the_departement_reports(builds):
    # GIVEN the build made with the option off WHEN asked for the option on (dry run)
    proc = snakemake(builds["off"], *ON, "--dry-run", "--quiet", "rules")
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout + proc.stderr, flags=re.M))
    # THEN only the three départements' report jobs and the index (and the target rule) run
    assert jobs == {"report": "3", "index": "1", "all": "1", "total": "5"}, proc.stdout + proc.stderr


def test_option_off_schedules_nothing_after_a_build(builds):
    proc = snakemake(builds["off"], "--dry-run")
    assert proc.returncode == 0
    assert "Nothing to be done" in proc.stdout + proc.stderr
