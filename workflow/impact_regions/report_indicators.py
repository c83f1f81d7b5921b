"""Section 7 of a synthesis, « Les indicateurs »: every indicator's raw value, the territory's
beside France's, with its unit, year and source, grouped by domain family (REPORT_SPEC §7).

The domain scores of the profile compare a territory with France in units of spread across the
départements; this table shows the raw values behind them, so that a reader can see, for
example, why the « niveau de vie » domain stands above France while the median income is
higher (the other indicator of the domain pulls the other way).

:func:`indicator_table` is pure: rows of ``indicator_values`` and the catalogue in, plain dicts
out (JSON-serialisable, every printed text already formatted with :mod:`impact_regions.french`).
Values that the producer does not publish at the territory's level and that the pipeline computed
as a weighted mean of published values (``value_method = 'moyenne_ponderee'``, e.g. a
population-weighted mean of regional medians for France) are flagged as approximations; a
missing value gets a short French text saying why (from ``missing_reason``), never "nan" or "0".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from . import french as fr
from .report_common import FAMILIES, FAMILY_LABELS, FAMILY_TITLES

#: Columns of ``indicator_values`` this module reads (report_context.TABLE_COLUMNS must list them;
#: ``value_method``, ``source_level`` and ``coverage`` are optional: without them no value is
#: flagged as an approximation or as partial).
COLUMNS = ["indicator_id", "territory_code", "value", "missing_reason", "value_method", "source_level", "coverage"]

#: ``missing_reason`` (workflow/quirks.yaml's markers, sql/indicator_values.sql) -> text printed in the cell;
#: the codes are those of the contract's code list missing_reason (tests/test_table_contract.py).
MISSING_TEXTS = {
    "secret": "secret statistique",
    "non_disponible": "non publiée par le producteur",
    "vide": "non renseignée dans la source",
    "division_par_0": "non calculable (dénominateur nul)",
    "niveau_non_couvert": "non publiée à ce niveau géographique",
}
MISSING_DEFAULT = "non disponible"

DIRECTION_TEXTS = {1: "plus élevé = plus fragile", -1: "plus élevé = moins fragile"}

#: A territory's value computed from less than this share of its denominator (or population) is
#: noted as partial under its table.
PARTIAL_COVERAGE = 0.95

#: Units printed after the number in the value cells; any other unit (« pour 10 000 hab. »,
#: « minutes », « indice »...) is only printed in the unit column.
SYMBOLS = ("%", "‰", "€")

APPROXIMATION_MARK = "*"
PARTIAL_MARK = "†"

_LEVEL_PLURALS = {"commune": "communes", "departement": "départements", "region": "régions"}
_DIGIT_SPACE = re.compile(r"(?<=\d) (?=\d{3}\b)")


def _num(x) -> float | None:
    """Float or None (JSON has no NaN)."""
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _str(x) -> str | None:
    """A text cell, None when missing (pyarrow gives None, pandas may give NaN)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return str(x)


def unit_text(unit: str) -> str:
    """The unit as printed: French spacing inside numbers (`pour 10 000 hab.` with a narrow
    no-break space between the digit groups)."""
    return _DIGIT_SPACE.sub(fr.NNBSP, str(unit))


def _symbol(unit: str) -> str | None:
    """The symbol printed after a value (`%` for « % de la surface »), None for word units."""
    unit = str(unit).strip()
    for s in SYMBOLS:
        if unit == s or unit.startswith(s + " "):
            return s
    return None


def decimals_for(unit: str, values: Iterable[float | None]) -> int:
    """Decimals of one indicator's row (the same for the territory and France): none for euros,
    two when a value is below 1 in magnitude (`0,47 %`), one otherwise."""
    if _symbol(unit) == "€":
        return 0
    present = [abs(v) for v in values if v is not None and v != 0]
    return 2 if present and min(present) < 1 else 1


def format_value(x: float | None, unit: str, decimals: int, signed: bool = False) -> str:
    """`17,2 %`, `20 800 €`, `−0,79 %` (`+1,22 %` with signed), `9,6` for a word unit."""
    symbol = _symbol(unit)
    text = fr.number(x, 0 if symbol == "€" else decimals, signed=signed)
    return text + fr.NBSP + symbol if symbol else text


def missing_text(reason) -> str:
    """Why a value is missing, in French, for the cell (never "nan", "n.p." or "0")."""
    reason = _str(reason)
    return MISSING_TEXTS.get(reason, MISSING_DEFAULT) if reason else MISSING_DEFAULT


def _weight_phrase(weight: str | None) -> str:
    w = str(weight or "population")
    if w == "population":
        return "la population"
    if w.upper().startswith("NBPERS"):
        return "le nombre de personnes"
    if w.upper().startswith("NBMEN"):
        return "le nombre de ménages"
    return "un effectif de la source"


def _files(ind: dict) -> set[str]:
    files = set((ind.get("sources") or {}).values())
    for key in ("source", "denominator_source"):
        if ind.get(key):
            files.add(ind[key])
    return files


def _cell(row: dict | None, unit: str, decimals: int, signed: bool) -> dict:
    """The printed value of one territory (or France) and its flags."""
    value = _num(row.get("value")) if row else None
    if value is None:
        reason = row.get("missing_reason") if row else None
        text = missing_text(reason)
        return {
            "value": None,
            "text": text,
            "missing": text,
            "is_approximation": False,
            "coverage": None,
            "level": None,
        }
    coverage = _num(row.get("coverage"))
    return {
        "value": value,
        "text": format_value(value, unit, decimals, signed),
        "missing": None,
        "is_approximation": _str(row.get("value_method")) == "moyenne_ponderee",
        "coverage": coverage,
        "level": _str(row.get("source_level")),
    }


def indicator_table(
    code: str,
    indicator_values: list[dict],
    catalogue: dict,
    *,
    france_code: str = "FR",
    demo_files: Iterable[str] = (),
    domain_scores: dict[str, float | None] | None = None,
    domain_decimals: dict[str, int] | None = None,
    genitive: str = "du territoire",
) -> list[dict]:
    """The indicator tables of one territory: families → domains → indicators.

    `indicator_values`: rows (dicts) of the ``indicator_values`` table, at least those of `code`
    and `france_code`, with the columns of :data:`COLUMNS`; other territories' rows are ignored.
    `catalogue`: config/indicators.yaml as loaded by ``config.load_indicators`` (``domains`` with
    ``id, label, family``; ``indicators`` with ``id, label, domain, unit, year, source_label,
    direction`` and their source files). `demo_files`: raw file paths (relative to raw_dir, as in
    provenance.json) that are demonstration data: indicators read from one are flagged ``demo``.
    `domain_scores`: optional ``{domain_id: score}`` of the territory, printed in the domain rows
    with `domain_decimals` (``{domain_id: decimals}``, the profile's; 2 when not given).
    `genitive`: the territory with its preposition, for the footnotes (« 80 % de Provence-Alpes-Côte
    d'Azur »; the report context has it as territory.genitive).

    Returns one dict per family present, in DESIGN §5 order (économique, social, sociétal,
    environnemental; an unknown family last): ``family, label, title, domains, n_indicators,
    has_approximation, has_partial, has_missing, all_demo, any_demo, approximation_note,
    partial_notes``; each domain (catalogue order) ``domain_id, label, score, score_text,
    indicators``; each indicator (catalogue order) ``id, label, domain_id, unit, unit_text, year,
    source_label, direction, direction_text, value, france, value_text, france_text, missing,
    france_missing, approximation, france_approximation, partial, france_partial, decimals,
    demo``. ``value_text`` and ``france_text`` are always printable: the formatted value, or the
    missing text. ``partial``: computed on less than :data:`PARTIAL_COVERAGE` of the territory
    (explained in the family's ``partial_notes``, mark †).
    """
    rows = {
        (r["indicator_id"], r["territory_code"]): r
        for r in indicator_values
        if r.get("territory_code") in (code, france_code)
    }
    demo_files = set(demo_files)
    scores = domain_scores or {}
    domains = list(catalogue["domains"])
    by_domain: dict[str, list[dict]] = {d["id"]: [] for d in domains}
    for ind in catalogue["indicators"]:
        by_domain.setdefault(ind["domain"], []).append(ind)
    families = [f for f in FAMILIES if any(d["family"] == f for d in domains)]
    families += sorted({d["family"] for d in domains} - set(families))

    out = []
    for family in families:
        fam_domains, approx_levels, approx_weights, partial_notes = [], [], [], []
        n = n_approx = n_missing = n_demo = 0
        for d in (d for d in domains if d["family"] == family):
            items = []
            for ind in by_domain.get(d["id"], []):
                unit = str(ind["unit"])
                mine_row, fr_row = rows.get((ind["id"], code)), rows.get((ind["id"], france_code))
                raw = [_num(r.get("value")) if r else None for r in (mine_row, fr_row)]
                decimals = decimals_for(unit, raw)
                signed = any(v is not None and v < 0 for v in raw)
                mine = _cell(mine_row, unit, decimals, signed)
                france = _cell(fr_row, unit, decimals, signed)
                for cell in (mine, france):
                    if cell["is_approximation"]:
                        level = _LEVEL_PLURALS.get(cell["level"] or "", "unités géographiques")
                        if level not in approx_levels:
                            approx_levels.append(level)
                        w = _weight_phrase(ind.get("weight"))
                        if w not in approx_weights:
                            approx_weights.append(w)
                partial = [
                    f"{fr.percent(c['coverage'])} {gen}"
                    for gen, c in ((genitive, mine), ("de la France", france))
                    if c["coverage"] is not None and c["coverage"] < PARTIAL_COVERAGE
                ]
                if partial:
                    partial_notes.append(
                        f"{PARTIAL_MARK} {ind['label']} : la valeur ne porte que sur la partie "
                        f"renseignée de la source, soit {fr.join(partial)} (en population ou "
                        "selon le dénominateur de l'indicateur)."
                    )
                demo = bool(_files(ind) & demo_files)
                direction = int(ind["direction"])
                items.append(
                    {
                        "id": ind["id"],
                        "label": fr.typography(str(ind["label"])),
                        "domain_id": d["id"],
                        "unit": unit,
                        "unit_text": unit_text(unit),
                        "year": int(ind["year"]),
                        "source_label": fr.typography(str(ind["source_label"])),
                        "direction": direction,
                        "direction_text": DIRECTION_TEXTS.get(direction, ""),
                        "value": mine["value"],
                        "france": france["value"],
                        "value_text": mine["text"],
                        "france_text": france["text"],
                        "missing": mine["missing"],
                        "france_missing": france["missing"],
                        "is_approximation": mine["is_approximation"],
                        "is_france_approximation": france["is_approximation"],
                        "is_partial": mine["coverage"] is not None and mine["coverage"] < PARTIAL_COVERAGE,
                        "is_france_partial": france["coverage"] is not None and france["coverage"] < PARTIAL_COVERAGE,
                        "decimals": decimals,
                        "is_demo": demo,
                    }
                )
                n += 1
                n_approx += mine["is_approximation"] or france["is_approximation"]
                n_missing += mine["missing"] is not None or france["missing"] is not None
                n_demo += demo
            score = _num(scores.get(d["id"]))
            score_dec = (domain_decimals or {}).get(d["id"], 2)
            fam_domains.append(
                {
                    "domain_id": d["id"],
                    "label": fr.typography(str(d["label"])),
                    "score": score,
                    "score_text": fr.number(score, score_dec, signed=True) if score is not None else None,
                    "indicators": items,
                }
            )
        approximation_note = None
        if n_approx:
            approximation_note = (
                f"{APPROXIMATION_MARK} Valeur que le producteur ne publie pas à ce niveau : elle est calculée comme la "
                f"moyenne des valeurs publiées pour les {fr.join(approx_levels, 'ou')} qui composent le territoire, "
                f"pondérée par {fr.join(approx_weights, 'ou')}. Une moyenne de taux ou de médianes n'est qu'une "
                "approximation du taux ou de la médiane de l'ensemble."
            )
        out.append(
            {
                "family": family,
                "label": FAMILY_LABELS.get(family, family.capitalize()),
                "title": FAMILY_TITLES.get(family, f"Famille {family}"),
                "domains": fam_domains,
                "n_indicators": n,
                "has_approximation": bool(n_approx),
                "has_partial": bool(partial_notes),
                "has_missing": bool(n_missing),
                "has_only_demo": n > 0 and n_demo == n,
                "has_demo": bool(n_demo),
                "approximation_note": fr.typography(approximation_note) if approximation_note else None,
                "partial_notes": [fr.typography(x) for x in partial_notes],
            }
        )
    return out
