"""Writers for an analysis result: JSON, Excel workbook, self-contained HTML, PDF."""

from typing import Any

from survey_service.reports.html_report import render_html
from survey_service.reports.json_report import render_json
from survey_service.reports.pdf_report import PdfUnavailable, find_chromium, html_to_pdf
from survey_service.reports.xlsx_report import sheet_name, write_xlsx


def render_pdf(result: dict[str, Any], *, chromium: str | None = None) -> bytes:
    """The HTML report printed to PDF (headless chromium); raises PdfUnavailable."""
    return html_to_pdf(render_html(result), chromium=chromium)


__all__ = [
    "PdfUnavailable",
    "find_chromium",
    "html_to_pdf",
    "render_html",
    "render_json",
    "render_pdf",
    "sheet_name",
    "write_xlsx",
]
