"""Figures of the report context computed from small inline rows (impact_regions.report_context)."""

from __future__ import annotations

from impact_regions.report_profile import distinct_decimals, metro_rank, rank_interval, rank_words, tied_regions


def _row(
    code: str, domain: str, rank: int | None, p05: int | None = None, p95: int | None = None, score: float | None = None
) -> dict:
    return {
        "territory_code": code,
        "domain_id": domain,
        "rank_among_regions": rank,
        "score": score,
        "rank_median": rank,
        "rank_p05": p05 if p05 is not None else rank,
        "rank_p95": p95 if p95 is not None else rank,
    }


def test_only_equal_scores_are_ties():
    # GIVEN emploi: three regions with the same stored score (1.5), 02 second; santé: no equal
    # score; a département with the same score does not count (not a region)
    fi = [
        _row("01", "emploi", 1, score=1.5),
        _row("03", "emploi", 1, score=1.5),
        _row("04", "emploi", 1, score=1.5),
        _row("02", "emploi", 2, score=0.9),
        _row("01", "sante", 3, score=0.2),
        _row("03", "sante", 1, score=0.8),
        _row("DEP-971", "emploi", 1, score=1.5),
    ]
    regions = {"01", "02", "03", "04"}
    # WHEN region 01's ties are counted
    mine = {r["domain_id"]: r for r in fi if r["territory_code"] == "01"}
    # THEN two other regions share its score in emploi, none in santé
    assert tied_regions(fi, mine, regions, "01") == {"emploi": 2}
    # AND a custom territory ranked as a region shares a rank number with 02 but is not tied to it
    assert tied_regions(fi, {"emploi": _row("ALSACE", "emploi", 2, score=0.85)}, regions, "ALSACE") == {}
    # AND it is tied when its score is exactly a region's
    assert tied_regions(fi, {"emploi": _row("ALSACE", "emploi", 2, score=0.9)}, regions, "ALSACE") == {"emploi": 1}
    # AND a missing score ties with nothing
    assert tied_regions(fi, {"emploi": _row("05", "emploi", None)}, regions, "05") == {}


def test_values_that_print_alike_but_differ_get_one_more_decimal():
    # GIVEN 1.351 and 1.352 (+1,4 and +1,35 both ways), Corse 0.2
    # THEN 1.351 needs three decimals to print differently (+1,351)
    assert distinct_decimals(1.351, [1.351, 1.352, 0.2]) == 3
    # AND 1.36 beside 1.44 (both +1,4) needs two (+1,36)
    assert distinct_decimals(1.36, [1.36, 1.44]) == 2
    # AND a value far from the others keeps one decimal; an equal value is not "different"
    assert distinct_decimals(0.2, [1.351, 0.2]) == 1


def test_ranks_are_said_as_people_say_them():
    assert rank_words(7, 18, None, custom=False) == "est la 7e région la plus fragile sur 18"
    assert rank_words(1, 18, None, custom=False) == "est la région la plus fragile des 18"
    assert rank_words(18, 18, None, custom=False) == "est la région la moins fragile des 18"
    assert rank_words(9, 18, (4, 13), custom=True) == (
        "serait la 9e région la plus fragile sur 18 (4e des 13 régions métropolitaines)"
    )


def test_metropolitan_rank_only_when_overseas_regions_come_first():
    # GIVEN two overseas regions above a metropolitan one (93), and 11 below... a small set
    fi = [
        {"territory_code": c, "domain_id": "ensemble", "score": s}
        for c, s in [("01", 1.2), ("03", 2.0), ("93", 0.3), ("32", 0.5), ("53", -0.4)]
    ]
    regions = {"01", "03", "93", "32", "53"}
    # THEN PACA (93) is 2nd of the 3 metropolitan regions
    assert metro_rank(fi, "93", 0.3, regions) == (2, 3)
    # AND an overseas region, or a metropolitan region above every overseas one, gets none
    assert metro_rank(fi, "03", 2.0, regions) is None
    fi2 = [r for r in fi if r["territory_code"] != "03"] + [
        {"territory_code": "03", "domain_id": "ensemble", "score": 0.1}
    ]
    assert metro_rank([r for r in fi2 if r["territory_code"] != "01"], "93", 0.3, regions - {"01"}) is None
    # AND a custom territory is ranked as if it were a region (« 3e des 3 », as « 14e sur 18 »)
    assert metro_rank(fi, "ALSACE", 0.0, regions) == (3, 3)


def test_rank_text_marks_ties_and_the_interval():
    # GIVEN a first rank shared with another region, its Monte Carlo interval 1-3
    r = _row("01", "emploi", 1, 1, 3)
    # THEN the printed rank says ex aequo before the interval; without a tie, it does not
    assert rank_interval(r, tied=1)["rank_text"] == "1re ex æquo (1re–3e)"
    assert rank_interval(r)["rank_text"] == "1re (1re–3e)"
    assert rank_interval(_row("01", "emploi", 4), tied=2)["rank_text"] == "4e ex æquo"
    assert rank_interval(None)["rank_text"] is None


# ------------------------------------------------------------------------------------------------
# the two readings of the perception gap: rank differences inside the territory, then their check
# ------------------------------------------------------------------------------------------------


def _gap(
    did: str,
    rank_obj: int | None,
    rank_perc: int | None,
    gap: float | None,
    significant: bool,
    objective: float | None = 0.5,
) -> dict:
    return {
        "domain_id": did,
        "phrase": f"le domaine {did}",
        "rank_objective": rank_obj,
        "rank_perceived": rank_perc,
        "objective": objective,
        "gap": gap,
        "is_significant": significant,
    }


def _eight(sig_a: bool, sig_z: bool) -> list[dict]:
    # a: 1st by the index, 8th priority (under); z: 1st priority, 8th by the index (over)
    return [_gap("a", 1, 8, -1.0, sig_a), _gap("z", 8, 1, 1.2, sig_z, objective=-0.4)] + [
        _gap(c, i, i, 0.1, False) for i, c in zip(range(2, 8), "bcdefg", strict=True)
    ]


CERTAIN = ("préoccupe", "davantage", "écart net", "sans être")


def test_rank_sentence_compares_rankings_without_certainty_and_the_next_one_checks_them():
    from impact_regions.report_perception import gap_sentence, gap_significance_sentence

    # GIVEN a domain first by the index but last as a priority, one the reverse, no gap significant
    gaps = _eight(False, False)
    # WHEN the two sentences are written
    ranks, check = gap_sentence(gaps, 0.2), gap_significance_sentence(gaps)
    # THEN the first says it compares rankings inside the territory and names both domains,
    # with no wording of a certain difference
    assert ranks.startswith("Classés au sein du territoire")
    assert "le domaine a (1er sur 8 selon les indicateurs, 8e priorité des habitants)" in ranks
    assert "le domaine z (1re priorité des habitants, 8e sur 8 selon les indicateurs)" in ranks
    assert not any(w in ranks for w in CERTAIN), ranks
    # AND the second reads as the check of those differences: none is confirmed
    assert check.startswith(
        "Ces différences de classement ne se confirment pas une fois prises en compte les marges d'erreur"
    )
    assert "aucun domaine ne montre d'écart net" in check


def test_significance_sentence_names_the_confirmed_rank_differences_only():
    from impact_regions.report_perception import gap_significance_sentence

    # GIVEN the same two rank differences, only a's gap significant (and in its direction)
    check = gap_significance_sentence(_eight(True, False))
    # THEN only a is said confirmed, then the count of significant gaps follows
    assert "seule la différence de classement concernant le domaine a se confirme" in check
    assert "le domaine z se confirme" not in check
    assert "Au total, 1 domaine sur 8 montre un écart net" in check
    # AND when both are significant, both differences are confirmed
    assert gap_significance_sentence(_eight(True, True)).startswith("Ces différences de classement se confirment")
    # AND a significant gap in the other direction does not confirm a rank difference
    gaps = _eight(False, False)
    gaps[0].update(gap=0.9, is_significant=True)
    assert gap_significance_sentence(gaps).startswith("Ces différences de classement ne se confirment pas")
    # AND without any rank difference the sentence keeps its plain form
    flat = [_gap(c, i, i, 0.1, False) for i, c in zip(range(1, 9), "abcdefgh", strict=True)]
    assert gap_significance_sentence(flat).startswith("Une fois prises en compte les marges d'erreur")


def test_priority_ranks_count_every_domain_the_inhabitants_rated():
    from impact_regions.report_perception import priority_ranks

    # GIVEN niveau de vie rated 2nd by the inhabitants but without an objective index, a domain
    # whose estimate is suppressed, and two domains with the same estimate (ordered by label)
    perceived = [
        {"domain_id": "emploi", "label": "Emploi", "estimate": 7.1},
        {"domain_id": "niveau_de_vie", "label": "Niveau de vie", "estimate": 6.7},
        {"domain_id": "securite", "label": "Sécurité", "estimate": 6.4},
        {"domain_id": "sante", "label": "Accès aux soins", "estimate": None},
        {"domain_id": "logement", "label": "Mal-logement", "estimate": 5.8},
        {"domain_id": "culture", "label": "Culture", "estimate": 5.8},
    ]
    # WHEN the priorities are ranked
    ranks = priority_ranks(perceived)
    # THEN they follow the perceived chart's order over every rated domain: sécurité is 3rd
    assert ranks == {"emploi": 1, "niveau_de_vie": 2, "securite": 3, "culture": 4, "logement": 5}


# ------------------------------------------------------------------------------------------------
# territory names as subjects, « Seuls »
# ------------------------------------------------------------------------------------------------


def test_territory_subject_has_its_article_and_its_verb_agrees():
    from impact_regions.territories import is_plural, nominative_of, sentence_subject, territory_nominative

    # GIVEN the genitives of the region files
    cases = {
        "de la Corse": "La Corse",
        "de l'Occitanie": "L'Occitanie",
        "de l’Île-de-France": "L’Île-de-France",
        "du Grand Est": "Le Grand Est",
        "des Hauts-de-France": "Les Hauts-de-France",
        "de Mayotte": "Mayotte",
        "de La Réunion": "La Réunion",
        "d'Auvergne-Rhône-Alpes": "Auvergne-Rhône-Alpes",
        "de Provence-Alpes-Côte d'Azur": "Provence-Alpes-Côte d'Azur",
    }
    # THEN the subject is derived from them, capitalised at the start of a sentence
    for genitive, expected in cases.items():
        assert sentence_subject(nominative_of(genitive)) == expected, genitive
    # AND an explicit `nominative` wins over the derivation
    assert territory_nominative({"genitive": "de X", "nominative": "le pays de X"}) == "le pays de X"
    # AND a plural name takes a plural verb
    assert is_plural("les Pays de la Loire") and not is_plural("la Corse")
    assert rank_words(3, 18, None, custom=False, plural=True) == "sont la 3e région la plus fragile sur 18"


def test_config_derives_the_nominative_of_every_region_file():
    import yaml
    from workdirs import ROOT

    from impact_regions.territories import nominative_of

    # GIVEN the shipped region files WHEN their subject form is derived from their genitive
    names = {}
    for f in sorted((ROOT / "config" / "regions").glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        names[f.stem] = data.get("nominative") or nominative_of(data.get("genitive", "de " + data["name"]))
    # THEN the names that take an article have it
    assert names["corse"] == "la Corse" and names["occitanie"] == "l'Occitanie"
    assert names["grand-est"] == "le Grand Est" and names["hauts-de-france"] == "les Hauts-de-France"
    assert names["mayotte"] == "Mayotte" and names["la-reunion"] == "La Réunion"
    assert names["alsace"] == "l'Alsace" and names["pays-de-la-loire"] == "les Pays de la Loire"


def test_seuls_only_for_a_share_significantly_below_france():
    from impact_regions.report_actors import engagement_sentence_of

    t = {"genitive": "de la Corse"}
    # GIVEN 29 % against 31 % in France, not significant
    close = {"estimate": 0.29, "france": 0.31, "is_significant": False, "diff": -0.02}
    # THEN no « Seuls »
    assert engagement_sentence_of(close, t).startswith("29")
    # AND with a significant gap below France, « Seuls »
    low = {**close, "is_significant": True}
    assert engagement_sentence_of(low, t).startswith("Seuls 29")
    # AND never for a share above France's
    assert engagement_sentence_of(
        {"estimate": 0.33, "france": 0.31, "is_significant": True, "diff": 0.02}, t
    ).startswith("33")


def test_first_message_agrees_with_a_plural_territory():
    from impact_regions.report_essentiel import fragility_message

    # GIVEN les Hauts-de-France, whose rank sentence has a plural subject
    ctx = {
        "territory": {"kind": "region", "nominative": "les Hauts-de-France"},
        "overall": {
            "score": 0.4,
            "decimals": 1,
            "rank_words": "Les Hauts-de-France sont la 3e région la plus fragile sur 18.",
        },
        "profile": [{"phrase": "la pauvreté", "score": 1.2}],
    }
    # WHEN the first key message is written THEN its possessives agree (« Leur », « Leurs »)
    text = fragility_message(ctx)["text"]
    assert "Leur indice global de fragilité est de +0,4" in text and "Leurs fragilités les plus marquées" in text
    # AND a singular subject keeps « Son » / « Ses »
    ctx["territory"]["nominative"] = "la Corse"
    text = fragility_message(ctx)["text"]
    assert "Son indice global" in text and "Ses fragilités" in text


def test_a_priority_rank_follows_the_printed_notes_and_says_ex_aequo():
    from impact_regions.report_perception import gap_sentence, priority_text

    # GIVEN three domains whose notes print 6,2 (6.21, 6.18, 6.24) and one at 5,9
    gaps = [_gap(c, i, r, 0.1, False) for i, (c, r) in enumerate(zip("abcd", [2, 3, 1, 4], strict=True), 1)]
    for g, v in zip(gaps, [6.21, 6.18, 6.24, 5.9], strict=True):
        g["perceived"] = v
    # WHEN their priority is written
    texts = [priority_text(g, gaps) for g in gaps]
    # THEN the three tied are each « 1re priorité des habitants ex æquo » and the fourth is 4e, alone
    assert texts[:3] == ["1re priorité des habitants ex æquo"] * 3
    assert texts[3] == "4e priorité des habitants"
    # AND the rank sentence prints it so (a: 1st by the index, and a priority tied with two others)
    eight = _eight(False, False)
    for g, v in zip(eight, [5.0, 7.0, 6.0, 6.0, 5.5, 5.4, 5.3, 5.2], strict=True):
        g["perceived"] = v
    assert "le domaine z (1re priorité des habitants, 8e sur 8" in gap_sentence(eight, 0.2)
    assert "le domaine a (1er sur 8 selon les indicateurs, 8e priorité des habitants)" in gap_sentence(eight, 0.2)


def test_net_gaps_after_unconfirmed_rank_differences_read_as_a_contrast():
    from impact_regions.report_perception import gap_significance_sentence

    # GIVEN the two rank differences unconfirmed, but a third domain's gap significant (under)
    gaps = _eight(False, False)
    gaps[2].update(gap=-0.8, is_significant=True, phrase="la culture")
    # WHEN the check is written
    text = gap_significance_sentence(gaps)
    # THEN « En revanche » links the unconfirmed ranks to the net gap, and the domain takes its article
    assert "ne se confirment pas une fois prises en compte les marges d'erreur de l'enquête et de l'indice. En " in text
    assert "En revanche, 1 domaine sur 8 montre un écart net" in text
    assert "les habitants s'inquiètent moins de la culture que ne le laissent attendre les indicateurs" in text
    # AND an over-perceived one « davantage du … »
    gaps[2].update(gap=0.8, phrase="le numérique")
    assert "s'inquiètent davantage du numérique que ne l'indiquent les indicateurs" in gap_significance_sentence(gaps)


def test_the_groups_sentence_keeps_ties_names_missing_groups_and_says_what_shared_means():
    from impact_regions.report_actors import groups_sentence_of

    # GIVEN three domains, the inhabitants and the associations published, the others not
    domains = {d: {"id": d, "phrase": f"le domaine {d}"} for d in "abcd"}

    def pair(v):
        return {"estimate": v, "france": 5.0, "reliability": "fiable"}

    none = {d: pair(None) for d in domains}
    by_group = {
        "habitants": {"a": pair(6.5), "b": pair(6.0), "c": pair(5.5), "d": pair(4.0)},
        # b 6,1 and c 6,1 print the same: both are « en tête » with a
        "associations": {"a": pair(6.4), "b": pair(6.12), "c": pair(6.08), "d": pair(5.0)},
        "entreprises": none,
        "maires": none,
    }
    # WHEN the sentence is written
    text = groups_sentence_of(by_group, domains)
    # THEN what is shared is said exactly, ties are kept, and the groups left out are named
    assert text.startswith("Le domaine a, le domaine b et le domaine c figurent parmi les trois premières priorités")
    assert "les responsables associatifs placent en tête le domaine a, le domaine b et le domaine c" in text.lower()
    assert "Trop peu d’entreprises et de maires ont répondu pour que leurs priorités soient comparées." in text


def test_prudence_is_said_once_when_several_figures_of_a_sentence_call_for_it():
    from impact_regions.report_actors import innovation_sentence_of, partnership_sentence_of

    def item(group, label, estimate, reliability):
        return {"group": group, "label": label, "estimate": estimate, "france": 0.8, "reliability": reliability}

    # GIVEN the organisations' figures flagged « prudence », the inhabitants' not
    items = [
        item("habitants", "Habitants", 0.76, "fiable"),
        item("associations", "Associations", 0.84, "prudence"),
        item("entreprises", "Entreprises", 0.84, "prudence"),
        item("maires", "Maires", 0.86, "prudence"),
    ]
    # WHEN the innovation and partnership sentences are written
    innovation = innovation_sentence_of(items)
    partnership = partnership_sentence_of(items[1:], "en Corse")
    # THEN the caution is said once, after the sentence, naming the groups
    assert innovation.count("à interpréter avec prudence") == 1
    assert innovation.endswith(
        "Les estimations des responsables associatifs, des dirigeants d'entreprise et des maires sont à "
        "interpréter avec prudence (effectifs réduits)."
    )
    assert partnership.count("à interpréter avec prudence") == 1
    assert partnership.endswith(
        "Les parts des associations, des entreprises et des maires sont à interpréter avec prudence "
        "(effectifs réduits)."
    )
    # AND a single flagged figure keeps its own mark, with no closing sentence
    one = innovation_sentence_of([items[0], items[1]])
    assert one.count("à interpréter avec prudence") == 1 and "(effectifs réduits)" not in one


def test_key_figures_mark_the_values_the_producer_does_not_publish_at_that_level():
    from impact_regions.report_profile import key_figures

    # GIVEN the poverty rate published for the region, and for France a weighted mean of regions
    indicators = {"taux_pauvrete": {"unit": "%", "year": 2017, "source_label": "INSEE-DGFiP, Filosofi 2017"}}
    rows = [
        {"indicator_id": "taux_pauvrete", "territory_code": "93", "value": 17.2, "value_method": "publiee"},
        {"indicator_id": "taux_pauvrete", "territory_code": "FR", "value": 15.3, "value_method": "moyenne_ponderee"},
    ]
    # WHEN the key figures are built
    (row,) = key_figures("93", rows, indicators)
    # THEN France's value is flagged as an approximation, the region's is not
    assert (row["is_approximation"], row["is_france_approximation"]) == (False, True)
    assert row["text"] == "17,2\u00a0%" and row["france_text"] == "15,3\u00a0%"
