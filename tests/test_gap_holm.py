"""Holm's correction of the perception gaps (issue 10 item 4; impact_regions.uncertainty).

The 16 gaps of a territory are one family (DESIGN §7): is_gap_significant is Holm-corrected
significance at alpha, and the interval printed with each gap excludes 0 exactly when it is
significant. Everything is checked against an independent computation written here by hand
(statsmodels is not installed): the Monte Carlo p-value counted run by run, and Holm's step-down
procedure as Holm (1979) states it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from impact_regions.uncertainty import gap_statistics, holm_adjust, holm_levels

ALPHA = 0.05


def holm_by_hand(p: list[float], alpha: float = ALPHA) -> tuple[list[float], list[bool]]:
    """Holm (1979): sort the m p-values; reject H(1), H(2), ... while p(j) < alpha / (m - j + 1);
    adjusted p(j) = max over i <= j of min(1, (m - i + 1) p(i)). NaN: not in the family."""
    idx = [i for i, x in enumerate(p) if not np.isnan(x)]
    m = len(idx)
    order = sorted(idx, key=lambda i: p[i])
    adjusted, reject = [float("nan")] * len(p), [False] * len(p)
    running, still = 0.0, True
    for j, i in enumerate(order, start=1):
        running = max(running, min(1.0, (m - j + 1) * p[i]))
        adjusted[i] = running
        still = still and p[i] < alpha / (m - j + 1)
        reject[i] = still
    return adjusted, reject


def p_by_hand(runs: np.ndarray) -> float:
    """Two-sided Monte Carlo p-value of one gap: twice the smaller share of runs on either side of 0."""
    r = runs[~np.isnan(runs)]
    if not len(r):
        return float("nan")
    return min(1.0, 2 * min(np.mean(r <= 0), np.mean(r >= 0)))


# --------------------------------------- Holm itself --------------------------------------------


def test_holm_adjustment_on_a_hand_example():
    # GIVEN four p-values (and a missing one) / WHEN adjusted
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.005])
    # THEN sorted 0.005, 0.01, 0.03, 0.04 -> 4 x 0.005, 3 x 0.01, max(0.03, 2 x 0.03), max(0.06, 0.04)
    np.testing.assert_allclose(holm_adjust(p), [0.03, 0.06, 0.06, np.nan, 0.02])


def test_holm_adjustment_equals_the_hand_procedure_on_random_families():
    # GIVEN 200 random families of 16 p-values, some missing, many small
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 1, (200, 16)) ** 3
    p[rng.uniform(size=p.shape) < 0.1] = np.nan
    # WHEN adjusted row by row / THEN as by hand, and p_holm < alpha is the step-down decision
    adj = holm_adjust(p)
    for row, got in zip(p, adj, strict=True):
        want, reject = holm_by_hand(list(row))
        np.testing.assert_allclose(got, want)
        assert [bool(g < ALPHA) if not np.isnan(g) else False for g in got] == reject


# --------------------------------------- the gaps -----------------------------------------------


def synthetic_runs(seed: int = 3, runs: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """(T=3, D=16) gaps and (R, 3, 16) runs: territory 0 has 16 moderate gaps (raw p ~ 0.01-0.1),
    territory 1 a few large and many null ones, territory 2 one missing gap and one constant."""
    rng = np.random.default_rng(seed)
    centre = np.zeros((3, 16))
    centre[0] = np.linspace(1.7, 2.6, 16)  # each alone near the 5 % limit
    centre[1, :4] = [4.0, -4.5, 3.5, 2.2]  # clear, clear, clear, borderline
    centre[2] = np.linspace(-3, 3, 16)
    gaps = centre.copy()
    gaps[2, 5] = np.nan
    r = centre[None] + rng.standard_normal((runs, 3, 16))
    r[:, 2, 7] = 0.5  # never crosses 0
    r[: runs // 10, 1, 15] = np.nan  # some runs without a value
    return gaps, r


@pytest.mark.parametrize("correction", ["holm", "none"])
def test_gap_significance_is_holm_over_the_domains_of_each_territory(correction):
    # GIVEN synthetic gaps and runs
    gaps, runs = synthetic_runs()
    # WHEN the statistics are computed
    st = gap_statistics(gaps, runs, ALPHA, correction)
    for t in range(gaps.shape[0]):
        # THEN the p-values are the run counts, and the decisions Holm's (or raw p < alpha)
        p = [p_by_hand(runs[:, t, d]) if not np.isnan(gaps[t, d]) else np.nan for d in range(16)]
        np.testing.assert_allclose(st["gap_p_value"][t], p)
        adjusted, reject = holm_by_hand(p) if correction == "holm" else (p, [x < ALPHA for x in p])
        np.testing.assert_allclose(st["gap_p_holm"][t], adjusted)
        assert list(st["is_gap_significant"][t]) == reject, t
    # a missing gap: no p-value, no interval, not significant
    assert np.isnan(st["gap_p_value"][2, 5]) and np.isnan(st["gap_ci_low"][2, 5]) and not st["is_gap_significant"][2, 5]


def test_the_interval_excludes_zero_exactly_when_the_gap_is_significant():
    # GIVEN synthetic gaps and runs / WHEN the statistics are computed
    gaps, runs = synthetic_runs()
    st = gap_statistics(gaps, runs, ALPHA)
    ok = ~np.isnan(gaps)
    lo, hi, level = st["gap_ci_low"], st["gap_ci_high"], st["gap_ci_level"]
    # THEN every interval is at least a 95 % one, brackets the runs' median, and excludes 0 iff significant
    assert (level[ok] >= 1 - ALPHA - 1e-12).all() and (level[ok] <= 1 - ALPHA / 16 + 1e-12).all()
    assert ((lo <= hi) | ~ok).all()
    excludes = (lo > 0) | (hi < 0)
    np.testing.assert_array_equal(excludes[ok], st["is_gap_significant"][ok])
    # the bounds are order statistics of the runs at the level's tails
    t, d = 1, 3
    r = np.sort(runs[:, t, d][~np.isnan(runs[:, t, d])])
    k = int(np.ceil((1 - level[t, d]) * len(r) / 2))
    assert (lo[t, d], hi[t, d]) == (r[k - 1], r[len(r) - k])


def test_holm_keeps_fewer_gaps_than_the_raw_intervals():
    # GIVEN territory 0: sixteen gaps each significant alone at 5 % (raw p ~ 0.01 - 0.09)
    gaps, runs = synthetic_runs()
    raw = gap_statistics(gaps, runs, ALPHA, "none")
    holm = gap_statistics(gaps, runs, ALPHA, "holm")
    # WHEN corrected / THEN Holm keeps a subset, strictly smaller on territory 0
    assert (holm["is_gap_significant"] <= raw["is_gap_significant"]).all()
    assert holm["is_gap_significant"][0].sum() < raw["is_gap_significant"][0].sum()
    # the clear gaps of territory 1 stay significant, its null domains do not
    assert holm["is_gap_significant"][1, :3].all() and not holm["is_gap_significant"][1, 4:15].any()
    # without correction every interval is a 95 % one
    np.testing.assert_allclose(raw["gap_ci_level"][~np.isnan(gaps)], 1 - ALPHA)


def test_levels_follow_the_step_down():
    # GIVEN four gaps with 0, 10, 40 and 200 runs on the far side of 0 out of 1000
    c = np.array([[0, 10, 40, 200]])
    n = np.full((1, 4), 1000)
    # WHEN the levels are set
    a = holm_levels(c, n, ALPHA)
    # THEN the first is tested at 0.05/4 and rejected (0 < 0.0125 x 1000 / 2 = 6.25), the second at
    # 0.05/3 and kept (10 >= 8.33), and every later one keeps the level of the first gap kept
    np.testing.assert_allclose(a, [[0.05 / 4, 0.05 / 3, 0.05 / 3, 0.05 / 3]])


# --------------------------------------- the demo pipeline --------------------------------------


def test_demo_perception_gaps_are_holm_corrected_per_territory(demo_processed):
    # GIVEN the perception_gaps table of the demo run (regions and the custom territory)
    g = pd.read_parquet(demo_processed / "perception_gaps.parquet")
    g = g[g["gap"].notna()]
    assert g["territory_code"].nunique() >= 18
    # WHEN Holm is recomputed by hand from each territory's p-values
    for code, t in g.groupby("territory_code"):
        adjusted, reject = holm_by_hand(list(t["gap_p_value"]))
        # THEN the adjusted p-values and decisions are the table's, at most 16 per family
        assert len(t) <= 16
        np.testing.assert_allclose(t["gap_p_holm"], adjusted, err_msg=code)
        assert list(t["is_gap_significant"]) == reject, code
    # and a gap is significant exactly when its interval excludes 0
    assert (g["is_gap_significant"] == ((g["gap_ci_low"] > 0) | (g["gap_ci_high"] < 0))).all()
    assert (g["gap_ci_level"] >= 0.95 - 1e-12).all()
