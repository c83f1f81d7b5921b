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
uniform [0, 1) columns, named by their coded value in `sensitivity.choice`:

    normalisation  1 column   u -> options["normalisations"][floor(u x count)]
    agregation     1 column   u -> options["aggregations"][...]
    poids          1 column per indicator: multiplier 1 + weight_noise x (2u - 1)
    traitement     1 column   u -> options["treatment"][...]: a method of impact_regions.treatment
                              (box_cox: the strictly increasing Box-Cox transform, winsorise: the
                              non-default winsorisation), none (raw values), or true / false
                              (the configured index.treatment method / none)
    enquete        1 column per (region or custom territory, domain): perceived score
                   estimate + se x Phi^-1(u) (only when options["survey_resampling"])

With N = options["runs"] the model is evaluated N (k + 2) times (k factors). The intervals use the
2N independent runs of A and B. The draws never depend on the set of territories: the
methodological columns come from one stream (seed, 0), and each territory's survey columns from
its own stream keyed by (seed, 1, a hash of its code), so adding a custom territory changes no
region's result and the sensitivity (which is computed on the regions only) stays the same.

Rank medians and intervals are quantiles over those 2N runs by the inverted empirical CDF, so
they are ranks that occurred (no 3.5); score and gap intervals interpolate linearly.

Output Y of the sensitivity analysis, the *mean rank shift* (`sensitivity.output`
'deplacement_moyen_des_rangs'): the mean over the regions, the 16
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
point value uses the reference choices and the point estimates. Its distribution is that of
the gaps of the 2N runs, where the objective side varies with the methodological draws and the
perceived difference with the draws diff_vs_france + se_diff x Phi^-1(u) (se_diff: the
overlap-aware SE of the difference to France; u: the same uniform as the perceived score, so the
two draws of a run are coherent). The gap is NaN (and not significant) where the perceived
estimate is suppressed.

Significance of the gaps, with the 16 domains of a territory as one family (DESIGN §7: Holm, as
for the comparisons with France). Over the R = 2N runs with a gap (NaN runs left out), c_le and
c_ge count the runs <= 0 and >= 0; the two-sided Monte Carlo p-value is

    gap_p_value = min(1, 2 min(c_le, c_ge) / R)

and gap_p_holm its Holm adjustment among the m gaps of the territory that are not NaN (sorted
by p, p_holm(j) = max over i <= j of min(1, (m - i + 1) p(i))). is_gap_significant: gap_p_holm <
alpha (options["gap_alpha"], 0.05), i.e. Holm's step-down procedure. With options
["gap_multiple_testing"] = "none", gap_p_holm = gap_p_value.

The interval [gap_ci_low, gap_ci_high] is at the level at which Holm's procedure tests the gap,
gap_ci_level = 1 - a with a = alpha / (m - j + 1) for the j-th smallest p-value while the
procedure rejects, and the level of the first gap it keeps for every later one (alpha itself
without correction, or for a territory's only gap): so every interval is at least a
1 - alpha (95 %) interval, and an interval excludes 0 exactly when the gap is significant (the
quantiles are order statistics: the low end is the ceil(a R / 2)-th smallest run, the high end
the ceil(a R / 2)-th largest, so "low > 0" is "c_le < a R / 2", i.e. "p < a").
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
    "runs": 512,
    "seed": 2019,
    "weight_noise": 0.25,
    "normalisations": list(NORMALISATIONS),
    "aggregations": list(AGGREGATIONS),
    "treatment": ["box_cox", "none"],
    "survey_resampling": True,
    "interval": [0.05, 0.95],
    "gap_alpha": 0.05,
    "gap_multiple_testing": "holm",
    "bootstrap": 1000,
}

RANK_INTERVAL_COLUMNS = [
    "territory_code",
    "domain_id",
    "rank_reference",
    "rank_median",
    "rank_p05",
    "rank_p95",
    "score_reference",
    "score_p05",
    "score_p95",
    "perceived_rank_reference",
    "perceived_rank_median",
    "perceived_rank_p05",
    "perceived_rank_p95",
]
#: the statistics of :func:`gap_statistics` that the gap table keeps
GAP_STATISTICS = ["gap_ci_low", "gap_ci_high", "gap_ci_level", "gap_p_value", "gap_p_holm", "is_gap_significant"]
GAP_COLUMNS = ["territory_code", "domain_id", "objective_z", "perceived_z", "gap", *GAP_STATISTICS]
SENSITIVITY_COLUMNS = [
    "choice",
    "first_order",
    "total",
    "first_order_ci_low",
    "first_order_ci_high",
    "total_ci_low",
    "total_ci_high",
    "runs",
    "evaluations",
    "output",
]


TREATMENT_FIELDS = ("method", "sign", "anchor", "scale", "power", "lower", "upper")


# ------------------------------------------------------------------ the index, in numpy


@dataclass
class IndexModel:
    """Indicator values and département statistics arranged for the vectorised recomputation.

    Territories (`codes`, axis 1 of the score matrices) are the regions, then the custom
    territories, then France (and the départements when asked for, for comparisons with SQL).
    """

    indicator_ids: list[str]
    domains: list[str]
    codes: np.ndarray  # (T,) territory codes
    kinds: np.ndarray  # (T,) region / custom / france / departement
    direction: np.ndarray  # (I,) +1 / -1
    membership: np.ndarray  # (I, D) 1 where the indicator belongs to the domain
    values: np.ndarray  # (I, T) raw values, NaN when missing
    dep_values: np.ndarray  # (I, P) raw values of the départements
    treatments: dict  # treatment key (box_cox, winsorise) -> TREATMENT_FIELDS -> (I,) arrays
    reference_treatment: str = "box_cox"  # the key `True` stands for
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

    def treatment_key(self, treated: bool | str) -> str:
        """True: the reference treatment; False: none; a string: that treatment."""
        if treated is True or (isinstance(treated, (bool, np.bool_)) and treated):
            return self.reference_treatment
        if treated is False or isinstance(treated, (bool, np.bool_)):
            return "none"
        key = str(treated)
        if key != "none" and key not in self.treatments:
            raise ValueError(f"uncertainty: no treatment table for {key!r} (have: {', '.join(self.treatments)})")
        return key

    def treatment_arrays(self, treated: bool | str) -> dict[str, np.ndarray]:
        key = self.treatment_key(treated)
        if key == "none":
            return untreated_arrays(len(self.indicator_ids))
        return self.treatments[key]

    def scores(self, normalisation: str, treated: bool | str) -> np.ndarray:
        """(I, T) indicator scores, as sql/indicator_scores.sql (cached: the runs share them)."""
        key = (normalisation, self.treatment_key(treated))
        if key not in self._scores:
            self._scores[key] = indicator_scores(self, normalisation, key[1])
        return self._scores[key]


def untreated_arrays(n: int) -> dict[str, np.ndarray]:
    nan = np.full(n, np.nan)
    return {
        "method": np.full(n, "aucun", dtype=object),
        "sign": np.ones(n),
        "anchor": nan,
        "scale": nan,
        "power": nan,
        "lower": nan,
        "upper": nan,
    }


def treatment_arrays(treatment: pd.DataFrame, ids: list[str]) -> dict[str, np.ndarray]:
    """(I,) arrays of an `indicator_treatment` table in the order of `ids` (missing rows: none)."""
    tr = treatment.assign(indicator_id=treatment["indicator_id"].astype(str)).set_index("indicator_id").reindex(ids)

    def col(c):
        return (tr[c] if c in tr.columns else pd.Series(np.nan, index=tr.index)).to_numpy(dtype=float)

    tail = (tr["tail"] if "tail" in tr.columns else pd.Series("", index=tr.index)).fillna("").astype(str)
    return {
        "method": tr["method"].fillna("aucun").astype(str).to_numpy(dtype=object),
        "sign": np.where(tail.to_numpy() == "gauche", -1.0, 1.0),
        "anchor": col("anchor"),
        "scale": col("scale"),
        "power": col("power"),
        "lower": col("lower"),
        "upper": col("upper"),
    }


def prepare_model(
    indicator_values: pd.DataFrame,
    territories: pd.DataFrame,
    catalogue_frame: pd.DataFrame,
    domains: list[str],
    treatment: pd.DataFrame | dict,
    with_departements: bool = False,
    reference_treatment: str = "box_cox",
) -> IndexModel:
    """Arrange the processed tables for `indicator_scores` / `domain_scores` (see IndexModel).

    Indicators are those of the catalogue (in its order). `treatment` is an `indicator_treatment`
    table of `treatment.build_treatment` with the treatment enabled (indicators it does not list:
    none), standing for `reference_treatment`, or a dict {treatment key: table} of the
    treatments the Monte Carlo may draw (its first key is then the reference unless
    `reference_treatment` is one of them).
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
    v = indicator_values.assign(
        indicator_id=indicator_values["indicator_id"].astype(str),
        territory_code=indicator_values["territory_code"].astype(str),
    )
    wide = v.pivot_table(index="indicator_id", columns="territory_code", values="value", aggfunc="first", dropna=False)
    wide = wide.reindex(index=ids)
    values = wide.reindex(columns=out.index).to_numpy(dtype=float)
    dep_values = wide.reindex(columns=deps).to_numpy(dtype=float)

    tables = treatment if isinstance(treatment, dict) else {reference_treatment: treatment}
    if reference_treatment not in tables:
        reference_treatment = next(iter(tables), "none")
    membership = cat["domain_id"].astype(str).to_numpy()[:, None] == np.asarray(domains, dtype=str)[None, :]
    return IndexModel(
        indicator_ids=ids,
        domains=list(domains),
        codes=out.index.to_numpy(dtype=str),
        kinds=out.to_numpy(dtype=str),
        direction=cat["direction"].to_numpy(dtype=float),
        membership=membership.astype(float),
        values=values,
        dep_values=dep_values,
        treatments={k: treatment_arrays(t, ids) for k, t in tables.items() if k != "none"},
        reference_treatment=reference_treatment,
    )


def treated_values(x: np.ndarray, tr: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(t, c): the treated value t(x) for z-score / min-max, and the winsorised-never-transformed
    c(x) for ratios (sql/indicator_scores.sql).

    Rows are indicators, `tr` the arrays of `treatment_arrays`. box_cox: the strictly increasing
    transform of impact_regions.treatment, sign x g(sign x (x - anchor) / scale + 1);
    winsorisation: clipped to [lower, upper] (a missing bound does not clip); aucun: x.
    """
    from .treatment import box_cox_g

    m = tr["method"][:, None]
    lo, hi = tr["lower"][:, None], tr["upper"][:, None]
    clipped = np.minimum(np.maximum(x, np.where(np.isnan(lo), -np.inf, lo)), np.where(np.isnan(hi), np.inf, hi))
    sign = tr["sign"][:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        y = sign * (x - tr["anchor"][:, None]) / tr["scale"][:, None] + 1.0
        power = np.where(np.isnan(tr["power"]), 1.0, tr["power"])[:, None]
        bc = sign * box_cox_g(y, power)
    t = np.where(m == "box_cox", bc, np.where(m == "winsorisation", clipped, x))
    c = np.where(m == "winsorisation", clipped, x)
    return t, c


def indicator_scores(model: IndexModel, normalisation: str, treated: bool | str) -> np.ndarray:
    """(I, T) oriented scores of the model's territories, exactly as sql/indicator_scores.sql.

    zscore: direction x (t(x) - t(x_FR)) / SD of t over the départements; minmax: 1 + 99 x
    (oriented t - min) / (max - min) over the départements; ratio: 100 x c(x) / c(x_FR) (inverse
    when direction = -1), NaN when either is <= 0. NaN where the value is missing or the spread 0.
    """
    if normalisation not in NORMALISATIONS:
        raise ValueError(f"uncertainty: unknown normalisation {normalisation!r}")
    tr = model.treatment_arrays(treated)
    t, c = treated_values(model.values, tr)
    td, _ = treated_values(model.dep_values, tr)
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


def index_table(
    model: IndexModel,
    normalisation: str = "zscore",
    aggregation: str = "arithmetic",
    treated: bool | str = True,
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """The fragility indices of one set of choices, as a table (territory_code, domain_id, score, rank_among_regions).

    Ranks are given to regions and custom territories only, as in the SQL.
    """
    w = np.ones((1, len(model.indicator_ids))) if weights is None else np.atleast_2d(weights)
    s = domain_scores(
        model.scores(scored_normalisation(normalisation, aggregation), treated), model.membership, w, aggregation
    )[0]
    r = np.where(model.reported[:, None], ranks_among_regions(s, model.is_region), np.nan)
    doms = model.domains + [ENSEMBLE]
    return pd.DataFrame(
        {
            "territory_code": np.repeat(model.codes, len(doms)),
            "domain_id": np.tile(doms, len(model.codes)),
            "score": s.ravel(),
            "rank_among_regions": r.ravel(),
        }
    )


# ------------------------------------------------------------------ the Monte Carlo


def _perceived_arrays(perceived: pd.DataFrame, model: IndexModel) -> dict[str, np.ndarray]:
    """(T, D) estimate, se, diff_vs_france, se_diff of the model's territories (NaN elsewhere)."""
    p = perceived.assign(
        territory_code=perceived["territory_code"].astype(str), domain_id=perceived["domain_id"].astype(str)
    )
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


def objective_runs(
    model: IndexModel,
    norm_idx: np.ndarray,
    agg_idx: np.ndarray,
    treat_idx: np.ndarray,
    weights: np.ndarray,
    normalisations: list,
    aggregations: list,
    treatments: list,
) -> np.ndarray:
    """(R, T, D + 1) domain and ensemble scores of R runs, grouped by combination of choices."""
    out = np.empty((len(weights), len(model.codes), len(model.domains) + 1))
    combo = (norm_idx * len(aggregations) + agg_idx) * len(treatments) + treat_idx
    for c in np.unique(combo):
        rows = combo == c
        i = int(c)
        t, rest = i % len(treatments), i // len(treatments)
        a, n = rest % len(aggregations), rest // len(aggregations)
        agg = aggregations[a]
        s = model.scores(scored_normalisation(normalisations[n], agg), treatments[t])
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


def _reference_treatment(reference: dict) -> str:
    """The treatment key of the configured index (index.treatment: enabled, method)."""
    from .treatment import treatment_key

    return treatment_key(reference.get("treatment", True))


def _configured_method(reference: dict) -> str:
    """The method `true` stands for in options["treatment"]: index.treatment.method."""
    t = reference.get("treatment", {})
    return str(t.get("method", "box_cox")) if isinstance(t, dict) else "box_cox"


def treatment_options(options: list, reference: dict) -> list[str]:
    """options["treatment"] as treatment keys: true -> the configured method, false -> none."""
    from .treatment import treatment_key

    out = []
    for t in options:
        key = _configured_method(reference) if t is True else treatment_key(t)
        if key not in out:
            out.append(key)
    return out


def run_uncertainty(
    indicator_values: pd.DataFrame,
    territories: pd.DataFrame,
    catalogue_frame: pd.DataFrame,
    domains: list[str],
    treatment: pd.DataFrame,
    perceived: pd.DataFrame,
    reference: dict,
    options: dict | None = None,
) -> dict[str, pd.DataFrame]:
    """Rank intervals, perception-gap intervals and Sobol indices (see the module docstring).

    Returns {"rank_intervals", "gaps", "sensitivity"}; columns in RANK_INTERVAL_COLUMNS,
    GAP_COLUMNS and SENSITIVITY_COLUMNS. Same inputs and seed, same outputs.
    """
    opts = {**DEFAULT_OPTIONS, **(options or {})}
    runs, seed = int(opts["runs"]), int(opts["seed"])
    norms, aggs = list(opts["normalisations"]), list(opts["aggregations"])
    treats = treatment_options(list(opts["treatment"]), reference)
    model = prepare_model(
        indicator_values,
        territories,
        catalogue_frame,
        domains,
        treatment,
        reference_treatment=_configured_method(reference),
    )
    per = _perceived_arrays(perceived, model)
    region, fr = model.is_region, model.fr_index
    n_dom = len(model.domains)

    # reference: the configured choices, weights 1, point survey estimates
    ref_norm, ref_agg = reference.get("normalisation", "zscore"), reference.get("aggregation", "arithmetic")
    ref_obj = domain_scores(
        model.scores(scored_normalisation(ref_norm, ref_agg), _reference_treatment(reference)),
        model.membership,
        np.ones((1, len(model.indicator_ids))),
        ref_agg,
    )
    ref_rank = ranks_among_regions(ref_obj, region)[0]
    ref_prank = ranks_among_regions(per["estimate"][None], region)[0]

    # the Saltelli design: methodological columns from one stream, survey columns per territory
    # the factors, named by their coded value in sensitivity.choice (French: docs/naming.md)
    groups = {"normalisation": 1, "agregation": 1, "poids": len(model.indicator_ids), "traitement": 1}
    a, b, slices = saltelli_matrices(runs, groups, [seed, 0])
    ua, ub = survey_uniforms(model, runs, seed)
    designs = [(a, ua), (b, ub)] + [(ab_matrix(a, b, s), ua) for s in slices.values()]
    factors = list(slices)
    if opts["survey_resampling"]:
        designs.append((a, ub))
        factors.append("enquete")
    u = np.concatenate([d[0] for d in designs])
    us = np.concatenate([d[1] for d in designs])

    # evaluate every run at once
    weights = 1 + float(opts["weight_noise"]) * (2 * u[:, slices["poids"]] - 1)
    obj = objective_runs(
        model,
        _pick(u[:, slices["normalisation"].start], norms),
        _pick(u[:, slices["agregation"].start], aggs),
        _pick(u[:, slices["traitement"].start], treats),
        weights,
        norms,
        aggs,
        treats,
    )
    obj_rank = ranks_among_regions(obj, region)
    z = ndtri(np.clip(us, 1e-12, 1 - 1e-12)) if opts["survey_resampling"] else np.zeros_like(us)
    perc = per["estimate"] + per["se"] * z
    perc_rank = ranks_among_regions(perc, region)

    # Y: mean rank shift of the regions over the 16 domains and both sides
    shift = np.concatenate(
        [
            np.abs(obj_rank[:, region, :n_dom] - ref_rank[region, :n_dom]).reshape(len(u), -1),
            np.abs(perc_rank[:, region] - ref_prank[region]).reshape(len(u), -1),
        ],
        axis=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = np.nanmean(shift, axis=1)
    y = np.nan_to_num(y, nan=0.0)
    parts = np.split(y, len(designs))
    sens = sobol_indices(
        parts[0],
        parts[1],
        dict(zip(factors, parts[2:], strict=True)),
        n_bootstrap=int(opts["bootstrap"]),
        seed=[seed, 2],
    )
    sens = sens.assign(runs=runs, evaluations=len(y), output="deplacement_moyen_des_rangs")[SENSITIVITY_COLUMNS]

    # intervals over the 2N independent runs of A and B
    mc = slice(0, 2 * runs)
    obj_z = standardised_difference(obj[mc], fr, region)
    ref_z = standardised_difference(ref_obj, fr, region)[0]
    ranks = _rank_table(model, ref_rank, ref_prank, ref_z, obj_rank[mc], perc_rank[mc], obj_z, opts["interval"])
    gaps = _gap_table(model, per, ref_z, obj_z, z[mc], float(opts["gap_alpha"]), opts["gap_multiple_testing"])
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
        "territory_code": np.repeat(model.codes[keep], n_dom + 1),
        "domain_id": np.tile(doms, n_terr),
        "rank_reference": ref_rank[keep],
        "rank_median": rq[0][keep],
        "rank_p05": rq[1][keep],
        "rank_p95": rq[2][keep],
        "score_reference": ref_z[keep],
        "score_p05": zq[0][keep],
        "score_p95": zq[1][keep],
        "perceived_rank_reference": pref[keep],
        "perceived_rank_median": pq[0][keep],
        "perceived_rank_p05": pq[1][keep],
        "perceived_rank_p95": pq[2][keep],
    }
    return pd.DataFrame(
        {k: (v.ravel() if isinstance(v, np.ndarray) and v.ndim > 1 else v) for k, v in cols.items()},
        columns=RANK_INTERVAL_COLUMNS,
    )


def holm_adjust(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values along the last axis, NaN left out of the family (and kept NaN).

    Sorted ascending, p_holm(j) = max over i <= j of min(1, (m - i + 1) p(i)), m = the number of
    p-values that are not NaN in the family."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    flat, res = p.reshape(-1, p.shape[-1]), out.reshape(-1, p.shape[-1])
    for row, dst in zip(flat, res, strict=True):
        ok = np.flatnonzero(~np.isnan(row))
        m = len(ok)
        if not m:
            continue
        order = ok[np.argsort(row[ok], kind="stable")]
        adj = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * row[order]))
        dst[order] = adj
    return out


def holm_levels(c_min: np.ndarray, n: np.ndarray, alpha: float, correction: str = "holm") -> np.ndarray:
    """The error rate a of each gap's interval (level 1 - a) under Holm's step-down procedure.

    Along the last axis (the domains of a territory), gaps sorted by their count c_min = min(c_le,
    c_ge) of runs on the far side of 0 over n runs (i.e. by p-value); the j-th of m is tested at
    a = alpha / (m - j + 1) and rejected when c_min < a n / 2 (p < a); from the first gap kept on,
    every later gap gets that gap's a. NaN where n is 0. correction 'none': a = alpha.
    """
    c_min = np.asarray(c_min, dtype=float)
    n = np.asarray(n, dtype=float)
    out = np.where(n > 0, float(alpha), np.nan)
    if correction == "none":
        return out
    if correction != "holm":
        raise ValueError(f"uncertainty: unknown gap_multiple_testing {correction!r} (holm or none)")
    flat_c, flat_n = c_min.reshape(-1, c_min.shape[-1]), n.reshape(-1, n.shape[-1])
    res = out.reshape(-1, out.shape[-1])
    for cr, nr, dst in zip(flat_c, flat_n, res, strict=True):
        ok = np.flatnonzero(nr > 0)
        m = len(ok)
        order = ok[np.argsort(cr[ok] / nr[ok], kind="stable")]
        a, rejecting = float(alpha), True
        for j, k in enumerate(order):
            if rejecting:
                a = float(alpha) / (m - j)
                rejecting = bool(cr[k] < a * nr[k] / 2)
            dst[k] = a
    return out


def gap_statistics(
    gap: np.ndarray, runs_gap: np.ndarray, alpha: float = 0.05, correction: str = "holm"
) -> dict[str, np.ndarray]:
    """p-values, Holm adjustment, decisions and intervals of gaps (module docstring).

    gap: (T, D) gaps at the reference (NaN: no gap), runs_gap: (R, T, D) the gaps of the runs
    (NaN runs left out); the family of Holm's correction is the last axis (a territory's domains).
    Returns (T, D) arrays gap_ci_low, gap_ci_high, gap_ci_level, gap_p_value, gap_p_holm,
    is_gap_significant.
    """
    gap = np.asarray(gap, dtype=float)
    runs_gap = np.where(np.isnan(gap)[None], np.nan, np.asarray(runs_gap, dtype=float))
    valid = ~np.isnan(runs_gap)
    n = valid.sum(axis=0)
    c_le = np.count_nonzero(valid & (runs_gap <= 0), axis=0)
    c_ge = np.count_nonzero(valid & (runs_gap >= 0), axis=0)
    c_min = np.minimum(c_le, c_ge)
    p = np.where(n > 0, np.minimum(1.0, 2.0 * c_min / np.maximum(n, 1)), np.nan)
    p_holm = holm_adjust(p) if correction == "holm" else p
    a = holm_levels(c_min, n, alpha, correction)
    a0 = np.nan_to_num(a)
    # order statistics: the k-th smallest and the k-th largest run, k = ceil(a n / 2) (1 <= k <= n)
    k = np.clip(np.ceil(a0 * n / 2.0), 1, np.maximum(n, 1)).astype(int)
    ordered = np.sort(runs_gap, axis=0)  # NaN last
    lo = np.take_along_axis(ordered, (k - 1)[None], axis=0)[0]
    hi = np.take_along_axis(ordered, np.maximum(n - k, 0)[None], axis=0)[0]
    return {
        "gap_ci_low": np.where(n > 0, lo, np.nan),
        "gap_ci_high": np.where(n > 0, hi, np.nan),
        "gap_ci_level": 1.0 - a,
        "gap_p_value": p,
        "gap_p_holm": p_holm,
        "is_gap_significant": (n > 0) & (c_min < a0 * n / 2.0),
    }


def _gap_table(model: IndexModel, per: dict, ref_z, obj_z, z, alpha: float, correction: str) -> pd.DataFrame:
    """gaps: perceived_z - objective_z, at the reference and over the runs, with the Monte Carlo
    p-value, its Holm adjustment over the domains of the territory and the interval at the level
    Holm's procedure tests it (module docstring)."""
    keep, region = model.reported, model.is_region
    n_dom = len(model.domains)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.nanstd(per["diff_vs_france"][region], axis=0, ddof=1)
        sd = np.where(sd > 0, sd, np.nan)
        perc_z = per["diff_vs_france"] / sd
        runs_perc_z = (per["diff_vs_france"] + per["se_diff"] * z) / sd
    gap = perc_z - ref_z[:, :n_dom]
    st = gap_statistics(gap, runs_perc_z - obj_z[:, :, :n_dom], alpha, correction)
    n_terr = int(keep.sum())
    return pd.DataFrame(
        {
            "territory_code": np.repeat(model.codes[keep], n_dom),
            "domain_id": np.tile(model.domains, n_terr),
            "objective_z": ref_z[keep, :n_dom].ravel(),
            "perceived_z": perc_z[keep].ravel(),
            "gap": gap[keep].ravel(),
            **{c: st[c][keep].ravel() for c in GAP_STATISTICS},
        },
        columns=GAP_COLUMNS,
    )
