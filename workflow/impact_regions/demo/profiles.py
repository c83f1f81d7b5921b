"""Calibration targets of the demonstration data: every number the generator aims at.

Everything the synthetic dataset is calibrated on lives here as data, so that a reviewer can
compare it with the published figures (REPORT_SPEC "Published figures to reproduce") without
reading the generation code. Region codes are COG 2025 codes (strings).

Two families of targets:

* objective data (INSEE, ANCT): region values of the indicators of ``config/indicators.yaml``.
  Published orders of magnitude for 2017 are given directly (poverty rate, localised
  unemployment, share of 75+, median standard of living); the other indicators follow a
  *region profile* ``Z`` (in units of a typical spread between regions, + = more fragile) around
  a France reference ``INDICATORS[...]["fr"]``;
* survey data: perceived-fragility means and shares for PACA (region 93) and France, per
  respondent group, from the published IMPACT syntheses.
"""

from __future__ import annotations

DOMAINS = [
    "emploi",
    "niveau_de_vie",
    "developpement_economique",
    "pauvrete",
    "logement",
    "sante",
    "education",
    "vieillissement",
    "handicap",
    "isolement",
    "mobilite",
    "numerique",
    "securite",
    "culture",
    "environnement",
    "transition_energetique",
]

REGIONS = ["01", "02", "03", "04", "06", "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"]
OVERSEAS = ["01", "02", "03", "04", "06"]
PACA = "93"
MAYOTTE_REGION, MAYOTTE_DEP = "06", "976"

# --------------------------------------------------------------------------------------------
# Objective data: published orders of magnitude (2017)
# --------------------------------------------------------------------------------------------

#: Filosofi 2017, poverty rate at 60 % (REG file values, %).
TP60_REG = {
    "01": 34.0,
    "02": 29.0,
    "03": 53.0,
    "04": 39.0,
    "06": 77.0,
    "11": 15.6,
    "24": 13.4,
    "27": 13.0,
    "28": 13.6,
    "32": 18.0,
    "44": 14.6,
    "52": 11.0,
    "53": 11.0,
    "75": 13.5,
    "76": 17.0,
    "84": 12.7,
    "93": 17.2,
    "94": 18.5,
}
TP60_FR_METRO = 14.5

#: Filosofi 2017, median standard of living (REG file values, €; Mayotte not covered).
MED_REG = {
    "01": 15600,
    "02": 16900,
    "03": 13100,
    "04": 14700,
    "11": 23000,
    "24": 20700,
    "27": 20500,
    "28": 20400,
    "32": 19100,
    "44": 20600,
    "52": 20800,
    "53": 20900,
    "75": 20500,
    "76": 19800,
    "84": 21400,
    "93": 20900,
    "94": 19900,
}
MED_FR = 20800

#: INSEE localised unemployment rate, annual average 2017 (REG file values, %).
#: The brief's regional values (IdF 8.0, CVL 8.7, BFC 8.2, Normandie 9.0, Grand Est 9.0,
#: Nouvelle-Aquitaine 8.9, AURA 8.2, Corse 9.5) give a population-weighted France of 9.43 with
#: the overseas regions, outside "France ~9.0 within 0.3": those eight regions, which
#: REPORT_SPEC does not cite, are lowered by 0.3 point (France 9.25).
CHOMAGE_LOC_REG = {
    "01": 22.0,
    "02": 17.5,
    "03": 21.0,
    "04": 22.8,
    "06": 30.0,
    "11": 7.7,
    "24": 8.4,
    "27": 7.9,
    "28": 8.7,
    "32": 11.1,
    "44": 8.7,
    "52": 7.6,
    "53": 7.9,
    "75": 8.6,
    "76": 10.9,
    "84": 7.9,
    "93": 10.4,
    "94": 9.2,
}
CHOMAGE_LOC_FR = 9.0

#: census unemployment (P17_CHOM1564 / P17_ACT1564) = localised rate x this ratio
CENSUS_UNEMP_RATIO = {
    "01": 1.38,
    "02": 1.40,
    "03": 1.40,
    "04": 1.36,
    "06": 1.20,
    "11": 1.47,
    "24": 1.47,
    "27": 1.48,
    "28": 1.50,
    "32": 1.52,
    "44": 1.48,
    "52": 1.45,
    "53": 1.45,
    "75": 1.45,
    "76": 1.50,
    "84": 1.47,
    "93": 1.60,
    "94": 1.45,
}
CENSUS_UNEMP_FR = 13.5

#: share of the 75+ in the population (sum P17_POP75P / sum P17_POP, %).
P75_REG = {
    "01": 8.3,
    "02": 9.8,
    "03": 2.2,
    "04": 5.3,
    "06": 1.0,
    "11": 6.6,
    "24": 10.8,
    "27": 11.1,
    "28": 10.2,
    "32": 8.0,
    "44": 9.3,
    "52": 9.9,
    "53": 10.9,
    "75": 11.5,
    "76": 10.8,
    "84": 9.3,
    "93": 11.0,
    "94": 11.3,
}
P75_FR = 9.3

#: share of the 65+ and of the under-20 (%): ageing index = 65+ / 0-19
P65_REG = {
    "01": 18.0,
    "02": 20.5,
    "03": 5.4,
    "04": 12.0,
    "06": 2.8,
    "11": 15.5,
    "24": 21.8,
    "27": 22.5,
    "28": 21.3,
    "32": 17.8,
    "44": 19.4,
    "52": 20.4,
    "53": 22.3,
    "75": 23.5,
    "76": 22.2,
    "84": 19.0,
    "93": 22.0,
    "94": 22.8,
}
P0019_REG = {
    "01": 27.0,
    "02": 23.8,
    "03": 41.5,
    "04": 31.0,
    "06": 54.0,
    "11": 26.0,
    "24": 23.6,
    "27": 22.8,
    "28": 23.9,
    "32": 25.6,
    "44": 23.4,
    "52": 24.9,
    "53": 23.6,
    "75": 22.3,
    "76": 23.0,
    "84": 24.4,
    "93": 22.9,
    "94": 20.6,
}

#: activity rate of the 15-64 (P17_ACT1564 / P17_POP1564)
ACTIVITY_REG = {
    "01": 0.70,
    "02": 0.70,
    "03": 0.64,
    "04": 0.69,
    "06": 0.52,
    "11": 0.765,
    "24": 0.74,
    "27": 0.735,
    "28": 0.735,
    "32": 0.71,
    "44": 0.73,
    "52": 0.75,
    "53": 0.745,
    "75": 0.735,
    "76": 0.72,
    "84": 0.75,
    "93": 0.715,
    "94": 0.70,
}
#: persons per household (P17_POP / C17_MEN)
PPH_REG = {
    "01": 2.35,
    "02": 2.20,
    "03": 3.15,
    "04": 2.60,
    "06": 4.10,
    "11": 2.33,
    "24": 2.17,
    "27": 2.13,
    "28": 2.17,
    "32": 2.30,
    "44": 2.19,
    "52": 2.20,
    "53": 2.13,
    "75": 2.12,
    "76": 2.14,
    "84": 2.22,
    "93": 2.15,
    "94": 2.17,
}
#: share of secondary homes among dwellings
SECONDARY_REG = {
    "01": 0.08,
    "02": 0.06,
    "03": 0.04,
    "04": 0.03,
    "06": 0.02,
    "11": 0.03,
    "24": 0.07,
    "27": 0.09,
    "28": 0.10,
    "32": 0.04,
    "44": 0.05,
    "52": 0.11,
    "53": 0.13,
    "75": 0.12,
    "76": 0.15,
    "84": 0.11,
    "93": 0.17,
    "94": 0.36,
}

#: part des ménages fiscaux imposés is a free indicator (profile Z, domain niveau_de_vie)
#: mean number of persons per fiscal household is derived from the census households.

# --------------------------------------------------------------------------------------------
# Objective data: region profiles of the free indicators
# --------------------------------------------------------------------------------------------

#: Indicators whose region value follows the profile: id -> France reference `fr`, `kind`
#: (`log`: value = fr * exp(spread * z); `add`: value = fr + spread * z), `spread`, the sign
#: `direction` (+1: higher = more fragile), the dispersion of départements within a region
#: (`dep`, in z units) and the domain whose profile drives it.
INDICATORS = {
    "pimp": dict(domain="niveau_de_vie", fr=52.0, kind="add", spread=5.0, direction=-1, dep=0.45),
    "evol_emploi": dict(domain="developpement_economique", fr=1.2, kind="add", spread=2.4, direction=-1, dep=0.5),
    "creation": dict(domain="developpement_economique", fr=11.6, kind="add", spread=1.3, direction=-1, dep=0.45),
    "rsa": dict(domain="pauvrete", fr=3.3, kind="log", spread=0.30, direction=1, dep=0.5),
    "logvac": dict(domain="logement", fr=8.2, kind="log", spread=0.15, direction=1, dep=0.6),
    "surocc": dict(domain="logement", fr=4.8, kind="log", spread=0.35, direction=1, dep=0.5),
    "apl": dict(domain="sante", fr=3.9, kind="log", spread=0.12, direction=-1, dep=0.5),
    "medecins": dict(domain="sante", fr=9.0, kind="log", spread=0.14, direction=-1, dep=0.5),
    "nondipl": dict(domain="education", fr=28.0, kind="log", spread=0.10, direction=1, dep=0.5),
    "neet": dict(domain="education", fr=16.0, kind="log", spread=0.16, direction=1, dep=0.5),
    "aah": dict(domain="handicap", fr=2.6, kind="log", spread=0.15, direction=1, dep=0.5),
    "apa": dict(domain="handicap", fr=20.5, kind="log", spread=0.12, direction=1, dep=0.55),
    "menseul": dict(domain="isolement", fr=36.0, kind="log", spread=0.07, direction=1, dep=0.5),
    "fammono": dict(domain="isolement", fr=15.3, kind="log", spread=0.10, direction=1, dep=0.5),
    "tps": dict(domain="mobilite", fr=5.0, kind="log", spread=0.18, direction=1, dep=0.5),
    "voiture": dict(domain="mobilite", fr=70.0, kind="add", spread=7.5, direction=1, dep=0.45),
    "nonthd": dict(domain="numerique", fr=45.0, kind="add", spread=11.0, direction=1, dep=0.45),
    "ifn": dict(domain="numerique", fr=100.0, kind="log", spread=0.12, direction=1, dep=0.45),
    "crimes": dict(domain="securite", fr=53.0, kind="log", spread=0.22, direction=1, dep=0.45),
    "cambriolages": dict(domain="securite", fr=6.8, kind="log", spread=0.25, direction=1, dep=0.45),
    "equip_culture": dict(domain="culture", fr=0.90, kind="log", spread=0.25, direction=-1, dep=0.5),
    "biblio": dict(domain="culture", fr=2.40, kind="log", spread=0.25, direction=-1, dep=0.5),
    "artif": dict(domain="environnement", fr=0.45, kind="log", spread=0.30, direction=1, dep=0.5),
    "eaip": dict(domain="environnement", fr=26.0, kind="log", spread=0.22, direction=1, dep=0.5),
    "precarite": dict(domain="transition_energetique", fr=12.0, kind="log", spread=0.18, direction=1, dep=0.5),
    "anciens": dict(domain="transition_energetique", fr=22.0, kind="log", spread=0.22, direction=1, dep=0.5),
}

_ZDOM = [
    "niveau_de_vie",
    "developpement_economique",
    "pauvrete",
    "logement",
    "sante",
    "education",
    "handicap",
    "isolement",
    "mobilite",
    "numerique",
    "securite",
    "culture",
    "environnement",
    "transition_energetique",
]
# + = more fragile than France, in units of a typical spread between regions
_ZTABLE = """
#     ndv   dev   pau   log   san   edu   han   iso   mob   num   sec   cul   env   tra
01    2.5   1.0   4.0   1.2   1.0   2.2   1.2   2.6   1.0   1.8   0.8   1.5   1.2   0.0
02    2.2   1.2   3.8   1.0   1.2   1.8   1.5   3.0   1.2   1.6   0.6   1.2   1.0   0.0
03    3.0   0.2   4.0   3.0   2.5   3.5   0.5   2.8   2.5   3.0   2.0   2.5   0.5   0.0
04    2.8   0.6   4.2   1.5   0.8   2.2   1.8   2.5   1.0   1.5   0.5   1.8   1.5   0.0
06    3.0   0.8   2.0   4.0   3.5   4.0   0.0   2.0   2.5   3.5   1.5   3.5   1.5   0.0
11   -1.4  -0.5   0.6   1.6   0.3  -0.3  -0.7   0.6  -1.0  -1.4   1.4  -1.5   0.3  -0.8
24    0.1   0.3  -0.3   0.1   1.1   0.3   0.0  -0.2   0.8   0.7  -0.4   0.3  -0.2   0.4
27    0.2   0.4  -0.3   0.3   0.7   0.2   0.2   0.1   0.9   0.8  -0.6   0.1  -0.4   0.8
28    0.3   0.3  -0.1   0.0   0.7   0.6   0.2   0.0   0.5   0.4  -0.4   0.2   0.1   0.5
32    0.9   0.5   1.8   0.2   0.9   1.4   0.7   0.6   0.0   0.5   0.3   0.3   0.3   0.4
44    0.1   0.3   0.2   0.4   0.4   0.3   0.1   0.0   0.3   0.3   0.0   0.1   0.0   0.8
52   -0.3  -0.6  -0.9  -0.5   0.2  -0.6  -0.4  -0.4   0.4   0.2  -0.8  -0.2   0.2  -0.2
53   -0.2  -0.2  -0.9  -0.4  -0.1  -0.7  -0.1  -0.1   0.6   0.5  -1.0  -0.4  -0.3   0.3
75    0.1   0.0  -0.1   0.1   0.3   0.0   0.4   0.1   0.8   0.7  -0.4  -0.2   0.1   0.3
76    0.5  -0.3   0.7   0.3   0.0   0.3   0.7   0.3   0.6   0.8   0.4  -0.3   0.5   0.0
84   -0.5  -0.4  -0.5  -0.2  -0.1  -0.4  -0.3  -0.1   0.1   0.0   0.0  -0.3   0.2   0.1
93    1.6   0.3   0.4   0.1  -0.3   0.6   0.5  -0.1   0.7   1.8   1.9  -0.6  -0.1  -0.4
94    0.6  -0.2   0.6   0.5   0.4   0.3   0.5   0.3   1.3   1.0   0.2   0.4   0.2   0.3
"""

#: region -> domain -> z (profile of the free indicators), read from _ZTABLE
Z = {
    code: {d: float(v) for d, v in zip(_ZDOM, vals, strict=True)}
    for code, *vals in (line.split() for line in _ZTABLE.strip().splitlines() if not line.startswith("#"))
}

#: (region, indicator) -> z, where one indicator departs from its domain's profile
Z_OVERRIDES = {
    ("11", "voiture"): -3.4,
    ("11", "tps"): -1.6,
    ("11", "surocc"): 2.8,
    ("11", "logvac"): -0.2,
    ("11", "menseul"): 1.0,
    ("11", "anciens"): 0.0,
    ("11", "eaip"): 0.6,
    ("93", "surocc"): 1.0,
    ("93", "logvac"): -0.7,
    ("93", "tps"): 0.3,
    ("93", "voiture"): 0.9,
    ("94", "logvac"): 1.0,
    ("94", "surocc"): 0.0,
    # overseas: recent housing stock, but frequent energy poverty and single-parent families
    **{(r, "anciens"): z for r, z in zip(OVERSEAS, [-4.3, -4.0, -4.8, -4.5, -5.0], strict=True)},
    **{(r, "precarite"): z for r, z in zip(OVERSEAS, [1.2, 1.0, 0.6, 0.8, 1.5], strict=True)},
    **{(r, "fammono"): z for r, z in zip(OVERSEAS, [5.5, 6.0, 5.0, 4.5, 4.0], strict=True)},
    **{(r, "menseul"): z for r, z in zip(OVERSEAS, [-0.3, 0.0, -0.8, -0.5, -1.5], strict=True)},
    **{(r, "voiture"): 0.5 for r in OVERSEAS},
    ("06", "voiture"): -2.5,
    ("06", "rsa"): 1.5,
    ("06", "aah"): -2.0,
    ("03", "aah"): -0.5,
    **{(r, "apa"): 1.8 for r in ["01", "02", "04"]},
    ("03", "apa"): 0.5,
}

#: standard deviation (z units) of an indicator's own deviation from its region's domain profile
Z_JITTER = 0.12

#: APA: département with a secret value (small counts) in the demonstration file
APA_SECRET_DEP = "48"

# --------------------------------------------------------------------------------------------
# Survey targets
# --------------------------------------------------------------------------------------------

#: inhabitants, perceived fragility (weighted mean /10, 99 excluded)
HAB_FRAG_PACA = {
    "emploi": 6.6,
    "niveau_de_vie": 6.4,
    "pauvrete": 6.2,
    "vieillissement": 6.2,
    "environnement": 6.1,
    "transition_energetique": 6.1,
    "securite": 6.0,
    "mobilite": 5.9,
    "logement": 5.9,
    "numerique": 4.6,
    "developpement_economique": 5.7,
    "sante": 5.6,
    "handicap": 5.5,
    "isolement": 5.4,
    "education": 5.3,
    "culture": 4.9,
}
HAB_FRAG_FR = {
    "emploi": 6.4,
    "niveau_de_vie": 6.3,
    "securite": 6.0,
    "mobilite": 5.9,
    "environnement": 5.9,
    "developpement_economique": 5.9,
    "transition_energetique": 5.9,
    "pauvrete": 5.8,
    "vieillissement": 5.7,
    "sante": 5.7,
    "logement": 5.6,
    "isolement": 5.4,
    "handicap": 5.3,
    "education": 5.3,
    "numerique": 4.9,
    "culture": 4.6,
}
#: structural deviations of the other regions' perceived fragility from France
HAB_FRAG_REGION_SHIFTS = {
    **{
        r: {
            "emploi": 0.8,
            "pauvrete": 0.7,
            "niveau_de_vie": 0.5,
            "logement": 0.3,
            "sante": 0.3,
            "securite": 0.2,
            "environnement": 0.2,
        }
        for r in OVERSEAS
    },
    "32": {"emploi": 0.4, "pauvrete": 0.4, "niveau_de_vie": 0.3, "education": 0.2},
    "11": {"logement": 0.5, "securite": 0.3, "environnement": 0.2, "mobilite": 0.2, "vieillissement": -0.3},
    "52": {"emploi": -0.3, "pauvrete": -0.3, "securite": -0.4},
    "53": {"emploi": -0.3, "pauvrete": -0.3, "securite": -0.4, "environnement": 0.2},
    "24": {"sante": 0.4, "mobilite": 0.3, "vieillissement": 0.2},
    "27": {"sante": 0.3, "mobilite": 0.3, "vieillissement": 0.3, "numerique": 0.2},
    "75": {"sante": 0.2, "mobilite": 0.2, "vieillissement": 0.3},
    "76": {"emploi": 0.3, "pauvrete": 0.2, "mobilite": 0.2},
    "28": {"sante": 0.3, "emploi": 0.1},
    "44": {"emploi": 0.1, "transition_energetique": 0.1},
    "94": {"logement": 0.4, "emploi": 0.2, "vieillissement": 0.3, "mobilite": 0.3},
}

#: agreement measures: share answering 1 or 2 among valid answers
HAB_AGREE_PACA = {"devoir_alliance": 0.84, "alliance_innovation": 0.75, "engagement_suffisant": 0.28}
HAB_AGREE_FR = {"devoir_alliance": 0.82, "alliance_innovation": 0.74, "engagement_suffisant": 0.31}

#: inhabitants' priority domains for cooperation (approximate shares of respondents citing it)
HAB_COOP = {
    "emploi": 0.42,
    "pauvrete": 0.38,
    "environnement": 0.37,
    "sante": 0.20,
    "education": 0.17,
    "logement": 0.13,
    "vieillissement": 0.11,
    "transition_energetique": 0.10,
    "developpement_economique": 0.09,
    "mobilite": 0.09,
    "securite": 0.08,
    "niveau_de_vie": 0.07,
    "isolement": 0.07,
    "handicap": 0.06,
    "numerique": 0.06,
    "culture": 0.06,
}

GROUPS = ["association", "entreprise", "maire"]
GROUP_STRATUM = {"association": "ASS", "entreprise": "ENT", "maire": "MAI"}

#: organisations, perceived fragility /10, France and PACA, per type
ORG_FRAG_FR = {
    "association": {
        "emploi": 6.0,
        "niveau_de_vie": 6.2,
        "developpement_economique": 5.3,
        "pauvrete": 6.5,
        "logement": 5.8,
        "sante": 5.9,
        "education": 5.6,
        "vieillissement": 6.2,
        "handicap": 5.9,
        "isolement": 6.4,
        "mobilite": 6.0,
        "numerique": 5.0,
        "securite": 4.8,
        "culture": 5.2,
        "environnement": 4.6,
        "transition_energetique": 4.9,
    },
    "entreprise": {
        "emploi": 6.2,
        "niveau_de_vie": 5.6,
        "developpement_economique": 6.1,
        "pauvrete": 5.0,
        "logement": 4.9,
        "sante": 5.0,
        "education": 5.4,
        "vieillissement": 4.9,
        "handicap": 4.6,
        "isolement": 4.5,
        "mobilite": 5.7,
        "numerique": 5.2,
        "securite": 5.6,
        "culture": 4.2,
        "environnement": 4.3,
        "transition_energetique": 5.0,
    },
    "maire": {
        "emploi": 5.8,
        "niveau_de_vie": 5.4,
        "developpement_economique": 6.1,
        "pauvrete": 5.0,
        "logement": 5.2,
        "sante": 6.4,
        "education": 5.1,
        "vieillissement": 6.2,
        "handicap": 5.0,
        "isolement": 5.6,
        "mobilite": 6.3,
        "numerique": 6.0,
        "securite": 4.8,
        "culture": 4.6,
        "environnement": 4.4,
        "transition_energetique": 4.7,
    },
}
ORG_FRAG_PACA = {
    "association": {
        "emploi": 6.1,
        "niveau_de_vie": 6.1,
        "developpement_economique": 5.3,
        "pauvrete": 6.4,
        "logement": 6.0,
        "sante": 5.9,
        "education": 5.5,
        "vieillissement": 6.7,
        "handicap": 5.8,
        "isolement": 6.3,
        "mobilite": 6.8,
        "numerique": 4.9,
        "securite": 5.4,
        "culture": 5.1,
        "environnement": 4.6,
        "transition_energetique": 4.9,
    },
    "entreprise": {
        "emploi": 6.2,
        "niveau_de_vie": 5.6,
        "developpement_economique": 5.9,
        "pauvrete": 5.1,
        "logement": 5.0,
        "sante": 5.0,
        "education": 5.4,
        "vieillissement": 5.1,
        "handicap": 4.6,
        "isolement": 4.5,
        "mobilite": 6.0,
        "numerique": 5.3,
        "securite": 6.7,
        "culture": 4.3,
        "environnement": 4.4,
        "transition_energetique": 4.9,
    },
    "maire": {
        "emploi": 5.9,
        "niveau_de_vie": 5.5,
        "developpement_economique": 6.0,
        "pauvrete": 5.1,
        "logement": 5.5,
        "sante": 6.2,
        "education": 5.0,
        "vieillissement": 6.4,
        "handicap": 5.0,
        "isolement": 5.5,
        "mobilite": 6.5,
        "numerique": 5.9,
        "securite": 5.6,
        "culture": 4.6,
        "environnement": 4.4,
        "transition_energetique": 4.7,
    },
}

#: organisations: alliances as a source of innovation (share 1-2), partnership and modes
ORG_SHARES_FR = {
    "association": {
        "alliance_innovation": 0.86,
        "a_partenariat": 0.38,
        "mode_mecenat": 0.45,
        "mode_pratiques_responsables": 0.41,
        "mode_innovation_societale": 0.30,
        "mode_cooperation_economique": 0.21,
    },
    "entreprise": {
        "alliance_innovation": 0.81,
        "a_partenariat": 0.37,
        "mode_mecenat": 0.52,
        "mode_pratiques_responsables": 0.48,
        "mode_innovation_societale": 0.27,
        "mode_cooperation_economique": 0.24,
    },
    "maire": {
        "alliance_innovation": 0.87,
        "a_partenariat": 0.55,
        "mode_mecenat": 0.41,
        "mode_pratiques_responsables": 0.45,
        "mode_innovation_societale": 0.29,
        "mode_cooperation_economique": 0.25,
    },
}
ORG_SHARES_PACA = {
    "association": {
        "alliance_innovation": 0.87,
        "a_partenariat": 0.40,
        "mode_mecenat": 0.46,
        "mode_pratiques_responsables": 0.42,
        "mode_innovation_societale": 0.31,
        "mode_cooperation_economique": 0.22,
    },
    # PACA companies clearly ahead of France on partnership practices (REPORT_SPEC), by more
    # than the sampling error of ~270 companies, so that the difference is significant
    "entreprise": {
        "alliance_innovation": 0.83,
        "a_partenariat": 0.46,
        "mode_mecenat": 0.60,
        "mode_pratiques_responsables": 0.56,
        "mode_innovation_societale": 0.33,
        "mode_cooperation_economique": 0.30,
    },
    "maire": {
        "alliance_innovation": 0.88,
        "a_partenariat": 0.57,
        "mode_mecenat": 0.43,
        "mode_pratiques_responsables": 0.46,
        "mode_innovation_societale": 0.30,
        "mode_cooperation_economique": 0.26,
    },
}
MODES = ["mode_mecenat", "mode_pratiques_responsables", "mode_innovation_societale", "mode_cooperation_economique"]

#: organisations' priority domains for cooperation (approximate shares)
ORG_COOP = {
    "association": {
        "pauvrete": 0.40,
        "isolement": 0.32,
        "education": 0.30,
        "emploi": 0.22,
        "sante": 0.16,
        "vieillissement": 0.14,
        "handicap": 0.13,
        "culture": 0.12,
        "logement": 0.10,
        "environnement": 0.09,
        "mobilite": 0.07,
        "numerique": 0.06,
        "niveau_de_vie": 0.06,
        "securite": 0.04,
        "developpement_economique": 0.05,
        "transition_energetique": 0.05,
    },
    "entreprise": {
        "emploi": 0.45,
        "education": 0.30,
        "developpement_economique": 0.28,
        "environnement": 0.16,
        "transition_energetique": 0.14,
        "mobilite": 0.12,
        "numerique": 0.11,
        "handicap": 0.09,
        "sante": 0.08,
        "securite": 0.07,
        "pauvrete": 0.07,
        "logement": 0.06,
        "culture": 0.05,
        "niveau_de_vie": 0.05,
        "isolement": 0.04,
        "vieillissement": 0.04,
    },
    "maire": {
        "mobilite": 0.30,
        "sante": 0.30,
        "vieillissement": 0.28,
        "emploi": 0.22,
        "developpement_economique": 0.20,
        "numerique": 0.15,
        "isolement": 0.12,
        "logement": 0.12,
        "education": 0.10,
        "transition_energetique": 0.08,
        "culture": 0.07,
        "environnement": 0.07,
        "securite": 0.05,
        "pauvrete": 0.06,
        "handicap": 0.04,
        "niveau_de_vie": 0.04,
    },
}

#: calibration tolerances (published: means 0.02 point, shares 0.003)
TOL_MEAN, TOL_SHARE = 0.02, 0.003

#: sample sizes (full data)
HAB_OVERSEAS_N = {"01": 200, "02": 200, "03": 150, "04": 300, "06": 120}
HAB_METRO_BASE, HAB_METRO_PROP = 500, 6000
ORG_OVERSEAS_N = {"01": 24, "02": 24, "03": 20, "04": 30, "06": 16}
ORG_METRO_BASE, ORG_METRO_PROP, ORG_PACA_BOOST = 70, 1250, 1.6
#: population of organisations represented by the weights (per inhabitant; maires: communes)
ORG_PER_INHABITANT = {"association": 0.0195, "entreprise": 0.0031}
ADULT_SHARE = 0.80
