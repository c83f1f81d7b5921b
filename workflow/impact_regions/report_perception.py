"""Section 3 of a synthesis, the inhabitants' perception: perceived fragility per domain, the
priorities sentence, and the two readings of the perception gap (position against France in
the quadrant chart; priorities inside the territory against the index's order).

Reading rules (REPORT_SPEC): a domain's rank inside the territory and its position among the
regions are never confused in one sentence, and a domain that stands above France on the index
is never called one of the least fragile; only gaps that stay significant once the territory's
domains are taken as one family (``is_gap_significant``) are called gaps. The rank sentence compares
two orders inside the territory and never words a difference as certain; the significance
sentence that follows it checks which of those differences are confirmed.
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


def top_priorities(perceived: list[dict], most: int = 3) -> list[tuple[list[dict], str]]:
    """The inhabitants' first priorities, the ONE list that L'essentiel and the perception section
    name: the published domains by printed score (x/10), highest first, domains printing the same
    score grouped in the catalogue's order, whole groups until at least `most` domains are named
    (a domain tied with the last one is never dropped). L'essentiel asks for two: its list is
    then the head of the section's, the same domains in the same order, ties whole.
    [([domains], printed score)]."""
    shown = [p for p in perceived if p["estimate"] is not None]
    by_phrase = {p["phrase"]: p for p in shown}
    groups = group_ties(
        [(p["phrase"], p["estimate"]) for p in shown],
        fr.score10,
        {p["phrase"]: i for i, p in enumerate(sorted(perceived, key=lambda p: p["position"]))},
    )
    chosen, count = [], 0
    for names, value in groups:
        if count >= most:
            break
        chosen.append(([by_phrase[n] for n in names], value))
        count += len(names)
    return chosen


def priorities_text(top: list[tuple[list[dict], str]]) -> str:
    """« l’emploi, le niveau de vie et la transition énergétique (6,1/10) », « a (6,6/10), b et c
    (6,2/10) »: the priorities of :func:`top_priorities` as both places print them."""
    return _list_groups([f"{fr.join([p['phrase'] for p in ps])} ({value})" for ps, value in top])


def priorities_sentence(where: str, perceived: list[dict]) -> tuple[str, str]:
    """(priorities with their scores, ties grouped; whether they are above France when significant)."""
    shown = [p for p in perceived if p["estimate"] is not None]
    if not shown:
        return "Les effectifs d'habitants interrogés sont trop faibles pour publier leur perception.", ""
    top = top_priorities(perceived)
    top_ids = [p for ps, _ in top for p in ps]
    caution = (
        " Ces estimations sont à interpréter avec prudence (effectifs réduits)."
        if any(p["reliability"] == "prudence" for p in top_ids)
        else ""
    )
    first = f"{where[0].upper() + where[1:]}, les priorités des habitants sont {priorities_text(top)}.{caution}"
    higher = [p for p in top_ids if p["is_significant"] and p["diff"] is not None and p["diff"] > 0]
    lower = [p for p in top_ids if p["is_significant"] and p["diff"] is not None and p["diff"] < 0]
    parts = []
    if higher:
        parts.append(
            "supérieure à la moyenne nationale pour "
            + fr.join([f"{p['phrase']} ({fr.number(p['estimate'])} contre {fr.score10(p['france'])})" for p in higher])
        )
    if lower:
        parts.append(
            "inférieure à la moyenne nationale pour "
            + fr.join([f"{p['phrase']} ({fr.number(p['estimate'])} contre {fr.score10(p['france'])})" for p in lower])
        )
    if parts:
        second = "Sur ces priorités, la fragilité perçue est " + " ; elle est ".join(parts) + "."
        same = [p for p in top_ids if p not in higher and p not in lower]
        if same:
            second += (
                f" Pour {fr.join([p['phrase'] for p in same])}, la différence avec la France est trop faible "
                "pour être certaine."
            )
    else:
        second = "Sur ces priorités, la perception des habitants ne se distingue pas nettement de la moyenne nationale."
    return first, second


def rank_mismatches(gaps: list[dict]) -> tuple[list[dict], list[dict]]:
    """(domains in the index's first four of the territory but in the second half of its
    priorities; domains among the first four priorities but in the index's second half). Ranks
    are inside the territory: the index's among its measured domains, the priorities' among every
    domain its inhabitants rated."""
    n_obj = len([g for g in gaps if g["rank_objective"] is not None])
    n_perc = len([g for g in gaps if g["rank_perceived"] is not None])
    under = [
        g
        for g in gaps
        if g["rank_objective"] is not None
        and g["rank_objective"] <= 4
        and g["rank_perceived"] is not None
        and g["rank_perceived"] > n_perc / 2
    ]
    over = [
        g
        for g in gaps
        if g["rank_perceived"] is not None
        and g["rank_perceived"] <= 4
        and g["rank_objective"] is not None
        and g["rank_objective"] > n_obj / 2
    ]
    return under, over


def confirmed(g: dict, side: str) -> bool:
    """A rank difference is confirmed when the domain's perception/measure gap is significant in
    the same direction (under: the index ahead of the perception; over: the reverse)."""
    if not g.get("is_significant") or g.get("gap") is None:
        return False
    return g["gap"] < 0 if side == "under" else g["gap"] > 0


def priority_text(g: dict, gaps: list[dict]) -> str:
    """`3e priorité des habitants`, or `1re priorité des habitants ex æquo` when another domain's
    perceived score prints the same (/10, one decimal, as the chart and L'essentiel print it): the
    rank is then the one the printed scores give, so that three domains at 6,2 are not said 1st,
    2nd and 3rd."""
    if g.get("perceived") is None:
        return f"{ordinal(g['rank_perceived'], feminine=True)} priorité des habitants"
    mine = round(float(g["perceived"]), 1)
    printed = [round(float(x["perceived"]), 1) for x in gaps if x.get("perceived") is not None]
    rank = 1 + sum(v > mine for v in printed)
    tied = printed.count(mine) > 1
    return f"{ordinal(rank, feminine=True)} priorité des habitants" + (" ex æquo" if tied else "")


def gap_sentence(gaps: list[dict], spearman: float | None) -> str:
    """The order of the domains inside the territory by the index against the inhabitants'
    priorities: domains high on the index but not perceived as priorities, and the reverse. It
    compares two rankings inside the territory and says so; whether a difference is more than
    the margins of error is for :func:`gap_significance_sentence`, so nothing here is worded as
    a certain gap (no « préoccupe davantage »)."""
    n = len([g for g in gaps if g["rank_objective"] is not None])
    if not any(g["rank_perceived"] is not None for g in gaps):
        return ""  # no published perception (a small département): nothing to compare, the chart's sentence says why
    under, over = rank_mismatches(gaps)
    parts = []
    if under:
        parts.append(
            fr.join(
                [
                    f"{g['phrase']} ({ordinal(g['rank_objective'])} sur {n} selon les indicateurs, "
                    f"{priority_text(g, gaps)})"
                    for g in under
                ]
            )
            + (" vient" if len(under) == 1 else " viennent")
            + " parmi les premiers domaines selon les indicateurs mais loin dans les priorités des habitants"
        )
    if over:
        above = [g for g in over if g["objective"] is not None and g["objective"] > 0]
        text = (
            ("à l'inverse, " if under else "")
            + fr.join(
                [
                    f"{g['phrase']} ({priority_text(g, gaps)}, "
                    f"{ordinal(g['rank_objective'])} sur {n} selon les indicateurs)"
                    for g in over
                ]
            )
            + (" vient" if len(over) == 1 else " viennent")
            + " parmi les premières priorités des habitants mais plus loin selon les indicateurs"
        )
        if above:
            text += (
                ", même si "
                + fr.join([g["phrase"] for g in above])
                + (" reste" if len(above) == 1 else " restent")
                + " plus fragile"
                + ("" if len(above) == 1 else "s")
                + " qu'en moyenne en France"
            )
        parts.append(text)
    if not parts:
        text = (
            "Classés au sein du territoire, les domaines viennent globalement dans le même ordre selon les "
            "indicateurs et selon les priorités des habitants."
        )
    else:
        text = (
            "Classés au sein du territoire, les domaines ne viennent pas tous dans le même ordre selon les "
            f"indicateurs et selon les priorités des habitants{fr.NBSP}: " + f"{fr.NNBSP}; ".join(parts) + "."
        )
    if spearman is not None:
        strength = "fortement" if abs(spearman) >= 0.6 else "en partie" if abs(spearman) >= 0.3 else "peu"
        text += (
            " Dans l'ensemble, l'ordre des domaines selon les habitants recoupe " + strength + " celui des indicateurs."
        )
    return text


def _check_of_ranks(gaps: list[dict]) -> str:
    """How the rank differences named by :func:`gap_sentence` fare once the margins of error are
    taken into account ('' when it names none)."""
    under, over = rank_mismatches(gaps)
    named = [(g, "under") for g in under] + [(g, "over") for g in over]
    if not named:
        return ""
    ok = [g["phrase"] for g, side in named if confirmed(g, side)]
    margins = "une fois prises en compte les marges d'erreur de l'enquête et de l'indice"
    if not ok:
        return "Ces différences de classement ne se confirment pas " + margins
    if len(ok) == len(named):
        return "Ces différences de classement se confirment " + margins
    return (
        margins[0].upper()
        + margins[1:]
        + ", "
        + (
            "seule la différence de classement concernant "
            if len(ok) == 1
            else "seules les différences de classement concernant "
        )
        + fr.join(ok)
        + (" se confirme" if len(ok) == 1 else " se confirment")
    )


def gap_significance_sentence(gaps: list[dict]) -> str:
    """The check of the rank differences of :func:`gap_sentence` (which of them are confirmed),
    then the domains whose perception/measure gap stays significant (``significant``: the 95 %
    interval combining survey error and the index's uncertainty excludes 0 after the correction
    for the territory's domains), by direction, in plain words."""
    shown = [g for g in gaps if g.get("gap") is not None]
    if not shown:
        return ""
    check = _check_of_ranks(gaps)
    under = sorted((g for g in shown if g["is_significant"] and g["gap"] < 0), key=lambda g: g["gap"])
    over = sorted((g for g in shown if g["is_significant"] and g["gap"] > 0), key=lambda g: -g["gap"])
    if not under and not over:
        none = "aucun domaine ne montre d'écart net entre la perception des habitants et la mesure."
        if check:
            return check + f"{fr.NBSP}: " + none
        return "Une fois prises en compte les marges d'erreur de l'enquête et de l'indice, " + none
    parts = []
    if under:
        parts.append(
            "comparés aux autres régions, les habitants s'inquiètent moins "
            + fr.join([fr.of(g["phrase"]) for g in under])
            + " que ne le laissent attendre les indicateurs"
        )
    if over:
        parts.append(
            ("à l'inverse, ils" if under else "comparés aux autres régions, les habitants")
            + " s'inquiètent davantage "
            + fr.join([fr.of(g["phrase"]) for g in over])
            + " que ne l'indiquent les indicateurs"
        )
    n = len(under) + len(over)
    head = (
        (
            # « ne se confirment pas. Au total, 3 domaines… » read as a contradiction: the gaps that are
            # net are others than the rank differences
            check + (". En revanche, " if check.startswith("Ces différences de classement ne") else ". Au total, ")
            if check
            else "Une fois prises en compte les marges d'erreur, "
        )
        + f"{n} domaine"
        + ("s" if n > 1 else "")
        + f" sur {len(shown)} "
        + ("montrent" if n > 1 else "montre")
        + f" un écart net entre perception et mesure{fr.NBSP}: "
    )
    return head + f"{fr.NNBSP}; ".join(parts) + "."


def priority_ranks(perceived: list[dict]) -> dict[str, int]:
    """domain id -> rank among the priorities of the inhabitants, counted over every domain they
    rated (a domain without an objective index counts too), in the perceived chart's order."""
    shown = sorted((p for p in perceived if p["estimate"] is not None), key=lambda p: (-p["estimate"], p["label"]))
    return {p["domain_id"]: i + 1 for i, p in enumerate(shown)}


def perception_section(territory: dict, tables: dict, catalogue: dict, est: Estimates) -> dict:
    """The context keys of the inhabitants' perception section."""
    code, where = territory["code"], territory["locative"]
    domains = {d["id"]: d for d in catalogue["domains"]}
    perceived = []
    for did, d in domains.items():
        p = est.pair("habitants", f"fragilite_{did}")
        perceived.append(
            {
                "domain_id": did,
                "label": d["label"],
                "phrase": d["phrase"],
                "family": d["family"],
                "position": len(perceived),
                **p,
            }
        )
    perceived.sort(key=lambda p: -(p["estimate"] if p["estimate"] is not None else -1))
    pri_1, pri_2 = priorities_sentence(where, perceived)
    pg = [g for g in tables["perception_gaps"] if g["territory_code"] == code]
    gaps, ranks = [], priority_ranks(perceived)
    for g in pg:
        d = domains[g["domain_id"]]
        gaps.append(
            {
                "domain_id": g["domain_id"],
                "label": d["label"],
                "phrase": d["phrase"],
                "family": d["family"],
                "objective": num(g["objective_score"]),
                "perceived": num(g["perceived_score"]),
                "perceived_diff": num(g["perceived_diff_vs_france"]),
                "rank_objective": None if g["rank_objective"] is None else int(g["rank_objective"]),
                # among every domain the inhabitants rated, as the perceived chart orders them (the
                # table ranks only the domains with an index)
                "rank_perceived": ranks.get(g["domain_id"]),
                "quadrant": g["quadrant"],
                "quadrant_label": QUADRANTS.get(g["quadrant"]),
                # coloured in the charts and named in sentences only when the gap stays
                # significant after the correction for the 16 domains
                "is_significant": bool(g["is_gap_significant"]),
                "is_perceived_significant": bool(g["is_significant"]),
                "gap": num(g["gap"]),
                "gap_ci_low": num(g["gap_ci_low"]),
                "gap_ci_high": num(g["gap_ci_high"]),
                "reliability": g["perceived_reliability"],
            }
        )
    gaps.sort(key=lambda g: g["rank_objective"] or 99)
    spearman = num(pg[0]["spearman_rho"]) if pg else None
    return {
        "perceived": perceived,
        "priorities_sentence": pri_1,
        "priorities_vs_france_sentence": pri_2,
        "gaps": gaps,
        "spearman": spearman,
        "gap_sentence": gap_sentence(gaps, spearman),
        "gap_significance_sentence": gap_significance_sentence(gaps),
        "caution_domains": sorted({p["label"] for p in perceived if p["reliability"] == "prudence"}),
    }
