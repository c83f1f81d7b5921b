"""Section 8 of a synthesis, methodology and sources: sample sizes, weighting, the index method
in plain French, the sensitivity of the ranks, sources and vintages, and a one-line provenance
(the full SHA-256 list is in the annex, reports/methodologie.pdf).
"""

from __future__ import annotations

from . import french as fr
from .report_common import GROUP_LABELS, GROUP_PARTITIVES, GROUPS, Estimates

#: How many respondents of a group, in words: (none, one, noun for two or more)
GROUP_COUNTS = {
    "habitants": ("aucun habitant", "un habitant", "habitants"),
    "associations": ("aucune association", "une association", "associations"),
    "entreprises": ("aucune entreprise", "une entreprise", "entreprises"),
    "maires": ("aucun maire", "un maire", "maires"),
}

#: What the survey pages give instead of a group's unpublished results
FRANCE_INSTEAD = "Les résultats de la France sont donnés pour comparaison là où ils éclairent la lecture."

SENSITIVITY_CHOICES = {
    "normalisation": "la normalisation des indicateurs",
    "agregation": "leur mode d'agrégation",
    "poids": "leurs poids",
    "traitement": "le traitement des valeurs extrêmes",
    "enquete": "l'erreur d'échantillonnage de l'enquête",
}


def methodology_section(
    territory: dict,
    tables: dict,
    departements: list[dict],
    catalogue: dict,
    codebook: dict,
    config: dict,
    provenance: dict,
    est: Estimates,
) -> dict:
    """The context keys of the methodology section."""
    code = territory["code"]
    domains = catalogue["domains"]
    samples = {
        g: max(
            [x["n"] for x in (est.get(g, m) for m in ("devoir_alliance", "a_partenariat", "alliance_innovation")) if x]
            or [0]
        )
        for g in GROUPS
    }
    samples_fr = {
        g: max(
            [
                x["n"]
                for x in (est.get(g, m, "FR") for m in ("devoir_alliance", "a_partenariat", "alliance_innovation"))
                if x
            ]
            or [0]
        )
        for g in GROUPS
    }
    # inhabitants: every respondent counts (the estimates exclude "ne sait pas"): from the
    # raking margins, whose categories of one variable partition the sample
    for counts, where_code in ((samples, code), (samples_fr, "FR")):
        sexe = [
            m["n"]
            for m in tables.get("raking_margins", [])
            if m["territory_code"] == where_code and m["variable"] == "sexe" and m.get("n") is not None
        ]
        if sexe:
            counts["habitants"] = int(sum(sexe))
    sources = sorted({i["source_label"] for i in catalogue["indicators"]})
    surveys = [f["label"] for f in codebook["files"]]
    return {
        "weighting": weighting_context(config, tables.get("raking_margins", []), code),
        "sensitivity_sentence": sensitivity_sentence(tables.get("sensitivity", [])),
        "france_population_text": fr.integer(sum(d["population_municipale"] for d in departements)),
        "france_communes": sum(int(d["nb_communes"]) for d in departements),
        "group_rows": [
            {"group": g, "label": GROUP_LABELS[g], "n": samples[g], "n_france": samples_fr[g]} for g in GROUPS
        ],
        "samples": samples,
        "samples_france": samples_fr,
        "samples_note": samples_note(
            territory.get("locative") or "dans le territoire",
            samples,
            int(config["survey_estimation"].get("min_n_publish", 30)),
        ),
        "method_text": method_text(config["index"], len(catalogue["indicators"]), len(domains)),
        "sources": sources,
        "surveys": surveys,
        "method": {
            "normalisation": config["index"]["normalisation"],
            "aggregation": config["index"]["aggregation"],
            "treatment": config["index"]["treatment"],
            "estimation": config["survey_estimation"],
            "weight_noise": fr.percent(config.get("uncertainty", {}).get("weight_noise", 0.25)),
        },
        "provenance": provenance,
        "fingerprint": fingerprint(provenance),
    }


def samples_note(where: str, samples: dict[str, int], min_publish: int) -> str:
    """The note that opens the survey pages when a group of the territory has fewer respondents
    than a published figure needs (a small département, an overseas region's organisations):
    how many answered, the threshold, and that France's figures stand in for theirs. Said once
    here, so that each figure left out can say it in a few words (« Trop peu d’habitants ont
    répondu en Lozère pour publier… », :mod:`impact_regions.charts.omit`). Empty when every group
    reaches the threshold."""
    few = [g for g in GROUPS if samples.get(g, 0) < min_publish]
    if not few:
        return ""

    def count(g: str) -> str:
        none, one, many = GROUP_COUNTS[g]
        n = samples.get(g, 0)
        return none if n == 0 else one if n == 1 else f"{fr.integer(n)}{fr.NBSP}{many}"

    counts = fr.join([count(g) for g in few])
    rule = f"quand il en faut au moins {min_publish} par groupe pour publier un résultat"
    if len(few) == len(GROUPS):
        return fr.typography(
            f"Trop peu de personnes ont répondu aux enquêtes {where} pour en publier les résultats : {counts}, "
            f"{rule}. {FRANCE_INSTEAD}"
        )
    return fr.typography(
        f"Trop peu {fr.join([GROUP_PARTITIVES[g] for g in few])} ont répondu aux enquêtes {where} pour "
        f"publier leurs résultats : {counts}, {rule}. {FRANCE_INSTEAD}"
    )


def fingerprint(provenance: dict) -> str:
    """A short fingerprint of the inputs, the configuration and the code (12 hex digits of the
    SHA-256 of their hashes), printed on the methodology page; the full list is in the annex."""
    import hashlib

    parts = [f["sha256"] for f in provenance.get("files", [])]
    parts += [str(provenance.get("config_sha256", "")), str(provenance.get("code_version", ""))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def weighting_context(config: dict, margins: list[dict], code: str) -> dict:
    """How the inhabitants' estimates are weighted, for the methodology section: the mode, the
    territory's Kish efficiency, and the largest gap to the population margins before and after
    raking (in points)."""
    mine = [m for m in margins if m["territory_code"] == code]
    out = {
        "mode": config.get("weighting", "given"),
        "kish": None,
        "gap_before": None,
        "gap_after": None,
        "multiple_testing": config["survey_estimation"].get("multiple_testing", "none"),
    }
    if mine:
        raked = out["mode"] == "raked"
        out["kish"] = fr.percent(mine[0]["kish_efficiency" if raked else "kish_efficiency_design"])

        def pts(x: float) -> str:  # French: "1,5 point", "2,3 points"
            return fr.number(x, 1) + fr.NBSP + ("points" if round(x, 1) >= 2 else "point")

        out["gap_before"] = pts(100 * max(abs(m["achieved_share_design"] - m["target_share"]) for m in mine))
        out["gap_after"] = pts(100 * max(abs(m["achieved_share"] - m["target_share"]) for m in mine))
    return out


def sensitivity_sentence(rows: list[dict]) -> str:
    """Which methodological choices move the regions' ranks most (total Sobol indices)."""
    rows = sorted((r for r in rows if r.get("total") is not None), key=lambda r: -r["total"])
    if len(rows) < 2:
        return ""
    a, b = rows[0], rows[1]
    return (
        f"Dans cette simulation, les déplacements de rang des régions, selon l'indice comme selon la perception "
        f"des habitants, tiennent d'abord à {SENSITIVITY_CHOICES.get(a['choice'], a['choice'])} "
        f"({fr.percent(a['total'])} de leur variance, indice de Sobol total) et à "
        f"{SENSITIVITY_CHOICES.get(b['choice'], b['choice'])} ({fr.percent(b['total'])})."
    )


def method_text(index: dict, n_indicators: int, n_domains: int) -> str:
    """The index method in plain French, for the methodology section."""
    norm = {
        "zscore": (
            "chaque indicateur est exprimé en écart à la valeur de la France, mesuré en écarts-types "
            "de la distribution des 101 départements (0 = France ; un score positif signale une situation "
            "plus fragile que la moyenne nationale)"
        ),
        "minmax": (
            "chaque indicateur est ramené sur une échelle de 1 (département le moins fragile) à 100 "
            "(département le plus fragile)"
        ),
        "ratio": "chaque indicateur est rapporté à la valeur de la France (France = 100)",
    }[index["normalisation"]]
    agg = "la moyenne arithmétique" if index["aggregation"] == "arithmetic" else "la moyenne géométrique"
    text = (
        f"Les indices reposent sur {n_indicators} indicateurs publics répartis en {n_domains} domaines : "
        f"{norm}, le sens de chaque indicateur étant orienté pour qu'une valeur élevée signale une fragilité. "
        f"Le score d'un domaine est {agg} de ses indicateurs, à poids égaux ; l'indice global est la moyenne "
        "des domaines. Les indicateurs de comptage (chômeurs, logements vacants…) sont recalculés pour chaque "
        "territoire à partir de la somme des effectifs communaux, jamais en moyennant des taux ; les valeurs "
        "publiées seulement sous forme de taux ou de médianes sont reprises telles que publiées, ou moyennées "
        "en pondérant par la population lorsque le territoire n'est pas un niveau de publication."
    )
    t = index["treatment"]
    if t["enabled"] and t.get("method", "box_cox") == "winsorise":
        text += (
            f" Conformément au manuel OCDE/JRC sur les indicateurs composites, les distributions très "
            f"asymétriques (asymétrie supérieure à {fr.number(t['skew_threshold'])} et aplatissement supérieur "
            f"à {fr.number(t['kurtosis_threshold'])}) sont traitées par écrêtement des valeurs extrêmes "
            f"(au plus {t['max_winsorised']} départements), ou à défaut par transformation logarithmique."
        )
    elif t["enabled"]:
        text += (
            f" Conformément au manuel OCDE/JRC sur les indicateurs composites, les distributions très "
            f"asymétriques (asymétrie supérieure à {fr.number(t['skew_threshold'])} et aplatissement supérieur "
            f"à {fr.number(t['kurtosis_threshold'])}) sont traitées par une transformation strictement croissante "
            "(logarithme ou puissance de Box-Cox), appliquée avec les mêmes paramètres à tous les territoires : "
            "deux territoires de valeurs différentes gardent des scores différents et dans le même ordre, sans "
            "qu'aucune valeur extrême soit ramenée à une autre."
        )
    return text
