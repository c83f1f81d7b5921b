"""Variance-based sensitivity analysis (Sobol indices) with the Saltelli sampling design.

A model Y = f(X_1, ..., X_k) of k independent factors, each factor a block of one or more
uniform [0, 1) columns that are always swapped together (a *group*, e.g. one weight per
indicator forms the factor "weights"). The design draws two independent n x d matrices A and B
(d = total number of columns) and, for every factor j, the matrix A_B^(j): A with the columns of
factor j taken from B. The model is evaluated on A, B and the k matrices A_B^(j), n (k + 2)
evaluations in all.

With V = Var(Y) estimated on the 2n values f(A), f(B), the estimators are

* first order (Saltelli et al. 2010, the estimator they recommend for S_j):
  S_j = (1/n) sum_i f(B)_i (f(A_B^(j))_i - f(A)_i) / V
  -- the share of Var(Y) explained by factor j alone, V[E(Y | X_j)] / V;
* total effect (Jansen 1999, recommended for ST_j by Saltelli et al. 2010):
  ST_j = (1/2n) sum_i (f(A)_i - f(A_B^(j))_i)^2 / V
  -- the expected share left when all factors but j are fixed, E[V(Y | X_~j)] / V, i.e. j's
  effect including all its interactions.

ST_j >= S_j in theory (the estimators can cross by sampling noise), S_j = ST_j for an additive
model, and ST_j = 0 (exactly, with these estimators) when Y does not depend on factor j.
The outputs are centred on their mean before estimation (a constant added to Y changes no index
in expectation, but inflates the variance of the first-order estimator by mean(Y)^2; SALib does
the same by standardising Y). Confidence intervals come from a seeded bootstrap over the n rows
(the same resampled rows for f(A), f(B) and every f(A_B^(j)), V re-estimated each time),
percentile method.

References: A. Saltelli, P. Annoni, I. Azzini, F. Campolongo, M. Ratto, S. Tarantola (2010),
"Variance based sensitivity analysis of model output. Design and estimator for the total
sensitivity index", Computer Physics Communications 181, 259-270. M.J.W. Jansen (1999),
"Analysis of variance designs for model output", Computer Physics Communications 117, 35-43.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

COLUMNS = [
    "choice",
    "first_order",
    "total",
    "first_order_ci_low",
    "first_order_ci_high",
    "total_ci_low",
    "total_ci_high",
]

Seed = int | Sequence[int] | np.random.SeedSequence


def saltelli_matrices(n: int, groups: Mapping[str, int], seed: Seed) -> tuple[np.ndarray, np.ndarray, dict[str, slice]]:
    """Two independent n x d uniform [0, 1) matrices A and B, and each factor's column slice.

    `groups` maps factor name -> number of columns, in column order (d = the sum). The draws are
    a function of (n, groups, seed) only: the same arguments give the same matrices.
    """
    if n < 2:
        raise ValueError(f"saltelli_matrices: n must be at least 2, got {n}")
    slices, start = {}, 0
    for name, width in groups.items():
        if width < 1:
            raise ValueError(f"saltelli_matrices: factor {name!r} has {width} columns")
        slices[name] = slice(start, start + int(width))
        start += int(width)
    rng = np.random.default_rng(seed)
    ab = rng.random((n, 2 * start))
    return ab[:, :start].copy(), ab[:, start:].copy(), slices


def ab_matrix(a: np.ndarray, b: np.ndarray, columns: slice) -> np.ndarray:
    """A_B^(j): the matrix A with the columns of one factor taken from B."""
    out = a.copy()
    out[:, columns] = b[:, columns]
    return out


def _estimates(fa: np.ndarray, fb: np.ndarray, fab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-order and total indices along the last axis (rows); fab has a leading factor axis.

    The outputs are first centred on the mean of f(A) and f(B): the estimators are unchanged in
    expectation, but the first-order one no longer carries the variance of mean(Y) x (f(A_B) - f(A)),
    which dominates when |mean(Y)| is large against its SD.
    """
    centre = np.mean(np.concatenate([fa, fb], axis=-1), axis=-1, keepdims=True)
    fa, fb, fab = fa - centre, fb - centre, fab - centre[..., None, :]
    var = np.var(np.concatenate([fa, fb], axis=-1), axis=-1)
    first = np.mean(fb[..., None, :] * (fab - fa[..., None, :]), axis=-1)
    total = 0.5 * np.mean((fa[..., None, :] - fab) ** 2, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        first = np.where(var[..., None] > 0, first / var[..., None], 0.0)
        total = np.where(var[..., None] > 0, total / var[..., None], 0.0)
    return first, total


def _bootstrap(
    fa: np.ndarray, fb: np.ndarray, fab: np.ndarray, n_bootstrap: int, seed: Seed, max_values: int = 2_000_000
) -> tuple[np.ndarray, np.ndarray]:
    """The indices re-estimated on `n_bootstrap` resamples of the rows (in chunks to bound memory)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(fa), size=(n_bootstrap, len(fa)))
    chunk = max(1, max_values // max(1, len(fa) * (len(fab) + 2)))
    firsts, totals = [], []
    for start in range(0, n_bootstrap, chunk):
        i = idx[start : start + chunk]
        f, t = _estimates(fa[i], fb[i], np.moveaxis(fab[:, i], 0, 1))
        firsts.append(f)
        totals.append(t)
    return np.concatenate(firsts), np.concatenate(totals)


def sobol_indices(
    f_a: np.ndarray,
    f_b: np.ndarray,
    f_ab: Mapping[str, np.ndarray],
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: Seed = 0,
) -> pd.DataFrame:
    """One row per factor: first-order (Saltelli 2010) and total (Jansen) indices with bootstrap CIs.

    `f_a`, `f_b` are the n model outputs on A and B, `f_ab[name]` those on A_B^(name). When Y has
    no variance at all every index is 0.
    """
    fa, fb = np.asarray(f_a, dtype=float), np.asarray(f_b, dtype=float)
    names = list(f_ab)
    fab = np.stack([np.asarray(f_ab[k], dtype=float) for k in names]) if names else np.empty((0, len(fa)))
    if fa.shape != fb.shape or fab.shape[1:] != fa.shape:
        raise ValueError("sobol_indices: f_a, f_b and every f_ab must have the same length")
    first, total = _estimates(fa, fb, fab)
    b_first, b_total = _bootstrap(fa, fb, fab, n_bootstrap, seed)
    lo, hi = (1 - confidence) / 2, 1 - (1 - confidence) / 2
    return pd.DataFrame(
        {
            "choice": names,
            "first_order": first,
            "total": total,
            "first_order_ci_low": np.quantile(b_first, lo, axis=0),
            "first_order_ci_high": np.quantile(b_first, hi, axis=0),
            "total_ci_low": np.quantile(b_total, lo, axis=0),
            "total_ci_high": np.quantile(b_total, hi, axis=0),
        },
        columns=COLUMNS,
    )


def sobol_analysis(model, n: int, groups: Mapping[str, int], seed: Seed, n_bootstrap: int = 1000) -> pd.DataFrame:
    """Sobol indices of a vectorised `model` (rows of uniform columns -> one output per row).

    The convenience path for a model of the unit hypercube: draws the Saltelli matrices, evaluates
    A, B and every A_B^(j) in one call, and estimates the indices.
    """
    a, b, slices = saltelli_matrices(n, groups, seed)
    stacked = np.vstack([a, b] + [ab_matrix(a, b, s) for s in slices.values()])
    y = np.asarray(model(stacked), dtype=float)
    parts = np.split(y, 2 + len(slices))
    return sobol_indices(
        parts[0], parts[1], dict(zip(slices, parts[2:], strict=True)), n_bootstrap=n_bootstrap, seed=seed
    )
