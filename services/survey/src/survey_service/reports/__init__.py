"""Writers for an analysis result: JSON, Excel workbook, self-contained HTML."""

from survey_service.reports.html_report import render_html
from survey_service.reports.json_report import render_json
from survey_service.reports.xlsx_report import sheet_name, write_xlsx

__all__ = ["render_html", "render_json", "sheet_name", "write_xlsx"]
