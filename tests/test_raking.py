"""Calibration of the citizens' weights (impact_regions.raking, survey_weights) and the population extract
(impact_regions.population, demo.population), on small inline data.

Raking must meet the population margins, keep the adjustment factors within their bounds, cap
the weights when trimming, refuse margins that cannot be met with a message naming them, and
agree with an independent implementation (samplics' SampleWeight.rake). The TD_POP1B reader is
tolerant about form and strict about meaning; the demo extract sums to the real populations.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact_regions.errors import ConfigError, InputError
from impact_regions.population import adult_margins, age_band_labels, band_of_age, parse_age_bands, read_population
from impact_regions.raking import (
    DEFAULT_OPTIONS,
    MarginError,
    NotConvergedError,
    calibrate,
    calibration_options,
    kish_efficiency,
    rake,
    trim,
    weighting_design_effect,
)
from impact_regions.survey_weights import build_survey_weights, margins_for

ROOT = Path(__file__).resolve().parents[1]
POP_FILE = "insee/pop_sexe_age_2017_dep.csv"
HEADER = "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\n"


def sample(n: int = 400, seed: int = 7):
    """A lopsided sample: too many women and old people, log-normal design weights."""
    rng = np.random.default_rng(seed)
    sexe = rng.choice([1, 2], n, p=[0.38, 0.62])
    age = rng.choice([1, 2, 3, 4, 5], n, p=[0.06, 0.12, 0.22, 0.28, 0.32])
    d = 100.0 * np.exp(rng.normal(0.0, 0.4, n))
    return d, {"sexe": sexe, "tranche_age": age}


def targets_for(total: float) -> dict:
    return {
        "sexe": {1: 0.48 * total, 2: 0.52 * total},
        "tranche_age": {k: s * total for k, s in zip(range(1, 6), [0.11, 0.15, 0.25, 0.24, 0.25], strict=True)},
    }


def assert_margins_met(weights, categories, targets, rel: float = 1e-8):
    for var, per in targets.items():
        for k, t in per.items():
            got = weights[categories[var] == k].sum()
            assert abs(got - t) <= rel * t, (var, k, got, t)


# ------------------------------------------------------------------------------------------------
# raking
# ------------------------------------------------------------------------------------------------


def test_rake_meets_the_margins():
    # GIVEN a lopsided sample and population totals by sex and by age band (10 % more people
    # than the design weights represent)
    d, cats = sample()
    targets = targets_for(1.1 * d.sum())

    # WHEN the design weights are raked without bounds
    res = rake(d, cats, targets)

    # THEN every category total equals its target to 1e-8 (relative), the raked weights sum to
    # the population, and g is the ratio raked / design
    assert res.converged and res.max_margin_error <= 1e-8
    assert_margins_met(res.weights, cats, targets)
    assert res.weights.sum() == pytest.approx(1.1 * d.sum(), rel=1e-10)
    np.testing.assert_allclose(res.g, res.weights / d, rtol=1e-14)
    # raking is a product of one factor per category: the same g within a sex x age cell
    for s in (1, 2):
        for a in range(1, 6):
            cell = res.g[(cats["sexe"] == s) & (cats["tranche_age"] == a)]
            assert np.ptp(cell) <= 1e-12 * cell.max()


def test_rake_agrees_with_samplics():
    # GIVEN a small sample (60 respondents, 2 x 3 categories)
    samplics = pytest.importorskip("samplics")
    rng = np.random.default_rng(3)
    n = 60
    sexe, age, d = rng.choice([1, 2], n), rng.choice([1, 2, 3], n), rng.uniform(1.0, 5.0, n)
    targets = {"sexe": {1: 120.0, 2: 130.0}, "tranche_age": {1: 70.0, 2: 100.0, 3: 80.0}}

    # WHEN it is raked by our implementation and by samplics' SampleWeight().rake
    ours = rake(d, {"sexe": sexe, "tranche_age": age}, targets, tol=1e-12)
    with warnings.catch_warnings():  # samplics announces its successor on import and use
        warnings.simplefilter("ignore")
        theirs = samplics.SampleWeight().rake(
            samp_weight=d,
            margins={"sexe": sexe, "tranche_age": age},
            control=targets,
            tol=1e-13,
            ctrl_tol=1e-13,
            max_iter=1000,
        )

    # THEN the raked weights agree to 1e-6 (relative)
    np.testing.assert_allclose(ours.weights, np.asarray(theirs, dtype=float), rtol=1e-6)


def test_bounded_rake_keeps_factors_within_bounds_and_meets_margins():
    # GIVEN a sample whose unbounded raking needs factors beyond 2
    d, cats = sample(seed=3)
    targets = targets_for(1.1 * d.sum())
    free = rake(d, cats, targets)
    assert free.g.max() > 2.0

    # WHEN it is raked with bounds [0.5, 2.0]
    res = rake(d, cats, targets, bounds=(0.5, 2.0), max_iter=200)

    # THEN the margins are met and every factor is within the bounds, some at the upper one
    assert res.converged, res.message
    assert_margins_met(res.weights, cats, targets)
    assert res.g.min() >= 0.5 - 1e-12 and res.g.max() <= 2.0 + 1e-12
    assert (np.isclose(res.g, 2.0, rtol=1e-12)).sum() >= 1
    # the units strictly inside the bounds still follow the raking structure (one g per cell)
    inside = (res.g > 0.5 + 1e-9) & (res.g < 2.0 - 1e-9)
    for s in (1, 2):
        for a in range(1, 6):
            cell = res.g[inside & (cats["sexe"] == s) & (cats["tranche_age"] == a)]
            if cell.size:
                assert np.ptp(cell) <= 1e-9 * cell.max()


def test_trim_caps_weights_and_preserves_the_total():
    # GIVEN weights whose mean is 6, one far above 1.5 x the mean (9) and one that the
    # redistribution of the excess pushes above the cap in a second round
    w = np.array([1.0, 1.0, 8.5, 13.5])

    # WHEN they are trimmed at 1.5 x the mean
    out = trim(w, 1.5)

    # THEN both large weights sit at the cap, the total is unchanged and the small weights took
    # the excess in proportion: [3, 3, 9, 9]
    np.testing.assert_allclose(out, [3.0, 3.0, 9.0, 9.0], rtol=1e-12)
    assert out.sum() == pytest.approx(w.sum(), rel=1e-14)
    # a single round: [1, 1, 1, 1, 16] -> mean 4, cap 8, the excess 8 spread on four weights of 1
    np.testing.assert_allclose(trim(np.array([1.0, 1, 1, 1, 16]), 2.0), [3.0, 3, 3, 3, 8], rtol=1e-12)
    # nothing above the cap: unchanged
    np.testing.assert_array_equal(trim(np.array([1.0, 2.0, 3.0]), 5.0), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        trim(w, 0.5)


def test_calibrate_rakes_bounds_and_trims():
    # GIVEN a sample whose raked weights exceed 3 x their mean
    d, cats = sample(n=800, seed=1)
    targets = targets_for(1.1 * d.sum())
    assert (rake(d, cats, targets).weights.max() / (1.1 * d.sum() / d.size)) > 3.0

    # WHEN it is calibrated with bounds [0.2, 5] and a cap at 3 x the mean weight
    res = calibrate(d, cats, targets, {"bounds": [0.2, 5.0], "trim_max_ratio": 3.0})

    # THEN the margins, the bounds and the cap all hold, and the trimming is reported
    assert_margins_met(res.weights, cats, targets)
    assert res.g.min() >= 0.2 - 1e-12 and res.g.max() <= 5.0 + 1e-12
    assert res.weights.max() <= 3.0 * res.weights.mean() * (1 + 1e-9)
    assert res.trim_rounds >= 1 and res.n_trimmed >= 1
    assert res.cap == pytest.approx(3.0 * 1.1 * d.sum() / d.size)


def test_impossible_margins_raise_a_clear_error():
    d, cats = sample(n=50)
    targets = targets_for(d.sum())
    # GIVEN no respondent aged 18-24 while the population has some
    no_young = {v: c[cats["tranche_age"] != 1] for v, c in cats.items()}
    # WHEN raking / THEN a MarginError (a ValueError) names the margin
    with pytest.raises(MarginError, match=r"tranche_age = 1 cannot be met.*no respondent") as err:
        rake(d[cats["tranche_age"] != 1], no_young, targets)
    assert isinstance(err.value, ValueError)

    # GIVEN respondents in a category without target
    bad = {k: v for k, v in targets["tranche_age"].items() if k != 5}
    with pytest.raises(MarginError, match=r"tranche_age: respondent\(s\) in category 5"):
        rake(d, cats, {"sexe": targets["sexe"], "tranche_age": bad})

    # GIVEN margins that disagree on the total
    with pytest.raises(MarginError, match="disagree"):
        rake(d, cats, {"sexe": targets["sexe"], "tranche_age": targets_for(2 * d.sum())["tranche_age"]})

    # GIVEN a category whose target is out of reach of the bounds
    with pytest.raises(MarginError, match=r"sexe = 1 cannot be met within the bounds"):
        rake(
            d,
            cats,
            {"sexe": {1: 10 * d.sum(), 2: d.sum()}, "tranche_age": targets_for(11 * d.sum())["tranche_age"]},
            bounds=(0.5, 2.0),
        )


def test_jointly_infeasible_bounds_are_reported_not_returned_silently():
    # GIVEN three units: (man, young), (woman, old), (man, old); every category alone can
    # reach its target within [0.5, 2], but not all at once (the third unit would need g = 0.2)
    d = np.ones(3)
    cats = {"sexe": np.array([1, 2, 1]), "tranche_age": np.array([1, 2, 2])}
    targets = {"sexe": {1: 2.2, 2: 2.0}, "tranche_age": {1: 2.0, 2: 2.2}}

    # WHEN raking with bounds
    res = rake(d, cats, targets, bounds=(0.5, 2.0), max_iter=50)

    # THEN the result says it did not converge, and why; calibrate refuses it
    assert not res.converged and res.iterations == 50 and res.max_margin_error > 1e-3
    assert "did not converge" in res.message and "bounds" in res.message
    with pytest.raises(NotConvergedError, match="did not converge"):
        calibrate(d, cats, targets, {"bounds": [0.5, 2.0], "max_iter": 50, "trim_max_ratio": None})


def test_kish_efficiency_hand_computed():
    # GIVEN weights 1, 1, 2, 4: sum 8, sum of squares 22
    w = [1.0, 1.0, 2.0, 4.0]
    # THEN efficiency = 8^2 / (4 x 22) = 8/11 and the design effect 11/8 = 1 + CV^2 (CV^2 = 1.5/4)
    assert kish_efficiency(w) == pytest.approx(8 / 11, rel=1e-15)
    assert weighting_design_effect(w) == pytest.approx(1 + 1.5 / 4, rel=1e-15)
    assert kish_efficiency([3.0, 3.0, 3.0]) == pytest.approx(1.0)
    assert math.isnan(kish_efficiency([]))


def test_options_defaults_and_errors():
    opts = calibration_options({"population": "insee/x.csv", "bounds": [0.5, 2]})
    assert opts["bounds"] == [0.5, 2.0] and opts["margins"] == DEFAULT_OPTIONS["margins"]
    assert opts["population"] == "insee/x.csv" and opts["tolerance"] == 1e-8
    with pytest.raises(ConfigError, match="raking.trim_ratio"):
        calibration_options({"trim_ratio": 3})
    with pytest.raises(ConfigError, match="raking.bounds"):
        calibration_options({"bounds": [1.5, 3]})
    with pytest.raises(ConfigError, match="raking.margins"):
        calibration_options({"margins": ["diplome"]})


# ------------------------------------------------------------------------------------------------
# population extract
# ------------------------------------------------------------------------------------------------


def write(tmp_path, text: str, name: str = "pop.csv", encoding: str = "utf-8", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


GOOD = (
    HEADER
    + "DEP;01;Ain;1;000;3725.11979\n"
    + "DEP;01;Ain;2;017;12\n"
    + "DEP;2A;Corse-du-Sud;2;100;7.5\n"
    + "\n"
    + "DEP;971;Guadeloupe;1;065;0\n"
)


def test_read_population_good_file(tmp_path):
    # GIVEN a TD_POP1B extract with codes that break naive readers (01, 2A, 971) and a blank line
    # WHEN it is read
    df = read_population(write(tmp_path, GOOD))
    # THEN tidy rows: codes as text, sex and age as integers, counts as floats
    assert list(df.columns) == ["departement_code", "sexe", "age", "count"]
    assert df["departement_code"].tolist() == ["01", "01", "2A", "971"]
    assert df["sexe"].tolist() == [1, 2, 2, 1] and df["age"].tolist() == [0, 17, 100, 65]
    assert df["count"].tolist() == [3725.11979, 12.0, 7.5, 0.0]
    assert df.attrs["path"].endswith("pop.csv")


def test_read_population_bom_comma_separator_decimal_comma_latin1(tmp_path):
    # GIVEN the same table saved by a spreadsheet: BOM, `,` separator, quoted decimal commas,
    # CRLF, ages without leading zeros
    text = 'NIVGEO,CODGEO,LIBGEO,SEXE,AGED100,NB\r\nDEP,01,Ain,1,0,"3725,5"\r\nDEP,2B,Haute-Corse,2,5,"1 234,25"\r\n'
    df = read_population(write(tmp_path, text, bom=True))
    # THEN it reads the same way
    assert df["departement_code"].tolist() == ["01", "2B"]
    assert df["count"].tolist() == [3725.5, 1234.25] and df["age"].tolist() == [0, 5]
    # and a latin-1 file (accented labels) is read too
    latin = HEADER + "DEP;972;Martinique;1;018;5\nDEP;13;Bouches-du-Rhône;2;018;6,5\n"
    df = read_population(write(tmp_path, latin, "latin.csv", encoding="latin-1"))
    assert df["count"].tolist() == [5.0, 6.5]


@pytest.mark.parametrize(
    "line, column, value, message",
    [
        ("DEP;01;Ain;3;000;10", "SEXE", "3", "sex must be 1"),
        ("DEP;01;Ain;1;101;10", "AGED100", "101", "age must be"),
        ("DEP;01;Ain;1;1a;10", "AGED100", "1a", "age must be"),
        ("DEP;01;Ain;1;000;-4.5", "NB", "-4.5", "≥ 0"),
        ("DEP;01;Ain;1;000;12,3,4", "NB", "12,3,4", "not a number"),
        ("DEP;01;Ain;1;000;", "NB", "", "not a number"),
        ("DEP;01;Ain;1;000;s", "NB", "s", "not a number"),
        ("COM;01001;L'Abergement;1;000;3", "NIVGEO", "COM", "level must be 'DEP'"),
        ("DEP;1;Ain;1;000;3", "CODGEO", "1", "malformed département code"),
    ],
)
def test_read_population_bad_values_name_line_column_value(tmp_path, line, column, value, message):
    # GIVEN a file whose fourth physical line is bad (after the header, a good line, a blank line)
    text = HEADER + "DEP;01;Ain;1;001;10\n\n" + line + "\nDEP;01;Ain;1;002;10\n"
    # WHEN it is read / THEN the InputError names line 4, the column and the raw value
    with pytest.raises(InputError, match=message) as err:
        read_population(write(tmp_path, text))
    assert (err.value.line, err.value.column, err.value.value) == (4, column, value)
    assert "pop.csv" in str(err.value) and "line 4" in str(err.value)


def test_read_population_missing_column_duplicates_and_unknown_codes(tmp_path):
    # GIVEN a header without NB
    with pytest.raises(InputError, match="missing column 'NB'") as err:
        read_population(write(tmp_path, "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100\nDEP;01;Ain;1;000\n"))
    assert (err.value.line, err.value.column) == (1, "NB")
    # GIVEN the same (département, sex, age) twice
    with pytest.raises(InputError, match="already on line 2") as err:
        read_population(write(tmp_path, HEADER + "DEP;01;Ain;1;000;1\nDEP;01;Ain;1;000;2\n"))
    assert err.value.line == 3
    # GIVEN a code outside the reference geography
    with pytest.raises(InputError, match="unknown département") as err:
        read_population(write(tmp_path, HEADER + "DEP;01;Ain;1;000;1\nDEP;99;X;1;000;2\n"), valid_codes={"01"})
    assert (err.value.line, err.value.value) == (3, "99")
    # GIVEN a line with a missing field
    with pytest.raises(InputError, match="malformed line") as err:
        read_population(write(tmp_path, HEADER + "DEP;01;Ain;1;000\n"))
    assert err.value.line == 2


def test_age_bands_and_adult_margins():
    # GIVEN two départements with people at 10, 20, 30, 70 and 100 years
    rows = [
        (dep, s, a, c)
        for dep, k in (("01", 1.0), ("2A", 2.0))
        for s in (1, 2)
        for a, c in ((10, 100.0), (20, 10.0), (30, 20.0), (70, 30.0), (100, 5.0))
        for c in [c * k * (1.5 if s == 2 else 1.0)]
    ]
    pop = pd.DataFrame(rows, columns=["departement_code", "sexe", "age", "count"])

    # WHEN the adult margins of 01 + 2A are computed with the default bands
    m = adult_margins(pop, ["01", "2A"])

    # THEN the under-18s are left out, 100 is in 65+, and both margins have the same total
    assert m["sexe"] == {1: 3 * 65.0, 2: 3 * 1.5 * 65.0}
    assert m["tranche_age"] == {1: 3 * 2.5 * 10, 2: 3 * 2.5 * 20, 3: 0.0, 4: 0.0, 5: 3 * 2.5 * 35}
    assert sum(m["sexe"].values()) == pytest.approx(sum(m["tranche_age"].values()))
    assert age_band_labels() == ["18-24", "25-34", "35-49", "50-64", "65+"]
    assert parse_age_bands(["15-29", [30, None]]) == [(15, 29), (30, 100)]
    assert band_of_age(np.array([17, 18, 64, 65, 100])).tolist() == [0, 1, 4, 5, 5]
    with pytest.raises(ValueError):
        parse_age_bands(["18-30", "25-34"])
    # a département missing from the extract is an input error
    with pytest.raises(InputError, match="absent from the population extract"):
        adult_margins(pop, ["01", "13"])


# ------------------------------------------------------------------------------------------------
# survey tables
# ------------------------------------------------------------------------------------------------


def inline_population() -> pd.DataFrame:
    """Adults of three départements: 01 and 03 (region 84), 13 (region 93); plus some children."""
    shares = {
        "01": [0.10, 0.15, 0.25, 0.25, 0.25],
        "03": [0.08, 0.12, 0.24, 0.26, 0.30],
        "13": [0.11, 0.16, 0.26, 0.24, 0.23],
    }
    size = {"01": 500_000.0, "03": 300_000.0, "13": 1_600_000.0}
    ages = [20, 30, 40, 55, 80]
    rows = []
    for dep, sh in shares.items():
        for s, p in ((1, 0.48), (2, 0.52)):
            rows.append((dep, s, 5, 0.2 * size[dep] * 0.5))
            rows += [(dep, s, a, size[dep] * x * p) for a, x in zip(ages, sh, strict=True)]
    pop = pd.DataFrame(rows, columns=["departement_code", "sexe", "age", "count"])
    pop["departement_code"] = pop["departement_code"].astype("string")
    return pop


def inline_respondents(seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for dep, reg, n, size in (("01", "84", 120, 500_000), ("03", "84", 80, 300_000), ("13", "93", 150, 1_600_000)):
        for i in range(n):
            rows.append(
                {
                    "file_id": "citoyens",
                    "respondent_id": f"C{dep}{i:04d}",
                    "respondent_group": "habitants",
                    "region_code": reg,
                    "departement_code": dep,
                    "weight": 0.8 * size / n * float(rng.uniform(0.5, 1.5)),
                    "sexe": float(rng.choice([1, 2], p=[0.4, 0.6])),
                    "tranche_age": float(rng.choice([1, 2, 3, 4, 5], p=[0.06, 0.12, 0.22, 0.28, 0.32])),
                }
            )
    for i in range(20):  # organisations: no sex, no age, never raked
        rows.append(
            {
                "file_id": "organisations",
                "respondent_id": f"O{i:04d}",
                "respondent_group": "associations",
                "region_code": "93",
                "departement_code": "13",
                "weight": 10.0,
                "sexe": np.nan,
                "tranche_age": np.nan,
            }
        )
    return pd.DataFrame(rows)


REGIONS = pd.DataFrame(
    {
        "territory_code": ["84", "84", "93", "FR", "FR", "FR"],
        "departement_code": ["01", "03", "13", "01", "03", "13"],
        "kind": ["region", "region", "region", "france", "france", "france"],
    }
)


def test_build_survey_weights_rakes_each_region_to_its_population():
    # GIVEN inhabitants and organisations in two regions and the population of their départements
    resp, pop = inline_respondents(), inline_population()

    # WHEN the weights are built with the default options
    weights, margins, eff = build_survey_weights(resp, pop, REGIONS, {})

    # THEN every inhabitant (and no organisation) has a raked weight, each region's raked
    # weights sum to its adult population and meet its shares; g = raked / design
    assert len(weights) == 350 and not weights["respondent_id"].str.startswith("O").any()
    assert list(weights.columns) == [
        "file_id",
        "respondent_id",
        "territory_code",
        "weight_design",
        "weight_scaled",
        "weight_raked",
        "g",
    ]
    adults = pop[pop["age"] >= 18]
    for reg, deps in (("84", ["01", "03"]), ("93", ["13"])):
        w = weights[weights["territory_code"] == reg]
        assert w["weight_raked"].sum() == pytest.approx(
            adults[adults["departement_code"].isin(deps)]["count"].sum(), rel=1e-8
        )
    np.testing.assert_allclose(weights["g"], weights["weight_raked"] / weights["weight_scaled"], rtol=1e-12)
    for reg, scale in eff.set_index("territory_code")["scale"].items():  # scaled to the region's population
        w = weights[weights["territory_code"] == reg]
        np.testing.assert_allclose(w["weight_scaled"], w["weight_design"] * scale, rtol=1e-12)
        assert w["weight_scaled"].sum() == pytest.approx(w["weight_raked"].sum(), rel=1e-8)
    assert set(margins["territory_code"]) == {"84", "93"}  # France is added by the caller
    assert (margins["achieved_share"] - margins["target_share"]).abs().max() < 1e-8
    assert margins.loc[margins["variable"] == "tranche_age", "category"].tolist()[:5] == age_band_labels()
    assert (margins["achieved_share_design"] - margins["target_share"]).abs().max() > 0.01  # the correction shows
    assert set(eff["territory_code"]) == {"84", "93"} and (eff["max_margin_error"] <= 1e-8).all()
    assert (eff["g_min"] >= 0.3).all() and (eff["g_max"] <= 3.0).all()

    # AND France (all départements) meets its margins too (population totals add up), while a
    # custom territory (département 03 alone, raked within region 84) is only close to them
    raked = resp.merge(weights[["respondent_id", "weight_raked"]], on="respondent_id")
    fr = margins_for("FR", ["01", "03", "13"], raked, pop)
    assert (fr["achieved_share"] - fr["target_share"]).abs().max() < 1e-8
    one = margins_for("ALLIER", ["03"], raked, pop)
    assert one["n"].sum() == 2 * 80 and (one["target_share"].groupby(one["variable"]).sum() - 1).abs().max() < 1e-12
    target_03 = adult_margins(pop, ["03"])["tranche_age"]
    assert one.loc[one["category"] == "65+", "target_share"].iloc[0] == pytest.approx(
        target_03[5] / sum(target_03.values())
    )
    assert (one["achieved_share"] - one["target_share"]).abs().max() > 1e-4
    assert one["kish_efficiency"].iloc[0] == pytest.approx(
        kish_efficiency(weights.loc[weights["respondent_id"].str.startswith("C03"), "weight_raked"])
    )


def test_build_survey_weights_design_totals_keep_region_totals():
    # GIVEN the option target_totals: design
    resp, pop = inline_respondents(), inline_population()
    weights, margins, _ = build_survey_weights(resp, pop, REGIONS, {"target_totals": "design"})
    # THEN each region keeps its design total, with the population's shares
    by = weights.groupby("territory_code")[["weight_design", "weight_raked"]].sum()
    np.testing.assert_allclose(by["weight_raked"], by["weight_design"], rtol=1e-8)
    assert (margins["achieved_share"] - margins["target_share"]).abs().max() < 1e-8


def test_build_survey_weights_are_the_same_whatever_the_scale_of_the_design_weights():
    # GIVEN the same inhabitants with their design weights as delivered, normalised to the sample
    # (mean 1: raking them to population totals needs factors of ~10,000, far outside the bounds
    # [0.3, 3] if the bounds applied to the raw weights) and multiplied by 10,000
    resp, pop = inline_respondents(), inline_population()
    cit = resp["sexe"].notna()
    mean = resp.loc[cit, "weight"].mean()
    versions = {}
    for name, factor in (("x1", 1.0), ("mean1", 1.0 / mean), ("x10000", 10_000.0)):
        scaled = resp.assign(weight=resp["weight"].where(~cit, resp["weight"] * factor))
        # WHEN each is raked with the default options (bounds [0.3, 3], trimming at 5 x the mean)
        versions[name] = build_survey_weights(scaled, pop, REGIONS, {})
    # THEN the scaled weights, raked weights, factors g and margins are identical (to 1e-9 relative)
    ref_w, ref_m, ref_e = versions["x1"]
    for name in ("mean1", "x10000"):
        w, m, e = versions[name]
        for col in ("weight_scaled", "weight_raked", "g"):
            np.testing.assert_allclose(w[col], ref_w[col], rtol=1e-9, err_msg=f"{name} {col}")
        np.testing.assert_allclose(m["achieved_share"], ref_m["achieved_share"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(e["scale"] * e["sum_weight_design"], ref_e["sum_weight_raked"], rtol=1e-9)
    assert versions["mean1"][2]["scale"].min() > 1_000  # the weights really were on another scale


def test_weighting_given_never_rakes_and_reports_the_design_shares():
    # GIVEN a region (93) where a margin cannot be met (no inhabitant aged 18-24) and weights of
    # mean 1, with weighting: given
    resp = inline_respondents()
    resp = resp[~((resp["region_code"] == "93") & (resp["tranche_age"] == 1))].copy()
    resp["weight"] = resp["weight"] / resp["weight"].mean()
    pop = inline_population()
    # WHEN the weights are built
    weights, margins, eff = build_survey_weights(resp, pop, REGIONS, {}, weighting="given")
    # THEN nothing stops the run and nothing is raked: weight_raked = weight_scaled = weight_design, g = 1
    np.testing.assert_array_equal(weights["weight_raked"], weights["weight_design"])
    np.testing.assert_array_equal(weights["weight_scaled"], weights["weight_design"])
    assert (weights["g"] == 1).all() and (eff["iterations"] == 0).all()
    # AND the margins give the design-weighted shares (hand computed) beside the population's
    cit = resp[resp["sexe"].notna() & (resp["region_code"] == "93")]
    for k, label in ((1, "18-24"), (5, "65+")):
        row = margins[(margins["territory_code"] == "93") & (margins["category"] == label)].iloc[0]
        share = cit.loc[cit["tranche_age"] == k, "weight"].sum() / cit["weight"].sum()
        assert row["achieved_share"] == pytest.approx(share, abs=1e-15)
        assert row["achieved_share_design"] == pytest.approx(share, abs=1e-15)
        target = adult_margins(pop, ["13"])["tranche_age"]
        assert row["target_share"] == pytest.approx(target[k] / sum(target.values()))
    assert margins.loc[(margins["territory_code"] == "93") & (margins["category"] == "18-24"), "n"].iloc[0] == 0


def test_build_survey_weights_names_the_region_whose_margin_cannot_be_met():
    # GIVEN no inhabitant aged 18-24 in region 93
    resp = inline_respondents()
    resp = resp[~((resp["region_code"] == "93") & (resp["tranche_age"] == 1))]
    # WHEN / THEN an InputError names the region and the margin
    with pytest.raises(InputError, match=r"region 93.*tranche_age = 1 cannot be met"):
        build_survey_weights(resp, inline_population(), REGIONS, {})


# ------------------------------------------------------------------------------------------------
# demo extract
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["data/raw", "tests/data/tiny/raw"])
def test_demo_population_totals_are_the_real_populations(raw):
    # GIVEN the shipped demo extract and the reference geography next to it
    geo = pd.read_csv(ROOT / raw / "geo" / "departements.csv", dtype=str, keep_default_na=False)
    pop = read_population(ROOT / raw / POP_FILE, valid_codes=set(geo["code_departement"]))
    # THEN it covers every département with 2 x 101 rows, and sums to the 2017 populations
    assert set(pop["departement_code"]) == set(geo["code_departement"])
    assert (pop.groupby("departement_code").size() == 202).all()
    totals = pop.groupby("departement_code")["count"].sum()
    expected = geo.set_index("code_departement")["population_municipale"].astype(float)
    assert (totals.reindex(expected.index) - expected).abs().max() < 1e-6
    # and the adults look like the survey generator's population (52 % women)
    adults = pop[pop["age"] >= 18]
    women = adults.loc[adults["sexe"] == 2, "count"].sum() / adults["count"].sum()
    assert 0.51 < women < 0.53


def test_demo_population_is_reproducible_and_tiny_is_an_extract(tmp_path):
    # GIVEN the generator and the full geography
    from impact_regions.demo.population import PATH, generate_population, write_population

    geo = pd.read_csv(ROOT / "data/raw/geo/departements.csv", dtype=str, keep_default_na=False)
    tiny = pd.read_csv(ROOT / "tests/data/tiny/raw/geo/departements.csv", dtype=str, keep_default_na=False)
    # WHEN the full file is regenerated with the demo seed, and the tiny one from the tiny geography
    write_population(tmp_path / "full.csv", generate_population(geo, 20191))
    write_population(tmp_path / "tiny.csv", generate_population(tiny, 20191))
    # THEN both are byte-identical to the shipped files
    assert (tmp_path / "full.csv").read_bytes() == (ROOT / "data/raw" / PATH).read_bytes()
    assert (tmp_path / "tiny.csv").read_bytes() == (ROOT / "tests/data/tiny/raw" / PATH).read_bytes()
