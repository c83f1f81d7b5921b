"""Unit tests of the survey estimates (impact_regions.survey_estimates + sql/survey_estimates.sql).

A small stratified cluster sample (3 strata, 4-5 PSUs each, 4-8 respondents per PSU, unequal
weights, "ne sait pas" codes and unasked questions) is written as a raw microdata file and
staged with `survey_responses.build_survey`, exactly as the pipeline does. Estimates are then
checked against samplics (Taylor linearisation, with-replacement PSUs, no finite population
correction, domain estimation) and against an independent numpy implementation of the
overlap-aware contrast with France, itself cross-checked with a delete-one-PSU jackknife.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from inline_configs import SURVEY_CODEBOOK_YAML
from scipy import stats

from impact_regions.config import load_survey
from impact_regions.survey_estimates import build_survey_estimates, finish_estimates
from impact_regions.survey_responses import build_survey
from impact_regions.territories import build_territories

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # "samplics is archived"
    from samplics import PopParam, TaylorEstimator

Z95 = stats.norm.ppf(0.975)
DOMAINS = [{"id": "emploi", "label": "Emploi"}, {"id": "logement", "label": "Mal-logement"}]
# no publication rule: every estimate is shown, so that the numbers can be compared
OPEN = {"confidence_level": 0.95, "alpha": 0.05, "min_n_publish": 1, "min_n_reliable": 1, "max_rse": 1e9}
DEFAULT = {"confidence_level": 0.95, "alpha": 0.05, "min_n_publish": 30, "min_n_reliable": 100, "max_rse": 0.30}

CODEBOOK_YAML = SURVEY_CODEBOOK_YAML

# Territories: region 84 (01, 03), a custom territory SUD (04, 13, 2A) that cuts across strata
# and regions, and France (all départements). Strata cut across territories too.
TERRITORY_FILES = [
    {"code": "84", "name": "Auvergne-Rhône-Alpes", "slug": "ara", "kind": "region", "departements": ["01", "03"]},
    {"code": "SUD", "name": "Sud", "slug": "sud", "kind": "custom", "departements": ["04", "13", "2A"]},
]
REGION_OF = {"01": "84", "03": "84", "04": "93", "13": "93", "2A": "94", "2B": "94", "971": "01"}
# stratum -> département(s) of each of its PSUs (a PSU listing two départements straddles them)
DESIGN = {
    "U": ["01", "13", "13", "2A", "03"],
    "P": ["03", "04", "01", "2B"],
    "R": ["04", "971", ["01", "2A"], "2B", "13"],
}
MEASURES = ["fragilite_emploi", "fragilite_logement", "devoir_alliance", "cooperation_emploi", "cooperation_logement"]
SHARES = {"devoir_alliance", "cooperation_emploi", "cooperation_logement"}


def make_microdata(design: dict = DESIGN, seed: int = 20190601) -> pd.DataFrame:
    """The raw citoyens file as text cells, one row per respondent (deterministic)."""
    rng = np.random.default_rng(seed)
    dep_shift = {"01": 2.0, "03": 1.0, "04": -1.0, "13": 0.5, "2A": -2.0, "2B": 1.5, "971": 3.0}
    rows, k = [], 0
    for stratum, psus in design.items():
        for j, deps in enumerate(psus, start=1):
            deps = deps if isinstance(deps, list) else [deps]
            psu_effect = rng.normal(0, 1.2)
            for _ in range(int(rng.integers(4, 9))):
                k += 1
                dep = deps[int(rng.integers(len(deps)))]
                mu = 5 + dep_shift[dep] + psu_effect
                frag = [int(np.clip(round(rng.normal(mu + d, 2)), 0, 10)) for d in (0, -1)]
                frag = [99 if rng.random() < 0.12 else f for f in frag]
                agree = (
                    9
                    if rng.random() < 0.1
                    else int(rng.integers(1, 5) if dep_shift[dep] < 1 else rng.choice([1, 2, 2, 3]))
                )
                coop = [
                    "" if rng.random() < 0.3 else str(int(rng.random() < 0.35 + 0.05 * dep_shift[dep]))
                    for _ in range(2)
                ]
                rows.append(
                    {
                        "id_repondant": f"C{k:04d}",
                        "code_region": REGION_OF[dep],
                        "code_departement": dep,
                        "sexe": str(int(rng.integers(1, 3))),
                        "tranche_age": str(int(rng.integers(1, 6))),
                        "strate": stratum,
                        "grappe": str(j),
                        "poids": f"{rng.uniform(0.4, 3.5):.3f}".replace(".", ","),
                        "fragilite_emploi": str(frag[0]),
                        "fragilite_logement": str(frag[1]),
                        "devoir_alliance": str(agree),
                        "cooperation_emploi": coop[0],
                        "cooperation_logement": coop[1],
                    }
                )
    return pd.DataFrame(rows)


def stage(tmp_path, tiny_geo, micro: pd.DataFrame, codebook_yaml: str = CODEBOOK_YAML):
    """Write the microdata and the codebook, and stage them with build_survey."""
    (tmp_path / "survey").mkdir(parents=True, exist_ok=True)
    micro.to_csv(tmp_path / "survey" / "impact_citoyens.csv", sep=";", index=False)
    (tmp_path / "survey.yaml").write_text(codebook_yaml, encoding="utf-8")
    codebook = load_survey(tmp_path / "survey.yaml", DOMAINS)
    respondents, responses = build_survey(codebook, tmp_path, tiny_geo)
    return codebook, respondents, responses


@pytest.fixture(scope="module")
def sample(tmp_path_factory, shared_tiny_geo):
    """(microdata, codebook, respondents, responses, territories, estimates with OPEN options)."""
    geo = shared_tiny_geo
    tmp = tmp_path_factory.mktemp("survey")
    micro = make_microdata()
    codebook, respondents, responses = stage(tmp, geo, micro)
    territories = build_territories(geo, TERRITORY_FILES)
    est = build_survey_estimates(respondents, responses, territories, codebook, OPEN)
    return micro, codebook, respondents, responses, territories, est


@pytest.fixture(scope="module")
def large_sample(tmp_path_factory, shared_tiny_geo):
    """The same design with 4 times as many PSUs per stratum (16-20), for the jackknife check."""
    geo = shared_tiny_geo
    tmp = tmp_path_factory.mktemp("survey_large")
    micro = make_microdata({h: psus * 4 for h, psus in DESIGN.items()}, seed=7)
    codebook, respondents, responses = stage(tmp, geo, micro)
    territories = build_territories(geo, TERRITORY_FILES)
    est = build_survey_estimates(respondents, responses, territories, codebook, OPEN)
    return micro, codebook, respondents, responses, territories, est


def flat(
    respondents: pd.DataFrame, responses: pd.DataFrame, territories: pd.DataFrame, code: str, measure: str
) -> pd.DataFrame:
    """Every respondent of the file with: y (0 when no valid answer), answered, in_T, w, stratum, psu."""
    deps = set(territories.loc[territories["territory_code"] == code, "departement_code"])
    ans = responses[responses["measure_id"] == measure].set_index("respondent_id")["y"]
    df = respondents[["respondent_id", "departement_code", "stratum", "psu", "weight"]].copy()
    df["answered"] = df["respondent_id"].map(ans).notna().to_numpy()
    df["y"] = df["respondent_id"].map(ans).fillna(0.0).to_numpy(dtype=float)
    df["in_t"] = df["departement_code"].isin(deps).to_numpy() & df["answered"].to_numpy()
    df["w"] = df["weight"].to_numpy(dtype=float)
    return df.reset_index(drop=True)


def row(est: pd.DataFrame, code: str, measure: str, group: str = "habitants") -> pd.Series:
    sel = est[(est["territory_code"] == code) & (est["measure_id"] == measure) & (est["respondent_group"] == group)]
    assert len(sel) == 1, (code, measure, group)
    return sel.iloc[0]


# -------------------------------- independent implementations ----------------------------------


def stratified_wr_variance(values: np.ndarray, stratum: np.ndarray, psu: np.ndarray) -> float:
    """Σ_h n_h/(n_h-1) Σ_j (t_hj - mean_h t)² over PSU totals t_hj of `values` (every PSU counts)."""
    df = pd.DataFrame({"v": values, "h": stratum, "j": psu})
    totals = df.groupby(["h", "j"])["v"].sum()
    var = 0.0
    for _, t in totals.groupby(level="h"):
        n = len(t)
        if n > 1:
            var += n / (n - 1) * float(((t - t.mean()) ** 2).sum())
    return var


def linearised(df: pd.DataFrame, member: np.ndarray) -> np.ndarray:
    """Per-respondent linearised variable of the ratio mean over `member`: w(y - ŷ)/Σw, 0 elsewhere."""
    w = np.where(member, df["w"].to_numpy(), 0.0)
    y = df["y"].to_numpy()
    est = (w * y).sum() / w.sum()
    return w * (y - est) / w.sum()


def weighted_mean(df: pd.DataFrame, member: np.ndarray, w: np.ndarray | None = None) -> float:
    w = np.where(member, df["w"].to_numpy() if w is None else w, 0.0)
    return float((w * df["y"].to_numpy()).sum() / w.sum())


def jackknife_diff_variance(df: pd.DataFrame) -> float:
    """Delete-one-PSU (JKn) variance of ŷ_T - ŷ_FR."""
    in_t, in_fr = df["in_t"].to_numpy(), df["answered"].to_numpy()
    theta = weighted_mean(df, in_t) - weighted_mean(df, in_fr)
    var = 0.0
    for h, sub in df.groupby("stratum"):
        psus = sub["psu"].unique()
        n = len(psus)
        if n < 2:
            continue
        for j in psus:
            w = df["w"].to_numpy().copy()
            in_h = (df["stratum"] == h).to_numpy()
            in_j = (df["psu"] == j).to_numpy()
            w[in_h & ~in_j] *= n / (n - 1)
            w[in_j] = 0.0
            th = weighted_mean(df, in_t, w) - weighted_mean(df, in_fr, w)
            var += (n - 1) / n * (th - theta) ** 2
    return var


def samplics_domain_mean(df: pd.DataFrame) -> TaylorEstimator:
    """samplics' Taylor estimate of the mean over the domain `in_t`, with the whole file's design.

    Rows outside the domain get y = 1 (any value: samplics zeroes them for the domain "in"), so
    that samplics' coefficient of variation of the "out" domain is not a division by zero.
    """
    tay = TaylorEstimator(PopParam.mean)
    tay.estimate(
        y=np.where(df["in_t"], df["y"], 1.0),
        samp_weight=df["w"].to_numpy(),
        stratum=df["stratum"].to_numpy(),
        psu=df["psu"].to_numpy(),
        domain=np.where(df["in_t"], "in", "out"),
        fpc=1.0,
    )
    return tay


# ------------------------------------------- tests ----------------------------------------------


def test_the_sample_is_what_the_tests_assume(sample):
    # GIVEN the staged sample
    micro, _, respondents, responses, territories, _ = sample
    # WHEN / THEN: 3 strata of 4-5 PSUs, 4-8 respondents per PSU, unequal weights, some
    # "ne sait pas" (dropped from responses) and some unasked questions
    psus = respondents.groupby("stratum")["psu"].nunique().to_dict()
    assert psus == {"citoyens:P": 4, "citoyens:R": 5, "citoyens:U": 5}
    sizes = respondents.groupby("psu").size()
    assert sizes.between(4, 8).all()
    assert respondents["weight"].nunique() > 10
    assert (micro["fragilite_emploi"] == "99").sum() > 0 and (micro["devoir_alliance"] == "9").sum() > 0
    assert (micro["cooperation_emploi"] == "").sum() > 0
    n_frag = (micro["fragilite_emploi"] != "99").sum()
    assert (responses["measure_id"] == "fragilite_emploi").sum() == n_frag
    assert set(territories["territory_code"]) >= {"84", "SUD", "FR", "DEP-2A"}


@pytest.mark.parametrize("code", ["84", "SUD", "FR", "DEP-13"])
@pytest.mark.parametrize("measure", MEASURES)
def test_estimate_n_and_n_eff(sample, code, measure):
    # GIVEN the staged sample and a territory
    micro, _, respondents, responses, territories, est = sample
    df = flat(respondents, responses, territories, code, measure)
    member = df["in_t"].to_numpy()
    w = df.loc[member, "w"].to_numpy()
    # WHEN the estimates are built
    r = row(est, code, measure)
    # THEN the estimate is the weighted mean over valid answers, n the number of valid answers and
    # n_eff Kish's (Σw)²/Σw²
    assert r["n"] == member.sum()
    assert r["estimate"] == pytest.approx(weighted_mean(df, member), rel=1e-12)
    assert r["n_eff"] == pytest.approx(w.sum() ** 2 / (w**2).sum(), rel=1e-12)
    assert r["n_eff"] < r["n"]  # unequal weights


def test_agree_measure_is_share_of_positive_answers(sample):
    # GIVEN the raw answers to devoir_alliance (1-2 = agree, 9 = ne sait pas) in region 84
    micro, _, respondents, responses, territories, est = sample
    m = micro[micro["code_departement"].isin(["01", "03"]) & (micro["devoir_alliance"] != "9")]
    w = m["poids"].str.replace(",", ".").astype(float)
    expected = float((w * m["devoir_alliance"].isin(["1", "2"])).sum() / w.sum())
    # WHEN / THEN the estimate is the weighted share of 1 or 2 among valid answers
    assert row(est, "84", "devoir_alliance")["estimate"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("code", ["84", "SUD", "FR", "DEP-01", "DEP-2B"])
@pytest.mark.parametrize("measure", MEASURES)
def test_se_matches_samplics_taylor_domain_estimation(sample, code, measure):
    # GIVEN the whole file's design (every respondent, answering or not) and the territory as a domain
    _, _, respondents, responses, territories, est = sample
    df = flat(respondents, responses, territories, code, measure)
    # WHEN samplics estimates the mean (with-replacement PSUs, fpc = 1)
    tay = samplics_domain_mean(df)
    # THEN the pipeline's estimate and SE agree to 1e-8 relative
    r = row(est, code, measure)
    assert r["estimate"] == pytest.approx(tay.point_est["in"], rel=1e-10)
    assert r["se"] == pytest.approx(tay.stderror["in"], rel=1e-8)
    assert r["se"] > 0


def test_se_is_not_the_subset_only_variance(sample):
    # GIVEN region 84 and a computation that would forget the PSUs without any of its respondents
    _, _, respondents, responses, territories, est = sample
    df = flat(respondents, responses, territories, "84", "fragilite_emploi")
    sub = df[df["in_t"]]
    z = linearised(sub, np.ones(len(sub), bool))
    naive = np.sqrt(stratified_wr_variance(z, sub["stratum"].to_numpy(), sub["psu"].to_numpy()))
    full = np.sqrt(
        stratified_wr_variance(linearised(df, df["in_t"].to_numpy()), df["stratum"].to_numpy(), df["psu"].to_numpy())
    )
    # WHEN / THEN the pipeline keeps the whole design (domain estimation), which differs here
    assert abs(naive - full) / full > 0.01
    assert row(est, "84", "fragilite_emploi")["se"] == pytest.approx(full, rel=1e-10)


@pytest.mark.parametrize("code", ["84", "SUD", "DEP-13"])
@pytest.mark.parametrize("measure", MEASURES)
def test_difference_to_france_and_its_overlap_aware_se(sample, code, measure):
    # GIVEN a territory, which is part of France
    _, _, respondents, responses, territories, est = sample
    df = flat(respondents, responses, territories, code, measure)
    in_t, in_fr = df["in_t"].to_numpy(), df["answered"].to_numpy()
    # WHEN the contrast is linearised independently: d_i = z_T,i - z_FR,i, PSU totals,
    # stratified with-replacement variance
    d = linearised(df, in_t) - linearised(df, in_fr)
    se_lin = np.sqrt(stratified_wr_variance(d, df["stratum"].to_numpy(), df["psu"].to_numpy()))
    r, fr = row(est, code, measure), row(est, "FR", measure)
    # THEN the pipeline's difference and SE are these
    assert r["diff_vs_france"] == pytest.approx(weighted_mean(df, in_t) - weighted_mean(df, in_fr), rel=1e-10)
    assert r["diff_vs_france"] == pytest.approx(r["estimate"] - fr["estimate"], rel=1e-10)
    assert r["se_diff"] == pytest.approx(se_lin, rel=1e-8)
    # and they are not the independent-samples SE, which ignores the overlap
    assert abs(r["se_diff"] - np.hypot(r["se"], fr["se"])) / r["se_diff"] > 1e-3
    # and France has no difference with itself
    assert np.isnan(fr["diff_vs_france"]) and np.isnan(fr["se_diff"])


@pytest.mark.parametrize("code", ["84", "SUD"])
@pytest.mark.parametrize("measure", MEASURES)
def test_contrast_se_agrees_with_delete_one_psu_jackknife(sample, large_sample, code, measure):
    # GIVEN the same contrast estimated by a delete-one-PSU jackknife (JKn). Both estimators agree
    # to first order only: on the small sample (domains of ~20-30 respondents in 4-5 PSUs per
    # stratum) the jackknife is 6-16 % larger, as expected for a ratio in small samples, so the
    # 10 % check is made on the same design with 4 times as many PSUs (domains of 60-130)
    _, _, respondents, responses, territories, est = large_sample
    small = flat(*sample[2:5], code, measure)
    ratio_small = row(sample[-1], code, measure)["se_diff"] / np.sqrt(jackknife_diff_variance(small))
    assert 0.8 < ratio_small < 1.05
    df = flat(respondents, responses, territories, code, measure)
    se_jk = np.sqrt(jackknife_diff_variance(df))
    # WHEN / THEN the linearised SE is within 10 % of it
    se = row(est, code, measure)["se_diff"]
    assert se == pytest.approx(se_jk, rel=0.10)


def test_p_value_and_significance(sample):
    # GIVEN the estimates
    est = sample[-1]
    sub = est[est["territory_code"] != "FR"].dropna(subset=["se_diff"])
    sub = sub[sub["se_diff"] > 0]
    # WHEN / THEN p = 2 (1 - Φ(|diff| / se_diff)), significant when the Holm-adjusted p < alpha
    # (never significant when the raw p is not, and the adjustment never lowers a p-value)
    expected = 2 * stats.norm.sf(np.abs(sub["diff_vs_france"]) / sub["se_diff"])
    np.testing.assert_allclose(sub["p_value"], expected, rtol=1e-10)
    assert (sub["p_value_holm"] >= sub["p_value"] - 1e-15).all()
    assert (sub["is_significant"] == (sub["p_value_holm"] < 0.05)).all()
    assert not (sub["is_significant"] & (expected >= 0.05)).any()
    assert sub["is_significant"].any() and not sub["is_significant"].all()


def test_confidence_intervals_normal_for_means_logit_for_shares(sample):
    # GIVEN the estimates of a territory
    est = sample[-1]
    for measure in MEASURES:
        r = row(est, "SUD", measure)
        p, se = r["estimate"], r["se"]
        # WHEN / THEN means get est ± z·se, shares logit(p) ± z·se/(p(1-p)) back-transformed
        if measure in SHARES:
            assert 0 < p < 1
            lg = np.log(p / (1 - p))
            half = Z95 * se / (p * (1 - p))
            lo, hi = 1 / (1 + np.exp(-(lg - half))), 1 / (1 + np.exp(-(lg + half)))
            assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi), rel=1e-10)
            assert 0 < r["ci_low"] < p < r["ci_high"] < 1
            assert r["ci_high"] - p != pytest.approx(p - r["ci_low"], rel=1e-6)  # asymmetric
            assert r["kind"] in ("accord", "part")
        else:
            assert (r["ci_low"], r["ci_high"]) == pytest.approx((p - Z95 * se, p + Z95 * se), rel=1e-10)
            assert r["kind"] == "moyenne"


def test_confidence_level_option_is_used(sample):
    # GIVEN the same sample estimated at 90 %
    _, codebook, respondents, responses, territories, est95 = sample
    est90 = build_survey_estimates(respondents, responses, territories, codebook, dict(OPEN, confidence_level=0.90))
    # WHEN / THEN the interval of a mean uses z = 1.645
    r = row(est90, "84", "fragilite_emploi")
    z = stats.norm.ppf(0.95)
    assert r["ci_high"] - r["estimate"] == pytest.approx(z * r["se"], rel=1e-10)
    assert r["ci_high"] < row(est95, "84", "fragilite_emploi")["ci_high"]


def test_korn_graubard_interval_at_zero_and_one():
    # GIVEN shares of exactly 1 and 0 (SE 0) with an effective sample size of 40, and a mean of 0
    raw = pd.DataFrame(
        {
            "territory_code": ["T1", "T2", "T3"],
            "respondent_group": "habitants",
            "measure_id": ["cooperation_emploi", "cooperation_emploi", "fragilite_emploi"],
            "estimate": [1.0, 0.0, 0.0],
            "se": [0.0, 0.0, 0.0],
            "n": [50, 50, 50],
            "n_eff": [40.0, 40.0, 40.0],
            "diff_vs_france": [0.1, -0.1, 0.0],
            "se_diff": [0.05, 0.05, 0.0],
        }
    )
    kinds = {"cooperation_emploi": "share", "fragilite_emploi": "mean"}
    # WHEN intervals are added
    out = finish_estimates(raw, kinds, OPEN).set_index("territory_code")
    # THEN they are Clopper-Pearson on n_eff: [(α/2)^(1/n_eff), 1] and [0, 1 - (α/2)^(1/n_eff)]
    edge = 0.025 ** (1 / 40)
    assert (out.at["T1", "ci_low"], out.at["T1", "ci_high"]) == pytest.approx((edge, 1.0), rel=1e-10)
    assert (out.at["T2", "ci_low"], out.at["T2", "ci_high"]) == pytest.approx((0.0, 1 - edge), abs=1e-12)
    # a mean at 0 with SE 0 keeps its degenerate normal interval
    assert (out.at["T3", "ci_low"], out.at["T3", "ci_high"]) == (0.0, 0.0)
    # a zero difference with zero SE is not significant
    assert out.at["T3", "p_value"] == 1.0 and not out.at["T3", "is_significant"]


@pytest.mark.parametrize(
    "n, est, se, expected",
    [
        (29, 5.0, 0.1, "non_publie"),
        (30, 5.0, 0.1, "prudence"),
        (99, 5.0, 0.1, "prudence"),
        (100, 5.0, 0.1, "fiable"),
        (500, 1.0, 0.31, "prudence"),  # relative SE 31 %
        (500, 1.0, 0.30, "fiable"),  # relative SE exactly 30 %: not above
        (500, 0.0, 0.01, "prudence"),  # relative SE infinite
    ],
)
def test_reliability_rules(n, est, se, expected):
    # GIVEN one estimate with its n and SE
    raw = pd.DataFrame(
        {
            "territory_code": ["T"],
            "respondent_group": ["habitants"],
            "measure_id": ["fragilite_emploi"],
            "estimate": [est],
            "se": [se],
            "n": [n],
            "n_eff": [n * 0.8],
            "diff_vs_france": [0.4],
            "se_diff": [0.1],
        }
    )
    # WHEN the publication rule is applied with the defaults (30, 100, 30 %)
    out = finish_estimates(raw, {"fragilite_emploi": "mean"}, DEFAULT).iloc[0]
    # THEN the reliability is as documented, and a suppressed estimate shows no number
    assert out["reliability"] == expected
    numbers = ["estimate", "se", "ci_low", "ci_high", "diff_vs_france", "se_diff", "p_value"]
    if expected == "non_publie":
        assert out[numbers].isna().all()
        assert not out["is_significant"]
        assert out["n"] == n  # n is still shown
    else:
        assert out[numbers].notna().all()
        assert out["estimate"] == est


def test_reliability_on_the_sample(sample):
    # GIVEN the sample estimated with the default publication rule
    _, codebook, respondents, responses, territories, est_open = sample
    est = build_survey_estimates(respondents, responses, territories, codebook, DEFAULT)
    merged = est.merge(est_open, on=["territory_code", "respondent_group", "measure_id"], suffixes=("", "_open"))
    # WHEN / THEN each row's reliability follows from its n and relative SE
    rse = merged["se_open"] / merged["estimate_open"].abs()
    expected = np.where(
        merged["n"] < 30, "non_publie", np.where((merged["n"] < 100) | (rse > 0.30), "prudence", "fiable")
    )
    assert (merged["reliability"] == expected).all()
    assert set(expected) >= {"non_publie", "prudence"}
    assert merged.loc[merged["reliability"] == "non_publie", "estimate"].isna().all()
    kept = merged["reliability"] != "non_publie"
    np.testing.assert_allclose(merged.loc[kept, "estimate"], merged.loc[kept, "estimate_open"], rtol=1e-12)


def test_one_row_per_territory_group_measure(sample):
    # GIVEN the estimates
    est = sample[-1]
    # WHEN / THEN the key is unique and every territory with respondents has every measure
    assert not est.duplicated(["territory_code", "respondent_group", "measure_id"]).any()
    for code in ("84", "SUD", "FR"):
        assert set(est.loc[est["territory_code"] == code, "measure_id"]) == set(MEASURES)
    assert set(est["respondent_group"]) == {"habitants"}


def test_design_defaults_without_strata_and_psu_columns(tmp_path, tiny_geo):
    # GIVEN the same microdata without `strate` and `grappe` columns, and a codebook naming neither
    micro = make_microdata().drop(columns=["strate", "grappe"])
    no_design = CODEBOOK_YAML.replace("    strata_column: strate\n    psu_column: grappe\n", "")
    assert "strata_column" not in no_design
    codebook, respondents, responses = stage(tmp_path, tiny_geo, micro, no_design)
    territories = build_territories(tiny_geo, TERRITORY_FILES)
    # WHEN estimated
    est = build_survey_estimates(respondents, responses, territories, codebook, OPEN)
    # THEN the design is one stratum per region and every respondent its own PSU
    assert set(respondents["stratum"]) == {f"citoyens:{r}" for r in micro["code_region"]}
    assert respondents["psu"].nunique() == len(respondents)
    df = flat(respondents, responses, territories, "SUD", "fragilite_emploi")
    tay = samplics_domain_mean(df)
    assert row(est, "SUD", "fragilite_emploi")["se"] == pytest.approx(tay.stderror["in"], rel=1e-8)


def test_strata_codes_reused_by_another_file_do_not_merge(tmp_path, tiny_geo):
    # GIVEN a second file (organisations) whose strata and PSU labels reuse "U"/"P"/"R" and "1"...
    micro = make_microdata()
    orgs = micro.rename(columns={"id_repondant": "id_organisation"}).copy()
    orgs["id_organisation"] = "O" + orgs["id_organisation"].str[1:]
    orgs["type_acteur"] = np.where(np.arange(len(orgs)) % 2 == 0, "association", "maire")
    orgs = orgs.drop(columns=["sexe", "tranche_age"])
    (tmp_path / "survey").mkdir()
    orgs.to_csv(tmp_path / "survey" / "phare.csv", sep=";", index=False)
    two_files = CODEBOOK_YAML.replace(
        "region_column:",
        """  - id: organisations
    path: survey/phare.csv
    label: PHARE (test)
    id_column: id_organisation
    group_column: type_acteur
    group_values: {association: associations, maire: maires}
    strata_column: strate
    psu_column: grappe
    weight_column: poids
region_column:""",
    )
    territories = build_territories(tiny_geo, TERRITORY_FILES)
    codebook1, resp1, ans1 = stage(tmp_path / "one", tiny_geo, micro)
    codebook2, resp2, ans2 = stage(tmp_path, tiny_geo, micro, two_files)
    # WHEN both are estimated
    est1 = build_survey_estimates(resp1, ans1, territories, codebook1, OPEN)
    est2 = build_survey_estimates(resp2, ans2, territories, codebook2, OPEN)
    # THEN the inhabitants' estimates are unchanged by the other file, and the groups are separate
    h1 = est1.set_index(["territory_code", "measure_id"]).sort_index()
    h2 = est2[est2["respondent_group"] == "habitants"].set_index(["territory_code", "measure_id"]).sort_index()
    np.testing.assert_allclose(h2["se"], h1["se"], rtol=1e-10)
    np.testing.assert_allclose(h2["se_diff"].fillna(-1), h1["se_diff"].fillna(-1), rtol=1e-10)
    assert set(est2["respondent_group"]) == {"habitants", "associations", "maires"}
    assert resp2.groupby("stratum")["file_id"].nunique().max() == 1


# --------------------------------------------------------------------------------------------
# Holm correction across the 16 domains (statistics issue, point 4)
# --------------------------------------------------------------------------------------------


def _holm_by_definition(p: list[float]) -> list[float]:
    """Independent computation: the smallest alpha at which Holm's step-down procedure rejects
    each hypothesis (reject H_(1..i) while p_(j) <= alpha / (m - j + 1) for every j <= i)."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    for rank, i in enumerate(order):
        out[i] = min(1.0, max((m - j) * p[order[j]] for j in range(rank + 1)))
    return out


def test_holm_adjust_matches_hand_computation_and_definition():
    """GIVEN p = 0.01, 0.04, 0.03, 0.005 (m = 4)
    WHEN adjusted by Holm
    THEN sorted 0.005, 0.01, 0.03, 0.04 -> 4x, 3x, 2x, 1x = 0.02, 0.03, 0.06, 0.04 -> running max
    0.02, 0.03, 0.06, 0.06, back in the original order; NaN are left out of the family."""
    from impact_regions.survey_estimates import holm_adjust

    p = [0.01, 0.04, 0.03, 0.005]
    np.testing.assert_allclose(holm_adjust(np.array(p)), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(holm_adjust(np.array(p)), _holm_by_definition(p))
    with_nan = holm_adjust(np.array([0.01, np.nan, 0.04]))
    assert np.isnan(with_nan[1])
    np.testing.assert_allclose(with_nan[[0, 2]], [0.02, 0.04])
    rng = np.random.default_rng(7)
    for _ in range(20):
        q = list(rng.uniform(0, 0.2, 16))
        np.testing.assert_allclose(holm_adjust(np.array(q)), _holm_by_definition(q))


def test_holm_family_is_per_territory_group_and_pattern():
    """GIVEN two territories with 3 perceived-fragility p-values each and one share measure
    WHEN finished with multiple_testing holm
    THEN each territory's 3 domain tests are adjusted together, the share is its own family,
    and significance follows the adjusted p-value (0.02 x 3 = 0.06 is no longer significant)."""
    rows = []
    for t, ps in (("A", [0.02, 0.001, 0.5]), ("B", [0.04, 0.03, 0.2])):
        for d, p in zip(("emploi", "logement", "sante"), ps, strict=True):
            rows.append({"territory_code": t, "respondent_group": "habitants", "measure_id": f"fragilite_{d}", "p": p})
        rows.append({"territory_code": t, "respondent_group": "habitants", "measure_id": "a_partenariat", "p": 0.02})
    raw = pd.DataFrame(rows)
    # z statistics giving exactly these two-sided p-values, with se_diff = 1
    raw["diff_vs_france"] = stats.norm.isf(raw["p"] / 2)
    raw["se_diff"] = 1.0
    raw["estimate"], raw["se"], raw["n"], raw["n_eff"] = 0.5, 0.01, 500, 400.0
    raw = raw.drop(columns="p")
    kinds = {m: ("share" if m == "a_partenariat" else "mean") for m in raw["measure_id"]}
    families = {m: "fragilite_{domain}" for m in raw["measure_id"] if m.startswith("fragilite_")}
    out = finish_estimates(raw, kinds, DEFAULT | {"multiple_testing": "holm"}, families)
    a = out[out["territory_code"] == "A"].set_index("measure_id")
    np.testing.assert_allclose(a.loc["fragilite_emploi", "p_value_holm"], 0.04)  # 0.02 x 2
    np.testing.assert_allclose(a.loc["fragilite_logement", "p_value_holm"], 0.003)  # 0.001 x 3
    np.testing.assert_allclose(a.loc["a_partenariat", "p_value_holm"], 0.02)
    b = out[out["territory_code"] == "B"].set_index("measure_id")
    np.testing.assert_allclose(b.loc["fragilite_logement", "p_value_holm"], 0.09)  # 0.03 x 3
    assert not b.loc["fragilite_logement", "is_significant"] and not b.loc["fragilite_emploi", "is_significant"]
    raw_only = finish_estimates(raw, kinds, DEFAULT | {"multiple_testing": "none"}, families)
    assert raw_only.set_index(["territory_code", "measure_id"]).loc[("B", "fragilite_logement"), "is_significant"]
