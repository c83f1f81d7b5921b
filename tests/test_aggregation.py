"""Aggregation of indicator values to territories (sql/indicator_values.sql via indices.build_indices).

Small raw extracts for the tiny geography of conftest are written in the formats of the sources,
staged with `indicator_raw.build_indicator_raw` and aggregated. Expected values are recomputed
here in pandas from the same inline numbers, never from the pipeline's intermediate tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact_regions.config import load_indicators
from impact_regions.indicator_raw import build_indicator_raw, catalogue_terms
from impact_regions.indices import build_indices
from impact_regions.territories import build_territories

CATALOGUE_YAML = """
domains:
  - {id: emploi, label: Emploi, family: économique}
  - {id: niveau_de_vie, label: Niveau de vie, family: économique}
  - {id: logement, label: Mal-logement, family: social}
indicators:
  - id: chomage
    label: Chômeurs parmi les actifs de 15 à 64 ans
    domain: emploi
    reader: insee_base
    source: insee/base.csv
    level: commune
    numerator: P17_CHOM1564
    denominator: P17_ACT1564
    multiplier: 100
    direction: 1
    unit: "%"
    year: 2017
    source_label: INSEE, RP 2017
  - id: demandeurs
    label: Demandeurs d'emploi parmi les actifs (numérateur d'un autre fichier)
    domain: emploi
    reader: ot_export
    source: ot/demandeurs.csv
    level: commune
    numerator: nb_demandeurs
    denominator: P17_ACT1564
    denominator_source: insee/base.csv
    denominator_reader: insee_base
    multiplier: 1000
    direction: 1
    unit: "‰"
    year: 2017
    source_label: Pôle emploi
  - id: logements_anciens
    label: Résidences principales construites avant 1946
    domain: logement
    reader: insee_base
    source: insee/base.csv
    level: commune
    numerator: [P17_RP_ACH19, P17_RP_ACH45]
    denominator: P17_RP
    multiplier: 100
    direction: 1
    unit: "%"
    year: 2017
    source_label: INSEE, RP 2017
  - id: mediane
    label: Médiane du niveau de vie
    domain: niveau_de_vie
    reader: insee_filosofi
    sources:
      commune: filo/FILO_COM.csv
      departement: filo/FILO_DEP.csv
      region: filo/FILO_REG.csv
    level: commune
    value: MED17
    weight: NBPERS17
    direction: -1
    unit: "€"
    year: 2017
    source_label: INSEE-DGFiP, Filosofi 2017
  - id: apl
    label: Accessibilité potentielle localisée aux médecins généralistes
    domain: logement
    reader: ot_export
    source: ot/apl.csv
    level: commune
    value: apl_mg
    weight: population
    direction: -1
    unit: consultations
    year: 2017
    source_label: DREES
"""

# commune: P17_CHOM1564, P17_ACT1564, P17_RP_ACH19, P17_RP_ACH45, P17_RP  (None = secret `s`, "nd" = nd)
BASE = {
    "01001": (30, 400, 20, 15, 300),
    "01004": (600, 7000, 300, 200, 6000),
    "03001": (150, 1400, 100, 80, 1300),
    "03190": (2500, 16000, 1500, 900, 17000),
    "04001": (60, 600, 70, 40, 600),
    "04070": (900, 7500, 500, 400, 7500),
    "13001": (7000, 70000, 3000, 2500, 65000),
    "13055": (None, 390000, 20000, 15000, 380000),  # secret numerator
    "2A004": (3500, 33000, 1500, 1200, 30000),
    "2A247": (600, 5500, 300, 250, 5000),
    "2B033": (2400, 22000, 1000, "nd", 21000),  # one of the two numerator columns missing
    "2B096": (300, 3200, 200, 100, 3000),
    "97101": (6000, 22000, 400, 300, 20000),
    "97105": (1100, 4600, 100, 90, 4500),
}
DEMANDEURS = {c: 2 * v[0] if v[0] else 2000 for c, v in BASE.items()}
FILO_DEP = {
    "01": (23080, 630000),
    "03": (19700, 330000),
    "04": (19750, 160000),
    "13": (20850, 2000000),
    "2A": (20300, 155000),
    "2B": (19500, 175000),
    "971": (16500, 390000),
}
FILO_REG = {"01": (16500, 390000), "84": (21800, 7800000), "93": (20800, 4900000), "94": (19900, 330000)}
FILO_COM = {"01004": (21000, 13900), "13055": (18700, 850000), "2A004": ("s", "s")}
APL = {
    "01001": 2.5,
    "01004": 4.0,
    "03001": 3.0,
    "03190": 3.5,
    "04001": 1.5,
    "04070": 4.5,
    "13001": 4.2,
    "13055": 3.9,
    "2A004": 3.8,
    "2A247": 3.1,
    "2B033": 3.3,
    "2B096": 2.7,
    "97101": 2.9,
    "97105": 3.6,
}

# a custom territory made of départements of two regions, none of them whole
CUSTOM = [{"code": "SUD", "name": "Sud", "slug": "sud", "kind": "custom", "departements": ["13", "2A"]}]
OPTIONS = {
    "normalisation": "zscore",
    "aggregation": "arithmetic",
    "treatment": {"enabled": True, "skew_threshold": 2.0, "kurtosis_threshold": 3.5, "max_winsorised": 5},
}


def cell(v) -> str:
    return "s" if v is None else str(v)


def write_raw(raw: Path, tiny_geo) -> None:
    (raw / "insee").mkdir(parents=True)
    (raw / "ot").mkdir()
    (raw / "filo").mkdir()
    names = dict(zip(tiny_geo.communes["code_commune"], tiny_geo.communes["nom_commune"], strict=True))
    lines = ["CODGEO;LIBGEO;P17_CHOM1564;P17_ACT1564;P17_RP_ACH19;P17_RP_ACH45;P17_RP"]
    lines += [";".join([c, names[c], *map(cell, v)]) for c, v in BASE.items()]
    (raw / "insee" / "base.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    meta = "Observatoire des territoires\nIndicateur\nExport\n\n"
    lines = ["codgeo;libgeo;an;nb_demandeurs", "FRANCE;France;2017;999999"]
    lines += [f"{c};{names[c]};2017;{v}" for c, v in DEMANDEURS.items()]
    (raw / "ot" / "demandeurs.csv").write_text(meta + "\n".join(lines) + "\n", encoding="utf-8")
    lines = ["codgeo;libgeo;an;apl_mg", "FRANCE;France;2017;3,5"]
    lines += [f"{c};{names[c]};2017;{str(v).replace('.', ',')}" for c, v in APL.items()]
    (raw / "ot" / "apl.csv").write_text(meta + "\n".join(lines) + "\n", encoding="utf-8")
    for name, table in (("FILO_COM", FILO_COM), ("FILO_DEP", FILO_DEP), ("FILO_REG", FILO_REG)):
        lines = ["CODGEO;LIBGEO;MED17;NBPERS17"] + [f"{c};x;{m};{n}" for c, (m, n) in table.items()]
        (raw / "filo" / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build(tmp_path, tiny_geo, territory_files=CUSTOM) -> pd.DataFrame:
    raw = tmp_path / "raw"
    write_raw(raw, tiny_geo)
    (tmp_path / "indicators.yaml").write_text(CATALOGUE_YAML, encoding="utf-8")
    catalogue = load_indicators(tmp_path / "indicators.yaml")
    indicator_raw = build_indicator_raw(catalogue, raw, tiny_geo)
    territories = build_territories(tiny_geo, territory_files)
    tables = build_indices(indicator_raw, territories, tiny_geo, catalogue, catalogue_terms(catalogue), OPTIONS)
    return tables["indicator_values"]


@pytest.fixture(scope="module")
def values(tmp_path_factory, shared_tiny_geo) -> pd.DataFrame:
    """indicator_values of the tiny project (built once: the tests only read it)."""
    return build(tmp_path_factory.mktemp("aggregation"), shared_tiny_geo)


def get(values: pd.DataFrame, indicator: str, territory: str) -> pd.Series:
    sel = values[(values["indicator_id"] == indicator) & (values["territory_code"] == territory)]
    assert len(sel) == 1, (indicator, territory)
    return sel.iloc[0]


def communes_of(tiny_geo, departements) -> list[str]:
    c = tiny_geo.communes
    return list(c.loc[c["code_departement"].isin(departements), "code_commune"])


def base_frame() -> pd.DataFrame:
    df = pd.DataFrame.from_dict(BASE, orient="index", columns=["chom", "act", "ach19", "ach45", "rp"])
    return df.apply(pd.to_numeric, errors="coerce")  # secret / nd -> NaN


TERRITORY_DEPS = {
    "84": ["01", "03"],
    "93": ["04", "13"],
    "94": ["2A", "2B"],
    "01": ["971"],
    "SUD": ["13", "2A"],
    "DEP-2B": ["2B"],
    "DEP-01": ["01"],
    "FR": ["01", "03", "04", "13", "2A", "2B", "971"],
}


# ------------------------------------------ additive --------------------------------------------


@pytest.mark.parametrize("territory", sorted(TERRITORY_DEPS))
def test_additive_value_is_sum_of_numerators_over_sum_of_denominators(values, tiny_geo, territory):
    # GIVEN the communes of the territory and their counts, computed here in pandas
    b = base_frame().loc[communes_of(tiny_geo, TERRITORY_DEPS[territory])]
    ok = b["chom"].notna() & b["act"].notna()
    num, den = b.loc[ok, "chom"].sum(), b.loc[ok, "act"].sum()
    # WHEN the indicator values are built
    r = get(values, "chomage", territory)
    # THEN value = Σ numerators / Σ denominators x 100 over the communes where both are known
    assert r["numerator"] == num and r["denominator"] == den
    assert r["value"] == pytest.approx(100 * num / den, rel=1e-12)
    assert r["coverage"] == pytest.approx(den / b["act"].sum(), rel=1e-12)
    assert r["value_method"] == "somme_des_effectifs" and r["source_level"] == "commune"
    assert pd.isna(r["missing_reason"])


def test_additive_value_is_not_the_mean_of_commune_rates(values, tiny_geo):
    # GIVEN region 84's communes
    b = base_frame().loc[communes_of(tiny_geo, ["01", "03"])]
    # WHEN / THEN its value differs from the unweighted mean of the commune rates
    mean_of_rates = float((100 * b["chom"] / b["act"]).mean())
    assert abs(get(values, "chomage", "84")["value"] - mean_of_rates) > 0.1


def test_secret_commune_is_excluded_from_both_sums_and_lowers_coverage(values, tiny_geo):
    # GIVEN Marseille (13055) whose numerator is secret
    b = base_frame()
    others = [c for c in communes_of(tiny_geo, ["13"]) if c != "13055"]
    # WHEN the values of département 13, region 93 and France are built
    dep, reg, fr = (get(values, "chomage", t) for t in ("DEP-13", "93", "FR"))
    # THEN Marseille is in neither sum, and coverage is the share of the denominator kept
    assert dep["numerator"] == b.loc[others, "chom"].sum()
    assert dep["denominator"] == b.loc[others, "act"].sum()
    assert dep["coverage"] == pytest.approx(70000 / (70000 + 390000))
    assert reg["coverage"] < 1 and fr["coverage"] < 1
    assert fr["denominator"] == b["act"].sum() - 390000
    # territories without Marseille are fully covered
    assert get(values, "chomage", "84")["coverage"] == 1.0
    assert get(values, "chomage", "DEP-2A")["coverage"] == 1.0


def test_multi_column_numerator_is_summed(values, tiny_geo):
    # GIVEN housing built before 1919 plus 1919-1945, and Bastia (2B033) whose second column is `nd`
    b = base_frame()
    for territory in ("84", "94", "FR"):
        sub = b.loc[communes_of(tiny_geo, TERRITORY_DEPS[territory])]
        ok = sub[["ach19", "ach45", "rp"]].notna().all(axis=1)
        num = (sub.loc[ok, "ach19"] + sub.loc[ok, "ach45"]).sum()
        den = sub.loc[ok, "rp"].sum()
        # WHEN / THEN the numerator is the sum of both columns; a commune missing either is left out
        r = get(values, "logements_anciens", territory)
        assert r["numerator"] == num and r["denominator"] == den
        assert r["value"] == pytest.approx(100 * num / den, rel=1e-12)
    assert get(values, "logements_anciens", "DEP-2B")["numerator"] == 200 + 100
    assert get(values, "logements_anciens", "DEP-2B")["coverage"] == pytest.approx(3000 / 24000)


def test_denominator_from_another_file(values, tiny_geo):
    # GIVEN a numerator from an OT export and the denominator from the RP base
    b = base_frame()
    sub = b.loc[communes_of(tiny_geo, ["13", "2A"])]
    num = sum(DEMANDEURS[c] for c in sub.index)
    # WHEN / THEN both are summed over the territory's communes (FRANCE row of the export ignored)
    r = get(values, "demandeurs", "SUD")
    assert r["numerator"] == num and r["denominator"] == sub["act"].sum()
    assert r["value"] == pytest.approx(1000 * num / sub["act"].sum(), rel=1e-12)
    assert get(values, "demandeurs", "FR")["numerator"] == sum(DEMANDEURS.values())


# ----------------------------------------- non-additive -----------------------------------------


def test_non_additive_published_at_its_own_level(values):
    # GIVEN Filosofi files at commune, département and region level
    # WHEN / THEN regions and départements take the published value, flagged 'publiee'
    for territory, expected, level in (
        ("84", FILO_REG["84"][0], "region"),
        ("94", FILO_REG["94"][0], "region"),
        ("DEP-2A", FILO_DEP["2A"][0], "departement"),
        ("DEP-971", FILO_DEP["971"][0], "departement"),
    ):
        r = get(values, "mediane", territory)
        assert r["value"] == expected
        assert r["value_method"] == "publiee" and r["source_level"] == level
        assert r["coverage"] == 1.0
        assert pd.isna(r["numerator"]) and pd.isna(r["denominator"])


def test_non_additive_custom_territory_is_a_weighted_mean_of_departements(values):
    # GIVEN the custom territory SUD = 13 + 2A (no whole region)
    deps = ["13", "2A"]
    med = np.array([FILO_DEP[d][0] for d in deps], float)
    w = np.array([FILO_DEP[d][1] for d in deps], float)
    # WHEN / THEN its value is the NBPERS17-weighted mean of the départements, flagged
    r = get(values, "mediane", "SUD")
    assert r["value"] == pytest.approx(float((med * w).sum() / w.sum()), rel=1e-12)
    assert r["value_method"] == "moyenne_ponderee" and r["source_level"] == "departement"
    assert r["value"] != pytest.approx(med.mean(), rel=1e-6)  # not the unweighted mean


def test_non_additive_france_is_a_weighted_mean_of_regions(values):
    # GIVEN the region file
    med = np.array([v[0] for v in FILO_REG.values()], float)
    w = np.array([v[1] for v in FILO_REG.values()], float)
    # WHEN / THEN France is the weighted mean over the regions, flagged
    r = get(values, "mediane", "FR")
    assert r["value"] == pytest.approx(float((med * w).sum() / w.sum()), rel=1e-12)
    assert r["value_method"] == "moyenne_ponderee" and r["source_level"] == "region"


def test_population_weight_uses_cog_populations(values, tiny_geo):
    # GIVEN an indicator published by commune only, weighted by the COG population
    pop = dict(zip(tiny_geo.communes["code_commune"], tiny_geo.communes["population_municipale"], strict=True))
    for territory in ("DEP-01", "SUD", "FR"):
        communes = communes_of(tiny_geo, TERRITORY_DEPS.get(territory, ["01"]))
        expected = sum(APL[c] * pop[c] for c in communes) / sum(pop[c] for c in communes)
        # WHEN / THEN every territory's value is the population-weighted mean of its communes
        r = get(values, "apl", territory)
        assert r["value"] == pytest.approx(expected, rel=1e-12)
        assert r["value_method"] == "moyenne_ponderee" and r["source_level"] == "commune"
        assert r["coverage"] == 1.0


def test_every_territory_and_indicator_once(values):
    # GIVEN / WHEN the values / THEN one row per (indicator, territory): 4 regions, SUD, 7 départements, FR
    assert not values.duplicated(["indicator_id", "territory_code"]).any()
    for ind in ("chomage", "demandeurs", "logements_anciens", "mediane", "apl"):
        assert (values["indicator_id"] == ind).sum() == 13
    assert set(values.loc[values["indicator_id"] == "mediane", "domain_id"]) == {"niveau_de_vie"}
    assert set(values["year"]) == {2017}


def test_non_additive_custom_territory_with_a_whole_region_and_more(tmp_path, tiny_geo):
    # GIVEN a custom territory made of region 84 (01 + 03) and département 04
    territory = [{"code": "NORD", "name": "Nord", "slug": "nord", "kind": "custom", "departements": ["01", "03", "04"]}]
    values = build(tmp_path, tiny_geo, territory)
    deps = ["01", "03", "04"]
    med = np.array([FILO_DEP[d][0] for d in deps], float)
    w = np.array([FILO_DEP[d][1] for d in deps], float)
    # WHEN / THEN its value is a weighted mean over units that make up the whole territory
    r = get(values, "mediane", "NORD")
    assert r["value"] == pytest.approx(float((med * w).sum() / w.sum()), rel=1e-12)
    assert r["value_method"] == "moyenne_ponderee" and r["source_level"] == "departement"


def test_additive_indicator_without_denominator_is_the_summed_count(tmp_path, tiny_geo):
    # GIVEN an additive indicator (a count) without denominator
    yaml_text = CATALOGUE_YAML.replace(
        """    denominator: P17_ACT1564
    multiplier: 100
    direction: 1
    unit: "%"
    year: 2017
    source_label: INSEE, RP 2017""",
        """    multiplier: 1
    direction: 1
    unit: chômeurs
    year: 2017
    source_label: INSEE, RP 2017""",
        1,
    )
    assert yaml_text != CATALOGUE_YAML
    raw = tmp_path / "raw"
    write_raw(raw, tiny_geo)
    (tmp_path / "indicators.yaml").write_text(yaml_text, encoding="utf-8")
    catalogue = load_indicators(tmp_path / "indicators.yaml")
    values = build_indices(
        build_indicator_raw(catalogue, raw, tiny_geo),
        build_territories(tiny_geo, CUSTOM),
        tiny_geo,
        catalogue,
        catalogue_terms(catalogue),
        OPTIONS,
    )["indicator_values"]
    # WHEN / THEN region 84's value is the number of unemployed of its 4 communes
    assert get(values, "chomage", "84")["value"] == 30 + 600 + 150 + 2500
