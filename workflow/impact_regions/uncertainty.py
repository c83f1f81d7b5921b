"""Monte Carlo uncertainty of the fragility indices and Sobol sensitivity of the methodological choices.

The index of DESIGN §7 rests on choices that a careful reader may question: the normalisation
(z-score, min-max, ratio to France), the aggregation (arithmetic or geometric mean), the equal
weights, the treatment of outlying distributions, and, on the perceived side, the sampling error
of the survey. This module redraws those choices many times and reports how much the results
move:

* the rank among regions of every region and custom territory, for every domain and the overall
  index ('ensemble'), and the rank of its perceived fragility: median and 5-95 % interval;
* the perception gap (below) with a 95 % interval;
* first-order and total Sobol indices of each choice on the regions' mean rank shift.

Recomputation. `IndexModel` holds the indicator values of France, the regions and the custom
territories as arrays, and the per-indicator statistics over the 101 départements, so that the
scores of `sql/indicator_scores.sql` and the domain indices and ranks of
`sql/fragility_indices.sql` are recomputed in numpy for many runs at once (equal to the SQL to
1e-9 with the reference choices, see tests/test_uncertainty.py). Domain scores are *weighted*
means of the indicator scores, weights = the drawn multipliers (1 = the published index);
'ensemble' stays the unweighted mean of the domain scores. Geometric aggregation needs positive
scores: with the z-score normalisation (0 = France, half the scores negative) it is done on the
min-max rescaling of the same treated values, 1 + 99 (t(x) - min) / (max - min) oriented. The
z-score is affine in t(x), so the min-max rescaling of the z-scores is exactly that: the
combination 'zscore + geometric' (refused by the configuration for the published index) gives
the same domain scores as 'minmax + geometric'.

The choices are the factors of a Saltelli design (`impact_regions.sobol`), each a block of
uniform [0, 1) columns:

    normalisation  1 column   u -> options["normalisations"][floor(u x count)]
    aggregation    1 column   u -> options["aggregations"][...]
    weights        1 column per indicator: multiplier 1 + weight_noise x (2u - 1)
    treatment      1 column   u -> options["treatment"][...] (true: the configured OECD/JRC
                              treatment, false: raw values)
    survey         1 column per (region or custom territory, domain): perceived score
                   estimate + se x Phi^-1(u) (only when options["survey_resampling"])

With N = options["runs"] the model is evaluated N (k + 2) times (k factors). The intervals use the
2N independent runs of A and B. The draws never depend on the set of territories: the
methodological columns come from one stream (seed, 0), and each territory's survey columns from
its own stream keyed by (seed, 1, a hash of its code), so adding a custom territory changes no
region's result and the sensitivity (which is computed on the regions only) stays the same.

Rank medians and intervals are quantiles over those 2N runs by the inverted empirical CDF, so
they are ranks that occurred (no 3.5); score and gap intervals interpolate linearly.

Output Y of the sensitivity analysis, the *mean rank shift*: the mean over the regions, the 16
domains and both sides (objective index; perceived score) of |rank among regions in the run -
rank under the reference choices with the point survey estimates|.

Perception gap. Both sides are put on one scale by dividing each territory's difference to
France by that side's standard deviation across the regions (sample SD over the regions with a
value, for that domain): objective_z = (domain score - France's domain score) / SD over regions,
in the run's normalisation (so the z is scale-free whatever the choices); perceived_z =
diff_vs_france / SD over regions of the point diff_vs_france (a fixed scale: re-standardising
each run would mix the other regions' sampling noise into the territory's interval).

    gap = perceived_z - objective_z

> 0: more worry than the indicators show; < 0: fragility under-estimated by the inhabitants. The
point value uses the reference choices and the point estimates. The 95 % interval is the
2.5-97.5 % percentiles over the 2N runs, where the objective side varies with the
methodological draws and the perceived difference with the draws diff_vs_france + se_diff x
Phi^-1(u) (se_diff: the overlap-aware SE of the difference to France; u: the same uniform as the
perceived score, so the two draws of a run are coherent). gap_significant: the interval
excludes 0. The gap is NaN (and not significant) where the perceived estimate is suppressed.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtri

from .sobol import ab_matrix, saltelli_matrices, sobol_indices

NORMALISATIONS = ("zscore", "minmax", "ratio")
AGGREGATIONS = ("arithmetic", "geometric")
ENSEMBLE = "ensemble"

DEFAULT_OPTIONS = {
    "runs": 512, "seed": 2019, "weight_noise": 0.25, "normalisations": list(NORMALISATIONS),
    "aggregations": list(AGGREGATIONS), "treatment": [True, False], "survey_resampling": True,
    "interval": [0.05, 0.95], "gap_interval": [0.025, 0.975], "bootstrap": 1000,
}

RANK_INTERVAL_COLUMNS = ["territory_code", "domain_id", "rank_reference", "rank_median", "rank_p05", "rank_p95",
                         "score_reference", "score_p05", "score_p95", "perceived_rank_reference",
                         "perceived_rank_median", "perceived_rank_p05", "perceived_rank_p95"]
GAP_COLUMNS = ["territory_code", "domain_id", "objective_z", "perceived_z", "gap", "gap_ci_low", "gap_ci_high",
               "gap_significant"]
SENSITIVITY_COLUMNS = ["choice", "first_order", "total", "first_order_ci_low", "first_order_ci_high",
                       "total_ci_low", "total_ci_high", "runs", "evaluations", "output"]


# ------------------------------------------------------------------ the index, in numpy

@dataclass
class IndexModel:
    """Indicator values and département statistics arranged for the vectorised recomputation.

    Territories (`codes`, axis 1 of the score matrices) are the regions, then the custom
    territories, then France (and the départements when asked for, for comparisons with SQL).
    """
    indicator_ids: list[str]
    domains: list[str]
    codes: np.ndarray                 # (T,) territory codes
    kinds: np.ndarray                 # (T,) region / custom / france / departement
    direction: np.ndarray             # (I,) +1 / -1
    membership: np.ndarray            # (I, D) 1 where the indicator belongs to the domain
    values: np.ndarray                # (I, T) raw values, NaN when missing
    dep_values: np.ndarray            # (I, P) raw values of the départements
    method: np.ndarray                # (I,) none / winsorised / log (the treatment when enabled)
    lower: np.ndarray                 # (I,)
    upper: np.ndarray                 # (I,)
    _scores: dict = field(default_factory=dict, repr=False)

    @property
    def is_region(self) -> np.ndarray:
        return self.kinds == "region"

    @property
    def fr_index(self) -> int:
        return int(np.flatnonzero(self.codes == "FR")[0])

    @property
    def reported(self) -> np.ndarray:
        """Territories that get ranks and intervals: regions and custom territories."""
        return np.isin(self.kinds, ["region", "custom"])

    def scores(self, normalisation: str, treated: bool) -> np.ndarray:
        """(I, T) indicator scores, as sql/indicator_scores.sql (cached: the runs share them)."""
        key = (normalisation, bool(treated))
        if key not in self._scores:
            self._scores[key] = indicator_scores(self, normalisation, treated)
        return self._scores[key]


def prepare_model(indicator_values: pd.DataFrame, territories: pd.DataFrame, catalogue_frame: pd.DataFrame,
                  domains: list[str], treatment: pd.DataFrame, with_departements: bool = False) -> IndexModel:
    """Arrange the processed tables for `indicator_scores` / `domain_scores` (see IndexModel).

    Indicators are those of the catalogue (in its order); the treatment table is the one of
    `treatment.build_treatment` with the treatment enabled (indicators it does not list: none).
    """
    kind = territories.groupby("territory_code", sort=True)["kind"].first().astype(str)
    order = {"region": 0, "custom": 1, "france": 2, "departement": 3}
    keep = ["region", "custom", "france"] + (["departement"] if with_departements else [])
    out = kind[kind.isin(keep)]
    out = out.iloc[np.lexsort((out.index.to_numpy(dtype=str), out.map(order).to_numpy()))]
    if "FR" not in out.index:
        raise ValueError("uncertainty: the territories have no France row (territory_code FR)")
    deps = kind.index[kind == "departement"].to_numpy(dtype=str)

    cat = catalogue_frame.drop_duplicates("indicator_id")
    ids = cat["indicator_id"].astype(str).tolist()
    v = indicator_values.assign(indicator_id=indicator_values["indicator_id"].astype(str),
                                territory_code=indicator_values["territory_code"].astype(str))
    wide = v.pivot_table(index="indicator_id", columns="territory_code", values="value", aggfunc="first",
                         dropna=False)
    wide = wide.reindex(index=ids)
    values = wide.reindex(columns=out.index).to_numpy(dtype=float)
    dep_values = wide.reindex(columns=deps).to_numpy(dtype=float)

    tr = treatment.assign(indicator_id=treatment["indicator_id"].astype(str)).set_index("indicator_id").reindex(ids)
    membership = (cat["domain_id"].astype(str).to_numpy()[:, None] == np.asarray(domains, dtype=str)[None, :])
    return IndexModel(
        indicator_ids=ids, domains=list(domains), codes=out.index.to_numpy(dtype=str), kinds=out.to_numpy(dtype=str),
        direction=cat["direction"].to_numpy(dtype=float), membership=membership.astype(float),
        values=values, dep_values=dep_values, method=tr["method"].fillna("none").astype(str).to_numpy(),
        lower=tr["lower"].to_numpy(dtype=float), upper=tr["upper"].to_numpy(dtype=float))


def treated_values(x: np.ndarray, method: np.ndarray, lower: np.ndarray,
                   upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(t, c): the treated value t(x) for z-score / min-max, and the winsorised-never-logged c(x) for ratios.

    Rows are indicators. Winsorised: clipped to [lower, upper] (a missing bound does not clip);
    log with a lower bound: ln(max(x, lower) - lower + 1); log with an upper bound:
    -ln(upper - min(x, upper) + 1) (sql/indicator_scores.sql).
    """
    lo, hi = lower[:, None], upper[:, None]
    clipped = np.minimum(np.maximum(x, np.where(np.isnan(lo), -np.inf, lo)), np.where(np.isnan(hi), np.inf, hi))
    with np.errstate(invalid="ignore"):
        log_lo = np.log(np.maximum(x, lo) - lo + 1)
        log_hi = -np.log(hi - np.minimum(x, hi) + 1)
    m = method[:, None]
    is_log = m == "log"
    t = np.where(is_log, np.where(np.isnan(lo), log_hi, log_lo), np.where(m == "winsorised", clipped, x))
    c = np.where(m == "winsorised", clipped, x)
    return t, c


def indicator_scores(model: IndexModel, normalisation: str, treated: bool) -> np.ndarray:
    """(I, T) oriented scores of the model's territories, exactly as sql/indicator_scores.sql.

    zscore: direction x (t(x) - t(x_FR)) / SD of t over the départements; minmax: 1 + 99 x
    (oriented t - min) / (max - min) over the départements; ratio: 100 x c(x) / c(x_FR) (inverse
    when direction = -1), NaN when either is <= 0. NaN where the value is missing or the spread 0.
    """
    if normalisation not in NORMALISATIONS:
        raise ValueError(f"uncertainty: unknown normalisation {normalisation!r}")
    method = model.method if treated else np.full(len(model.indicator_ids), "none")
    t, c = treated_values(model.values, method, model.lower, model.upper)
    td, _ = treated_values(model.dep_values, method, model.lower, model.upper)
    fr = model.fr_index
    d = model.direction[:, None]
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        if normalisation == "zscore":
            n = np.sum(~np.isnan(td), axis=1)
            sd = np.where(n >= 2, np.nanstd(td, axis=1, ddof=1), np.nan)[:, None]
            return np.where(sd > 0, d * (t - t[:, [fr]]) / sd, np.nan)
        if normalisation == "minmax":
            lo, hi = np.nanmin(td, axis=1)[:, None], np.nanmax(td, axis=1)[:, None]
            spread = hi - lo
            return np.where(spread > 0, 1 + 99 * np.where(d > 0, t - lo, hi - t) / spread, np.nan)
        fr_c = c[:, [fr]]
        ok = (c > 0) & (fr_c > 0)
        return np.where(ok, 100 * np.where(d > 0, c / fr_c, fr_c / c), np.nan)


def scored_normalisation(normalisation: str, aggregation: str) -> str:
    """The indicator scores a domain mean is taken on: min-max for geometric means of z-scores."""
    return "minmax" if (normalisation == "zscore" and aggregation == "geometric") else normalisation


def domain_scores(scores: np.ndarray, membership: np.ndarray, weights: np.ndarray, aggregation: str) -> np.ndarray:
    """(R, T, D + 1) domain scores for R weight vectors, plus 'ensemble' last (sql/fragility_indices.sql).

    A domain score is the weighted mean of its indicators' non-missing scores (arithmetic), or
    exp of the weighted mean of ln(score) over its positive scores (geometric); 'ensemble' is the
    unweighted mean (arithmetic or geometric) of the domain scores. Both rounded to 10 decimals,
    as the SQL does so that scores equal up to floating-point noise tie in the ranks.
    """
    geometric = aggregation == "geometric"
    with np.errstate(invalid="ignore", divide="ignore"):
        use = (scores > 0) if geometric else ~np.isnan(scores)
        x = np.where(use, np.log(np.where(use, scores, 1.0)) if geometric else scores, 0.0)
    n_ind, n_terr = scores.shape
    n_dom = membership.shape[1]
    # einsum's own loops rather than BLAS: no thread start-up on tiny products, same bits everywhere
    num = np.einsum("ri,ik->rk", weights, (x[:, :, None] * membership[:, None, :]).reshape(n_ind, -1))
    den = np.einsum("ri,ik->rk", weights, (use[:, :, None] * membership[:, None, :]).reshape(n_ind, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan).reshape(-1, n_terr, n_dom)
        dom = np.round(np.exp(mean) if geometric else mean, 10)
        ens_use = (dom > 0) if geometric else ~np.isnan(dom)
        ens_x = np.where(ens_use, np.log(np.where(ens_use, dom, 1.0)) if geometric else dom, 0.0)
        count = ens_use.sum(axis=2)
        ens = np.where(count > 0, ens_x.sum(axis=2) / np.maximum(count, 1), np.nan)
        ens = np.round(np.exp(ens) if geometric else ens, 10)
    return np.concatenate([dom, ens[:, :, None]], axis=2)


def ranks_among_regions(scores: np.ndarray, is_region: np.ndarray) -> np.ndarray:
    """Rank of every territory among the regions along axis -2: 1 + regions with a strictly higher score.

    NaN where the score is missing; regions without a score do not count.
    """
    reg = scores[..., is_region, :]
    higher = np.count_nonzero(reg[..., None, :, :] > scores[..., None, :], axis=-2)
    return np.where(np.isnan(scores), np.nan, 1.0 + higher)


def index_table(model: IndexModel, normalisation: str = "zscore", aggregation: str = "arithmetic",
                treated: bool = True, weights: np.ndarray | None = None) -> pd.DataFrame:
    """The fragility indices of one set of choices, as a table (territory_code, domain_id, score, rank_among_regions).

    Ranks are given to regions and custom territories only, as in the SQL.
    """
    w = np.ones((1, len(model.indicator_ids))) if weights is None else np.atleast_2d(weights)
    s = domain_scores(model.scores(scored_normalisation(normalisation, aggregation), treated), model.membership,
                      w, aggregation)[0]
    r = np.where(model.reported[:, None], ranks_among_regions(s, model.is_region), np.nan)
    doms = model.domains + [ENSEMBLE]
    return pd.DataFrame({"territory_code": np.repeat(model.codes, len(doms)),
                         "domain_id": np.tile(doms, len(model.codes)),
                         "score": s.ravel(), "rank_among_regions": r.ravel()})


# ------------------------------------------------------------------ the Monte Carlo

def _perceived_arrays(perceived: pd.DataFrame, model: IndexModel) -> dict[str, np.ndarray]:
    """(T, D) estimate, se, diff_vs_france, se_diff of the model's territories (NaN elsewhere)."""
    p = perceived.assign(territory_code=perceived["territory_code"].astype(str),
                         domain_id=perceived["domain_id"].astype(str))
    p = p.drop_duplicates(["territory_code", "domain_id"]).set_index(["territory_code", "domain_id"])
    idx = pd.MultiIndex.from_product([model.codes, model.domains])
    out = {}
    for col in ("estimate", "se", "diff_vs_france", "se_diff"):
        a = p[col].reindex(idx).to_numpy(dtype=float).reshape(len(model.codes), len(model.domains))
        out[col] = np.where(model.reported[:, None], a, np.nan)
    # a suppressed estimate has no SE: keep the whole row missing; a missing SE alone counts as 0
    for m, s in (("estimate", "se"), ("diff_vs_france", "se_diff")):
        out[s] = np.where(np.isnan(out[m]), np.nan, np.nan_to_num(out[s], nan=0.0))
    return out


def territory_stream_seed(seed: int, code: str) -> list[int]:
    """Seed of a territory's own survey stream: stable across runs, platforms and territory sets."""
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return [int(seed), 1, int.from_bytes(digest[:8], "little")]


def survey_uniforms(model: IndexModel, runs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(runs, T, D) uniforms of the survey factor for the A and B matrices, one stream per territory."""
    shape = (runs, len(model.codes), len(model.domains))
    ua, ub = np.full(shape, 0.5), np.full(shape, 0.5)
    for j, code in enumerate(model.codes):
        if model.reported[j]:
            u = np.random.default_rng(territory_stream_seed(seed, code)).random((2, runs, len(model.domains)))
            ua[:, j], ub[:, j] = u[0], u[1]
    return ua, ub


def _pick(u: np.ndarray, options: list) -> np.ndarray:
    """Index of the option chosen by each uniform: floor(u x count)."""
    return np.minimum((u * len(options)).astype(int), len(options) - 1)


def objective_runs(model: IndexModel, norm_idx: np.ndarray, agg_idx: np.ndarray, treat_idx: np.ndarray,
                   weights: np.ndarray, normalisations: list, aggregations: list, treatments: list) -> np.ndarray:
    """(R, T, D + 1) domain and ensemble scores of R runs, grouped by combination of choices."""
    out = np.empty((len(weights), len(model.codes), len(model.domains) + 1))
    combo = (norm_idx * len(aggregations) + agg_idx) * len(treatments) + treat_idx
    for c in np.unique(combo):
        rows = combo == c
        i = int(c)
        t, rest = i % len(treatments), i // len(treatments)
        a, n = rest % len(aggregations), rest // len(aggregations)
        agg = aggregations[a]
        s = model.scores(scored_normalisation(normalisations[n], agg), bool(treatments[t]))
        out[rows] = domain_scores(s, model.membership, weights[rows], agg)
    return out


def standardised_difference(scores: np.ndarray, fr_index: int, is_region: np.ndarray) -> np.ndarray:
    """(score - France's score) / SD across the regions (ddof 1), per run and domain."""
    diff = scores - scores[..., [fr_index], :]
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.nanstd(diff[..., is_region, :], axis=-2, ddof=1, keepdims=True)
        return np.where(sd > 0, diff / sd, np.nan)


def _quantiles(x: np.ndarray, q, method: str = "linear") -> np.ndarray:
    """Quantiles over the runs (axis 0), ignoring NaN (np.nanquantile only where some runs are NaN)."""
    missing = np.isnan(x)
    some = missing.any(axis=0)
    out = np.quantile(np.where(missing, 0.0, x), q, axis=0, method=method)
    out = np.where(missing.all(axis=0), np.nan, out)
    mixed = some & ~missing.all(axis=0)
    if mixed.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[:, mixed] = np.nanquantile(x[:, mixed], q, axis=0, method=method)
    return out


def _treatment_enabled(reference: dict) -> bool:
    t = reference.get("treatment", True)
    return bool(t.get("enabled", True) if isinstance(t, dict) else t)


def run_uncertainty(indicator_values: pd.DataFrame, territories: pd.DataFrame, catalogue_frame: pd.DataFrame,
                    domains: list[str], treatment: pd.DataFrame, perceived: pd.DataFrame, reference: dict,
                    options: dict | None = None) -> dict[str, pd.DataFrame]:
    """Rank intervals, perception-gap intervals and Sobol indices (see the module docstring).

    Returns {"rank_intervals", "gaps", "sensitivity"}; columns in RANK_INTERVAL_COLUMNS,
    GAP_COLUMNS and SENSITIVITY_COLUMNS. Same inputs and seed, same outputs.
    """
    opts = {**DEFAULT_OPTIONS, **(options or {})}
    runs, seed = int(opts["runs"]), int(opts["seed"])
    norms, aggs = list(opts["normalisations"]), list(opts["aggregations"])
    treats = [bool(t) for t in opts["treatment"]]
    model = prepare_model(indicator_values, territories, catalogue_frame, domains, treatment)
    per = _perceived_arrays(perceived, model)
    region, fr = model.is_region, model.fr_index
    n_dom = len(model.domains)

    # reference: the configured choices, weights 1, point survey estimates
    ref_norm, ref_agg = reference.get("normalisation", "zscore"), reference.get("aggregation", "arithmetic")
    ref_obj = domain_scores(model.scores(scored_normalisation(ref_norm, ref_agg), _treatment_enabled(reference)),
                            model.membership, np.ones((1, len(model.indicator_ids))), ref_agg)
    ref_rank = ranks_among_regions(ref_obj, region)[0]
    ref_prank = ranks_among_regions(per["estimate"][None], region)[0]

    # the Saltelli design: methodological columns from one stream, survey columns per territory
    groups = {"normalisation": 1, "aggregation": 1, "weights": len(model.indicator_ids), "treatment": 1}
    a, b, slices = saltelli_matrices(runs, groups, [seed, 0])
    ua, ub = survey_uniforms(model, runs, seed)
    designs = [(a, ua), (b, ub)] + [(ab_matrix(a, b, s), ua) for s in slices.values()]
    factors = list(slices)
    if opts["survey_resampling"]:
        designs.append((a, ub))
        factors.append("survey")
    u = np.concatenate([d[0] for d in designs])
    us = np.concatenate([d[1] for d in designs])

    # evaluate every run at once
    weights = 1 + float(opts["weight_noise"]) * (2 * u[:, slices["weights"]] - 1)
    obj = objective_runs(model, _pick(u[:, slices["normalisation"].start], norms),
                         _pick(u[:, slices["aggregation"].start], aggs), _pick(u[:, slices["treatment"].start], treats),
                         weights, norms, aggs, treats)
    obj_rank = ranks_among_regions(obj, region)
    z = ndtri(np.clip(us, 1e-12, 1 - 1e-12)) if opts["survey_resampling"] else np.zeros_like(us)
    perc = per["estimate"] + per["se"] * z
    perc_rank = ranks_among_regions(perc, region)

    # Y: mean rank shift of the regions over the 16 domains and both sides
    shift = np.concatenate([np.abs(obj_rank[:, region, :n_dom] - ref_rank[region, :n_dom]).reshape(len(u), -1),
                            np.abs(perc_rank[:, region] - ref_prank[region]).reshape(len(u), -1)], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = np.nanmean(shift, axis=1)
    y = np.nan_to_num(y, nan=0.0)
    parts = np.split(y, len(designs))
    sens = sobol_indices(parts[0], parts[1], dict(zip(factors, parts[2:])), n_bootstrap=int(opts["bootstrap"]),
                         seed=[seed, 2])
    sens = sens.assign(runs=runs, evaluations=len(y), output="mean_rank_shift")[SENSITIVITY_COLUMNS]

    # intervals over the 2N independent runs of A and B
    mc = slice(0, 2 * runs)
    obj_z = standardised_difference(obj[mc], fr, region)
    ref_z = standardised_difference(ref_obj, fr, region)[0]
    ranks = _rank_table(model, ref_rank, ref_prank, ref_z, obj_rank[mc], perc_rank[mc], obj_z, opts["interval"])
    gaps = _gap_table(model, per, ref_z, obj_z, z[mc], opts["gap_interval"])
    return {"rank_intervals": ranks, "gaps": gaps, "sensitivity": sens.reset_index(drop=True)}


def _rank_table(model: IndexModel, ref_rank, ref_prank, ref_z, obj_rank, perc_rank, obj_z, interval) -> pd.DataFrame:
    """rank_intervals: median and interval of the ranks (observed ranks: inverted-CDF quantiles)."""
    keep = model.reported
    n_dom = len(model.domains)
    lo, hi = interval
    rq = _quantiles(obj_rank, [0.5, lo, hi], "inverted_cdf")
    pq = _quantiles(perc_rank, [0.5, lo, hi], "inverted_cdf")
    pad = np.full((3, len(model.codes), 1), np.nan)
    pq = np.concatenate([pq, pad], axis=2)
    zq = _quantiles(obj_z, [lo, hi])
    pref = np.concatenate([ref_prank, np.full((len(model.codes), 1), np.nan)], axis=1)
    doms = model.domains + [ENSEMBLE]
    n_terr = int(keep.sum())
    cols = {
        "territory_code": np.repeat(model.codes[keep], n_dom + 1), "domain_id": np.tile(doms, n_terr),
        "rank_reference": ref_rank[keep], "rank_median": rq[0][keep], "rank_p05": rq[1][keep], "rank_p95": rq[2][keep],
        "score_reference": ref_z[keep], "score_p05": zq[0][keep], "score_p95": zq[1][keep],
        "perceived_rank_reference": pref[keep], "perceived_rank_median": pq[0][keep],
        "perceived_rank_p05": pq[1][keep], "perceived_rank_p95": pq[2][keep],
    }
    return pd.DataFrame({k: (v.ravel() if isinstance(v, np.ndarray) and v.ndim > 1 else v) for k, v in cols.items()},
                        columns=RANK_INTERVAL_COLUMNS)


def _gap_table(model: IndexModel, per: dict, ref_z, obj_z, z, interval) -> pd.DataFrame:
    """gaps: perceived_z - objective_z, at the reference and over the runs."""
    keep, region = model.reported, model.is_region
    n_dom = len(model.domains)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.nanstd(per["diff_vs_france"][region], axis=0, ddof=1)
        sd = np.where(sd > 0, sd, np.nan)
        perc_z = per["diff_vs_france"] / sd
        runs_perc_z = (per["diff_vs_france"] + per["se_diff"] * z) / sd
    gap = perc_z - ref_z[:, :n_dom]
    runs_gap = runs_perc_z - obj_z[:, :, :n_dom]
    ci = _quantiles(runs_gap, list(interval))
    ci = np.where(np.isnan(gap), np.nan, ci)
    significant = (ci[0] > 0) | (ci[1] < 0)
    n_terr = int(keep.sum())
    return pd.DataFrame({
        "territory_code": np.repeat(model.codes[keep], n_dom), "domain_id": np.tile(model.domains, n_terr),
        "objective_z": ref_z[keep, :n_dom].ravel(), "perceived_z": perc_z[keep].ravel(), "gap": gap[keep].ravel(),
        "gap_ci_low": ci[0][keep].ravel(), "gap_ci_high": ci[1][keep].ravel(),
        "gap_significant": significant[keep].ravel(),
    }, columns=GAP_COLUMNS)
