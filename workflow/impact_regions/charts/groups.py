"""Perceived fragility by group of actors (`groups.svg`): habitants, associations, entreprises
and maires on the leading domains against France, one panel per group (small multiples)."""

from __future__ import annotations

from matplotlib.patches import Patch

from .. import french as fr
from ..report_common import GROUP_LABELS, GROUPS
from . import omit
from .bars import _bar_rows_chart
from .common import _caution_note, _france_handle, _np_note, _of, _omitted, _result, _source_survey, _suppressed_note
from .figure import _ensure_setup
from .style import GROUP_COLORS, WIDE_CM
from .svgout import _save


def _present_groups(rows: list[dict], groups: list[str]) -> tuple[list[str], list[str]]:
    present = [g for g in groups if any(r.get(g) is not None for r in rows)]
    return present, [g for g in groups if g not in present]


def _group_bar_rows(data: list[dict], present: list[str], france_fallback: dict | None = None) -> tuple:
    """Rows of grouped bars (one bar per respondent group) for the groups and cooperation charts.

    Returns (rows, number of 'prudence' bars, whether any value is not published). A group's
    France value falls back to `france_fallback[group][domain_id]` when the row has none.
    """
    rows, n_caution, empty = [], 0, False
    for r in data:
        bars = []
        for g in present:
            v = r.get(g)
            caution = r.get(f"{g}_reliability") == "prudence" and v is not None
            n_caution += caution
            france = r.get(f"{g}_france")
            if france is None and france_fallback and g in france_fallback:
                france = france_fallback[g].get(r["domain_id"])
            empty |= v is None
            bars.append(
                {
                    "color": GROUP_COLORS[g],
                    "value": v,
                    "caution": caution,
                    "france": france,
                    "empty_text": f"n.p. ({GROUP_LABELS[g].lower()})" if v is None else None,
                }
            )
        rows.append({"label": r["label"], "bars": bars})
    return rows, n_caution, empty


def _group_panels_chart(rows: list[dict], present: list[str], **chart) -> object:
    """The bars of `_group_bar_rows` as small multiples: one panel per group, one row per domain
    (a third of the height of grouped bars, so that the chart fits under its section's text)."""
    if len(present) == 1:  # one group: plain bars, the legend names it
        chart["legend"] = [Patch(color=GROUP_COLORS[present[0]], label=GROUP_LABELS[present[0]])] + chart["legend"]
        return _bar_rows_chart(rows, width_cm=WIDE_CM, pitch_cm=0.36, group_gap_cm=0.0, **chart)
    for bar in (b for r in rows for b in r["bars"] if b["empty_text"]):
        bar["empty_text"] = "n.p."  # the panel names the group
    return _bar_rows_chart(
        rows,
        width_cm=WIDE_CM,
        pitch_cm=0.42,
        group_gap_cm=0.0,
        panels=[(GROUP_LABELS[g], GROUP_COLORS[g]) for g in present],
        **chart,
    )


def chart_groups(ctx: dict, out_path) -> dict:
    """Perceived fragility /10 of the leading domains, by group (habitants, associations, entreprises, maires)."""
    _ensure_setup()
    # the inhabitants' order (the first panel reads sorted), the domains led by another group in it
    data = sorted(ctx["groups"], key=lambda r: (r.get("habitants") is None, -(r.get("habitants") or 0.0)))
    present, absent = _present_groups(data, GROUPS)
    title = "Fragilité perçue par groupe d'acteurs, domaines en tête (note moyenne sur 10)"
    source = _source_survey(ctx, "both" if len(present) > 1 or present != ["habitants"] else "habitants")
    if present in ([], ["habitants"]):  # nothing, or the inhabitants' chart again
        return _omitted("groups", title, source, omit.groups(ctx, present, absent))
    comparable = ctx.get("groups_comparable")  # report_actors: groups with most of their notes published
    if comparable is not None and set(comparable) <= {"habitants"}:  # a grid of « n.p. »: the sentence instead
        return _omitted("groups", title, source, omit.groups(ctx, present, absent, mostly=True))
    france_hab = {p["domain_id"]: p.get("france") for p in ctx.get("perceived", [])}
    rows, n_caution, empty = _group_bar_rows(data, present, {"habitants": france_hab})
    notes = []
    if n_caution:
        notes.append(_caution_note(ctx))
    if empty:
        notes.append(_np_note(ctx))
    if absent:
        notes.append(_suppressed_note(ctx, [GROUP_LABELS[g].lower() for g in absent], "Groupes non représentés"))
    has_fr_orgs = any(r.get(f"{g}_france") is not None for r in data for g in GROUPS[1:])
    legend = [_france_handle("France entière" if has_fr_orgs else "France entière (habitants)")]
    fig = _group_panels_chart(
        rows, present, kind="score", notes=notes, legend=legend, xlabel="Fragilité perçue (note moyenne sur 10)"
    )
    file = _save(fig, out_path)
    alt = (
        f"Diagrammes en barres, un par groupe d'acteurs : fragilité perçue sur 10 {_of(ctx)} pour {len(data)} "
        f"domaines, selon {fr.join([GROUP_LABELS[g].lower() for g in present])}. "
    )
    for g in present:
        best = max((r for r in data if r.get(g) is not None), key=lambda r: r[g])
        alt += f"{GROUP_LABELS[g]} : note la plus haute pour {best['label'].lower()} ({fr.score10(best[g])}). "
    if absent:
        alt += "Non publiés faute d'effectifs suffisants : " + fr.join([GROUP_LABELS[g].lower() for g in absent]) + "."
    return _result("groups", file, title, alt.strip(), source, has_data=bool(present))
