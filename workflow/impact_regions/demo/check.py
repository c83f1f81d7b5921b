"""Calibration report: re-read the written raw files and compare them with the targets.

This module is independent of the generator's internals: it parses the files as written
(markers -> missing, decimal comma), recomputes every indicator of ``config/indicators.yaml``
for départements, regions and France, the fragility domain scores, and the survey estimates,
and compares them with :mod:`.profiles`. ``run(raw_dir)`` returns the checks; ``report`` prints
them. Used at the end of ``demo_data.main`` and by ``tests/test_demo_data.py``.

Conventions (as DESIGN §6-7 and the brief): additive indicators = sum of numerators / sum of
denominators over the communes where every term is available (secret cells excluded from both);
non-additive ones = the REG-file value when there is one, otherwise the weighted mean of the
département values (DEP file, or weighted commune values); France = weighted mean of the REG
values (weights from the file, or population; regions without a weight excluded), otherwise
of the départements / communes. Score = direction × (region − France) / sd(101 départements,
ddof=1); domain score = mean of its indicators' scores.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..quirks import reader_quirks
from ..readers import READERS
from . import profiles as P

#: Header cells that start the table of a raw extract (each reader's code column).
CODE_COLUMNS = tuple(dict.fromkeys(spec.code_column for spec in READERS.values()))


@dataclass
class Check:
    section: str
    item: str
    computed: float
    target: float | None
    tol: float | None
    ok: bool
    note: str = ""


def _num(s: pd.Series) -> np.ndarray:
    """Numbers of a column; missing markers (and anything else that is not a number) are NaN."""
    s = s.astype(str).str.strip()
    return pd.to_numeric(s.str.replace(",", ".", regex=False), errors="coerce").to_numpy(float)


def _aggregates(codes: pd.Series) -> np.ndarray:
    """Aggregate rows (France, France métropolitaine) as the readers skip them (workflow/quirks.yaml)."""
    return reader_quirks("ot_export").skipped(codes.astype(str).str.strip())


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines = text.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.split(";")[0].strip('"') in CODE_COLUMNS)
    df = pd.read_csv(io.StringIO("\n".join(lines[head:])), sep=";", dtype=str, keep_default_na=False)
    code = df.columns[0]
    df = df[~_aggregates(df[code])].rename(columns={code: "code"})
    return df.set_index("code")


def _read_xlsx(path: Path) -> pd.DataFrame:
    from openpyxl import load_workbook

    code = READERS["ot_export"].code_column
    ws = load_workbook(path, read_only=True)[reader_quirks("ot_export").sheet]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r and r[0] == code)
    df = pd.DataFrame(rows[head + 1 :], columns=rows[head])
    df = df[~_aggregates(df[code])]
    df = df.astype(str).rename(columns={code: "code"})
    return df.set_index("code")


class Raw:
    """Lazy reader of the raw files of one raw directory."""

    def __init__(self, raw: Path):
        self.raw = raw
        self._cache: dict[str, pd.DataFrame] = {}
        com = pd.read_csv(raw / "geo/communes.csv", dtype=str, keep_default_na=False)
        dep = pd.read_csv(raw / "geo/departements.csv", dtype=str, keep_default_na=False)
        self.com = com.set_index("code_commune")
        self.com["pop"] = self.com["population_municipale"].astype(float)
        self.dep = dep.set_index("code_departement")
        self.dep["pop"] = self.com.groupby("code_departement")["pop"].sum().reindex(self.dep.index).fillna(0)
        self.reg_pop = self.dep.groupby("code_region")["pop"].sum()

    def file(self, rel: str) -> pd.DataFrame:
        if rel not in self._cache:
            p = self.raw / rel
            self._cache[rel] = _read_xlsx(p) if p.suffix == ".xlsx" else _read_csv(p)
        return self._cache[rel]

    def col(self, rel: str, column: str) -> pd.Series:
        f = self.file(rel)
        return pd.Series(_num(f[column]), index=f.index)

    def pop(self, level: str) -> pd.Series:
        return {"commune": self.com["pop"], "departement": self.dep["pop"], "region": self.reg_pop}[level]


def _wmean(v: pd.Series, w: pd.Series, groups: pd.Series | None = None):
    ok = v.notna() & w.notna() & (w > 0)
    if groups is None:
        return float((v[ok] * w[ok]).sum() / w[ok].sum())
    g = groups.reindex(v.index)
    num = (v[ok] * w[ok]).groupby(g[ok]).sum()
    den = w[ok].groupby(g[ok]).sum()
    return num / den


def indicator_values(raw: Raw, ind: dict) -> dict:
    """dep / reg Series and France value of one catalogue indicator."""
    c2d, c2r = raw.com["code_departement"], raw.com["code_region"]
    d2r = raw.dep["code_region"]
    if "numerator" in ind:
        nums = ind["numerator"] if isinstance(ind["numerator"], list) else [ind["numerator"]]
        num = sum(raw.col(ind["source"], c) for c in nums)
        dsrc = ind.get("denominator_source", ind["source"])
        den = raw.col(dsrc, ind["denominator"]).reindex(num.index)
        ok = num.notna() & den.notna()
        num, den = num[ok], den[ok]
        mult = ind.get("multiplier", 1)
        dep = num.groupby(c2d.reindex(num.index)).sum() / den.groupby(c2d.reindex(den.index)).sum() * mult
        reg = num.groupby(c2r.reindex(num.index)).sum() / den.groupby(c2r.reindex(den.index)).sum() * mult
        fr = float(num.sum() / den.sum() * mult)
        return {"dep": dep, "reg": reg, "fr": fr}
    sources = ind.get("sources") or {ind["level"]: ind["source"]}
    wname = ind.get("weight", "population")

    def vw(level):
        v = raw.col(sources[level], ind["value"])
        w = raw.pop(level).reindex(v.index) if wname == "population" else raw.col(sources[level], wname)
        return v, w

    if "departement" in sources:
        dv, dw = vw("departement")
    else:
        cv, cw = vw("commune")
        dv = _wmean(cv, cw, c2d)
        dw = cw[cv.notna()].groupby(c2d.reindex(cv.index)[cv.notna()]).sum()
    if "region" in sources:
        rv, rw = vw("region")
        fr = _wmean(rv, rw)
    else:
        rv = _wmean(dv, dw, d2r)
        fr = _wmean(dv, dw)
    return {"dep": dv, "reg": rv, "fr": fr}


def domain_scores(raw: Raw, catalogue: dict) -> pd.DataFrame:
    """regions × domains table of mean indicator scores."""
    scores = {}
    for ind in catalogue["indicators"]:
        v = indicator_values(raw, ind)
        sd = float(v["dep"].dropna().std(ddof=1))
        scores[ind["id"]] = (ind["direction"] * (v["reg"] - v["fr"]) / sd, ind["domain"])
    frame = pd.DataFrame({k: s for k, (s, _) in scores.items()})
    dom = pd.Series({k: d for k, (_, d) in scores.items()})
    return frame.T.groupby(dom).mean().T[P.DOMAINS]


# ------------------------------------------------------------------------------------------


def _share_agree(x, w):
    ok = x != 9
    return float(((x[ok] <= 2) * w[ok]).sum() / w[ok].sum())


def _mean_score(x, w):
    ok = x != 99
    return float((x[ok] * w[ok]).sum() / w[ok].sum())


def _share(x, w):
    ok = ~np.isnan(x)
    return float((x[ok] * w[ok]).sum() / w[ok].sum())


def _estimation_weights(raw: Path, cit: pd.DataFrame) -> np.ndarray:
    """The inhabitants' weights the pipeline estimates with by default (raked to the population
    extract when the file is there, else the design weights)."""
    from ..population import read_population
    from .geo import load as load_geo
    from .population import PATH
    from .survey import raked_citizen_weights

    if not (raw / PATH).exists():
        return cit["poids"].astype(float).to_numpy()
    return raked_citizen_weights(cit, read_population(raw / PATH), load_geo(raw / "geo"))


def survey_checks(raw: Path) -> list[Check]:
    out: list[Check] = []
    cit = pd.read_csv(raw / "survey/impact_citoyens.csv", sep=";", dtype=str, keep_default_na=False)
    org = pd.read_csv(raw / "survey/phare_organisations.csv", sep=";", dtype=str, keep_default_na=False)
    regions = sorted(cit["code_region"].unique())
    full = len(regions) == 18
    w = _estimation_weights(raw, cit)
    reg = cit["code_region"].to_numpy()
    paca = reg == P.PACA
    sec = "habitants"

    def add(section, item, computed, target, tol, ok=None, note=""):
        if ok is None:
            ok = abs(computed - target) <= tol + 1e-12
        out.append(Check(section, item, computed, target, tol, bool(ok), note))

    for scope, mask, frag, agree in (
        ("PACA", paca, P.HAB_FRAG_PACA, P.HAB_AGREE_PACA),
        ("France", np.ones(len(cit), bool), P.HAB_FRAG_FR, P.HAB_AGREE_FR),
    ):
        if not mask.any():
            continue
        for d in P.DOMAINS:
            x = cit[f"fragilite_{d}"].astype(int).to_numpy()[mask]
            add(sec, f"{scope} fragilite_{d}", _mean_score(x, w[mask]), frag[d], P.TOL_MEAN)
        for m, t in agree.items():
            x = cit[m].astype(int).to_numpy()[mask]
            add(sec, f"{scope} {m}", _share_agree(x, w[mask]), t, P.TOL_SHARE)
    if paca.any():
        est = {d: _mean_score(cit[f"fragilite_{d}"].astype(int).to_numpy()[paca], w[paca]) for d in P.DOMAINS}
        low = sorted(est, key=est.get)[0]
        add(sec, "PACA numerique is the lowest perceived domain", float(low == "numerique"), 1.0, 0.0)
    coop = {d: _share(cit[f"cooperation_{d}"].astype(float).to_numpy(), w) for d in P.DOMAINS}
    for d in P.DOMAINS if full else []:
        lo, hi = (0.35, 0.45) if d in ("emploi", "pauvrete", "environnement") else (0.05, 0.25)
        add(sec, f"France cooperation_{d} in [{lo}, {hi}]", coop[d], None, None, lo <= coop[d] <= hi)
    ncited = cit[[f"cooperation_{d}" for d in P.DOMAINS]].astype(int).sum(axis=1)
    add("design", "habitants: 1 to 3 cooperation domains each", float(ncited.between(1, 3).mean()), 1.0, 0.0)

    # design
    n_reg = cit.groupby("code_region").size()
    add("design", "habitants: respondents", float(len(cit)), None, None, (not full) or len(cit) >= 12000)
    if full:
        metro_min = n_reg[[r for r in n_reg.index if r not in P.OVERSEAS]].min()
        ovs = n_reg[[r for r in n_reg.index if r in P.OVERSEAS]]
        add("design", "habitants: min per metropolitan region (>= 500)", float(metro_min), None, None, metro_min >= 500)
        add(
            "design",
            "habitants: overseas per region in [100, 300]",
            float(ovs.min()),
            None,
            None,
            ovs.between(100, 300).all(),
            f"max {ovs.max()}",
        )
    psu = cit.groupby("grappe")
    add(
        "design",
        "habitants: PSU size in [6, 10]",
        float(psu.size().min()),
        None,
        None,
        psu.size().between(6, 10).all(),
        f"max {psu.size().max()}",
    )
    add("design", "habitants: one département per PSU", float(psu["code_departement"].nunique().max()), 1.0, 0.0)
    per_stratum = cit.groupby("strate")["grappe"].nunique()
    add("design", "habitants: >= 2 PSUs per stratum", float(per_stratum.min()), None, None, per_stratum.min() >= 2)
    d2r = pd.read_csv(raw / "geo/departements.csv", dtype=str).set_index("code_departement")["code_region"]
    in_region = (cit["code_departement"].map(d2r) == cit["code_region"]).mean()
    add("design", "habitants: département in region", float(in_region), 1.0, 0.0)
    wd = cit["poids"].astype(float).to_numpy()  # the design checks are on the design weights
    ratio = cit.assign(w=wd).groupby("code_region")["w"].agg(lambda s: s.max() / s.min())
    add(
        "design",
        "habitants: max weight ratio within a region (<= 6)",
        float(ratio.max()),
        None,
        None,
        ratio.max() <= 6.0,
    )
    regpop = (
        pd.read_csv(raw / "geo/communes.csv", dtype=str)
        .assign(p=lambda f: f["population_municipale"].astype(float))
        .groupby("code_region")["p"]
        .sum()
    )
    wsum = cit.assign(w=wd).groupby("code_region")["w"].sum() / (P.ADULT_SHARE * regpop.reindex(n_reg.index))
    add(
        "design",
        "habitants: weights sum / adult population",
        float(wsum.max()),
        1.0,
        0.01,
        bool((wsum - 1).abs().max() <= 0.01),
        f"min {wsum.min():.4f}",
    )
    frag_cols = cit[[f"fragilite_{d}" for d in P.DOMAINS]].astype(int)
    add("design", "habitants: share of 99 in fragilite_*", float((frag_cols == 99).to_numpy().mean()), 0.03, 0.01)

    # organisations
    wo = org["poids"].astype(float).to_numpy()
    for typ in P.GROUPS:
        for scope, frag, shares in (
            ("France", P.ORG_FRAG_FR[typ], P.ORG_SHARES_FR[typ]),
            ("PACA", P.ORG_FRAG_PACA[typ], P.ORG_SHARES_PACA[typ]),
        ):
            m = (org["type_acteur"] == typ).to_numpy().copy()
            if scope == "PACA":
                m &= (org["code_region"] == P.PACA).to_numpy()
            if not m.any():
                continue
            sect = f"organisations ({typ})"
            innov = _share_agree(org["alliance_innovation"].astype(int).to_numpy()[m], wo[m])
            add(sect, f"{scope} alliance_innovation", innov, shares["alliance_innovation"], P.TOL_SHARE)
            add(
                sect,
                f"{scope} a_partenariat",
                _share(org["a_partenariat"].astype(float).to_numpy()[m], wo[m]),
                shares["a_partenariat"],
                P.TOL_SHARE,
            )
            modes = {}
            for mo in P.MODES:
                x = pd.to_numeric(org[mo].replace("", np.nan)).to_numpy(float)[m]
                modes[mo] = _share(x, wo[m])
                add(sect, f"{scope} {mo}", modes[mo], shares[mo], P.TOL_SHARE)
            top2 = sorted(modes, key=modes.get, reverse=True)[:2]
            add(
                sect,
                f"{scope} mécénat and pratiques responsables most frequent",
                float(set(top2) == set(P.MODES[:2])),
                1.0,
                0.0,
            )
            est = {d: _mean_score(org[f"fragilite_{d}"].astype(int).to_numpy()[m], wo[m]) for d in P.DOMAINS}
            for d in P.DOMAINS:
                add(sect, f"{scope} fragilite_{d}", est[d], frag[d], P.TOL_MEAN)
            ranked = sorted(est, key=est.get, reverse=True)
            add(
                sect,
                f"{scope} environnement among the 5 lowest",
                float(ranked.index("environnement") + 1),
                None,
                None,
                ranked.index("environnement") >= len(ranked) - 5,
                "rank (1 = highest)",
            )
            if scope == "PACA" and typ == "association":
                add(
                    sect,
                    "PACA two highest = mobilite, vieillissement",
                    0.0,
                    None,
                    None,
                    set(ranked[:2]) == {"mobilite", "vieillissement"},
                    ", ".join(ranked[:3]),
                )
            if scope == "PACA" and typ == "entreprise":
                add(sect, "PACA highest = securite", 0.0, None, None, ranked[0] == "securite", ", ".join(ranked[:3]))
        n = org[org["type_acteur"] == typ].groupby("code_region").size().reindex(regions).fillna(0)
        metro = n[[r for r in n.index if r not in P.OVERSEAS]]
        ovs = n[[r for r in n.index if r in P.OVERSEAS]]
        if full:
            add(
                "design",
                f"organisations: {typ} min per metro region (>= 60)",
                float(metro.min()),
                None,
                None,
                metro.min() >= 60,
            )
            add(
                "design",
                f"organisations: {typ} min per overseas region (>= 15)",
                float(ovs.min()),
                None,
                None,
                ovs.min() >= 15,
            )
    if full:
        add("design", "organisations: total (>= 6000)", float(len(org)), None, None, len(org) >= 6000)
    asked = org["a_partenariat"] == "1"
    blank = (org[P.MODES] == "").all(axis=1)
    add("design", "organisations: modes empty iff a_partenariat = 0", float((asked == ~blank).mean()), 1.0, 0.0)
    ratio = org.assign(w=wo).groupby("strate")["w"].agg(lambda s: s.max() / s.min())
    add(
        "design", "organisations: max weight ratio within a stratum", float(ratio.max()), None, None, ratio.max() <= 6.0
    )
    return out


def objective_checks(raw_dir: Path, catalogue: dict) -> tuple[list[Check], pd.DataFrame]:
    raw = Raw(raw_dir)
    out: list[Check] = []
    regions = sorted(raw.reg_pop.index)
    full = len(regions) == 18

    def add(section, item, computed, target, tol, ok=None, note=""):
        if ok is None:
            ok = abs(computed - target) <= tol + 1e-9
        out.append(Check(section, item, float(computed), target, tol, bool(ok), note))

    metro = [r for r in regions if r not in P.OVERSEAS]
    pop = raw.reg_pop
    # poverty rate (REG file)
    tp = raw.col("insee/filosofi_2017/FILO2017_DISP_REG.csv", "TP6017")
    for r in regions:
        add("Filosofi TP6017 REG", r, tp[r], P.TP60_REG[r], 0.05)
    if full:
        add(
            "Filosofi TP6017 REG",
            "France métropolitaine (pop.-weighted)",
            _wmean(tp[metro], pop[metro]),
            P.TP60_FR_METRO,
            0.3,
        )
    med = raw.col("insee/filosofi_2017/FILO2017_DISP_REG.csv", "MED17")
    for r in regions:
        if r == P.MAYOTTE_REGION:
            add("Filosofi MED17 REG", r, float(np.isnan(med[r])), 1.0, 0.0, note="nd")
        else:
            add("Filosofi MED17 REG", r, med[r], P.MED_REG[r], 1.0)
    if full:
        add(
            "Filosofi MED17 REG",
            "France (pop.-weighted, Mayotte nd)",
            _wmean(med, pop.reindex(med.index)),
            P.MED_FR,
            100,
        )
    ch = raw.col("insee/statlocales_chomage_localise_2017_reg.csv", "Taux de chômage localisé annuel moyen 2017")
    for r in regions:
        add("Chômage localisé REG", r, ch[r], P.CHOMAGE_LOC_REG[r], 0.05)
    if full:
        add(
            "Chômage localisé REG",
            "France (pop.-weighted, all regions)",
            _wmean(ch, pop.reindex(ch.index)),
            P.CHOMAGE_LOC_FR,
            0.3,
        )
    # census indicators
    base = "insee/base_cc_rp_2017.csv"
    c2r = raw.com["code_region"]

    def ratio(num, den):
        n, d = raw.col(base, num), raw.col(base, den)
        by_region = n.groupby(c2r.reindex(n.index)).sum() / d.groupby(c2r.reindex(d.index)).sum() * 100
        return by_region, n.sum() / d.sum() * 100

    cens, cens_fr = ratio("P17_CHOM1564", "P17_ACT1564")
    for r in regions:
        add(
            "Chômage RP (P17_CHOM1564/P17_ACT1564)",
            r,
            cens[r],
            None,
            None,
            abs(cens[r] / ch[r] - 1.5) < 0.35,
            f"ratio to localised {cens[r] / ch[r]:.2f}",
        )
    if full:
        add("Chômage RP (P17_CHOM1564/P17_ACT1564)", "France", cens_fr, P.CENSUS_UNEMP_FR, 0.5)
    p75, p75_fr = ratio("P17_POP75P", "P17_POP")
    for r in regions:
        add("Part des 75+ (P17_POP75P/P17_POP)", r, p75[r], P.P75_REG[r], 0.2)
    if full:
        add("Part des 75+ (P17_POP75P/P17_POP)", "France", p75_fr, P.P75_FR, 0.2)
    # consistency of counts
    b = raw.file(base)
    pairs = [
        ("P17_POP75P", "P17_POP65P"),
        ("P17_CHOM1564", "P17_ACT1564"),
        ("P17_ACT1564", "P17_POP1564"),
        ("P17_NSCOL15P_DIPLMIN", "P17_NSCOL15P"),
        ("P17_LOGVAC", "P17_LOG"),
        ("P17_RP", "P17_LOG"),
        ("P17_RP_ACHTOT", "P17_RP"),
        ("C17_MENPSEUL", "C17_MEN"),
        ("C17_FAMMONO", "C17_FAM"),
        ("C17_ACTOCC15P_VOIT", "C17_ACTOCC15P"),
        ("P17_POP1564", "P17_POP"),
    ]
    bad = sum(int((_num(b[a]) > _num(b[c]) + 1e-6).sum()) for a, c in pairs)
    add("consistency", "RP numerators <= denominators (violations)", bad, 0, 0)
    ages = _num(b["P17_POP0019"]) + _num(b["P17_POP2064"]) + _num(b["P17_POP65P"]) - _num(b["P17_POP"])
    add("consistency", "0019 + 2064 + 65P = POP (max abs gap)", float(np.abs(ages).max()), 0.0, 0.001)
    pop_ok = (_num(b["P17_POP"]) == raw.com["pop"].reindex(b.index).to_numpy()).all()
    add("consistency", "P17_POP = population municipale", float(pop_ok), 1.0, 0.0)

    scores = domain_scores(raw, catalogue)
    if full and P.PACA in scores.index:
        s = scores.loc[P.PACA].sort_values(ascending=False)
        top = list(s.index[:2])
        add(
            "PACA objective profile",
            "two highest = securite, numerique",
            0.0,
            None,
            None,
            set(top) == {"securite", "numerique"},
            ", ".join(f"{d} {s[d]:+.2f}" for d in s.index[:4]),
        )
        add(
            "PACA objective profile",
            "margin of the 2nd over the 3rd (>= 0.2)",
            s.iloc[1] - s.iloc[2],
            None,
            None,
            s.iloc[1] - s.iloc[2] >= 0.2,
        )
        for d in (
            "emploi",
            "niveau_de_vie",
            "developpement_economique",
            "vieillissement",
            "handicap",
            "mobilite",
            "education",
        ):
            add("PACA objective profile", f"{d} positive", s[d], None, None, s[d] > 0)
    return out, scores


def run(raw_dir: Path, catalogue_path: Path) -> tuple[list[Check], pd.DataFrame]:
    catalogue = yaml.safe_load(catalogue_path.read_text(encoding="utf-8"))
    checks, scores = objective_checks(raw_dir, catalogue)
    return checks + survey_checks(raw_dir), scores


def format_report(checks: list[Check], scores: pd.DataFrame) -> str:
    lines = ["Calibration report (files re-read from disk)", "=" * 44]
    section = None
    for c in checks:
        if c.section != section:
            section = c.section
            lines.append(f"\n[{section}]")
        tgt = "" if c.target is None else f"target {c.target:g}" + ("" if not c.tol else f" ± {c.tol:g}")
        flag = "ok " if c.ok else "FAIL"
        lines.append(f"  {flag} {c.item:<58} {c.computed:>12.4f}  {tgt}  {c.note}".rstrip())
    lines.append("\n[Objective domain scores: (region - France) / sd(départements), mean per domain]")
    short = {d: d[:6] for d in P.DOMAINS}
    lines.append("      " + " ".join(f"{short[d]:>6}" for d in P.DOMAINS))
    for r, row in scores.iterrows():
        lines.append(f"  {r:>3} " + " ".join(f"{row[d]:+6.2f}" for d in P.DOMAINS))
    lines.append("\n[Top 3 domains per region]")
    for r, row in scores.iterrows():
        s = row.sort_values(ascending=False)
        lines.append(
            f"  {r}: "
            + ", ".join(f"{d} {s[d]:+.2f}" for d in s.index[:3])
            + "  | lowest: "
            + ", ".join(f"{d} {s[d]:+.2f}" for d in s.index[-2:])
        )
    n_fail = sum(not c.ok for c in checks)
    lines.append(f"\n{len(checks)} checks, {n_fail} failed")
    return "\n".join(lines)
