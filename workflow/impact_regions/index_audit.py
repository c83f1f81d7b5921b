"""Table `index_audit`: robustness checks of the fragility index (treatment and coherence).

The OECD/JRC *Handbook on Constructing Composite Indicators* (Nardo et al., OECD 2008) asks
two things of an index before it is published, and this module writes both down in one long
table, so that a report can say what was done to the data and how coherent the result is:

* **Treatment of extreme values** (Handbook step 4, "multivariate analysis", and the JRC COIN
  practice of treating a distribution when |skewness| > 2 and excess kurtosis > 3.5). The
  decision itself is taken by :mod:`impact_regions.treatment` on the 101 départements (by
  default a strictly increasing Box-Cox transform, which keeps the order of every value) and
  applied to every territory by ``sql/indicator_scores.sql``. Here each decision is recorded
  (``check = 'traitement'``, one row per indicator, with the power of the transform in
  ``parameter``) together with every value it changed (``check = 'valeur_traitee'``, one row
  per indicator and territory, départements *and* regions, France, custom territories), with
  the original and the treated value, so that no modification of the data is silent.
* **Statistical coherence** (Handbook step 4, correlation analysis and Cronbach's alpha, and
  step 6, "weighting and aggregation", whose equal weights are only meaningful if the
  aggregated components point in the same direction):

  - ``correlation``: Pearson correlation of every pair of indicators of a same domain,
    computed on their oriented scores (higher = more fragile) across the départements. Above
    ``high_correlation`` (0.9) the two indicators are close to redundant, i.e. the domain
    counts the same phenomenon twice; below 0 they pull the domain score in opposite
    directions and partly cancel out.
  - ``cronbach_alpha``: internal consistency of each domain with at least two indicators
    (Cronbach 1951), ``alpha = k/(k-1) x (1 - sum of item variances / variance of the sum)``.
  - ``domaine_vs_indice``: correlation of each domain score with the overall index
    (``domain_id = 'ensemble'`` of `fragility_indices`), and with the overall index
    recomputed *without* that domain (see :func:`build_index_audit`).

All statistics are computed across the territories of kind ``departement`` (the reference
population of the normalisation), with pairwise complete observations; ``n`` says how many
départements each statistic rests on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from itertools import combinations

import numpy as np
import pandas as pd

from . import french as fr

#: Checks, in the order rows are written.
CHECKS = ["traitement", "valeur_traitee", "correlation", "cronbach_alpha", "domaine_vs_indice"]

#: Key of the table (empty strings, never NULL, in key columns).
KEY = ["check", "domain_id", "indicator_id", "other_indicator_id", "territory_code"]

#: Stable column set. ``kurtosis_before``/``kurtosis`` are filled for ``traitement`` rows only,
#: ``value_excluding_domain`` for ``domaine_vs_indice`` rows only, ``parameter`` for the
#: ``traitement`` rows of a Box-Cox transform only (its power lambda; 0 = logarithm).
COLUMNS = KEY + [
    "value",
    "value_before",
    "kurtosis_before",
    "kurtosis",
    "value_excluding_domain",
    "threshold",
    "parameter",
    "flag",
    "n",
    "detail",
]

#: Flags of the treatment rows that change values.
TREATED_FLAGS = ("box_cox", "winsorisation")

DEFAULT_OPTIONS = {
    # Handbook step 4: pairs of indicators correlated above 0.9 are candidates for redundancy.
    "high_correlation": 0.9,
    # Nunnally's (1978) conventional reading of alpha, the one the Handbook quotes (step 4):
    # 0.7 is the usual "acceptable" internal consistency. With two standardised indicators,
    # alpha = 2r / (1 + r), so alpha >= 0.7 means r >= 0.54: a demanding bar for domains that
    # describe complementary facets (formative rather than reflective indicators), which is why
    # `coherence_faible` is a caution for the reader, not a reason to drop anything.
    "min_alpha": 0.7,
    # Domains correlated with the overall index below 0.3 contribute little to its ranking.
    "min_domain_correlation": 0.3,
    # Only used to write the treatment rows' threshold and detail (the decision is in treatment.py).
    "skew_threshold": 2.0,
    "kurtosis_threshold": 3.5,
    # Aggregation of the domain scores into the overall index (config index.aggregation),
    # used to recompute the index without one domain.
    "aggregation": "arithmetic",
}

ENSEMBLE = "ensemble"


# ------------------------------------------------------------------------------------------------
# statistics


def pearson(x: Iterable[float], y: Iterable[float]) -> tuple[float, int]:
    """Pearson correlation of x and y on their pairwise complete observations, and that count.

    NaN when fewer than 3 complete pairs or when either series is constant on them.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    n = int(ok.sum())
    if n < 3:
        return math.nan, n
    x, y = x[ok] - x[ok].mean(), y[ok] - y[ok].mean()
    sxx, syy = float(x @ x), float(y @ y)
    if sxx <= 0 or syy <= 0:
        return math.nan, n
    r = float(x @ y) / math.sqrt(sxx * syy)
    return max(-1.0, min(1.0, r)), n


def cronbach_alpha(items: np.ndarray | pd.DataFrame) -> tuple[float, int]:
    """Cronbach's alpha (Cronbach 1951) of the columns of `items` (units in rows), and n.

    ``alpha = k/(k-1) x (1 - sum_i var_i / var_total)`` where ``var_i`` is the sample variance
    of item i and ``var_total`` that of the row sums. Rows with a missing item are left out
    (alpha needs the sum of all items for each unit, so it cannot use pairwise observations).
    The items are used as they are (no re-standardisation): on the pipeline's scores this is
    the consistency of exactly what the domain score averages. NaN with fewer than 2 items,
    fewer than 3 complete rows, or a constant sum.
    """
    m = np.asarray(items, dtype=float)
    if m.ndim != 2 or m.shape[1] < 2:
        return math.nan, 0
    m = m[~np.isnan(m).any(axis=1)]
    n, k = m.shape
    if n < 3:
        return math.nan, n
    var_total = float(np.var(m.sum(axis=1), ddof=1))
    if var_total <= 0:
        return math.nan, n
    sum_var = float(np.var(m, axis=0, ddof=1).sum())
    return k / (k - 1) * (1 - sum_var / var_total), n


def treated_values(
    values: pd.Series,
    method: str,
    lower: float = np.nan,
    upper: float = np.nan,
    tail: str = "droite",
    anchor: float = np.nan,
    scale: float = np.nan,
    power: float = np.nan,
) -> tuple[pd.Series, pd.Series]:
    """The treated value t(x) of each value and whether the treatment changed it.

    Mirrors ``sql/indicator_scores.sql`` (columns ``tvalue`` and ``is_treated``): Box-Cox values
    become t(x) of :func:`impact_regions.treatment.box_cox_transform` (strictly increasing) and
    every non-missing value counts as changed; winsorisation clips the values to [lower, upper].
    """
    v = values.astype(float)
    lower = np.nan if lower is None else float(lower)
    upper = np.nan if upper is None else float(upper)
    if method == "box_cox":
        from .treatment import box_cox_transform

        t = pd.Series(
            box_cox_transform(v.to_numpy(), str(tail), float(anchor), float(scale), float(power)), index=v.index
        )
        changed = v.notna()
    elif method == "winsorisation":
        t = v.copy()
        if not math.isnan(lower):
            t = t.where(~(t < lower), lower)
        if not math.isnan(upper):
            t = t.where(~(t > upper), upper)
        changed = v.notna() & ((v < lower) | (v > upper))
    else:
        t, changed = v.copy(), pd.Series(False, index=v.index)
    return t, changed.fillna(False).astype(bool)


# ------------------------------------------------------------------------------------------------
# helpers


def _num(x: float | None, decimals: int = 2) -> str:
    """French number with at most `decimals` decimals, trailing zeros dropped (0,9 ; 3,5 ; 2)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return fr.MISSING
    for d in range(decimals + 1):
        if round(float(x), d) == round(float(x), decimals):
            return fr.number(x, d)
    return fr.number(x, decimals)


def _stat(x: float | None, threshold: float | None = None) -> str:
    """A statistic with 2 decimals (0,80), 3 when 2 would make it look equal to its threshold."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return fr.MISSING
    if threshold is not None and x != threshold and round(float(x), 2) == round(float(threshold), 2):
        return fr.number(x, 3)
    return fr.number(x, 2)


def audit_catalogue(catalogue: dict) -> pd.DataFrame:
    """`catalogue_frame` for :func:`build_index_audit` from the indicator catalogue: the
    indicators (id, domain, label) with their domain's label as ``domain_label``, so that the
    ``detail`` texts name domains as the report does."""
    from .indices import catalogue_domains, catalogue_indicators

    doms = catalogue_domains(catalogue)[["domain_id", "label"]].rename(columns={"label": "domain_label"})
    return catalogue_indicators(catalogue).merge(doms, on="domain_id", how="left")


def audit_options(index_options: dict, audit: dict) -> dict:
    """The audit's options (config.yaml's `audit`) with the index's treatment thresholds and
    aggregation it reports on (config.yaml's `index`)."""
    t = index_options["treatment"]
    return {
        **audit,
        "skew_threshold": t["skew_threshold"],
        "kurtosis_threshold": t["kurtosis_threshold"],
        "aggregation": index_options["aggregation"],
    }


def transform_name(power: float | None) -> str:
    """« transformation logarithmique » (power 0) or « transformation de Box-Cox de puissance 0,25 »."""
    if power is None or (isinstance(power, float) and math.isnan(power)):
        return "transformation de Box-Cox"
    if float(power) == 0:
        return "transformation logarithmique"
    return f"transformation de Box-Cox de puissance {_num(float(power))}"


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    return singular if n <= 1 else (plural or singular + "s")


def _territory_kinds(territories: pd.DataFrame) -> tuple[dict, dict]:
    first = territories.drop_duplicates("territory_code")
    return (
        dict(zip(first["territory_code"], first["kind"], strict=True)),
        dict(zip(first["territory_code"], first["territory_name"], strict=True)),
    )


def _row(check: str, **kw) -> dict:
    row = {c: np.nan for c in COLUMNS}
    row.update({k: "" for k in KEY}, check=check, flag="", detail="", n=pd.NA)
    row.update(kw)
    return row


# ------------------------------------------------------------------------------------------------
# the table


def build_index_audit(
    indicator_values: pd.DataFrame,
    indicator_scores: pd.DataFrame,
    fragility_indices: pd.DataFrame,
    treatment: pd.DataFrame,
    territories: pd.DataFrame,
    catalogue_frame: pd.DataFrame,
    options: Mapping | None = None,
) -> pd.DataFrame:
    """The `index_audit` table: one long table of treatment and coherence checks (COLUMNS).

    Inputs are the pipeline's tables: `indicator_values` (indicator_id, territory_code,
    domain_id, value), `indicator_scores` (indicator_id, territory_code, score: normalised and
    oriented, higher = more fragile), `fragility_indices` (territory_code, domain_id, score,
    with the overall 'ensemble' row), `treatment` (the `indicator_treatment` table of
    :mod:`impact_regions.treatment`), `territories` (territory_code, kind, territory_name) and
    `catalogue_frame` (indicator_id, domain_id, optional label and domain_label; see
    :func:`audit_catalogue`), whose order gives the row order.
    `options` overrides :data:`DEFAULT_OPTIONS`.

    Rows (``check``), with the meaning of ``value`` / ``value_before`` / ``flag``:

    * ``traitement`` (indicator): skewness after / before the treatment; ``kurtosis`` /
      ``kurtosis_before`` the excess kurtosis after / before; flag = method (aucun, box_cox,
      winsorisation); threshold = the skewness threshold; parameter = the Box-Cox power lambda
      (0 = logarithm); n = départements with a value.
    * ``valeur_traitee`` (indicator x territory, every kind of territory): treated value t(x) /
      original value; flag = method; threshold = the bound applied (for a Box-Cox transform, the
      département minimum or maximum it is anchored on). The treated value is the one the
      z-score and min-max normalisations use (the ratio normalisation never uses the transform).
    * ``correlation`` (pair of indicators of a domain, in catalogue order): Pearson r of the
      scores across départements; flag ``elevee`` (> high_correlation), ``negative`` (< 0),
      ``conforme``, or ``non_calculable`` when it cannot be computed.
    * ``cronbach_alpha`` (domain with >= 2 indicators): alpha of the scores across
      départements (complete rows); flag ``coherence_faible`` (< min_alpha), ``conforme`` or
      ``non_calculable``. With two indicators of equal variance (z-scores) alpha = 2r/(1+r), a
      function of their correlation only.
    * ``domaine_vs_indice`` (domain): r between the domain score and the overall index across
      départements; ``value_excluding_domain`` the r with the index recomputed from the other
      domains only. The overall index contains the domain itself (1/16 of it), which inflates
      the first correlation: a domain unrelated to all the others, with the same variance,
      still gets r ~ 1/sqrt(16) = 0.25 with the whole index, and 0 with the rest. Flag
      ``negative`` (value < 0), ``lien_faible`` (< min_domain_correlation), ``conforme`` or
      ``non_calculable`` (computed on ``value`` as the Handbook reports it; read ``value_excluding_domain`` to
      know whether the domain goes along with the others).
    """
    opt = {**DEFAULT_OPTIONS, **(options or {})}
    kinds, names = _territory_kinds(territories)
    dep_codes = [c for c, k in kinds.items() if k == "departement"]
    dep_set = set(dep_codes)

    cat = catalogue_frame.copy()
    if "label" not in cat.columns:
        cat["label"] = cat["indicator_id"]
    cat = cat.drop_duplicates("indicator_id")
    labels = dict(zip(cat["indicator_id"], cat["label"].fillna(cat["indicator_id"]), strict=True))
    domain_of = dict(zip(cat["indicator_id"], cat["domain_id"], strict=True))
    for iid, dom in indicator_values[["indicator_id", "domain_id"]].drop_duplicates().itertuples(index=False):
        domain_of.setdefault(iid, dom)
    ind_order = {iid: i for i, iid in enumerate(cat["indicator_id"])}
    domains = list(
        dict.fromkeys(
            list(cat["domain_id"]) + [d for d in fragility_indices["domain_id"].drop_duplicates() if d != ENSEMBLE]
        )
    )
    domain_labels = (
        dict(zip(cat["domain_id"], cat["domain_label"].fillna(cat["domain_id"]), strict=True))
        if "domain_label" in cat.columns
        else {}
    )

    def lab(iid: str) -> str:
        return str(labels.get(iid, iid))

    rows: list[dict] = []

    # --- treatment and treated points ------------------------------------------------------
    treat = treatment.copy()
    treat["_o"] = treat["indicator_id"].map(ind_order).fillna(len(ind_order))
    treat = treat.sort_values(["_o", "indicator_id"])
    vals = indicator_values[["indicator_id", "territory_code", "value"]]
    by_ind = {iid: g for iid, g in vals.groupby("indicator_id", sort=False)}
    s_thr, k_thr = float(opt["skew_threshold"]), float(opt["kurtosis_threshold"])
    point_rows: list[dict] = []
    for t in treat.itertuples(index=False):
        iid, method = t.indicator_id, t.method
        g = by_ind.get(iid, vals.iloc[0:0])
        n_dep = int(g.loc[g["territory_code"].isin(dep_set), "value"].notna().sum())
        moments = f"asymétrie {_stat(t.skew_before)}, aplatissement {_stat(t.kurtosis_before)}"
        if method == "winsorisation":
            bound = t.upper if not pd.isna(t.upper) else t.lower
            k = int(t.n_winsorised)
            high = not pd.isna(t.upper)
            which = (
                ("la plus élevée" if high else "la plus basse")
                if k == 1
                else ("les plus élevées" if high else "les plus basses")
            )
            detail = (
                f"{lab(iid)} : {k} {_plural(k, 'valeur extrême', 'valeurs extrêmes')} ({which} des "
                f"départements) {_plural(k, 'ramenée', 'ramenées')} à {_num(bound)} ; "
                f"asymétrie {_stat(t.skew_before)} → {_stat(t.skew_after)}, "
                f"aplatissement {_stat(t.kurtosis_before)} → {_stat(t.kurtosis_after)}"
            )
        elif method == "box_cox":
            detail = (
                f"{lab(iid)} : {transform_name(t.power)} (strictement croissante, "
                f"{'queue à gauche' if t.tail == 'gauche' else 'queue à droite'}) ; "
                f"asymétrie {_stat(t.skew_before)} → {_stat(t.skew_after)}, "
                f"aplatissement {_stat(t.kurtosis_before)} → {_stat(t.kurtosis_after)}"
                + ("" if bool(getattr(t, "is_rule_met", True)) else " ; seuils encore dépassés")
            )
        else:
            detail = f"{lab(iid)} : aucun traitement ({moments} ; seuils {_num(s_thr)} et {_num(k_thr)})"
        rows.append(
            _row(
                "traitement",
                domain_id=domain_of.get(iid, ""),
                indicator_id=iid,
                value=t.skew_after,
                value_before=t.skew_before,
                kurtosis=t.kurtosis_after,
                kurtosis_before=t.kurtosis_before,
                threshold=s_thr,
                parameter=float(t.power) if method == "box_cox" else np.nan,
                flag=method,
                n=n_dep,
                detail=fr.typography(detail),
            )
        )
        if method not in TREATED_FLAGS or g.empty:
            continue
        if method == "box_cox":
            tv, changed = treated_values(g["value"], method, tail=t.tail, anchor=t.anchor, scale=t.scale, power=t.power)
            bound, verb, how = t.anchor, "transformé en", "Box-Cox"
        else:
            tv, changed = treated_values(g["value"], method, t.lower, t.upper)
            bound = t.upper if not pd.isna(t.upper) else t.lower
            verb, how = "ramené à", "écrêtage"
        for code, before, after in zip(
            g.loc[changed, "territory_code"], g.loc[changed, "value"], tv[changed], strict=True
        ):
            point_rows.append(
                _row(
                    "valeur_traitee",
                    domain_id=domain_of.get(iid, ""),
                    indicator_id=iid,
                    territory_code=code,
                    value=float(after),
                    value_before=float(before),
                    threshold=float(bound),
                    flag=method,
                    detail=fr.typography(
                        f"{lab(iid)}, {names.get(code, code)} : {_num(before)} {verb} {_num(after)} ({how})"
                    ),
                )
            )
    point_rows.sort(
        key=lambda r: (
            ind_order.get(r["indicator_id"], len(ind_order)),
            r["indicator_id"],
            kinds.get(r["territory_code"], "") != "departement",
            r["territory_code"],
        )
    )
    rows.extend(point_rows)

    # --- correlations and alpha within domains ---------------------------------------------
    dep_scores = indicator_scores[indicator_scores["territory_code"].isin(dep_set)]
    matrix = dep_scores.pivot_table(
        index="territory_code", columns="indicator_id", values="score", aggfunc="first", dropna=False
    ).reindex(index=sorted(dep_set))
    hi = float(opt["high_correlation"])
    by_domain: dict[str, list[str]] = {}
    for iid in sorted(
        set(matrix.columns) | set(cat["indicator_id"]), key=lambda i: (ind_order.get(i, len(ind_order)), i)
    ):
        by_domain.setdefault(domain_of.get(iid, ""), []).append(iid)
    alpha_rows = []
    for dom in domains:
        members = [i for i in by_domain.get(dom, []) if i in matrix.columns]
        for a, b in combinations(members, 2):
            r, n = pearson(matrix[a], matrix[b])
            if math.isnan(r):
                flag, note = "non_calculable", "non calculable"
            elif r > hi:
                flag, note = "elevee", "redondance possible"
            elif r < 0:
                flag, note = "negative", "sens opposés, à vérifier"
            else:
                flag, note = "conforme", ""
            detail = f"corrélation {_stat(r)} entre « {lab(a)} » et « {lab(b)} »" + (f" ({note})" if note else "")
            rows.append(
                _row(
                    "correlation",
                    domain_id=dom,
                    indicator_id=a,
                    other_indicator_id=b,
                    value=r,
                    threshold=hi,
                    flag=flag,
                    n=n,
                    detail=fr.typography(detail),
                )
            )
        if len(members) >= 2:
            alpha, n = cronbach_alpha(matrix[members].to_numpy())
            flag = (
                "non_calculable"
                if math.isnan(alpha)
                else ("coherence_faible" if alpha < float(opt["min_alpha"]) else "conforme")
            )
            detail = (
                f"{domain_labels.get(dom, dom)} : alpha de Cronbach {_stat(alpha, float(opt['min_alpha']))} sur "
                f"{len(members)} indicateurs (seuil {_num(float(opt['min_alpha']))})"
                + (" : cohérence interne faible" if flag == "coherence_faible" else "")
            )
            alpha_rows.append(
                _row(
                    "cronbach_alpha",
                    domain_id=dom,
                    value=alpha,
                    threshold=float(opt["min_alpha"]),
                    flag=flag,
                    n=n,
                    detail=fr.typography(detail),
                )
            )
    rows.extend(alpha_rows)

    # --- domains against the overall index --------------------------------------------------
    fi = fragility_indices[fragility_indices["territory_code"].isin(dep_set)]
    dm = fi.pivot_table(
        index="territory_code", columns="domain_id", values="score", aggfunc="first", dropna=False
    ).reindex(index=sorted(dep_set))
    overall = dm[ENSEMBLE] if ENSEMBLE in dm.columns else pd.Series(np.nan, index=dm.index)
    dom_cols = [d for d in domains if d in dm.columns]
    min_r = float(opt["min_domain_correlation"])
    for dom in domains:
        if dom not in dm.columns:
            continue
        r, n = pearson(dm[dom], overall)
        rest = dm[[d for d in dom_cols if d != dom]]
        if opt.get("aggregation") == "geometric":
            rest_index = np.exp(np.log(rest.where(rest > 0)).mean(axis=1))
        else:
            rest_index = rest.mean(axis=1)
        r_rest, _ = pearson(dm[dom], rest_index)
        if math.isnan(r):
            flag = "non_calculable"
        elif r < 0:
            flag = "negative"
        elif r < min_r:
            flag = "lien_faible"
        else:
            flag = "conforme"
        detail = (
            f"{domain_labels.get(dom, dom)} : corrélation {_stat(r, min_r)} avec l'indice d'ensemble, "
            f"{_stat(r_rest)} avec l'indice calculé sans ce domaine"
        )
        rows.append(
            _row(
                "domaine_vs_indice",
                domain_id=dom,
                value=r,
                value_excluding_domain=r_rest,
                threshold=min_r,
                flag=flag,
                n=n,
                detail=fr.typography(detail),
            )
        )

    out = pd.DataFrame(rows, columns=COLUMNS)
    for c in KEY + ["flag", "detail"]:
        out[c] = out[c].fillna("").astype(str)
    for c in [
        "value",
        "value_before",
        "kurtosis_before",
        "kurtosis",
        "value_excluding_domain",
        "threshold",
        "parameter",
    ]:
        out[c] = out[c].astype(float)
    out["n"] = out["n"].astype("Int64")
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# reading the table


def summary(audit: pd.DataFrame) -> dict:
    """Counts a report needs from an `index_audit` table.

    n_indicators, n_treated_indicators (and the box_cox / winsorisation lists), n_treated_points (all
    territories), n_pairs, high_pairs / negative_pairs (lists of (domain, a, b, r)), n_domains_alpha,
    low_alpha_domains (list of (domain, alpha)), weak_domains / negative_domains (against the
    whole index), negative_rest_domains (against the index without the domain).
    """

    def rows(check, flag=None):
        d = audit[audit["check"] == check]
        return d if flag is None else d[d["flag"] == flag]

    treat = rows("traitement")
    corr = rows("correlation")
    dvi = rows("domaine_vs_indice")

    def pair(d):
        return [(r.domain_id, r.indicator_id, r.other_indicator_id, float(r.value)) for r in d.itertuples(index=False)]

    return {
        "n_indicators": int(len(treat)),
        "n_treated_indicators": int(treat["flag"].isin(TREATED_FLAGS).sum()),
        "box_cox_indicators": list(treat.loc[treat["flag"] == "box_cox", "indicator_id"]),
        "winsorised_indicators": list(treat.loc[treat["flag"] == "winsorisation", "indicator_id"]),
        "n_treated_points": int(len(rows("valeur_traitee"))),
        "treated_points_by_indicator": rows("valeur_traitee").groupby("indicator_id", sort=False).size().to_dict(),
        "n_pairs": int(len(corr)),
        "high_pairs": pair(rows("correlation", "elevee")),
        "negative_pairs": pair(rows("correlation", "negative")),
        "n_domains_alpha": int(len(rows("cronbach_alpha"))),
        "low_alpha_domains": [
            (r.domain_id, float(r.value)) for r in rows("cronbach_alpha", "coherence_faible").itertuples()
        ],
        "n_domains": int(len(dvi)),
        "weak_domains": [(r.domain_id, float(r.value)) for r in rows("domaine_vs_indice", "lien_faible").itertuples()],
        "negative_domains": [(r.domain_id, float(r.value)) for r in rows("domaine_vs_indice", "negative").itertuples()],
        "negative_rest_domains": [
            (r.domain_id, float(r.value_excluding_domain)) for r in dvi[dvi["value_excluding_domain"] < 0].itertuples()
        ],
    }


def audit_sentences(
    audit: pd.DataFrame, domain_labels: Mapping[str, str], indicator_labels: Mapping[str, str] | None = None
) -> list[str]:
    """Plain French sentences summarising the audit for a report (French typography applied).

    In order: the treatment (which indicators, how, and how many values changed); redundant
    pairs (one sentence per domain); pairs going in opposite directions; Cronbach's alpha; the
    domains weakly or not positively correlated with the overall index, and those going against
    the index computed without them. `indicator_labels` (indicator_id -> label) defaults to the
    ids; labels are quoted (« … ») since they contain commas and parentheses.
    """
    s = summary(audit)

    def ind(i):
        return "« " + str((indicator_labels or {}).get(i, i)) + " »"

    def dom(d):
        return str(domain_labels.get(d, d))

    def thr(check: str, default: float) -> float:
        t = audit.loc[audit["check"] == check, "threshold"].dropna()
        return float(t.iloc[0]) if len(t) else default

    out: list[str] = []

    # treatment
    treat = audit[audit["check"] == "traitement"]
    n_t, n_i = s["n_treated_indicators"], s["n_indicators"]
    if n_i and n_t == 0:
        out.append(
            "Aucun indicateur n'a nécessité de traitement des valeurs extrêmes "
            "(distributions ni très asymétriques ni à queue épaisse)."
        )
    elif n_i:
        items, hows = [], []
        for r in treat[treat["flag"].isin(TREATED_FLAGS)].itertuples():
            if r.flag == "winsorisation":
                k = int(s["treated_points_by_indicator"].get(r.indicator_id, 0))
                how = f"écrêtage, {k} {_plural(k, 'valeur')}"
            else:
                how = transform_name(getattr(r, "parameter", np.nan))
            items.append(ind(r.indicator_id))
            hows.append(how)
        verb = "a été traité" if n_t == 1 else "ont été traités"
        if n_t > 1 and len(set(hows)) == 1 and not hows[0].startswith("écrêtage"):
            out.append(f"{n_t} indicateurs sur {n_i} {verb} (valeurs extrêmes), tous par {hows[0]} : {fr.join(items)}.")
        else:
            out.append(
                f"{n_t} {_plural(n_t, 'indicateur')} sur {n_i} {verb} (valeurs extrêmes) : "
                + fr.join([f"{i} ({h})" for i, h in zip(items, hows, strict=True)])
                + "."
            )
        p = s["n_treated_points"]
        out.append(
            f"Au total, {fr.integer(p)} {_plural(p, 'valeur')} (tous territoires confondus) "
            f"{'a' if p == 1 else 'ont'} été {_plural(p, 'modifiée', 'modifiées')} par ce traitement, "
            "avec les mêmes paramètres pour tous les territoires."
        )
        if s["box_cox_indicators"] and not s["winsorised_indicators"]:
            out.append(
                "La transformation est strictement croissante : deux territoires de valeurs différentes "
                "gardent des scores différents, dans le même ordre, et aucune valeur extrême n'est "
                "ramenée à une autre."
            )

    # pairs of indicators
    hi_text = _num(thr("correlation", DEFAULT_OPTIONS["high_correlation"]))
    if s["n_pairs"] and not s["high_pairs"]:
        out.append(f"Aucune paire d'indicateurs d'un même domaine n'est corrélée à plus de {hi_text}.")
    by_dom: dict[str, list] = {}
    for d, a, b, r in s["high_pairs"]:
        by_dom.setdefault(d, []).append((a, b, r))
    for d, pairs in by_dom.items():
        if len(pairs) == 1:
            a, b, r = pairs[0]
            out.append(
                f"Deux indicateurs du domaine {dom(d)} sont corrélés à plus de {hi_text} : "
                f"{ind(a)} et {ind(b)} ({_stat(r)}) ; ils mesurent presque la même chose "
                "(redondance possible)."
            )
        else:
            items = [f"{ind(a)} et {ind(b)} ({_stat(r)})" for a, b, r in pairs]
            out.append(
                f"Dans le domaine {dom(d)}, {len(pairs)} paires d'indicateurs sont corrélées à plus de "
                f"{hi_text} : {fr.join(items, 'ainsi que')}."
            )
    for d, a, b, r in s["negative_pairs"]:
        out.append(
            f"Dans le domaine {dom(d)}, {ind(a)} et {ind(b)} varient en sens opposé d'un département "
            f"à l'autre (corrélation {_stat(r)}) : ils se compensent en partie dans le score du domaine."
        )

    # Cronbach's alpha
    if s["n_domains_alpha"]:
        a_thr = thr("cronbach_alpha", DEFAULT_OPTIONS["min_alpha"])
        low, n_a = s["low_alpha_domains"], s["n_domains_alpha"]
        if not low:
            where = "le seul domaine qui compte" if n_a == 1 else f"les {n_a} domaines qui comptent"
            out.append(
                f"La cohérence interne des domaines (alpha de Cronbach) atteint au moins {_num(a_thr)} "
                f"dans {where} plusieurs indicateurs."
            )
        else:
            items = [f"{dom(d)} ({_stat(a, a_thr)})" for d, a in low]
            out.append(
                f"La cohérence interne (alpha de Cronbach) est inférieure à {_num(a_thr)} dans {len(low)} "
                f"{_plural(len(low), 'domaine')} sur {n_a} : {fr.join(items)}."
            )
            pairs_per_domain = audit[audit["check"] == "correlation"].groupby("domain_id").size()
            if all(pairs_per_domain.get(d, 0) == 1 for d, _ in low):
                out.append(
                    (
                        "Ce domaine repose sur deux indicateurs peu corrélés entre eux"
                        if len(low) == 1
                        else "Ces domaines reposent chacun sur deux indicateurs peu corrélés entre eux"
                    )
                    + " : ils en décrivent des facettes différentes plutôt qu'une même mesure répétée, "
                    "et leur score est à lire indicateur par indicateur."
                )

    # domains against the overall index
    if s["n_domains"]:
        d_thr = thr("domaine_vs_indice", DEFAULT_OPTIONS["min_domain_correlation"])
        neg, weak = s["negative_domains"], s["weak_domains"]
        if not neg and not weak:
            out.append(
                f"Les {s['n_domains']} domaines sont corrélés positivement à l'indice d'ensemble "
                f"(au moins {_num(d_thr)})."
            )
        if weak:
            items = [f"{dom(d)} ({_stat(r, d_thr)})" for d, r in weak]
            out.append(
                f"{len(weak)} {_plural(len(weak), 'domaine est', 'domaines sont')} faiblement "
                f"{_plural(len(weak), 'corrélé', 'corrélés')} à l'indice d'ensemble "
                f"(moins de {_num(d_thr)}) : {fr.join(items)}."
            )
        if neg:
            items = [f"{dom(d)} ({_stat(r)})" for d, r in neg]
            one = len(neg) == 1
            subject = "domaine n'est pas corrélé" if one else "domaines ne sont pas corrélés"
            out.append(f"{len(neg)} {subject} positivement à l'indice d'ensemble : {fr.join(items)}.")
        rest = s["negative_rest_domains"]
        if rest:
            items = [f"{dom(d)} ({_stat(r)})" for d, r in rest]
            one = len(rest) == 1
            out.append(
                f"Comparé{'' if one else 's'} à l'indice calculé sans {'lui' if one else 'eux'}, "
                f"{fr.join(items)} {'varie' if one else 'varient'} en sens inverse des autres domaines : "
                f"{'il décrit' if one else 'ils décrivent'} une autre géographie de la fragilité."
            )
    return [fr.typography(x) for x in out]
