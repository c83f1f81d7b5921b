"""Tables `survey_weights` and `raking_margins`: the inhabitants' weights raked within each
region (:mod:`impact_regions.raking` does the calibration), and for any territory the population
shares of each category beside the shares the weights give.

Targets
-------
The population extract gives totals; raking needs totals of the same scale as the weights. Two
choices (option ``target_totals``): ``population`` (default) rakes each region to its adult
population totals, so that the raked weights of a region sum to its adult population and France
(or any union of regions) also meets its margins exactly; ``design`` rakes to the population
*shares* times the region's total design weight, which keeps each region's weight in national
estimates as the design gave it and only redistributes weight within the region. Within a
region, shares and therefore estimates are the same either way when no bound binds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .errors import InputError
from .population import adult_margins, age_band_labels
from .raking import CalibrationError, calibrate, calibration_options, kish_efficiency, weighting_design_effect

#: Columns of the raking_margins table.
MARGINS_COLUMNS = [
    "territory_code",
    "variable",
    "category",
    "target_share",
    "achieved_share",
    "achieved_share_design",
    "n",
    "kish_efficiency",
    "kish_efficiency_design",
]

WEIGHTS_COLUMNS = ["file_id", "respondent_id", "territory_code", "weight_design", "weight_scaled", "weight_raked", "g"]
EFFICIENCY_COLUMNS = [
    "territory_code",
    "n",
    "sum_weight_design",
    "scale",
    "sum_weight_raked",
    "kish_efficiency_design",
    "kish_efficiency_raked",
    "deff_weighting_design",
    "deff_weighting_raked",
    "g_min",
    "g_max",
    "iterations",
    "max_margin_error",
    "trim_rounds",
    "n_trimmed",
]


def _citizens(respondents: pd.DataFrame) -> pd.DataFrame:
    """Respondents with a sex and an age band: the inhabitants (organisations have neither)."""
    return respondents[respondents["sexe"].notna() & respondents["tranche_age"].notna()]


def _categories(frame: pd.DataFrame, variables) -> dict[str, np.ndarray]:
    return {v: frame[v].to_numpy(dtype=float).astype(np.int64) for v in variables}


def _scaled_targets(targets: dict[str, dict[int, float]], total: float) -> dict[str, dict[int, float]]:
    out = {}
    for var, per in targets.items():
        s = sum(per.values())
        out[var] = {k: v / s * total for k, v in per.items()}
    return out


def category_labels(variable: str, age_bands=None) -> dict[int, str]:
    """Category code -> label of the raking_margins table: sexe '1'/'2', tranche_age '18-24'..."""
    if variable == "sexe":
        return {1: "1", 2: "2"}
    if variable == "tranche_age":
        return {k: lab for k, lab in enumerate(age_band_labels(age_bands), start=1)}
    raise ValueError(f"unknown margin variable {variable!r}")


def margins_for(
    territory_code: str, departements, respondents: pd.DataFrame, population: pd.DataFrame, options: dict | None = None
) -> pd.DataFrame:
    """Rows of `raking_margins` for one territory: target vs achieved shares of every category.

    The targets are the population shares of the adults of `departements` (INSEE extract); the
    achieved shares are those of the raked weights (`weight_raked`) of the inhabitants living in
    these départements, and `achieved_share_design` those of their design weights
    (`weight_design`, or `weight` as in survey_respondents), so that users see the correction.
    Works for a region (the raking cell: achieved = target), France, or any custom territory
    (whose respondents were raked in their regions: achieved is then close to, not equal to,
    the target). Columns: territory_code, variable, category (text label), target_share,
    achieved_share, achieved_share_design, n (respondents in the category), kish_efficiency and
    kish_efficiency_design (of all the territory's inhabitants' weights).
    """
    opts = calibration_options(options)
    deps = [str(x) for x in departements]
    cit = _citizens(respondents)
    cit = cit[cit["departement_code"].astype(str).isin(deps)]
    design_col = "weight_design" if "weight_design" in cit.columns else "weight"
    w_r = cit["weight_raked"].to_numpy(dtype=float)
    w_d = cit[design_col].to_numpy(dtype=float)
    targets = adult_margins(population, deps, opts["age_bands"], opts["margins"])
    eff_r, eff_d = kish_efficiency(w_r), kish_efficiency(w_d)
    rows = []
    for var in opts["margins"]:
        labels = category_labels(var, opts["age_bands"])
        codes = cit[var].to_numpy(dtype=float)
        tot_t = sum(targets[var].values())
        for k in sorted(targets[var]):
            inside = codes == k
            rows.append(
                {
                    "territory_code": territory_code,
                    "variable": var,
                    "category": labels[k],
                    "target_share": targets[var][k] / tot_t if tot_t > 0 else math.nan,
                    "achieved_share": float(w_r[inside].sum() / w_r.sum()) if w_r.size else math.nan,
                    "achieved_share_design": float(w_d[inside].sum() / w_d.sum()) if w_d.size else math.nan,
                    "n": int(inside.sum()),
                    "kish_efficiency": eff_r,
                    "kish_efficiency_design": eff_d,
                }
            )
    out = pd.DataFrame(rows, columns=MARGINS_COLUMNS)
    for c in ("territory_code", "variable", "category"):
        out[c] = out[c].astype("string")
    out["n"] = out["n"].astype("int64")
    return out


def _region_of(cit: pd.DataFrame, regions: pd.DataFrame) -> pd.Series:
    """The region (raking cell) of every inhabitant; an InputError for a département of no region."""
    dep_region = dict(zip(regions["departement_code"].astype(str), regions["territory_code"].astype(str), strict=True))
    region = cit["departement_code"].astype(str).map(dep_region)
    if region.isna().any():
        bad = cit.loc[region.isna(), "departement_code"].iloc[0]
        raise InputError(
            "survey respondents",
            "inhabitant living in a département of no region",
            column="departement_code",
            value=bad,
            hint="The territories table must cover every département of the survey",
        )
    return region


def build_survey_weights(
    respondents: pd.DataFrame,
    population: pd.DataFrame,
    territories_regions: pd.DataFrame,
    options: dict | None = None,
    weighting: str = "raked",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Rake the inhabitants' design weights within each region; return the three tables.

    `respondents` is `survey_respondents` (inhabitants are the rows with sexe and tranche_age;
    organisations are not raked and not returned); `population` comes from
    :func:`~impact_regions.population.read_population`; `territories_regions` holds the
    regions' (territory_code, departement_code) rows of `territories` (other kinds are ignored
    when a `kind` column is present); `options` is config.yaml's `raking` section.

    Weights of any scale: with ``target_totals: population`` each region's design weights are
    first multiplied by (its adult population / their sum), `weight_scaled`, and the bounds apply
    to g = weight_raked / weight_scaled. Design weights normalised to the sample (mean 1), to the
    population or to anything else therefore give the same scaled weights, the same raked weights
    and the same estimates (up to rounding). With ``target_totals: design`` the targets follow the
    design total and the weights are raked as delivered (weight_scaled = weight_design).

    `weighting` is config.yaml's `weighting`: with ``given`` nothing is raked and no margin can
    stop the run: weight_scaled = weight_raked = weight_design, g = 1, and `raking_margins`
    gives the design-weighted shares beside the population targets.

    Returns:

    - `survey_weights`: one row per inhabitant: file_id, respondent_id, territory_code (region),
      weight_design (as delivered), weight_scaled, weight_raked, g = weight_raked / weight_scaled;
    - `raking_margins`: :func:`margins_for` rows of every region with inhabitants (France and
      custom territories are added by the caller with :func:`margins_for`);
    - efficiency: one row per region: n, total design weight, the scale factor, total raked
      weight, Kish efficiency and weighting design effect before and after, g range, sweeps,
      largest margin gap, units held at the trimming cap.

    A region whose margins cannot be met stops the run with an InputError naming the region and
    the margin (with what to change).
    """
    opts = calibration_options(options)
    if weighting not in ("raked", "given"):
        raise ValueError(f"weighting must be 'raked' or 'given', got {weighting!r}")
    regions = territories_regions
    if "kind" in regions.columns:
        regions = regions[regions["kind"] == "region"]
    cit = _citizens(respondents).copy()
    cit["departement_code"] = cit["departement_code"].astype(str)
    cit["_region"] = _region_of(cit, regions)
    path = population.attrs.get("path", "population extract")
    weights_parts, margins_parts, eff_rows = [], [], []
    for code, terr in regions.groupby("territory_code", sort=True):
        code = str(code)
        deps = sorted(terr["departement_code"].astype(str))
        members = cit[cit["_region"] == code]
        if members.empty:
            continue
        design = members["weight"].to_numpy(dtype=float)
        targets = adult_margins(population, deps, opts["age_bands"], opts["margins"])
        scale = 1.0
        if weighting == "given":
            raked, g, info = (
                design,
                np.ones(design.size),
                {"iterations": 0, "max_margin_error": math.nan, "trim_rounds": 0, "n_trimmed": 0},
            )
        else:
            if opts["target_totals"] == "design":
                targets = _scaled_targets(targets, float(design.sum()))
            else:
                scale = sum(targets[opts["margins"][0]].values()) / float(design.sum())
            try:
                res = calibrate(design * scale, _categories(members, opts["margins"]), targets, opts)
            except CalibrationError as exc:
                raise InputError(
                    path,
                    f"raking of the inhabitants' weights in region {code}: {exc}",
                    hint="Check the survey and the population extract, widen raking.bounds, raise "
                    "raking.trim_max_ratio or max_iter, drop a margin, or set weighting: given",
                ) from None
            raked, g = res.weights, res.g
            info = {
                "iterations": res.iterations,
                "max_margin_error": res.max_margin_error,
                "trim_rounds": res.trim_rounds,
                "n_trimmed": res.n_trimmed,
            }
        weights_parts.append(
            pd.DataFrame(
                {
                    "file_id": members["file_id"].astype("string").to_numpy(),
                    "respondent_id": members["respondent_id"].astype("string").to_numpy(),
                    "territory_code": code,
                    "weight_design": design,
                    "weight_scaled": design * scale,
                    "weight_raked": raked,
                    "g": g,
                }
            )
        )
        margins_parts.append(
            margins_for(code, deps, members.assign(weight_design=design, weight_raked=raked), population, opts)
        )
        eff_rows.append(
            {
                "territory_code": code,
                "n": len(design),
                "sum_weight_design": float(design.sum()),
                "scale": scale,
                "sum_weight_raked": float(raked.sum()),
                "kish_efficiency_design": kish_efficiency(design),
                "kish_efficiency_raked": kish_efficiency(raked),
                "deff_weighting_design": weighting_design_effect(design),
                "deff_weighting_raked": weighting_design_effect(raked),
                "g_min": float(g.min()),
                "g_max": float(g.max()),
                **info,
            }
        )
    weights = pd.concat(weights_parts, ignore_index=True) if weights_parts else pd.DataFrame(columns=WEIGHTS_COLUMNS)
    weights["territory_code"] = weights["territory_code"].astype("string")
    margins = pd.concat(margins_parts, ignore_index=True) if margins_parts else pd.DataFrame(columns=MARGINS_COLUMNS)
    efficiency = pd.DataFrame(eff_rows, columns=EFFICIENCY_COLUMNS)
    efficiency["territory_code"] = efficiency["territory_code"].astype("string")
    return weights, margins, efficiency


def with_raked_weights(respondents: pd.DataFrame, survey_weights: pd.DataFrame) -> pd.DataFrame:
    """The inhabitants among `respondents` with their raked weight (`weight_raked`), as
    :func:`margins_for` reads them for a territory other than a raking cell."""
    return respondents.merge(
        survey_weights[["respondent_id", "weight_raked"]], on="respondent_id", how="inner", validate="one_to_one"
    )


def build_weights_and_margins(
    respondents: pd.DataFrame,
    population: pd.DataFrame,
    territories: pd.DataFrame,
    options: dict | None = None,
    weighting: str = "raked",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published tables `survey_weights` and `raking_margins`: the weights raked within each
    region of `territories` (:func:`build_survey_weights`), and the margins of the regions
    followed by those of France (its départements: every département of `territories`)."""
    regions = territories[territories["kind"] == "region"]
    weights, margins, _ = build_survey_weights(respondents, population, regions, options, weighting)
    france = margins_for(
        "FR",
        sorted(territories.loc[territories["kind"] == "departement", "departement_code"].unique()),
        with_raked_weights(respondents, weights),
        population,
        options,
    )
    return weights, pd.concat([margins, france], ignore_index=True)
