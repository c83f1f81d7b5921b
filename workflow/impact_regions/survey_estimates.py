"""Table `survey_estimates`: weighted estimates with design-based uncertainty (DESIGN §6-7).

`workflow/sql/survey_estimates.sql` computes the estimates, the Taylor-linearised standard
errors (on the residuals of the raking variables when the weights are raked,
:mod:`impact_regions.calibration_variance`) and the overlap-aware contrast with France; this
module adds what needs probability distributions: confidence intervals (normal for means;
logit-transformed for shares, with a Korn-Graubard interval on the effective sample size when
the share is 0 or 1), the two-sided p-value of the difference to France, its Holm adjustment
within each family of 16 domain questions, significance (adjusted p below alpha), and the
publication rule ('non_publie' below `min_n_publish` respondents; 'prudence' below
`min_n_reliable` or above `max_rse`; 'fiable' otherwise).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from .storage import run_sql

COLUMNS = [
    "territory_code",
    "respondent_group",
    "measure_id",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "n_eff",
    "diff_vs_france",
    "se_diff",
    "p_value",
    "p_value_holm",
    "is_significant",
    "reliability",
    "kind",
]

#: the codebook's measure kind (config/survey.yaml, an option value) -> the coded value of
#: ``survey_estimates.kind`` (French, as every coded value of the tables: docs/naming.md)
KIND_CODES = {"mean": "moyenne", "agree": "accord", "share": "part"}


def holm_adjust(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979) of one family of tests; NaN stay NaN.

    With the m p-values sorted, p_(1) <= ... <= p_(m): adj_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)).
    Rejecting when adj < alpha controls the family-wise error rate at alpha under any dependence
    between the tests, which is what a page comparing 16 domains with France needs.
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    order = np.argsort(p[ok], kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[ok][order])
    adj = np.empty(m)
    adj[order] = np.maximum.accumulate(scaled)
    out[ok] = adj
    return out


def adjust_families(df: pd.DataFrame, families: dict[str, str]) -> np.ndarray:
    """Holm-adjusted p-values of `df` (survey_estimates rows), one family per territory,
    respondent group and measure family (a pattern such as `fragilite_{domain}`); a measure
    without a family is a test of its own (adjusted = raw)."""
    fam = df["measure_id"].map(lambda m: families.get(m, m))
    adjusted = np.full(len(df), np.nan)
    p = df["p_value"].to_numpy(float)
    for idx in df.groupby([df["territory_code"], df["respondent_group"], fam], sort=False).indices.values():
        adjusted[idx] = holm_adjust(p[idx])
    return adjusted


def logit_interval(p: np.ndarray, se: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """CI for a share on the logit scale: logit(p) ± z·se/(p(1-p)), back-transformed."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = np.log(p / (1 - p))
        half = z * se / (p * (1 - p))
        return 1 / (1 + np.exp(-(lg - half))), 1 / (1 + np.exp(-(lg + half)))


def korn_graubard(p: np.ndarray, n_eff: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson interval on the effective sample size (Korn & Graubard 1998)."""
    from scipy.special import betaincinv  # only here (shares of 0 or 1 are rare): a lighter job

    a = 1 - level
    x = p * n_eff
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, betaincinv(x, n_eff - x + 1, a / 2), 0.0)  # Beta(x, n - x + 1) quantile
        high = np.where(x < n_eff, betaincinv(x + 1, n_eff - x, 1 - a / 2), 1.0)
    return low, high


def normal_sf(z: np.ndarray) -> np.ndarray:
    """Upper tail of the standard normal, 1 - Φ(z) = erfc(z / √2) / 2 (stdlib, no scipy import)."""
    return np.array(
        [
            0.5 * math.erfc(v / math.sqrt(2)) if not math.isnan(v) else math.nan
            for v in np.asarray(z, dtype=float).ravel()
        ]
    ).reshape(np.shape(z))


def finish_estimates(
    raw: pd.DataFrame, kinds: dict[str, str], options: dict, families: dict[str, str] | None = None
) -> pd.DataFrame:
    """Add intervals, p-values (raw and Holm-adjusted within `families`), significance and
    reliability to the SQL estimates."""
    df = raw.copy()
    df["kind"] = df["measure_id"].map(kinds).map(KIND_CODES)
    level = options["confidence_level"]
    z = NormalDist().inv_cdf(0.5 + level / 2)
    est, se = df["estimate"].to_numpy(float), df["se"].to_numpy(float)
    ci_low, ci_high = est - z * se, est + z * se
    is_share = df["kind"].isin(["accord", "part"]).to_numpy()
    interior = is_share & (est > 0) & (est < 1) & (se > 0)
    lo, hi = logit_interval(est, se, z)
    ci_low = np.where(interior, lo, ci_low)
    ci_high = np.where(interior, hi, ci_high)
    edge = is_share & ~interior
    if edge.any():
        klo, khi = korn_graubard(est[edge], df["n_eff"].to_numpy(float)[edge], level)
        ci_low[edge], ci_high[edge] = klo, khi
    df["ci_low"], df["ci_high"] = ci_low, ci_high

    diff, se_diff = df["diff_vs_france"].to_numpy(float), df["se_diff"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = np.abs(diff) / se_diff
    p = np.where(se_diff > 0, 2 * normal_sf(zstat), np.where(np.abs(diff) > 0, 0.0, 1.0))
    p = np.where(np.isnan(diff), np.nan, p)
    df["p_value"] = p

    n = df["n"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rse = np.where(est != 0, se / np.abs(est), np.inf)
    suppressed = n < options["min_n_publish"]
    caution = ~suppressed & ((n < options["min_n_reliable"]) | (rse > options["max_rse"]))
    df["reliability"] = np.where(suppressed, "non_publie", np.where(caution, "prudence", "fiable"))
    for c in ("estimate", "se", "ci_low", "ci_high", "diff_vs_france", "se_diff", "p_value"):
        df.loc[suppressed, c] = np.nan
    if options.get("multiple_testing", "holm") == "holm":
        df["p_value_holm"] = adjust_families(df, families or {})
    else:
        df["p_value_holm"] = df["p_value"]
    df["is_significant"] = (df["p_value_holm"] < options["alpha"]).fillna(False).astype(bool)
    df["n"] = df["n"].astype("int64")
    return df[COLUMNS]


def apply_weights(respondents: pd.DataFrame, survey_weights: pd.DataFrame, weighting: str) -> pd.DataFrame:
    """The respondents with the weights the estimates use: the raked weight of every inhabitant
    when `weighting` is `raked`, the design weight otherwise (organisations always keep theirs)."""
    if weighting == "given":
        return respondents
    out = respondents.merge(
        survey_weights[["respondent_id", "weight_raked"]], on="respondent_id", how="left", validate="many_to_one"
    )
    citizens = out["sexe"].notna()
    missing = citizens & out["weight_raked"].isna()
    if missing.any():
        raise AssertionError(
            f"{int(missing.sum())} inhabitants have no raked weight, e.g. {out.loc[missing, 'respondent_id'].iloc[0]}"
        )
    out["weight"] = out["weight_raked"].where(citizens, out["weight"])
    return out.drop(columns="weight_raked")


def estimation_inputs(
    respondents: pd.DataFrame, survey_weights: pd.DataFrame, weighting: str, raking_options: dict
) -> tuple[pd.DataFrame, dict | None]:
    """The respondents with the weights the estimates use and, when they are raked, the relations
    that make the variance account for the calibration (None: the weights are used as given)."""
    resp = apply_weights(respondents, survey_weights, weighting)
    if weighting != "raked":
        return resp, None
    from .calibration_variance import calibration_relations
    from .raking import calibration_options

    return resp, calibration_relations(resp, survey_weights, calibration_options(raking_options)["margins"])


def build_survey_estimates(
    respondents: pd.DataFrame,
    responses: pd.DataFrame | str,
    territories: pd.DataFrame,
    codebook: dict,
    options: dict,
    calibration: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The `survey_estimates` table. `respondents` carry the weights the estimates use;
    `responses` is survey_responses (a table, or the path of its parquet file: DuckDB then reads
    it without a pandas copy, 35 M rows for 1,000,000 inhabitants); `calibration` holds the
    relations of :func:`~impact_regions.calibration_variance.calibration_relations` when those
    weights are raked (the variance then accounts for the calibration), None when they are used
    as given."""
    from .calibration_variance import empty_relations

    # measured on 1,000,000 inhabitants (benchmarks/scale.py): with the answers read from parquet
    # and DuckDB's 4 GB limit (storage.run_sql) the job peaks at 4.9 GB; with the answers as a
    # pandas table and DuckDB's default limit (80 % of the machine) it peaked at 1.8 GB once and
    # 20.6 GB another time. Same results on the demo data either way.
    raw = run_sql(
        "survey_estimates",
        {
            "survey_respondents": respondents,
            "territories": territories,
            **(calibration or empty_relations()),
            "survey_responses": responses,
        },
    )
    kinds = {m["id"]: m["kind"] for m in codebook["measures"]}
    families = {m["id"]: m["family"] for m in codebook["measures"] if m.get("family")}
    return finish_estimates(raw, kinds, options, families)
