"""Treatment of skewed indicator distributions (OECD/JRC Handbook on composite indicators).

When. The rule is decided on the 101 département values of each indicator: an indicator is
treated when the absolute skewness exceeds 2 *and* the (excess, Fisher) kurtosis exceeds 3.5
(the thresholds are options).

How (default ``method = 'box_cox'``). A strictly increasing transform, so that distinct values
keep distinct, ordered scores and real extremes (the overseas départements on poverty or
unemployment) are never capped to one value. It is a Box-Cox power transform of the value
shifted to the département anchor, in the direction of the long tail, and continued linearly
beyond the anchor so that it is defined on every real value (regions, France and custom
territories may fall outside the départements' range):

    right tail (skewness > 0):  y = (x - min) / s + 1,   t(x) =  g(y)
    left tail  (skewness < 0):  y = (max - x) / s + 1,   t(x) = -g(y)

    g(y) = (y^lambda - 1) / lambda   (lambda > 0)      for y >= 1
         = ln(y)                     (lambda = 0)
         = y - 1                                       for y < 1 (beyond the anchor: the tangent)

min / max: the smallest / largest département value (the anchor), s: the scale of the
départements, IQR / 1.349 (a robust standard deviation; the standard deviation when the IQR is
0), so that the offset of the logarithm is tied to the spread of the data, not to its unit.
g is continuous with a continuous, strictly positive slope (1 at y = 1), hence t is strictly
increasing on the whole real line. lambda is the Box-Cox maximum-likelihood power (Box & Cox
1964: the profile log-likelihood -n/2 ln var(g(y)) + (lambda - 1) sum ln y) on the grid
0, 0.01, ..., 1, between the logarithm (0) and no change (1); if the transformed départements
still fail the rule, lambda is lowered along the grid until they pass (0 at most: the rule may
stay unmet, `is_rule_met` says so). Powers below 0 are not used: their transform is bounded above,
so far-out values would be squeezed together.

Alternative (``method = 'winsorise'``, not the default: it is *not* strictly increasing and
gives ties): the most extreme values on the long tail are winsorised one at a time (each set to
the next value in), up to `max_winsorised` départements, until the rule passes; if it still
fails, winsorisation is undone and the Box-Cox transform above is used.

The result is a small table, one row per indicator (COLUMNS): method (aucun / box_cox /
winsorisation: coded values in French, docs/naming.md), tail (droite / gauche), anchor, scale,
power, the winsorisation bounds lower / upper, n_winsorised, the moments before and after on the
départements and whether the rule is met after (is_rule_met). The SQL of `indicator_scores`
applies it to every territory (départements, regions, France, custom territories) with the same
parameters; `uncertainty.treated_values` and `index_audit.treated_values` are its numpy twins.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

COLUMNS = [
    "indicator_id",
    "method",
    "tail",
    "anchor",
    "scale",
    "power",
    "lower",
    "upper",
    "n_winsorised",
    "is_rule_met",
    "skew_before",
    "kurtosis_before",
    "skew_after",
    "kurtosis_after",
]

METHODS = ("box_cox", "winsorise")
#: Box-Cox powers tried, from the logarithm (0) to no change (1).
POWER_GRID = np.round(np.linspace(0.0, 1.0, 101), 2)


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
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    if m2 <= 0:
        return 0.0, 0.0
    g1 = np.sqrt(n * (n - 1.0)) / (n - 2.0) * m3 / m2**1.5
    g2 = ((n * n - 1.0) * m4 / m2**2 - 3.0 * (n - 1.0) ** 2) / ((n - 2.0) * (n - 3.0))
    return float(g1), float(g2)


def needs_treatment(skew: float, kurt: float, skew_threshold: float, kurtosis_threshold: float) -> bool:
    return abs(skew) > skew_threshold and kurt > kurtosis_threshold


def robust_scale(x: np.ndarray) -> float:
    """IQR / 1.349 (the standard deviation of a normal distribution with that IQR), or the sample
    standard deviation when the IQR is 0; 0 for a constant series."""
    x = np.asarray(x, dtype=float)
    q1, q3 = np.percentile(x, [25, 75])
    s = (q3 - q1) / 1.349
    if not s > 0:
        s = float(np.std(x, ddof=1)) if len(x) > 1 else 0.0
    return float(s) if s > 0 else 0.0


def box_cox_g(y: np.ndarray, power: float | np.ndarray) -> np.ndarray:
    """g(y) of the module docstring: Box-Cox for y >= 1, the tangent y - 1 below (vectorised;
    `power` broadcasts against y)."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(power, dtype=float)
    ys = np.maximum(y, 1.0)  # NaN stays NaN
    with np.errstate(invalid="ignore", divide="ignore"):
        bc = np.where(p == 0, np.log(ys), (ys**p - 1.0) / np.where(p == 0, 1.0, p))
    return np.where(y < 1.0, y - 1.0, bc)


def box_cox_transform(x: np.ndarray, tail: str, anchor: float, scale: float, power: float) -> np.ndarray:
    """t(x) of the module docstring for one indicator (NaN stays NaN). Strictly increasing in x."""
    x = np.asarray(x, dtype=float)
    if tail == "gauche":
        return -box_cox_g((anchor - x) / scale + 1.0, power)
    return box_cox_g((x - anchor) / scale + 1.0, power)


def box_cox_llf(y: np.ndarray, power: float) -> float:
    """Box-Cox profile log-likelihood of y > 0 at `power` (as scipy.stats.boxcox_llf)."""
    y = np.asarray(y, dtype=float)
    t = np.log(y) if power == 0 else (y**power - 1.0) / power
    var = np.var(t)
    if not var > 0:
        return -np.inf
    return float(-len(y) / 2.0 * np.log(var) + (power - 1.0) * np.log(y).sum())


def _box_cox(x: np.ndarray, skew: float, skew_threshold: float, kurtosis_threshold: float) -> dict | None:
    """Parameters of the Box-Cox treatment of the sorted département values x (None if x is constant)."""
    scale = robust_scale(x)
    if scale == 0:
        return None
    tail = "droite" if skew > 0 else "gauche"
    anchor = float(x[0] if tail == "droite" else x[-1])
    y = (x - anchor) / scale + 1.0 if tail == "droite" else (anchor - x) / scale + 1.0
    llf = np.array([box_cox_llf(y, p) for p in POWER_GRID])
    best = int(np.argmax(llf))  # first maximum: the smaller power on a tie
    chosen = None
    for i in range(best, -1, -1):  # lower the power until the rule is met (0 at most)
        t = box_cox_transform(x, tail, anchor, scale, float(POWER_GRID[i]))
        s, k = skew_kurtosis(t)
        chosen = (float(POWER_GRID[i]), s, k)
        if not needs_treatment(s, k, skew_threshold, kurtosis_threshold):
            break
    power, s, k = chosen
    return {
        "method": "box_cox",
        "tail": tail,
        "anchor": anchor,
        "scale": scale,
        "power": power,
        "skew_after": s,
        "kurtosis_after": k,
        "is_rule_met": not needs_treatment(s, k, skew_threshold, kurtosis_threshold),
    }


def _untreated(s0: float, k0: float, is_rule_met: bool) -> dict:
    return {
        "method": "aucun",
        "tail": "",
        "anchor": np.nan,
        "scale": np.nan,
        "power": np.nan,
        "lower": np.nan,
        "upper": np.nan,
        "n_winsorised": 0,
        "is_rule_met": is_rule_met,
        "skew_before": s0,
        "kurtosis_before": k0,
        "skew_after": s0,
        "kurtosis_after": k0,
    }


def decide(
    values: np.ndarray,
    skew_threshold: float = 2.0,
    kurtosis_threshold: float = 3.5,
    max_winsorised: int = 5,
    method: str = "box_cox",
) -> dict:
    """Treatment of one indicator from its département values (NaN ignored): a row of COLUMNS
    without indicator_id."""
    if method not in METHODS:
        raise ValueError(f"treatment: unknown method {method!r} (expected one of {', '.join(METHODS)})")
    values = np.asarray(values, dtype=float)
    x = np.sort(values[~np.isnan(values)])
    s0, k0 = skew_kurtosis(x)
    out = _untreated(s0, k0, not needs_treatment(s0, k0, skew_threshold, kurtosis_threshold))
    if out["is_rule_met"]:
        return out
    if method == "winsorise":
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
                out.update(
                    method="winsorisation",
                    tail="droite" if right_tail else "gauche",
                    n_winsorised=k,
                    skew_after=s,
                    kurtosis_after=kk,
                    is_rule_met=True,
                    **({"upper": float(bound)} if right_tail else {"lower": float(bound)}),
                )
                return out
    bc = _box_cox(x, s0, skew_threshold, kurtosis_threshold)
    if bc is not None:
        out.update(bc)
    return out


def build_treatment(
    indicator_values: pd.DataFrame,
    departement_codes: set[str],
    enabled: bool = True,
    skew_threshold: float = 2.0,
    kurtosis_threshold: float = 3.5,
    max_winsorised: int = 5,
    method: str = "box_cox",
) -> pd.DataFrame:
    """One row per indicator (COLUMNS): the method (aucun / box_cox / winsorisation), its parameters
    and the moments before/after on the départements. Disabled: every row 'aucun', with the moments."""
    rows = []
    deps = indicator_values[indicator_values["territory_code"].isin(departement_codes)]
    for iid, grp in deps.groupby("indicator_id", sort=True):
        vals = grp["value"].to_numpy(dtype=float)
        if enabled:
            d = decide(vals, skew_threshold, kurtosis_threshold, max_winsorised, method)
        else:
            s, k = skew_kurtosis(vals[~np.isnan(vals)])
            d = _untreated(s, k, not needs_treatment(s, k, skew_threshold, kurtosis_threshold))
        rows.append({"indicator_id": iid, **d})
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["is_rule_met"] = out["is_rule_met"].astype(bool)
    out["n_winsorised"] = out["n_winsorised"].astype("int64")
    out["tail"] = out["tail"].astype(str)
    return out


def log_treatment(treatment: pd.DataFrame, scores: pd.DataFrame) -> None:
    """Every treated indicator and every treated value in the job's log (the index_audit table
    keeps them too: checks `traitement` and `valeur_traitee`)."""
    log = logging.getLogger("treatment")
    treated = scores[scores["is_treated"]]
    for _, t in treatment[treatment["method"] != "aucun"].iterrows():
        pts = treated[treated["indicator_id"] == t["indicator_id"]]
        log.info(
            "%s: %s (skewness %.2f -> %.2f, kurtosis %.2f -> %.2f), %d value(s) treated: %s",
            t["indicator_id"],
            t["method"],
            t["skew_before"],
            t["skew_after"],
            t["kurtosis_before"],
            t["kurtosis_after"],
            len(pts),
            ", ".join(f"{c}={v:g}" for c, v in zip(pts["territory_code"], pts["value"], strict=True)),
        )


def treatment_key(treatment: dict | bool | str | None) -> str:
    """The treatment an option names: a method name ('box_cox', 'winsorise', 'none'), True (the
    default method), False ('none'), or the config section {enabled, method} of index.treatment."""
    if isinstance(treatment, dict):
        return str(treatment.get("method", "box_cox")) if treatment.get("enabled", True) else "none"
    if treatment is None or treatment is True:
        return "box_cox"
    if treatment is False:
        return "none"
    key = str(treatment)
    if key not in METHODS + ("none",):
        raise ValueError(f"treatment: unknown option {treatment!r} (expected box_cox, winsorise, none, true or false)")
    return key
