"""Indicator scores and domain indices on a hand-computable example (sql/indicator_scores.sql,
sql/fragility_indices.sql), and the outlier treatment rule (impact_regions.treatment.decide;
strict monotonicity and the overseas regions: tests/test_treatment.py).

The territories are those of the tiny geography (conftest): 4 regions, 7 départements, France
and a custom territory SUD. Three indicators have hand-picked values whose standard deviation
across the 7 départements is exactly 1 or 2, so every score can be checked by head:

    a (emploi,   direction +1)  départements 9 9 9 10 11 11 11   sd 1   France 10
    b (emploi,   direction -1)  départements 22 22 18 20 18 18 22 sd 2   France 20
    c (logement, direction +1)  départements 4 4 4 5 6 6 6       sd 1   France 5
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from impact_regions.indices import catalogue_domains, catalogue_indicators
from impact_regions.storage import run_sql
from impact_regions.territories import build_territories
from impact_regions.treatment import COLUMNS as TREATMENT_COLUMNS
from impact_regions.treatment import box_cox_transform, build_treatment, decide, robust_scale, skew_kurtosis

DEPS = ["DEP-01", "DEP-03", "DEP-04", "DEP-13", "DEP-2A", "DEP-2B", "DEP-971"]
REGIONS = ["01", "84", "93", "94"]
CUSTOM = [{"code": "SUD", "name": "Sud", "slug": "sud", "kind": "custom", "departements": ["04", "13", "2A"]}]

VALUES = {
    #            départements (DEPS order)          FR    regions 01, 84, 93, 94      SUD
    "a": dict(
        zip(
            DEPS + ["FR", "01", "84", "93", "94", "SUD"],
            [9, 9, 9, 10, 11, 11, 11, 10, 11, 9, 9.5, 11, 10.5],
            strict=True,
        )
    ),
    "b": dict(
        zip(
            DEPS + ["FR", "01", "84", "93", "94", "SUD"],
            [22, 22, 18, 20, 18, 18, 22, 20, 22, 22, 19, 18, 19],
            strict=True,
        )
    ),
    "c": dict(
        zip(DEPS + ["FR", "01", "84", "93", "94", "SUD"], [4, 4, 4, 5, 6, 6, 6, 5, 5, 6, 5.5, 4, None], strict=True)
    ),
}
DOMAIN = {"a": "emploi", "b": "emploi", "c": "logement"}
DIRECTION = {"a": 1, "b": -1, "c": 1}

CATALOGUE = {
    "domains": [
        {"id": "emploi", "label": "Emploi", "family": "économique"},
        {"id": "logement", "label": "Mal-logement", "family": "social"},
    ],
    "indicators": [
        {
            "id": i,
            "label": i,
            "domain": DOMAIN[i],
            "year": 2017,
            "additive": False,
            "direction": DIRECTION[i],
            "unit": "%",
            "source_label": "test",
        }
        for i in ("a", "b", "c")
    ],
}


@pytest.fixture
def territories(tiny_geo):
    return build_territories(tiny_geo, CUSTOM)


def values_frame(values: dict = VALUES) -> pd.DataFrame:
    rows = [
        {
            "indicator_id": i,
            "territory_code": t,
            "domain_id": DOMAIN[i],
            "year": 2017,
            "value": (np.nan if v is None else float(v)),
        }
        for i, per in values.items()
        for t, v in per.items()
    ]
    return pd.DataFrame(rows)


def treatment_frame(rows: dict | None = None) -> pd.DataFrame:
    """indicator_id -> {method, tail, anchor, scale, power, lower, upper} (missing keys: none /
    NaN); indicators not listed get 'aucun'."""
    rows = rows or {}
    out = []
    for i in sorted(DOMAIN):
        r = {
            "indicator_id": i,
            "method": "aucun",
            "tail": "",
            "anchor": np.nan,
            "scale": np.nan,
            "power": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "n_winsorised": 0,
            "is_rule_met": True,
            "skew_before": 0.0,
            "kurtosis_before": 0.0,
            "skew_after": 0.0,
            "kurtosis_after": 0.0,
        }
        out.append({**r, **rows.get(i, {})})
    return pd.DataFrame(out, columns=TREATMENT_COLUMNS)


def scores(territories, normalisation="zscore", values=None, treatment=None) -> pd.DataFrame:
    return run_sql(
        "indicator_scores",
        {
            "indicator_values": values_frame(values or VALUES),
            "indicator_treatment": treatment if treatment is not None else treatment_frame(),
            "catalogue_indicators": catalogue_indicators(CATALOGUE),
            "territories": territories,
        },
        {"normalisation": normalisation},
    )


def indices(territories, score_table, aggregation="arithmetic") -> pd.DataFrame:
    return run_sql(
        "fragility_indices",
        {
            "indicator_scores": score_table,
            "catalogue_domains": catalogue_domains(CATALOGUE),
            "territories": territories,
        },
        {"aggregation": aggregation},
    )


def lookup(df: pd.DataFrame, key: str, column: str) -> dict:
    return {(r[key], r["territory_code"]): r[column] for _, r in df.iterrows()}


# --------------------------------------- indicator scores ---------------------------------------


def test_the_example_has_the_stated_spread():
    # GIVEN / WHEN the département values / THEN their sample SDs are 1, 2 and 1
    for i, sd in (("a", 1.0), ("b", 2.0), ("c", 1.0)):
        assert np.std([VALUES[i][d] for d in DEPS], ddof=1) == sd


def test_zscore_distance_to_france_in_departement_sd(territories):
    # GIVEN the example values, no treatment
    # WHEN scored with z-scores
    s = lookup(scores(territories, "zscore"), "indicator_id", "score")
    # THEN score = direction x (x - x_FR) / sd over départements; France is 0
    assert s[("a", "84")] == pytest.approx(-1.0)
    assert s[("a", "93")] == pytest.approx(-0.5)
    assert s[("a", "SUD")] == pytest.approx(0.5)
    assert s[("a", "DEP-2A")] == pytest.approx(1.0)
    assert s[("b", "84")] == pytest.approx(-1.0)  # 22 > 20 but direction -1: less fragile
    assert s[("b", "94")] == pytest.approx(1.0)
    assert s[("b", "SUD")] == pytest.approx(0.5)
    assert s[("c", "84")] == pytest.approx(1.0)
    for i in "abc":
        assert s[(i, "FR")] == 0.0
    assert math.isnan(s[("c", "SUD")])  # missing value -> no score


def test_minmax_on_1_100_reversed_for_direction_minus_one(territories):
    # GIVEN the example values
    # WHEN scored with min-max across départements
    s = lookup(scores(territories, "minmax"), "indicator_id", "score")
    # THEN 1 + 99 (x - min)/(max - min), and 1 + 99 (max - x)/(max - min) when direction = -1
    assert s[("a", "DEP-01")] == pytest.approx(1.0) and s[("a", "DEP-2A")] == pytest.approx(100.0)
    assert s[("a", "93")] == pytest.approx(1 + 99 * 0.25)
    assert s[("a", "SUD")] == pytest.approx(1 + 99 * 0.75)
    assert s[("b", "DEP-01")] == pytest.approx(1.0) and s[("b", "DEP-04")] == pytest.approx(100.0)
    assert s[("b", "93")] == pytest.approx(1 + 99 * 3 / 4)
    assert s[("c", "93")] == pytest.approx(1 + 99 * 0.75)


def test_ratio_to_france_times_100(territories):
    # GIVEN the example values
    # WHEN scored as a ratio to France
    s = lookup(scores(territories, "ratio"), "indicator_id", "score")
    # THEN 100 x / x_FR, and 100 x_FR / x when direction = -1
    assert s[("a", "SUD")] == pytest.approx(105.0)
    assert s[("a", "84")] == pytest.approx(90.0)
    assert s[("b", "84")] == pytest.approx(100 * 20 / 22)
    assert s[("b", "94")] == pytest.approx(100 * 20 / 18)
    assert s[("c", "FR")] == pytest.approx(100.0)


def test_winsorised_bounds_apply_to_every_territory(territories):
    # GIVEN indicator a with a region far above the départements and a treatment that caps at 11
    values = {k: dict(v) for k, v in VALUES.items()}
    values["a"]["DEP-971"] = 30.0  # the outlier that was winsorised to 11
    values["a"]["01"] = 25.0
    treatment = treatment_frame({"a": {"method": "winsorisation", "tail": "droite", "upper": 11.0}})
    # WHEN scored
    sc = scores(territories, "zscore", values, treatment)
    s, treated = lookup(sc, "indicator_id", "score"), lookup(sc, "indicator_id", "is_treated")
    # THEN values above the cap count as 11 everywhere (the SD of the capped départements is 1 again)
    # and are flagged; the raw value is kept in `value`
    assert s[("a", "DEP-971")] == pytest.approx(1.0)
    assert s[("a", "01")] == pytest.approx(1.0)
    assert treated[("a", "DEP-971")] and treated[("a", "01")]
    assert not treated[("a", "84")] and not treated[("b", "01")]
    assert lookup(sc, "indicator_id", "value")[("a", "01")] == 25.0
    assert set(sc.loc[sc["indicator_id"] == "a", "treatment"]) == {"winsorisation"}


def test_box_cox_treatment_for_zscore_but_not_for_ratio(territories):
    # GIVEN indicator c treated by Box-Cox with power 0 anchored at 4, scale 1: t(x) = ln((x - 4) / 1 + 1)
    treatment = treatment_frame(
        {"c": {"method": "box_cox", "tail": "droite", "anchor": 4.0, "scale": 1.0, "power": 0.0}}
    )
    t = {d: math.log(VALUES["c"][d] - 4 + 1) for d in DEPS}
    sd = float(np.std(list(t.values()), ddof=1))
    # WHEN scored as z-scores and as ratios
    z = lookup(scores(territories, "zscore", treatment=treatment), "indicator_id", "score")
    r = lookup(scores(territories, "ratio", treatment=treatment), "indicator_id", "score")
    treated = lookup(scores(territories, "zscore", treatment=treatment), "indicator_id", "is_treated")
    # THEN the z-score is on the log scale, the ratio on the raw values
    assert z[("c", "84")] == pytest.approx((math.log(6 - 3) - math.log(5 - 3)) / sd)
    assert z[("c", "94")] == pytest.approx((math.log(1) - math.log(2)) / sd)
    assert r[("c", "84")] == pytest.approx(120.0)
    assert treated[("c", "84")] and treated[("c", "DEP-01")]
    assert not treated[("a", "84")]


# --------------------------------------- domain indices -----------------------------------------

SD = {"a": 1, "b": 2, "c": 1}


def hand_scores() -> pd.DataFrame:
    """The z-scores of the example computed by hand (exact in binary floating point).

    Used as `indicator_scores` for the domain indices, so that ties between regions are exact
    (the SQL's standard deviation carries rounding noise in the last bit).
    """
    rows = []
    for i, per in VALUES.items():
        for t, v in per.items():
            score = None if v is None else DIRECTION[i] * (v - VALUES[i]["FR"]) / SD[i]
            rows.append(
                {
                    "indicator_id": i,
                    "territory_code": t,
                    "domain_id": DOMAIN[i],
                    "value": np.nan if v is None else float(v),
                    "score": np.nan if score is None else float(score),
                    "is_treated": False,
                    "treatment": "aucun",
                }
            )
    return pd.DataFrame(rows)


def test_sql_zscores_are_the_hand_scores(territories):
    # GIVEN / WHEN the SQL z-scores / THEN they are the hand-computed ones
    sql = lookup(scores(territories, "zscore"), "indicator_id", "score")
    hand = lookup(hand_scores(), "indicator_id", "score")
    assert sql.keys() == hand.keys()
    for k, v in hand.items():
        assert sql[k] == pytest.approx(v, abs=1e-12, nan_ok=True), k


def test_sql_scores_give_the_same_indices_as_hand_scores(territories):
    # GIVEN the domain indices from the SQL scores and from the hand scores
    via_sql = indices(territories, scores(territories, "zscore")).set_index(["territory_code", "domain_id"])
    by_hand = indices(territories, hand_scores()).set_index(["territory_code", "domain_id"])
    # WHEN / THEN they agree (up to rounding)
    np.testing.assert_allclose(
        via_sql["score"].astype(float), by_hand.loc[via_sql.index, "score"].astype(float), atol=1e-12
    )
    assert (via_sql["n_indicators"] == by_hand.loc[via_sql.index, "n_indicators"]).all()


@pytest.fixture
def zindex(territories):
    return indices(territories, hand_scores())


def test_domain_score_is_mean_of_indicator_scores(zindex):
    # GIVEN the z-scores (a, b in emploi; c in logement)
    s = lookup(zindex, "domain_id", "score")
    n = lookup(zindex, "domain_id", "n_indicators")
    # WHEN / THEN emploi = mean(a, b), logement = c, with the number of indicators
    assert s[("emploi", "84")] == pytest.approx(-1.0)  # (-1 + -1) / 2
    assert s[("emploi", "93")] == pytest.approx(0.0)  # (-0.5 + 0.5) / 2
    assert s[("emploi", "94")] == pytest.approx(1.0)
    assert s[("emploi", "SUD")] == pytest.approx(0.5)
    assert s[("logement", "84")] == pytest.approx(1.0)
    assert n[("emploi", "84")] == 2 and n[("logement", "84")] == 1
    # a domain without any value: NULL score on 0 indicators
    assert math.isnan(s[("logement", "SUD")]) and n[("logement", "SUD")] == 0
    assert set(zindex.loc[zindex["domain_id"] == "emploi", "family"]) == {"économique"}


def test_ensemble_row_is_mean_of_domain_scores(zindex):
    # GIVEN the domain scores
    s = lookup(zindex, "domain_id", "score")
    n = lookup(zindex, "domain_id", "n_indicators")
    # WHEN / THEN one 'ensemble' row per territory: the mean of its domain scores, on all indicators
    assert s[("ensemble", "84")] == pytest.approx(0.0)  # (-1 + 1) / 2
    assert s[("ensemble", "93")] == pytest.approx(0.25)  # (0 + 0.5) / 2
    assert s[("ensemble", "SUD")] == pytest.approx(0.5)  # logement missing
    assert n[("ensemble", "84")] == 3 and n[("ensemble", "SUD")] == 2
    ens = zindex[zindex["domain_id"] == "ensemble"]
    assert set(ens["family"]) == {"ensemble"}
    assert len(ens) == zindex["territory_code"].nunique()
    assert not zindex.duplicated(["territory_code", "domain_id"]).any()


def test_ranks_among_regions(zindex):
    # GIVEN the domain scores of the 4 regions
    rank = lookup(zindex, "domain_id", "rank_among_regions")
    # WHEN / THEN 1 = most fragile; ties share the better rank
    assert [rank[("emploi", r)] for r in ("94", "93", "01", "84")] == [1, 2, 2, 4]
    assert [rank[("logement", r)] for r in ("84", "93", "01", "94")] == [1, 2, 3, 4]
    assert [rank[("ensemble", r)] for r in ("93", "84", "94", "01")] == [1, 2, 2, 2]
    # the custom territory gets the rank it would hold among the regions (regions keep theirs)
    assert rank[("emploi", "SUD")] == 2  # only 94 (1.0) is above 0.5
    assert rank[("ensemble", "SUD")] == 1
    assert pd.isna(rank[("logement", "SUD")])  # no score, no rank
    # départements and France are not ranked
    for code in DEPS + ["FR"]:
        assert pd.isna(rank[("emploi", code)]) and pd.isna(rank[("ensemble", code)])


def test_n_indicators_is_an_integer_column(zindex):
    # GIVEN / WHEN the indices / THEN the number of indicators is an integer column
    assert pd.api.types.is_integer_dtype(zindex["n_indicators"])


def test_geometric_aggregation_of_minmax_scores(territories):
    # GIVEN min-max scores
    sc = scores(territories, "minmax")
    s = lookup(sc, "indicator_id", "score")
    # WHEN aggregated geometrically
    geo_idx = lookup(indices(territories, sc, "geometric"), "domain_id", "score")
    ari_idx = lookup(indices(territories, sc, "arithmetic"), "domain_id", "score")
    # THEN a domain score is the geometric mean of its indicator scores
    expected = math.sqrt(s[("a", "93")] * s[("b", "93")])
    assert geo_idx[("emploi", "93")] == pytest.approx(expected)
    assert ari_idx[("emploi", "93")] == pytest.approx((s[("a", "93")] + s[("b", "93")]) / 2)
    assert geo_idx[("emploi", "93")] < ari_idx[("emploi", "93")]
    assert geo_idx[("ensemble", "93")] == pytest.approx(
        math.sqrt(geo_idx[("emploi", "93")] * geo_idx[("logement", "93")])
    )


# --------------------------------------- treatment rule -----------------------------------------


def test_one_huge_outlier_is_transformed_not_capped():
    # GIVEN 20 values 1..19 and one huge outlier
    x = np.r_[np.arange(1.0, 20.0), 1000.0]
    # WHEN the rule is decided (default: Box-Cox)
    d = decide(x)
    # THEN it fails before (skew > 2, kurtosis > 3.5, as scipy computes them), the transform is
    # anchored at the minimum on the right tail, and the outlier stays the largest, apart
    assert d["skew_before"] > 2 and d["kurtosis_before"] > 3.5
    assert (d["skew_before"], d["kurtosis_before"]) == pytest.approx(
        (stats.skew(x, bias=False), stats.kurtosis(x, bias=False))
    )
    assert d["method"] == "box_cox" and d["tail"] == "droite" and d["anchor"] == 1.0
    assert 0.0 <= d["power"] <= 1.0 and d["n_winsorised"] == 0
    t = box_cox_transform(x, d["tail"], d["anchor"], d["scale"], d["power"])
    assert (np.diff(t) > 0).all()
    assert (d["skew_after"], d["kurtosis_after"]) == pytest.approx(
        (stats.skew(t, bias=False), stats.kurtosis(t, bias=False))
    )
    assert d["is_rule_met"] == (not (abs(d["skew_after"]) > 2 and d["kurtosis_after"] > 3.5))


def test_left_tail_is_transformed_from_the_maximum():
    # GIVEN the mirror image: one hugely negative value
    x = -np.r_[np.arange(1.0, 20.0), 1000.0]
    # WHEN / THEN the transform is anchored at the largest value, on the left tail, and is the mirror
    d = decide(x)
    r = decide(-x)
    assert d["method"] == "box_cox" and d["tail"] == "gauche" and d["anchor"] == -1.0
    assert (d["power"], d["scale"]) == (r["power"], r["scale"])
    np.testing.assert_allclose(
        box_cox_transform(x, "gauche", d["anchor"], d["scale"], d["power"]),
        -box_cox_transform(-x, "droite", r["anchor"], r["scale"], r["power"]),
    )


def test_winsorise_option_caps_then_falls_back_to_box_cox():
    # GIVEN 1..18 and two outliers, with the non-default winsorisation
    x = np.r_[np.arange(1.0, 19.0), 1000.0, 2000.0]
    d = decide(x, method="winsorise")
    # WHEN / THEN two values are capped, at the third largest
    assert (d["method"], d["n_winsorised"], d["upper"]) == ("winsorisation", 2, 18.0)
    # ... and with at most one winsorised value the rule falls back to the Box-Cox transform
    d1 = decide(x, max_winsorised=1, method="winsorise")
    assert d1["method"] == "box_cox" and d1["anchor"] == 1.0 and d1["n_winsorised"] == 0
    # a left tail is winsorised from below
    d2 = decide(-np.r_[np.arange(1.0, 20.0), 1000.0], method="winsorise")
    assert d2["method"] == "winsorisation" and d2["lower"] == -19.0 and math.isnan(d2["upper"])
    with pytest.raises(ValueError, match="unknown method"):
        decide(x, method="clip")


def test_heavy_tailed_series_passes_the_rule_after_the_transform():
    # GIVEN 101 départements with a log-normal spread (σ = 2): winsorising 5 would not be enough
    x = np.exp(2.0 * stats.norm.ppf((np.arange(1, 102) - 0.5) / 101))
    w = np.sort(x)
    w[-5:] = w[-6]
    s5, k5 = skew_kurtosis(w)
    assert abs(s5) > 2 and k5 > 3.5
    # WHEN the rule is decided
    d = decide(x)
    # THEN the Box-Cox transform passes it, with the moments it reports
    assert d["method"] == "box_cox" and d["anchor"] == pytest.approx(x.min())
    s, k = skew_kurtosis(box_cox_transform(x, "droite", d["anchor"], d["scale"], d["power"]))
    assert (d["skew_after"], d["kurtosis_after"]) == pytest.approx((s, k))
    assert not (abs(s) > 2 and k > 3.5) and d["is_rule_met"]


def test_symmetric_series_is_not_treated_and_nan_is_ignored():
    # GIVEN a symmetric series with a missing value
    d = decide(np.array([1.0, 2.0, 3.0, np.nan, 4.0, 5.0]))
    # WHEN / THEN no treatment, moments on the 5 known values
    assert d["method"] == "aucun" and d["n_winsorised"] == 0 and d["is_rule_met"]
    assert d["skew_before"] == pytest.approx(0.0, abs=1e-12)
    assert d["kurtosis_before"] == pytest.approx(stats.kurtosis([1, 2, 3, 4, 5], bias=False))


def test_build_treatment_uses_departements_only():
    # GIVEN an indicator whose départements have one outlier, and a region with a larger value
    deps = {f"DEP-{i:02d}": float(i) for i in range(1, 20)} | {"DEP-20": 1000.0}
    frame = pd.DataFrame(
        {
            "indicator_id": "x",
            "territory_code": list(deps) + ["84", "FR"],
            "value": list(deps.values()) + [5000.0, 50.0],
        }
    )
    # WHEN the treatment table is built
    t = build_treatment(frame, set(deps))
    # THEN the parameters come from the départements only; disabled treatment keeps the moments
    assert list(t.columns) == TREATMENT_COLUMNS
    row = t.iloc[0]
    assert row["method"] == "box_cox" and row["anchor"] == 1.0
    assert row["scale"] == pytest.approx(robust_scale(np.array(list(deps.values()))))
    off = build_treatment(frame, set(deps), enabled=False).iloc[0]
    assert off["method"] == "aucun" and off["skew_before"] == pytest.approx(row["skew_before"])
    w = build_treatment(frame, set(deps), method="winsorise").iloc[0]
    assert w["method"] == "winsorisation" and w["upper"] == 19.0
