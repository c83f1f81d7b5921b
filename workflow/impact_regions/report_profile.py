"""Section 2 of a synthesis, the fragility profile: key figures, domain scores and ranks, the
overall index and its rank in words, the map of the départements, and the profile sentence.

Reading rules (REPORT_SPEC): a rank among the regions is said as people say it (« 7e région la
plus fragile sur 18 », and among the 13 metropolitan regions too when overseas regions come
before the territory); a département (config territories.departements) is ranked among the 101
départements instead (« 12e département le plus fragile sur 101 »), never among the regions, and
its map shows it among the départements of its region; « ex æquo » only when another region has
exactly the same stored score; the overall index prints with the decimals that tell every two
differently ranked regions (or départements) apart, one number computed over all of them
(french.decimals_apart) and printed the same in every report, the index page, its map and the
annex; the domain scores likewise, one number for every domain (the most any domain needs); a
domain resting on one indicator, or a domain missing, is said so.
"""

from __future__ import annotations

from . import french as fr
from .report_common import KEY_INDICATORS, num, ordinal
from .territories import is_plural, sentence_subject, territory_nominative

#: overseas regions (COG): Guadeloupe, Martinique, Guyane, La Réunion, Mayotte
OVERSEAS = {"01", "02", "03", "04", "06"}
#: the same five as départements (base table codes)
OVERSEAS_DEPARTEMENTS = {"DEP-971", "DEP-972", "DEP-973", "DEP-974", "DEP-976"}


def key_figures(code: str, indicator_values: list[dict], indicators: dict) -> list[dict]:
    """The key data of the profile (population aside): each indicator with its France value, and
    whether either is an approximation (`value_method` moyenne_ponderee)."""
    iv = {(r["indicator_id"], r["territory_code"]): r["value"] for r in indicator_values}
    # a value the producer does not publish at that level (a mean of the finer levels' values,
    # weighted): marked « * » here as in the indicator tables
    weighted = {
        (r["indicator_id"], r["territory_code"])
        for r in indicator_values
        if r.get("value_method") == "moyenne_ponderee"
    }
    key = []
    for iid, label, dec in KEY_INDICATORS:
        if iid not in indicators:
            continue
        unit = indicators[iid]["unit"]
        mine = num(iv.get((iid, code)))
        france = num(iv.get((iid, "FR")))
        key.append(
            {
                "id": iid,
                "label": label,
                "unit": unit,
                "value": mine,
                "france": france,
                "year": indicators[iid].get("year"),
                "text": fr.value_with_unit(mine, unit, dec),
                "france_text": fr.value_with_unit(france, unit, dec),
                "is_approximation": mine is not None and (iid, code) in weighted,
                "is_france_approximation": france is not None and (iid, "FR") in weighted,
                "source": indicators[iid]["source_label"],
            }
        )
    return key


def tied_regions(fi: list[dict], mine: dict[str, dict], region_codes: set[str], code: str) -> dict[str, int]:
    """{domain_id: number of other regions whose stored score equals the territory's} (only
    domains with a tie). Equal ranks are not enough: a custom territory is ranked as if it were a
    region and shares its rank number with the region just below it without being tied."""
    tied: dict[str, int] = {}
    for r in fi:
        own = mine.get(r["domain_id"])
        if (
            r["territory_code"] in region_codes
            and r["territory_code"] != code
            and own is not None
            and own["score"] is not None
            and r["score"] is not None
            and r["score"] == own["score"]
        ):
            tied[r["domain_id"]] = tied.get(r["domain_id"], 0) + 1
    return tied


def rank_interval(r: dict | None, tied: int = 0) -> dict:
    """The Monte Carlo rank of a domain among the regions (median, 5 % and 95 % quantiles) and its
    printed form, `3e (2e-6e)`, or just `3e` when every draw gives the same rank; `1re ex æquo`
    when `tied` other regions share the score."""
    if r is None or r.get("rank_median") is None or r.get("rank_among_regions") is None:
        return {"rank_median": None, "rank_p05": None, "rank_p95": None, "rank_text": None}
    lo, hi, rank = int(r["rank_p05"]), int(r["rank_p95"]), int(r["rank_among_regions"])
    text = (
        ordinal(rank, feminine=True)
        + (" ex æquo" if tied else "")
        + ("" if lo == hi else f" ({ordinal(lo, feminine=True)}–{ordinal(hi, feminine=True)})")
    )
    return {"rank_median": num(r["rank_median"]), "rank_p05": lo, "rank_p95": hi, "rank_text": text}


def departement_rank(r: dict | None, tied: int = 0) -> dict:
    """A département's rank for a domain among the 101 départements, as the profile chart prints
    it (`12e`, `1er ex æquo`): the Monte Carlo intervals are computed for the regions only, so the
    interval keys are None."""
    rank = None if r is None else r.get("rank_among_departements")
    text = None if rank is None else ordinal(int(rank)) + (" ex æquo" if tied else "")
    return {"rank_median": None, "rank_p05": None, "rank_p95": None, "rank_text": text}


def distinct_decimals(value: float, others: list[float], decimals: int = 1, most: int = 3) -> int:
    """The fewest decimals (from `decimals` up to `most`) at which `value` prints differently
    from every different value of `others`: two regions never print « +1,4 » and « +1,4 » while
    ranking 2nd and 3rd."""
    for d in range(decimals, most + 1):
        printed = fr.number(value, d, signed=True)
        if not any(o != value and fr.number(o, d, signed=True) == printed for o in others):
            return d
    return most


def rank_words(rank: int, n: int, metro: tuple[int, int] | None, custom: bool, plural: bool = False) -> str:
    """« est la 7e région la plus fragile sur 18 (2e des 13 régions métropolitaines) » (« sont… »
    after a plural subject such as « Les Hauts-de-France »)."""
    if rank == 1:
        text = f"la région la plus fragile des {n}"
    elif rank == n:
        text = f"la région la moins fragile des {n}"
    else:
        text = f"la {ordinal(rank, feminine=True)} région la plus fragile sur {n}"
    if metro is not None:
        m, n_metro = metro
        text += f" ({ordinal(m, feminine=True)} des {n_metro} régions métropolitaines)"
    return ("serait " if custom else "sont " if plural else "est ") + text


def departement_rank_words(rank: int, n: int, metro: tuple[int, int] | None, plural: bool = False) -> str:
    """« est le 12e département le plus fragile sur 101 (10e des 96 départements métropolitains) »:
    a département is ranked among the départements only, never among the regions."""
    if rank == 1:
        text = f"le département le plus fragile des {n}"
    elif rank == n:
        text = f"le département le moins fragile des {n}"
    else:
        text = f"le {ordinal(rank)} département le plus fragile sur {n}"
    if metro is not None:
        text += f" ({ordinal(metro[0])} des {metro[1]} départements métropolitains)"
    return ("sont " if plural else "est ") + text


def metro_rank(
    fi: list[dict], code: str, score: float | None, region_codes: set[str], overseas: set[str] = OVERSEAS
) -> tuple[int, int] | None:
    """(rank, number) of a metropolitan territory's overall index among the metropolitan regions
    (or, with `region_codes` the départements and `overseas` OVERSEAS_DEPARTEMENTS, among the
    metropolitan départements), when at least one overseas one is more fragile than it (else the
    rank says it already)."""
    if score is None or code in overseas:
        return None
    overall = {
        r["territory_code"]: r["score"]
        for r in fi
        if r["domain_id"] == "ensemble"
        and r["score"] is not None
        and r["territory_code"] in region_codes
        and r["territory_code"] != code
    }
    if not any(s > score for c, s in overall.items() if c in overseas):
        return None
    metro = {c: s for c, s in overall.items() if c not in overseas}
    # a region is not among `overall` (the others); a custom territory is ranked as if it were one
    return 1 + sum(s > score for s in metro.values()), len(metro) + (1 if code in region_codes else 0)


def profile_sentence(where: str, domains: list[dict]) -> str:
    """The domains where the index stands out most against France, in tiers: '… d'abord X et Y,
    puis Z …', then those clearly below France."""
    positive = [d for d in domains if d["score"] is not None and d["score"] > 0]
    if not positive:
        return (
            f"{where[0].upper() + where[1:]}, aucun domaine ne présente un indice de fragilité supérieur "
            "à celui de la France."
        )
    top = positive[0]["score"]
    first = [d for d in positive if d["score"] >= top - 0.5][:3]
    rest = [d for d in positive if d not in first and d["score"] >= 0.25][:6]
    text = (
        f"{where[0].upper() + where[1:]}, les fragilités les plus marquées par rapport à la France "
        f"concernent d'abord {fr.join([d['phrase'] for d in first])}"
    )
    if rest:
        by_family: list[list[dict]] = []
        economic = [d for d in rest if d["family"] == "économique"]
        for d in rest:  # the economic domains are named together, where the first of them comes;
            # other consecutive domains of the same family too
            if d["family"] == "économique" and len(economic) >= 2:
                if d is economic[0]:
                    by_family.append(economic)
            elif by_family and by_family[-1][0]["family"] == d["family"] and d["family"] != "économique":
                by_family[-1].append(d)
            else:
                by_family.append([d])
        economic_first = any(d["family"] == "économique" for d in first)
        parts = []
        for fam in by_family:
            if len(fam) >= 2 and fam[0]["family"] == "économique":
                head = "les autres questions économiques" if economic_first else "les questions économiques"
                parts.append(f"{head} ({fr.join([d['label'].lower() for d in fam])})")
            else:
                parts.extend(d["phrase"] for d in fam)
        text += f", puis {fr.join(parts)}"
    text += "."
    low = [d for d in domains if d["score"] is not None and d["score"] < -0.25][-3:]
    if low:
        text += (
            f" À l'inverse, le territoire est moins fragile que la France pour "
            f"{fr.join([d['phrase'] for d in reversed(low)])}."
        )
    return text


def profile_section(territory: dict, tables: dict, departements: list[dict], catalogue: dict) -> dict:
    """The context keys of the profile section (see the module docstring)."""
    code = territory["code"]
    domains = {d["id"]: d for d in catalogue["domains"]}
    indicators = {i["id"]: i for i in catalogue["indicators"]}
    dep_names = {d["code_departement"]: d["nom_departement"] for d in departements}
    fi = tables["fragility_indices"]
    mine = {r["domain_id"]: r for r in fi if r["territory_code"] == code}
    region_codes = {r["territory_code"] for r in tables["territories"] if r["kind"] == "region"}
    n_regions = len(region_codes)
    # a département is ranked among the départements (its peers), any other territory among the regions
    departement = territory["kind"] == "departement"
    peers = (
        {r["territory_code"] for r in tables["territories"] if r["kind"] == "departement"}
        if departement
        else region_codes
    )
    rank_column = "rank_among_departements" if departement else "rank_among_regions"
    tied = tied_regions(fi, mine, peers, code)
    by_domain: dict[str, list[float]] = {}  # every peer's score of each domain, for its decimals
    for r in fi:
        if r["territory_code"] in peers and r["score"] is not None:
            by_domain.setdefault(r["domain_id"], []).append(r["score"])

    def decimals_of(did: str, own: float | None) -> int:
        """The decimals of a domain (or of the overall index, `ensemble`): those that tell every
        two different peers apart, the same in every report; a custom territory takes one more
        where its own value would print like a region's."""
        d = fr.decimals_apart(by_domain.get(did, []))
        if own is not None and code not in peers:
            d = max(d, distinct_decimals(own, by_domain.get(did, [])))
        return d

    profile = []
    for did, d in domains.items():
        r = mine.get(did)
        profile.append(
            {
                "domain_id": did,
                "label": d["label"],
                "phrase": d["phrase"],
                "family": d["family"],
                "score": num(r["score"]) if r is not None else None,
                "rank": num(r.get(rank_column)) if r is not None else None,
                "tied": tied.get(did, 0),
                "decimals": decimals_of(did, num(r["score"]) if r is not None else None),
                **(departement_rank(r, tied.get(did, 0)) if departement else rank_interval(r, tied.get(did, 0))),
                "n_indicators": int(r["n_indicators"]) if r is not None and r["score"] is not None else 0,
            }
        )
    profile.sort(key=lambda d: -(d["score"] if d["score"] is not None else -1e9))
    # one number of decimals for every domain score (those the most demanding domain needs): a
    # sentence or a chart never mixes +3,36 and +3,316
    domain_decimals = max((d["decimals"] for d in profile), default=1)
    for d in profile:
        d["decimals"] = domain_decimals
    dep_codes = {"DEP-" + c for c in territory["departements"]}
    if departement:  # the map shows the département among those of its region, outlined
        region = {d["code_departement"]: d["code_region"] for d in departements}[territory["departements"][0]]
        dep_codes = {"DEP-" + d["code_departement"] for d in departements if d["code_region"] == region}
    dep_map = [
        {
            "code": r["territory_code"].removeprefix("DEP-"),
            "name": dep_names[r["territory_code"].removeprefix("DEP-")],
            "score": num(r["score"]),
            **({"highlight": r["territory_code"] == code} if departement else {}),
        }
        for r in fi
        if r["territory_code"] in dep_codes and r["domain_id"] == "ensemble"
    ]

    overall = mine.get("ensemble")
    score = num(overall["score"]) if overall is not None else None
    rank = int(overall[rank_column]) if overall is not None and overall.get(rank_column) else None
    # one number of decimals for the whole peer set (fr.decimals_apart), the same in every report,
    # the index page, its map and the annex
    decimals = decimals_of("ensemble", score)
    tie = " ex æquo" if tied.get("ensemble") else ""
    custom = territory["kind"] == "custom"
    scored = [d for d in profile if d["score"] is not None]
    missing = [d for d in profile if d["score"] is None]
    single = [d for d in scored if d["n_indicators"] == 1]
    basis = f"indice calculé sur {len(scored)} domaines"
    if missing:
        basis += (
            f" : {fr.join([d['phrase'] for d in missing])} "
            + ("n’est" if len(missing) == 1 else "ne sont")
            + " pas mesuré"
            + ("s" if len(missing) > 1 else "")
            + " faute de données"
        )
    if rank and departement:
        nominative = territory_nominative(territory)
        metro = metro_rank(fi, code, score, peers, OVERSEAS_DEPARTEMENTS)
        rank_sentence = (
            fr.typography(sentence_subject(nominative))
            + " "
            + departement_rank_words(rank, len(peers), metro, is_plural(nominative))
            + f"{tie}."
        )
        rank_text = f"{ordinal(rank)}{tie} sur {len(peers)}"
    elif rank:
        metro = metro_rank(fi, code, score, region_codes)
        nominative = territory_nominative(territory)
        subject = "S’il était une région, le territoire" if custom else fr.typography(sentence_subject(nominative))
        rank_sentence = f"{subject} {rank_words(rank, n_regions, metro, custom, is_plural(nominative))}{tie}."
        rank_text = f"{ordinal(rank, feminine=True)}{tie} sur {n_regions}"
    else:
        rank_sentence, rank_text = "", fr.MISSING
    overall_sentence = (
        f"Indice global de fragilité : {fr.number(score, decimals, signed=True)} "
        f"(0 = France ; un indice positif signale une situation plus fragile ; {basis}). " + rank_sentence
    )
    if overall is not None and overall["rank_p05"] is not None and overall["rank_p05"] != overall["rank_p95"]:
        overall_sentence += (
            f" Selon les choix de méthode, ce rang peut varier du {ordinal(int(overall['rank_p05']))} "
            f"au {ordinal(int(overall['rank_p95']))}."
        )
    single_note = ""
    if single:
        single_note = (
            "Domaine"
            + ("s" if len(single) > 1 else "")
            + " mesuré"
            + ("s" if len(single) > 1 else "")
            + " par un seul indicateur : "
            + fr.join([d["label"].lower() for d in single])
            + "."
        )
    extra = {"n_departements_ranked": len(peers)} if departement else {}  # the chart's "parmi les 101"
    return {
        **extra,
        "key_figures": key_figures(code, tables["indicator_values"], indicators),
        "n_regions": n_regions,
        "profile": profile,
        "profile_sentence": profile_sentence(territory["locative"], profile),
        "overall": {
            "score": score,
            "rank": rank,
            "decimals": decimals,
            "n_domains": len(scored),
            # said wherever the index is printed when a domain is not measured (Mayotte)
            "partial": f"calculé sur {len(scored)} domaines" if missing and scored else "",
            "rank_words": rank_sentence,
        },
        "overall_rank_text": rank_text,
        "overall_sentence": overall_sentence,
        "profile_note": single_note,
        "departements_map": dep_map,
    }
