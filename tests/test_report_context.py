"""Figures of the report context computed from small inline rows (impact_regions.report_context)."""

from __future__ import annotations

from impact_regions.report_context import rank_interval, tied_regions


def _row(code: str, domain: str, rank: int | None, p05: int | None = None, p95: int | None = None) -> dict:
    return {"territory_code": code, "domain_id": domain, "rank_among_regions": rank,
            "rank_median": rank, "rank_p05": p05 if p05 is not None else rank, "rank_p95": p95 if p95 is not None else rank}


def test_regions_sharing_a_rank_are_counted_per_domain():
    # GIVEN emploi: three regions first ex aequo (equal winsorised scores), 02 alone second;
    # santé: no tie; a département row with the same rank does not count (not a region)
    fi = [_row("01", "emploi", 1), _row("03", "emploi", 1), _row("04", "emploi", 1), _row("02", "emploi", 2),
          _row("01", "sante", 3), _row("03", "sante", 1), _row("DEP-971", "emploi", 1)]
    regions = {"01", "02", "03", "04"}
    # WHEN region 01's ties are counted
    mine = {r["domain_id"]: r for r in fi if r["territory_code"] == "01"}
    # THEN two other regions share its rank in emploi, none in santé
    assert tied_regions(fi, mine, regions, "01") == {"emploi": 2}
    # AND a custom territory ranked as a region ties with the regions of equal rank
    custom = {"emploi": _row("ALSACE", "emploi", 2)}
    assert tied_regions(fi, custom, regions, "ALSACE") == {"emploi": 1}
    # AND a missing rank ties with nothing
    assert tied_regions(fi, {"emploi": _row("05", "emploi", None)}, regions, "05") == {}


def test_rank_text_marks_ties_and_the_interval():
    # GIVEN a first rank shared with another region, its Monte Carlo interval 1-3
    r = _row("01", "emploi", 1, 1, 3)
    # THEN the printed rank says ex aequo before the interval; without a tie, it does not
    assert rank_interval(r, tied=1)["rank_text"] == "1re ex æquo (1re–3e)"
    assert rank_interval(r)["rank_text"] == "1re (1re–3e)"
    assert rank_interval(_row("01", "emploi", 4), tied=2)["rank_text"] == "4e ex æquo"
    assert rank_interval(None)["rank_text"] is None
