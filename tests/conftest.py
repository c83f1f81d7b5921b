"""Shared, generic fixtures for the unit tests.

`tiny_geo` is a hand-made reference geography small enough to reason about by hand, with the
codes that break naive readers: départements with a leading zero ("01", "03", "04"), Corse
("2A", "2B", communes "2A004"...), and an overseas département on three digits ("971").

    region 84  Auvergne-Rhône-Alpes        01 (Ain), 03 (Allier)
    region 94  Corse                       2A (Corse-du-Sud), 2B (Haute-Corse)
    region 93  Provence-Alpes-Côte d'Azur  04 (Alpes-de-Haute-Provence), 13 (Bouches-du-Rhône)
    region 01  Guadeloupe                  971 (Guadeloupe)

Each département has two communes; populations are round numbers (see `COMMUNES`).
`write_geo(geo, directory)` writes the three CSV files that `impact_regions.geo.load_geo`
reads, and `tiny_geo_dir` is that directory for the steps that read files. `shared_tiny_geo` is one
session-wide copy for module-scoped fixtures (read-only by convention).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from impact_regions.geo import Geography

REGIONS = [("01", "Guadeloupe"), ("84", "Auvergne-Rhône-Alpes"), ("93", "Provence-Alpes-Côte d'Azur"), ("94", "Corse")]

# (code_commune, nom_commune, code_departement, code_region, population_municipale)
COMMUNES = [
    ("01001", "L'Abergement-Clémenciat", "01", "84", 800),
    ("01004", "Ambérieu-en-Bugey", "01", "84", 14000),
    ("03001", "Abrest", "03", "84", 3000),
    ("03190", "Montluçon", "03", "84", 36000),
    ("04001", "Aiglun", "04", "93", 1300),
    ("04070", "Digne-les-Bains", "04", "93", 16000),
    ("13001", "Aix-en-Provence", "13", "93", 143000),
    ("13055", "Marseille", "13", "93", 863000),
    ("2A004", "Ajaccio", "2A", "94", 70000),
    ("2A247", "Porto-Vecchio", "2A", "94", 12000),
    ("2B033", "Bastia", "2B", "94", 48000),
    ("2B096", "Corte", "2B", "94", 7000),
    ("97101", "Les Abymes", "971", "01", 53000),
    ("97105", "Basse-Terre", "971", "01", 10000),
]

DEPARTEMENT_NAMES = {
    "01": "Ain",
    "03": "Allier",
    "04": "Alpes-de-Haute-Provence",
    "13": "Bouches-du-Rhône",
    "2A": "Corse-du-Sud",
    "2B": "Haute-Corse",
    "971": "Guadeloupe",
}


def make_geography() -> Geography:
    """The tiny geography described in the module docstring (a fresh copy each call)."""
    communes = pd.DataFrame(
        COMMUNES, columns=["code_commune", "nom_commune", "code_departement", "code_region", "population_municipale"]
    )
    communes["population_municipale"] = communes["population_municipale"].astype("int64")
    deps = communes.groupby(["code_departement", "code_region"], as_index=False)["population_municipale"].sum()
    deps.insert(1, "nom_departement", deps["code_departement"].map(DEPARTEMENT_NAMES))
    deps["nb_communes"] = communes.groupby("code_departement").size().reindex(deps["code_departement"]).to_numpy()
    regions = pd.DataFrame(REGIONS, columns=["code_region", "nom_region"])
    return Geography(regions=regions, departements=deps.reset_index(drop=True), communes=communes)


def write_geo(geo: Geography, directory: Path) -> Path:
    """Write `geo` as regions.csv / departements.csv / communes.csv (the layout of data/raw/geo)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    geo.regions.to_csv(directory / "regions.csv", index=False)
    geo.departements.to_csv(directory / "departements.csv", index=False)
    geo.communes.to_csv(directory / "communes.csv", index=False)
    return directory


@pytest.fixture
def tiny_geo() -> Geography:
    """A fresh tiny geography for one test."""
    return make_geography()


@pytest.fixture(scope="session")
def shared_tiny_geo() -> Geography:
    """The tiny geography shared by module-scoped fixtures: read it, never modify it."""
    return make_geography()


@pytest.fixture
def tiny_geo_dir(tmp_path, tiny_geo) -> Path:
    return write_geo(tiny_geo, tmp_path / "geo")


@pytest.fixture(scope="session")
def demo_processed(tmp_path_factory) -> Path:
    """`data/processed` of a Snakemake run of the `tables` target on the shipped demo data, in a
    temporary working directory (about 20 s, once per session): the statistics tests check the
    pipeline's own tables at full size, on a clean clone too."""
    from workdirs import ROOT, snakemake, workdir_with

    paca = (ROOT / "config" / "regions" / "paca.yaml").read_text(encoding="utf-8")  # a run needs one territory file
    work = workdir_with(tmp_path_factory.mktemp("demo-tables"), ROOT / "data" / "raw", {"paca": paca})
    proc = snakemake(work, "tables")
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work / "data" / "processed"


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory) -> Path:
    """`reports/` of a plain Snakemake run (all targets) on the shipped demo data with every territory
    file of config/regions (19 PDFs and the index page), in a temporary working directory: a few
    minutes on 2 cores, once per session. IMPACT_TEST_REPORTS=<folder> uses a folder already built
    instead (e.g. the project's reports/ after `make reports`), for quick runs while editing the page."""
    import os

    from workdirs import demo_workdir, snakemake

    if os.environ.get("IMPACT_TEST_REPORTS"):
        reports = Path(os.environ["IMPACT_TEST_REPORTS"]).resolve()
        assert (reports / "index.html").is_file(), f"IMPACT_TEST_REPORTS={reports} has no index.html"
        return reports
    work = demo_workdir(tmp_path_factory.mktemp("demo-reports"))
    proc = snakemake(work, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work / "reports"
