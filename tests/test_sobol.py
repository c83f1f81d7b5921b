"""Sobol indices with the Saltelli design (impact_regions.sobol) on functions whose indices are known.

* The Ishigami function f(x) = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i ~ U(-pi, pi), a = 7,
  b = 0.1 (Ishigami & Homma 1990), the standard benchmark: x3 acts only through its interaction
  with x1, so S3 = 0 while ST3 > 0. Its indices are computed analytically below.
* A linear additive model with grouped inputs: Y = sum c_i x_i, x_i ~ U(0, 1) independent, so the
  index of a group g is sum_{i in g} c_i^2 / sum_i c_i^2, first order = total.

The estimators' standard error is about 1 / sqrt(n) times a function-dependent constant; with
n = 2^14 base samples the Ishigami estimates vary by about 0.01 from seed to seed (measured over
10 seeds), so 0.05 is a tolerance of about 5 standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from impact_regions.sobol import COLUMNS, ab_matrix, saltelli_matrices, sobol_analysis, sobol_indices

A, B = 7.0, 0.1


def ishigami(u: np.ndarray) -> np.ndarray:
    x = -math.pi + 2 * math.pi * u
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = A, b: float = B) -> dict[str, tuple[float, float]]:
    """Analytical (first order, total) of the Ishigami function.

    V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8, V3 = 0, V13 = 8 b^2 pi^8 / 225, the other
    interactions 0, V = V1 + V2 + V13 (= a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2).
    """
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * math.pi**8 / 225
    v = v1 + v2 + v13
    assert v == pytest.approx(a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5)
    return {"x1": (v1 / v, (v1 + v13) / v), "x2": (v2 / v, v2 / v), "x3": (0.0, v13 / v)}


def test_the_analytical_ishigami_indices_are_the_published_ones():
    # GIVEN / WHEN the analytical formulas / THEN the values quoted in the literature
    s = ishigami_indices()
    assert s["x1"][0] == pytest.approx(0.3139, abs=1e-4) and s["x1"][1] == pytest.approx(0.5576, abs=1e-4)
    assert s["x2"][0] == pytest.approx(0.4424, abs=1e-4) and s["x2"][1] == pytest.approx(0.4424, abs=1e-4)
    assert s["x3"][0] == 0.0 and s["x3"][1] == pytest.approx(0.2437, abs=1e-4)


def test_ishigami_indices_are_recovered():
    # GIVEN the Ishigami function and n = 2^14 base samples (n x 5 evaluations)
    # WHEN the Sobol indices are estimated
    res = sobol_analysis(ishigami, 2**14, {"x1": 1, "x2": 1, "x3": 1}, seed=42, n_bootstrap=200)
    # THEN they match the analytical values within 0.05, with CIs around the estimates
    assert list(res.columns) == COLUMNS and list(res["choice"]) == ["x1", "x2", "x3"]
    truth = ishigami_indices()
    for _, row in res.iterrows():
        s1, st = truth[row["choice"]]
        assert row["first_order"] == pytest.approx(s1, abs=0.05), row["choice"]
        assert row["total"] == pytest.approx(st, abs=0.05), row["choice"]
        assert row["first_order_ci_low"] <= row["first_order"] <= row["first_order_ci_high"]
        assert row["total_ci_low"] <= row["total"] <= row["total_ci_high"]
        assert row["first_order_ci_high"] - row["first_order_ci_low"] < 0.1
    # x3 has no effect alone but a clear one through its interaction with x1
    x3 = res.set_index("choice").loc["x3"]
    assert abs(x3["first_order"]) < 0.05 and x3["total_ci_low"] > 0.15


def test_linear_model_with_grouped_inputs():
    # GIVEN Y = 1 x1 + 2 x2 + 3 x3 + 0 x4 with the groups {x1, x2}, {x3}, {x4}
    coef = np.array([1.0, 2.0, 3.0, 0.0])
    groups = {"g12": 2, "g3": 1, "g4": 1}
    # WHEN the group indices are estimated with n = 4096
    res = sobol_analysis(lambda u: u @ coef, 4096, groups, seed=7, n_bootstrap=200).set_index("choice")
    # THEN S = ST = share of sum c_i^2: 5/14 and 9/14; the inert group is exactly 0
    assert res.loc["g12", "first_order"] == pytest.approx(5 / 14, abs=0.03)
    assert res.loc["g12", "total"] == pytest.approx(5 / 14, abs=0.03)
    assert res.loc["g3", "first_order"] == pytest.approx(9 / 14, abs=0.03)
    assert res.loc["g3", "total"] == pytest.approx(9 / 14, abs=0.03)
    assert res.loc["g4", "first_order"] == 0.0 and res.loc["g4", "total"] == 0.0
    assert res.loc["g4", "total_ci_low"] == 0.0 and res.loc["g4", "total_ci_high"] == 0.0


def test_a_group_is_swapped_as_a_block():
    # GIVEN Saltelli matrices for a single column, a group of three and another single column
    a, b, slices = saltelli_matrices(8, {"p": 1, "w": 3, "q": 1}, seed=1)
    # WHEN A_B for the group is built
    ab = ab_matrix(a, b, slices["w"])
    # THEN it has B's three group columns and A's others; A and B are independent uniforms
    assert a.shape == b.shape == (8, 5)
    assert slices == {"p": slice(0, 1), "w": slice(1, 4), "q": slice(4, 5)}
    np.testing.assert_array_equal(ab[:, 1:4], b[:, 1:4])
    np.testing.assert_array_equal(ab[:, [0, 4]], a[:, [0, 4]])
    assert ((a >= 0) & (a < 1)).all() and ((b >= 0) & (b < 1)).all() and not np.array_equal(a, b)


def test_matrices_and_indices_are_reproducible():
    # GIVEN the same arguments twice, and another seed
    first = saltelli_matrices(16, {"x": 2, "y": 1}, seed=[3, 0])
    again = saltelli_matrices(16, {"x": 2, "y": 1}, seed=[3, 0])
    other = saltelli_matrices(16, {"x": 2, "y": 1}, seed=[4, 0])
    # WHEN / THEN identical draws for the same seed, different ones otherwise; same for the bootstrap
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])
    r1 = sobol_analysis(ishigami, 256, {"x1": 1, "x2": 1, "x3": 1}, seed=5, n_bootstrap=50)
    r2 = sobol_analysis(ishigami, 256, {"x1": 1, "x2": 1, "x3": 1}, seed=5, n_bootstrap=50)
    pd.testing.assert_frame_equal(r1, r2, check_exact=True)


def test_constant_output_gives_zero_indices():
    # GIVEN a model that ignores its inputs / WHEN analysed / THEN every index is 0 (no division by 0)
    res = sobol_analysis(lambda u: np.full(len(u), 3.0), 64, {"x": 1, "y": 2}, seed=0, n_bootstrap=20)
    assert (res[COLUMNS[1:]] == 0).all().all()


def test_bad_shapes_and_sizes_are_refused():
    # GIVEN / WHEN mismatched outputs or a degenerate design / THEN a clear error
    with pytest.raises(ValueError, match="same length"):
        sobol_indices(np.zeros(4), np.zeros(4), {"x": np.zeros(3)})
    with pytest.raises(ValueError, match="n must be"):
        saltelli_matrices(1, {"x": 1}, seed=0)
    with pytest.raises(ValueError, match="columns"):
        saltelli_matrices(4, {"x": 0}, seed=0)
