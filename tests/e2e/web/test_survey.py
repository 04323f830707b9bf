"""Surveys in the browser: the coordinator imports a 问卷星 export (generated, with messy rows)
and reads the row-by-row report, the analysis with its charts and an Excel export; a county
committee reads its county; a student answers the season questionnaire on a phone (skip
logic, the most choices, inline errors) and survey stores the response it gets over Kafka."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from survey_service.exportgen import generate_export
from tests.e2e.web.conftest import Pages, shot
from tests.e2e.web.harness import Stack
from tests.e2e.web.seed import COORDINATOR, Seeded, login
from tests.e2e.web.test_student import sign_in

pytestmark = pytest.mark.e2e

QUESTIONNAIRE = "fanxiang-return-home-survey"


def responses_in_survey(stack: Stack) -> int:
    with httpx.Client(base_url=stack.placement) as client:
        boss = login(client, COORDINATOR)
    with httpx.Client(base_url=stack.survey) as client:
        result: dict[str, Any] = client.get(
            f"/v1/questionnaires/{QUESTIONNAIRE}/analysis", headers=boss
        ).json()
    return int(result["responses"])


def test_the_coordinator_imports_an_export_and_reads_the_analysis(
    pages: Pages, stack: Stack, seeded: Seeded, tmp_path: Path
) -> None:
    export = tmp_path / "问卷星导出.xlsx"
    truth = generate_export(export, responses=60, seed=3, fmt="xlsx")
    boss = pages.desktop()
    sign_in(boss, stack.web, COORDINATOR, start="/city/survey")
    expect(boss.get_by_role("heading", name="导入问卷星/腾讯问卷导出文件")).to_be_visible()
    boss.locator("input[type=file]").set_input_files(str(export))
    boss.get_by_role("button", name="上传并导入").click()
    # The import runs in survey's background; the page polls it, then shows the report.
    expect(boss.get_by_test_id("import-status")).to_have_text("已完成", timeout=60_000)
    expect(boss.get_by_test_id("import-stored")).to_have_text(
        str(truth.responses - truth.duplicates)
    )
    problems = boss.locator("table.problems tbody tr")
    expect(problems.first).to_be_visible()
    assert problems.count() >= truth.rejected + truth.blank
    shot(boss, "city-survey-import-1280")
    # The survey page lists past imports, newest first, each linking to its report.
    boss.goto(f"{stack.web}/city/survey")
    latest = boss.get_by_test_id("imports").locator("tbody tr").first
    expect(latest).to_contain_text("问卷星导出.xlsx")
    expect(latest).to_contain_text("已完成")
    expect(latest.locator("td.num").nth(1)).to_have_text(str(truth.responses - truth.duplicates))

    boss.get_by_role("link", name="查看分析").first.click()
    # The first analysis is computed (free text segmented) before survey caches it.
    expect(boss.get_by_role("heading", level=1)).to_have_text("问卷分析", timeout=60_000)
    expect(boss.locator(".question .chart canvas").first).to_be_visible()
    first = boss.get_by_role("region", name=re.compile("^1\\. 您的性别"))
    expect(first.locator("tbody tr")).to_have_count(2)
    shot(boss, "city-survey-analysis-1280")
    with boss.expect_download() as download:
        boss.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert download.value.path().read_bytes()[:2] == b"PK"  # an xlsx is a zip

    # The county committee reads its county (survey keeps it to that county).
    county = pages.desktop()
    sign_in(county, stack.web, seeded.county_phone, start="/c/survey")
    expect(county.get_by_role("heading", level=1)).to_have_text("问卷分析 · 城区", timeout=60_000)
    shot(county, "county-survey-1280")


def answer(page: Page, number: int, *labels: str) -> None:
    group = page.get_by_role("group", name=re.compile(f"^{number}\\. "))
    for label in labels:
        group.get_by_label(label, exact=True).check()


def test_a_student_answers_the_questionnaire_on_a_phone(
    phone: Page, stack: Stack, seeded: Seeded
) -> None:
    before = responses_in_survey(stack)
    page = phone
    sign_in(page, stack.web, seeded.students[1], start="/s/survey")
    expect(page.get_by_role("heading", level=1)).to_contain_text("返家乡")
    answer(page, 1, "男")
    # Submitting with questions left: each one is marked, with the reason beside it.
    page.get_by_role("button", name="提交问卷").click()
    expect(page.get_by_role("alert")).to_contain_text("需要修改")
    expect(page.locator("#e-q2")).to_have_text("请回答这一题")
    expect(page.locator("#q2")).to_have_attribute("aria-invalid", "true")
    shot(page, "student-survey-errors-375")

    answer(page, 2, "大二")
    answer(page, 3, "山西省内")
    answer(page, 4, "文学")
    answer(page, 5, "城区")
    answer(page, 6, "仅寒暑假")
    # Skip logic: satisfaction (8, 9) only for students who had a post.
    answer(page, 7, "未参加岗位实践")
    expect(page.locator("#q8")).to_be_hidden()
    expect(page.locator("#q9")).to_be_hidden()
    answer(page, 7, "社区服务")
    expect(page.locator("#q8")).to_be_visible()
    answer(page, 7, "未参加岗位实践")
    expect(page.locator("#q8")).to_be_hidden()
    answer(page, 10, "了解家乡发展", "其他")
    page.get_by_label("“其他”请注明").first.fill("认识了家乡的朋友")
    answer(page, 11, "比较愿意")
    # At most three: the fourth box cannot be ticked.
    answer(page, 12, "薪资待遇", "专业对口", "离家近照顾家人")
    group12 = page.get_by_role("group", name=re.compile("^12\\. "))
    expect(group12.get_by_label("职业发展空间", exact=True)).to_be_disabled()
    answer(page, 13, "岗位数量少")
    matrix = page.get_by_role("group", name=re.compile("^14\\. "))
    for row in (
        "高校毕业生就业补贴",
        "住房（人才公寓、租房补贴）",
        "事业单位专项招聘",
        "创业扶持",
        "落户与子女教育",
    ):
        matrix.get_by_label(f"{row}：一般").check()
    answer(page, 15, "家人朋友")
    answer(page, 16, "更多实践岗位")
    page.get_by_role("textbox", name=re.compile("意见和建议")).fill("希望岗位再多一些")
    shot(page, "student-survey-375")
    page.get_by_role("button", name="提交问卷").click()
    expect(page.locator(".notice.ok")).to_have_text("问卷已提交，谢谢！")
    expect(page.get_by_text("你已提交问卷，谢谢！")).to_be_visible()

    # The response reached survey through Kafka.
    deadline = time.monotonic() + 60
    while responses_in_survey(stack) < before + 1:
        assert time.monotonic() < deadline, "survey did not store the response"
        time.sleep(0.5)
    assert responses_in_survey(stack) == before + 1
