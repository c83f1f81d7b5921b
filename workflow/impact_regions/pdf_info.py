"""Facts about a written PDF (pages, size, tagging, title, language, PDF/UA part, fonts), read
back with pypdf: for the index page and the tests. A module of its own so that the index job does
not import WeasyPrint."""

from __future__ import annotations

from pathlib import Path


def write_pdf_facts(render_result: dict, out_json: str | Path) -> None:
    """`{"pages": ..., "size_bytes": ...}` of a PDF just rendered (the result of render.render_pdf),
    for the index page: reading the PDFs back with pypdf cost the index job, the last of the build,
    about 0.9 s (measured); the tests check that these facts match the PDFs."""
    from .templating import write_json_atomic

    write_json_atomic(out_json, {"pages": render_result["pages"], "size_bytes": render_result["size_bytes"]})


def pdf_info(path: str | Path) -> dict:
    """Facts about a PDF, read back with pypdf, for the index page and the tests.

    Keys: `pages` (int), `size_bytes` (int), `is_tagged` (bool: /MarkInfo /Marked true and a
    /StructTreeRoot), `title` (str | None), `lang` (str | None), `pdfua_part` (int | None, from
    the XMP metadata), `has_attachments` (bool: /EmbeddedFiles or /FileAttachment annotations),
    `fonts` (sorted list of embedded font names, subset prefix removed).
    """
    from pypdf import PdfReader

    path = Path(path)
    reader = PdfReader(str(path))
    root = reader.trailer["/Root"].get_object()
    mark_info = root.get("/MarkInfo")
    mark_info = mark_info.get_object() if mark_info is not None else {}
    is_tagged = bool(mark_info.get("/Marked", False)) and "/StructTreeRoot" in root
    lang = root.get("/Lang")
    meta = reader.metadata
    title = meta.title if meta is not None else None

    pdfua_part = None
    xmp = root.get("/Metadata")
    if xmp is not None:
        data = xmp.get_object().get_data().decode("utf-8", "replace")
        for marker in ('pdfuaid:part="', "<pdfuaid:part>"):
            if marker in data:
                digits = data.split(marker, 1)[1][:3]
                digits = "".join(ch for ch in digits if ch.isdigit())
                pdfua_part = int(digits) if digits else None
                break

    names = root.get("/Names")
    has_attachments = names is not None and "/EmbeddedFiles" in names.get_object()
    fonts = set()
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                has_attachments = True
        resources = page.get("/Resources")
        font_dict = resources.get_object().get("/Font") if resources is not None else None
        for font in font_dict.get_object().values() if font_dict is not None else []:
            base = str(font.get_object().get("/BaseFont", ""))
            fonts.add(base.lstrip("/").split("+", 1)[-1])

    return {
        "pages": len(reader.pages),
        "size_bytes": path.stat().st_size,
        "is_tagged": is_tagged,
        "title": str(title) if title is not None else None,
        "lang": str(lang) if lang is not None else None,
        "pdfua_part": pdfua_part,
        "has_attachments": bool(has_attachments),
        "fonts": sorted(fonts),
    }
