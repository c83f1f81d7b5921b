"""Synthetic survey microdata: IMPACT-Citoyens (inhabitants) and PHARE (organisations).

Design (inhabitants): strata = region × urban/rural (communes of 2,000 inhabitants or more
are urban; a region whose rural population would get fewer than 12 respondents under
proportional allocation has a single stratum ``<region>-U``), sample allocated to strata in
proportion to population, primary sampling units (``grappe``) of 6-10 respondents drawn in the
départements with probability proportional to the stratum population (systematic PPS), at
least two PSUs per stratum. Weights = stratum adult population (80 % of the municipal
population) / respondents, times an age × sex non-response correction and a log-normal
non-response factor, rescaled within strata; the ratio max/min within a region is capped at 6.

Design (organisations): strata = region × type of actor, no clusters; weights sum to the
number of organisations represented (associations and companies in proportion to population,
mayors = number of communes).

Answers are drawn around regional targets (a respondent effect plus item noise, rounded and
clipped), with 3 % of "ne sait pas" (99 for scores, 9 for agreement items). Then **exact
calibration** (:func:`calibrate`): individual answers are nudged by ±1 (0/1 flipped, agree /
disagree swapped 2 <-> 3) on randomly chosen respondents until each weighted estimate is within
0.4 × tolerance of its target — PACA first, then every other region on its own target, then
France on the respondents outside PACA, so that PACA and France both hit the published figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import profiles as P
from .geo import Geo

URBAN_THRESHOLD = 2000
MIN_STRATUM = 12
PSU_MIN, PSU_MAX, PSU_MEAN = 6, 10, 8
MAX_WEIGHT_RATIO = 6.0
MISSING_SCORE, MISSING_AGREE = 99, 9
P_MISSING = 0.03
AGREE = ["devoir_alliance", "alliance_innovation", "engagement_suffisant"]

AGE_SAMPLE = {
    "metro": [0.08, 0.14, 0.25, 0.27, 0.26],
    "overseas": [0.11, 0.16, 0.28, 0.25, 0.20],
    "06": [0.20, 0.26, 0.30, 0.16, 0.08],
}
AGE_POP = {
    "metro": [0.105, 0.145, 0.245, 0.245, 0.26],
    "overseas": [0.12, 0.14, 0.26, 0.26, 0.22],
    "06": [0.22, 0.27, 0.30, 0.15, 0.06],
}
P_WOMAN_SAMPLE, P_WOMAN_POP = 0.54, 0.52


def _key(region: str) -> int:
    return int(region)


def _age_key(region: str) -> str:
    return region if region == P.MAYOTTE_REGION else ("overseas" if region in P.OVERSEAS else "metro")


# ------------------------------------------------------------------------------------------
# calibration
# ------------------------------------------------------------------------------------------


def calibrate(
    v: np.ndarray,
    w: np.ndarray,
    est: np.ndarray,
    pool: np.ndarray,
    target: float,
    tol: float,
    lo: int,
    hi: int,
    rng: np.random.Generator,
) -> bool:
    """Nudge ``v[pool]`` by ±1 within [lo, hi] until the weighted mean of ``v[est]`` is within
    `tol` of `target`. `est` and `pool` are index arrays (`pool` ⊆ `est`). Returns success.

    Moves: a random prefix of movable respondents whose cumulated weight does not overshoot,
    then single respondents small enough for the rest, then, if needed, one pair of opposite
    moves whose weight difference fits the residual.
    """
    W = w[est].sum()
    if W <= 0 or len(pool) == 0:
        return False
    need = target * W - float(np.dot(w[est], v[est]))
    eps = tol * W
    for _ in range(200):
        if abs(need) <= eps:
            return True
        s = 1 if need > 0 else -1
        movable = pool[v[pool] < hi] if s > 0 else pool[v[pool] > lo]
        if len(movable) == 0:
            return False
        order = rng.permutation(movable)
        cw = np.cumsum(w[order])
        k = int(np.searchsorted(cw, abs(need) + eps, side="right"))
        if k > 0:
            v[order[:k]] += s
            need -= s * cw[k - 1]
            if k == len(order):
                continue
        rest = order[k:]
        while abs(need) > eps:
            fit = rest[w[rest] <= abs(need) + eps]
            if len(fit) == 0:
                break
            i = fit[0]
            v[i] += s
            need -= s * w[i]
            rest = rest[rest != i]
        if abs(need) <= eps:
            return True
        if np.sign(need) != s:
            continue
        # pair: i moves by s, j by -s, with w_i - w_j within eps of |need|
        up = pool[v[pool] < hi] if s > 0 else pool[v[pool] > lo]
        down = pool[v[pool] > lo] if s > 0 else pool[v[pool] < hi]
        if len(up) == 0 or len(down) == 0:
            return False
        up = rng.permutation(up)
        ds = down[np.argsort(w[down], kind="stable")]
        wd = w[ds]
        r = abs(need)
        lo_b = np.searchsorted(wd, w[up] - r - eps, side="left")
        hi_b = np.searchsorted(wd, w[up] - r + eps, side="right")
        ok = np.flatnonzero(hi_b > lo_b)
        done = False
        for a in ok:
            for b in range(lo_b[a], hi_b[a]):
                if ds[b] != up[a]:
                    i, j = up[a], ds[b]
                    v[i] += s
                    v[j] -= s
                    need -= s * (w[i] - w[j])
                    done = True
                    break
            if done:
                break
        if not done:
            return abs(need) <= eps
    return abs(need) <= eps


def _calibrate_mean(
    x: np.ndarray, w: np.ndarray, members: np.ndarray, pool: np.ndarray, target: float, tol: float, rng, kind: str
) -> None:
    """Calibrate one measure in place. kind: mean (0-10, 99 missing), agree (1-4, 9), share (0/1, -1 = not asked)."""
    if kind == "mean":
        valid = x != MISSING_SCORE
        calibrate(x, w, members[valid[members]], pool[valid[pool]], target, tol, 0, 10, rng)
    elif kind == "agree":
        valid = x != MISSING_AGREE
        y = ((x <= 2) & valid).astype(np.int64)
        before = y.copy()
        calibrate(y, w, members[valid[members]], pool[valid[pool]], target, tol, 0, 1, rng)
        x[(before == 1) & (y == 0)] = 3
        x[(before == 0) & (y == 1)] = 2
    else:
        valid = x >= 0
        calibrate(x, w, members[valid[members]], pool[valid[pool]], target, tol, 0, 1, rng)


def calibrate_group(
    df: pd.DataFrame,
    measures: dict[str, str],
    targets: dict[str, dict[str, float]],
    france: dict[str, float],
    rng: np.random.Generator,
    regions: list[str],
    weights: np.ndarray | None = None,
) -> None:
    """PACA, then each other region, then France (respondents outside PACA) — in place.

    `targets[region][measure]`; `france[measure]`; measures: column -> kind. `weights`: the
    weights the pipeline estimates with (default: the design weights `poids`).
    """
    w = df["poids"].to_numpy(dtype=float) if weights is None else np.asarray(weights, dtype=float)
    reg = df["code_region"].to_numpy()
    everyone = np.arange(len(df))
    order = ([P.PACA] if P.PACA in regions else []) + [r for r in regions if r != P.PACA]
    for col, kind in measures.items():
        x = df[col].to_numpy(dtype=np.int64).copy()
        tol = (P.TOL_MEAN if kind == "mean" else P.TOL_SHARE) * 0.4
        for r in order:
            idx = np.flatnonzero(reg == r)
            if col in targets.get(r, {}):
                _calibrate_mean(x, w, idx, idx, targets[r][col], tol, rng, kind)
        if col in france:
            pool = np.flatnonzero(reg != P.PACA) if P.PACA in regions else everyone
            _calibrate_mean(x, w, everyone, pool, france[col], tol, rng, kind)
        df[col] = x


# ------------------------------------------------------------------------------------------
# targets of the regions
# ------------------------------------------------------------------------------------------


def _centre(
    base: dict[str, float], fixed: dict[str, float], weights: dict[str, float], france: float, lo: float, hi: float
) -> dict[str, float]:
    """Shift the free regions' targets so that the weighted mean over all regions is `france`."""
    free = [r for r in base if r not in fixed]
    tot = sum(weights.values())
    got = sum(weights[r] * fixed[r] for r in fixed) + sum(weights[r] * base[r] for r in free)
    wf = sum(weights[r] for r in free)
    delta = (france * tot - got) / wf if wf > 0 else 0.0
    out = {r: float(np.clip(base[r] + delta, lo, hi)) for r in free}
    out.update(fixed)
    return out


def region_targets(
    regions: list[str],
    weights: dict[str, float],
    paca: dict[str, float],
    france: dict[str, float],
    shifts: dict[str, dict[str, float]],
    jitter: dict[str, float],
    rng: np.random.Generator,
    bounds: dict[str, tuple[float, float]],
) -> dict[str, dict[str, float]]:
    """Per-region targets: France + structural shift + small random deviation, centred on France."""
    out: dict[str, dict[str, float]] = {r: {} for r in regions}
    for m, t_fr in france.items():
        base = {r: t_fr + shifts.get(r, {}).get(m, 0.0) + float(rng.uniform(-1, 1)) * jitter[m] for r in regions}
        fixed = {P.PACA: paca[m]} if (P.PACA in regions and m in paca) else {}
        lo, hi = bounds[m]
        for r, t in _centre(base, fixed, weights, t_fr, lo, hi).items():
            out[r][m] = t
    return out


# ------------------------------------------------------------------------------------------
# answers
# ------------------------------------------------------------------------------------------


def _scores(
    rng,
    n: int,
    targets: dict[str, float],
    w: np.ndarray,
    respondent_sd: float = 0.9,
    item_sd: float = 1.9,
    shift: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """0-10 scores: target + respondent effect + item noise, rounded and clipped, 3 % of 99.

    The location is solved (bisection on the same random numbers) so that the weighted mean of
    the rounded, clipped answers is already close to the target: calibration then only has to
    correct sampling noise.
    """
    a = rng.normal(0.0, respondent_sd, n)
    out = {}
    for d in P.DOMAINS:
        z = a + (shift[d] if shift and d in shift else 0.0) + rng.normal(0.0, item_sd, n)
        missing = rng.random(n) < P_MISSING
        wv = w[~missing]
        lo, hi = targets[d] - 5.0, targets[d] + 5.0
        for _ in range(30):
            c = 0.5 * (lo + hi)
            m = np.dot(wv, np.clip(np.rint(c + z[~missing]), 0, 10)) / wv.sum()
            lo, hi = (c, hi) if m < targets[d] else (lo, c)
        x = np.clip(np.rint(0.5 * (lo + hi) + z), 0, 10).astype(np.int64)
        x[missing] = MISSING_SCORE
        out[f"fragilite_{d}"] = x
    return out


def _agree(rng, n: int, p: float) -> np.ndarray:
    probs = np.array([0.5 * p, 0.5 * p, 0.62 * (1 - p), 0.38 * (1 - p)])
    x = 1 + np.searchsorted(np.cumsum(probs), rng.random(n) * probs.sum(), side="right")
    x = np.minimum(x, 4).astype(np.int64)
    x[rng.random(n) < P_MISSING] = MISSING_AGREE
    return x


def _cooperation(rng, n: int, shares: dict[str, float], boost: np.ndarray | None = None) -> np.ndarray:
    """n × 16 matrix of 0/1 with 1 to 3 ones per row; inclusion shares close to `shares`.

    Gumbel top-k sampling; the log-weights are adjusted by a fixed-point iteration on the same
    random numbers so that the realised shares match the targets.
    """
    target = np.array([shares[d] for d in P.DOMAINS])
    # number of domains cited: P(1) = 0.25 and mean = sum of the target shares
    p3 = float(np.clip(target.sum() - 2 + 0.25, 0.0, 0.75))
    k = 1 + np.searchsorted(np.cumsum([0.25, 0.75 - p3, p3]), rng.random(n), side="right")
    k = np.minimum(k, 3).astype(np.int64)
    gumbel = -np.log(-np.log(rng.random((n, len(target)))))
    logw = np.log(target)
    for _ in range(25):
        keys = logw + gumbel + (boost if boost is not None else 0.0)
        rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
        sel = rank < k[:, None]
        got = np.maximum(sel.mean(axis=0), 1e-4)
        logw = logw + 0.8 * (np.log(target) - np.log(got))
    keys = logw + gumbel + (boost if boost is not None else 0.0)
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    return (rank < k[:, None]).astype(np.int64)


# ------------------------------------------------------------------------------------------
# inhabitants
# ------------------------------------------------------------------------------------------


def citizen_sizes(geo: Geo, regions: list[str], per_region: int | None) -> dict[str, int]:
    if per_region:
        return {r: int(per_region) for r in regions}
    metro = geo.regions[~geo.regions["code"].isin(P.OVERSEAS)]
    tot = metro["pop"].sum()
    out = {}
    for r, p in zip(geo.regions["code"], geo.regions["pop"], strict=True):
        if r in regions:
            out[r] = (
                P.HAB_OVERSEAS_N[r] if r in P.OVERSEAS else P.HAB_METRO_BASE + int(round(P.HAB_METRO_PROP * p / tot))
            )
    return out


def _psu_sizes(rng, n: int) -> np.ndarray:
    k = max(2, int(round(n / PSU_MEAN)))
    sizes = np.full(k, n // k)
    sizes[rng.permutation(k)[: n % k]] += 1
    for _ in range(2 * k):
        i, j = rng.integers(0, k, 2)
        if i != j and sizes[i] < PSU_MAX and sizes[j] > PSU_MIN:
            sizes[i] += 1
            sizes[j] -= 1
    return sizes


def _cap_ratio(w: np.ndarray, strata: np.ndarray, totals: dict[str, float]) -> np.ndarray:
    """Rescale within strata to their totals, capping the ratio max/min of the region's weights."""
    for _ in range(20):
        for s, t in totals.items():
            m = strata == s
            w[m] *= t / w[m].sum()
        if w.max() / w.min() <= MAX_WEIGHT_RATIO * 0.98:
            break
        mid = np.sqrt(w.max() * w.min())
        lim = np.sqrt(MAX_WEIGHT_RATIO * 0.95)
        w = np.clip(w, mid / lim, mid * lim)
    return w


def raked_citizen_weights(df: pd.DataFrame, population: pd.DataFrame, geo: Geo) -> np.ndarray:
    """The inhabitants' weights raked as the pipeline rakes them with config.yaml's defaults
    (`weighting: raked`, :func:`impact_regions.survey_weights.build_survey_weights`), in `df`'s row order.

    The published figures are calibrated with these weights, so that the reports computed with
    the default configuration reproduce them; `weighting: given` then gives slightly different
    figures, as it would on real data."""
    from ..survey_weights import build_survey_weights

    resp = pd.DataFrame(
        {
            "file_id": "citoyens",
            "respondent_id": df["id_repondant"].astype(str),
            "respondent_group": "habitants",
            "region_code": df["code_region"].astype(str),
            "departement_code": df["code_departement"].astype(str),
            "weight": df["poids"].astype(float),
            "sexe": df["sexe"].astype(float),
            "tranche_age": df["tranche_age"].astype(float),
        }
    )
    deps = geo.departements
    regions = pd.DataFrame(
        {"territory_code": deps["reg"].astype(str), "departement_code": deps["code"].astype(str), "kind": "region"}
    )
    regions = regions[regions["departement_code"].isin(set(population["departement_code"]))]
    weights, _, _ = build_survey_weights(resp, population, regions, None)
    merged = resp[["respondent_id"]].merge(
        weights[["respondent_id", "weight_raked"]], on="respondent_id", how="left", validate="one_to_one"
    )
    assert merged["weight_raked"].notna().all(), "every inhabitant gets a raked weight"
    return merged["weight_raked"].to_numpy(dtype=float)


def generate_citizens(
    geo: Geo, seed: int, regions: list[str], per_region: int | None = None, population: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The inhabitants' file; with `population` (read by impact_regions.population), answers are
    calibrated with the raked weights (:func:`raked_citizen_weights`), else with `poids`."""
    sizes = citizen_sizes(geo, regions, per_region)
    com = geo.communes
    adults = {
        r: P.ADULT_SHARE * p for r, p in zip(geo.regions["code"], geo.regions["pop"], strict=True) if r in regions
    }
    t_rng = np.random.default_rng([seed, 20])
    frag_targets = region_targets(
        regions,
        adults,
        P.HAB_FRAG_PACA,
        P.HAB_FRAG_FR,
        P.HAB_FRAG_REGION_SHIFTS,
        {f"{d}": 0.22 for d in P.DOMAINS},
        t_rng,
        {d: (1.0, 9.0) for d in P.DOMAINS},
    )
    agree_targets = region_targets(
        regions,
        adults,
        P.HAB_AGREE_PACA,
        P.HAB_AGREE_FR,
        {},
        {m: 0.035 for m in AGREE},
        t_rng,
        {m: (0.05, 0.95) for m in AGREE},
    )
    parts = []
    for r in regions:
        rng = np.random.default_rng([seed, 2, _key(r)])
        n = sizes[r]
        cr = com[com["reg"] == r]
        urban = cr["pop"].to_numpy() >= URBAN_THRESHOLD
        pop_u, pop_r = cr["pop"][urban].sum(), cr["pop"][~urban].sum()
        n_r = int(round(n * pop_r / (pop_u + pop_r)))
        if n_r < MIN_STRATUM or pop_u == 0:
            if pop_u == 0:
                strata = {"R": (cr, n)}
            else:
                strata = {"U": (cr, n)}
        else:
            strata = {"U": (cr[urban], n - n_r), "R": (cr[~urban], n_r)}
        rows = []
        for s, (cs, ns) in strata.items():
            dpop = cs.groupby("dep")["pop"].sum().sort_index()
            dpop = dpop[dpop > 0]
            psz = _psu_sizes(rng, ns)
            cum = np.cumsum(dpop.to_numpy()) / dpop.sum()
            pos = (rng.random() + np.arange(len(psz))) / len(psz)
            deps = dpop.index.to_numpy()[np.minimum(np.searchsorted(cum, pos, side="right"), len(dpop) - 1)]
            for k, (size, d) in enumerate(zip(psz, deps, strict=True)):
                rows += [(f"{r}-{s}", f"{r}-{s}-{k + 1:03d}", d)] * int(size)
        frame = pd.DataFrame(rows, columns=["strate", "grappe", "code_departement"])
        frame.insert(0, "code_region", r)
        ak = _age_key(r)
        age = 1 + np.searchsorted(np.cumsum(AGE_SAMPLE[ak]), rng.random(n) * sum(AGE_SAMPLE[ak]), side="right")
        age = np.minimum(age, 5).astype(np.int64)
        sexe = np.where(rng.random(n) < P_WOMAN_SAMPLE, 2, 1).astype(np.int64)
        frame["sexe"], frame["tranche_age"] = sexe, age
        f_age = (np.array(AGE_POP[ak]) / np.array(AGE_SAMPLE[ak]))[age - 1]
        f_sex = np.where(sexe == 2, P_WOMAN_POP / P_WOMAN_SAMPLE, (1 - P_WOMAN_POP) / (1 - P_WOMAN_SAMPLE))
        noise = np.exp(np.clip(rng.normal(0, 0.3, n), -0.6, 0.6))
        totals = {f"{r}-{s}": P.ADULT_SHARE * cs["pop"].sum() for s, (cs, _) in strata.items()}
        frame["poids"] = _cap_ratio(f_age * f_sex * noise, frame["strate"].to_numpy(), totals)
        shift = {
            "vieillissement": 0.4 * (age == 5),
            "numerique": 0.3 * (age == 5) - 0.2 * (age <= 2),
            "emploi": 0.2 * (age <= 2),
        }
        for col, x in _scores(rng, n, frag_targets[r], frame["poids"].to_numpy(), shift=shift).items():
            frame[col] = x
        for m in AGREE:
            frame[m] = _agree(rng, n, agree_targets[r][m])
        boost = np.zeros(len(P.DOMAINS))
        if r in P.OVERSEAS:
            boost[[P.DOMAINS.index("emploi"), P.DOMAINS.index("pauvrete")]] = 0.3
        coop = _cooperation(rng, n, P.HAB_COOP, boost)
        for j, d in enumerate(P.DOMAINS):
            frame[f"cooperation_{d}"] = coop[:, j]
        frame.insert(0, "id_repondant", [f"CIT{r}{i + 1:05d}" for i in range(n)])
        parts.append(frame)
    df = pd.concat(parts, ignore_index=True)
    measures = {f"fragilite_{d}": "mean" for d in P.DOMAINS} | {m: "agree" for m in AGREE}
    targets = {r: {f"fragilite_{d}": frag_targets[r][d] for d in P.DOMAINS} | agree_targets[r] for r in regions}
    france = {f"fragilite_{d}": v for d, v in P.HAB_FRAG_FR.items()} | P.HAB_AGREE_FR
    weights = None
    if population is not None:
        df["poids"] = df["poids"].round(4)  # as written to the file, so the pipeline rakes the same numbers
        weights = raked_citizen_weights(df, population, geo)
    calibrate_group(df, measures, targets, france, np.random.default_rng([seed, 21]), regions, weights)
    cols = (
        ["id_repondant", "code_region", "code_departement", "sexe", "tranche_age", "strate", "grappe", "poids"]
        + [f"fragilite_{d}" for d in P.DOMAINS]
        + AGREE
        + [f"cooperation_{d}" for d in P.DOMAINS]
    )
    return df[cols].sort_values("id_repondant", kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------------------
# organisations
# ------------------------------------------------------------------------------------------


def org_sizes(geo: Geo, regions: list[str], per_region: int | None) -> dict[str, int]:
    """Sample size per region and per type of actor."""
    if per_region:
        return {r: max(5, int(round(per_region * 0.6 / 3))) for r in regions}
    metro = geo.regions[~geo.regions["code"].isin(P.OVERSEAS)]
    tot = metro["pop"].sum()
    out = {}
    for r, p in zip(geo.regions["code"], geo.regions["pop"], strict=True):
        if r not in regions:
            continue
        if r in P.OVERSEAS:
            out[r] = P.ORG_OVERSEAS_N[r]
        else:
            n = P.ORG_METRO_BASE + P.ORG_METRO_PROP * p / tot
            out[r] = int(round(n * (P.ORG_PACA_BOOST if r == P.PACA else 1.0)))
    return out


def generate_organisations(geo: Geo, seed: int, regions: list[str], per_region: int | None = None) -> pd.DataFrame:
    sizes = org_sizes(geo, regions, per_region)
    com = geo.communes
    regpop = dict(zip(geo.regions["code"], geo.regions["pop"], strict=True))
    ncom = com.groupby("reg").size().to_dict()
    parts = []
    targets: dict[str, dict[str, dict[str, float]]] = {}
    t_rng = np.random.default_rng([seed, 30])
    for typ in P.GROUPS:
        if typ == "maire":
            popw = {r: float(ncom.get(r, 0)) for r in regions}
        else:
            popw = {r: P.ORG_PER_INHABITANT[typ] * regpop[r] for r in regions}
        ft = region_targets(
            regions,
            popw,
            P.ORG_FRAG_PACA[typ],
            P.ORG_FRAG_FR[typ],
            {},
            {d: 0.25 for d in P.DOMAINS},
            t_rng,
            {d: (1.0, 9.0) for d in P.DOMAINS},
        )
        st = region_targets(
            regions,
            popw,
            P.ORG_SHARES_PACA[typ],
            P.ORG_SHARES_FR[typ],
            {},
            {m: 0.04 for m in P.ORG_SHARES_FR[typ]},
            t_rng,
            {m: (0.05, 0.95) for m in P.ORG_SHARES_FR[typ]},
        )
        targets[typ] = {r: ft[r] | st[r] for r in regions}
        for r in regions:
            rng = np.random.default_rng([seed, 3, _key(r), P.GROUPS.index(typ)])
            n = sizes[r]
            cr = com[com["reg"] == r]
            if typ == "maire":
                dw = cr.groupby("dep").size().sort_index().astype(float)
                total = float(len(cr))
            else:
                dw = cr.groupby("dep")["pop"].sum().sort_index().astype(float)
                total = P.ORG_PER_INHABITANT[typ] * float(cr["pop"].sum())
            deps = rng.choice(dw.index.to_numpy(), size=n, p=(dw / dw.sum()).to_numpy())
            stratum = f"{r}-{P.GROUP_STRATUM[typ]}"
            frame = pd.DataFrame(
                {
                    "id_organisation": [f"ORG{r}{P.GROUP_STRATUM[typ]}{i + 1:04d}" for i in range(n)],
                    "type_acteur": typ,
                    "code_region": r,
                    "code_departement": deps,
                    "strate": stratum,
                }
            )
            w = np.exp(np.clip(rng.normal(0, 0.4, n), -0.8, 0.8))
            frame["poids"] = _cap_ratio(w, np.full(n, stratum), {stratum: total})
            for col, x in _scores(
                rng, n, targets[typ][r], frame["poids"].to_numpy(), respondent_sd=0.8, item_sd=1.8
            ).items():
                frame[col] = x
            coop = _cooperation(rng, n, P.ORG_COOP[typ])
            for j, d in enumerate(P.DOMAINS):
                frame[f"cooperation_{d}"] = coop[:, j]
            frame["alliance_innovation"] = _agree(rng, n, targets[typ][r]["alliance_innovation"])
            frame["a_partenariat"] = (rng.random(n) < targets[typ][r]["a_partenariat"]).astype(np.int64)
            u = rng.random((n, len(P.MODES)))
            for j in range(len(P.MODES)):
                frame[f"_u{j}"] = u[:, j]
            parts.append(frame)
    df = pd.concat(parts, ignore_index=True)
    cal = np.random.default_rng([seed, 31])
    done = []
    for typ in P.GROUPS:
        sub = df[df["type_acteur"] == typ].copy().reset_index(drop=True)
        fr = P.ORG_SHARES_FR[typ]
        tg = targets[typ]
        measures = {f"fragilite_{d}": "mean" for d in P.DOMAINS} | {
            "alliance_innovation": "agree",
            "a_partenariat": "share",
        }
        france = {f"fragilite_{d}": v for d, v in P.ORG_FRAG_FR[typ].items()} | {
            "alliance_innovation": fr["alliance_innovation"],
            "a_partenariat": fr["a_partenariat"],
        }
        rt = {
            r: {f"fragilite_{d}": tg[r][d] for d in P.DOMAINS}
            | {"alliance_innovation": tg[r]["alliance_innovation"], "a_partenariat": tg[r]["a_partenariat"]}
            for r in regions
        }
        calibrate_group(sub, measures, rt, france, cal, regions)
        # partnership modes, asked to the organisations with a partnership
        u = sub[[f"_u{j}" for j in range(len(P.MODES))]].to_numpy()
        part = sub["a_partenariat"].to_numpy() == 1
        reg = sub["code_region"].to_numpy()
        for j, m in enumerate(P.MODES):
            p = np.array([tg[r][m] for r in reg])
            sub[m] = np.where(part, (u[:, j] < p).astype(np.int64), -1)
        calibrate_group(
            sub,
            {m: "share" for m in P.MODES},
            {r: {m: tg[r][m] for m in P.MODES} for r in regions},
            {m: fr[m] for m in P.MODES},
            cal,
            regions,
        )
        done.append(sub)
    df = pd.concat(done, ignore_index=True)
    cols = (
        ["id_organisation", "type_acteur", "code_region", "code_departement", "strate", "poids"]
        + [f"fragilite_{d}" for d in P.DOMAINS]
        + [f"cooperation_{d}" for d in P.DOMAINS]
        + ["alliance_innovation", "a_partenariat"]
        + P.MODES
    )
    return df[cols].sort_values("id_organisation", kind="stable").reset_index(drop=True)


def format_frame(df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and string columns: integers as such, poids with 4 decimals, -1 (not asked) empty."""
    cols = []
    for c in df.columns:
        x = df[c]
        if c == "poids":
            cols.append([f"{v:.4f}" for v in x.to_numpy(dtype=float)])
        elif x.dtype.kind in "iuf":
            cols.append(["" if v < 0 else str(int(v)) for v in x.to_numpy()])
        else:
            cols.append([str(v) for v in x])
    return list(df.columns), cols
