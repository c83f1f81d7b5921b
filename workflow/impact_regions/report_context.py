"""Everything one regional synthesis prints, computed from the processed tables.

:func:`build_context` returns a JSON-serialisable dict for one territory: the figures of every
section of REPORT_SPEC with their France values, reliability flags and significance, and the
generated French sentences. Charts and the HTML template only lay this out: no number or
sentence is computed in a template. Figures are kept raw (floats, shares in [0, 1]) next to
the sentences; formatting goes through :mod:`impact_regions.french`.

Wording rules, from DESIGN §7: a difference to France is called higher or lower only when it is
significant; estimates flagged 'caution' are marked « à interpréter avec prudence »;
suppressed estimates are never printed.
"""

from __future__ import annotations

import math

from . import french as fr

GROUPS = ["habitants", "associations", "entreprises", "maires"]
GROUP_LABELS = {"habitants": "Habitants", "associations": "Associations", "entreprises": "Entreprises",
                "maires": "Maires"}
GROUP_PHRASES = {"habitants": "les habitants", "associations": "les responsables associatifs",
                 "entreprises": "les dirigeants d'entreprise", "maires": "les maires"}
FAMILY_LABELS = {"économique": "Économique", "social": "Social", "sociétal": "Sociétal",
                 "environnemental": "Environnemental"}
QUADRANTS = {
    "fragilite_reconnue": "Fragilité reconnue",
    "fragilite_sous_estimee": "Fragilité sous-estimée",
    "inquietude_sans_fragilite": "Inquiétude sans fragilité objective",
    "atout_partage": "Atout partagé",
}
#: the key data of the profile (REPORT_SPEC §2): indicator id -> label, decimals
KEY_INDICATORS = [
    ("part_75p", "Part des 75 ans et plus", 1),
    ("taux_chomage_localise", "Taux de chômage (BIT)", 1),
    ("taux_pauvrete", "Taux de pauvreté", 1),
    ("mediane_niveau_vie", "Niveau de vie médian", 0),
]
MODES = [("mode_mecenat", "Mécénat"), ("mode_pratiques_responsables", "Pratiques responsables"),
         ("mode_innovation_societale", "Innovation sociétale"), ("mode_cooperation_economique", "Coopération économique")]
CAUTION = "à interpréter avec prudence"


def ordinal(n: int, feminine: bool = False) -> str:
    """1er / 1re, 2e, 11e (French abbreviated ordinals)."""
    return f"{n}{('re' if feminine else 'er') if n == 1 else 'e'}"


def _f(x):
    """Float or None (JSON has no NaN)."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _text(x):
    """A text cell, None when missing (JSON has no NaN)."""
    return x


#: The columns of each table that a report reads (the others are not loaded).
TABLE_COLUMNS = {
    "territories": ["territory_code", "kind"],
    "indicator_values": ["indicator_id", "territory_code", "value"],
    "fragility_indices": ["territory_code", "domain_id", "score", "rank_among_regions", "n_indicators",
                          "rank_median", "rank_p05", "rank_p95"],
    "survey_estimates": ["territory_code", "respondent_group", "measure_id", "estimate", "se", "ci_low", "ci_high",
                         "n", "n_eff", "diff_vs_france", "p_value", "is_significant", "reliability"],
    "perception_gaps": ["territory_code", "domain_id", "objective_score", "perceived_score",
                        "perceived_diff_vs_france", "rank_objective", "rank_perceived", "quadrant", "is_significant",
                        "perceived_reliability", "spearman_rho", "gap", "gap_ci_low", "gap_ci_high",
                        "gap_significant"],
    "raking_margins": ["territory_code", "variable", "category", "target_share", "achieved_share",
                       "achieved_share_design", "kish_efficiency", "kish_efficiency_design", "n"],
    # a table of the whole run (no territory_code): every row is read
    "sensitivity": ["choice", "first_order", "total"],
}


def read_tables(paths: list[dict[str, str]], territory_codes) -> dict[str, list[dict]]:
    """The rows of the processed tables that one report needs, as plain dicts (no pandas).

    `paths`: the table files of each part (the base, then the territory's own rows if it is a
    custom territory), read in that order. Returns ``{table: [row, ...]}`` for the tables of
    :data:`TABLE_COLUMNS`, with only those columns, in file order: the rows of the territories in
    `territory_codes` (the report's territory, ``FR``, its départements ``DEP-xx``), for
    ``territories`` every row (to count the regions), and for ``fragility_indices`` the regions'
    rows too (to tell tied ranks). Cells are Python values, a missing cell is None. pyarrow is
    imported here, not pandas: the report job starts faster.
    """
    import pyarrow.parquet as pq  # noqa: PLC0415 (only the report_data job needs it)

    wanted = set(territory_codes)
    out: dict[str, list[dict]] = {}
    for name, columns in TABLE_COLUMNS.items():
        rows = out[name] = []
        for part in paths:
            if name not in part:  # a custom territory's part only has its per-territory tables
                continue
            table = pq.ParquetFile(part[name]).read(columns=columns, use_threads=False)  # small files
            if "territory_code" not in columns or name == "territories":
                keep = range(table.num_rows)
            else:
                codes = table.column("territory_code").to_pylist()
                also = ({r["territory_code"] for r in out["territories"] if r["kind"] == "region"}
                        if name == "fragility_indices" else set())
                keep = [i for i, c in enumerate(codes) if c in wanted or c in also]
            cols = [table.column(c) for c in columns]
            rows.extend(dict(zip(columns, (col[i].as_py() for col in cols))) for i in keep)
    return out


class _Estimates:
    """Lookup of survey estimates for one territory and France."""

    def __init__(self, se: list[dict], code: str):
        self.rows = {(r["territory_code"], r["respondent_group"], r["measure_id"]): r
                     for r in se if r["territory_code"] in (code, "FR")}
        self.code = code

    def get(self, group: str, measure: str, territory: str | None = None) -> dict | None:
        r = self.rows.get((territory or self.code, group, measure))
        if r is None:
            return None
        return {"estimate": _f(r["estimate"]), "se": _f(r["se"]), "ci_low": _f(r["ci_low"]), "ci_high": _f(r["ci_high"]),
                "n": int(r["n"]), "n_eff": _f(r["n_eff"]), "diff": _f(r["diff_vs_france"]), "p_value": _f(r["p_value"]),
                "significant": bool(r["is_significant"]), "reliability": str(_text(r["reliability"]))}

    def pair(self, group: str, measure: str) -> dict:
        """The territory's estimate with France's beside it."""
        mine = self.get(group, measure) or {"estimate": None, "reliability": "suppressed", "n": 0, "significant": False}
        france = self.get(group, measure, "FR") or {}
        return {**mine, "france": france.get("estimate")}


def _direction_word(item: dict, higher="supérieure", lower="inférieure", same="comparable") -> str:
    """Higher / lower than France only when significant."""
    if not item.get("significant") or item.get("diff") is None:
        return same
    return higher if item["diff"] > 0 else lower


def _caution(item: dict) -> str:
    return f" ({CAUTION})" if item.get("reliability") == "caution" else ""


def _group_ties(items: list[tuple[str, float]], fmt, order: dict[str, int] | None = None) -> list[tuple[list[str], str]]:
    """[(name, value)] sorted desc -> [([names with the same printed value], printed value)].

    Names that print the same value are a tie whatever their unrounded values: with `order`
    (name -> position in the catalogue) they are listed in the catalogue's order, so that a
    difference in the third decimal does not reorder a sentence."""
    out: list[tuple[list[str], str]] = []
    for name, value in items:
        text = fmt(value)
        if out and out[-1][1] == text:
            out[-1][0].append(name)
        else:
            out.append(([name], text))
    if order:
        for names, _ in out:
            names.sort(key=lambda n: order.get(n, len(order)))
    return out


def profile_sentence(where: str, domains: list[dict]) -> str:
    """The domains where the index stands out most, in tiers: '… d'abord X et Y, puis Z …'."""
    positive = [d for d in domains if d["score"] is not None and d["score"] > 0]
    if not positive:
        return (f"{where[0].upper() + where[1:]}, aucun domaine ne présente un indice de fragilité supérieur "
                "à la moyenne nationale.")
    top = positive[0]["score"]
    first = [d for d in positive if d["score"] >= top - 0.5][:3]
    rest = [d for d in positive if d not in first and d["score"] >= 0.25][:6]
    text = (f"{where[0].upper() + where[1:]}, les indices de fragilité les plus élevés par rapport à la "
            f"moyenne nationale concernent d'abord {fr.join([d['phrase'] for d in first])}")
    if rest:
        by_family: list[list[dict]] = []
        for d in rest:  # consecutive domains of the same family are named together
            if by_family and by_family[-1][0]["family"] == d["family"]:
                by_family[-1].append(d)
            else:
                by_family.append([d])
        parts = []
        for fam in by_family:
            if len(fam) >= 2 and fam[0]["family"] == "économique":
                parts.append("les questions économiques (" + fr.join([d["label"].lower() for d in fam]) + ")")
            else:
                parts.extend(d["phrase"] for d in fam)
        text += f", puis {fr.join(parts)}"
    text += "."
    low = [d for d in domains if d["score"] is not None and d["score"] < -0.25][-3:]
    if low:
        text += (f" À l'inverse, le territoire est moins fragile que la moyenne nationale pour "
                 f"{fr.join([d['phrase'] for d in reversed(low)])}.")
    return text


def priorities_sentence(where: str, perceived: list[dict]) -> tuple[str, str]:
    """(priorities with their scores, ties grouped; whether they are above France when significant)."""
    shown = [p for p in perceived if p["estimate"] is not None]
    if not shown:
        return "Les effectifs d'habitants interrogés sont trop faibles pour publier leur perception.", ""
    groups = _group_ties([(p["phrase"], p["estimate"]) for p in shown], fr.score10,
                         {p["phrase"]: i for i, p in enumerate(sorted(perceived, key=lambda p: p["position"]))})
    chosen, count = [], 0
    for names, value in groups:
        if count >= 3:
            break
        chosen.append(f"{fr.join(names)} ({value})")
        count += len(names)
    top_ids = [p for p in shown if any(p["phrase"] in c for c in chosen)]
    # a tie group last reads "x, y et z (6,2/10)": groups are then separated by commas only
    listed = ", ".join(chosen) if len(chosen) > 1 and " et " in chosen[-1] else fr.join(chosen)
    caution = " Ces estimations sont à interpréter avec prudence (effectifs réduits)." if any(
        p["reliability"] == "caution" for p in top_ids) else ""
    first = f"{where[0].upper() + where[1:]}, les priorités des habitants sont {listed}.{caution}"
    higher = [p for p in top_ids if p["significant"] and p["diff"] is not None and p["diff"] > 0]
    lower = [p for p in top_ids if p["significant"] and p["diff"] is not None and p["diff"] < 0]
    parts = []
    if higher:
        parts.append("supérieure à la moyenne nationale pour " + fr.join(
            [f"{p['phrase']} ({fr.number(p['estimate'])} contre {fr.score10(p['france'])})" for p in higher]))
    if lower:
        parts.append("inférieure à la moyenne nationale pour " + fr.join(
            [f"{p['phrase']} ({fr.number(p['estimate'])} contre {fr.score10(p['france'])})" for p in lower]))
    if parts:
        second = "Sur ces priorités, la fragilité perçue est " + " ; elle est ".join(parts) + "."
        same = [p for p in top_ids if p not in higher and p not in lower]
        if same:
            second += (f" Pour {fr.join([p['phrase'] for p in same])}, l'écart avec la France n'est pas "
                       "statistiquement significatif.")
    else:
        second = ("Sur ces priorités, la perception des habitants ne se distingue pas significativement "
                  "de la moyenne nationale.")
    return first, second


def gap_sentence(gaps: list[dict], spearman: float | None) -> str:
    """Domains high on the index but not perceived as priorities, and the reverse (rank mismatch)."""
    n = len([g for g in gaps if g["rank_objective"] is not None])
    under = [g for g in gaps if g["rank_objective"] is not None and g["rank_objective"] <= 4
             and g["rank_perceived"] is not None and g["rank_perceived"] > n / 2]
    over = [g for g in gaps if g["rank_perceived"] is not None and g["rank_perceived"] <= 4
            and g["rank_objective"] is not None and g["rank_objective"] > n / 2]
    parts = []
    if under:
        parts.append(fr.join([f"{g['phrase']} ({ordinal(g['rank_objective'])} domaine le plus fragile du territoire "
                              f"selon l'indice, {ordinal(g['rank_perceived'], feminine=True)} priorité des habitants)"
                              for g in under])
                     + (" figure" if len(under) == 1 else " figurent")
                     + " parmi les fragilités objectives les plus marquées du territoire sans être "
                     + ("une priorité" if len(under) == 1 else "des priorités") + " pour ses habitants")
    if over:
        parts.append(("à l'inverse, " if under else "") + fr.join([g["phrase"] for g in over])
                     + (" préoccupe" if len(over) == 1 else " préoccupent")
                     + " les habitants alors que les indicateurs placent "
                     + ("ce domaine" if len(over) == 1 else "ces domaines")
                     + " parmi les moins fragiles du territoire")
    if not parts:
        text = "Les priorités des habitants recoupent globalement les fragilités mesurées par les indicateurs."
    else:
        text = f"{fr.NNBSP}; ".join(parts) + "."
        text = text[0].upper() + text[1:]
    if spearman is not None:
        strength = "forte" if abs(spearman) >= 0.6 else "modérée" if abs(spearman) >= 0.3 else "faible"
        text += (f" La concordance entre le classement des domaines par l'indice et par la perception est "
                 f"{strength} (corrélation de rang de Spearman : {fr.number(spearman, 2)}).")
    return text


def gap_significance_sentence(gaps: list[dict]) -> str:
    """The domains whose perception/measure gap is significant (95 % interval combining the survey
    error and the index's Monte Carlo spread excludes 0), by direction."""
    shown = [g for g in gaps if g.get("gap") is not None]
    if not shown:
        return ""
    under = sorted((g for g in shown if g["significant"] and g["gap"] < 0), key=lambda g: g["gap"])
    over = sorted((g for g in shown if g["significant"] and g["gap"] > 0), key=lambda g: -g["gap"])
    if not under and not over:
        return ("Aucun écart entre perception et mesure n'est significatif une fois prises en compte l'erreur "
                "d'enquête et l'incertitude de l'indice.")
    parts = []
    if under:
        parts.append("comparés aux autres régions, les habitants jugent " + fr.join([g["phrase"] for g in under])
                     + " moins préoccupant" + ("s" if len(under) > 1 else "") + " que ne le laissent attendre les indicateurs")
    if over:
        parts.append(("à l'inverse, ils" if under else "comparés aux autres régions, les habitants")
                     + " jugent " + fr.join([g["phrase"] for g in over])
                     + " plus préoccupant" + ("s" if len(over) > 1 else "") + " que ne l'indiquent les indicateurs")
    n = len(under) + len(over)
    head = (f"Compte tenu de l'erreur d'enquête et de l'incertitude de l'indice, {n} écart"
            + ("s" if n > 1 else "") + f" sur {len(shown)} entre perception et mesure "
            + ("sont significatifs" if n > 1 else "est significatif") + f"{fr.NBSP}: ")
    return head + f"{fr.NNBSP}; ".join(parts) + "."


def report_territory_codes(territory: dict) -> list[str]:
    """The territory codes whose rows a report reads: its own, France's and its départements'."""
    return [territory["code"], "FR"] + ["DEP-" + c for c in territory["departements"]]


def build_context(territory: dict, tables: dict[str, list[dict]], departements: list[dict], catalogue: dict,
                  codebook: dict, config: dict, provenance: dict, demo: bool) -> dict:
    """The full content of one report (see the module docstring).

    `tables`: rows from :func:`read_tables` (at least those of :func:`report_territory_codes`);
    `departements`: every département of the reference geography, from
    :func:`impact_regions.geo.read_departements`.
    """
    code = territory["code"]
    domains = {d["id"]: d for d in catalogue["domains"]}
    indicators = {i["id"]: i for i in catalogue["indicators"]}
    deps = [d for d in departements if d["code_departement"] in territory["departements"]]
    dep_names = {d["code_departement"]: d["nom_departement"] for d in departements}
    where = territory["locative"]

    # --- profile ---------------------------------------------------------------------------
    iv = {(r["indicator_id"], r["territory_code"]): r["value"] for r in tables["indicator_values"]}
    key = []
    for iid, label, dec in KEY_INDICATORS:
        if iid not in indicators:
            continue
        unit = indicators[iid]["unit"]
        mine = _f(iv[(iid, code)]) if (iid, code) in iv else None
        france = _f(iv[(iid, "FR")]) if (iid, "FR") in iv else None
        key.append({"id": iid, "label": label, "unit": unit, "value": mine, "france": france,
                    "text": fr.value_with_unit(mine, unit, dec), "france_text": fr.value_with_unit(france, unit, dec),
                    "source": indicators[iid]["source_label"]})
    population = sum(d["population_municipale"] for d in deps)
    fi = tables["fragility_indices"]
    mine = {r["domain_id"]: r for r in fi if r["territory_code"] == code}
    region_codes = {r["territory_code"] for r in tables["territories"] if r["kind"] == "region"}
    tied = tied_regions(fi, mine, region_codes, code)
    profile = []
    for did, d in domains.items():
        r = mine.get(did)
        profile.append({"domain_id": did, "label": d["label"], "phrase": d["phrase"], "family": d["family"],
                        "score": _f(r["score"]) if r is not None else None,
                        "rank": _f(r["rank_among_regions"]) if r is not None else None,
                        "tied": tied.get(did, 0),
                        **rank_interval(r, tied.get(did, 0)),
                        "n_indicators": int(r["n_indicators"]) if r is not None else 0})
    profile.sort(key=lambda d: -(d["score"] if d["score"] is not None else -1e9))
    overall = mine.get("ensemble")
    dep_codes = {"DEP-" + c for c in territory["departements"]}
    dep_map = [{"code": r["territory_code"].removeprefix("DEP-"), "name": dep_names[r["territory_code"].removeprefix("DEP-")],
                "score": _f(r["score"])}
               for r in fi if r["territory_code"] in dep_codes and r["domain_id"] == "ensemble"]
    n_regions = len({r["territory_code"] for r in tables["territories"] if r["kind"] == "region"})

    # --- perception -----------------------------------------------------------------------
    est = _Estimates(tables["survey_estimates"], code)
    perceived = []
    for did, d in domains.items():
        p = est.pair("habitants", f"fragilite_{did}")
        perceived.append({"domain_id": did, "label": d["label"], "phrase": d["phrase"], "family": d["family"],
                          "position": len(perceived), **p})
    perceived.sort(key=lambda p: -(p["estimate"] if p["estimate"] is not None else -1))
    pri_1, pri_2 = priorities_sentence(where, perceived)
    pg = [g for g in tables["perception_gaps"] if g["territory_code"] == code]
    gaps = []
    for g in pg:
        d = domains[g["domain_id"]]
        gaps.append({"domain_id": g["domain_id"], "label": d["label"], "phrase": d["phrase"], "family": d["family"],
                     "objective": _f(g["objective_score"]), "perceived": _f(g["perceived_score"]),
                     "perceived_diff": _f(g["perceived_diff_vs_france"]),
                     "rank_objective": None if g["rank_objective"] is None else int(g["rank_objective"]),
                     "rank_perceived": None if g["rank_perceived"] is None else int(g["rank_perceived"]),
                     "quadrant": _text(g["quadrant"]), "quadrant_label": QUADRANTS.get(g["quadrant"]),
                     # coloured in the charts only when the perception/measure gap is significant
                     # (its interval combines the survey error and the index's Monte Carlo spread)
                     "significant": bool(g["gap_significant"]),
                     "perceived_significant": bool(g["is_significant"]),
                     "gap": _f(g["gap"]), "gap_ci_low": _f(g["gap_ci_low"]), "gap_ci_high": _f(g["gap_ci_high"]),
                     "reliability": _text(g["perceived_reliability"])})
    gaps.sort(key=lambda g: g["rank_objective"] or 99)
    spearman = _f(pg[0]["spearman_rho"]) if pg else None

    # --- groups ---------------------------------------------------------------------------
    by_group = {g: {did: est.pair(g, f"fragilite_{did}") for did in domains} for g in GROUPS}
    leading = [p["domain_id"] for p in perceived[:6]]
    for g in GROUPS[1:]:
        ranked = sorted((x for x in by_group[g].items() if x[1]["estimate"] is not None), key=lambda x: -x[1]["estimate"])
        for did, _ in ranked[:2]:
            if did not in leading:
                leading.append(did)
    groups_rows = [{"domain_id": did, "label": domains[did]["label"],
                    **{g: by_group[g][did]["estimate"] for g in GROUPS},
                    **{f"{g}_france": by_group[g][did]["france"] for g in GROUPS},
                    **{f"{g}_reliability": by_group[g][did]["reliability"] for g in GROUPS}} for did in leading]
    groups_sentence = _groups_sentence(by_group, domains)

    # --- alliances -----------------------------------------------------------------------
    devoir = est.pair("habitants", "devoir_alliance")
    devoir_sentence = _share_sentence(
        devoir, territory, "des habitants {gen} pensent que les collectivités, les entreprises et les associations "
        "doivent travailler ensemble")
    innovation = [{"group": g, "label": GROUP_LABELS[g], **est.pair(g, "alliance_innovation")} for g in GROUPS]
    innovation_sentence = _innovation_sentence(innovation)
    cooperation = []
    for did, d in domains.items():
        row = {"domain_id": did, "label": d["label"]}
        for g in GROUPS:
            p = est.pair(g, f"cooperation_{did}")
            row[g], row[f"{g}_france"], row[f"{g}_reliability"] = p["estimate"], p["france"], p["reliability"]
        cooperation.append(row)
    cooperation.sort(key=lambda r: -(r["habitants"] or 0))
    coop_top = [r for r in cooperation[:3] if r["habitants"] is not None]
    cooperation_sentence = ("Les habitants citent d'abord " + fr.join(
        [f"{domains[r['domain_id']]['phrase']} ({fr.percent(r['habitants'])})" for r in coop_top])
        + " comme domaines prioritaires de coopération.") if coop_top else ""

    # --- practices ------------------------------------------------------------------------
    engagement = est.pair("habitants", "engagement_suffisant")
    engagement_sentence = _engagement_sentence(engagement, territory)
    partnership = [{"group": g, "label": GROUP_LABELS[g], **est.pair(g, "a_partenariat")} for g in GROUPS[1:]]
    partnership_sentence = _partnership_sentence(partnership, where)
    modes = []
    for mid, label in MODES:
        row = {"mode": mid, "label": label}
        for g in GROUPS[1:]:
            p = est.pair(g, mid)
            row[g], row[f"{g}_france"], row[f"{g}_reliability"] = p["estimate"], p["france"], p["reliability"]
        modes.append(row)

    # --- methodology --------------------------------------------------------------------
    samples = {g: max([x["n"] for x in (est.get(g, m) for m in ("devoir_alliance", "a_partenariat", "alliance_innovation")) if x] or [0])
               for g in GROUPS}
    samples_fr = {g: max([x["n"] for x in (est.get(g, m, "FR") for m in ("devoir_alliance", "a_partenariat", "alliance_innovation")) if x] or [0])
                  for g in GROUPS}
    # inhabitants: every respondent counts (the estimates exclude "ne sait pas"): from the
    # raking margins, whose categories of one variable partition the sample
    for counts, where_code in ((samples, code), (samples_fr, "FR")):
        sexe = [m["n"] for m in tables.get("raking_margins", [])
                if m["territory_code"] == where_code and m["variable"] == "sexe" and m.get("n") is not None]
        if sexe:
            counts["habitants"] = int(sum(sexe))
    flagged = sorted({f"{p['label']}" for p in perceived if p["reliability"] == "caution"})
    sources = sorted({i["source_label"] for i in catalogue["indicators"]})
    surveys = [f["label"] for f in codebook["files"]]
    ov_score = _f(overall["score"]) if overall is not None else None
    ov_rank = _f(overall["rank_among_regions"]) if overall is not None else None
    ov_tie = " ex æquo" if tied.get("ensemble") else ""
    rank_text = f"{ordinal(int(ov_rank), feminine=True)}{ov_tie} sur {n_regions}" if ov_rank else fr.MISSING
    n_scored = sum(1 for d in profile if d["score"] is not None)
    mean_of = f"moyenne des {n_scored} domaines" + (" renseignés" if n_scored < len(domains) else "")
    rank_phrase = f"{ordinal(int(ov_rank))} rang{ov_tie} sur {n_regions} régions" if ov_rank else "rang non disponible"
    overall_sentence = (f"Indice global de fragilité : {fr.number(ov_score, 2, signed=True)} ({mean_of}, 0 = France). "
                        + (f"S'il était une région, le territoire se classerait au {rank_phrase}"
                           if territory["kind"] == "custom" else f"La région se classe au {rank_phrase}")
                        + ", de la plus fragile à la moins fragile.")
    if overall is not None and overall["rank_p05"] is not None and overall["rank_p05"] != overall["rank_p95"]:
        overall_sentence += (f" Selon les choix de méthode, ce rang varie du {ordinal(int(overall['rank_p05']))} "
                             f"au {ordinal(int(overall['rank_p95']))} (intervalle de 90 %).")
    context = {
        "overall_rank_text": rank_text, "overall_sentence": overall_sentence,
        "weighting": weighting_context(config, tables.get("raking_margins", []), code),
        "sensitivity_sentence": sensitivity_sentence(tables.get("sensitivity", [])),
        "france_population_text": fr.integer(sum(d["population_municipale"] for d in departements)),
        "france_communes": sum(int(d["nb_communes"]) for d in departements),
        "group_rows": [{"group": g, "label": GROUP_LABELS[g], "n": samples[g], "n_france": samples_fr[g]} for g in GROUPS],
        "method_text": method_text(config["index"], len(catalogue["indicators"]), len(domains)),
        "territory": {"code": code, "name": territory["name"], "short_name": territory["short_name"],
                      "slug": territory["slug"], "kind": territory["kind"], "locative": where,
                      "genitive": territory["genitive"], "intro": territory.get("intro", ""),
                      "population": population, "population_text": fr.integer(population),
                      "n_departements": len(deps), "n_communes": sum(int(d["nb_communes"]) for d in deps),
                      "departements": [{"code": d["code_departement"], "name": d["nom_departement"]} for d in deps]},
        "vintage": int(config["vintage"]), "survey_year": int(config.get("survey_year", config["vintage"])),
        "demo": demo, "sources": sources, "surveys": surveys,
        "method": {"normalisation": config["index"]["normalisation"], "aggregation": config["index"]["aggregation"],
                   "treatment": config["index"]["treatment"], "estimation": config["survey_estimation"],
                   "weight_noise": fr.percent(config.get("uncertainty", {}).get("weight_noise", 0.25))},
        "key_figures": key, "n_regions": n_regions,
        "profile": profile, "profile_sentence": profile_sentence(where, profile),
        "overall": {"score": _f(overall["score"]) if overall is not None else None,
                    "rank": _f(overall["rank_among_regions"]) if overall is not None else None},
        "departements_map": dep_map,
        "perceived": perceived, "priorities_sentence": pri_1, "priorities_vs_france_sentence": pri_2,
        "gaps": gaps, "spearman": spearman, "gap_sentence": gap_sentence(gaps, spearman),
        "gap_significance_sentence": gap_significance_sentence(gaps),
        "groups": groups_rows, "groups_sentence": groups_sentence,
        "devoir": devoir, "devoir_sentence": devoir_sentence,
        "innovation": innovation, "innovation_sentence": innovation_sentence,
        "cooperation": cooperation[:8], "cooperation_sentence": cooperation_sentence,
        "engagement": engagement, "engagement_sentence": engagement_sentence,
        "partnership": partnership, "partnership_sentence": partnership_sentence,
        "modes": modes, "modes_sentence": _modes_sentence(modes),
        "samples": samples, "samples_france": samples_fr, "caution_domains": flagged,
        "provenance": provenance,
    }
    for key, value in context.items():
        if isinstance(value, str) and (key.endswith("_sentence") or key == "method_text"):
            context[key] = fr.typography(value)
    return context


def tied_regions(fi: list[dict], mine: dict[str, dict], region_codes: set[str], code: str) -> dict[str, int]:
    """{domain_id: number of other regions with the territory's rank} for the domains where the
    territory shares its rank (equal scores: winsorised values often meet at the same bound).
    Ranks are computed among the regions (a custom territory is ranked as if it were one)."""
    tied: dict[str, int] = {}
    for r in fi:
        own = mine.get(r["domain_id"])
        if (r["territory_code"] in region_codes and r["territory_code"] != code and own is not None
                and own["rank_among_regions"] is not None and r["rank_among_regions"] == own["rank_among_regions"]):
            tied[r["domain_id"]] = tied.get(r["domain_id"], 0) + 1
    return tied


def rank_interval(r: dict | None, tied: int = 0) -> dict:
    """The Monte Carlo rank of a domain among the regions (median, 5 % and 95 % quantiles) and its
    printed form, `3e (2e-6e)`, or just `3e` when every draw gives the same rank; `1re ex æquo`
    when `tied` other regions share the rank."""
    if r is None or r.get("rank_median") is None or r.get("rank_among_regions") is None:
        return {"rank_median": None, "rank_p05": None, "rank_p95": None, "rank_text": None}
    lo, hi, rank = int(r["rank_p05"]), int(r["rank_p95"]), int(r["rank_among_regions"])
    text = (ordinal(rank, feminine=True) + (" ex æquo" if tied else "")
            + ("" if lo == hi else f" ({ordinal(lo, feminine=True)}–{ordinal(hi, feminine=True)})"))
    return {"rank_median": _f(r["rank_median"]), "rank_p05": lo, "rank_p95": hi, "rank_text": text}


def weighting_context(config: dict, margins: list[dict], code: str) -> dict:
    """How the inhabitants' estimates are weighted, for the methodology section: the mode, the
    territory's Kish efficiency, and the largest gap to the population margins before and after
    raking (in points)."""
    mine = [m for m in margins if m["territory_code"] == code]
    out = {"mode": config.get("weighting", "given"), "kish": None, "gap_before": None, "gap_after": None,
           "multiple_testing": config["survey_estimation"].get("multiple_testing", "none")}
    if mine:
        raked = out["mode"] == "raked"
        out["kish"] = fr.percent(mine[0]["kish_efficiency" if raked else "kish_efficiency_design"])
        def pts(x: float) -> str:  # French: "1,5 point", "2,3 points"
            return fr.number(x, 1) + fr.NBSP + ("points" if round(x, 1) >= 2 else "point")

        out["gap_before"] = pts(100 * max(abs(m["achieved_share_design"] - m["target_share"]) for m in mine))
        out["gap_after"] = pts(100 * max(abs(m["achieved_share"] - m["target_share"]) for m in mine))
    return out


SENSITIVITY_CHOICES = {"normalisation": "la normalisation des indicateurs", "aggregation": "leur mode d'agrégation",
                       "weights": "leurs poids", "treatment": "le traitement des valeurs extrêmes",
                       "survey": "l'erreur d'échantillonnage de l'enquête"}


def sensitivity_sentence(rows: list[dict]) -> str:
    """Which methodological choices move the regions' ranks most (total Sobol indices)."""
    rows = sorted((r for r in rows if r.get("total") is not None), key=lambda r: -r["total"])
    if len(rows) < 2:
        return ""
    a, b = rows[0], rows[1]
    return (f"Dans cette simulation, les déplacements de rang des régions, selon l'indice comme selon la perception "
            f"des habitants, tiennent d'abord à {SENSITIVITY_CHOICES.get(a['choice'], a['choice'])} "
            f"({fr.percent(a['total'])} de leur variance, indice de Sobol total) et à "
            f"{SENSITIVITY_CHOICES.get(b['choice'], b['choice'])} ({fr.percent(b['total'])}).")


def _share_sentence(item: dict, territory: dict, body: str) -> str:
    if item["estimate"] is None:
        return "Effectif trop faible pour publier cette estimation."
    same = fr.percent(item["estimate"]) == fr.percent(item["france"])
    text = (f"{fr.percent(item['estimate'])} {body.format(gen=territory['genitive'])}, "
            + ("comme en France" if same else f"contre {fr.percent(item['france'])} en France"))
    word = _direction_word(item)
    if word != "comparable":
        text += f" : une proportion significativement {word} à la moyenne nationale"
    return text + "." + (f" Estimation {CAUTION}." if item["reliability"] == "caution" else "")


def _innovation_sentence(items: list[dict]) -> str:
    shown = [i for i in items if i["estimate"] is not None]
    if not shown:
        return ""
    parts = [f"{fr.percent(i['estimate'])} {GROUP_PHRASES[i['group']].replace('les ', 'des ', 1)}"
             f" ({fr.percent(i['france'])} en France"
             f"{f'{fr.NNBSP}; {CAUTION}' if i['reliability'] == 'caution' else ''})" for i in shown]
    return "Les alliances sont vues comme une source d'innovation par " + fr.join(parts) + "."


def _engagement_sentence(item: dict, territory: dict) -> str:
    if item["estimate"] is None:
        return ""
    text = (f"Seuls {fr.percent(item['estimate'])} des habitants {territory['genitive']} jugent suffisant le niveau "
            f"actuel d'engagement partenarial des acteurs (contre {fr.percent(item['france'])} en France)")
    if item["estimate"] >= 0.5 or item["france"] is None or round(item["estimate"], 2) >= round(item["france"], 2):
        text = text.replace("Seuls ", "", 1)  # "seuls" only for a share below France's
    word = _direction_word(item, "plus élevée", "plus faible", "")
    if word:
        text += f", une part significativement {word} qu'au niveau national"
    return text + "."


def _partnership_sentence(items: list[dict], where: str) -> str:
    parts = []
    for i in items:
        if i["estimate"] is None:
            continue
        word = _direction_word(i, "au-dessus de", "en dessous de", "")
        cmp = f"{word} la moyenne nationale ({fr.percent(i['france'])})" if word else f"proche de la moyenne nationale ({fr.percent(i['france'])})"
        parts.append(f"{fr.percent(i['estimate'])} des {i['label'].lower()}{_caution(i)}, {cmp}")
    if not parts:
        return ("Les effectifs d'organisations interrogées sont trop faibles pour publier leurs pratiques "
                "de partenariat ; les valeurs nationales figurent dans le graphique.")
    return (f"{where[0].upper() + where[1:]}, ont au moins un partenariat avec un autre type d'acteur : "
            + " ; ".join(parts) + ".")


def _modes_sentence(modes: list[dict]) -> str:
    orgs = ("associations", "entreprises", "maires")
    regional = any(m[g] is not None for m in modes for g in orgs)
    key = (lambda m: -sum((m[g] or 0) for g in orgs)) if regional else (lambda m: -sum((m[f"{g}_france"] or 0) for g in orgs))
    totals = sorted(modes, key=key)
    where = "" if regional else "Les effectifs du territoire sont trop faibles pour publier ses propres valeurs. En France, "
    first = totals[0]["label"] if regional else totals[0]["label"].lower()
    text = (f"{where}{first} et {totals[1]['label'].lower()} sont les modes de partenariat les plus fréquents "
            "parmi les organisations qui ont des partenariats.")
    return text[0].upper() + text[1:]


def _groups_sentence(by_group: dict, domains: dict) -> str:
    def top(g, k):
        ranked = sorted(((d, x["estimate"]) for d, x in by_group[g].items() if x["estimate"] is not None), key=lambda x: -x[1])
        return [d for d, _ in ranked[:k]]

    # a group's ranking is only meaningful if most of its domain estimates are published
    usable = [g for g in GROUPS if sum(x["estimate"] is not None for x in by_group[g].values()) >= 0.75 * len(domains)]
    if usable == ["habitants"] or not usable:
        return ("Les effectifs d'organisations interrogées dans le territoire sont trop faibles pour comparer "
                "leurs priorités à celles des habitants.")
    tops = {g: top(g, 3) for g in usable}
    shared = [d for d in tops.get("habitants", []) if all(d in tops[g] for g in usable)]
    text = ""
    if shared:
        text = (f"{fr.join([domains[d]['phrase'] for d in shared])[0].upper()}{fr.join([domains[d]['phrase'] for d in shared])[1:]} "
                f"{'est une priorité partagée' if len(shared) == 1 else 'sont des priorités partagées'} par "
                f"{'les quatre groupes' if len(usable) == 4 else 'tous les groupes publiés'}. ")
    org_groups = [g for g in GROUPS[1:] if g in usable]
    parts = []
    for i, g in enumerate(org_groups):
        t2 = fr.join([domains[d]['phrase'] for d in top(g, 2)])
        parts.append(f"{GROUP_PHRASES[g]} placent en tête {t2}" if i == 0 else f"{GROUP_PHRASES[g]} {t2}")
    sentence = f"{fr.NNBSP}; ".join(parts)
    text += sentence[0].upper() + sentence[1:] + "."
    if len(org_groups) < 3:
        text += " Les autres groupes d'organisations sont trop peu nombreux dans le territoire pour être comparés."
    orgs = [[d for d, _ in sorted(((d, x["estimate"]) for d, x in by_group[g].items() if x["estimate"] is not None),
                                  key=lambda x: -x[1])] for g in org_groups]
    bottom = [d for d in domains if all(d in ranked[-5:] for ranked in orgs)]
    if bottom:
        names = fr.join([domains[d]["phrase"] for d in bottom])
        verb = "n'est une priorité" if len(bottom) == 1 else "ne sont une priorité"
        who = "aucun des trois types d'organisations" if len(org_groups) == 3 else "aucune des organisations comparées"
        text += f" {names[0].upper() + names[1:]} {verb} pour {who}."
    return text


def method_text(index: dict, n_indicators: int, n_domains: int) -> str:
    """The index method in plain French, for the methodology section."""
    norm = {
        "zscore": ("chaque indicateur est exprimé en écart à la valeur de la France, mesuré en écarts-types "
                   "de la distribution des 101 départements (0 = France ; un score positif signale une situation "
                   "plus fragile que la moyenne nationale)"),
        "minmax": ("chaque indicateur est ramené sur une échelle de 1 (département le moins fragile) à 100 "
                   "(département le plus fragile)"),
        "ratio": "chaque indicateur est rapporté à la valeur de la France (France = 100)",
    }[index["normalisation"]]
    agg = ("la moyenne arithmétique" if index["aggregation"] == "arithmetic" else "la moyenne géométrique")
    text = (f"Les indices reposent sur {n_indicators} indicateurs publics répartis en {n_domains} domaines : "
            f"{norm}, le sens de chaque indicateur étant orienté pour qu'une valeur élevée signale une fragilité. "
            f"Le score d'un domaine est {agg} de ses indicateurs, à poids égaux ; l'indice global est la moyenne "
            "des domaines. Les indicateurs de comptage (chômeurs, logements vacants…) sont recalculés pour chaque "
            "territoire à partir de la somme des effectifs communaux, jamais en moyennant des taux ; les valeurs "
            "publiées seulement sous forme de taux ou de médianes sont reprises telles que publiées, ou moyennées "
            "en pondérant par la population lorsque le territoire n'est pas un niveau de publication.")
    t = index["treatment"]
    if t["enabled"]:
        text += (f" Conformément au manuel OCDE/JRC sur les indicateurs composites, les distributions très "
                 f"asymétriques (asymétrie supérieure à {fr.number(t['skew_threshold'])} et aplatissement supérieur "
                 f"à {fr.number(t['kurtosis_threshold'])}) sont traitées par écrêtement des valeurs extrêmes "
                 f"(au plus {t['max_winsorised']} départements), ou à défaut par transformation logarithmique.")
    return text
