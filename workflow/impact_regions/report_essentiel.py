"""« L'essentiel », the first-page key messages of a synthesis (REPORT_SPEC §1).

Four or five messages answer the four questions of the synthesis (the territory's fragilities;
how its inhabitants perceive them; whether its actors see alliances as a duty and a source of
innovation; which partnership practices exist), each backed by figures of the context: a
difference with France is stated only when the tables mark it significant, otherwise the
message says the figure is close to France's. Built from the context the sections assembled,
so that the first page never says something the pages after it do not.
"""

from __future__ import annotations

from . import french as fr
from .report_common import GROUP_PHRASES
from .report_perception import priorities_text, top_priorities
from .territories import is_plural


def _vs_france(item: dict, fmt) -> str:
    """« (82 % en France) », with « nettement plus/moins » only when significant."""
    if item.get("france") is None:
        return ""
    text = f"{fmt(item['france'])} en France"
    if item.get("is_significant") and item.get("diff") is not None:
        return f" ({text} : un écart net)"
    return (
        f" ({text} : un écart trop faible pour être certain)"
        if fmt(item["estimate"]) != fmt(item["france"])
        else " (comme en France)"
    )


def _in(ctx: dict) -> str:
    """Where too few were surveyed, named: « en Lozère », « à Mayotte », « en Guadeloupe » (the
    territory's locative; « dans le territoire » only for a territory without one)."""
    return ctx["territory"].get("locative") or "dans le territoire"


def fragility_message(ctx: dict) -> dict | None:
    ov = ctx["overall"]
    if ov["score"] is None:
        return None
    top = [d for d in ctx["profile"] if d["score"] is not None and d["score"] > 0][:3]
    text = ov["rank_words"] + " " if ov["rank_words"] else ""
    # after « Les Hauts-de-France sont… », « Leur indice », « Leurs fragilités »
    plural = (
        bool(ov["rank_words"])
        and ctx["territory"]["kind"] != "custom"
        and is_plural(ctx["territory"].get("nominative", ""))
    )
    basis = f" ; {ov['partial']}" if ov.get("partial") else ""  # « calculé sur 15 domaines » (Mayotte)
    text += (
        f"{'Leur' if plural else 'Son'} indice global de fragilité est de "
        f"{fr.number(ov['score'], ov['decimals'], signed=True)} "
        f"(0 = France{basis}). "
    )
    if top:
        text += (
            f"{'Leurs' if plural else 'Ses'} fragilités les plus marquées par rapport à la France : "
            + fr.join([f"{d['phrase']} ({fr.number(d['score'], d.get('decimals', 1), signed=True)})" for d in top])
            + "."
        )
    else:
        text += "Aucun domaine n'y est plus fragile qu'en France."
    return {"title": "Ses fragilités", "text": text}


def perception_message(ctx: dict) -> dict | None:
    # the head of the section's list (report_perception.top_priorities): its first two domains, or
    # more when they tie, in the same order
    top = top_priorities(ctx["perceived"], most=2)
    shown = [p for ps, _ in top for p in ps]
    if not shown:
        return {
            "title": "La perception des habitants",
            "text": f"Trop peu d'habitants ont été interrogés {_in(ctx)} pour publier leur perception.",
        }
    text = "Les habitants placent en tête " + priorities_text(top) + ". "
    higher = [p for p in shown if p["is_significant"] and p["diff"] is not None and p["diff"] > 0]
    lower = [p for p in shown if p["is_significant"] and p["diff"] is not None and p["diff"] < 0]
    if higher:
        text += (
            "Ils s'en inquiètent plus qu'en moyenne en France pour "
            + fr.join([f"{p['phrase']} ({fr.score10(p['france'])} en France)" for p in higher])
            + ". "
        )
    if lower:
        text += (
            "Ils s'en inquiètent moins qu'en moyenne en France pour "
            + fr.join([f"{p['phrase']} ({fr.score10(p['france'])} en France)" for p in lower])
            + ". "
        )
    if not higher and not lower:
        text += "Sur ces priorités, leur avis est proche de la moyenne nationale. "
    sig = [g for g in ctx["gaps"] if g["is_significant"] and g["gap"] is not None]
    if sig:
        under = sorted((g for g in sig if g["gap"] < 0), key=lambda g: g["gap"])
        over = sorted((g for g in sig if g["gap"] > 0), key=lambda g: -g["gap"])
        bits = []
        under, over = under[:3], over[:3]  # the largest gaps (the page after lists them all)
        if under:
            bits.append(
                fr.join([g["phrase"] for g in under])
                + " "
                + ("pèse" if len(under) == 1 else "pèsent")
                + " moins dans leur perception que dans les indicateurs"
            )
        if over:
            bits.append(
                fr.join([g["phrase"] for g in over])
                + " "
                + ("pèse" if len(over) == 1 else "pèsent")
                + " davantage dans leur perception que dans les indicateurs"
            )
        text += (
            "Par rapport aux autres régions, "
            + " ; ".join(bits)
            + (" (écarts les plus nets)" if len(sig) > len(under) + len(over) else "")
            + "."
        )
    elif ctx["territory"]["kind"] != "departement":  # a département's gaps are not tested: nothing to say
        text += "Leur perception ne s'écarte nettement des indicateurs pour aucun domaine."
    return {"title": "La perception des habitants", "text": text.strip()}


def alliances_message(ctx: dict) -> dict | None:
    devoir = ctx["devoir"]
    if devoir["estimate"] is None:
        return None
    text = (
        f"{fr.percent(devoir['estimate'])} des habitants pensent que collectivités, entreprises et associations "
        f"doivent travailler ensemble{_vs_france(devoir, fr.percent)}."
    )
    inno = [i for i in ctx["innovation"] if i["estimate"] is not None]
    if inno:
        text += " Les alliances sont une source d'innovation pour " + innovation_vs_france(inno) + "."
    return {"title": "Le devoir d'alliances", "text": text}


def innovation_vs_france(inno: list[dict]) -> str:
    """« 76 % des habitants et 89 % des maires (74 % et 85 % en France ; écart net pour les maires) »:
    each published group with France beside it, and whether the difference is significant, as the
    other key messages say it."""

    def who(i):
        return GROUP_PHRASES[i["group"]].replace("les ", "des ", 1)

    text = fr.join([f"{fr.percent(i['estimate'])} {who(i)}" for i in inno])
    if len(inno) == 1:
        return text + _vs_france(inno[0], fr.percent)
    if any(i.get("france") is None for i in inno):
        return text
    net = [i for i in inno if i.get("is_significant") and i.get("diff") is not None]
    return (
        text
        + " ("
        + fr.join([fr.percent(i["france"]) for i in inno])
        + " en France ; "
        + (
            "écart net pour " + fr.join([GROUP_PHRASES[i["group"]] for i in net])
            if net
            else "des écarts trop faibles pour être certains"
        )
        + ")"
    )


def practices_message(ctx: dict) -> dict | None:
    shown = [p for p in ctx["partnership"] if p["estimate"] is not None]
    eng = ctx["engagement"]
    parts = []
    if shown:
        parts.append(
            fr.join([f"{fr.percent(p['estimate'])} des {p['label'].lower()}" for p in shown])
            + " ont au moins un partenariat avec un autre type d'acteur ("
            + fr.join([fr.percent(p["france"]) for p in shown])
            + " en France"
            + (
                " ; écart net pour les " + fr.join([p["label"].lower() for p in shown if p["is_significant"]])
                if any(p["is_significant"] for p in shown)
                else " ; des écarts trop faibles pour être certains"
            )
            + ")."
        )
    else:
        parts.append(f"Trop peu d'organisations ont été interrogées {_in(ctx)} pour publier leurs partenariats.")
    if eng["estimate"] is not None:
        parts.append(
            f"{fr.percent(eng['estimate'])} des habitants jugent suffisant l'engagement partenarial "
            f"des acteurs{_vs_france(eng, fr.percent)}."
        )
    return {"title": "Les pratiques d'alliances", "text": " ".join(parts)}


def key_messages(ctx: dict) -> list[dict]:
    """[{title, text}] in the order of the synthesis's four questions (messages with nothing to
    say are left out), typography applied."""
    out = []
    for make in (fragility_message, perception_message, alliances_message, practices_message):
        m = make(ctx)
        if m is not None:
            out.append({"title": fr.typography(m["title"]), "text": fr.typography(m["text"])})
    return out
