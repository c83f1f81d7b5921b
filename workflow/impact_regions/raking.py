"""Calibration of the citizens' design weights to population margins (raking), pure functions.

Why
---
The inhabitants' survey over-represents some groups (in the demonstration data: women and the
over-50s, as in most voluntary surveys). Raking adjusts each design weight by a factor ``g`` so
that, within each region, the weighted sample reproduces the population's distribution by sex
and by age band (INSEE census, :mod:`impact_regions.population`). Estimates then carry less
non-response bias, at the price of more variable weights, which the Kish efficiency measures.

Method
------
:func:`rake` is iterative proportional fitting (Deming-Stephan): each margin in turn is met
exactly by multiplying the weights of each category by target / current total, until every
margin is within `tol` (relative) of its target. With bounds ``lo <= g <= hi`` it is *bounded
raking*: the factors are ``g = clip(exp(eta), lo, hi)`` and each margin step solves, category by
category, the one-dimensional equation ``sum d clip(exp(eta + delta), lo, hi) = target`` exactly
(so units pinned at a bound are clipped, and the others re-raked to make up for them). This is
coordinate ascent on the dual of calibration with the raking distance g log g - g + 1
restricted to [lo, hi] (a bounded calibration distance in the sense of Deville & Särndal 1992;
compare the logit method of Deville, Särndal & Sautory 1993): it converges whenever the margins
can be met within the bounds, and then meets margins and bounds at once; otherwise it reports
non-convergence (it never returns unmet margins as if they were met).

:func:`trim` caps weights at ``max_ratio`` x their mean and spreads the excess over the other
weights. :func:`calibrate` combines them: bounded raking, then, while a raked weight exceeds the
cap, trim, and rake again with the trimmed units held at the cap (their cap becomes their upper
bound, so the re-raking cannot undo the trimming), a few rounds. The result meets the margins,
the bounds and the cap, or says which one it could not meet.

:mod:`impact_regions.survey_weights` applies them to every region (the calibration cell) and
builds the tables `survey_weights` and `raking_margins`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError
from .population import parse_age_bands

#: Documented defaults of the `raking` section of config.yaml.
DEFAULT_OPTIONS: dict = {
    "margins": ["sexe", "tranche_age"],  # survey columns raked, each to its population margin
    "bounds": [0.3, 3.0],  # lo <= raked / design weight <= hi (None: unbounded)
    "trim_max_ratio": 5.0,  # raked weights capped at this x the region's mean (None: no trimming)
    "max_iter": 100,  # raking sweeps (one sweep adjusts every margin once)
    "tolerance": 1e-8,  # largest relative gap |achieved - target| / target
    "target_totals": "population",  # population | design (see the module docstring)
    "age_bands": ["18-24", "25-34", "35-49", "50-64", "65+"],  # tranche_age code k = k-th band
    "trim_rounds": 10,  # trim + re-rake rounds at most
}
#: Keys of the config section that are not calibration options (passed through untouched).
PASS_THROUGH = frozenset({"population"})
MARGIN_VARIABLES = ("sexe", "tranche_age")

# per-unit latent log-factors are kept within this distance of their bounds (no overflow)
_LATENT_SLACK = 10.0


class CalibrationError(ValueError):
    """Calibration cannot produce weights that meet the margins (base class)."""


class MarginError(CalibrationError):
    """A margin cannot be met whatever the iterations: a category with a positive target has no
    respondent, respondents fall in a category without target, margins disagree on the total, or
    the bounds make a category's target unreachable."""


class NotConvergedError(CalibrationError):
    """Raking (or raking + trimming) stopped at max_iter with margins or caps not met."""


@dataclass
class RakeResult:
    """Outcome of :func:`rake` (or :func:`calibrate`).

    `weights` are the raked weights, `g` = weights / design weights, `iterations` the sweeps
    done, `converged` whether every margin is within tolerance, `max_margin_error` the largest
    relative gap |achieved - target| / target over all categories, `message` a readable summary
    (naming the worst margin when not converged). :func:`calibrate` also fills `trim_rounds`,
    `n_trimmed` (units held at the weight cap) and `cap`.
    """

    weights: np.ndarray
    g: np.ndarray
    iterations: int
    converged: bool
    max_margin_error: float
    message: str = ""
    trim_rounds: int = 0
    n_trimmed: int = 0
    cap: float | None = None
    worst: tuple[str, int] | None = field(default=None, repr=False)


# ------------------------------------------------------------------------------------------
# options
# ------------------------------------------------------------------------------------------


def calibration_options(options: dict | None = None, path: str = "config/config.yaml") -> dict:
    """The `raking` options with their defaults filled in, checked (ConfigError naming the key).

    Returns a new dict; keys of :data:`PASS_THROUGH` (the population file path) are kept.
    """
    opts = dict(DEFAULT_OPTIONS)
    for key, value in (options or {}).items():
        if key in PASS_THROUGH:
            opts[key] = value
        elif key not in DEFAULT_OPTIONS:
            raise ConfigError(path, f"raking.{key}", f"unknown option (known: {', '.join(DEFAULT_OPTIONS)})")
        else:
            opts[key] = value
    margins = list(opts["margins"])
    if not margins or len(set(margins)) != len(margins) or not set(margins) <= set(MARGIN_VARIABLES):
        raise ConfigError(
            path, "raking.margins", f"expected distinct variables among {list(MARGIN_VARIABLES)}, got {margins}"
        )
    opts["margins"] = margins
    b = opts["bounds"]
    if b is not None:
        if len(b) != 2 or not (0 <= float(b[0]) <= 1 <= float(b[1])):
            raise ConfigError(path, "raking.bounds", f"expected [lo, hi] with 0 <= lo <= 1 <= hi, got {b}")
        opts["bounds"] = [float(b[0]), float(b[1])]
    r = opts["trim_max_ratio"]
    if r is not None and not float(r) > 1:
        raise ConfigError(path, "raking.trim_max_ratio", f"expected a number > 1 (or null: no trimming), got {r}")
    if int(opts["max_iter"]) < 1:
        raise ConfigError(path, "raking.max_iter", "expected an integer >= 1")
    if not float(opts["tolerance"]) > 0:
        raise ConfigError(path, "raking.tolerance", "expected a number > 0")
    if opts["target_totals"] not in ("population", "design"):
        raise ConfigError(path, "raking.target_totals", "expected 'population' or 'design'")
    try:
        parse_age_bands(opts["age_bands"])
    except ValueError as exc:
        raise ConfigError(path, "raking.age_bands", str(exc)) from None
    return opts


# ------------------------------------------------------------------------------------------
# efficiency
# ------------------------------------------------------------------------------------------


def kish_efficiency(w) -> float:
    """Kish's efficiency of a set of weights: n_eff / n = (sum w)^2 / (n * sum w^2).

    1 for equal weights, lower as weights vary: with n_eff = (sum w)^2 / sum w^2 respondents
    worth of information, a mean's variance is inflated by the weighting alone by 1 / efficiency
    = 1 + CV^2 (CV of the weights, population formula). NaN for an empty set.
    """
    w = np.asarray(w, dtype=float)
    if w.size == 0:
        return math.nan
    s2 = float(np.dot(w, w))
    return float(w.sum()) ** 2 / (w.size * s2) if s2 > 0 else math.nan


def weighting_design_effect(w) -> float:
    """Kish's design effect due to unequal weighting, 1 / :func:`kish_efficiency` = 1 + CV^2."""
    e = kish_efficiency(w)
    return 1.0 / e if e == e and e > 0 else math.nan


# ------------------------------------------------------------------------------------------
# raking
# ------------------------------------------------------------------------------------------


def _index_margins(n: int, categories: dict, targets: dict) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """[(variable, category keys, respondent -> category position, target totals)], checked."""
    if set(categories) != set(targets):
        raise MarginError(f"margins given for {sorted(targets)} but categories for {sorted(categories)}")
    out = []
    for var in targets:
        raw = np.asarray(categories[var])
        if raw.shape != (n,):
            raise MarginError(f"margin {var}: {raw.shape[0] if raw.ndim else 0} categories for {n} weights")
        if raw.dtype.kind == "f":
            if not np.isfinite(raw).all():
                raise MarginError(f"margin {var}: {int((~np.isfinite(raw)).sum())} respondent(s) without a category")
            if (raw != np.round(raw)).any():
                raise MarginError(f"margin {var}: categories must be integer codes")
        codes = raw.astype(np.int64)
        keys = np.array(sorted(int(k) for k in targets[var]), dtype=np.int64)
        tot = np.array([float(targets[var][k]) for k in keys.tolist()], dtype=float)
        if (~np.isfinite(tot)).any() or (tot < 0).any():
            raise MarginError(f"margin {var}: targets must be finite numbers >= 0")
        pos = np.searchsorted(keys, codes)
        pos_c = np.minimum(pos, len(keys) - 1)
        unknown = keys[pos_c] != codes
        if unknown.any():
            bad = sorted(set(codes[unknown].tolist()))
            raise MarginError(
                f"margin {var}: respondent(s) in category {', '.join(map(str, bad))} which has no population target"
            )
        counts = np.bincount(pos_c, minlength=len(keys))
        for k, t, c in zip(keys.tolist(), tot.tolist(), counts.tolist(), strict=True):
            if t > 0 and c == 0:
                raise MarginError(
                    f"margin {var} = {k} cannot be met: its population target is {t:,.1f} "
                    f"but no respondent is in this category"
                )
            if t == 0 and c > 0:
                raise MarginError(
                    f"margin {var} = {k} cannot be met: its population target is 0 but "
                    f"{c} respondent(s) are in this category"
                )
        out.append((var, keys, pos_c, tot))
    if not out:
        raise MarginError("no margin to rake to")
    first = out[0][3].sum()
    for var, _, _, tot in out[1:]:
        if abs(tot.sum() - first) > 1e-6 * first:
            raise MarginError(
                f"margins disagree on the total: {out[0][0]} sums to {first:,.2f}, {var} to {tot.sum():,.2f}"
            )
    # align every margin on the first one's total (differences below 1e-6 are rounding)
    return [(v, k, p, t * (first / t.sum()) if t.sum() > 0 else t) for v, k, p, t in out]


def _solve_category(d, eta, lo, hi, target) -> float:
    """delta such that sum d * clip(exp(eta + delta), lo, hi) = target, exactly (piecewise solve).

    The left side is continuous and non-decreasing in delta; between two consecutive breakpoints
    (where a unit reaches a bound) the set of free units is fixed and the equation is solved in
    closed form. The caller has checked that target is within [sum d lo, sum d hi].
    """
    fixed = lo >= hi
    base = float(np.dot(d[fixed], lo[fixed]))
    d, eta, lo, hi = d[~fixed], eta[~fixed], lo[~fixed], hi[~fixed]
    target = target - base
    if d.size == 0:
        return 0.0
    with np.errstate(divide="ignore"):
        a = np.log(lo) - eta  # delta <= a: unit at lo (-inf when lo = 0)
    b = np.log(hi) - eta  # delta >= b: unit at hi (+inf when hi = inf)
    e = d * np.exp(eta)
    ia, ib = np.argsort(a, kind="stable"), np.argsort(b, kind="stable")
    a_s, b_s = a[ia], b[ib]
    cum_dlo = np.concatenate([[0.0], np.cumsum((d * lo)[ia])])
    cum_ea = np.concatenate([[0.0], np.cumsum(e[ia])])
    cum_dhi = np.concatenate([[0.0], np.cumsum(np.where(np.isfinite(hi), d * hi, 0.0)[ib])])
    cum_eb = np.concatenate([[0.0], np.cumsum(e[ib])])

    def parts(t):
        na = np.searchsorted(a_s, t, side="left")  # units with a < t: not at lo
        nb = np.searchsorted(b_s, t, side="right")  # units with b <= t: at hi
        lo_part = cum_dlo[-1] - cum_dlo[na]
        hi_part = cum_dhi[nb]
        free = np.maximum(cum_ea[na] - cum_eb[nb], 0.0)
        return lo_part, hi_part, free

    ts = np.unique(np.concatenate([a[np.isfinite(a)], b[np.isfinite(b)]]))
    if ts.size == 0:  # no finite bound: plain raking factor
        return math.log(target / e.sum())
    lp, hp, fr = parts(ts)
    f_at = np.maximum.accumulate(lp + hp + fr * np.exp(ts))  # F at the breakpoints (monotone)
    k = int(np.searchsorted(f_at, target, side="left"))  # first breakpoint with F >= target
    if k == 0:
        t_mid, left, right = ts[0] - 1.0, -np.inf, ts[0]
    elif k == ts.size:
        t_mid, left, right = ts[-1] + 1.0, ts[-1], np.inf
    else:
        t_mid, left, right = (ts[k - 1] + ts[k]) / 2.0, ts[k - 1], ts[k]
    # on (left, right) the units at lo, at hi and free are fixed: solve in closed form, with
    # direct sums (no difference of cumulated sums, which would lose precision)
    at_lo, at_hi = a >= t_mid, b <= t_mid
    free = ~(at_lo | at_hi)
    fr = float(e[free].sum())
    rest = target - float(np.dot(d[at_lo], lo[at_lo])) - float(np.dot(d[at_hi], hi[at_hi]))
    if fr <= 0 or rest <= 0:  # flat segment: F is constant there (= target up to rounding)
        return float(right if np.isfinite(right) else left)
    delta = math.log(rest / fr)
    return float(min(max(delta, left), right))


def _margin_errors(w, margins) -> tuple[float, tuple[str, int] | None]:
    """Largest relative gap |achieved - target| / target over all categories, and where."""
    worst, where = 0.0, None
    for var, keys, pos, tot in margins:
        s = np.bincount(pos, weights=w, minlength=len(keys))
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(tot > 0, np.abs(s - tot) / tot, np.abs(s))
        j = int(np.argmax(rel))
        if rel[j] > worst or where is None:
            worst, where = float(rel[j]), (var, int(keys[j]))
    return worst, where


def rake(
    weights,
    categories: dict[str, np.ndarray],
    targets: dict[str, dict[int, float]],
    bounds=None,
    max_iter: int = 100,
    tol: float = 1e-8,
    start_g=None,
) -> RakeResult:
    """Rake design `weights` so that their totals by category meet the population `targets`.

    `categories` maps each margin variable to the integer category of every respondent;
    `targets` maps it to ``{category: population total}`` (all margins must have the same
    total). Without `bounds`, this is classical raking (iterative proportional fitting). With
    ``bounds=(lo, hi)`` (scalars or per-respondent arrays) the adjustment factors g = raked /
    design stay within [lo, hi]: bounded raking, exact per category (see module docstring).
    `start_g` optionally warm-starts the factors. Stops when the largest relative margin gap is
    <= `tol`, or after `max_iter` sweeps with ``converged=False`` and a message naming the worst
    margin. Raises :class:`MarginError` when a margin cannot be met at all (a category with a
    positive target and no respondent, a category without target, margins with different totals,
    a target out of reach of the bounds).
    """
    d = np.asarray(weights, dtype=float)
    if d.ndim != 1 or d.size == 0:
        raise MarginError("weights must be a non-empty one-dimensional array")
    if not (np.isfinite(d).all() and (d > 0).all()):
        raise MarginError("design weights must be finite and > 0")
    n = d.size
    margins = _index_margins(n, categories, targets)
    if bounds is None:
        lo, hi = np.zeros(n), np.full(n, np.inf)
    else:
        lo = np.broadcast_to(np.asarray(bounds[0], dtype=float), (n,)).copy()
        hi = np.broadcast_to(np.asarray(bounds[1], dtype=float), (n,)).copy()
        if (lo < 0).any() or (hi < lo).any() or np.isnan(lo).any() or np.isnan(hi).any():
            raise MarginError("bounds must satisfy 0 <= lo <= hi")
    bounded = bool((lo > 0).any() or np.isfinite(hi).any())
    for var, keys, pos, tot in margins:
        reach_lo = np.bincount(pos, weights=d * lo, minlength=len(keys))
        reach_hi = np.bincount(pos, weights=d * hi, minlength=len(keys))  # inf when some hi is inf
        dsum = np.bincount(pos, weights=d, minlength=len(keys))
        for j, k in enumerate(keys.tolist()):
            if tot[j] < reach_lo[j] * (1 - 1e-12) or tot[j] > reach_hi[j] * (1 + 1e-12):
                count = int((pos == j).sum())
                raise MarginError(
                    f"margin {var} = {k} cannot be met within the bounds: its target {tot[j]:,.1f} is "
                    f"{tot[j] / dsum[j]:.3f} times the design weight of its {count} respondent(s), but the bounds "
                    f"on their adjustment factors allow {reach_lo[j] / dsum[j]:.3f} to {reach_hi[j] / dsum[j]:.3f}"
                )

    if start_g is None:
        eta = np.zeros(n)
    else:
        eta = np.log(np.clip(np.asarray(start_g, dtype=float), 1e-300, None))
    with np.errstate(divide="ignore"):
        eta_min = np.where(lo > 0, np.log(np.maximum(lo, 1e-300)) - _LATENT_SLACK, -np.inf)
    eta_max = np.where(np.isfinite(hi), np.log(np.where(np.isfinite(hi), hi, 1.0)) + _LATENT_SLACK, np.inf)

    def factors(eta):
        return np.clip(np.exp(eta), lo, hi) if bounded else np.exp(eta)

    g = factors(eta)
    err, worst = _margin_errors(d * g, margins)
    it = 0
    while err > tol and it < max_iter:
        it += 1
        for _, keys, pos, tot in margins:
            s = np.bincount(pos, weights=d * g, minlength=len(keys))
            step = np.log(tot / s)
            if not bounded:
                eta += step[pos]
                g = np.exp(eta)
                continue
            trial = eta + step[pos]
            raw_now, raw_next = np.exp(eta), np.exp(trial)
            clipped = (raw_now < lo) | (raw_now > hi) | (raw_next < lo) | (raw_next > hi)
            exact = np.bincount(pos, weights=clipped, minlength=len(keys)) > 0
            eta = trial
            for j in np.flatnonzero(exact):
                members = pos == j
                eta_j = eta[members] - step[j]  # back to before this step
                delta = _solve_category(d[members], eta_j, lo[members], hi[members], tot[j])
                eta[members] = eta_j + delta
            eta = np.clip(eta, eta_min, eta_max)
            g = factors(eta)
        err, worst = _margin_errors(d * g, margins)
    converged = err <= tol
    if converged:
        message = f"converged in {it} sweep(s), largest relative margin gap {err:.2e}"
    else:
        message = (
            f"raking did not converge in {max_iter} sweep(s): margin {worst[0]} = {worst[1]} is still "
            f"{err:.2e} (relative) from its target"
            + (" (the bounds may be too narrow for these margins)" if bounded else "")
        )
    return RakeResult(
        weights=d * g, g=g, iterations=it, converged=converged, max_margin_error=err, message=message, worst=worst
    )


def trim(weights, max_ratio: float, max_iter: int = 1000) -> np.ndarray:
    """Cap weights at `max_ratio` x their mean, spreading the excess so the total is unchanged.

    The weights above the cap are set to it and the others are scaled up proportionally to
    keep the sum; as that may push new weights over the cap (the cap itself does not move: the
    mean is preserved), it repeats until none exceeds it. Needs max_ratio >= 1 (a cap below
    the mean cannot keep the total).
    """
    w = np.asarray(weights, dtype=float).copy()
    if w.size == 0:
        return w
    if not max_ratio >= 1:
        raise ValueError(f"trim: max_ratio must be >= 1, got {max_ratio}")
    total = float(w.sum())
    cap = max_ratio * total / w.size
    capped = np.zeros(w.size, dtype=bool)
    for _ in range(max_iter):
        over = (w > cap) & ~capped
        if not over.any():
            break
        capped |= over
        w[capped] = cap
        free_sum = float(w[~capped].sum())
        if free_sum <= 0:
            break
        w[~capped] *= (total - cap * capped.sum()) / free_sum
    return w


def calibrate(
    weights, categories: dict[str, np.ndarray], targets: dict[str, dict[int, float]], options: dict | None = None
) -> RakeResult:
    """Bounded raking + trimming with the `options` of config.yaml's `raking` section.

    Rakes within `bounds`; then, while some raked weight exceeds ``trim_max_ratio`` x the mean
    weight, trims (:func:`trim`) and rakes again with every unit the trimming capped held at
    the cap (its upper bound becomes cap / design weight), at most ``trim_rounds`` rounds. The
    mean raked weight is fixed by the targets (total / n), so the cap is the same every round.
    Raises :class:`NotConvergedError` (with the worst margin or the excess over the cap) when the
    result does not meet margins, bounds and cap; :class:`MarginError` when a margin is
    impossible.
    """
    opts = calibration_options(options)
    d = np.asarray(weights, dtype=float)
    n = d.size
    if opts["bounds"] is None:
        lo, hi = np.zeros(n), np.full(n, np.inf)
    else:
        lo, hi = np.full(n, opts["bounds"][0]), np.full(n, opts["bounds"][1])
    bounds = None if opts["bounds"] is None else (lo, hi)
    res = rake(d, categories, targets, bounds, int(opts["max_iter"]), float(opts["tolerance"]))
    if not res.converged:
        raise NotConvergedError(res.message)
    ratio = opts["trim_max_ratio"]
    rounds, held = 0, np.zeros(n, dtype=bool)
    cap = None
    if ratio is not None:
        ratio = float(ratio)
        cap = ratio * float(res.weights.mean())
        while res.weights.max() > cap * (1 + 1e-9):
            if rounds >= int(opts["trim_rounds"]):
                raise NotConvergedError(
                    f"trimming did not converge in {rounds} round(s): the largest raked weight is still "
                    f"{res.weights.max() / res.weights.mean():.3f} x the mean (cap {ratio:g}); the margins "
                    f"may need weights that large: raise trim_max_ratio or widen the bounds"
                )
            rounds += 1
            trimmed = trim(res.weights, ratio)
            held |= trimmed >= cap * (1 - 1e-12)
            hi = hi.copy()
            hi[held] = np.maximum(np.minimum(hi[held], cap / d[held]), lo[held])
            try:
                res = rake(
                    d, categories, targets, (lo, hi), int(opts["max_iter"]), float(opts["tolerance"]), start_g=res.g
                )
            except MarginError as exc:
                raise NotConvergedError(
                    f"{exc} once the weights are capped at {ratio:g} x the mean weight; raise trim_max_ratio"
                ) from None
            if not res.converged:
                raise NotConvergedError(res.message + f" after trimming at {ratio:g} x the mean weight")
    res.trim_rounds, res.n_trimmed, res.cap = rounds, int(held.sum()), cap
    return res
