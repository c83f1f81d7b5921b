"""Variance of estimates on raked weights that accounts for the calibration (DESIGN §7).

Why
---
Raking makes the weighted sample reproduce the population's sex and age margins in every region,
so the part of an estimate's sampling error that those margins explain is removed. Treating the
raked weights as fixed design weights ignores that (and the randomness the calibration adds):
the linearised variance must be computed on the *residuals* of the estimate's linearised
variable after regression on the calibration variables (Deville & Särndal 1992; Särndal,
Swensson & Wretman 1992, §6.6), as R `survey` does for a calibrated design.

Method
------
For a ratio estimate θ = Σ_D w y / Σ_D w over a domain D (a territory, a respondent group, the
valid answers), the linearised variable is z_i = w_i e_i with e_i = (y_i − θ) / Σ_D w on D and 0
elsewhere (what `sql/survey_estimates.sql` totals per PSU). Within each raking cell c (a region),
with x_i the indicators of the categories of the raking margins (sex, age band) and q_i the
regression weights (the design weights: ``metric="design"``), the residual is

    E_i = e_i − x_i' B_c,    B_c = (Σ_{i∈c} q_i x_i x_i')⁻¹ Σ_{i∈c∩D} q_i x_i e_i,

and the variance is the usual stratified, with-replacement PSU variance of z'_i = w_i E_i (g-weighted
residuals): every inhabitant of the cells D touches counts, answering or not. This is what R
`survey` computes after ``calibrate(..., calfun = "raking")`` (``qr.resid`` on the
√d-weighted model matrix, times g√d). ``metric="equal"`` (q_i = 1: an unweighted projection)
is what R's ``rake()`` does instead (centring x / w within each margin, alternately); the two
coincide when the design weights are equal within each cell. Bounds and trimming do not change
the formula (asymptotically they do not bind; R treats bounded calibration the same way).

One column per category of the first margin and per category but the first of the others keeps
Σ q x x' invertible (the margins share the cell's total). B_c is linear in the sums
h_c = Σ_{c∩D} q x e, so SQL only needs, per PSU j and column l, the coefficient
G_{j,l} = Σ_k A_{j,k} P_{c,k,l} with A_{j,k} = Σ_{i∈j∩c} w_i x_{ik} and P_c = (Σ_c q x x')⁻¹:
the PSU total of z' is z_j − Σ_l G_{j,l} h_l. :func:`calibration_relations` builds the two
relations the query joins: `calibration_units` (respondent → cell, variable, category, q) and
`calibration_psu` (cell, variable, category, stratum, psu, coef).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

UNITS_COLUMNS = ["file_id", "respondent_id", "cell", "variable", "category", "q"]
PSU_COLUMNS = ["cell", "variable", "category", "stratum", "psu", "coef"]
METRICS = ("design", "equal")


def empty_relations() -> dict[str, pd.DataFrame]:
    """The two relations with no row (weights not raked: the variance treats them as given)."""
    units = pd.DataFrame(
        {
            "file_id": pd.Series(dtype="string"),
            "respondent_id": pd.Series(dtype="string"),
            "cell": pd.Series(dtype="string"),
            "variable": pd.Series(dtype="string"),
            "category": pd.Series(dtype="int64"),
            "q": pd.Series(dtype="float64"),
        }
    )
    psu = pd.DataFrame(
        {
            "cell": pd.Series(dtype="string"),
            "variable": pd.Series(dtype="string"),
            "category": pd.Series(dtype="int64"),
            "stratum": pd.Series(dtype="string"),
            "psu": pd.Series(dtype="string"),
            "coef": pd.Series(dtype="float64"),
        }
    )
    return {"calibration_units": units, "calibration_psu": psu}


def _columns(codes: dict[str, np.ndarray], variables: list[str]) -> list[tuple[str, int]]:
    """(variable, category) columns of one cell's model matrix: every category present of the
    first margin, every category present but the first of the others."""
    cols = []
    for j, var in enumerate(variables):
        present = sorted(set(codes[var].tolist()))
        cols += [(var, int(k)) for k in (present if j == 0 else present[1:])]
    return cols


def calibration_relations(
    respondents: pd.DataFrame, survey_weights: pd.DataFrame, variables: list[str], metric: str = "design"
) -> dict[str, pd.DataFrame]:
    """`calibration_units` and `calibration_psu` for `sql/survey_estimates.sql`.

    `respondents`: survey_respondents with the weights the estimates use (`weight`: the raked
    weight of every inhabitant, see survey_estimates.apply_weights) and the margin `variables`;
    `survey_weights`: the table of that name (the raking cell of every inhabitant is its
    `territory_code`; `weight_design` gives the regression weights q with ``metric="design"``).
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if survey_weights.empty:
        return empty_relations()
    cells = survey_weights[["file_id", "respondent_id", "territory_code", "weight_design"]].rename(
        columns={"territory_code": "cell"}
    )
    df = respondents[["file_id", "respondent_id", "stratum", "psu", "weight", *variables]].merge(
        cells, on=["file_id", "respondent_id"], how="inner", validate="one_to_one"
    )
    units_parts, psu_parts = [], []
    for cell, part in df.groupby("cell", sort=True):
        codes = {v: part[v].to_numpy(dtype=float).astype(np.int64) for v in variables}
        cols = _columns(codes, variables)
        x = np.column_stack([codes[v] == k for v, k in cols]).astype(float)
        q = part["weight_design"].to_numpy(dtype=float) if metric == "design" else np.ones(len(part))
        q = q / q.mean()  # the projection does not depend on q's scale; keep M well scaled
        p = np.linalg.pinv((x * q[:, None]).T @ x, rcond=1e-12, hermitian=True)
        w = part["weight"].to_numpy(dtype=float)
        psu_codes, psu_index = np.unique(part["psu"].to_numpy(dtype=str), return_inverse=True)
        a = np.zeros((psu_codes.size, len(cols)))
        np.add.at(a, psu_index, x * w[:, None])
        coef = a @ p
        stratum_of = dict(zip(part["psu"].astype(str), part["stratum"].astype(str), strict=True))
        for li, (var, k) in enumerate(cols):
            inside = x[:, li] > 0
            units_parts.append(
                pd.DataFrame(
                    {
                        "file_id": part["file_id"].to_numpy()[inside],
                        "respondent_id": part["respondent_id"].to_numpy()[inside],
                        "cell": str(cell),
                        "variable": var,
                        "category": k,
                        "q": q[inside],
                    }
                )
            )
            psu_parts.append(
                pd.DataFrame(
                    {
                        "cell": str(cell),
                        "variable": var,
                        "category": k,
                        "stratum": [stratum_of[j] for j in psu_codes],
                        "psu": psu_codes,
                        "coef": coef[:, li],
                    }
                )
            )
    out = {
        "calibration_units": pd.concat(units_parts, ignore_index=True)[UNITS_COLUMNS],
        "calibration_psu": pd.concat(psu_parts, ignore_index=True)[PSU_COLUMNS],
    }
    for frame in out.values():
        for c in frame.columns:
            if c in ("category",):
                frame[c] = frame[c].astype("int64")
            elif c not in ("q", "coef"):
                frame[c] = frame[c].astype("string")
    return out
