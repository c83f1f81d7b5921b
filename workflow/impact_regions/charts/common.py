"""What the charts share besides drawing: the chart's description, units and number formats,
source lines, reading notes and legend handles, all in French (:mod:`impact_regions.french`)."""

from __future__ import annotations

import math
from functools import cache

from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from .. import french as fr
from .style import CAUTION_MARK, FRANCE_MARKER, INK

#: tick steps of the index axes: multiples of 1, 2 or 5 (no 0,25: one decimal for the indices everywhere)
INDEX_STEPS = (1, 2, 5, 10)


def _name(ctx: dict) -> str:
    return ctx["territory"]["name"]


def _of(ctx: dict) -> str:
    """`de Provence-Alpes-Côte d'Azur`, `d'Alsace`."""
    return ctx["territory"].get("genitive") or f"de {_name(ctx)}"


def _result(key: str, file: str, title: str, alt: str, source: str, has_data: bool = True) -> dict:
    """The chart's description for the template. `has_data` is False when every estimate of the
    territory is suppressed (the chart then only shows France)."""
    return {
        "key": key,
        "file": file,
        "title": fr.typography(title),
        "alt": fr.typography(alt),
        "source": fr.typography(source),
        "has_data": has_data,
        "is_omitted": False,
        "sentence": None,
    }


def _omitted(key: str, title: str, source: str, sentence: str) -> dict:
    """The description of a chart with nothing to show for the territory: no figure (`file` None,
    nothing written), `omit` True and `sentence`, one French sentence saying why, that the
    template prints in place of the figure (also the text alternative)."""
    sentence = fr.typography(sentence)
    return {
        "key": key,
        "file": None,
        "title": fr.typography(title),
        "alt": sentence,
        "source": fr.typography(source),
        "has_data": False,
        "is_omitted": True,
        "sentence": sentence,
    }


def _in(ctx: dict) -> str:
    """`en Provence-Alpes-Côte d’Azur`, `à Mayotte`: where, as the sentences say it."""
    return ctx["territory"].get("locative") or f"dans le territoire {_of(ctx)}"


def _this(ctx: dict) -> str:
    """`la région`, `le département`, `le territoire` (a custom one): what the notes call the territory."""
    return {"region": "la région", "departement": "le département"}.get(ctx["territory"].get("kind"), "le territoire")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lighten(color: str, amount: float = 0.62) -> tuple[float, float, float]:
    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def _nice_step(span: float, target: int = 6, steps: tuple = (1, 2, 2.5, 5, 10)) -> float:
    raw = max(span, 1e-9) / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in steps:
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _decimals(step: float) -> int:
    """Decimals needed to print multiples of `step` exactly (0.25 -> 2, 0.5 -> 1, 2 -> 0)."""
    for d in range(5):
        if abs(round(step, d) - step) < 1e-9 * max(1.0, abs(step)):
            return d
    return 4


def _producers(ctx: dict) -> str:
    """`ANCT, ARCEP, DREES, INSEE…`: the producers named in the indicator sources."""
    seen: list[str] = []
    for s in ctx.get("sources", []):
        head = s.split(",")[0].strip()
        if head and head not in seen:
            seen.append(head)
    return ", ".join(seen)


def _demo_suffix(ctx: dict) -> str:
    return " Données de démonstration." if ctx.get("is_demo") else ""


def _source_indices(ctx: dict) -> str:
    prod = _producers(ctx)
    return (
        f"Sources : {prod} (données {ctx.get('vintage', '')}) ; calculs IMPACT-Régions." + _demo_suffix(ctx)
    ).replace("  ", " ")


def _surveys(ctx: dict) -> tuple[str, str]:
    surveys = ctx.get("surveys") or []
    citizens = next((s for s in surveys if "citoyen" in s.lower()), surveys[0] if surveys else "enquête habitants")
    orgs = next((s for s in surveys if s != citizens), "enquête organisations")
    return citizens, orgs


def _source_survey(ctx: dict, which: str) -> str:
    citizens, orgs = _surveys(ctx)
    name = {"habitants": citizens, "organisations": orgs, "both": f"{citizens} ; {orgs}"}[which]
    return f"Source : {name}, estimations pondérées ; calculs IMPACT-Régions." + _demo_suffix(ctx)


def _scale(ctx: dict) -> dict:
    """How the index is expressed (DESIGN §7): reference value for France, unit, decimals."""
    norm = (ctx.get("method") or {}).get("normalisation", "zscore")
    if norm == "ratio":
        return {
            "norm": norm,
            "ref": 100.0,
            "signed": False,
            "decimals": 0,
            "unit": "indice, France = 100",
            "diff_unit": "écart à la France, en points d'indice (France = 100)",
        }
    if norm == "minmax":
        return {
            "norm": norm,
            "ref": None,
            "signed": False,
            "decimals": 0,
            "unit": "score de 1 (département le moins fragile) à 100 (le plus fragile)",
            "diff_unit": "écart à la France, en points sur l'échelle de 1 à 100",
        }
    return {
        "norm": "zscore",
        "ref": 0.0,
        "signed": True,
        "decimals": 1,
        "unit": "écart à la France, 0 = France, positif = plus fragile",
        "diff_unit": "écart à la France, 0 = France, positif = plus fragile",
    }


def _fmt_index(value: float | None, scale: dict, decimals: int | None = None) -> str:
    d = scale["decimals"] if decimals is None else decimals
    return fr.number(value, d, signed=scale["signed"])


@cache
def _tick_text(x: float, decimals: int, signed: bool = False, percent: bool = False) -> str:
    """`fr.number(x, decimals, signed)` (or `fr.percent(x)`), remembered: matplotlib formats the same
    ticks each time it lays an axis out (several times per chart) and Babel is slow."""
    return fr.percent(x) if percent else fr.number(x, decimals, signed=signed)


def _number_formatter(decimals: int, signed: bool = False) -> FuncFormatter:
    """Tick labels as `fr.number` prints them (what `fr.tick_formatter` gives, with `signed`)."""
    return FuncFormatter(lambda x, _pos: _tick_text(x, decimals, signed))


def _percent_formatter() -> FuncFormatter:
    return FuncFormatter(lambda x, _pos: _tick_text(x, 0, percent=True))


def _france_handle(label: str = "France") -> Line2D:
    return Line2D([], [], label=label, **FRANCE_MARKER)


def _source_gaps(ctx: dict, tail: str) -> str:
    """Source line of the charts that put the index beside the inhabitants' perception."""
    citizens, _ = _surveys(ctx)
    return (
        f"Sources : indices de fragilité ({_producers(ctx)}, données {ctx.get('vintage', '')}) ; {citizens}"
        + tail
        + _demo_suffix(ctx)
    )


def _rules(ctx: dict) -> dict:
    """The publication rules of the run (config `survey_estimation`), as printed in the notes."""
    est = (ctx.get("method") or {}).get("estimation") or {}
    level = est.get("confidence_level", 0.95)
    return {
        "min_publish": int(est.get("min_n_publish", 30)),
        "min_reliable": int(est.get("min_n_reliable", 100)),
        "max_rse": fr.percent(est.get("max_rse", 0.30)),
        "alpha": fr.percent(est.get("alpha", 0.05)),
        "level": fr.percent(level),
    }


def _ci_handle(ctx: dict) -> Line2D:
    return Line2D(
        [],
        [],
        color=INK,
        linewidth=0.7,
        marker="|",
        markersize=5,
        markeredgewidth=0.7,
        label=f"Intervalle de confiance à {_rules(ctx)['level']}",
    )


def _caution_note(ctx: dict, what: str = f"Barres hachurées et {CAUTION_MARK} : estimation") -> str:
    r = _rules(ctx)
    return (
        f"{what} à interpréter avec prudence (moins de {r['min_reliable']} répondants ou erreur relative "
        f"supérieure à {r['max_rse']})."
    )


def _significance_note(ctx: dict) -> str:
    return f"Valeur en gras : écart à la France statistiquement significatif (seuil de {_rules(ctx)['alpha']})."


def _np_note(ctx: dict) -> str:
    return f"n.p. : non publié (moins de {_rules(ctx)['min_publish']} répondants)."


def _no_data_alt(ctx: dict, what: str) -> str:
    return f"Graphique sans données ({what}, {_name(ctx)}) : aucune estimation publiable, effectifs insuffisants."


def _ci(item: dict):
    lo, hi = item.get("ci_low"), item.get("ci_high")
    return (lo, hi) if lo is not None and hi is not None else None


def _suppressed_note(ctx: dict, labels: list[str], what: str = "Non publié") -> str:
    return (
        f"{what} (moins de {_rules(ctx)['min_publish']} répondants, estimation trop imprécise) : "
        + fr.join(labels)
        + "."
    )
