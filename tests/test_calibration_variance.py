"""Standard errors on raked weights that account for the calibration
(impact_regions.calibration_variance + sql/survey_estimates.sql), and weights of any scale.

A small stratified cluster sample (3 strata cutting across 3 regions, 8 PSUs each, unequal design
weights, "ne sait pas" codes and unasked questions) is staged as the pipeline stages a pollster's
file, raked within each region on sex and age band (survey_weights), and estimated on France, a
region and a custom territory that straddles regions. The estimates and standard errors are
checked against R `survey` run live on the same data (tests/r/calibrated_variance.R:
``calibrate(calfun = "raking")``, ``rake()``, and the raked weights taken as fixed), and against an
independent numpy computation of the g-weighted residuals. The R checks skip when Rscript or
R's `survey` package is missing (.ci/run installs Debian's r-cran-survey and r-cran-mass and sets
IMPACT_REQUIRE_R=1, so that in CI they run or fail).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_survey_estimates import OPEN, stage, stratified_wr_variance

from impact_regions.calibration_variance import calibration_relations
from impact_regions.survey_estimates import apply_weights, build_survey_estimates, estimation_inputs
from impact_regions.survey_weights import build_survey_weights
from impact_regions.territories import build_territories

R_SCRIPT = Path(__file__).resolve().parent / "r" / "calibrated_variance.R"
TERRITORY_FILES = [
    {"code": "84", "name": "Auvergne-Rhône-Alpes", "slug": "ara", "kind": "region", "departements": ["01", "03"]},
    {"code": "SUD", "name": "Sud", "slug": "sud", "kind": "custom", "departements": ["04", "13", "2A"]},
]
REGION_OF = {"01": "84", "03": "84", "04": "93", "13": "93", "2A": "94", "2B": "94"}
DOMAINS = ("FR", "84", "SUD")
MEASURES = ("fragilite_emploi", "fragilite_logement", "devoir_alliance", "cooperation_emploi")
# no bound or cap binds on this sample: R's rake() and calibrate() have none
OPTIONS = {"bounds": [0.05, 20.0], "trim_max_ratio": None}


def make_microdata(seed: int = 11) -> pd.DataFrame:
    """The raw citoyens file (text cells): strata U, P, R of 8 PSUs each, every PSU in one
    département, 4-9 respondents per PSU; sex and age drawn so that the sample is lopsided (too
    many women and old people) and answers depend on them (so that raking matters)."""
    rng = np.random.default_rng(seed)
    deps = list(REGION_OF)
    rows, k = [], 0
    for stratum in "UPR":
        for j in range(1, 9):
            dep = deps[(j + "UPR".index(stratum)) % len(deps)]
            effect = rng.normal(0, 1.0)
            for _ in range(int(rng.integers(4, 10))):
                k += 1
                sexe = int(rng.choice([1, 2], p=[0.4, 0.6]))
                age = int(rng.choice([1, 2, 3, 4, 5], p=[0.12, 0.16, 0.22, 0.24, 0.26]))
                mu = 4 + 0.6 * age - 0.8 * sexe + effect
                frag = [int(np.clip(round(rng.normal(mu + s, 2)), 0, 10)) for s in (0, -1)]
                frag = [99 if rng.random() < 0.1 else f for f in frag]
                agree = (
                    9
                    if rng.random() < 0.1
                    else int(
                        rng.choice(
                            [1, 2, 3, 4], p=[0.1 * age, 0.2, 0.3, 0.5 - 0.1 * age] if age <= 4 else [0.4, 0.3, 0.2, 0.1]
                        )
                    )
                )
                coop = "" if rng.random() < 0.25 else str(int(rng.random() < 0.15 + 0.1 * sexe))
                rows.append(
                    {
                        "id_repondant": f"C{k:04d}",
                        "code_region": REGION_OF[dep],
                        "code_departement": dep,
                        "sexe": str(sexe),
                        "tranche_age": str(age),
                        "strate": stratum,
                        "grappe": str(j),
                        "poids": f"{rng.uniform(0.4, 3.5):.4f}".replace(".", ","),
                        "fragilite_emploi": str(frag[0]),
                        "fragilite_logement": str(frag[1]),
                        "devoir_alliance": str(agree),
                        "cooperation_emploi": coop,
                        "cooperation_logement": "0",
                    }
                )
    return pd.DataFrame(rows)


def population() -> pd.DataFrame:
    """Adults (and some children, not raked to) of the six départements, by sex and single age."""
    size = {"01": 500_000.0, "03": 300_000.0, "04": 120_000.0, "13": 1_600_000.0, "2A": 130_000.0, "2B": 150_000.0}
    shares = [0.10, 0.15, 0.25, 0.25, 0.25]
    rows = []
    for i, (dep, n) in enumerate(size.items()):
        for s, p in ((1, 0.48 - 0.01 * i), (2, 0.52 + 0.01 * i)):
            rows.append((dep, s, 5, 0.1 * n))
            rows += [
                (dep, s, a, n * p * (x + 0.003 * i * (j - 2)))
                for j, (a, x) in enumerate(zip([20, 30, 40, 55, 80], shares, strict=True))
            ]
    pop = pd.DataFrame(rows, columns=["departement_code", "sexe", "age", "count"])
    pop["departement_code"] = pop["departement_code"].astype("string")
    return pop


def pipeline(
    tmp_path, geo, micro: pd.DataFrame, options: dict = OPTIONS, metric: str = "design", weighting: str = "raked"
):
    """Stage, rake and estimate as the pipeline does: (respondents with the weights used,
    responses, survey_weights, territories, estimates, codebook)."""
    codebook, respondents, responses = stage(tmp_path, geo, micro)
    territories = build_territories(geo, TERRITORY_FILES)
    weights, _, _ = build_survey_weights(respondents, population(), territories, options, weighting)
    resp = apply_weights(respondents, weights, weighting)
    calibration = (
        calibration_relations(resp, weights, ["sexe", "tranche_age"], metric) if weighting == "raked" else None
    )
    est = build_survey_estimates(resp, responses, territories, codebook, OPEN, calibration)
    return resp, responses, weights, territories, est, codebook


@pytest.fixture(scope="module")
def sample(tmp_path_factory, shared_tiny_geo):
    micro = make_microdata()
    return micro, pipeline(tmp_path_factory.mktemp("cal"), shared_tiny_geo, micro)


def est_row(est: pd.DataFrame, code: str, measure: str) -> pd.Series:
    sel = est[
        (est["territory_code"] == code) & (est["measure_id"] == measure) & (est["respondent_group"] == "habitants")
    ]
    assert len(sel) == 1
    return sel.iloc[0]


def test_the_sample_is_what_the_tests_assume(sample):
    # GIVEN the generated sample, THEN every region has every sex and age band, and weights vary
    # within regions (so that the design-weighted and unweighted projections differ)
    micro, (resp, _, weights, _, _, _) = sample
    assert 120 <= len(micro) <= 200
    assert (micro.groupby("code_region")[["sexe", "tranche_age"]].nunique() == [2, 5]).all().all()
    assert weights.groupby("territory_code")["weight_design"].std().min() > 0.5
    assert weights["g"].between(0.2, 5).all()


def test_se_is_the_variance_of_g_weighted_residuals_by_hand(sample):
    # GIVEN the raked sample
    _, (resp, responses, weights, territories, est, _) = sample
    cit = resp.merge(weights[["respondent_id", "territory_code", "weight_design"]], on="respondent_id")
    for code in DOMAINS:
        deps = set(territories.loc[territories["territory_code"] == code, "departement_code"])
        for m in MEASURES:
            # WHEN z = w (y - θ) / Σw on the domain is replaced by w (e - x'B) with B the
            # design-weighted least squares fit of e on the region x sex and region x age
            # indicators (one regression per region, by numpy lstsq)
            y = cit["respondent_id"].map(responses[responses["measure_id"] == m].set_index("respondent_id")["y"])
            dom = (cit["departement_code"].isin(deps) & y.notna()).to_numpy()
            w, yv = cit["weight"].to_numpy(float), y.fillna(0).to_numpy(float)
            theta = (w * yv)[dom].sum() / w[dom].sum()
            e = np.where(dom, (yv - theta) / w[dom].sum(), 0.0)
            resid = e.copy()
            for reg in cit["territory_code"].unique():
                c = (cit["territory_code"] == reg).to_numpy()
                x = pd.get_dummies(cit.loc[c, ["sexe", "tranche_age"]].astype(int).astype(str)).to_numpy(float)
                sq = np.sqrt(cit.loc[c, "weight_design"].to_numpy(float))
                b = np.linalg.lstsq(x * sq[:, None], e[c] * sq, rcond=None)[0]
                resid[c] = e[c] - x @ b
            var = stratified_wr_variance(w * resid, cit["stratum"].to_numpy(), cit["psu"].to_numpy())
            # THEN the table's SE is its square root
            assert est_row(est, code, m)["se"] == pytest.approx(np.sqrt(var), rel=1e-9, abs=1e-12), (code, m)


def test_calibration_changes_the_se_but_not_the_estimate(sample):
    # GIVEN the raked sample, WHEN the variance treats the raked weights as fixed (no calibration
    # relation)
    _, (resp, responses, _, territories, est, codebook) = sample
    fixed = build_survey_estimates(resp, responses, territories, codebook, OPEN, None)
    a = est[est["respondent_group"] == "habitants"].set_index(["territory_code", "measure_id"])
    f = fixed[fixed["respondent_group"] == "habitants"].set_index(["territory_code", "measure_id"]).loc[a.index]
    # THEN the estimates are the same and the SEs differ (the answers depend on sex and age)
    np.testing.assert_allclose(a["estimate"], f["estimate"], rtol=1e-12)
    assert (a["se"] / f["se"] - 1).abs().max() > 0.01


def test_answers_read_from_their_parquet_file_give_the_same_table(sample, tmp_path):
    # GIVEN the raked sample and its answers written to parquet (the survey_estimates job passes
    # the file's path: DuckDB reads it, no pandas copy)
    _, (resp, responses, weights, territories, est, codebook) = sample
    path = tmp_path / "survey_responses.parquet"
    responses.to_parquet(path, index=False)
    calibration = calibration_relations(resp, weights, ["sexe", "tranche_age"])
    # WHEN the estimates are computed from the file
    from_file = build_survey_estimates(resp, str(path), territories, codebook, OPEN, calibration)
    # THEN the table is the one computed from the frame, exactly
    pd.testing.assert_frame_equal(from_file, est, check_exact=True)


def test_weights_of_any_scale_give_the_same_raked_weights_estimates_and_ses(sample, tmp_path, shared_tiny_geo):
    # GIVEN the same microdata with the design weights x 1, x 1 / mean (normalised to the
    # sample) and x 10,000, raked with the default bounds [0.3, 3] and trimming
    micro, _ = sample
    poids = micro["poids"].str.replace(",", ".").astype(float)
    runs = {}
    for name, factor in (("x1", 1.0), ("mean1", 1.0 / poids.mean()), ("x10000", 10_000.0)):
        scaled = micro.assign(poids=(poids * factor).map(lambda v: repr(float(v))))
        # WHEN each goes through staging, raking and estimation
        runs[name] = pipeline(tmp_path / name, shared_tiny_geo, scaled, options={})
    # THEN raked weights, estimates, SEs and the contrast with France agree to 1e-9
    w1, e1 = runs["x1"][2], runs["x1"][4]
    for name in ("mean1", "x10000"):
        w, e = runs[name][2], runs[name][4]
        np.testing.assert_allclose(w["weight_raked"], w1["weight_raked"], rtol=1e-9, err_msg=name)
        for col in ("estimate", "se", "se_diff", "ci_low", "ci_high", "p_value"):
            np.testing.assert_allclose(e[col], e1[col], rtol=1e-9, atol=1e-12, err_msg=f"{name} {col}")


def test_weighting_given_keeps_the_fixed_weight_variance(sample, tmp_path, shared_tiny_geo):
    # GIVEN weighting: given, WHEN estimated, THEN the weights are the design weights and the
    # SEs are those of the design weights as fixed (no calibration relation)
    micro, _ = sample
    resp, responses, weights, _, est, _ = pipeline(tmp_path, shared_tiny_geo, micro, options={}, weighting="given")
    assert (weights["g"] == 1).all()
    _, cal = estimation_inputs(resp, weights, "given", {})
    assert cal is None
    r = est_row(est, "FR", "fragilite_emploi")
    cit = resp[resp["sexe"].notna()]
    y = cit["respondent_id"].map(
        responses[responses["measure_id"] == "fragilite_emploi"].set_index("respondent_id")["y"]
    )
    ok = y.notna()
    assert r["estimate"] == pytest.approx((cit["weight"][ok] * y[ok]).sum() / cit["weight"][ok].sum(), rel=1e-12)


# ------------------------------------------------------------------------------------------------
# against R survey, live
# ------------------------------------------------------------------------------------------------


def r_survey_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(
        ["Rscript", "-e", "quit(status = !all(sapply(c('survey', 'MASS'), requireNamespace, quietly = TRUE)))"],
        capture_output=True,
        timeout=120,
    )
    return probe.returncode == 0


#: .ci/run installs R's survey package and sets IMPACT_REQUIRE_R=1: there the R checks must run, not skip
REQUIRE_R = os.environ.get("IMPACT_REQUIRE_R") == "1"
needs_r = pytest.mark.skipif(
    not REQUIRE_R and not r_survey_available(), reason="Rscript with the R packages survey and MASS is not installed"
)


@pytest.fixture(scope="module")
def r_reference(sample, tmp_path_factory):
    """Run tests/r/calibrated_variance.R on the sample: (estimates, weights) as R computes them."""
    assert r_survey_available(), "IMPACT_REQUIRE_R=1 but Rscript or the R packages survey and MASS are missing"
    _, (resp, responses, weights, territories, _, _) = sample
    tmp = tmp_path_factory.mktemp("r")
    cit = resp[resp["sexe"].notna()].merge(
        weights[["respondent_id", "territory_code", "weight_design"]], on="respondent_id"
    )
    data = pd.DataFrame(
        {
            "id": cit["respondent_id"],
            "region": cit["territory_code"],
            "stratum": cit["stratum"],
            "psu": cit["psu"],
            "w": cit["weight_design"],
            "sexe": cit["sexe"].astype(int),
            "age": cit["tranche_age"].astype(int),
        }
    )
    for code in DOMAINS:
        deps = set(territories.loc[territories["territory_code"] == code, "departement_code"])
        data[f"dom_{code}"] = cit["departement_code"].isin(deps).astype(int)
    for m in MEASURES:
        data[f"y_{m}"] = cit["respondent_id"].map(
            responses[responses["measure_id"] == m].set_index("respondent_id")["y"]
        )
    data.to_csv(tmp / "sample.csv", index=False, float_format="%.17g")
    from impact_regions.population import adult_margins

    pop = population()
    regions = territories[territories["kind"] == "region"]
    sexe, age = [], []
    for reg in sorted(data["region"].unique()):
        t = adult_margins(pop, sorted(regions.loc[regions["territory_code"] == reg, "departement_code"]))
        sexe += [(reg, k, v) for k, v in t["sexe"].items()]
        age += [(reg, k, v) for k, v in t["tranche_age"].items()]
    pd.DataFrame(sexe, columns=["region", "sexe", "Freq"]).to_csv(
        tmp / "pop_sexe.csv", index=False, float_format="%.17g"
    )
    pd.DataFrame(age, columns=["region", "age", "Freq"]).to_csv(tmp / "pop_age.csv", index=False, float_format="%.17g")
    run = subprocess.run(
        [
            "Rscript",
            str(R_SCRIPT),
            *(str(tmp / f) for f in ("sample.csv", "pop_sexe.csv", "pop_age.csv", "estimates.csv", "weights.csv")),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return (
        pd.read_csv(tmp / "estimates.csv", dtype={"domain": str}),
        pd.read_csv(tmp / "weights.csv", dtype={"id": str}),
    )


@needs_r
def test_raked_weights_match_r_survey(sample, r_reference):
    # GIVEN the sample raked by the pipeline and by R (rake() and calibrate(calfun = "raking"))
    _, (_, _, weights, _, _, _) = sample
    _, rw = r_reference
    merged = weights.merge(rw, left_on="respondent_id", right_on="id", validate="one_to_one")
    # THEN the raked weights agree to 1e-6 (relative)
    np.testing.assert_allclose(merged["weight_raked"], merged["w_rake"], rtol=1e-6)
    np.testing.assert_allclose(merged["weight_raked"], merged["w_calibrate"], rtol=1e-6)


@pytest.mark.parametrize("method, metric", [("calibrate", "design"), ("rake", "equal"), ("fixed", None)])
@needs_r
def test_estimates_and_ses_match_r_survey(sample, r_reference, tmp_path, shared_tiny_geo, method, metric):
    # GIVEN R's estimates on the calibrated design (calibrate: design-weighted residuals, the
    # pipeline's; rake: R's unweighted alternate centring, metric "equal"; fixed: raked weights
    # taken as design weights, the variance without calibration)
    micro, (resp, responses, weights, territories, est, codebook) = sample
    ref, _ = r_reference
    ref = ref[ref["method"] == method]
    # WHEN the pipeline computes the same domains and measures
    if metric == "equal":
        est = pipeline(tmp_path, shared_tiny_geo, micro, metric="equal")[4]
    elif metric is None:
        est = build_survey_estimates(resp, responses, territories, codebook, OPEN)
    # THEN estimates and standard errors agree to 1e-6 (absolute)
    assert len(ref) == len(DOMAINS) * len(MEASURES)
    diffs = []
    for _, r in ref.iterrows():
        mine = est_row(est, r["domain"], r["measure"])
        assert mine["estimate"] == pytest.approx(r["mean"], abs=1e-6), (r["domain"], r["measure"])
        assert mine["se"] == pytest.approx(r["se"], abs=1e-6), (r["domain"], r["measure"])
        diffs.append(abs(mine["se"] - r["se"]))
    print(f"{method}: max |SE - R| = {max(diffs):.2e}")
