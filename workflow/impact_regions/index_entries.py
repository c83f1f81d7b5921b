"""The rows and the header of the index page, from the files each report's jobs already wrote.

A row of `reports/index.html` shows, before the PDF is opened, the figures a reader looks for
first: the overall index and its rank among the regions, the domains that stand out most against
France, and the share of inhabitants for whom alliances are a duty. They are read from the
report's own `context.json` (the numbers its sentences and charts are made from), so that the
page and the PDFs can never disagree; the page count and size come from the PDF job's facts.
"""

from __future__ import annotations

from datetime import date

from . import french

__all__ = ["index_entry", "index_header", "vintage_texts", "edition_date", "french_date", "TOP_DOMAINS"]

TOP_DOMAINS = 3  # domains named per row: the essentiel's "fragilités les plus marquées"


def french_date(day: date) -> str:
    """`4 décembre 2026`, `1er janvier 2025` (the French ordinal for the first of the month)."""
    return f"{french.day_of_month(day.day)}\u00a0{french.MONTHS[day.month - 1]} {day.year}"


def edition_date(data_dates: list[date], code_date: str | None) -> date:
    """The edition date of a build: the newest of its data's dates and its code's commit date.

    Both come from the inputs (31 December of each vintage, the COG edition, `git log` of the
    checked-out commit), never from the clock: two builds of the same data and code print the same
    date, and a new vintage or a new version of the code moves it."""
    dates = list(data_dates)
    if code_date:
        dates.append(date.fromisoformat(code_date))
    return max(dates)


def _years(years: set[int]) -> str:
    """`2017`, `2015 et 2017`, `2015 à 2017`."""
    ys = sorted(years)
    if not ys:
        return "non précisé"
    if len(ys) == 1:
        return str(ys[0])
    if len(ys) == 2:
        return f"{ys[0]} et {ys[1]}"
    return f"{ys[0]} à {ys[-1]}"


def vintage_texts(contexts: list[dict]) -> dict:
    """The vintages of a run, as the page header prints them: `{"indicators": "2017",
    "surveys": "2019", "indicator_years": {2017}, "survey_years": {2019}}`, from the years of every
    indicator printed in the reports and the surveys' fieldwork year."""
    indicator_years, survey_years = set(), set()
    for ctx in contexts:
        survey_years.add(int(ctx["survey_year"]))
        for family in ctx["indicator_table"]:
            for domain in family["domains"]:
                indicator_years.update(int(i["year"]) for i in domain["indicators"] if i.get("year") is not None)
    return {
        "indicators": _years(indicator_years),
        "surveys": _years(survey_years),
        "indicator_years": indicator_years,
        "survey_years": survey_years,
    }


def index_header(contexts: list[dict], provenance: dict, cog_date: date) -> dict:
    """The facts of the page's header: `{"indicators": "2017", "surveys": "2019", "edition":
    "4 décembre 2026", "code_version": …}`, from the reports' contexts, the run's provenance and
    the edition date of the COG. The data's dates are 31 December of each vintage (as the PDFs'
    dates) and the COG edition (:func:`edition_date`)."""
    vintages = vintage_texts(contexts)
    data_dates = [date(y, 12, 31) for y in vintages["indicator_years"] | vintages["survey_years"]]
    return {
        "indicators": vintages["indicators"],
        "surveys": vintages["surveys"],
        "edition": french_date(edition_date(data_dates + [cog_date], provenance.get("code_date"))),
        "code_version": provenance["code_version"],
    }


def _top_domains(profile: list[dict]) -> list[str]:
    """The TOP_DOMAINS domains whose index is furthest above France (printed value above zero), as
    `Sécurité (+2,0)`, highest first: the same domains and figures as the report's profile."""
    above = [d for d in profile if d.get("score") is not None and round(float(d["score"]), d.get("decimals", 1)) > 0]
    above.sort(key=lambda d: (-float(d["score"]), d["domain_id"]))
    return [
        f"{d['label']} ({french.number(d['score'], d.get('decimals', 1), signed=True)})" for d in above[:TOP_DOMAINS]
    ]


def _devoir_text(devoir: dict | None) -> str:
    """`84 % (France : 82 %)`, with `écart net` when the difference to France is significant;
    the report's wording when the estimate is withheld for too few respondents."""
    if not devoir or devoir.get("estimate") is None or devoir.get("reliability") == "non_publie":
        return "non diffusé (trop peu de répondants)"
    text = f"{french.percent(devoir['estimate'])} (France\u00a0: {french.percent(devoir['france'])}"
    if devoir.get("is_significant"):
        text += ", écart net"
    text += ")"
    if devoir.get("reliability") == "prudence":
        text += ", à interpréter avec prudence"
    return text


def index_entry(slug: str, context: dict, pdf_facts: dict, downloads: dict[str, dict] | None = None) -> dict:
    """One row of the index page for the report `slug`.

    `context`: the report's context.json; `pdf_facts`: `{"pages", "size_bytes"}` of its PDF;
    `downloads`: `{"csv": {"href", "size_bytes"}, "xlsx": {...}}`, the data files beside it.
    Returns the dict :func:`impact_regions.index_page.build_index` renders: name, code, kind, the
    region of a département (`parent`), the key figures as French text, and the files."""
    territory = context["territory"]
    overall = context.get("overall") or {}
    score = overall.get("score")
    return {
        "slug": slug,
        "name": territory["name"],
        "code": str(territory["code"]).removeprefix("DEP-"),  # a département's table code is DEP-<code>
        "kind": territory["kind"],
        "parent": territory.get("region_name"),
        "pages": int(pdf_facts["pages"]),
        "size_bytes": int(pdf_facts["size_bytes"]),
        # the report's own figure: the decimals are those of every region (french.decimals_apart)
        "overall": (
            french.number(score, int(overall.get("decimals", 1)), signed=True) if score is not None else "n.d."
        ),
        "n_domains": overall.get("n_domains"),
        "rank": context.get("overall_rank_text") if overall.get("rank") is not None else None,
        "top_domains": _top_domains(context.get("profile") or []),
        "devoir": _devoir_text(context.get("devoir")),
        "downloads": dict(downloads or {}),
    }
