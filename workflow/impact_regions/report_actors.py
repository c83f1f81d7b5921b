"""Sections 4 to 6 of a synthesis, the organisations and the alliances: perceived fragility by
group (inhabitants, associations, companies, mayors), the « devoir d'alliances », alliances as a
source of innovation, cooperation priorities, partnership engagement and practices.

A difference with France is called higher or lower only when it is significant; estimates flagged
'prudence' say so; suppressed estimates ('non_publie') are never printed (the sentences then say why).
"""

from __future__ import annotations

from . import french as fr
from .report_common import (
    CAUTION,
    GROUP_LABELS,
    GROUP_PARTITIVES,
    GROUP_PHRASES,
    GROUPS,
    MODES,
    Estimates,
    caution_suffix,
    direction_word,
)

#: What a sentence says of a measure nobody answered (an `optional: true` question absent from the
#: survey files: config/survey.yaml).
NOT_ASKED = "Cette question n'a pas été posée dans l'enquête."


def actors_section(territory: dict, catalogue: dict, est: Estimates, perceived: list[dict]) -> dict:
    """The context keys of the groups, alliances and practices sections (`perceived`: the
    inhabitants' perceived fragility, sorted, from the perception section)."""
    where = territory["locative"]
    domains = {d["id"]: d for d in catalogue["domains"]}
    by_group = {g: {did: est.pair(g, f"fragilite_{did}") for did in domains} for g in GROUPS}
    leading = [p["domain_id"] for p in perceived[:6]]
    for g in GROUPS[1:]:
        ranked = sorted(
            (x for x in by_group[g].items() if x[1]["estimate"] is not None), key=lambda x: -x[1]["estimate"]
        )
        for did, _ in ranked[:2]:
            if did not in leading:
                leading.append(did)
    groups_rows = [
        {
            "domain_id": did,
            "label": domains[did]["label"],
            **{g: by_group[g][did]["estimate"] for g in GROUPS},
            **{f"{g}_france": by_group[g][did]["france"] for g in GROUPS},
            **{f"{g}_reliability": by_group[g][did]["reliability"] for g in GROUPS},
        }
        for did in leading
    ]
    groups_sentence = groups_sentence_of(by_group, domains)

    # --- alliances -----------------------------------------------------------------------
    devoir = est.pair("habitants", "devoir_alliance")
    devoir_sentence = share_sentence(
        devoir,
        territory,
        "des habitants {gen} pensent que les collectivités, les entreprises et les associations "
        "doivent travailler ensemble",
        "la part de ceux qui pensent que les collectivités, les entreprises et les associations "
        "doivent travailler ensemble",
    )
    innovation = [{"group": g, "label": GROUP_LABELS[g], **est.pair(g, "alliance_innovation")} for g in GROUPS]
    innovation_sentence = innovation_sentence_of(innovation)
    cooperation = []
    for did, d in domains.items():
        row = {"domain_id": did, "label": d["label"]}
        for g in GROUPS:
            p = est.pair(g, f"cooperation_{did}")
            row[g], row[f"{g}_france"], row[f"{g}_reliability"] = p["estimate"], p["france"], p["reliability"]
        cooperation.append(row)
    cooperation.sort(key=lambda r: -(r["habitants"] or 0))
    coop_top = [r for r in cooperation[:3] if r["habitants"] is not None]
    cooperation_sentence = (
        (
            "Les habitants citent d'abord "
            + fr.join([f"{domains[r['domain_id']]['phrase']} ({fr.percent(r['habitants'])})" for r in coop_top])
            + " comme domaines prioritaires de coopération."
        )
        if coop_top
        else ""
    )

    # --- practices ------------------------------------------------------------------------
    engagement = est.pair("habitants", "engagement_suffisant")
    engagement_sentence = engagement_sentence_of(engagement, territory)
    partnership = [{"group": g, "label": GROUP_LABELS[g], **est.pair(g, "a_partenariat")} for g in GROUPS[1:]]
    partnership_sentence = partnership_sentence_of(partnership, where)
    modes = []
    for mid, label in MODES:
        row = {"mode": mid, "label": label}
        for g in GROUPS[1:]:
            p = est.pair(g, mid)
            row[g], row[f"{g}_france"], row[f"{g}_reliability"] = p["estimate"], p["france"], p["reliability"]
        modes.append(row)

    return {
        "groups": groups_rows,
        "groups_sentence": groups_sentence,
        "groups_comparable": comparable_groups(by_group, domains),
        "devoir": devoir,
        "devoir_sentence": devoir_sentence,
        "innovation": innovation,
        "innovation_sentence": innovation_sentence,
        "cooperation": cooperation[:8],
        "cooperation_sentence": cooperation_sentence,
        "engagement": engagement,
        "engagement_sentence": engagement_sentence,
        "partnership": partnership,
        "partnership_sentence": partnership_sentence,
        "modes": modes,
        "modes_sentence": modes_sentence(modes),
    }


def _where(territory: dict) -> str:
    """« en Lozère », « dans le Nord »: the territory's locative (« dans le territoire » without one)."""
    return territory.get("locative") or "dans le territoire"


def share_sentence(item: dict, territory: dict, body: str, what: str) -> str:
    """`body`: what the share counts, after the figure (« des habitants {gen} pensent que… »);
    `what`: the share named in full, for the sentence that says it is not published."""
    if item["estimate"] is None and item.get("france") is None:
        return NOT_ASKED  # no estimate for France either: nobody answered the question
    if item["estimate"] is None:  # suppressed: too few respondents (a département's, mostly)
        return (
            f"Trop peu d'habitants ont répondu {_where(territory)} pour publier {what} ; "
            f"en France, elle est de {fr.percent(item['france'])}."
        )
    same = fr.percent(item["estimate"]) == fr.percent(item["france"])
    text = f"{fr.percent(item['estimate'])} {body.format(gen=territory['genitive'])}, " + (
        "comme en France" if same else f"contre {fr.percent(item['france'])} en France"
    )
    word = direction_word(item)
    if word != "comparable":
        text += f" : une proportion significativement {word} à la moyenne nationale"
    return text + "." + (f" Estimation {CAUTION}." if item["reliability"] == "prudence" else "")


def cautions_once(names: list[str], what: str) -> str:
    """` Les estimations des maires et des entreprises sont à interpréter avec prudence (effectifs
    réduits).`: said once after a sentence where two or more figures call for it, instead of
    « (à interpréter avec prudence) » after each ('' for fewer than two: the figure says it)."""
    if len(names) < 2:
        return ""
    return f" {what} {fr.join(names)} sont {CAUTION} (effectifs réduits)."


def innovation_sentence_of(items: list[dict]) -> str:
    shown = [i for i in items if i["estimate"] is not None]
    if not shown:
        return ""
    cautious = [i for i in shown if i["reliability"] == "prudence"]
    each = len(cautious) < 2  # otherwise said once, after the sentence
    parts = [
        f"{fr.percent(i['estimate'])} {GROUP_PHRASES[i['group']].replace('les ', 'des ', 1)}"
        f" ({fr.percent(i['france'])} en France"
        f"{f'{fr.NNBSP}; {CAUTION}' if each and i['reliability'] == 'prudence' else ''})"
        for i in shown
    ]
    return (
        "Les alliances sont vues comme une source d'innovation par "
        + fr.join(parts)
        + "."
        + cautions_once([fr.of(GROUP_PHRASES[i["group"]]) for i in cautious], "Les estimations")
    )


def engagement_sentence_of(item: dict, territory: dict) -> str:
    if item["estimate"] is None and item.get("france") is not None:  # suppressed: too few respondents
        return (
            f"Trop peu d'habitants ont répondu {_where(territory)} "
            "pour publier leur jugement sur "
            f"l'engagement partenarial des acteurs ; en France, {fr.percent(item['france'])} le jugent suffisant."
        )
    if item["estimate"] is None:
        return ""
    text = (
        f"Seuls {fr.percent(item['estimate'])} des habitants {territory['genitive']} jugent suffisant le niveau "
        f"actuel d'engagement partenarial des acteurs (contre {fr.percent(item['france'])} en France)"
    )
    below = (
        item["estimate"] < 0.5
        and item["france"] is not None
        and item.get("is_significant")
        and item.get("diff") is not None
        and item["diff"] < 0
    )
    if not below:
        text = text.replace("Seuls ", "", 1)  # "seuls" only for a share significantly below France's
    word = direction_word(item, "plus élevée", "plus faible", "")
    if word:
        text += f", une part significativement {word} qu'au niveau national"
    return text + "."


def partnership_sentence_of(items: list[dict], where: str) -> str:
    parts = []
    cautious = [i for i in items if i["estimate"] is not None and i.get("reliability") == "prudence"]
    each = len(cautious) < 2  # otherwise said once, after the sentence
    for i in items:
        if i["estimate"] is None:
            continue
        word = direction_word(i, "au-dessus de", "en dessous de", "")
        cmp = (
            f"{word} la moyenne nationale ({fr.percent(i['france'])})"
            if word
            else f"proche de la moyenne nationale ({fr.percent(i['france'])})"
        )
        parts.append(f"{fr.percent(i['estimate'])} des {i['label'].lower()}{caution_suffix(i) if each else ''}, {cmp}")
    if not parts and all(i.get("france") is None for i in items):
        return NOT_ASKED
    if not parts:
        return (
            "Les effectifs d'organisations interrogées sont trop faibles pour publier leurs pratiques "
            "de partenariat ; les valeurs nationales figurent dans le graphique."
        )
    return (
        f"{where[0].upper() + where[1:]}, ont au moins un partenariat avec un autre type d'acteur : "
        + " ; ".join(parts)
        + "."
        + cautions_once([f"des {i['label'].lower()}" for i in cautious], "Les parts")
    )


def modes_sentence(modes: list[dict]) -> str:
    orgs = ("associations", "entreprises", "maires")
    regional = any(m[g] is not None for m in modes for g in orgs)
    key = (
        (lambda m: -sum((m[g] or 0) for g in orgs))
        if regional
        else (lambda m: -sum((m[f"{g}_france"] or 0) for g in orgs))
    )
    totals = sorted(modes, key=key)
    where = (
        ""
        if regional
        else "Les effectifs du territoire sont trop faibles pour publier ses propres valeurs. En France, "
    )
    first = totals[0]["label"] if regional else totals[0]["label"].lower()
    text = (
        f"{where}{first} et {totals[1]['label'].lower()} sont les modes de partenariat les plus fréquents "
        "parmi les organisations qui ont des partenariats."
    )
    return text[0].upper() + text[1:]


def comparable_groups(by_group: dict, domains: dict) -> list[str]:
    """The groups whose priorities can be compared: a group's ranking is only meaningful if most
    (3 in 4) of its domain estimates are published. The groups chart gives way to a sentence when
    no organisation is among them (charts.groups)."""
    return [g for g in GROUPS if sum(x["estimate"] is not None for x in by_group[g].values()) >= 0.75 * len(domains)]


def groups_sentence_of(by_group: dict, domains: dict) -> str:
    def top(g, k):
        """The group's first k domains as the chart prints their notes (/10, one decimal), with every
        domain tied with the k-th: « placent en tête » never picks one of two equal notes."""
        ranked = sorted(
            ((d, x["estimate"]) for d, x in by_group[g].items() if x["estimate"] is not None), key=lambda x: -x[1]
        )
        if len(ranked) <= k:
            return [d for d, _ in ranked]
        floor = round(ranked[k - 1][1], 1)
        return [d for d, v in ranked if round(v, 1) >= floor]

    usable = comparable_groups(by_group, domains)
    if usable == ["habitants"] or not usable:
        return (
            "Les effectifs d'organisations interrogées dans le territoire sont trop faibles pour comparer "
            "leurs priorités à celles des habitants."
        )
    tops = {g: top(g, 3) for g in usable}
    shared = [d for d in tops.get("habitants", []) if all(d in tops[g] for g in usable)]
    text = ""
    if shared:
        phrase = fr.join([domains[d]["phrase"] for d in shared])
        text = (
            f"{phrase[0].upper()}{phrase[1:]} "
            f"{'figure' if len(shared) == 1 else 'figurent'} parmi les trois premières priorités de "
            f"{'chacun des quatre groupes' if len(usable) == 4 else 'chacun des groupes publiés'}. "
        )
    org_groups = [g for g in GROUPS[1:] if g in usable]
    parts = []
    for i, g in enumerate(org_groups):
        t2 = fr.join([domains[d]["phrase"] for d in top(g, 2)])
        parts.append(f"{GROUP_PHRASES[g]} placent en tête {t2}" if i == 0 else f"{GROUP_PHRASES[g]} {t2}")
    sentence = f"{fr.NNBSP}; ".join(parts)
    text += sentence[0].upper() + sentence[1:] + "."
    missing = [g for g in GROUPS[1:] if g not in usable]
    if missing:
        text += (
            f" Trop peu {fr.join([GROUP_PARTITIVES[g] for g in missing])} ont répondu pour que leurs priorités "
            "soient comparées."
        )
    orgs = [
        [
            d
            for d, _ in sorted(
                ((d, x["estimate"]) for d, x in by_group[g].items() if x["estimate"] is not None), key=lambda x: -x[1]
            )
        ]
        for g in org_groups
    ]
    bottom = [d for d in domains if all(d in ranked[-5:] for ranked in orgs)]
    if bottom:
        names = fr.join([domains[d]["phrase"] for d in bottom])
        verb = "n'est une priorité" if len(bottom) == 1 else "ne sont une priorité"
        who = "aucun des trois types d'organisations" if len(org_groups) == 3 else "aucune des organisations comparées"
        text += f" {names[0].upper() + names[1:]} {verb} pour {who}."
    return text
