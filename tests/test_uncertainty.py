"""Monte Carlo uncertainty of the indices and Sobol sensitivity (impact_regions.uncertainty).

The numpy recomputation must be the SQL index (sql/indicator_scores.sql, sql/fragility_indices.sql)
under the reference choices; the Monte Carlo is then checked on cases whose answer is known: a
weighted mean by hand, a region ahead on everything, a constructed perception gap, seeds, an
added custom territory, and a survey without sampling error.

The tiny example uses the tiny geography (conftest: regions 01, 84, 93, 94; 7 départements;
France; custom territory SUD = 04 + 13 + 2A), with four indicators:

    a (emploi,   +1)  départements 9 9 9 10 11 11 11    sd 1   France 10
    b (emploi,   -1)  départements 22 22 18 20 18 18 22  sd 2   France 20
    c (logement, +1)  départements 4 4 4 5 6 6 6        sd 1   France 5
    e (logement, -1)  départements 3 7 2 5 0 4 6               France 4  (0: no ratio)
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from impact_regions.indices import catalogue_domains, catalogue_indicators
from impact_regions.storage import run_sql
from impact_regions.territories import build_territories
from impact_regions.treatment import COLUMNS as TREATMENT_COLUMNS
from impact_regions.treatment import build_treatment
from impact_regions.uncertainty import (
    GAP_COLUMNS,
    RANK_INTERVAL_COLUMNS,
    SENSITIVITY_COLUMNS,
    domain_scores,
    index_table,
    prepare_model,
    run_uncertainty,
)

ROOT = Path(__file__).resolve().parent.parent

DEPS = ["DEP-01", "DEP-03", "DEP-04", "DEP-13", "DEP-2A", "DEP-2B", "DEP-971"]
CODES = DEPS + ["FR", "01", "84", "93", "94", "SUD"]
REGIONS = ["01", "84", "93", "94"]
CUSTOM = [{"code": "SUD", "name": "Sud", "slug": "sud", "kind": "custom", "departements": ["04", "13", "2A"]}]
VALUES = {
    #    départements (DEPS order)   FR   01   84   93   94   SUD
    "a": [9, 9, 9, 10, 11, 11, 11, 10, 11, 9, 9.5, 11, 10.5],
    "b": [22, 22, 18, 20, 18, 18, 22, 20, 22, 22, 19, 18, 19],
    "c": [4, 4, 4, 5, 6, 6, 6, 5, 5, 6, 5.5, 4, None],
    "e": [3, 7, 2, 5, 0, 4, 6, 4, 0, 5, 3, 6, 2.5],
}
DOMAIN = {"a": "emploi", "b": "emploi", "c": "logement", "e": "logement"}
DIRECTION = {"a": 1, "b": -1, "c": 1, "e": -1}
DOMAINS = ["emploi", "logement"]
CATALOGUE = {
    "domains": [
        {"id": "emploi", "label": "Emploi", "family": "économique"},
        {"id": "logement", "label": "Mal-logement", "family": "social"},
    ],
    "indicators": [
        {
            "id": i,
            "label": i,
            "domain": DOMAIN[i],
            "year": 2017,
            "additive": False,
            "direction": DIRECTION[i],
            "unit": "%",
            "source_label": "test",
        }
        for i in VALUES
    ],
}
# treatment when enabled: a capped above at 10.5 (the non-default winsorisation), b Box-Cox on its
# left tail (power 0.5), e logged on its right tail (Box-Cox power 0) (c, which has a missing
# value, untreated: see test_a_missing_value_stays_missing_under_treatment)
TREATED = {
    "a": {"method": "winsorisation", "tail": "droite", "upper": 10.5},
    "b": {"method": "box_cox", "tail": "gauche", "anchor": 22.0, "scale": 2.0, "power": 0.5},
    "e": {"method": "box_cox", "tail": "droite", "anchor": 0.0, "scale": 1.5, "power": 0.0},
}
REFERENCE = {"normalisation": "zscore", "aggregation": "arithmetic", "treatment": {"enabled": True}}
# the combinations the configuration accepts (geometric needs positive scores)
ACCEPTED = [
    ("zscore", "arithmetic"),
    ("minmax", "arithmetic"),
    ("minmax", "geometric"),
    ("ratio", "arithmetic"),
    ("ratio", "geometric"),
]


def values_frame(values: dict = VALUES, codes: list[str] = CODES) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicator_id": i,
                "territory_code": t,
                "domain_id": DOMAIN[i],
                "year": 2017,
                "value": np.nan if v is None else float(v),
            }
            for i, vs in values.items()
            for t, v in zip(codes, vs, strict=True)
        ]
    )


def treatment_frame(rows: dict | None = None) -> pd.DataFrame:
    """indicator_id -> {method, tail, anchor, scale, power, lower, upper}; others: aucun."""
    rows = rows or {}
    base = {
        "method": "aucun",
        "tail": "",
        "anchor": np.nan,
        "scale": np.nan,
        "power": np.nan,
        "lower": np.nan,
        "upper": np.nan,
        "n_winsorised": 0,
        "is_rule_met": True,
        "skew_before": 0.0,
        "kurtosis_before": 0.0,
        "skew_after": 0.0,
        "kurtosis_after": 0.0,
    }
    return pd.DataFrame(
        [{"indicator_id": i, **base, **rows.get(i, {})} for i in sorted(VALUES)], columns=TREATMENT_COLUMNS
    )


def perceived_frame(rows: dict) -> pd.DataFrame:
    """{(territory, domain): (estimate, se, diff_vs_france, se_diff)} -> the perceived input."""
    return pd.DataFrame(
        [
            {"territory_code": t, "domain_id": d, "estimate": e, "se": s, "diff_vs_france": df, "se_diff": sd}
            for (t, d), (e, s, df, sd) in rows.items()
        ]
    )


def base_perceived(se: float = 0.2) -> pd.DataFrame:
    est = {"01": 6.0, "84": 5.0, "93": 4.0, "94": 7.0, "SUD": 5.5, "FR": 5.2}
    return perceived_frame(
        {(t, d): (e + k, se, e + k - 5.2, se) for t, e in est.items() for k, d in enumerate(DOMAINS)}
    )


@pytest.fixture(scope="module")
def territories(shared_tiny_geo):
    return build_territories(shared_tiny_geo, CUSTOM)


@pytest.fixture(scope="module")
def regions_only(shared_tiny_geo):
    return build_territories(shared_tiny_geo)


def sql_indices(territories, values, treatment, normalisation, aggregation) -> pd.DataFrame:
    scores = run_sql(
        "indicator_scores",
        {
            "indicator_values": values,
            "indicator_treatment": treatment,
            "catalogue_indicators": catalogue_indicators(CATALOGUE),
            "territories": territories,
        },
        {"normalisation": normalisation},
    )
    return run_sql(
        "fragility_indices",
        {
            "indicator_scores": scores,
            "catalogue_domains": catalogue_domains(CATALOGUE),
            "territories": territories,
        },
        {"aggregation": aggregation},
    )


def assert_same_indices(sql: pd.DataFrame, mine: pd.DataFrame) -> None:
    """Scores equal to 1e-9 (NULL where NULL) and identical ranks, row for row."""
    m = sql.merge(
        mine,
        on=["territory_code", "domain_id"],
        how="outer",
        suffixes=("_sql", "_np"),
        validate="one_to_one",
        indicator=True,
    )
    assert (m["_merge"] == "both").all(), m.loc[m["_merge"] != "both", ["territory_code", "domain_id", "_merge"]]
    a, b = m["score_sql"].astype(float).to_numpy(), m["score_np"].to_numpy()
    assert (np.isnan(a) == np.isnan(b)).all()
    np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=0, atol=1e-9)
    ra = m["rank_among_regions_sql"].astype(float).to_numpy()
    rb = m["rank_among_regions_np"].to_numpy()
    np.testing.assert_array_equal(np.nan_to_num(ra, nan=-1), np.nan_to_num(rb, nan=-1))


# ------------------------------------------------------------ the numpy index is the SQL index


@pytest.mark.parametrize("enabled", [True, False], ids=["treated", "untreated"])
@pytest.mark.parametrize("normalisation,aggregation", ACCEPTED)
def test_numpy_index_equals_sql_on_the_tiny_example(territories, normalisation, aggregation, enabled):
    # GIVEN the tiny values, the treatment (upper winsorisation, Box-Cox on either tail) on or off
    values = values_frame()
    treatment = treatment_frame(TREATED)
    model = prepare_model(
        values, territories, catalogue_indicators(CATALOGUE), DOMAINS, treatment, with_departements=True
    )
    # WHEN the indices are computed by the SQL and by numpy with weights 1
    sql = sql_indices(territories, values, treatment if enabled else treatment_frame(), normalisation, aggregation)
    mine = index_table(model, normalisation, aggregation, enabled)
    # THEN every score (départements, France, regions, SUD; domains and ensemble) and rank agree
    assert_same_indices(sql, mine)


def test_numpy_index_equals_sql_with_lower_winsorisation(territories):
    # GIVEN indicator e winsorised at a lower bound (its left tail: 0 and 2 become 3)
    values = values_frame()
    treatment = treatment_frame({"e": {"method": "winsorisation", "tail": "gauche", "lower": 3.0}})
    model = prepare_model(
        values, territories, catalogue_indicators(CATALOGUE), DOMAINS, treatment, with_departements=True
    )
    # WHEN / THEN the SQL should clip as numpy does
    assert_same_indices(
        sql_indices(territories, values, treatment, "zscore", "arithmetic"),
        index_table(model, "zscore", "arithmetic", True),
    )


def test_lower_winsorisation_clips_at_the_bound(territories):
    # GIVEN e winsorised at 3 below: region 01 (value 0) counts as 3, like DEP-2A and DEP-04
    values = values_frame()
    model = prepare_model(
        values,
        territories,
        catalogue_indicators(CATALOGUE),
        DOMAINS,
        treatment_frame({"e": {"method": "winsorisation", "tail": "gauche", "lower": 3.0}}),
    )
    # WHEN scored as z-scores
    s = model.scores("zscore", True)[model.indicator_ids.index("e")]
    score = dict(zip(model.codes, s, strict=True))
    # THEN score = -(3 - 4) / sd of the clipped départements 3 7 3 5 3 4 6
    sd = np.std([3, 7, 3, 5, 3, 4, 6], ddof=1)
    assert score["01"] == pytest.approx(1 / sd)
    assert score["93"] == pytest.approx(1 / sd)


def test_numpy_index_equals_sql_with_a_missing_treated_value(territories):
    # GIVEN c (missing for SUD) log-treated
    values = values_frame()
    treatment = treatment_frame(
        {"c": {"method": "box_cox", "tail": "droite", "anchor": 4.0, "scale": 1.0, "power": 0.0}}
    )
    model = prepare_model(
        values, territories, catalogue_indicators(CATALOGUE), DOMAINS, treatment, with_departements=True
    )
    # WHEN / THEN the SQL should leave SUD's c without a score, as numpy does
    assert_same_indices(
        sql_indices(territories, values, treatment, "zscore", "arithmetic"),
        index_table(model, "zscore", "arithmetic", True),
    )


@pytest.mark.parametrize(
    "treatment",
    [
        {"method": "box_cox", "tail": "droite", "anchor": 4.0, "scale": 1.0, "power": 0.0},
        {"method": "box_cox", "tail": "gauche", "anchor": 6.0, "scale": 0.5, "power": 0.3},
        {"method": "winsorisation", "tail": "droite", "upper": 5.5},
        {"method": "winsorisation", "tail": "gauche", "lower": 4.5},
    ],
    ids=["bc-right", "bc-left", "w-upper", "w-lower"],
)
def test_a_missing_value_stays_missing_under_treatment(territories, treatment):
    # GIVEN c, missing for SUD, treated in any way
    model = prepare_model(
        values_frame(), territories, catalogue_indicators(CATALOGUE), DOMAINS, treatment_frame({"c": treatment})
    )
    # WHEN scored / THEN SUD has no c score under any normalisation, and logement rests on e alone
    c = model.indicator_ids.index("c")
    sud = list(model.codes).index("SUD")
    for norm in ("zscore", "minmax", "ratio"):
        assert np.isnan(model.scores(norm, True)[c, sud])
    idx = index_table(model, "zscore", "arithmetic", True).set_index(["territory_code", "domain_id"])
    assert idx.loc[("SUD", "logement"), "score"] == pytest.approx(model.scores("zscore", True)[3, sud])


def test_zscore_geometric_is_minmax_geometric(territories):
    # GIVEN the tiny model / WHEN geometric means of z-scores are asked for
    model = prepare_model(
        values_frame(), territories, catalogue_indicators(CATALOGUE), DOMAINS, treatment_frame(TREATED)
    )
    # THEN they are taken on the min-max rescaling of the same treated values
    pd.testing.assert_frame_equal(index_table(model, "zscore", "geometric"), index_table(model, "minmax", "geometric"))


@pytest.fixture(scope="module")
def demo(demo_processed):
    """The demo tables: build_indices (the pipeline's own function) with treatment on and off."""
    from impact_regions.config import load_indicators
    from impact_regions.geo import load_geo
    from impact_regions.indicator_raw import catalogue_terms
    from impact_regions.indices import build_indices

    base, staging = demo_processed / "base", demo_processed / "staging"
    catalogue = load_indicators(ROOT / "config" / "indicators.yaml")
    territories = pd.read_parquet(base / "territories.parquet")
    raw = pd.read_parquet(staging / "indicator_raw.parquet")
    geo = load_geo(ROOT / "data" / "raw" / "geo")
    options = {
        "normalisation": "zscore",
        "aggregation": "arithmetic",
        "treatment": {"enabled": True, "skew_threshold": 2.0, "kurtosis_threshold": 3.5, "max_winsorised": 5},
    }
    built = {
        enabled: build_indices(
            raw,
            territories,
            geo,
            catalogue,
            catalogue_terms(catalogue),
            {**options, "treatment": {**options["treatment"], "enabled": enabled}},
        )
        for enabled in (True, False)
    }
    return {"catalogue": catalogue, "territories": territories, "built": built}


@pytest.mark.parametrize("enabled", [True, False], ids=["treated", "untreated"])
@pytest.mark.parametrize("normalisation,aggregation", ACCEPTED)
def test_numpy_index_equals_the_pipeline_on_the_demo_data(demo, normalisation, aggregation, enabled):
    # GIVEN the demo indicator values and treatment decisions of build_indices
    built = demo["built"][enabled]
    cat = catalogue_indicators(demo["catalogue"])
    treatment_on = demo["built"][True]["indicator_treatment"]
    model = prepare_model(
        built["indicator_values"],
        demo["territories"],
        cat,
        [d["id"] for d in demo["catalogue"]["domains"]],
        treatment_on,
        with_departements=True,
    )
    # WHEN the pipeline's indices (its own output for zscore/arithmetic, its SQL for the others) are compared
    if (normalisation, aggregation) == ("zscore", "arithmetic"):
        sql = built["fragility_indices"]
    else:
        scores = run_sql(
            "indicator_scores",
            {
                "indicator_values": built["indicator_values"],
                "indicator_treatment": built["indicator_treatment"],
                "catalogue_indicators": cat,
                "territories": demo["territories"],
            },
            {"normalisation": normalisation},
        )
        sql = run_sql(
            "fragility_indices",
            {
                "indicator_scores": scores,
                "catalogue_domains": catalogue_domains(demo["catalogue"]),
                "territories": demo["territories"],
            },
            {"aggregation": aggregation},
        )
    # THEN the numpy index is the same: 120 territories x 17 rows, scores to 1e-9, same ranks
    mine = index_table(model, normalisation, aggregation, enabled)
    assert len(mine) == len(sql) == 120 * 17
    assert_same_indices(sql, mine)


# ------------------------------------------------------------ weights


def test_weights_make_the_domain_score_a_weighted_mean(territories):
    # GIVEN region 01's emploi scores a = +1, b = -1 (z-scores, no treatment), and minmax a = 100, b = 1
    model = prepare_model(values_frame(), territories, catalogue_indicators(CATALOGUE), DOMAINS, treatment_frame())
    i01 = list(model.codes).index("01")
    w = np.array([[1.25, 0.75, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]])  # a x 1.25, b x 0.75
    assert model.indicator_ids == ["a", "b", "c", "e"]
    # WHEN the domain scores are computed with those weights
    arith = domain_scores(model.scores("zscore", False), model.membership, w, "arithmetic")
    geom = domain_scores(model.scores("minmax", False), model.membership, w, "geometric")
    # THEN emploi = (1.25 x 1 + 0.75 x -1) / 2 = 0.25 (0 with equal weights), geometric 100^(1.25/2)
    assert arith[0, i01, 0] == pytest.approx(0.25) and arith[1, i01, 0] == pytest.approx(0.0)
    assert geom[0, i01, 0] == pytest.approx(100**0.625) and geom[1, i01, 0] == pytest.approx(10.0)
    # and the ensemble stays the unweighted mean of the domain scores
    assert arith[0, i01, 2] == pytest.approx((arith[0, i01, 0] + arith[0, i01, 1]) / 2)


# ------------------------------------------------------------ the Monte Carlo


def run(territories, perceived=None, values=None, reference=REFERENCE, **options):
    opts = {"runs": 128, "seed": 11, "bootstrap": 200, **options}
    return run_uncertainty(
        values_frame() if values is None else values,
        territories,
        catalogue_indicators(CATALOGUE),
        DOMAINS,
        treatment_frame(TREATED),
        base_perceived() if perceived is None else perceived,
        reference,
        opts,
    )


def test_outputs_have_the_documented_columns(territories):
    # GIVEN / WHEN a run on the tiny example
    out = run(territories)
    # THEN three tables, one row per region or custom territory and domain (+ ensemble for ranks)
    assert list(out["rank_intervals"].columns) == RANK_INTERVAL_COLUMNS
    assert list(out["gaps"].columns) == GAP_COLUMNS
    assert list(out["sensitivity"].columns) == SENSITIVITY_COLUMNS
    assert len(out["rank_intervals"]) == 5 * 3 and len(out["gaps"]) == 5 * 2
    assert set(out["gaps"]["territory_code"]) == set(REGIONS) | {"SUD"}
    sens = out["sensitivity"]
    assert list(sens["choice"]) == ["normalisation", "agregation", "poids", "traitement", "enquete"]
    assert (sens["runs"] == 128).all() and (sens["evaluations"] == 128 * 7).all()
    assert (sens["output"] == "deplacement_moyen_des_rangs").all()
    r = out["rank_intervals"]
    assert ((r["rank_p05"] <= r["rank_median"]) & (r["rank_median"] <= r["rank_p95"])).all()
    assert r.loc[r["domain_id"] == "ensemble", "perceived_rank_median"].isna().all()


def test_a_region_ahead_on_everything_is_always_first(territories):
    # GIVEN region 84 the most fragile on every indicator (direction-aware) and by far the most worried
    values = {k: list(v) for k, v in VALUES.items()}
    at = CODES.index("84")
    values["a"][at], values["b"][at], values["c"][at], values["e"][at] = 14.0, 15.0, 9.0, 0.5
    perceived = base_perceived(se=0.2)
    perceived.loc[perceived["territory_code"] == "84", "estimate"] = 9.5
    # WHEN the Monte Carlo runs over every choice
    r = run(territories, perceived=perceived, values=values_frame(values))["rank_intervals"]
    # THEN its rank is 1 in every run, for every domain and the ensemble, on both sides
    mine = r[r["territory_code"] == "84"]
    assert (mine[["rank_reference", "rank_median", "rank_p05", "rank_p95"]] == 1).all().all()
    dom = mine[mine["domain_id"] != "ensemble"]
    assert (dom[["perceived_rank_median", "perceived_rank_p05", "perceived_rank_p95"]] == 1).all().all()


def test_nothing_varies_when_no_choice_is_open(territories):
    # GIVEN a single normalisation, aggregation and treatment, no weight noise, no survey resampling
    out = run(
        territories,
        normalisations=["zscore"],
        aggregations=["arithmetic"],
        treatment=[True],
        weight_noise=0.0,
        survey_resampling=False,
    )
    r = out["rank_intervals"]
    # THEN every run is the reference: degenerate intervals, zero indices, no survey factor
    for col in ("rank_median", "rank_p05", "rank_p95"):
        np.testing.assert_array_equal(r[col].to_numpy(), r["rank_reference"].to_numpy())
    np.testing.assert_allclose(r["score_p05"], r["score_reference"], atol=1e-12)
    assert "enquete" not in set(out["sensitivity"]["choice"])
    assert (out["sensitivity"][["first_order", "total"]] == 0).all().all()
    assert (out["sensitivity"]["evaluations"] == 128 * 6).all()


GAP_DIFFS = {"01": 1.0, "84": -1.0, "93": 1.0, "94": -1.0}


def test_gap_sign_and_interval_on_a_constructed_example(territories):
    # GIVEN emploi, z-scores without treatment: regions' scores 0, -1, 0, 1 (France 0, SD sqrt(2/3)),
    # so objective_z = 0, -1.2247, 0, 1.2247; perceived differences +1, -1, +1, -1 (SD sqrt(4/3)),
    # perceived_z = ±0.866. SE of the difference: 0.01, except region 01 (1.0); SUD suppressed
    rows = {(t, "emploi"): (5 + d, 0.01, d, 1.0 if t == "01" else 0.01) for t, d in GAP_DIFFS.items()}
    rows |= {(t, "logement"): (5.0, 0.01, 0.0, 0.01) for t in GAP_DIFFS}
    rows[("SUD", "emploi")] = (np.nan, np.nan, np.nan, np.nan)
    # WHEN only the survey varies (methodological choices fixed at the reference)
    out = run(
        territories,
        perceived=perceived_frame(rows),
        reference={**REFERENCE, "treatment": {"enabled": False}},
        normalisations=["zscore"],
        aggregations=["arithmetic"],
        treatment=[False],
        weight_noise=0.0,
        runs=512,
    )
    g = out["gaps"].set_index(["territory_code", "domain_id"])
    # THEN gap = perceived_z - objective_z
    oz = {"01": 0.0, "84": -1 / math.sqrt(2 / 3), "93": 0.0, "94": 1 / math.sqrt(2 / 3)}
    for t, d in GAP_DIFFS.items():
        assert g.loc[(t, "emploi"), "objective_z"] == pytest.approx(oz[t], abs=1e-9)
        assert g.loc[(t, "emploi"), "perceived_z"] == pytest.approx(d / math.sqrt(4 / 3), abs=1e-9)
        assert g.loc[(t, "emploi"), "gap"] == pytest.approx(d / math.sqrt(4 / 3) - oz[t], abs=1e-9)
    # 94: more fragile than France but the inhabitants are less worried -> under-estimated, significant
    assert g.loc[("94", "emploi"), "gap"] < 0 and g.loc[("94", "emploi"), "gap_ci_high"] < 0
    assert g.loc[("94", "emploi"), "is_gap_significant"]
    # 93: as fragile as France but more worried -> positive gap, significant
    assert g.loc[("93", "emploi"), "gap"] > 0 and g.loc[("93", "emploi"), "is_gap_significant"]
    # 01: the same point gap as 93 but an SE of 1 point: the interval, at the level Holm's procedure
    # tests it (at least 95 %), is gap ± z x 1 / SD with z the normal quantile of that level; spans 0
    level = g.loc[("01", "emploi"), "gap_ci_level"]
    assert level >= 0.95
    half = ndtri(1 - (1 - level) / 2) / math.sqrt(4 / 3)
    assert g.loc[("01", "emploi"), "gap_ci_low"] == pytest.approx(g.loc[("01", "emploi"), "gap"] - half, abs=0.15)
    assert g.loc[("01", "emploi"), "gap_ci_high"] == pytest.approx(g.loc[("01", "emploi"), "gap"] + half, abs=0.15)
    assert not g.loc[("01", "emploi"), "is_gap_significant"]
    # a suppressed perceived estimate: no gap, no interval, not significant
    assert np.isnan(g.loc[("SUD", "emploi"), ["gap", "gap_ci_low", "gap_ci_high"]].astype(float)).all()
    assert not g.loc[("SUD", "emploi"), "is_gap_significant"]


def test_same_seed_same_outputs(territories):
    # GIVEN / WHEN two runs with the same seed and one with another seed
    first, again, other = run(territories), run(territories), run(territories, seed=12)
    # THEN the same seed gives identical tables, another seed other draws
    for name in ("rank_intervals", "gaps", "sensitivity"):
        pd.testing.assert_frame_equal(first[name], again[name], check_exact=True)
    assert not first["sensitivity"]["total"].equals(other["sensitivity"]["total"])


def test_adding_a_custom_territory_changes_no_region(territories, regions_only):
    # GIVEN the inputs without SUD, and the same inputs with SUD (values and survey estimates)
    values = values_frame()
    without = run(
        regions_only,
        perceived=base_perceived().query("territory_code != 'SUD'"),
        values=values[values["territory_code"] != "SUD"],
    )
    # WHEN the Monte Carlo runs on both
    with_sud = run(territories)
    # THEN every region row and the sensitivity are identical; SUD has its own rows
    for name in ("rank_intervals", "gaps"):
        a = without[name].reset_index(drop=True)
        b = with_sud[name][with_sud[name]["territory_code"] != "SUD"].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(without["sensitivity"], with_sud["sensitivity"], check_exact=True)
    assert (with_sud["rank_intervals"]["territory_code"] == "SUD").sum() == 3


def test_survey_without_sampling_error_has_no_effect(territories):
    # GIVEN perceived estimates with SE 0
    out = run(territories, perceived=base_perceived(se=0.0), runs=256)
    sens = out["sensitivity"].set_index("choice")
    # WHEN / THEN the survey factor explains nothing, the perceived ranks never move, and for every
    # choice the total index is at least the first-order one (up to sampling noise)
    assert sens.loc["enquete", "first_order"] == 0.0 and sens.loc["enquete", "total"] == 0.0
    r = out["rank_intervals"].dropna(subset=["perceived_rank_reference"])
    assert (r["perceived_rank_p05"] == r["perceived_rank_reference"]).all()
    assert (r["perceived_rank_p95"] == r["perceived_rank_reference"]).all()
    assert (sens["total"] >= sens["first_order"] - 0.1).all()


@pytest.fixture(scope="module")
def demo_inputs(demo_processed):
    from impact_regions.config import load_indicators

    base = demo_processed / "base"
    values = pd.read_parquet(base / "indicator_values.parquet")
    territories = pd.read_parquet(base / "territories.parquet")
    est = pd.read_parquet(base / "survey_estimates.parquet")
    rows = est[(est["respondent_group"] == "habitants") & est["measure_id"].str.startswith("fragilite_")]
    perceived = rows.assign(domain_id=rows["measure_id"].str.removeprefix("fragilite_"))[
        ["territory_code", "domain_id", "estimate", "se", "diff_vs_france", "se_diff"]
    ]
    catalogue = load_indicators(ROOT / "config" / "indicators.yaml")
    deps = set(territories.loc[territories["kind"] == "departement", "territory_code"])
    return {
        "values": values,
        "territories": territories,
        "perceived": perceived,
        "catalogue": catalogue_indicators(catalogue),
        "domains": [d["id"] for d in catalogue["domains"]],
        "treatment": build_treatment(values, deps, True),
    }


def demo_run(d, **options):
    return run_uncertainty(
        d["values"],
        d["territories"],
        d["catalogue"],
        d["domains"],
        d["treatment"],
        d["perceived"],
        REFERENCE,
        {"runs": 128, "seed": 3, "bootstrap": 200, **options},
    )


def test_demo_sensitivity_and_custom_invariance(demo_inputs):
    # GIVEN the demo tables, and the same with a custom territory (a copy of Grand Est under code ALS)
    d = demo_inputs
    out = demo_run(d)
    terr = d["territories"]
    als = terr[terr["territory_code"] == "44"].assign(territory_code="ALS", kind="custom")
    vals = d["values"][d["values"]["territory_code"] == "44"].assign(territory_code="ALS")
    per = d["perceived"][d["perceived"]["territory_code"] == "44"].assign(territory_code="ALS")
    more = {
        **d,
        "territories": pd.concat([terr, als]),
        "values": pd.concat([d["values"], vals]),
        "perceived": pd.concat([d["perceived"], per]),
    }
    # WHEN the Monte Carlo runs on both
    out_als = demo_run(more)
    # THEN 18 regions x 17 rows, every index in [0, 1] roughly, total >= first order (up to noise)
    r = out["rank_intervals"]
    assert len(r) == 18 * 17 and r["territory_code"].nunique() == 18
    sens = out["sensitivity"]
    assert (sens["total"] >= sens["first_order"] - 0.1).all()
    assert (sens["total"].between(0, 1.1)).all() and sens["total"].sum() > 0.5
    # the regions' results and the sensitivity are unchanged by the custom territory, which ranks
    # as Grand Est in the reference
    for name in ("rank_intervals", "gaps"):
        b = out_als[name][out_als[name]["territory_code"] != "ALS"].reset_index(drop=True)
        pd.testing.assert_frame_equal(out[name], b, check_exact=True)
    pd.testing.assert_frame_equal(out["sensitivity"], out_als["sensitivity"], check_exact=True)
    ra = out_als["rank_intervals"].set_index(["territory_code", "domain_id"])
    np.testing.assert_array_equal(ra.loc["ALS", "rank_reference"], ra.loc["44", "rank_reference"])
