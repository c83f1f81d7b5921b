"""Synthetic commune-level statistics (INSEE, ANCT) calibrated on regional targets.

Method, for every quantity:

1. a **region value** is set: a published 2017 order of magnitude (:mod:`.profiles`) or, for the
   other indicators, ``France reference ± profile z × spread``;
2. **département values** scatter around it (log-normal or additive noise, plus a rurality
   effect for the indicators that depend on density), then are rescaled so that their weighted
   mean (weights = the indicator's denominator) equals the region value exactly;
3. **commune values** scatter around their département's (a size gradient ``beta`` on
   ``log10(population)`` and a noise larger for small communes), then are rescaled so that the
   département aggregate (sum of numerators / sum of denominators) equals the département value
   exactly. Proportions are rescaled on the logit scale (Newton steps), so they stay in (0, 1).

Counts are numerators = rate × denominator, so every numerator is ≤ its denominator and
regional values obtained by summing commune counts reproduce the targets. Integer counts (OT
exports, BPE) use stochastic rounding. Communes with no inhabitants get zero counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import profiles as P
from .geo import Geo


def expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1.0 - p))


def region_value(ind: str, region: str, jitter: float = 0.0) -> float:
    """Region value of a profile-driven indicator (see :data:`profiles.INDICATORS`).

    `jitter` (in z units) is a small indicator-specific deviation from the domain profile.
    """
    spec = P.INDICATORS[ind]
    z = P.Z_OVERRIDES.get((region, ind), P.Z[region][spec["domain"]]) + jitter
    step = spec["direction"] * spec["spread"] * z
    return spec["fr"] * float(np.exp(step)) if spec["kind"] == "log" else spec["fr"] + step


@dataclass
class Objective:
    """All generated arrays: commune columns (`com`), département and region tables."""

    com: pd.DataFrame
    filo_dep: pd.DataFrame
    filo_reg: pd.DataFrame
    chom_dep: pd.Series
    chom_reg: pd.Series
    apa_dep: pd.Series


class _Gen:
    """Hierarchical generator bound to one geography and one random stream."""

    def __init__(self, geo: Geo, rng: np.random.Generator):
        self.g, self.rng = geo, rng
        pop = geo.communes["pop"].to_numpy(dtype=float)
        self.pop = pop
        self.zero = pop == 0
        self.u = np.clip(np.log10(pop + 1.0) - 2.7, -2.7, 3.6)  # size gradient
        self.sc = np.minimum(np.sqrt(1.0 + 300.0 / np.maximum(pop, 1.0)), 4.0)  # small-area noise
        dep = geo.departements
        density = dep["pop"].to_numpy(float) / np.maximum(dep["area_ha"].to_numpy(float), 1.0)
        ld = np.log(density)
        self.rural = -(ld - ld.mean()) / ld.std()  # département rurality
        self.reg_codes = list(geo.regions["code"])

    # ---- region -> département -------------------------------------------------------------
    def deps(
        self, reg_values: np.ndarray, weights: np.ndarray, sigma: float, kind: str = "log", rural: float = 0.0
    ) -> np.ndarray:
        """Département values around their region's, weighted mean = region value exactly."""
        g = self.g
        eta = self.rng.standard_normal(g.nd) + rural * self.rural
        base = reg_values[g.dep_ri]
        w = np.where(weights > 0, weights, 1e-9)
        if kind == "log":
            d = base * np.exp(sigma * eta)
            mean = g.reg_sum_dep(w * d) / g.reg_sum_dep(w)
            return d * (reg_values / mean)[g.dep_ri]
        d = base + sigma * eta
        mean = g.reg_sum_dep(w * d) / g.reg_sum_dep(w)
        return d + (reg_values - mean)[g.dep_ri]

    def profile_deps(self, ind: str, weights: np.ndarray, rural: float = 0.0) -> np.ndarray:
        spec = P.INDICATORS[ind]
        jit = np.clip(self.rng.normal(0.0, P.Z_JITTER, len(self.reg_codes)), -2 * P.Z_JITTER, 2 * P.Z_JITTER)
        reg = np.array([region_value(ind, r, j) for r, j in zip(self.reg_codes, jit, strict=True)])
        sigma = spec["dep"] * spec["spread"]
        return self.deps(reg, weights, sigma, spec["kind"], rural * spec["direction"])

    # ---- département -> commune --------------------------------------------------------------
    def prop(self, dep_target: np.ndarray, den: np.ndarray, beta: float, sigma: float) -> np.ndarray:
        """Commune proportions in (0,1) with sum(den*p)/sum(den) = dep_target in each département."""
        g = self.g
        l0 = logit(dep_target)[g.di] + beta * self.u + sigma * self.sc * self.rng.standard_normal(g.nc)
        goal = dep_target * g.dep_sum(den)
        a = np.zeros(g.nd)
        for _ in range(40):
            p = expit(l0 + a[g.di])
            f = g.dep_sum(den * p) - goal
            fp = g.dep_sum(den * p * (1 - p))
            step = np.clip(f / np.maximum(fp, 1e-12), -2.0, 2.0)
            a -= np.where(fp > 0, step, 0.0)
            if np.all(np.abs(f) <= 1e-9 * np.maximum(goal, 1.0)):
                break
        return expit(l0 + a[g.di])

    def ratio(self, dep_target: np.ndarray, den: np.ndarray, beta: float, sigma: float) -> np.ndarray:
        """Positive commune ratios with sum(den*r)/sum(den) = dep_target in each département."""
        g = self.g
        r = dep_target[g.di] * np.exp(beta * self.u + sigma * self.sc * self.rng.standard_normal(g.nc))
        mean = g.dep_sum(den * r) / np.maximum(g.dep_sum(den), 1e-12)
        return r * np.where(mean > 0, dep_target / np.where(mean > 0, mean, 1.0), 1.0)[g.di]

    def additive(self, dep_target: np.ndarray, den: np.ndarray, sd: np.ndarray) -> np.ndarray:
        """Commune values (any sign) with den-weighted département mean = dep_target."""
        g = self.g
        r = dep_target[g.di] + sd * self.rng.standard_normal(g.nc)
        mean = g.dep_sum(den * r) / np.maximum(g.dep_sum(den), 1e-12)
        return r + (dep_target - mean)[g.di]

    def stoch_round(self, x: np.ndarray) -> np.ndarray:
        x = np.maximum(x, 0.0)
        fl = np.floor(x)
        return (fl + (self.rng.random(x.shape) < (x - fl))).astype(np.int64)


def _reg_array(geo: Geo, table: dict) -> np.ndarray:
    return np.array([table[r] for r in geo.regions["code"]], dtype=float)


def generate(geo: Geo, rng: np.random.Generator) -> Objective:
    """Generate every objective quantity for all communes of `geo` (order of draws is fixed)."""
    G = _Gen(geo, rng)
    g, pop, zero = geo, G.pop, G.zero
    popd = g.dep_sum(pop)
    overseas = np.isin(np.array(G.reg_codes), P.OVERSEAS)
    ovs_c = overseas[g.ri]
    c: dict[str, np.ndarray] = {}

    # --- ages: 75+ exact by region, 65+, 0-19, 20-64, 15-64 --------------------------------
    d75 = G.deps(_reg_array(g, P.P75_REG) / 100, popd, 0.10, rural=0.9)
    s75 = G.prop(d75, pop, -0.05, 0.10)
    pop75 = s75 * pop
    k = (_reg_array(g, P.P65_REG) / _reg_array(g, P.P75_REG))[g.ri]
    k = np.clip(k * np.exp(0.06 * rng.standard_normal(g.nc)), 1.3, None)
    pop65 = np.minimum(pop75 * k, 0.85 * pop)
    d0019 = G.deps(_reg_array(g, P.P0019_REG) / 100, popd, 0.05, rural=-0.5)
    s0019 = G.prop(d0019, pop, 0.02, 0.08)
    pop0019 = np.minimum(s0019 * pop, np.maximum(pop - pop65 - 0.03 * pop, 0.0))
    pop75, pop65, pop0019 = (np.round(x, 4) for x in (pop75, pop65, pop0019))
    pop2064 = np.round(pop - pop0019 - pop65, 4)
    pop1564 = np.round(pop2064 + 0.245 * pop0019, 4)
    c.update(
        P17_POP=pop, P17_POP0019=pop0019, P17_POP1564=pop1564, P17_POP2064=pop2064, P17_POP65P=pop65, P17_POP75P=pop75
    )

    # --- activity and unemployment (census, and localised rates) ---------------------------
    chom_reg = _reg_array(g, P.CHOMAGE_LOC_REG)
    chom_dep = np.round(G.deps(chom_reg, popd, 0.11, rural=-0.2), 1)
    for i in range(len(G.reg_codes)):  # single-département regions: as the region
        if (g.dep_ri == i).sum() == 1:
            chom_dep[g.dep_ri == i] = chom_reg[i]
    dact = G.deps(_reg_array(g, P.ACTIVITY_REG), g.dep_sum(pop1564), 0.02)
    act = pop1564 * G.prop(dact, pop1564, 0.01, 0.04)
    ratio = _reg_array(g, P.CENSUS_UNEMP_RATIO)[g.dep_ri]
    chom = act * G.prop(chom_dep / 100 * ratio, act, 0.12, 0.18)
    act, chom = np.round(act, 4), np.round(chom, 4)
    c.update(P17_ACT1564=act, P17_CHOM1564=np.minimum(chom, act))

    # --- education ------------------------------------------------------------------------
    nscol = np.round((pop - 0.755 * pop0019) * 0.925 * np.exp(0.02 * rng.standard_normal(g.nc)), 4)
    nscol = np.minimum(nscol, pop)
    ddipl = G.profile_deps("nondipl", g.dep_sum(nscol), rural=0.3) / 100
    dipl = np.round(nscol * G.prop(ddipl, nscol, -0.02, 0.12), 4)
    c.update(P17_NSCOL15P=nscol, P17_NSCOL15P_DIPLMIN=np.minimum(dipl, nscol))

    # --- households and dwellings ---------------------------------------------------------
    dpph = G.deps(_reg_array(g, P.PPH_REG), popd, 0.03)
    pph = G.ratio(dpph, pop, -0.02, 0.04)
    men = np.where(zero, 0.0, pop / np.where(pph > 0, pph, 1.0))
    rp = men * np.exp(0.004 * rng.standard_normal(g.nc))
    dsec = G.deps(_reg_array(g, P.SECONDARY_REG), popd, 0.35, rural=0.3)
    sec = G.prop(dsec, men, -0.30, 0.55)
    dvac = G.profile_deps("logvac", g.dep_sum(men), rural=0.4) / 100
    vac = G.prop(dvac, men, -0.06, 0.25)
    sec = np.minimum(sec, 0.92 - vac)
    log = rp / (1.0 - sec - vac)
    logvac = log * vac
    achtot = rp * np.clip(0.985 + 0.005 * rng.standard_normal(g.nc), 0.95, 1.0)
    danc = G.profile_deps("anciens", g.dep_sum(achtot), rural=0.4) / 100
    anc = achtot * G.prop(danc, achtot, -0.08, 0.30)
    ach19 = anc * np.clip(0.68 + 0.05 * rng.standard_normal(g.nc), 0.4, 0.9)
    dseul = G.profile_deps("menseul", g.dep_sum(men), rural=-0.3) / 100
    seul = men * G.prop(dseul, men, 0.09, 0.10)
    fam = men * np.clip(np.where(ovs_c, 0.70, 0.625) - 0.02 * G.u + 0.03 * rng.standard_normal(g.nc), 0.3, 0.95)
    dmono = G.profile_deps("fammono", g.dep_sum(fam)) / 100
    mono = fam * G.prop(dmono, fam, 0.12, 0.16)

    def r4(x):
        return np.round(x, 4)

    c.update(
        P17_LOG=r4(log),
        P17_LOGVAC=r4(np.minimum(logvac, log)),
        P17_RP=r4(rp),
        P17_RP_ACHTOT=r4(np.minimum(achtot, rp)),
        P17_RP_ACH19=r4(ach19),
        P17_RP_ACH45=r4(anc - ach19),
        C17_MEN=r4(men),
        C17_MENPSEUL=r4(seul),
        C17_FAM=r4(fam),
        C17_FAMMONO=r4(mono),
    )
    c["P17_RP_ACH45"] = np.maximum(np.minimum(c["P17_RP_ACH45"], c["P17_RP_ACHTOT"] - c["P17_RP_ACH19"]), 0.0)

    # --- commuting by car -------------------------------------------------------------------
    actocc = np.round((act - chom) * 1.012, 4)
    dvoit = G.profile_deps("voiture", g.dep_sum(actocc), rural=0.5) / 100
    voit = np.round(actocc * G.prop(dvoit, actocc, -0.30, 0.14), 4)
    c.update(C17_ACTOCC15P=actocc, C17_ACTOCC15P_VOIT=np.minimum(voit, actocc))

    # --- Filosofi -----------------------------------------------------------------------------
    nbmen = np.round(men * 0.985).astype(np.int64)
    nbpers = np.round(pop * 0.975 * 2) / 2
    mayotte_c = (geo.communes["reg"] == P.MAYOTTE_REGION).to_numpy()
    mayotte_d = (geo.departements["reg"] == P.MAYOTTE_REGION).to_numpy()
    persd = g.dep_sum(nbpers)
    mend = g.dep_sum(nbmen.astype(float))
    med_reg = np.array([P.MED_REG.get(r, np.nan) for r in G.reg_codes])
    med_dep = np.round(G.deps(np.nan_to_num(med_reg, nan=15000.0), persd, 0.05, rural=0.6), -1)
    tp_reg = _reg_array(g, P.TP60_REG)
    tp_dep = np.round(G.deps(tp_reg, persd, 0.13, rural=-0.1), 1)
    jit = np.clip(rng.normal(0.0, P.Z_JITTER, g.nr), -2 * P.Z_JITTER, 2 * P.Z_JITTER)
    pimp_reg = np.array([region_value("pimp", r, j) for r, j in zip(G.reg_codes, jit, strict=True)])
    pimp_dep = np.round(G.deps(pimp_reg, mend, P.INDICATORS["pimp"]["dep"] * 5.0, "add", rural=-0.5), 1)
    for i in range(g.nr):  # single-département regions: as the region
        one = g.dep_ri == i
        if one.sum() == 1:
            tp_dep[one], med_dep[one], pimp_dep[one] = tp_reg[i], med_reg[i], round(pimp_reg[i], 1)
    med_c = np.round(med_dep[g.di] * np.exp(0.06 * G.sc * rng.standard_normal(g.nc) + 0.015 * G.u), -1)
    pimp_c = np.round(np.clip(pimp_dep[g.di] + 3.5 * rng.standard_normal(g.nc) + 2.0 * G.u, 5, 95), 1)
    tp_c = np.round(np.clip(tp_dep[g.di] * np.exp(0.22 * rng.standard_normal(g.nc) + 0.10 * G.u), 1, 95), 1)
    c.update(NBMEN17=nbmen, NBPERS17=nbpers, MED17=med_c, PIMP17=pimp_c, TP6017=tp_c)
    filo_dep = pd.DataFrame(
        {"NBMEN17": mend, "NBPERS17": persd, "MED17": med_dep, "PIMP17": pimp_dep, "TP6017": tp_dep}
    )
    filo_dep.loc[mayotte_d, ["NBMEN17", "NBPERS17", "MED17", "PIMP17"]] = np.nan
    filo_reg = pd.DataFrame(
        {
            "NBMEN17": g.reg_sum(nbmen.astype(float)),
            "NBPERS17": g.reg_sum(nbpers),
            "MED17": med_reg,
            "PIMP17": np.round(pimp_reg, 1),
            "TP6017": tp_reg,
        }
    )
    mayotte_r = np.array(G.reg_codes) == P.MAYOTTE_REGION
    filo_reg.loc[mayotte_r, ["NBMEN17", "NBPERS17", "MED17", "PIMP17"]] = np.nan
    c["_mayotte"] = mayotte_c

    # --- APA (département level only) -------------------------------------------------------
    apa_dep = np.round(G.profile_deps("apa", g.dep_sum(pop75), rural=0.3), 1)

    # --- CAF: RSA, AAH ----------------------------------------------------------------------
    drsa = G.profile_deps("rsa", g.dep_sum(pop1564), rural=-0.2) / 100
    rsa = G.stoch_round(pop1564 * G.prop(drsa, pop1564, 0.22, 0.30))
    daah = G.profile_deps("aah", g.dep_sum(pop2064), rural=0.2) / 100
    aah = G.stoch_round(pop2064 * G.prop(daah, pop2064, 0.04, 0.25))
    c.update(
        nb_alloc_rsa=np.minimum(rsa, np.floor(pop1564)).astype(np.int64),
        nb_alloc_aah=np.minimum(aah, np.floor(pop2064)).astype(np.int64),
    )

    # --- employment and firms ---------------------------------------------------------------
    jobs_share = np.where(overseas, 0.33, 0.40)
    djob = G.deps(jobs_share, popd, 0.08)
    emp = pop * G.ratio(djob, pop, 0.10, 0.30)
    demp = G.profile_deps("evol_emploi", g.dep_sum(emp), rural=0.3)
    rate = G.additive(demp, emp, 3.0 * np.minimum(G.sc, 3.0))
    rate = np.maximum(rate, -60.0)
    c.update(emploi_2012=np.round(emp, 1), var_emploi_2012_2017=np.round(emp * rate / 100, 1))
    etab = G.stoch_round(pop * 0.085 * np.exp(0.05 * G.u + 0.2 * rng.standard_normal(g.nc)))
    etab = np.where(zero, 0, etab)
    dcre = G.profile_deps("creation", g.dep_sum(etab.astype(float))) / 100
    cre = G.stoch_round(etab * G.prop(dcre, etab.astype(float), 0.04, 0.25))
    c.update(nb_creations_2017=np.minimum(cre, etab), nb_etablissements_2017=etab)

    # --- mobility, housing conditions, young people ------------------------------------------
    dtps = G.profile_deps("tps", popd, rural=0.8)
    c["tps_acces_services"] = np.round(G.ratio(dtps, pop, -0.22, 0.18), 1)
    nb_rp = np.round(rp).astype(np.int64)
    dsur = G.profile_deps("surocc", g.dep_sum(nb_rp.astype(float)), rural=-0.4) / 100
    sur = G.stoch_round(nb_rp * G.prop(dsur, nb_rp.astype(float), 0.25, 0.35))
    jeunes = G.stoch_round(
        pop * 0.092 * np.sqrt(np.maximum(s0019, 0.05) / 0.242) * np.exp(0.04 * G.u + 0.12 * rng.standard_normal(g.nc))
    )
    jeunes = np.minimum(jeunes, np.floor(pop2064 + 0.245 * pop0019)).astype(np.int64)
    dneet = G.profile_deps("neet", g.dep_sum(jeunes.astype(float))) / 100
    neet = G.stoch_round(jeunes * G.prop(dneet, jeunes.astype(float), 0.05, 0.30))
    c.update(
        nb_rp=nb_rp,
        nb_rp_suroccupees=np.minimum(sur, nb_rp),
        nb_jeunes_1825=jeunes,
        nb_jeunes_non_inseres=np.minimum(neet, jeunes),
    )

    # --- health -------------------------------------------------------------------------------
    dapl = G.profile_deps("apl", popd, rural=0.4)
    c["apl_mg"] = np.round(G.ratio(dapl, pop, 0.03, 0.20), 1)
    dmed = G.profile_deps("medecins", popd, rural=0.3)
    wm = pop * np.exp(0.25 * G.u)
    lam = wm * (dmed / 10000 * popd / np.maximum(g.dep_sum(wm), 1e-9))[g.di]
    c["nb_medecins_generalistes"] = G.stoch_round(lam * np.exp(0.2 * rng.standard_normal(g.nc)))

    # --- digital ------------------------------------------------------------------------------
    locaux = np.round(log * 1.08 + etab * 0.6).astype(np.int64)
    dthd = G.profile_deps("nonthd", g.dep_sum(locaux.astype(float)), rural=0.6) / 100
    thd = G.stoch_round(locaux * G.prop(dthd, locaux.astype(float), -0.55, 0.9))
    difn = G.profile_deps("ifn", popd, rural=0.4)
    c.update(
        nb_locaux=locaux,
        nb_locaux_non_thd=np.minimum(thd, locaux),
        indice_fragilite_numerique=np.round(G.ratio(difn, pop, -0.04, 0.08), 1),
    )

    # --- security -----------------------------------------------------------------------------
    dcri = G.profile_deps("crimes", popd, rural=-0.4)
    c["nb_crimes_delits"] = G.stoch_round(pop / 1000 * G.ratio(dcri, pop, 0.22, 0.30))
    dcam = G.profile_deps("cambriolages", g.dep_sum(log), rural=-0.2)
    c["nb_cambriolages"] = G.stoch_round(log / 1000 * G.ratio(dcam, log, 0.10, 0.35))

    # --- environment and energy ----------------------------------------------------------------
    wa = (pop + 200.0) ** 0.2 * np.exp(0.55 * rng.standard_normal(g.nc))
    area = geo.departements["area_ha"].to_numpy(float)[g.di] * wa / g.dep_sum(wa)[g.di]
    area = np.maximum(np.round(area), 5.0)
    dart = G.profile_deps("artif", g.dep_sum(area)) / 100
    art = np.round(area * G.prop(dart, area, 0.30, 0.55), 1)
    deaip = G.profile_deps("eaip", popd) / 100
    eaip = G.stoch_round(pop * G.prop(deaip, pop, 0.0, 1.1))
    nbm = np.round(men).astype(np.int64)
    dpre = G.profile_deps("precarite", g.dep_sum(nbm.astype(float)), rural=0.4) / 100
    pre = G.stoch_round(nbm * G.prop(dpre, nbm.astype(float), -0.05, 0.25))
    c.update(
        surf_totale_ha=area,
        surf_artif_2009_2017_ha=np.minimum(art, area),
        pop_eaip=np.minimum(eaip, pop).astype(np.int64),
        nb_menages=nbm,
        nb_menages_precarite_energetique=np.minimum(pre, nbm),
    )

    # --- cultural facilities (BPE) ------------------------------------------------------------
    dcul = G.profile_deps("equip_culture", popd)
    for col, share, conc in (
        ("NB_F303", 0.36, 0.55),
        ("NB_F304", 0.22, 0.35),
        ("NB_F305", 0.19, 0.45),
        ("NB_F306", 0.23, 0.55),
    ):
        wc = pop * np.exp(conc * G.u)
        lam = wc * (dcul * share / 10000 * popd / np.maximum(g.dep_sum(wc), 1e-9))[g.di]
        c[col] = G.stoch_round(lam * np.exp(0.3 * rng.standard_normal(g.nc)))
    dbib = G.profile_deps("biblio", popd)
    wb = pop * np.exp(-0.10 * G.u)
    lam = wb * (dbib / 10000 * popd / np.maximum(g.dep_sum(wb), 1e-9))[g.di]
    c["NB_F307"] = G.stoch_round(lam * np.exp(0.3 * rng.standard_normal(g.nc)))

    com = pd.DataFrame(c)
    # communes without inhabitants: zero counts (rates are written as division par 0)
    for col in com.columns:
        if col not in (
            "surf_totale_ha",
            "_mayotte",
            "MED17",
            "PIMP17",
            "TP6017",
            "apl_mg",
            "tps_acces_services",
            "indice_fragilite_numerique",
        ):
            com.loc[zero, col] = 0
    com["surf_artif_2009_2017_ha"] = np.where(zero, 0.0, com["surf_artif_2009_2017_ha"])
    return Objective(
        com=com,
        filo_dep=filo_dep,
        filo_reg=filo_reg,
        chom_dep=pd.Series(chom_dep, index=geo.departements["code"]),
        chom_reg=pd.Series(chom_reg, index=geo.regions["code"]),
        apa_dep=pd.Series(apa_dep, index=geo.departements["code"]),
    )
