"""The analysis over HTTP as reports (HTML, PDF with its Chinese text, xlsx), the analysis
cache (a new response invalidates it, whichever way it arrives), and county views without
verbatim free text — over real PostgreSQL and Kafka, PDF by the real headless chromium."""

from __future__ import annotations

import asyncio
import io
import json
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from fanxiang_common.auth import Role
from fanxiang_local.testing import SettingsFactory, bearer, serve_in_process
from survey_service.analysis_cache import AnalysisCache
from survey_service.app import create_app
from survey_service.db import store
from survey_service.exportgen import generate_export
from survey_service.settings import SurveySettings

pytestmark = pytest.mark.integration

COORDINATOR = bearer(Role.COORDINATOR, subject="coordinator-1")
QID = "fanxiang-return-home-survey"
ANALYSIS = f"/v1/questionnaires/{QID}/analysis"
REPORT = f"/v1/questionnaires/{QID}/report"


async def _import(client: Any, path: Path) -> dict[str, Any]:
    r = await client.post(
        "/v1/imports",
        files={"file": (path.name, await asyncio.to_thread(path.read_bytes))},
        headers=COORDINATOR,
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _pdf_text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return unicodedata.normalize("NFKC", "".join(p.extract_text() for p in pages))


async def test_reports_pdf_html_xlsx_and_the_cache(
    service_settings: SettingsFactory, tmp_path: Path
) -> None:
    settings = service_settings(SurveySettings)
    truth = generate_export(tmp_path / "问卷星.xlsx", responses=120, seed=5)
    app = create_app(settings)
    cache = app.state.analysis_cache
    async with serve_in_process(app) as client:
        await _import(client, truth.path)

        pdf = await client.get(REPORT, params={"format": "pdf"}, headers=COORDINATOR)
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        assert "attachment" in pdf.headers["content-disposition"]
        text = _pdf_text(pdf.content)
        for phrase in ("概览", "答卷数", "您的性别", "请对以下方面进行评价", "交叉分析"):
            assert phrase in text, phrase
        assert str(truth.responses) in text

        html = await client.get(REPORT, headers=COORDINATOR)
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        assert "您的性别" in html.text and "<svg" in html.text

        xlsx = await client.get(REPORT, params={"format": "xlsx"}, headers=COORDINATOR)
        assert xlsx.status_code == 200
        with zipfile.ZipFile(io.BytesIO(xlsx.content)) as z:
            assert "概览" in z.read("xl/workbook.xml").decode()

        bad = await client.get(REPORT, params={"format": "doc"}, headers=COORDINATOR)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "format"]

        # One analysis computed for the three formats; asking again hits the cache.
        assert cache.misses == 1 and cache.hits == 2
        first = (await client.get(ANALYSIS, headers=COORDINATOR)).json()
        assert cache.misses == 1 and first["responses"] == truth.responses

        county = {"county": "140322"}
        before_in_county = (await client.get(ANALYSIS, params=county, headers=COORDINATOR)).json()
        assert cache.misses == 2

        # A new response over HTTP invalidates both: the next analyses count it, adding only
        # the responses stored since to the cached accumulators.
        answers = {"1": "女", "2": "大三", "5": "盂县", "11": 4, "17": "希望岗位再多一些"}
        r = await client.post(
            f"/v1/questionnaires/{QID}/responses", json={"answers": answers}, headers=COORDINATOR
        )
        assert r.status_code == 201, r.text
        second = (await client.get(ANALYSIS, headers=COORDINATOR)).json()
        assert (cache.misses, cache.updates) == (2, 1)
        assert second["responses"] == truth.responses + 1
        in_county = (await client.get(ANALYSIS, params=county, headers=COORDINATOR)).json()
        assert (cache.misses, cache.updates) == (2, 2)
        assert in_county["responses"] == before_in_county["responses"] + 1

        # … and the result is the one a pass over every response gives.
        pool = app.state.runtime.pool
        async with pool.acquire() as conn:
            questionnaire = await store.get_questionnaire(conn, QID)
        assert questionnaire is not None
        for scope, got in ((None, second), ("140322", in_county)):
            fresh = await AnalysisCache().entry(pool, questionnaire, scope)
            assert json.loads(json.dumps(fresh.result, ensure_ascii=False)) == got, scope

        # Importing the same file again stores nothing and keeps the cache.
        again = await _import(client, truth.path)
        assert again["stored"] == 0
        third = (await client.get(ANALYSIS, headers=COORDINATOR)).json()
        assert (cache.misses, cache.updates) == (2, 2) and third == second

        # The report follows: the PDF now shows the new total.
        pdf2 = await client.get(REPORT, params={"format": "pdf"}, headers=COORDINATOR)
        assert str(truth.responses + 1) in _pdf_text(pdf2.content)


async def test_a_county_report_has_no_verbatim_free_text(
    service_settings: SettingsFactory, tmp_path: Path
) -> None:
    settings = service_settings(SurveySettings)
    truth = generate_export(tmp_path / "all.csv", responses=400, seed=9, fmt="csv")
    async with serve_in_process(create_app(settings)) as client:
        await _import(client, truth.path)
        everyone = (await client.get(ANALYSIS, headers=COORDINATOR)).json()
        [q17] = [q for q in everyone["questions"] if q["number"] == 17]
        quotes = [x for t in q17["themes"] for x in t["quotes"]]
        assert quotes, "the all-county view shows quotes of themes with 5+ mentions"

        county = bearer(Role.COUNTY, subject="c-1", county="140322")
        mine = await client.get(ANALYSIS, headers=county)
        assert mine.status_code == 200, mine.text
        result = mine.json()
        assert result["scope"] == {"county": "140322"} and result["responses"] >= 5
        [c17] = [q for q in result["questions"] if q["number"] == 17]
        assert c17["themes"] and all(t["quotes"] == [] for t in c17["themes"])
        assert all("other_texts" not in q for q in result["questions"])
        dumped = json.dumps(result, ensure_ascii=False)
        assert not any(x in dumped for x in quotes)
        assert all(k["answers"] >= 5 for k in c17["keywords"])

        html = await client.get(REPORT, headers=county)
        assert html.status_code == 200 and "县区视图不展示原文引用" in html.text
        assert not any(x in html.text for x in quotes)
        other = await client.get(REPORT, params={"county": "140302"}, headers=county)
        assert other.status_code == 403
