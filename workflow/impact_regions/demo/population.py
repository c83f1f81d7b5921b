"""Synthetic population by département, sex and single year of age (INSEE TD_POP1B format).

Writes ``insee/pop_sexe_age_2017_dep.csv`` in the format of the census detailed table TD_POP1B
("Population par sexe et âge", base ``BTT_TD_POP1B_2017``) at département level::

    NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB
    DEP;01;Ain;1;000;3725.11979

``NB`` is written with a decimal point and up to 5 decimals, as RP counts are weighted
(non-integer). Only the totals are real: each département sums, over sex and age, to its real
2017 municipal population (``geo/departements.csv``) exactly — the cells are rounded in units of
1e-5 with the largest-remainder method, so the written decimals add up to the integer.

The structure is synthetic but plausible:

- share of the under-18s: about 21.5 % in metropolitan France, 20-23 % in the Antilles,
  26.5 % in La Réunion, 38 % in Guyane and 50 % in Mayotte, ±8 % (relative) per département;
- adults by band (18-24, 25-34, 35-49, 50-64, 65+): the population shares the survey generator
  uses for its non-response correction (:data:`~impact_regions.demo.survey.AGE_POP`, metro /
  overseas / Mayotte), ±6 % (relative) per band and département, then renormalised; single years
  inside a band get ±3 % noise, and 65+ follows a Gompertz survival curve up to the open class
  100 (100 and over);
- share of women by age: 48.8 % under 18, rising from 49.5 % at 18-24 to about 75 % at 100+,
  shifted (logit) so that women are :data:`~impact_regions.demo.survey.P_WOMAN_POP` (52 %) of
  the adults, ±0.4 point per département.

Randomness comes from ``numpy.random.default_rng([seed, COMPONENT, <département key>])``: one
stream per département, so the rows of a département do not depend on which other départements
are generated (the tiny test extract is a subset of the full file).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import profiles as P
from .survey import AGE_POP, P_WOMAN_POP
from .writers import write_table

#: Path of the extract, relative to the raw data directory (config: raking.population).
PATH = "insee/pop_sexe_age_2017_dep.csv"
HEADER = ["NIVGEO", "CODGEO", "LIBGEO", "SEXE", "AGED100", "NB"]
#: SOURCES.yaml entry: (producer, dataset, vintage, licence, description).
SOURCE = (
    "INSEE",
    "Recensement de la population 2017, tableau détaillé TD_POP1B (population par sexe et âge), départements",
    "2017",
    "Licence Ouverte 2.0 (Etalab)",
    (
        "Population par département, sexe et âge détaillé (AGED100, 100 = 100 ans ou plus), comptages pondérés "
        "(NB non entier). Totaux départementaux = populations municipales 2017 réelles ; la structure par sexe "
        "et âge est synthétique."
    ),
)
#: Component of the random streams (see the other demo generators: 1 objective, 2/3 survey...).
COMPONENT = 40
DECIMALS = 5
MAX_AGE = 100
BANDS = [(18, 24), (25, 34), (35, 49), (50, 64), (65, MAX_AGE)]
#: Share of the under-18s in the population, by département (metro default).
#: Gompertz mortality from 65 (hazard A exp(B (age - 65))): about 47 % of the 65+ are 75+.
GOMPERTZ = (0.015, 0.10)
UNDER18 = {"metro": 0.215, "971": 0.225, "972": 0.205, "973": 0.38, "974": 0.265, "976": 0.50}


def _dep_key(code: str) -> int:
    """A stable integer per département code ('01' -> 12337, '2A' -> 12865...)."""
    return int.from_bytes(code.encode("ascii"), "big")


def _age_key(code: str, region: str) -> str:
    return region if region == P.MAYOTTE_REGION else ("overseas" if region in P.OVERSEAS else "metro")


def _frame_columns(geo_departements: pd.DataFrame) -> pd.DataFrame:
    """code, name, region, population from either data/raw/geo/departements.csv or demo Geo tables."""
    df = geo_departements
    if "code_departement" in df.columns:
        out = pd.DataFrame(
            {
                "code": df["code_departement"],
                "name": df["nom_departement"],
                "reg": df["code_region"],
                "pop": df["population_municipale"],
            }
        )
    else:
        out = pd.DataFrame({"code": df["code"], "name": df["name"], "reg": df["reg"], "pop": df["pop"]})
    out = out.astype({"code": str, "name": str, "reg": str})
    out["pop"] = pd.to_numeric(out["pop"], errors="raise").astype(np.int64)
    return out.sort_values("code", kind="stable").reset_index(drop=True)


def age_shares(code: str, region: str, rng: np.random.Generator) -> np.ndarray:
    """Share of each single age 0..100 in the département's population (sums to 1)."""
    ages = np.arange(MAX_AGE + 1)
    u18 = UNDER18.get(code, UNDER18["metro"]) * float(np.exp(rng.normal(0.0, 0.08)))
    bands = np.asarray(AGE_POP[_age_key(code, region)], dtype=float) * np.exp(rng.normal(0.0, 0.06, len(BANDS)))
    bands = bands / bands.sum() * (1.0 - u18)
    shares = np.zeros(MAX_AGE + 1)
    noise = np.exp(rng.normal(0.0, 0.03, MAX_AGE + 1))
    young = noise[:18] * (1.0 + 0.004 * (ages[:18] - 9))  # slightly fewer births lately
    shares[:18] = young / young.sum() * u18
    for (lo, hi), total in zip(BANDS, bands, strict=True):
        shape = noise[lo : hi + 1].copy()
        if hi == MAX_AGE:  # Gompertz survival from 65; the open class 100 gathers 100 and over
            x = ages[lo : hi + 1] - lo
            surv = np.exp(-GOMPERTZ[0] / GOMPERTZ[1] * np.expm1(GOMPERTZ[1] * x))
            tail = np.exp(-GOMPERTZ[0] / GOMPERTZ[1] * np.expm1(GOMPERTZ[1] * np.arange(x[-1] + 1, x[-1] + 20))).sum()
            surv[-1] += tail
            shape = shape * surv
        shares[lo : hi + 1] = shape / shape.sum() * total
    return shares


def female_shares(age_share: np.ndarray, target_adult: float) -> np.ndarray:
    """Share of women at each age 0..100, shifted in logit so that women are `target_adult` of 18+."""
    ages = np.arange(MAX_AGE + 1)
    base = np.select(
        [ages < 18, ages < 25, ages < 35, ages < 50, ages < 65],
        [0.488, 0.495, 0.505, 0.51, 0.515],
        0.52 + 0.23 * (np.clip(ages - 65, 0, None) / 35.0) ** 1.5,
    )
    logit = np.log(base / (1.0 - base))
    adult = ages >= 18
    lo, hi = -2.0, 2.0
    for _ in range(80):  # bisection on the logit shift (the adult share is increasing in it)
        mid = (lo + hi) / 2.0
        p = 1.0 / (1.0 + np.exp(-(logit + mid)))
        if (age_share[adult] * p[adult]).sum() / age_share[adult].sum() < target_adult:
            lo = mid
        else:
            hi = mid
    return 1.0 / (1.0 + np.exp(-(logit + (lo + hi) / 2.0)))


def _round_units(values: np.ndarray, total_units: int) -> np.ndarray:
    """Integers (units of 10^-DECIMALS) summing exactly to `total_units` (largest remainder)."""
    scaled = values / values.sum() * total_units
    floor = np.floor(scaled).astype(np.int64)
    short = int(total_units - floor.sum())
    order = np.argsort(-(scaled - floor), kind="stable")
    floor[order[:short]] += 1
    return floor


def _fmt_units(units: np.ndarray) -> list[str]:
    """Exact decimal text of integer units of 10^-DECIMALS, trailing zeros stripped ('12.5', '3')."""
    scale = 10**DECIMALS
    out = []
    for u in units.tolist():
        whole, frac = divmod(int(u), scale)
        text = f"{whole}.{frac:0{DECIMALS}d}".rstrip("0").rstrip(".")
        out.append(text)
    return out


def generate_population(geo_departements: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The TD_POP1B rows of the given départements, as the text written to the file.

    `geo_departements` is ``data/raw/geo/departements.csv`` read with ``dtype=str`` (columns
    code_departement, nom_departement, code_region, population_municipale) or the demo
    :class:`~impact_regions.demo.geo.Geo` ``departements`` table (code, name, reg, pop). Returns
    the columns of :data:`HEADER` as strings, one row per département × sex × age (202 per
    département), sorted by code, sex, age. Each département's NB sum to its population exactly.
    """
    deps = _frame_columns(geo_departements)
    parts = []
    ages = [f"{a:03d}" for a in range(MAX_AGE + 1)]
    for code, name, reg, pop in deps.itertuples(index=False):
        rng = np.random.default_rng([seed, COMPONENT, _dep_key(code)])
        share = age_shares(code, reg, rng)
        target = P_WOMAN_POP + float(np.clip(rng.normal(0.0, 0.004), -0.01, 0.01))
        p_f = female_shares(share, target)
        cells = np.concatenate([share * (1.0 - p_f), share * p_f])  # SEXE 1 then 2, ages 0..100
        units = _round_units(cells, int(pop) * 10**DECIMALS)
        n = len(cells)
        parts.append(
            pd.DataFrame(
                {
                    "NIVGEO": ["DEP"] * n,
                    "CODGEO": [code] * n,
                    "LIBGEO": [name] * n,
                    "SEXE": ["1"] * (MAX_AGE + 1) + ["2"] * (MAX_AGE + 1),
                    "AGED100": ages * 2,
                    "NB": _fmt_units(units),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=HEADER, dtype=str)
    return pd.concat(parts, ignore_index=True)[HEADER]


def write_population(path: str | Path, frame: pd.DataFrame) -> None:
    """Write the rows of :func:`generate_population` (`;`, UTF-8 without BOM, LF): same frame, same bytes."""
    write_table(Path(path), HEADER, [frame[c].astype(str).tolist() for c in HEADER])
