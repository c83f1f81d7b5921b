"""The partnership practices charts:

* `partnership.svg`: share of associations, companies and mayors with at least one partnership;
* `modes.svg`: the four partnership modes (mécénat, pratiques responsables, innovation
  sociétale, coopération économique) by organisation group, against France.
"""

from __future__ import annotations

from matplotlib.patches import Patch

from .. import french as fr
from ..report_common import GROUP_LABELS
from . import omit
from .alliances import _share_by_group_chart
from .bars import GROUPED_PITCH_CM, _bar_rows_chart
from .common import _caution_note, _france_handle, _of, _omitted, _result, _rules, _source_survey, _this
from .figure import _ensure_setup
from .groups import _group_bar_rows
from .style import GROUP_COLORS, WIDE_CM
from .svgout import _save


def chart_partnership(ctx: dict, out_path) -> dict:
    """Share of associations, companies and mayors with at least one partnership, vs France."""
    _ensure_setup()
    return _share_by_group_chart(
        ctx,
        ctx["partnership"],
        out_path,
        key="partnership",
        title="Organisations ayant au moins un partenariat avec un autre type d'acteur (en %)".replace(
            " %", fr.NBSP + "%"
        ),
        xlabel="Part des organisations ayant au moins un partenariat",
        what="part des organisations ayant au moins un partenariat",
        which_source="organisations",
        sentence=omit.partnership,
    )


def chart_modes(ctx: dict, out_path) -> dict:
    """The four partnership modes by organisation group: territory bars, France markers. A group
    with no published estimate is left out (named in a note); with none at all, a sentence."""
    _ensure_setup()
    orgs = ["associations", "entreprises", "maires"]
    data = ctx["modes"]
    title = "Modes de partenariat des organisations qui ont des partenariats (en %)".replace(" %", fr.NBSP + "%")
    source = _source_survey(ctx, "organisations")
    present = [g for g in orgs if any(m.get(g) is not None for m in data)]
    if not present:
        return _omitted("modes", title, source, omit.modes(ctx, orgs))
    absent = [g for g in orgs if g not in present and any(m.get(f"{g}_france") is not None for m in data)]
    rows, n_caution, _ = _group_bar_rows(data, present)
    missing = {g for m in data for g in present if m.get(g) is None}
    notes = ["Parmi les organisations qui ont au moins un partenariat ; plusieurs modes possibles."]
    if n_caution:
        notes.append(_caution_note(ctx))
    where = _this(ctx)
    minimum = _rules(ctx)["min_publish"]
    if missing:
        notes.append(
            f"n.p. : non publié pour {where} (moins de {minimum} organisations) : "
            + fr.join([GROUP_LABELS[g].lower() for g in orgs if g in missing])
            + "."
        )
    if absent:
        notes.append(
            f"Groupes non représentés (moins de {minimum} organisations ayant des partenariats dans {where}) : "
            + fr.join([GROUP_LABELS[g].lower() for g in absent])
            + "."
        )
    legend = [Patch(color=GROUP_COLORS[g], label=GROUP_LABELS[g]) for g in present]
    legend.append(_france_handle("France entière"))
    fig = _bar_rows_chart(
        rows,
        width_cm=WIDE_CM,
        kind="share",
        notes=notes,
        legend=legend,
        xlabel="Part des organisations pratiquant ce mode de partenariat",
        pitch_cm=GROUPED_PITCH_CM,
        group_gap_cm=0.22,
    )
    file = _save(fig, out_path)
    alt = (
        f"Diagramme en barres groupées : part des associations, entreprises et maires {_of(ctx)} "
        "ayant des partenariats qui pratiquent chacun des quatre modes (mécénat, pratiques responsables, "
        "innovation sociétale, coopération économique), avec la valeur de la France. "
    )
    for g in present:
        vals = [(m["label"].lower(), m.get(g), m.get(f"{g}_france")) for m in data]
        alt += (
            f"{GROUP_LABELS[g]} : "
            + fr.join([f"{lab} {fr.percent(v)} (France {fr.percent(f)})" for lab, v, f in vals if v is not None])
            + ". "
        )
    if absent:
        alt += "Non publié faute d'effectifs suffisants : " + fr.join([GROUP_LABELS[g].lower() for g in absent]) + "."
    return _result("modes", file, title, alt.strip(), source, has_data=True)
