"""The France map of the regions for the index page (`reports/index-map.svg`): the 18 regions
shaded by their overall fragility index, the overseas regions as insets."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch

from .. import french as fr
from .common import _fmt_index, _result, _scale
from .figure import _ensure_setup, _FixedLimitsAxes
from .geometry import (
    _bounds,
    _colourbar,
    _compound_path,
    _features,
    _fill_color,
    _fill_limits,
    _label_point,
    _symmetric_norm,
)
from .labels import _DIRECTIONS, _place_labels
from .style import CM, GRID, INK, MUTED, NOTE, WIDE_CM
from .svgout import _Canvas, _save

OVERSEAS_REGIONS = ["01", "02", "03", "04", "06"]


def _two_lines(name: str, longest: int = 12) -> str:
    """A long region name on two lines, broken at the space or hyphen nearest its middle
    ("Provence-Alpes-" / "Côte d'Azur"), so that the map's labels stay narrow."""
    cuts = [i for i, ch in enumerate(name) if ch in " -"]
    if len(name) <= longest or not cuts:
        return name
    cut = min(cuts, key=lambda i: abs(i - len(name) / 2))
    return name[: cut + 1].rstrip() + "\n" + name[cut + 1 :]


def overall_by_region(fragility_indices, regions) -> dict:
    """What the map shades: {region code: overall index} from the rows of ``fragility_indices``
    (a DataFrame) whose ``domain_id`` is ``ensemble``, for the region codes `regions`."""
    fi = fragility_indices
    overall = fi[(fi["domain_id"] == "ensemble") & fi["territory_code"].isin(regions)]
    return dict(zip(overall["territory_code"], overall["score"], strict=True))


def domains_by_region(fragility_indices, regions) -> dict:
    """{region code: number of domains its overall index is computed on} (the domains with a
    score), so that the map says « 15 domaines » beside an index that rests on fewer domains than
    the others, as the reports and the index page's rows do (Mayotte: no niveau de vie)."""
    fi = fragility_indices
    scored = fi[(fi["domain_id"] != "ensemble") & fi["territory_code"].isin(regions) & fi["score"].notna()]
    return {str(c): int(n) for c, n in scored.groupby("territory_code").size().items()}


def chart_regions_map(
    fragility_by_region: dict,
    out_path,
    geo_dir=None,
    *,
    normalisation: str = "zscore",
    source: str | None = None,
    links: dict[str, str] | None = None,
    n_domains: dict[str, int] | None = None,
) -> dict:
    """The 18 regions shaded by their overall fragility index; overseas regions as insets.

    `links` maps a region code to the relative address of its synthesis (`"paca.pdf"`): the
    region's shape and its label become SVG links to it (`<a href>`), which work when the map is
    inlined in the index page; a region without an entry is drawn without a link. `n_domains`
    (:func:`domains_by_region`): a region whose index rests on fewer domains than the most any
    region has gets « (15 domaines) » under its value, and in the alt text."""
    _ensure_setup()
    links = dict(links or {})
    n_domains = dict(n_domains or {})
    most = max(n_domains.values(), default=0)
    basis = {c: f"({n} domaines)" for c, n in n_domains.items() if n < most}
    scale = _scale({"method": {"normalisation": normalisation}})
    regions = _features(geo_dir, "regions")
    names = {c: fr.typography(f["nom"]) for c, f in regions.items()}  # Côte d’Azur, as in the reports
    scores = {
        str(k): (None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
        for k, v in fragility_by_region.items()
    }
    values = [v for v in scores.values() if v is not None]
    # the decimals the reports print (report_profile): no two differently ranked regions look equal
    decimals = fr.decimals_apart(values)
    ref = scale["ref"] if scale["ref"] is not None else (float(np.median(values)) if values else 0.0)
    norm, step = _symmetric_norm(values, ref, scale["norm"])
    width, height = WIDE_CM * CM, 13.0 * CM
    fig = Figure(figsize=(width, height))
    _Canvas(fig)

    def draw(rect, codes, label_values: bool):
        ax = fig.add_axes(rect, axes_class=_FixedLimitsAxes)  # limits set below
        polys_all = [regions[c]["polys"] for c in codes]
        b = [_bounds(p) for p in polys_all]
        x0, y0, x1, y1 = min(v[0] for v in b), min(v[1] for v in b), max(v[2] for v in b), max(v[3] for v in b)
        coslat = math.cos(math.radians((y0 + y1) / 2))
        ax.set_axis_off()
        vx0, vx1, vy0, vy1 = _fill_limits((x0 * coslat, x1 * coslat, y0, y1), rect[2] * width, rect[3] * height, 0.04)
        ax.set_xlim(vx0, vx1)
        ax.set_ylim(vy0, vy1)
        ax.set_aspect("equal", adjustable="box")
        for c in codes:
            s = scores.get(c)
            patch = PathPatch(
                _compound_path(regions[c]["polys"], coslat),
                facecolor=_fill_color(s, norm),
                edgecolor=MUTED,
                linewidth=0.45,
                hatch="////" if s is None else None,
            )
            patch.set_gid(f"region-{c}")
            patch.set_url(links.get(c))
            ax.add_patch(patch)
        if label_values:
            items = []
            for c in codes:
                lx, ly = _label_point(regions[c]["polys"], coslat)
                items.append(
                    {
                        "x": lx,
                        "y": ly,
                        "r0": 0,
                        "text": _two_lines(names[c])
                        + "\n"
                        + _fmt_index(scores.get(c), scale, decimals)
                        + (f"\n{basis[c]}" if c in basis else ""),
                        "kw": {
                            "color": INK,
                            "url": links.get(c),
                            "bbox": dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.75),
                        },
                    }
                )
            _place_labels(ax, items, [], radii=(2, 6, 12), fontsize=NOTE, directions=[(0, 0)] + _DIRECTIONS)
        return ax

    metro = sorted(c for c in regions if c not in OVERSEAS_REGIONS)
    draw((0.2, 0.02, 0.62, 0.96), metro, True)
    inset_h, gap = 0.14, 0.05
    for k, c in enumerate([c for c in OVERSEAS_REGIONS if c in regions]):
        y = 0.95 - (k + 1) * inset_h - k * gap
        ax = draw((0.01, y, 0.16, inset_h), [c], False)
        ax.set_axis_on()
        ax.set_xticks([])
        ax.set_yticks([])
        for sp in ax.spines.values():
            sp.set_visible(True)
            sp.set_color(GRID)
            sp.set_linewidth(0.6)
        ax.text(
            0.5,
            1.02,
            f"{names[c]} : {_fmt_index(scores.get(c), scale, decimals)}" + (f"\n{basis[c]}" if c in basis else ""),
            transform=ax.transAxes,
            ha="center",
            va="bottom",
            fontsize=NOTE,
            color=INK,
            url=links.get(c),
        )
    cax = fig.add_axes((0.86, 0.25, 0.022, 0.5))
    _colourbar(
        fig,
        cax,
        norm,
        step,
        scale,
        horizontal=False,
        label="Indice global de fragilité : " + scale["unit"],
        ref=scale["ref"],
    )
    file = _save(fig, out_path)
    ranked = sorted(((c, s) for c, s in scores.items() if s is not None and c in regions), key=lambda x: -x[1])
    title = (
        "Indice global de fragilité des régions, écart à la France (0 = France ; positif = plus fragile)"
        if scale["norm"] == "zscore"
        else "Indice global de fragilité des régions"
    )
    alt = (
        "Carte de France des régions, colorées selon leur indice global de fragilité ("
        + scale["unit"]
        + " ; rouge : plus fragile que la France, bleu : moins fragile), les régions d'outre-mer en encadrés. "
    )

    def value(c: str, s: float) -> str:
        return _fmt_index(s, scale, decimals) + (f", {basis[c][1:-1]}" if c in basis else "")

    if ranked:
        alt += "Les plus fragiles : " + fr.join([f"{names[c]} ({value(c, s)})" for c, s in ranked[:3]])
        alt += " ; les moins fragiles : " + fr.join([f"{names[c]} ({value(c, s)})" for c, s in ranked[-3:][::-1]]) + "."
    src = (
        source or "Source : indices de fragilité IMPACT-Régions. Fond de carte : IGN, Admin Express ; INSEE, COG 2025."
    )
    return _result("regions_map", file, title, alt, src)
