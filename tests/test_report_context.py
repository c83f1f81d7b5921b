"""Figures of the report context computed from small inline rows (impact_regions.report_context)."""

from __future__ import annotations

from impact_regions.report_profile import distinct_decimals, metro_rank, rank_interval, rank_words, tied_regions


def _row(code: str, domain: str, rank: int | None, p05: int | None = None, p95: int | None = None,
         score: float | None = None) -> dict:
    return {"territory_code": code, "domain_id": domain, "rank_among_regions": rank, "score": score,
            "rank_median": rank, "rank_p05": p05 if p05 is not None else rank, "rank_p95": p95 if p95 is not None else rank}


def test_only_equal_scores_are_ties():
    # GIVEN emploi: three regions with the same stored score (1.5), 02 second; santé: no equal
    # score; a département with the same score does not count (not a region)
    fi = [_row("01", "emploi", 1, score=1.5), _row("03", "emploi", 1, score=1.5), _row("04", "emploi", 1, score=1.5),
          _row("02", "emploi", 2, score=0.9), _row("01", "sante", 3, score=0.2), _row("03", "sante", 1, score=0.8),
          _row("DEP-971", "emploi", 1, score=1.5)]
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
        "serait la 9e région la plus fragile sur 18 (4e des 13 régions métropolitaines)")


def test_metropolitan_rank_only_when_overseas_regions_come_first():
    # GIVEN two overseas regions above a metropolitan one (93), and 11 below... a small set
    fi = [{"territory_code": c, "domain_id": "ensemble", "score": s}
          for c, s in [("01", 1.2), ("03", 2.0), ("93", 0.3), ("32", 0.5), ("53", -0.4)]]
    regions = {"01", "03", "93", "32", "53"}
    # THEN PACA (93) is 2nd of the 3 metropolitan regions
    assert metro_rank(fi, "93", 0.3, regions) == (2, 3)
    # AND an overseas region, or a metropolitan region above every overseas one, gets none
    assert metro_rank(fi, "03", 2.0, regions) is None
    fi2 = [r for r in fi if r["territory_code"] != "03"] + [{"territory_code": "03", "domain_id": "ensemble",
                                                            "score": 0.1}]
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
