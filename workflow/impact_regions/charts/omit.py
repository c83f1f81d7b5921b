"""The sentences of the charts that give way to text (REPORT_SPEC: "a chart with nothing to show
for the territory is replaced by one sentence saying why").

A chart has nothing to show when every estimate of the territory it would draw is suppressed
(too few respondents: only France would be drawn), when the groups chart would only repeat the
inhabitants' chart, or, for the map, when the territory is a single département. Its chart
function then writes no figure and returns :func:`common._omitted`: `omit` True and one of the
sentences below, in French, with the France figures when there are some to give. A question that
nobody answered, not even in France (an optional question absent from the survey files), is said
not asked (:data:`NOT_ASKED`).
"""

from __future__ import annotations

from .. import french as fr
from ..report_common import GROUP_PARTITIVES
from .common import _fmt_index, _in, _name, _rules, _scale

#: "les associations", as the sentences name the groups
GROUP_PLURALS = {
    "habitants": "les habitants",
    "associations": "les associations",
    "entreprises": "les entreprises",
    "maires": "les maires",
}
#: the partnership modes with their article
MODE_PHRASES = {
    "mécénat": "le mécénat",
    "pratiques responsables": "les pratiques responsables",
    "innovation sociétale": "l’innovation sociétale",
    "coopération économique": "la coopération économique",
}

#: A chart whose question nobody answered, not even in France (an `optional: true` question absent
#: from the survey files, config/survey.yaml).
NOT_ASKED = "La question n’a pas été posée dans l’enquête : ce graphique n’a rien à montrer."


def _too_few(ctx: dict, who: str, groups: list[str]) -> str:
    """`Trop peu d’associations et de maires ont répondu à Mayotte` when the note at the head of the
    survey pages (`samples_note`, :func:`impact_regions.report_method.samples_note`) already gives
    these groups' numbers and the threshold; otherwise `Les effectifs d’associations et de maires
    interrogés à Mayotte sont trop faibles (moins de 30 répondants par groupe)` (a group whose
    respondents reach the threshold, but not those who answered this question)."""
    if _note_covers(ctx, groups):
        return f"Trop peu {who} ont répondu {_in(ctx)}"
    return (
        f"Les effectifs {who} interrogés {_in(ctx)} sont trop faibles (moins de "
        f"{_rules(ctx)['min_publish']}{fr.NBSP}répondants par groupe)"
    )


def _note_covers(ctx: dict, groups: list[str]) -> bool:
    """Whether the sample-size note at the head of the survey pages already gives the numbers of
    every group of `groups` and the threshold (each group under it), so that a sentence about them
    can be short."""
    minimum = _rules(ctx)["min_publish"]
    samples = ctx.get("samples") or {}
    return bool(ctx.get("samples_note")) and bool(groups) and all(samples.get(g, 0) < minimum for g in groups)


def _domain(label: str) -> str:
    """`l’emploi`, `la sécurité`, `le niveau de vie`: a domain label with its article."""
    low = label[:1].lower() + label[1:]
    if low[:1] in "aeéèêiîoôuh":
        return "l’" + low
    feminine = ("sécurité", "santé", "pauvreté", "transition", "mobilité", "culture", "cohésion", "éducation")
    if low.startswith(feminine):
        return "la " + low
    return "le " + low


def perceived(ctx: dict) -> str:
    """Every inhabitants' perception suppressed."""
    france = sorted((p for p in ctx["perceived"] if p.get("france") is not None), key=lambda p: -p["france"])[:3]
    tail = ""
    if france:
        tail = " ; en France, les domaines jugés les plus fragiles sont " + fr.join(
            [f"{_domain(p['label'])} ({fr.score10(p['france'])})" for p in france]
        )
    return (
        _too_few(ctx, "d’habitants", ["habitants"]).replace(" par groupe", "")
        + " pour publier leur perception des fragilités"
        + tail
        + "."
    )


def quadrant(ctx: dict) -> str:
    """No domain with both an index and a published perception."""
    if not any(g.get("objective") is not None for g in ctx["gaps"]):
        why = "les indices de fragilité n’y sont pas disponibles"
    elif _note_covers(ctx, ["habitants"]):
        why = "la perception des habitants n’y est pas publiée"  # the note gives the numbers
    else:
        why = (
            f"la perception des habitants n’y est pas publiée (moins de {_rules(ctx)['min_publish']}"
            f"{fr.NBSP}répondants)"
        )
    return f"L’indice de fragilité et la perception des habitants ne peuvent pas être comparés {_in(ctx)} : {why}."


def groups(ctx: dict, present: list[str], absent: list[str], mostly: bool = False) -> str:
    """The groups chart: no group published, or only the inhabitants (their own chart says it all),
    or (`mostly`) no organisation with enough published notes to compare its priorities."""
    hidden = [g for g in absent if g != "habitants"]
    orgs = fr.join([GROUP_PARTITIVES[g] for g in hidden])
    if mostly:
        hidden = ["associations", "entreprises", "maires"]
        orgs = fr.join([GROUP_PARTITIVES[g] for g in hidden])
        return (
            _too_few(ctx, orgs, hidden) + " pour publier la plupart de leurs notes : leurs priorités ne peuvent pas "
            "être comparées à celles des habitants, présentées plus haut."
        )
    if present == ["habitants"]:
        return (
            _too_few(ctx, orgs, hidden) + " pour publier leur perception des fragilités ; celle des habitants est "
            "présentée plus haut."
        )
    return (
        _too_few(ctx, "d’habitants, d’associations, d’entreprises et de maires", list(GROUP_PARTITIVES))
        + " pour publier leur perception des fragilités par groupe d’acteurs."
    )


def _france_shares(items: list[dict]) -> str:
    """`74 % chez les habitants, 86 % chez les associations…`"""
    return fr.join(
        [f"{fr.percent(i['france'])} chez {GROUP_PLURALS[i['group']]}" for i in items if i.get("france") is not None]
    )


def innovation(ctx: dict) -> str:
    """No group published, or one only (its figure is in the sentence above the chart): the groups
    that are not, with France's figures."""
    hidden = [i for i in ctx["innovation"] if i.get("estimate") is None]
    who = fr.join([GROUP_PARTITIVES[i["group"]] for i in hidden])
    tail = _france_shares(hidden)
    if not tail:
        return NOT_ASKED
    shown = [i for i in ctx["innovation"] if i.get("estimate") is not None]
    told = (
        (
            f" ; celle {GROUP_PARTITIVES[shown[0]['group']].replace('d’', 'des ', 1).replace('de ', 'des ', 1)} "
            "est donnée plus haut"
        )
        if len(shown) == 1
        else ""
    )
    return (
        _too_few(ctx, who, [i["group"] for i in hidden])
        + " pour publier la part de ceux qui voient les alliances comme une source "
        f"d’innovation{told} ; en France, elle est de {tail}."
    )


def partnership(ctx: dict) -> str:
    items = [i for i in ctx["partnership"] if i.get("france") is not None]
    if not items:
        return NOT_ASKED
    tail = fr.join([f"{fr.percent(i['france'])} {GROUP_PLURALS[i['group']].replace('les ', 'des ')}" for i in items])
    return (
        _too_few(ctx, "d’organisations", ["associations", "entreprises", "maires"]).replace("interrogés", "interrogées")
        + " pour publier la part de celles qui ont au moins un partenariat"
        + (f" ; en France, c’est le cas de {tail}" if tail else "")
        + "."
    )


def cooperation(ctx: dict) -> str:
    return (
        _too_few(ctx, "d’habitants et d’organisations", list(GROUP_PARTITIVES))
        + " pour publier leurs domaines prioritaires de coopération."
    )


def modes(ctx: dict, orgs: list[str]) -> str:
    by_mode: dict[str, list[str]] = {}  # the most frequent mode of each group, groups of the same mode together
    for g in orgs:
        best = max(
            (m for m in ctx["modes"] if m.get(f"{g}_france") is not None), key=lambda m: m[f"{g}_france"], default=None
        )
        if best is not None:
            mode = MODE_PHRASES.get(best["label"].lower(), best["label"].lower())
            by_mode.setdefault(mode, []).append(f"{GROUP_PLURALS[g]} ({fr.percent(best[f'{g}_france'])})")
    parts = [f"{mode} chez {fr.join(groups)}" for mode, groups in by_mode.items()]
    if not parts:
        return NOT_ASKED
    tail = f" ; en France, le mode le plus pratiqué est {', '.join(parts)}" if parts else ""
    if _note_covers(ctx, orgs):  # the note gives these groups' numbers; fewer still have partnerships
        who = _too_few(ctx, "d’organisations ayant des partenariats", orgs)
        return f"{who} pour publier leurs modes de partenariat{tail}."
    return (
        f"Les effectifs d’organisations ayant des partenariats {_in(ctx)} sont trop faibles (moins de "
        f"{_rules(ctx)['min_publish']}{fr.NBSP}organisations par groupe) pour publier leurs modes de "
        f"partenariat{tail}."
    )


def profile(ctx: dict) -> str:
    return f"Les indices de fragilité {_in(ctx)} ne peuvent pas être calculés : les données sont manquantes."


def single_departement(ctx: dict, entry: dict) -> str:
    """The map of a territory of one département: its index in words instead."""
    scale = _scale(ctx)
    if ctx["territory"].get("kind") == "departement":  # an overseas département: alone in its region
        subject = ctx["territory"]["nominative"]
        return (
            f"{subject[:1].upper() + subject[1:]} est le seul département de sa région : "
            "une carte des départements n’apporterait rien. "
            f"Son indice global de fragilité figure ci-dessus, avec son rang parmi les départements."
        )
    unit = {
        "zscore": "0 correspond à la moyenne nationale ; plus l’indice est élevé, plus le territoire est fragile",
        "ratio": "100 correspond à la France",
        "minmax": "de 1, le département le moins fragile, à 100, le plus fragile",
    }[scale["norm"]]
    nominative = ctx["territory"].get("nominative") or _name(ctx)
    subject = nominative[:1].upper() + nominative[1:]  # « La Guadeloupe », « Mayotte »
    dep = entry["name"] if entry["name"] != _name(ctx) else "un seul département"
    who = (
        f"{subject} ne compte qu’un département, {dep} ({entry['code']})"
        if dep != "un seul département"
        else f"{subject} forme un seul département ({entry['code']})"
    )
    overall = ctx.get("overall") or {}
    if overall.get("score") is not None:  # the territory's own index, printed as everywhere else
        value = fr.number(overall["score"], overall.get("decimals", scale["decimals"]), signed=scale["signed"])
    else:
        value = _fmt_index(entry.get("score"), scale)
    # « calculé sur 15 domaines » where a domain is not measured (report_profile), as wherever the index is printed
    basis = (ctx.get("overall") or {}).get("partial") or ""
    return (
        f"{who} : une carte des départements n’apporterait rien ; son indice global de fragilité est de "
        f"{value} ({basis + ' ; ' if basis else ''}{unit})."
    )
