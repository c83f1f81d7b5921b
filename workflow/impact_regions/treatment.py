"""Treatment of outlying indicator distributions (OECD/JRC Handbook on composite indicators).

The rule is decided on the 101 département values of each indicator: when the absolute
skewness exceeds 2 *and* the (excess, Fisher) kurtosis exceeds 3.5, the most extreme values on
the long tail are winsorised one at a time (each set to the next value in), up to
`max_winsorised` départements, until the rule passes. If it still fails, winsorisation is
undone and the indicator is log-transformed instead: ``ln(x - min + 1)`` for a right tail,
``-ln(max - x + 1)`` for a left tail (order preserved). The result is a small table of bounds
that the SQL of `indicator_scores` applies to every territory, so that regions and custom
territories are treated with the same bounds as the départements.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["indicator_id", "method", "lower", "upper", "n_winsorised",
           "skew_before", "kurtosis_before", "skew_after", "kurtosis_after"]


def skew_kurtosis(x: np.ndarray) -> tuple[float, float]:
    """Bias-corrected sample skewness G1 and excess kurtosis G2 (as Excel's SKEW and KURT, and
    scipy.stats.skew / kurtosis with bias=False, which the tests check), from the central moments
    m2, m3, m4 of the n values:

        G1 = sqrt(n (n - 1)) / (n - 2) * m3 / m2^1.5
        G2 = ((n^2 - 1) m4 / m2^2 - 3 (n - 1)^2) / ((n - 2) (n - 3))

    Written with numpy: importing scipy.stats would cost each pipeline job half a second."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    if n < 4 or np.ptp(x) == 0:
        return 0.0, 0.0
    d = x - x.mean()
    m2, m3, m4 = (d ** 2).mean(), (d ** 3).mean(), (d ** 4).mean()
    g1 = np.sqrt(n * (n - 1.0)) / (n - 2.0) * m3 / m2 ** 1.5
    g2 = ((n * n - 1.0) * m4 / m2 ** 2 - 3.0 * (n - 1.0) ** 2) / ((n - 2.0) * (n - 3.0))
    return float(g1), float(g2)


def needs_treatment(skew: float, kurt: float, skew_threshold: float, kurtosis_threshold: float) -> bool:
    return abs(skew) > skew_threshold and kurt > kurtosis_threshold


def decide(values: np.ndarray, skew_threshold: float = 2.0, kurtosis_threshold: float = 3.5,
           max_winsorised: int = 5) -> dict:
    """Treatment of one indicator from its département values (NaN ignored)."""
    x = np.sort(np.asarray(values, dtype=float)[~np.isnan(values)])
    s0, k0 = skew_kurtosis(x)
    out = {"method": "none", "lower": np.nan, "upper": np.nan, "n_winsorised": 0,
           "skew_before": s0, "kurtosis_before": k0, "skew_after": s0, "kurtosis_after": k0}
    if not needs_treatment(s0, k0, skew_threshold, kurtosis_threshold):
        return out
    right_tail = s0 > 0
    for k in range(1, min(max_winsorised, len(x) - 2) + 1):
        w = x.copy()
        if right_tail:
            bound = x[-(k + 1)]
            w[-k:] = bound
        else:
            bound = x[k]
            w[:k] = bound
        s, kk = skew_kurtosis(w)
        if not needs_treatment(s, kk, skew_threshold, kurtosis_threshold):
            out.update(method="winsorised", n_winsorised=k, skew_after=s, kurtosis_after=kk,
                       **({"upper": bound} if right_tail else {"lower": bound}))
            return out
    if right_tail:
        lower = x[0]
        t = np.log(x - lower + 1)
        out.update(lower=lower)
    else:
        upper = x[-1]
        t = -np.log(upper - x + 1)
        out.update(upper=upper)
    s, kk = skew_kurtosis(t)
    out.update(method="log", skew_after=s, kurtosis_after=kk)
    return out


def build_treatment(indicator_values: pd.DataFrame, departement_codes: set[str], enabled: bool = True,
                    skew_threshold: float = 2.0, kurtosis_threshold: float = 3.5,
                    max_winsorised: int = 5) -> pd.DataFrame:
    """One row per indicator: method (none / winsorised / log), bounds and the moments before/after."""
    rows = []
    deps = indicator_values[indicator_values["territory_code"].isin(departement_codes)]
    for iid, grp in deps.groupby("indicator_id", sort=True):
        vals = grp["value"].to_numpy(dtype=float)
        if enabled:
            d = decide(vals, skew_threshold, kurtosis_threshold, max_winsorised)
        else:
            s, k = skew_kurtosis(vals[~np.isnan(vals)])
            d = {"method": "none", "lower": np.nan, "upper": np.nan, "n_winsorised": 0,
                 "skew_before": s, "kurtosis_before": k, "skew_after": s, "kurtosis_after": k}
        rows.append({"indicator_id": iid, **d})
    return pd.DataFrame(rows, columns=COLUMNS)
