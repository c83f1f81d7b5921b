"""The « devoir d'alliances » charts:

* `innovation.svg`: share of each group that sees alliances as a source of innovation, vs France;
* `cooperation.svg`: priority domains for cooperation, inhabitants vs organisations;
* :func:`_share_by_group_chart`, one bar per group against France (also the partnership chart).
"""

from __future__ import annotations

from .. import french as fr
from ..report_common import GROUP_LABELS, GROUPS
from . import omit
from .bars import _bar_rows_chart
from .common import (
    _caution_note,
    _ci,
    _ci_handle,
    _france_handle,
    _name,
    _np_note,
    _of,
    _omitted,
    _result,
    _significance_note,
    _source_survey,
    _suppressed_note,
    _this,
)
from .figure import _ensure_setup
from .groups import _group_bar_rows, _group_panels_chart, _present_groups
from .style import GROUP_COLORS, NARROW_CM
from .svgout import _save


def _share_by_group_chart(
    ctx: dict,
    items: list[dict],
    out_path,
    *,
    key: str,
    title: str,
    xlabel: str,
    what: str,
    which_source: str,
    sentence,
    least: int = 1,
) -> dict:
    """One bar per group against France (innovation, partnerships); `sentence(ctx)`: the sentence
    in place of the chart when fewer than `least` groups are published (no group, or, for a chart
    whose figures the text above it already gives, a single one: one bar among « non publié »)."""
    if sum(i.get("estimate") is not None for i in items) < least:
        return _omitted(key, title, _source_survey(ctx, which_source), sentence(ctx))
    rows, n_caution, suppressed = [], 0, []
    for i in items:
        g = i["group"]
        v = i.get("estimate")
        caution = i.get("reliability") == "prudence" and v is not None
        n_caution += caution
        if v is None:
            suppressed.append(GROUP_LABELS[g].lower())
        rows.append(
            {
                "label": GROUP_LABELS[g],
                "bars": [
                    {
                        "color": GROUP_COLORS[g],
                        "value": v,
                        "caution": caution,
                        "ci": _ci(i),
                        "france": i.get("france"),
                        "sig": i.get("is_significant"),
                        "empty_text": "non publié" if v is None else None,
                    }
                ],
            }
        )
    shown = [i for i in items if i.get("estimate") is not None]
    notes = []
    if shown:
        notes.append(_significance_note(ctx))
    if n_caution:
        notes.append(_caution_note(ctx))
    if suppressed:
        notes.append(_suppressed_note(ctx, suppressed, "Non publié pour " + _this(ctx)))
    legend = [_france_handle("France entière")] + ([_ci_handle(ctx)] if any(_ci(i) for i in shown) else [])
    fig = _bar_rows_chart(
        rows,
        width_cm=NARROW_CM,
        kind="share",
        notes=notes,
        legend=legend,
        xlabel=xlabel,
        pitch_cm=0.5,
        group_gap_cm=0.0,
        bold_significant=True,
    )
    file = _save(fig, out_path)
    alt = f"Diagramme en barres, {_name(ctx)} : {what}, par groupe, comparée à la France. "
    if shown:
        listed = fr.join(
            [
                f"{GROUP_LABELS[i['group']].lower()} {fr.percent(i['estimate'])} (France {fr.percent(i.get('france'))}"
                f"{', à interpréter avec prudence' if i.get('reliability') == 'prudence' else ''})"
                for i in shown
            ]
        )
        alt += listed[0].upper() + listed[1:] + "."
    if suppressed:
        alt += " Non publié faute d'effectifs suffisants : " + fr.join(suppressed) + "."
    return _result(key, file, title, alt, _source_survey(ctx, which_source), has_data=bool(shown))


def chart_innovation(ctx: dict, out_path) -> dict:
    """Share of each group that sees alliances as a source of innovation, vs France."""
    _ensure_setup()
    groups = {i["group"] for i in ctx["innovation"]}
    return _share_by_group_chart(
        ctx,
        ctx["innovation"],
        out_path,
        key="innovation",
        title="Les alliances, source d'innovation : part des répondants qui le pensent, par groupe (en %)".replace(
            " %", fr.NBSP + "%"
        ),
        xlabel="Part des répondants d'accord (tout à fait ou plutôt)",
        what="part des répondants qui voient les alliances comme une source d'innovation",
        which_source="both" if len(groups) > 1 else "habitants",
        sentence=omit.innovation,
        least=2,
    )  # one group: the sentence above the chart gives its figure and France's


def chart_cooperation(ctx: dict, out_path) -> dict:
    """Priority domains for cooperation: share citing each domain, inhabitants vs organisations."""
    _ensure_setup()
    data = ctx["cooperation"]
    present, absent = _present_groups(data, GROUPS)
    title = "Domaines prioritaires de coopération : part des répondants qui les citent (en %)".replace(
        " %", fr.NBSP + "%"
    )
    source = _source_survey(ctx, "both" if len(present) > 1 else "habitants")
    if not present:
        return _omitted("cooperation", title, source, omit.cooperation(ctx))
    rows, n_caution, empty = _group_bar_rows(data, present)
    notes = ["Jusqu'à trois domaines cités par répondant : les parts ne s'additionnent pas."]
    if n_caution:
        notes.append(_caution_note(ctx))
    if empty:
        notes.append(_np_note(ctx))
    if absent:
        notes.append(_suppressed_note(ctx, [GROUP_LABELS[g].lower() for g in absent], "Groupes non représentés"))
    has_france = any(r.get(f"{g}_france") is not None for r in data for g in GROUPS)
    legend = [_france_handle("France entière")] if has_france else []
    fig = _group_panels_chart(
        rows,
        present,
        kind="share",
        notes=notes,
        legend=legend,
        xlabel="Part des répondants citant le domaine comme prioritaire pour coopérer",
    )
    file = _save(fig, out_path)
    alt = (
        f"Diagrammes en barres, un par groupe : part des répondants {_of(ctx)} citant chaque domaine comme "
        f"prioritaire pour coopérer, pour {len(data)} domaines, selon "
        f"{fr.join([GROUP_LABELS[g].lower() for g in present])}. "
    )
    for g in present:
        ranked = sorted((r for r in data if r.get(g) is not None), key=lambda r: -r[g])[:2]
        alt += f"{GROUP_LABELS[g]} : " + fr.join([f"{r['label'].lower()} ({fr.percent(r[g])})" for r in ranked]) + ". "
    if absent:
        alt += "Non publiés faute d'effectifs suffisants : " + fr.join([GROUP_LABELS[g].lower() for g in absent]) + "."
    return _result("cooperation", file, title, alt.strip(), source, has_data=True)
