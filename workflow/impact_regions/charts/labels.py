"""Label placement without overlaps (quadrant chart, maps): a deterministic search.

:func:`_place_labels` puts one text per point where it overlaps nothing (or as little as
possible), with leader lines for labels placed far from their point; the small geometric helpers
(:func:`_overlap`, :func:`_box_distance`, :func:`_segment_hits`) work on display-space boxes.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from .style import MUTED, SMALL

_DIRECTIONS = [(1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1), (0, 1), (0, -1)]


def _overlap(a: tuple, b: tuple) -> float:
    """Overlap area of two boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _leader(px: float, py: float, r0: float, box: tuple) -> tuple[float, float, float, float]:
    """Segment from the marker edge to the nearest point of the label box (display space)."""
    qx, qy = min(max(px, box[0]), box[2]), min(max(py, box[1]), box[3])
    d = math.hypot(qx - px, qy - py) or 1.0
    return px + (qx - px) * r0 / d, py + (qy - py) * r0 / d, qx, qy


def _box_distance(point: tuple, box: tuple) -> float:
    """Distance from a point to a box (x0, y0, x1, y1); 0 inside (display space)."""
    dx = max(box[0] - point[0], 0.0, point[0] - box[2])
    dy = max(box[1] - point[1], 0.0, point[1] - box[3])
    return math.hypot(dx, dy)


def _segment_hits(seg: tuple, box: tuple) -> bool:
    """Whether a segment crosses the inside of a box (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = seg
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if p == 0:
            if q <= 0:
                return False
            continue
        r = q / p
        if p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
        if t0 >= t1:
            return False
    return t1 - t0 > 1e-6


def _place_labels(
    ax,
    items: list[dict],
    obstacles: list[Bbox],
    *,
    radii=(3, 7, 12, 18, 26, 36, 50),
    fontsize: float = SMALL,
    leader_from: float = 11,
    margin: float = 2.0,
    directions=_DIRECTIONS,
    passes: int = 3,
    ambiguity_cost: float | None = None,
) -> list[dict]:
    """Place one text per point where it overlaps nothing (or as little as possible).

    `items`: [{"x", "y" (data), "text", "kw" (text properties), "r0" (marker radius, pt)}], in
    priority order. Candidate positions surround each point at growing distances; a greedy pass
    takes, in order, the first position free of obstacles (display-space boxes), of the labels
    already placed and of their leader lines; then a few passes move every label that still
    overlaps something to its best position given all the others. Labels stay inside the axes;
    a thin leader line joins a label placed far from its point. With `ambiguity_cost`, a place
    without a leader as near to another point as to the label's own (within 2 pt) costs that
    many points of distance more, so that labels are not paired with the wrong point. The figure
    layout must be final when this runs. Deterministic (no randomness).

    Returns, per item: `{"text": the Text, "anchor": its point and "box": its box (display
    space), "leader": whether a leader line was drawn}`.
    """
    fig = ax.get_figure(root=True)
    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72
    axbox = ax.get_window_extent(renderer)
    ix0, iy0 = axbox.x0 + margin * scale, axbox.y0 + margin * scale
    ix1, iy1 = axbox.x1 - margin * scale, axbox.y1 - margin * scale
    obs = np.array([[o.x0, o.y0, o.x1, o.y1] for o in obstacles]).reshape(-1, 4)
    inv = ax.transData.inverted()
    texts, cands = [], []
    anchors = [tuple(ax.transData.transform((it["x"], it["y"]))) for it in items]
    markers = [
        (
            x - it.get("r0", 3.0) * scale,
            y - it.get("r0", 3.0) * scale,
            x + it.get("r0", 3.0) * scale,
            y + it.get("r0", 3.0) * scale,
        )
        for (x, y), it in zip(anchors, items, strict=True)
    ]
    for n_item, it in enumerate(items):
        t = ax.text(0, 0, it["text"], fontsize=fontsize, ha="center", va="center", zorder=6, **it.get("kw", {}))
        bb = t.get_window_extent(renderer)
        w, h = bb.width + 1.5 * scale, bb.height
        px, py = ax.transData.transform((it["x"], it["y"]))
        r0 = it.get("r0", 3.0) * scale
        specs = []
        for r_pt in radii:
            r = r0 + r_pt * scale
            for k, (dx, dy) in enumerate(directions):
                if dx == 0 and dy == 0 and r_pt != radii[0]:
                    continue  # the centred position is tried once
                f = 0.72 if dx and dy else 1.0
                specs.append((px + dx * (r * f + w / 2), py + dy * (r * f + h / 2), r_pt, r + k * 0.3 * scale))
        arr = np.array([(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2) for cx, cy, _, _ in specs])
        outside = (
            np.maximum(0, ix0 - arr[:, 0])
            + np.maximum(0, arr[:, 2] - ix1)
            + np.maximum(0, iy0 - arr[:, 1])
            + np.maximum(0, arr[:, 3] - iy1)
        )
        if len(obs):
            ow = np.minimum(arr[:, None, 2], obs[None, :, 2]) - np.maximum(arr[:, None, 0], obs[None, :, 0])
            oh = np.minimum(arr[:, None, 3], obs[None, :, 3]) - np.maximum(arr[:, None, 1], obs[None, :, 1])
            over = (np.clip(ow, 0, None) * np.clip(oh, 0, None)).sum(axis=1)
        else:
            over = np.zeros(len(arr))
        hard = 50 * outside * h + 10 * over
        own = []
        others = [a for k, a in enumerate(anchors) if k != n_item]
        for (cx, cy, r_pt, soft), box, hc in zip(specs, arr.tolist(), hard.tolist(), strict=True):
            seg = _leader(px, py, r0, box) if r_pt >= leader_from else None
            ambiguous = (
                ambiguity_cost is not None
                and seg is None
                and others
                and min(_box_distance(o, box) for o in others) < _box_distance((px, py), box) + 2 * scale
            )
            if ambiguous:  # about as near to another point as to its own: a reader may pair them wrongly
                soft += ambiguity_cost * scale
            if seg is not None:  # a leader must not pass over another point
                hc += 10 * w * h * sum(_segment_hits(seg, m) for k, m in enumerate(markers) if k != n_item)
            own.append(
                {
                    "pos": (cx, cy),
                    "box": tuple(box),
                    "seg": seg,
                    "hard": hc,
                    "soft": soft,
                    "area": w * h,
                    "ambiguous": ambiguous,
                }
            )
        texts.append(t)
        cands.append(own)

    chosen: list[dict | None] = [None] * len(items)

    def clash(i: int, c: dict) -> float:
        total = 0.0
        for j, o in enumerate(chosen):
            if j == i or o is None:
                continue
            total += _overlap(c["box"], o["box"])
            if c["seg"] is not None and _segment_hits(c["seg"], o["box"]):
                total += c["area"]
            if o["seg"] is not None and _segment_hits(o["seg"], c["box"]):
                total += c["area"]
        return 10 * total

    for i, own in enumerate(cands):  # greedy pass
        best, best_cost = None, None
        for c in own:
            cost = c["hard"] + clash(i, c) + c["soft"]
            if best_cost is None or cost < best_cost:
                best, best_cost = c, cost
            if c["hard"] == 0 and cost == c["soft"] and not c["ambiguous"]:
                break  # the nearest free place (candidates go outwards)
        chosen[i] = best
    for _ in range(passes):  # repair passes
        moved = False
        for i, own in enumerate(cands):
            current = chosen[i]["hard"] + clash(i, chosen[i])
            if current == 0:
                continue
            best, best_cost = chosen[i], current + chosen[i]["soft"]
            for c in own:
                cost = c["hard"] + c["soft"]
                if cost >= best_cost:
                    continue
                cost += clash(i, c)
                if cost < best_cost:
                    best, best_cost = c, cost
            if best is not chosen[i]:
                chosen[i], moved = best, True
        if not moved:
            break
    for t, c in zip(texts, chosen, strict=True):
        t.set_position(inv.transform(c["pos"]))
        if c["seg"] is not None:
            seg = c["seg"]
            (ax0, ay0), (ax1, ay1) = inv.transform(seg[:2]), inv.transform(seg[2:])
            ax.add_line(Line2D([ax0, ax1], [ay0, ay1], color=MUTED, linewidth=0.5, zorder=4))
    return [
        {"text": t, "anchor": a, "box": c["box"], "leader": c["seg"] is not None}
        for t, a, c in zip(texts, anchors, chosen, strict=True)
    ]
