"""The strictly increasing treatment of skewed indicators (impact_regions.treatment, the box_cox
method, applied by sql/indicator_scores.sql and its numpy twins).

Contract (DESIGN §7, issue 10 item 3): distinct values keep distinct, ordered scores, on every
real value (regions, France and custom territories may fall outside the départements' range),
so that real extremes such as the overseas départements are never capped to one value. The
moments and the maximum-likelihood power are checked against scipy.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from impact_regions.index_audit import treated_values as audit_treated_values
from impact_regions.indices import catalogue_indicators
from impact_regions.storage import run_sql
from impact_regions.treatment import (
    COLUMNS,
    POWER_GRID,
    box_cox_llf,
    box_cox_transform,
    build_treatment,
    decide,
    needs_treatment,
    robust_scale,
    skew_kurtosis,
    treatment_key,
)
from impact_regions.uncertainty import treated_values as model_treated_values
from impact_regions.uncertainty import treatment_arrays, treatment_options

#: 101 "départements": 96 metropolitan values around 15 and 5 overseas values far above, the
#: shape of the poverty rate (the overseas values are those of the issue: 29 to 77 %).
METRO = 15.0 + 3.0 * stats.norm.ppf((np.arange(1, 97) - 0.5) / 96)
OVERSEAS = {"971": 34.0, "972": 29.0, "973": 53.0, "974": 39.0, "976": 77.0}
SKEWED = np.r_[METRO, list(OVERSEAS.values())]


def grid_outside(values: np.ndarray) -> np.ndarray:
    """Values far below, inside and far above the range of `values`, sorted and distinct."""
    lo, hi = values.min(), values.max()
    span = hi - lo
    return np.unique(
        np.r_[np.linspace(lo - 50 * span, hi + 50 * span, 2001), values, lo - 1e-9, hi + 1e-9, lo - 1e6, hi + 1e6]
    )


# --------------------------------------- the transform ------------------------------------------


@pytest.mark.parametrize("sign", [1, -1], ids=["right-tail", "left-tail"])
def test_the_treatment_is_strictly_increasing_on_and_beyond_the_departement_range(sign):
    # GIVEN a right-skewed series (or its mirror image, left-skewed) that fails the rule
    x = sign * SKEWED
    s, k = skew_kurtosis(x)
    assert needs_treatment(s, k, 2.0, 3.5)
    # WHEN the treatment is decided and applied to values far outside the départements' range
    d = decide(x)
    grid = grid_outside(x)
    t = box_cox_transform(grid, d["tail"], d["anchor"], d["scale"], d["power"])
    # THEN it is the Box-Cox transform on the long tail's side, and strictly increasing everywhere
    assert d["method"] == "box_cox" and d["tail"] == ("droite" if sign > 0 else "gauche")
    assert np.isfinite(t).all()
    assert (np.diff(t) > 0).all()
    # ... and continuous with slope 1 (in scale units) across the anchor, where it turns linear
    eps = 1e-7 * d["scale"]
    left, right = box_cox_transform(
        np.array([d["anchor"] - eps, d["anchor"] + eps]), d["tail"], d["anchor"], d["scale"], d["power"]
    )
    assert (right - left) / (2 * eps) == pytest.approx(1 / d["scale"], rel=1e-4)


@pytest.mark.parametrize("power", [0.0, 0.01, 0.3, 1.0])
def test_every_power_of_the_grid_keeps_the_order(power):
    # GIVEN any power of the grid, both tails / WHEN applied to distinct values / THEN distinct, ordered
    grid = grid_outside(SKEWED)
    for tail in ("droite", "gauche"):
        t = box_cox_transform(grid, tail, 10.0 if tail == "droite" else 80.0, 2.5, power)
        assert (np.diff(t) > 0).all(), (tail, power)


def test_power_one_is_an_affine_map_so_the_zscores_do_not_move():
    # GIVEN power 1 / WHEN applied / THEN t(x) = (x - anchor) / scale on both sides of the anchor
    x = np.array([-5.0, 0.0, 3.0, 40.0])
    np.testing.assert_allclose(box_cox_transform(x, "droite", 3.0, 2.0, 1.0), (x - 3.0) / 2.0)
    np.testing.assert_allclose(box_cox_transform(x, "gauche", 3.0, 2.0, 1.0), (x - 3.0) / 2.0)


def test_numpy_twins_agree_with_the_module():
    # GIVEN the decided treatment in a table
    frame = pd.DataFrame(
        {"indicator_id": "x", "territory_code": [f"DEP-{i}" for i in range(len(SKEWED))], "value": SKEWED}
    )
    table = build_treatment(frame, set(frame["territory_code"]))
    row = table.iloc[0]
    grid = grid_outside(SKEWED)
    ref = box_cox_transform(grid, row["tail"], row["anchor"], row["scale"], row["power"])
    # WHEN the Monte Carlo's and the audit's copies transform the same values
    t, c = model_treated_values(grid[None, :], treatment_arrays(table, ["x"]))
    a, changed = audit_treated_values(
        pd.Series(grid), "box_cox", tail=row["tail"], anchor=row["anchor"], scale=row["scale"], power=row["power"]
    )
    # THEN they are the same transform; the ratio normalisation keeps the raw values
    np.testing.assert_allclose(t[0], ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.to_numpy(), ref, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(c[0], grid)
    assert changed.all()


# --------------------------------------- the choice of the power --------------------------------


@pytest.mark.parametrize("df", [10, 20, 50])
def test_power_is_the_maximum_likelihood_power_on_the_grid(df):
    # GIVEN a chi-square-shaped series, mildly right-skewed, with thresholds low enough for the rule
    # to treat it (with the default thresholds only strong skews are treated; see below)
    x = stats.chi2.ppf((np.arange(1, 102) - 0.5) / 101, df)
    d = decide(x, skew_threshold=0.1, kurtosis_threshold=-2.0)
    y = (np.sort(x) - d["anchor"]) / d["scale"] + 1
    # WHEN / THEN the profile log-likelihood is scipy's, the power its maximum on the grid, within
    # one grid step of scipy's continuous optimum, and the rule is met after
    for p in (0.0, 0.25, 1.0):
        assert box_cox_llf(y, p) == pytest.approx(stats.boxcox_llf(p, y), rel=1e-10)
    llf = [stats.boxcox_llf(p, y) for p in POWER_GRID]
    assert d["power"] == float(POWER_GRID[int(np.argmax(llf))])
    opt = stats.boxcox_normmax(y, method="mle")
    assert 0 < opt < 1 and abs(d["power"] - opt) <= 0.01
    assert d["is_rule_met"]


def test_strong_skews_get_the_logarithm_when_the_optimum_is_below_zero():
    # GIVEN a log-normal series (σ = 0.9) the default rule treats
    x = np.exp(0.9 * stats.norm.ppf((np.arange(1, 102) - 0.5) / 101)) * 10
    d = decide(x)
    y = (np.sort(x) - d["anchor"]) / d["scale"] + 1
    # WHEN / THEN scipy's optimum is below 0, so the power is 0 (the logarithm), which passes the rule
    assert stats.boxcox_normmax(y, method="mle") < 0
    assert d["power"] == 0.0 and d["is_rule_met"]


def test_a_rule_still_unmet_at_the_logarithm_is_flagged():
    # GIVEN a chi-square series (df 5) and a rule so strict (|skew| > 0.1) that even the log fails it
    x = stats.chi2.ppf((np.arange(1, 102) - 0.5) / 101, 5)
    d = decide(x, skew_threshold=0.1, kurtosis_threshold=-2.0)
    # WHEN / THEN the power goes down to 0 (the logarithm) and is_rule_met says the rule is not met
    t = box_cox_transform(x, d["tail"], d["anchor"], d["scale"], d["power"])
    s, k = skew_kurtosis(t)
    assert d["power"] == 0.0 and needs_treatment(s, k, 0.1, -2.0) and not d["is_rule_met"]
    assert (d["skew_after"], d["kurtosis_after"]) == pytest.approx((s, k))


def test_moments_after_are_scipys_on_the_transformed_departements():
    # GIVEN the skewed series / WHEN treated
    d = decide(SKEWED)
    t = box_cox_transform(SKEWED, d["tail"], d["anchor"], d["scale"], d["power"])
    # THEN the reported moments are scipy's bias-corrected skewness and excess kurtosis
    assert (d["skew_before"], d["kurtosis_before"]) == pytest.approx(
        (stats.skew(SKEWED, bias=False), stats.kurtosis(SKEWED, bias=False))
    )
    assert (d["skew_after"], d["kurtosis_after"]) == pytest.approx(
        (stats.skew(t, bias=False), stats.kurtosis(t, bias=False))
    )
    assert d["is_rule_met"] and abs(d["skew_after"]) < abs(d["skew_before"])
    # the scale is IQR / 1.349
    q1, q3 = np.percentile(SKEWED, [25, 75])
    assert d["scale"] == pytest.approx((q3 - q1) / 1.349) == robust_scale(SKEWED)


def test_a_constant_or_symmetric_indicator_is_left_alone():
    # GIVEN a constant series and a symmetric one / WHEN decided / THEN no treatment
    assert decide(np.full(20, 3.0))["method"] == "aucun"
    assert decide(METRO)["method"] == "aucun"


def test_treatment_options_of_the_monte_carlo():
    # GIVEN the configured index treatment / WHEN the Monte Carlo's options are read
    ref = {"treatment": {"enabled": True, "method": "box_cox"}}
    # THEN true stands for the configured method, false for none; names are kept
    assert treatment_options([True, False], ref) == ["box_cox", "none"]
    assert treatment_options(["box_cox", "winsorise", "none"], ref) == ["box_cox", "winsorise", "none"]
    assert treatment_options([True], {"treatment": {"enabled": True, "method": "winsorise"}}) == ["winsorise"]
    assert treatment_key({"enabled": False, "method": "box_cox"}) == "none"
    with pytest.raises(ValueError):
        treatment_key("clip")


# --------------------------------------- the SQL, on every territory ----------------------------

CATALOGUE = {
    "domains": [{"id": "pauvrete", "label": "Pauvreté", "family": "social"}],
    "indicators": [
        {
            "id": i,
            "label": i,
            "domain": "pauvrete",
            "year": 2017,
            "additive": False,
            "direction": d,
            "unit": "%",
            "source_label": "test",
        }
        for i, d in (("up", 1), ("down", -1))
    ],
}


def sql_scores(
    values: dict[str, float], deps: list[str], normalisation: str = "zscore", method: str = "box_cox"
) -> pd.DataFrame:
    """indicator_scores of two indicators with the same values (direction +1 and -1)."""
    kinds = {c: ("departement" if c in deps else "france" if c == "FR" else "region") for c in values}
    territories = pd.DataFrame(
        {
            "territory_code": list(kinds),
            "departement_code": list(kinds),
            "territory_name": list(kinds),
            "kind": list(kinds.values()),
        }
    )
    frame = pd.DataFrame(
        [
            {"indicator_id": i, "territory_code": c, "domain_id": "pauvrete", "year": 2017, "value": v}
            for i in ("up", "down")
            for c, v in values.items()
        ]
    )
    treatment = build_treatment(frame, set(deps), method=method)
    assert list(treatment.columns) == COLUMNS
    return run_sql(
        "indicator_scores",
        {
            "indicator_values": frame,
            "indicator_treatment": treatment,
            "catalogue_indicators": catalogue_indicators(CATALOGUE),
            "territories": territories,
        },
        {"normalisation": normalisation},
    ), treatment


@pytest.mark.parametrize("normalisation", ["zscore", "minmax"])
def test_sql_keeps_distinct_ordered_scores_beyond_the_departement_range(normalisation):
    # GIVEN the skewed départements, France inside their range, and "regions" far below the
    # minimum, between values, and far above the maximum (Mayotte at 77 % and beyond)
    deps = [f"DEP-{i:03d}" for i in range(len(SKEWED))]
    values = dict(zip(deps, SKEWED, strict=True)) | {
        "FR": 15.3,
        "R-LOW": -40.0,
        "R-LOW2": 0.5,
        "R-MID": 16.25,
        "R-OM": 77.0,
        "R-HIGH": 150.0,
        "R-HIGHER": 1e4,
    }
    # WHEN scored by the SQL
    sc, treatment = sql_scores(values, deps, normalisation)
    assert set(treatment["method"]) == {"box_cox"}
    # THEN for +1 the scores increase with the values, for -1 they decrease: distinct values get
    # distinct scores (R-OM has the value of DEP-100, 77, and shares its score only)
    for iid, direction in (("up", 1), ("down", -1)):
        s = sc[sc["indicator_id"] == iid].sort_values("value")
        assert s["score"].notna().all()
        dv, ds = np.diff(s["value"].to_numpy()), np.diff(direction * s["score"].to_numpy())
        assert (ds[dv > 0] > 0).all() and (ds[dv == 0] == 0).all(), iid
        assert (dv == 0).sum() == 1
        assert s["is_treated"].all() and (s["treatment"] == "box_cox").all()
    # and the SQL is the numpy transform: z-score of t(x) against France over the départements
    row = treatment.iloc[0]
    if normalisation == "zscore":
        t = {
            c: float(box_cox_transform(np.array([v]), row["tail"], row["anchor"], row["scale"], row["power"])[0])
            for c, v in values.items()
        }
        sd = np.std([t[d] for d in deps], ddof=1)
        up = sc[sc["indicator_id"] == "up"].set_index("territory_code")["score"]
        for code in ("R-LOW", "R-OM", "R-HIGHER"):
            assert up[code] == pytest.approx((t[code] - t["FR"]) / sd, rel=1e-9)


def test_the_winsorise_option_gives_the_ties_the_default_avoids():
    # GIVEN the same data with the non-default winsorisation / WHEN scored
    deps = [f"DEP-{i:03d}" for i in range(len(SKEWED))]
    values = dict(zip(deps, SKEWED, strict=True)) | {"FR": 15.3, "R-OM": 77.0, "R-OM2": 53.0}
    sc, treatment = sql_scores(values, deps, method="winsorise")
    up = sc[sc["indicator_id"] == "up"].set_index("territory_code")["score"]
    # THEN the two overseas values share one score (that is why it is not the default)
    assert treatment.iloc[0]["method"] == "winsorisation"
    assert up["R-OM"] == up["R-OM2"]


# --------------------------------------- the demo pipeline --------------------------------------

OVERSEAS_REGIONS = {"01": "Guadeloupe", "02": "Martinique", "03": "Guyane", "04": "La Réunion", "06": "Mayotte"}


@pytest.fixture(scope="module")
def demo_tables(demo_processed):
    base = demo_processed / "base"
    return {
        "scores": pd.read_parquet(base / "indicator_scores.parquet"),
        "territories": pd.read_parquet(base / "territories.parquet"),
        "treatment": pd.read_parquet(demo_processed / "staging" / "indicator_treatment.parquet"),
    }


def test_demo_overseas_regions_keep_their_order_on_every_treated_indicator(demo_tables):
    # GIVEN the demo run's scores and treatment decisions (z-scores, the default treatment)
    from workdirs import ROOT

    from impact_regions.config import load_indicators

    direction = {
        i["id"]: int(i["direction"]) for i in load_indicators(ROOT / "config" / "indicators.yaml")["indicators"]
    }
    sc, treatment = demo_tables["scores"], demo_tables["treatment"]
    treated = list(treatment.loc[treatment["method"] != "aucun", "indicator_id"])
    assert treated and set(treatment.loc[treatment["method"] != "aucun", "method"]) == {"box_cox"}
    assert {"taux_pauvrete", "taux_chomage_localise", "chomage_1564"} <= set(treated)
    checked = 0
    for iid in treated:
        s = sc[(sc["indicator_id"] == iid) & sc["territory_code"].isin(OVERSEAS_REGIONS)].set_index("territory_code")
        s = s.dropna(subset=["value", "score"])
        # WHEN two overseas regions have different raw values
        for a, b in combinations(s.index, 2):
            va, vb = s.loc[a, "value"], s.loc[b, "value"]
            if va == vb:
                continue
            # THEN their scores differ in the same order (reversed when lower values are more fragile)
            assert np.sign(s.loc[a, "score"] - s.loc[b, "score"]) == direction[iid] * np.sign(va - vb), (
                iid,
                OVERSEAS_REGIONS[a],
                OVERSEAS_REGIONS[b],
            )
            checked += 1
    assert checked >= 10 * len(treated) - 5  # nearly every pair differs


def test_demo_regions_with_distinct_values_never_share_a_score(demo_tables):
    # GIVEN the 18 regions' scores on every indicator (treated or not)
    sc, terr = demo_tables["scores"], demo_tables["territories"]
    regions = set(terr.loc[terr["kind"] == "region", "territory_code"])
    reg = sc[sc["territory_code"].isin(regions)].dropna(subset=["value", "score"])
    # WHEN / THEN within an indicator, distinct raw values give distinct scores
    for iid, g in reg.groupby("indicator_id"):
        distinct_values = g.drop_duplicates("value")
        assert distinct_values["score"].nunique() == len(distinct_values), iid


def test_demo_mayotte_is_first_on_the_poverty_rate(demo_tables):
    # GIVEN the poverty rate, where Mayotte (77 %) is far above every other region
    sc = demo_tables["scores"]
    s = sc[(sc["indicator_id"] == "taux_pauvrete") & sc["territory_code"].str.fullmatch(r"\d\d")]
    s = s.sort_values("score", ascending=False)
    # WHEN / THEN it has the highest score, and the overseas regions come in the order of their rates
    assert s.iloc[0]["territory_code"] == "06"
    om = s[s["territory_code"].isin(OVERSEAS_REGIONS)]
    assert list(om["territory_code"]) == list(om.sort_values("value", ascending=False)["territory_code"])
