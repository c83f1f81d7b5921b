"""Section 3 of a synthesis, the inhabitants' perception: perceived fragility per domain, the
priorities sentence, and the two readings of the perception gap (position against France in
the quadrant chart; priorities inside the territory against the index's order).

Reading rules (REPORT_SPEC): a domain's rank inside the territory and its position among the
regions are never confused in one sentence, and a domain that stands above France on the index
is never called one of the least fragile; only gaps that stay significant once the 16 domains
are taken as one family (``gap_significant``) are named.
"""

from __future__ import annotations

from . import french as fr
from .report_common import QUADRANTS, Estimates, group_ties, num, ordinal


def _list_groups(chosen: list[str]) -> str:
    """Groups of tied names with their value, without a double « et »: « a (6,6/10), b (6,4/10),
    c et d (6,2/10) », but « a et b (6,2/10), puis c (5,9/10) »."""
    multi = [" et " in c for c in chosen]
    if len(chosen) == 1 or not any(multi):
        return fr.join(chosen)
    if not any(multi[:-1]):
        return ", ".join(chosen)
    return ", ".join(chosen[:-1]) + ", puis " + chosen[-1]


def priorities_sentence(where: str, perceived: list[dict]) -> tuple[str, str]:
    """(priorities with their scores, ties grouped; whether they are above France when significant)."""
    shown = [p for p in perceived if p["estimate"] is not None]
    if not shown:
        return "Les effectifs d'habitants interrogés sont trop faibles pour publier leur perception.", ""
    groups = group_ties([(p["phrase"], p["estimate"]) for p in shown], fr.score10,
                        {p["phrase"]: i for i, p in enumerate(sorted(perceived, key=lambda p: p["position"]))})
    chosen, count = [], 0
    for names, value in groups:
        if count >= 3:
            break
        chosen.append(f"{fr.join(names)} ({value})")
        count += len(names)
    top_ids = [p for p in shown if any(p["phrase"] in c for c in chosen)]
    caution = " Ces estimations sont à interpréter avec prudence (effectifs réduits)." if any(
        p["reliability"] == "caution" for p in top_ids) else ""
    first = f"{where[0].upper() + where[1:]}, les priorités des habitants sont {_list_groups(chosen)}.{caution}"
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
            second += (f" Pour {fr.join([p['phrase'] for p in same])}, la différence avec la France est trop faible "
                       "pour être certaine.")
    else:
        second = ("Sur ces priorités, la perception des habitants ne se distingue pas nettement "
                  "de la moyenne nationale.")
    return first, second


def gap_sentence(gaps: list[dict], spearman: float | None) -> str:
    """Priorities inside the territory against the index's order of its own domains: domains high
    on the index but not perceived as priorities, and the reverse. Every rank named here is a rank
    among the territory's 16 domains, and said so."""
    n = len([g for g in gaps if g["rank_objective"] is not None])
    under = [g for g in gaps if g["rank_objective"] is not None and g["rank_objective"] <= 4
             and g["rank_perceived"] is not None and g["rank_perceived"] > n / 2]
    over = [g for g in gaps if g["rank_perceived"] is not None and g["rank_perceived"] <= 4
            and g["rank_objective"] is not None and g["rank_objective"] > n / 2]
    parts = []
    if under:
        parts.append(fr.join([f"{g['phrase']} ({ordinal(g['rank_objective'])} sur {n} selon les indicateurs, "
                              f"{ordinal(g['rank_perceived'], feminine=True)} priorité des habitants)" for g in under])
                     + (" figure" if len(under) == 1 else " figurent")
                     + f" parmi les domaines les plus marqués du territoire selon les indicateurs sans être "
                     + ("une priorité" if len(under) == 1 else "des priorités") + " pour ses habitants")
    if over:
        above = [g for g in over if g["objective"] is not None and g["objective"] > 0]
        text = (("à l'inverse, " if under else "")
                + fr.join([f"{g['phrase']} ({ordinal(g['rank_perceived'], feminine=True)} priorité des habitants, "
                           f"{ordinal(g['rank_objective'])} sur {n} selon les indicateurs)" for g in over])
                + (" préoccupe" if len(over) == 1 else " préoccupent")
                + " davantage les habitants que ne le laisse attendre "
                + ("son" if len(over) == 1 else "leur") + " rang parmi les domaines du territoire")
        if above:
            text += (", même si " + fr.join([g["phrase"] for g in above])
                     + (" reste" if len(above) == 1 else " restent") + " plus fragile"
                     + ("" if len(above) == 1 else "s") + " qu'en moyenne en France")
        parts.append(text)
    if not parts:
        text = "Les priorités des habitants recoupent globalement les fragilités mesurées par les indicateurs."
    else:
        text = f"{fr.NNBSP}; ".join(parts) + "."
        text = text[0].upper() + text[1:]
    if spearman is not None:
        strength = "fortement" if abs(spearman) >= 0.6 else "en partie" if abs(spearman) >= 0.3 else "peu"
        text += (" Dans l'ensemble, l'ordre des domaines selon les habitants recoupe " + strength
                 + " celui des indicateurs.")
    return text


def gap_significance_sentence(gaps: list[dict]) -> str:
    """The domains whose perception/measure gap stays significant (``significant``: the 95 %
    interval combining survey error and the index's uncertainty excludes 0 after the correction
    for the 16 domains), by direction, in plain words."""
    shown = [g for g in gaps if g.get("gap") is not None]
    if not shown:
        return ""
    under = sorted((g for g in shown if g["significant"] and g["gap"] < 0), key=lambda g: g["gap"])
    over = sorted((g for g in shown if g["significant"] and g["gap"] > 0), key=lambda g: -g["gap"])
    if not under and not over:
        return ("Une fois prises en compte les marges d'erreur de l'enquête et de l'indice, aucun domaine ne montre "
                "d'écart net entre la perception des habitants et la mesure.")
    parts = []
    if under:
        parts.append("comparés aux autres régions, les habitants jugent " + fr.join([g["phrase"] for g in under])
                     + " moins préoccupant" + ("s" if len(under) > 1 else "") + " que ne le laissent attendre les indicateurs")
    if over:
        parts.append(("à l'inverse, ils" if under else "comparés aux autres régions, les habitants")
                     + " jugent " + fr.join([g["phrase"] for g in over])
                     + " plus préoccupant" + ("s" if len(over) > 1 else "") + " que ne l'indiquent les indicateurs")
    n = len(under) + len(over)
    head = (f"Une fois prises en compte les marges d'erreur, {n} domaine" + ("s" if n > 1 else "")
            + f" sur {len(shown)} " + ("montrent" if n > 1 else "montre")
            + f" un écart net entre perception et mesure{fr.NBSP}: ")
    return head + f"{fr.NNBSP}; ".join(parts) + "."


def perception_section(territory: dict, tables: dict, catalogue: dict, est: Estimates) -> dict:
    """The context keys of the inhabitants' perception section."""
    code, where = territory["code"], territory["locative"]
    domains = {d["id"]: d for d in catalogue["domains"]}
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
                     "objective": num(g["objective_score"]), "perceived": num(g["perceived_score"]),
                     "perceived_diff": num(g["perceived_diff_vs_france"]),
                     "rank_objective": None if g["rank_objective"] is None else int(g["rank_objective"]),
                     "rank_perceived": None if g["rank_perceived"] is None else int(g["rank_perceived"]),
                     "quadrant": g["quadrant"], "quadrant_label": QUADRANTS.get(g["quadrant"]),
                     # coloured in the charts and named in sentences only when the gap stays
                     # significant after the correction for the 16 domains
                     "significant": bool(g["gap_significant"]),
                     "perceived_significant": bool(g["is_significant"]),
                     "gap": num(g["gap"]), "gap_ci_low": num(g["gap_ci_low"]), "gap_ci_high": num(g["gap_ci_high"]),
                     "reliability": g["perceived_reliability"]})
    gaps.sort(key=lambda g: g["rank_objective"] or 99)
    spearman = num(pg[0]["spearman_rho"]) if pg else None
    return {"perceived": perceived, "priorities_sentence": pri_1, "priorities_vs_france_sentence": pri_2,
            "gaps": gaps, "spearman": spearman, "gap_sentence": gap_sentence(gaps, spearman),
            "gap_significance_sentence": gap_significance_sentence(gaps),
            "caution_domains": sorted({p["label"] for p in perceived if p["reliability"] == "caution"})}
