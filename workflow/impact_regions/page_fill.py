"""Page balance of a rendered report: no page more than a quarter empty, no table row left alone.

WeasyPrint, like every CSS paginator, moves a block that cannot be broken (a chart, a highlight
box) to the next page when it does not fit, and leaves the rest of the page blank: a chart of
half a page height after a few paragraphs can empty 40 % of a page. CSS has no "float to the
next page" (LaTeX's figure placement), so :func:`balance` does it on the laid-out document:

* :func:`page_report` measures, for every page, the share of its content area left blank below
  the last line, image or table row, from WeasyPrint's own layout boxes (the same figure as a
  raster of the PDF page, to within a pixel row).
* :func:`balance` lays the document out, and while a page other than the last is more than
  `MAX_EMPTY` empty because the block opening the next page did not fit, it edits the HTML tree
  and lays it out again (at most `MAX_PASSES` times), with the first remedy that applies:

  1. a chart that would fit if its image were at most 15 % smaller is drawn smaller
     (`MIN_CHART_SCALE`; the SVG scales, so its text stays sharp);
  2. otherwise the paragraphs that follow the chart in the same section, up to the next heading
     or chart, are moved before it, as many as fill the blank (the chart keeps its section and
     its caption; the text it moves after is the text that comments it).

  A table whose last body row would sit alone at the top of a page gets a page break before
  its next-to-last row (`break-before: page` on a `tr`); one whose first body row would sit
  alone at the bottom of a page starts on the next page, with its caption and the headings
  that introduce it.

The edits are made to the parsed HTML of the job only (the HTML file on disk is unchanged), and
they are deterministic: the same HTML gives the same PDF. What :func:`balance` could not fix is
returned, for the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from weasyprint.formatting_structure import boxes

MAX_EMPTY = 0.25  # share of a page's content area that may stay blank (the last page excepted)
MIN_CHART_SCALE = 0.85  # a chart is drawn at least at 85 % of its size (7 pt text: 6 pt) to fill a page
MAX_PASSES = 10  # layouts per document at most (the first one included)
_SLACK = 4.0  # CSS px kept free when moving paragraphs (margins collapse differently)

_HEADINGS = ("h1", "h2", "h3", "h4")


@dataclass(frozen=True)
class PageFill:
    """How full one laid-out page is: `empty` is the blank share of its content area (0-1),
    `gap` the blank height in CSS px below its last content, `first` the block box opening it
    and `following` the blocks after it in its section on that page."""

    number: int
    empty: float
    gap: float
    first: object | None
    following: tuple = ()


def _content_boxes(page_box):
    """The boxes of a page's flow (its margin boxes — running title, page number — excepted)."""
    return [c for c in page_box.children if not isinstance(c, boxes.MarginBox)]


def _bottom(page_box) -> float:
    """The lowest edge of any line, image, table row or empty block drawn in the page's flow."""
    bottom = page_box.content_box_y()
    for root in _content_boxes(page_box):
        for box in root.descendants():
            leaf = isinstance(box, (boxes.LineBox, boxes.ReplacedBox, boxes.TableRowBox)) or not getattr(
                box, "children", None
            )
            if leaf and box.height:
                bottom = max(bottom, box.border_box_y() + box.border_height())
    return bottom


def _opening_block(page_box) -> tuple[object | None, list]:
    """The first block of the page inside its section (what was pushed to this page), with the
    blocks that follow it in that section on this page."""
    box, siblings = next(iter(_content_boxes(page_box)), None), []
    while box is not None and box.element_tag in ("html", "body", "section", "main"):
        siblings = [c for c in getattr(box, "children", None) or () if c.element is not None]
        box = siblings[0] if siblings else None
    return box, siblings[1:]


def page_report(document) -> list[PageFill]:
    """One :class:`PageFill` per page of a WeasyPrint `Document` (laid out, not yet written)."""
    report = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box  # WeasyPrint's public Page has no layout tree accessor
        top, height = page_box.content_box_y(), page_box.height
        gap = top + height - _bottom(page_box)
        first, following = _opening_block(page_box)
        report.append(PageFill(number, gap / height, gap, first, tuple(following)))
    return report


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _shrink_chart(figure_box, gap: float) -> bool:
    """Give the chart's image a width that makes the figure `gap` px tall, if not below 80 %."""
    image = next((b for b in figure_box.descendants() if isinstance(b, boxes.ReplacedBox)), None)
    if image is None or image.element is None or not image.height:
        return False
    excess = figure_box.margin_height() - gap + 1.0
    scale = (image.height - excess) / image.height
    if scale < MIN_CHART_SCALE:
        return False
    image.element.set("style", f"width: {image.width * scale:.1f}px; margin-left: auto; margin-right: auto")
    return True


def _move_text_before(block_box, after, gap: float, parents: dict) -> bool:
    """Move the paragraphs `after` `block_box` in its section before it, as many as fit `gap`."""
    element = block_box.element
    parent = parents.get(element)
    if parent is None:
        return False
    moved, used = [], 0.0
    for box in after:
        if box.element_tag != "p" or "chart-source" in _classes(box.element):
            break
        if used + box.margin_height() > gap - _SLACK:
            break
        moved.append(box.element)
        used += box.margin_height()
    if not moved:
        return False
    position = list(parent).index(element)
    for offset, paragraph in enumerate(moved):
        parent.remove(paragraph)
        parent.insert(position + offset, paragraph)
    return True


def _start_of(element, parents: dict):
    """The element a page break must precede to move `element` with the headings that introduce
    it: its preceding sibling headings, and its parent's if it opens its parent."""
    while True:
        parent = parents.get(element)
        if parent is None:
            return element
        siblings = [c for c in parent if isinstance(c.tag, str)]
        k = siblings.index(element)
        if k > 0 and siblings[k - 1].tag in _HEADINGS:
            element = siblings[k - 1]
        elif k == 0 and parent.tag not in ("body", "section", "html"):
            element = parent
        else:
            return element


def _lone_row_fixes(document, parents: dict) -> list:
    """Elements to break before, so that no table leaves one body row alone on a page: the
    next-to-last row when the last would open a page alone; the table with its caption and the
    headings introducing it when its first row would close a page alone, or when its caption
    (or header row) would close a page without any row. In a table of several row groups (the
    indicator tables: one `tbody` per domain, its first row the domain's, class `domain-row`),
    a group split with fewer than two indicator rows on one side moves whole to the next page."""
    rows_by_table: dict = {}
    rows_by_group: dict = {}
    starts: dict = {}  # table element -> the first page showing its caption or a header row
    for number, page in enumerate(document.pages):
        for root in _content_boxes(page._page_box):
            for box in root.descendants():
                if isinstance(box, boxes.TableCaptionBox) and box.element is not None:
                    starts.setdefault(parents.get(box.element), number)
                if not isinstance(box, boxes.TableRowGroupBox) or box.element is None or box.is_footer:
                    continue
                table = parents.get(box.element)
                if box.is_header:
                    starts.setdefault(table, number)
                    continue
                for row in box.children:
                    if row.element is not None:
                        rows_by_table.setdefault(table, []).append((number, row.element))
                        rows_by_group.setdefault(box.element, []).append((number, row.element))
    fixes = []
    for group, rows in rows_by_group.items():  # a table of several row groups (one per domain)
        table = parents.get(group)
        if table is None or sum(1 for g in table if g.tag == "tbody") < 2 or len({n for n, _ in rows}) < 2:
            continue
        data = [(n, r) for n, r in rows if "domain-row" not in (r.get("class") or "").split()]
        first, last = rows[0][0], rows[-1][0]
        if sum(n == first for n, _ in data) < 2 or sum(n == last for n, _ in data) < 2:
            fixes.append(
                rows[0][1] if group is not next(g for g in table if g.tag == "tbody") else _start_of(table, parents)
            )
    for table, rows in rows_by_table.items():
        if any(rows[0][1] is f or table is f for f in fixes):
            continue
        pages = [number for number, _ in rows]
        if pages.count(pages[0]) == 1 and len(set(pages)) > 1 or starts.get(table, pages[0]) < pages[0]:
            fixes.append(_start_of(table, parents) if table is not None else rows[0][1])
        elif len(set(pages)) > 1 and pages.count(pages[-1]) == 1 and len(rows) >= 3:
            fixes.append(rows[-2][1])  # the last row alone on the next page
    return fixes


def _too_empty(document) -> int:
    """How many pages (the last excepted) are more than `MAX_EMPTY` empty."""
    return sum(fill.empty > MAX_EMPTY for fill in page_report(document)[:-1])


def _fill_pages(document, html, tried: set) -> bool:
    """One remedy for the first page too empty (see the module docstring); True if the tree changed."""
    parents = {child: parent for parent in html.etree_element.iter() for child in parent}
    pages = page_report(document)
    for fill, following in zip(pages[:-1], pages[1:], strict=True):
        block = following.first
        if fill.empty <= MAX_EMPTY or block is None or block.element is None or block.element in tried:
            continue
        tried.add(block.element)
        if block.element_tag == "figure" and _shrink_chart(block, fill.gap):
            return True
        if _move_text_before(block, following.following, fill.gap, parents):
            return True
    return False


def balance(render, html) -> tuple[object, list[str]]:
    """Lay out `html` with `render()` (a callable returning a WeasyPrint `Document`) until no page
    but the last is more than `MAX_EMPTY` empty and no table row is alone, editing `html`'s tree
    between layouts (see the module docstring). Returns the last document and the problems left
    (one line per page still too empty), for the log.

    The pages are filled first (charts, paragraphs), then the lone table rows are fixed, on the
    final flow: a page break forced earlier would stay where the flow no longer needs it. A row
    fix that would leave a page more than a quarter empty is undone (a blank half page is worse
    than a row alone).
    """
    document = render()
    passes, tried = 1, set()  # elements already edited: one remedy each, so that the loop ends
    while passes < MAX_PASSES and _fill_pages(document, html, tried):
        document, passes = render(), passes + 1
    while passes < MAX_PASSES:
        parents = {child: parent for parent in html.etree_element.iter() for child in parent}
        edited = {}
        for element in _lone_row_fixes(document, parents):
            if element not in tried:
                tried.add(element)
                edited[element] = element.get("style")
                element.set("style", ((element.get("style") or "") + "; break-before: page").lstrip("; "))
        if not edited:
            break
        before = _too_empty(document)
        candidate, passes = render(), passes + 1
        if _too_empty(candidate) <= before:
            document = candidate
            continue
        for element, style in edited.items():  # undo: a blank page is worse than a lone row
            if style is None:
                element.attrib.pop("style", None)
            else:
                element.set("style", style)
        document, passes = render(), passes + 1
        break
    left = [
        f"page {fill.number} is {fill.empty:.0%} empty" for fill in page_report(document)[:-1] if fill.empty > MAX_EMPTY
    ]
    return document, left
