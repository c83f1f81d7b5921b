"""The `index_audit` table (impact_regions.index_audit): treatment log and coherence checks.

The inline examples use five départements DEP-01..DEP-05, one region R1 and France, with
scores chosen so that every statistic can be checked by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact_regions.french import NBSP
from impact_regions.index_audit import (
    COLUMNS,
    KEY,
    audit_sentences,
    build_index_audit,
    cronbach_alpha,
    pearson,
    summary,
)
from impact_regions.storage import write_table
from impact_regions.treatment import COLUMNS as TREATMENT_COLUMNS

DEPS = ["DEP-01", "DEP-02", "DEP-03", "DEP-04", "DEP-05"]
OTHERS = ["R1", "FR"]


# ------------------------------------------------------------------------------------------------
# an inline pipeline output


def territories_frame() -> pd.DataFrame:
    rows = [(d, d[4:], f"Département {d[4:]}", "departement") for d in DEPS]
    rows += [("R1", d[4:], "Région Une", "region") for d in DEPS[:3]]
    rows += [("FR", d[4:], "France", "france") for d in DEPS]
    return pd.DataFrame(rows, columns=["territory_code", "departement_code", "territory_name", "kind"])


def treatment_frame(indicators, rows: dict | None = None) -> pd.DataFrame:
    """indicator_id -> dict of overrides (method, tail, anchor, scale, power, lower, upper, n_winsorised,
    moments)."""
    out = []
    for i in indicators:
        r = {
            "indicator_id": i,
            "method": "aucun",
            "tail": "",
            "anchor": np.nan,
            "scale": np.nan,
            "power": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "n_winsorised": 0,
            "is_rule_met": True,
            "skew_before": 0.1,
            "kurtosis_before": 0.2,
            "skew_after": 0.1,
            "kurtosis_after": 0.2,
        }
        r.update((rows or {}).get(i, {}))
        out.append(r)
    return pd.DataFrame(out, columns=TREATMENT_COLUMNS)


def pipeline(
    scores: dict, domain_of: dict, values: dict | None = None, treatment: dict | None = None, other_scores: float = 0.0
) -> dict:
    """The six inputs of build_index_audit from département scores {indicator: [5 scores]}.

    Values default to the scores (all territories); regions and France get `other_scores`. Domain
    scores are the mean of their indicators, the 'ensemble' row the mean of the domain scores,
    as in sql/fragility_indices.sql.
    """
    codes = DEPS + OTHERS
    sc = pd.DataFrame(
        [
            {
                "indicator_id": i,
                "territory_code": t,
                "domain_id": domain_of[i],
                "score": (s[k] if k < len(DEPS) else other_scores),
            }
            for i, s in scores.items()
            for k, t in enumerate(codes)
        ]
    )
    vals = sc.rename(columns={"score": "value"}).copy()
    for i, per in (values or {}).items():
        for t, v in per.items():
            vals.loc[(vals["indicator_id"] == i) & (vals["territory_code"] == t), "value"] = v
    dom = sc.groupby(["territory_code", "domain_id"], as_index=False)["score"].mean()
    ens = dom.groupby("territory_code", as_index=False)["score"].mean().assign(domain_id="ensemble")
    fi = pd.concat([dom, ens], ignore_index=True)
    cat = pd.DataFrame(
        [
            {
                "indicator_id": i,
                "domain_id": domain_of[i],
                "label": f"Indicateur {i.upper()}",
                "domain_label": f"Domaine {domain_of[i]}",
            }
            for i in scores
        ]
    )
    return {
        "indicator_values": vals,
        "indicator_scores": sc,
        "fragility_indices": fi,
        "treatment": treatment_frame(list(scores), treatment),
        "territories": territories_frame(),
        "catalogue_frame": cat,
    }


def audit_of(p: dict, options: dict | None = None) -> pd.DataFrame:
    return build_index_audit(
        p["indicator_values"],
        p["indicator_scores"],
        p["fragility_indices"],
        p["treatment"],
        p["territories"],
        p["catalogue_frame"],
        options or {},
    )


def plain(text: str) -> str:
    """The text with straight apostrophes (French typography may print ’)."""
    return str(text).replace("\u2019", "'")


def rows(audit: pd.DataFrame, check: str) -> pd.DataFrame:
    return audit[audit["check"] == check]


# ------------------------------------------------------------------------------------------------
# Cronbach's alpha


ITEMS = np.array([[1, 2, 1], [2, 2, 3], [3, 4, 3], [4, 4, 5]], dtype=float)


def test_cronbach_alpha_by_hand():
    """GIVEN 4 units x 3 items (columns 1 2 3 4 / 2 2 4 4 / 1 3 3 5)
    WHEN alpha = k/(k-1) x (1 - sum var_i / var_total) is computed
    THEN it is 14/15. By hand (sample variances, n - 1 = 3):
        var_1 = (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3
        var_2 = (1 + 1 + 1 + 1) / 3            = 4/3
        var_3 = (4 + 0 + 0 + 4) / 3            = 8/3     sum var_i = 17/3
        row sums 4, 7, 10, 13, mean 8.5: var_total = (20.25 + 2.25 + 2.25 + 20.25) / 3 = 15
        alpha = 3/2 x (1 - (17/3) / 15) = 3/2 x 28/45 = 14/15 = 0.9333...
    """
    alpha, n = cronbach_alpha(ITEMS)
    assert n == 4
    assert alpha == pytest.approx(14 / 15, abs=1e-12)


def test_cronbach_alpha_agrees_with_the_average_covariance_formula():
    """GIVEN the same items
    WHEN alpha is recomputed independently as k c / (v + (k-1) c), with v the mean item variance
    and c the mean inter-item covariance (here v = 17/9, c = 14/9: covariances 4/3, 2, 4/3)
    THEN both give 42/45."""
    cov = np.cov(ITEMS, rowvar=False)
    k = cov.shape[0]
    v = np.trace(cov) / k
    c = (cov.sum() - np.trace(cov)) / (k * (k - 1))
    assert v == pytest.approx(17 / 9) and c == pytest.approx(14 / 9)
    assert cronbach_alpha(ITEMS)[0] == pytest.approx(k * c / (v + (k - 1) * c), abs=1e-12)


def test_cronbach_alpha_of_two_standardised_items_is_a_function_of_their_correlation():
    # GIVEN two standardised items with correlation r
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 2))
    x[:, 1] += 0.8 * x[:, 0]
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    r = np.corrcoef(z, rowvar=False)[0, 1]
    # WHEN alpha is computed / THEN alpha = 2r / (1 + r)
    assert cronbach_alpha(z)[0] == pytest.approx(2 * r / (1 + r))


def test_cronbach_alpha_leaves_out_incomplete_rows():
    # GIVEN the items plus a row with a missing item / WHEN alpha / THEN as without that row, n = 4
    with_missing = np.vstack([ITEMS, [9.0, np.nan, 1.0]])
    alpha, n = cronbach_alpha(with_missing)
    assert n == 4 and alpha == pytest.approx(14 / 15)


def test_pearson_uses_pairwise_complete_observations():
    # GIVEN two series with one missing value each, at different places
    x = [1.0, 2.0, 3.0, np.nan, 5.0, 6.0]
    y = [2.0, 4.0, 6.0, 8.0, np.nan, 12.0]
    # WHEN correlated / THEN on the 4 complete pairs (perfectly collinear)
    r, n = pearson(x, y)
    assert n == 4 and r == pytest.approx(1.0)
    # and a constant series has no correlation
    assert math.isnan(pearson([1, 1, 1, 1], [1, 2, 3, 4])[0])


# ------------------------------------------------------------------------------------------------
# correlation flags and alpha rows


SCORES = {
    # domain d1: a and b nearly identical (r > 0.9), c opposite to a (r < 0)
    "a": [1.0, 2.0, 3.0, 4.0, 5.0],
    "b": [1.5, 1.5, 3.5, 3.5, 5.0],  # r(a, b) = 0.95
    "c": [2.0, 1.0, 1.0, 0.0, -1.0],
    # domain d2: e and f moderately correlated (r = 0.5)
    "e": [1.0, -1.0, 1.0, -1.0, 0.0],
    "f": [1.0, -1.0, -1.0, 1.0, 0.0],
}
DOMAIN_OF = {"a": "d1", "b": "d1", "c": "d1", "e": "d2", "f": "d2"}


def test_correlation_flags_high_negative_ok():
    # GIVEN the example scores (d1: a~b, c against a; d2: e, f orthogonal)
    audit = audit_of(pipeline(SCORES, DOMAIN_OF))
    # WHEN the correlation rows are read
    corr = rows(audit, "correlation").set_index(["indicator_id", "other_indicator_id"])
    # THEN one row per pair within a domain, in catalogue order, flagged > 0.9 high, < 0 negative
    assert list(corr.index) == [("a", "b"), ("a", "c"), ("b", "c"), ("e", "f")]
    assert corr.loc[("a", "b"), "flag"] == "elevee" and corr.loc[("a", "b"), "value"] > 0.9
    assert corr.loc[("a", "c"), "flag"] == "negative" and corr.loc[("a", "c"), "value"] < 0
    assert corr.loc[("b", "c"), "flag"] == "negative"
    assert corr.loc[("e", "f"), "value"] == pytest.approx(0.0, abs=1e-12)
    assert corr.loc[("e", "f"), "flag"] == "conforme"
    assert corr.loc[("a", "b"), "value"] == pytest.approx(np.corrcoef(SCORES["a"], SCORES["b"])[0, 1])
    assert (corr["n"] == 5).all() and (corr["threshold"] == 0.9).all()
    assert corr.loc[("a", "b"), "detail"].startswith("corrélation 0,95 entre «" + NBSP + "Indicateur A")


def test_correlation_threshold_is_strict_and_an_option():
    # GIVEN a pair correlated at exactly r = 0.5 (e, f shifted) and a threshold option of 0.5
    scores = {"e": [1.0, -1.0, 1.0, -1.0, 0.0], "f": [2.0, -1.0, 0.0, -1.0, 0.0]}
    r = np.corrcoef(scores["e"], scores["f"])[0, 1]
    # WHEN audited with high_correlation at r and just below r
    at = rows(audit_of(pipeline(scores, {"e": "d", "f": "d"}), {"high_correlation": r}), "correlation")
    below = rows(audit_of(pipeline(scores, {"e": "d", "f": "d"}), {"high_correlation": r - 1e-9}), "correlation")
    # THEN only a correlation strictly above the threshold is flagged high
    assert at["flag"].tolist() == ["conforme"] and below["flag"].tolist() == ["elevee"]


def test_alpha_rows_per_domain_with_flag():
    # GIVEN the example (d1: 3 indicators, d2: 2 orthogonal indicators)
    audit = audit_of(pipeline(SCORES, DOMAIN_OF))
    alpha = rows(audit, "cronbach_alpha").set_index("domain_id")
    # THEN one row per domain, alpha as computed on the score matrix, flag low below 0.7
    m = np.array([SCORES[i] for i in ("a", "b", "c")]).T
    assert alpha.loc["d1", "value"] == pytest.approx(cronbach_alpha(m)[0])
    # d2: equal variances, r = 0 -> alpha = 2r/(1+r) = 0
    assert alpha.loc["d2", "value"] == pytest.approx(0.0, abs=1e-12)
    assert alpha.loc["d2", "flag"] == "coherence_faible" and alpha.loc["d2", "threshold"] == 0.7
    assert (alpha["n"] == 5).all()


def test_domain_with_one_indicator_has_no_alpha_and_no_pair():
    # GIVEN a domain d3 with one indicator
    scores = {**SCORES, "g": [0.0, 1.0, 0.0, 1.0, 0.0]}
    audit = audit_of(pipeline(scores, {**DOMAIN_OF, "g": "d3"}))
    # THEN no alpha and no correlation row for d3, but a domaine_vs_indice row
    assert "d3" not in set(rows(audit, "cronbach_alpha")["domain_id"])
    assert "d3" not in set(rows(audit, "correlation")["domain_id"])
    assert "d3" in set(rows(audit, "domaine_vs_indice")["domain_id"])


def test_missing_scores_use_pairwise_complete_observations():
    # GIVEN b missing for DEP-05
    scores = {**SCORES, "b": [1.5, 1.5, 3.5, 3.5, np.nan]}
    audit = audit_of(pipeline(scores, DOMAIN_OF))
    corr = rows(audit, "correlation").set_index(["indicator_id", "other_indicator_id"])
    # THEN pairs with b rest on 4 départements, the others on 5; alpha on complete rows (4)
    assert corr.loc[("a", "b"), "n"] == 4 and corr.loc[("a", "c"), "n"] == 5
    assert rows(audit, "cronbach_alpha").set_index("domain_id").loc["d1", "n"] == 4


# ------------------------------------------------------------------------------------------------
# treatment and treated points


TREATED_VALUES = {
    # w: winsorised from above at 10 (DEP-05 = 50 is the outlier; R1 = 30 and FR = 12 are beyond too;
    #    DEP-04 = 10 sits on the bound: unchanged)
    "w": {"DEP-01": 1.0, "DEP-02": 2.0, "DEP-03": 3.0, "DEP-04": 10.0, "DEP-05": 50.0, "R1": 30.0, "FR": 12.0},
    # l: Box-Cox of power 0 (a logarithm), right tail anchored on the minimum 1 with scale 1:
    #    t(x) = ln((x - 1) / 1 + 1) = ln x, every non-missing value changes (R1 is missing)
    "l": {"DEP-01": 1.0, "DEP-02": 2.0, "DEP-03": np.e, "DEP-04": 4.0, "DEP-05": 100.0, "R1": np.nan, "FR": 5.0},
}


def treated_pipeline() -> dict:
    scores = {"w": [0.0, 1.0, 2.0, 3.0, 4.0], "l": [0.0, 1.0, 2.0, 3.0, 4.0], "n": [1.0, 0.0, 1.0, 0.0, 1.0]}
    treatment = {
        "w": {
            "method": "winsorisation",
            "upper": 10.0,
            "n_winsorised": 1,
            "skew_before": 2.2,
            "kurtosis_before": 4.9,
            "skew_after": 1.1,
            "kurtosis_after": 0.5,
        },
        "l": {
            "method": "box_cox",
            "tail": "droite",
            "anchor": 1.0,
            "scale": 1.0,
            "power": 0.0,
            "skew_before": 2.1,
            "kurtosis_before": 4.2,
            "skew_after": 0.4,
            "kurtosis_after": -0.3,
        },
    }
    return pipeline(scores, {"w": "d1", "l": "d1", "n": "d2"}, TREATED_VALUES, treatment)


def test_treatment_rows_one_per_indicator():
    # GIVEN one winsorised, one Box-Cox-transformed (power 0) and one untreated indicator
    audit = audit_of(treated_pipeline())
    t = rows(audit, "traitement").set_index("indicator_id")
    # THEN one row each: flag = method, value/value_before = skewness after/before, kurtosis too
    assert sorted(t.index) == ["l", "n", "w"]
    assert t["flag"].to_dict() == {"w": "winsorisation", "l": "box_cox", "n": "aucun"}
    assert t.loc["l", "parameter"] == 0.0 and np.isnan(t.loc["w", "parameter"]) and np.isnan(t.loc["n", "parameter"])
    assert (t.loc["w", "value"], t.loc["w", "value_before"]) == (1.1, 2.2)
    assert (t.loc["w", "kurtosis"], t.loc["w", "kurtosis_before"]) == (0.5, 4.9)
    assert t.loc["w", "n"] == 5 and t.loc["w", "threshold"] == 2.0
    assert "ramenée à 10" in t.loc["w", "detail"] and "transformation logarithmique" in t.loc["l", "detail"]
    assert "strictement croissante" in t.loc["l", "detail"] and "seuils encore" not in t.loc["l", "detail"]


def test_treated_points_of_a_winsorised_indicator_are_listed_exactly():
    # GIVEN w winsorised at 10
    pts = rows(audit_of(treated_pipeline()), "valeur_traitee")
    w = pts[pts["indicator_id"] == "w"].set_index("territory_code")
    # THEN exactly the values above 10, in every kind of territory, with original and treated value
    assert sorted(w.index) == ["DEP-05", "FR", "R1"]
    assert w["value_before"].to_dict() == {"DEP-05": 50.0, "R1": 30.0, "FR": 12.0}
    assert (w["value"] == 10.0).all() and (w["threshold"] == 10.0).all() and (w["flag"] == "winsorisation").all()
    assert w.loc["DEP-05", "detail"] == f"Indicateur W, Département 05{NBSP}: 50 ramené à 10 (écrêtage)"
    # départements first
    assert list(w.index) == ["DEP-05", "FR", "R1"]


def test_treated_points_of_a_box_cox_indicator_are_every_non_missing_value():
    # GIVEN l Box-Cox-transformed with power 0 anchored at 1, scale 1 (t(x) = ln x)
    pts = rows(audit_of(treated_pipeline()), "valeur_traitee")
    lg = pts[pts["indicator_id"] == "l"].set_index("territory_code")
    # THEN every non-missing value is listed (not R1, missing), with t(x) = ln x
    assert sorted(lg.index) == ["DEP-01", "DEP-02", "DEP-03", "DEP-04", "DEP-05", "FR"]
    for code, x in TREATED_VALUES["l"].items():
        if code in lg.index:
            assert lg.loc[code, "value_before"] == x
            assert lg.loc[code, "value"] == pytest.approx(math.log(x))
    assert lg.loc["DEP-03", "value"] == pytest.approx(1.0)
    assert (lg["flag"] == "box_cox").all() and (lg["threshold"] == 1.0).all()
    # and the untreated indicator has none
    assert "n" not in set(pts["indicator_id"])


def test_left_tail_box_cox_uses_the_maximum_and_goes_on_linearly_beyond_it():
    # GIVEN a left-tail Box-Cox of power 0 anchored on the maximum 10, scale 1: t(x) = -ln(10 - x + 1),
    # and x - 10 above 10 (France at 12, beyond every département)
    p = treated_pipeline()
    p["treatment"].loc[p["treatment"]["indicator_id"] == "l", ["tail", "anchor"]] = ["gauche", 10.0]
    p["indicator_values"].loc[p["indicator_values"]["indicator_id"] == "l", "value"] = [10, 9, 8, 7, 1, np.nan, 12]
    lg = rows(audit_of(p), "valeur_traitee").query("indicator_id == 'l'").set_index("territory_code")
    # THEN the treated values are -ln(11 - x)
    assert lg.loc["DEP-01", "value"] == pytest.approx(0.0)
    assert lg.loc["DEP-05", "value"] == pytest.approx(-math.log(10))
    assert lg.loc["FR", "value"] == pytest.approx(2.0)
    assert lg.loc["DEP-05", "detail"].endswith("(Box-Cox)")


# ------------------------------------------------------------------------------------------------
# domains against the overall index


def test_part_whole_correlation_is_removed_by_the_index_without_the_domain():
    """GIVEN 4 domains over 4 départements: d1 = d2 = d3 = u = (1, -1, 1, -1) and d4 = v =
    (1, 1, -1, -1), orthogonal to u with the same norm. The overall index is (3u + v)/4.
    WHEN d4 is correlated with the index
    THEN r = v.(3u + v) / (|v| |3u + v|) = 1/sqrt(10) = 0.316 although d4 has nothing in common
    with the other domains: that is the part-whole inflation. Without d4 the index is u, and
    r = 0 (value_excluding_domain)."""
    u, v = [1.0, -1.0, 1.0, -1.0, 0.0], [1.0, 1.0, -1.0, -1.0, 0.0]
    scores = {"i1": u, "i2": u, "i3": u, "i4": v}
    audit = audit_of(pipeline(scores, {"i1": "d1", "i2": "d2", "i3": "d3", "i4": "d4"}))
    dvi = rows(audit, "domaine_vs_indice").set_index("domain_id")
    assert dvi.loc["d4", "value"] == pytest.approx(1 / math.sqrt(10))
    assert dvi.loc["d4", "value_excluding_domain"] == pytest.approx(0.0, abs=1e-12)
    assert dvi.loc["d4", "flag"] == "conforme"  # 0.316 >= 0.3 on the whole index
    assert dvi.loc["d1", "value_excluding_domain"] == pytest.approx(pearson(u, np.array([u, u, v]).mean(axis=0))[0])
    assert (dvi["n"] == 5).all() and (dvi["threshold"] == 0.3).all()
    assert "0,32 avec l'indice d'ensemble, 0,00 avec l'indice calculé sans ce domaine" in plain(dvi.loc["d4", "detail"])


def test_domain_vs_index_flags_weak_and_negative():
    # GIVEN d1 = d2 = u, d3 = -u + small noise (negative), with a weak-threshold option of 0.99
    u = [1.0, -1.0, 1.0, -1.0, 0.0]
    scores = {"i1": u, "i2": u, "i3": [-1.0, 1.0, -1.0, 0.5, 0.0]}
    audit = audit_of(pipeline(scores, {"i1": "d1", "i2": "d2", "i3": "d3"}), {"min_domain_correlation": 0.99})
    dvi = rows(audit, "domaine_vs_indice").set_index("domain_id")
    # THEN d3 is negative, d1 and d2 below 0.99 are weak
    assert dvi.loc["d3", "value"] < 0 and dvi.loc["d3", "flag"] == "negative"
    assert dvi.loc["d1", "flag"] == "lien_faible" and dvi.loc["d2", "flag"] == "lien_faible"
    assert len(dvi) == 3


# ------------------------------------------------------------------------------------------------
# table contract, summary and sentences


def test_columns_and_key_uniqueness(tmp_path):
    # GIVEN an audit with every kind of row
    audit = audit_of(treated_pipeline())
    # THEN the stable column set, a unique key with '' (never NULL) in key columns
    assert list(audit.columns) == COLUMNS
    assert set(audit["check"]) == {"traitement", "valeur_traitee", "correlation", "cronbach_alpha", "domaine_vs_indice"}
    assert not audit.duplicated(KEY).any()
    for c in KEY:
        assert audit[c].notna().all()
    assert (rows(audit, "domaine_vs_indice")["indicator_id"] == "").all()
    # and write_table accepts it (it keeps the contract of index_audit)
    write_table(audit, tmp_path / "index_audit.parquet", "index_audit")
    back = pd.read_parquet(tmp_path / "index_audit.parquet")
    assert len(back) == len(audit)


def test_summary_and_french_sentences():
    # GIVEN the example with a redundant pair and opposite indicators in d1
    audit = audit_of(pipeline(SCORES, DOMAIN_OF))
    s = summary(audit)
    # THEN the counts
    assert s["n_indicators"] == 5 and s["n_treated_indicators"] == 0 and s["n_treated_points"] == 0
    assert s["n_pairs"] == 4
    assert [(d, a, b) for d, a, b, _ in s["high_pairs"]] == [("d1", "a", "b")]
    assert [(a, b) for _, a, b, _ in s["negative_pairs"]] == [("a", "c"), ("b", "c")]
    # d1: c against a and b makes alpha negative; d2: r = 0 gives alpha = 0
    assert [d for d, _ in s["low_alpha_domains"]] == ["d1", "d2"]
    assert s["low_alpha_domains"][0][1] < 0 and s["low_alpha_domains"][1][1] == pytest.approx(0.0, abs=1e-12)
    assert s["weak_domains"] == [] and s["negative_domains"] == []
    sentences = audit_sentences(audit, {"d1": "Santé", "d2": "Emploi"}, {"a": "Taux A", "b": "Taux B"})
    text = plain(" ".join(sentences))
    # AND the sentences, in French typography (decimal comma, no-break space before ':')
    assert "Aucun indicateur n'a nécessité de traitement" in text
    assert any(
        x.startswith(
            f"Deux indicateurs du domaine Santé sont corrélés à plus de 0,9{NBSP}: "
            f"«{NBSP}Taux A{NBSP}» et «{NBSP}Taux B{NBSP}» (0,95)"
        )
        for x in sentences
    )
    assert "varient en sens opposé" in text
    assert f"inférieure à 0,7 dans 2 domaines sur 2{NBSP}: Santé (−0,74) et Emploi (0,00)." in text
    assert " :" not in text and "0.9" not in text


def test_sentences_on_treatment():
    audit = audit_of(treated_pipeline())
    s = summary(audit)
    assert s["winsorised_indicators"] == ["w"] and s["box_cox_indicators"] == ["l"]
    assert s["n_treated_points"] == 3 + 6
    sentences = audit_sentences(audit, {}, {"w": "Taux W", "l": "Part L"})
    assert sentences[0] == (
        f"2 indicateurs sur 3 ont été traités (valeurs extrêmes){NBSP}: «{NBSP}Taux W{NBSP}» "
        f"(écrêtage, 3 valeurs) et «{NBSP}Part L{NBSP}» (transformation logarithmique)."
    )
    assert sentences[1].startswith("Au total, 9 valeurs (tous territoires confondus) ont été modifiées")
    assert sentences[1].endswith("avec les mêmes paramètres pour tous les territoires.")


def test_sentences_on_a_box_cox_treatment_say_that_the_order_is_kept():
    # GIVEN only the Box-Cox indicator treated, with power 0.25 and the rule still unmet
    p = treated_pipeline()
    t = p["treatment"]
    t.loc[t["indicator_id"] == "w", ["method", "upper"]] = ["aucun", np.nan]
    t.loc[t["indicator_id"] == "l", ["power", "is_rule_met"]] = [0.25, False]
    audit = audit_of(p)
    # WHEN the sentences are written
    sentences = audit_sentences(audit, {}, {"l": "Part L"})
    # THEN the power is named, the order-keeping property stated, the unmet rule in the detail
    assert sentences[0] == (
        f"1 indicateur sur 3 a été traité (valeurs extrêmes){NBSP}: «{NBSP}Part L{NBSP}» "
        "(transformation de Box-Cox de puissance 0,25)."
    )
    assert any("strictement croissante" in x and "gardent des scores différents" in x for x in sentences)
    row = rows(audit, "traitement").set_index("indicator_id").loc["l"]
    assert row["parameter"] == 0.25 and "seuils encore dépassés" in row["detail"]


def test_sentences_name_a_shared_transform_once():
    # GIVEN two indicators both logged (Box-Cox power 0)
    p = treated_pipeline()
    t = p["treatment"]
    t.loc[t["indicator_id"] == "w", ["method", "upper", "tail", "anchor", "scale", "power"]] = [
        "box_cox",
        np.nan,
        "droite",
        1.0,
        1.0,
        0.0,
    ]
    # WHEN / THEN the sentence names the transform once, for all of them
    first = audit_sentences(audit_of(p), {}, {"w": "Taux W", "l": "Part L"})[0]
    assert first == (
        f"2 indicateurs sur 3 ont été traités (valeurs extrêmes), tous par transformation "
        f"logarithmique{NBSP}: «{NBSP}Taux W{NBSP}» et «{NBSP}Part L{NBSP}»."
    )


# ------------------------------------------------------------------------------------------------
# the real demo tables


ROOT = Path(__file__).resolve().parent.parent
DEMO = [
    "base/indicator_values",
    "base/indicator_scores",
    "base/fragility_indices",
    "base/territories",
    "staging/indicator_treatment",
]


def test_on_the_demo_tables(demo_processed):
    from impact_regions.config import load_indicators
    from impact_regions.index_audit import audit_catalogue

    values, scores, indices, territories, treatment = (pd.read_parquet(demo_processed / f"{p}.parquet") for p in DEMO)
    catalogue = audit_catalogue(load_indicators(ROOT / "config" / "indicators.yaml"))
    audit = build_index_audit(
        values,
        scores,
        indices,
        treatment,
        territories,
        catalogue,
        {"high_correlation": 0.9, "min_alpha": 0.7, "min_domain_correlation": 0.3},
    )
    # one traitement row per indicator, 16 domaine_vs_indice rows, a unique key
    assert sorted(rows(audit, "traitement")["indicator_id"]) == sorted(values["indicator_id"].unique())
    assert len(rows(audit, "domaine_vs_indice")) == 16
    assert not audit.duplicated(KEY).any()
    # the treated points are exactly those the SQL marks is_treated
    pts = rows(audit, "valeur_traitee")
    assert set(zip(pts["indicator_id"], pts["territory_code"], strict=True)) == set(
        zip(*scores.loc[scores["is_treated"], ["indicator_id", "territory_code"]].T.to_numpy(), strict=True)
    )
    # the correlations and alphas rest on (at most) the 101 départements
    assert rows(audit, "correlation")["n"].max() == 101
