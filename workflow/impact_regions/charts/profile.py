"""The fragility profile (`profile.svg`): the 16 domain indices against France, one bar per
domain, sorted, coloured by family, with the rank among the regions beside each bar."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Patch
from matplotlib.ticker import MultipleLocator
from matplotlib.transforms import blended_transform_factory

from .. import french as fr
from ..report_common import FAMILIES, FAMILY_LABELS, FAMILY_TITLES
from . import omit
from .common import (
    INDEX_STEPS,
    _decimals,
    _fmt_index,
    _france_handle,
    _nice_step,
    _number_formatter,
    _of,
    _omitted,
    _result,
    _scale,
    _source_indices,
)
from .figure import _ensure_setup, _finalize, _new_figure
from .style import FAMILY_COLORS, FRANCE_MARKER, INK, MUTED, SMALL, WIDE_CM
from .svgout import _save

ROW_IN = 0.165  # one domain's row (7.5 pt labels): 16 rows and the map fit page 2 of the syntheses


def chart_profile(ctx: dict, out_path) -> dict:
    """The 16 domain indices against France, sorted, coloured by family."""
    _ensure_setup()
    scale = _scale(ctx)
    rows = [d for d in ctx["profile"] if d.get("score") is not None]
    rows.sort(key=lambda d: -d["score"])
    missing = [d for d in ctx["profile"] if d.get("score") is None]
    ref = scale["ref"]
    title = {
        "zscore": "Indices de fragilité par domaine, écart à la France (0 = France ; positif = plus fragile)",
        "ratio": "Indices de fragilité par domaine (indice, France = 100)",
        "minmax": "Indices de fragilité par domaine (score de 1 à 100)",
    }[scale["norm"]]
    if not rows:
        return _omitted("profile", title, _source_indices(ctx), omit.profile(ctx))
    # min-max scores have no fixed France value: France markers if the context gives them ("france")
    france_by_domain = {d["domain_id"]: d.get("france") for d in ctx["profile"]}
    ref_each = ref is None and any(v is not None for v in france_by_domain.values())
    base = ref if ref is not None else 0.0
    notes = []
    if missing:
        notes.append(
            "n.d. : indice non disponible (données manquantes) pour "
            + fr.join([d.get("phrase") or d["label"].lower() for d in missing])
            + "."
        )
    if scale["norm"] == "minmax" and not ref_each:
        notes.append("La valeur de la France n'est pas disponible sur cette échelle.")
    all_rows = rows + missing
    n = len(all_rows)
    fig, ax = _new_figure(WIDE_CM)
    y = np.arange(n, dtype=float)
    for i, d in enumerate(all_rows):
        color = FAMILY_COLORS.get(d["family"], MUTED)
        if d.get("score") is None:
            ax.annotate(
                "n.d.",
                (base, i),
                xytext=(4, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=SMALL,
                color=MUTED,
                style="italic",
            )
            continue
        ax.barh(i, d["score"] - base, left=base, height=0.66, color=color, linewidth=0, zorder=2)
        if ref_each and france_by_domain.get(d["domain_id"]) is not None:
            ax.plot([france_by_domain[d["domain_id"]]], [i], zorder=4, **FRANCE_MARKER)
    values = [d["score"] for d in rows] + [base]
    if ref_each:
        values += [v for v in france_by_domain.values() if v is not None]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    pad = 0.13 * span
    ax.set_xlim(lo - (pad if lo < base else 0.02 * span), hi + pad)
    step = _nice_step(span + 2 * pad, 7, INDEX_STEPS)
    dec = _decimals(step)
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(_number_formatter(dec))

    # a domain's decimals are the same in every report (report_profile: those that tell the regions apart)
    def value_dec(d):
        return d.get("decimals", scale["decimals"]) if scale["norm"] == "zscore" else scale["decimals"]

    for i, d in enumerate(rows):
        v = d["score"]
        right = v >= base
        ax.annotate(
            _fmt_index(v, scale, value_dec(d)),
            (v, i),
            xytext=(3 if right else -3, 0),
            textcoords="offset points",
            ha="left" if right else "right",
            va="center",
            fontsize=SMALL,
            color=INK,
            zorder=5,
        )
    ax.set_yticks(y, [d["label"] for d in all_rows])
    ax.set_ylim(n - 0.4, -1.25)
    ax.tick_params(axis="y", length=0, pad=4)
    ax.grid(axis="x")
    ax.spines["left"].set_visible(False)
    if ref is not None:
        ax.axvline(ref, color=INK, linewidth=1.1, zorder=3)
        right_side = not rows or rows[0]["score"] < ref
        ax.text(
            ref + (0.01 if right_side else -0.01) * span,
            -0.95,
            "France",
            ha="left" if right_side else "right",
            va="center",
            fontsize=SMALL,
            fontweight="bold",
            color=INK,
        )
    ax.set_xlabel(
        {
            "zscore": (
                "Indice de fragilité : écart à la France (0 = France ; plus il est élevé, plus le domaine est fragile)"
            ),
            "ratio": "Indice de fragilité (France = 100)",
            "minmax": "Indice de fragilité (score de 1, département le moins fragile, à 100, le plus fragile)",
        }[scale["norm"]]
    )
    families = [f for f in FAMILIES if any(d["family"] == f for d in ctx["profile"])]
    handles = [Patch(color=FAMILY_COLORS[f], label=FAMILY_TITLES[f]) for f in families]
    if ref_each:
        handles.append(_france_handle())
    if any(d.get("rank_text") for d in rows):
        # the rank among the regions and its Monte Carlo interval, in a column right of the plot
        beside = blended_transform_factory(ax.transAxes, ax.transData)
        ax.text(
            1.03, -0.95, "Rang", transform=beside, ha="left", va="center", fontsize=SMALL, fontweight="bold", color=INK
        )
        for i, d in enumerate(rows):
            if d.get("rank_text"):
                ax.text(1.03, i, d["rank_text"], transform=beside, ha="left", va="center", fontsize=SMALL, color=MUTED)
        if ctx["territory"]["kind"] == "departement":  # among the départements, without Monte Carlo interval
            notes.append(
                f"Rang : rang parmi les {ctx['n_departements_ranked']} départements (1er = le plus fragile"
                + (
                    "; ex æquo : même indice qu'au moins un autre département"
                    if any(d.get("tied") for d in rows)
                    else ""
                )
                + ")."
            )
        else:
            among = (
                f"qu'occuperait le territoire parmi les {ctx['n_regions']} régions"
                if ctx["territory"]["kind"] == "custom"
                else f"parmi les {ctx['n_regions']} régions"
            )
            notes.append(
                f"Rang : rang {among} (1re = la plus fragile"
                + ("; ex æquo : même indice qu'au moins une autre région" if any(d.get("tied") for d in rows) else "")
                + ") ; entre parenthèses, l'intervalle où se situent "
                "90 % des rangs obtenus en faisant varier les choix de méthode (normalisation, agrégation, "
                "poids, traitement des valeurs extrêmes ; voir l'annexe méthodologique)."
            )
    _finalize(fig, ax, ROW_IN * (n + 1), handles, notes)
    file = _save(fig, out_path)

    top = rows[:3]
    bottom = [d for d in reversed(rows) if d["score"] < base][:3] if ref is not None else rows[-3:][::-1]
    alt = (
        f"Diagramme en barres horizontales : indices de fragilité {_of(ctx)} pour {len(rows)} domaines, "
        f"{scale['unit']}, triés du plus élevé au plus bas et colorés par famille "
        f"({fr.join([FAMILY_LABELS[f].lower() for f in families])}). "
    )
    if top:
        alt += (
            "Les plus élevés : "
            + fr.join([f"{d['label'].lower()} ({_fmt_index(d['score'], scale, value_dec(d))})" for d in top])
            + "."
        )
    if bottom:
        alt += (
            " Les plus bas : "
            + fr.join([f"{d['label'].lower()} ({_fmt_index(d['score'], scale, value_dec(d))})" for d in bottom])
            + "."
        )
    if missing:
        alt += " Non disponible : " + fr.join([d["label"].lower() for d in missing]) + "."
    return _result("profile", file, title, alt, _source_indices(ctx), has_data=True)
