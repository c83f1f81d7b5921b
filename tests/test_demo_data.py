"""The demonstration-data generator: determinism, and calibration of the committed files.

- Two generations of the tiny dataset (Corse + Martinique) into temporary directories are
  byte-identical, and identical to the committed ``tests/data/tiny/raw`` (so the committed
  dataset is exactly what the generator produces).
- The committed full data (``data/raw``) reproduce the published orders of magnitude and the
  survey targets (computed here directly with pandas from the files, independently of the
  generator), and the PACA objective profile puts sécurité and numérique first.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from impact_regions import demo_data
from impact_regions.demo import check
from impact_regions.demo import profiles as P

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
GEO = RAW / "geo"
TINY = ROOT / "tests" / "data" / "tiny" / "raw"
CATALOGUE = ROOT / "config" / "indicators.yaml"
TINY_ARGS = ["--geo", str(GEO), "--regions", "94,02", "--per-region", "150", "--no-report"]

needs_full = pytest.mark.skipif(
    not (RAW / "survey" / "impact_citoyens.csv").exists(), reason="demonstration data not generated (make demo-data)"
)


def tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tiny_twice(tmp_path_factory):
    out = []
    for name in ("a", "b"):
        d = tmp_path_factory.mktemp(f"tiny_{name}") / "raw"
        assert demo_data.main(["--out", str(d), *TINY_ARGS]) == 0
        out.append(tree(d))
    return out


def test_tiny_generation_is_byte_identical(tiny_twice):
    a, b = tiny_twice
    assert sorted(a) == sorted(b)
    different = [k for k in a if a[k] != b[k]]
    assert not different, f"files differ between two runs: {different}"
    assert "ot/ot_emploi_entreprises_2017.xlsx" in a and "SOURCES.yaml" in a and "geo/communes.csv" in a


def test_committed_tiny_dataset_is_what_the_generator_writes(tiny_twice):
    if not TINY.exists():
        pytest.skip("tests/data/tiny/raw not generated")
    committed = tree(TINY)
    fresh = tiny_twice[0]
    assert sorted(committed) == sorted(fresh)
    stale = [k for k in fresh if committed[k] != fresh[k]]
    assert not stale, f"regenerate tests/data/tiny/raw ({' '.join(TINY_ARGS[:-1])}): {stale}"


def test_tiny_dataset_is_small_and_covers_two_regions(tiny_twice):
    files = tiny_twice[0]
    assert sum(len(v) for v in files.values()) < 1_000_000
    regions = pd.read_csv(TINY / "geo" / "regions.csv", dtype=str) if TINY.exists() else None
    if regions is not None:
        assert sorted(regions["code_region"]) == ["02", "94"]
    cit = pd.read_csv(io.BytesIO(files["survey/impact_citoyens.csv"]), sep=";", dtype=str)
    assert cit.groupby("code_region").size().to_dict() == {"02": 150, "94": 150}
    org = pd.read_csv(io.BytesIO(files["survey/phare_organisations.csv"]), sep=";", dtype=str)
    assert org.groupby("code_region").size().to_dict() == {"02": 90, "94": 90}


def test_tiny_files_are_read_by_the_pipeline_readers():
    if not TINY.exists():
        pytest.skip("tests/data/tiny/raw not generated")
    from impact_regions.config import load_indicators
    from impact_regions.geo import load_geo
    from impact_regions.indicator_raw import build_indicator_raw

    df = build_indicator_raw(load_indicators(CATALOGUE), TINY, load_geo(TINY / "geo"))
    assert set(df["missing_reason"].dropna().unique()) <= {"secret", "non_disponible", "division_par_0", "vide"}
    assert df["geo_code"].str.match(r"^(2[AB]\d{3}|972\d{2}|2A|2B|972|94|02)$").all()


# --------------------------------------------------------------------------------------------
# full data
# --------------------------------------------------------------------------------------------


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.str.replace(",", ".", regex=False), errors="coerce")


@pytest.fixture(scope="module")
def geo():
    com = pd.read_csv(GEO / "communes.csv", dtype=str)
    com["pop"] = com["population_municipale"].astype(float)
    return com.set_index("code_commune")


@needs_full
def test_every_catalogue_column_exists():
    cat = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    raw = check.Raw(RAW)
    for ind in cat["indicators"]:
        files = dict(ind.get("sources") or {ind["level"]: ind["source"]})
        num = ind.get("numerator")
        cols = [ind.get("value")] + (num if isinstance(num, list) else [num])
        for src in files.values():
            header = set(raw.file(src).columns)
            assert {c for c in cols if c} <= header, (ind["id"], src)
        if "denominator" in ind:
            assert ind["denominator"] in set(raw.file(ind.get("denominator_source", ind["source"])).columns)


@needs_full
def test_share_of_75_plus_and_census_unemployment(geo):
    b = pd.read_csv(RAW / "insee/base_cc_rp_2017.csv", sep=";", dtype={"CODGEO": str}).set_index("CODGEO")
    assert len(b) == 34875 and b.index.is_monotonic_increasing
    assert (b["P17_POP"] == geo["pop"].reindex(b.index)).all()
    reg = b.groupby(geo["code_region"].reindex(b.index)).sum(numeric_only=True)
    share = reg["P17_POP75P"] / reg["P17_POP"] * 100
    for r, t in P.P75_REG.items():
        assert abs(share[r] - t) <= 0.2, r
    assert abs(b["P17_POP75P"].sum() / b["P17_POP"].sum() * 100 - 9.3) <= 0.2
    census = b["P17_CHOM1564"].sum() / b["P17_ACT1564"].sum() * 100
    assert 13.0 <= census <= 14.0
    assert (b["P17_CHOM1564"] <= b["P17_ACT1564"]).all() and (b["P17_POP75P"] <= b["P17_POP65P"]).all()


@needs_full
def test_filosofi_and_localised_unemployment(geo):
    pop = geo.groupby("code_region")["pop"].sum()
    reg = pd.read_csv(RAW / "insee/filosofi_2017/FILO2017_DISP_REG.csv", sep=";", dtype=str).set_index("CODGEO")
    tp = _num(reg["TP6017"])
    metro = [r for r in P.REGIONS if r not in P.OVERSEAS]
    assert abs(np.average(tp[metro], weights=pop[metro]) - 14.5) <= 0.3
    assert tp.idxmax() == "06" and tp["06"] == 77
    assert reg.loc["06", "MED17"] == "nd"
    assert tp["32"] == 18.0 and tp["53"] == tp["52"] == 11.0
    com = pd.read_csv(RAW / "insee/filosofi_2017/FILO2017_DISP_COM.csv", sep=";", dtype=str).set_index("CODGEO")
    small = com["NBMEN17"].ne("nd") & (pd.to_numeric(com["NBMEN17"], errors="coerce") < 50)
    assert (com.loc[small, ["MED17", "PIMP17", "TP6017"]] == "s").all().all()
    lines = (RAW / "insee/statlocales_chomage_localise_2017_reg.csv").read_bytes()
    assert lines.startswith(b"\xef\xbb\xbf")
    ch = pd.read_csv(
        RAW / "insee/statlocales_chomage_localise_2017_reg.csv", sep=";", skiprows=2, dtype=str, encoding="utf-8-sig"
    ).set_index("Code")
    rate = _num(ch["Taux de chômage localisé annuel moyen 2017"])
    assert abs(np.average(rate, weights=pop[rate.index]) - 9.0) <= 0.3
    assert rate["32"] > 11 and rate["52"] == 7.6 and (rate[P.OVERSEAS] > 17).all()


@needs_full
def test_paca_objective_profile():
    cat = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    scores = check.domain_scores(check.Raw(RAW), cat).loc[P.PACA].sort_values(ascending=False)
    assert set(scores.index[:2]) == {"securite", "numerique"}
    assert scores.iloc[1] - scores.iloc[2] >= 0.2
    for d in (
        "emploi",
        "niveau_de_vie",
        "developpement_economique",
        "vieillissement",
        "handicap",
        "mobilite",
        "education",
    ):
        assert scores[d] > 0, d


def _mean(df, col, weight="poids"):
    x, w = df[col].astype(int), df[weight].astype(float)
    ok = x != 99
    return float((x[ok] * w[ok]).sum() / w[ok].sum())


def _agree(df, col, weight="poids"):
    x, w = df[col].astype(int), df[weight].astype(float)
    ok = x != 9
    return float(((x[ok] <= 2) * w[ok]).sum() / w[ok].sum())


def _share(df, col, weight="poids"):
    x, w = pd.to_numeric(df[col].replace("", np.nan)), df[weight].astype(float)
    ok = x.notna()
    return float((x[ok] * w[ok]).sum() / w[ok].sum())


@needs_full
def test_inhabitants_survey_is_calibrated():
    # GIVEN the inhabitants' file, weighted as the pipeline weights it by default (raked to the
    # population extract, computed here from the files on disk by the pipeline's raking)
    cit = pd.read_csv(RAW / "survey/impact_citoyens.csv", sep=";", dtype=str, keep_default_na=False)
    from impact_regions.demo.check import _estimation_weights

    cit["w"] = _estimation_weights(RAW, cit)
    paca = cit[cit["code_region"] == P.PACA]
    # THEN the published figures are met
    for d in P.DOMAINS:
        assert abs(_mean(paca, f"fragilite_{d}", "w") - P.HAB_FRAG_PACA[d]) <= 0.02, d
        assert abs(_mean(cit, f"fragilite_{d}", "w") - P.HAB_FRAG_FR[d]) <= 0.02, d
    assert abs(_agree(paca, "devoir_alliance", "w") - 0.84) <= 0.003
    assert abs(_agree(cit, "devoir_alliance", "w") - 0.82) <= 0.003
    assert abs(_agree(cit, "alliance_innovation", "w") - 0.74) <= 0.003
    assert abs(_agree(cit, "engagement_suffisant", "w") - 0.31) <= 0.003
    assert abs(_agree(paca, "engagement_suffisant", "w") - 0.28) <= 0.003
    # design
    assert len(cit) >= 12000
    n = cit.groupby("code_region").size()
    assert n.drop(P.OVERSEAS).min() >= 500 and n[P.OVERSEAS].between(100, 300).all()
    psu = cit.groupby("grappe")
    assert psu.size().between(6, 10).all() and (psu["code_departement"].nunique() == 1).all()
    assert (cit.groupby("strate")["grappe"].nunique() >= 2).all()
    w = cit["poids"].astype(float)
    assert (w > 0).all()
    ratio = w.groupby(cit["code_region"]).agg(lambda s: s.max() / s.min())
    assert ratio.max() <= 6.0
    coop = cit[[f"cooperation_{d}" for d in P.DOMAINS]].astype(int).sum(axis=1)
    assert coop.between(1, 3).all()


@needs_full
def test_organisations_survey_is_calibrated():
    org = pd.read_csv(RAW / "survey/phare_organisations.csv", sep=";", dtype=str, keep_default_na=False)
    assert len(org) >= 6000
    by = {t: org[org["type_acteur"] == t] for t in P.GROUPS}
    for t, target in (("association", 0.86), ("entreprise", 0.81), ("maire", 0.87)):
        assert abs(_agree(by[t], "alliance_innovation") - target) <= 0.003
    assert abs(_share(by["entreprise"], "a_partenariat") - 0.37) <= 0.003
    assert abs(_share(by["association"], "a_partenariat") - 0.38) <= 0.003
    ent_paca = by["entreprise"][by["entreprise"]["code_region"] == P.PACA]
    assert abs(_share(ent_paca, "a_partenariat") - P.ORG_SHARES_PACA["entreprise"]["a_partenariat"]) <= 0.003
    for m, t in zip(P.MODES, (0.52, 0.48, 0.27, 0.24), strict=True):
        assert abs(_share(by["entreprise"], m) - t) <= 0.003
        assert _share(ent_paca, m) > t + 0.02
    asked = org["a_partenariat"] == "1"
    assert ((org[P.MODES] == "").all(axis=1) == ~asked).all()
    asso_paca = by["association"][by["association"]["code_region"] == P.PACA]
    frag = {d: _mean(asso_paca, f"fragilite_{d}") for d in P.DOMAINS}
    assert set(sorted(frag, key=frag.get)[-2:]) == {"mobilite", "vieillissement"}
    frag = {d: _mean(ent_paca, f"fragilite_{d}") for d in P.DOMAINS}
    assert max(frag, key=frag.get) == "securite"
    assert "environnement" in sorted(frag, key=frag.get)[:5]
    n = org.groupby(["type_acteur", "code_region"]).size().unstack()
    assert (n.drop(columns=P.OVERSEAS) >= 60).all().all() and (n[P.OVERSEAS] >= 15).all().all()


@needs_full
def test_sources_yaml_lists_every_raw_file():
    sources = yaml.safe_load((RAW / "SOURCES.yaml").read_text(encoding="utf-8"))
    on_disk = {
        p.relative_to(RAW).as_posix()
        for p in RAW.rglob("*")
        if p.is_file() and p.name not in ("SOURCES.yaml", "README.md")
    }
    assert on_disk == set(sources)
    for rel, meta in sources.items():
        assert meta["demo"] is (not rel.startswith("geo/")), rel
        assert {"producer", "dataset", "vintage", "licence", "description"} <= set(meta)
