"""The people around one placement, each in their own browser: the unit schedules and scores
an interview, the county committee approves a post and finds the student eligible, the
coordinator previews, runs, adjusts and publishes a match (matching's offer reaches placement
over Kafka), the student accepts on the phone, the committee records training, the student
signs the 承诺书. Then the coordinator's dashboard, and English."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from placement_service.domain.id_numbers import check_digit
from tests.e2e.web.conftest import Pages, Watch, shot
from tests.e2e.web.harness import Stack
from tests.e2e.web.seed import COORDINATOR, Seeded, login
from tests.e2e.web.test_student import sign_in

pytestmark = pytest.mark.e2e

STUDENT = "13500000000"  # 赵一 of 城区: choices 新闻采编实习, 政务服务窗口助理, 社区青年服务岗
ID_NUMBER = "14030220050101123" + check_digit("14030220050101123")


def flash(page: Page, text: str) -> None:
    expect(page.locator(".notice.ok")).to_have_text(text)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    """Poll ``check`` until it returns something true (events travel through Kafka)."""
    deadline = time.monotonic() + timeout
    while True:
        if found := check():
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def matching_knows(stack: Stack, student: str, post_id: str) -> None:
    """Wait until matching's read model (fed by placement's events) has the student's
    eligibility and the unit's score, as a coordinator would before running the match."""
    with httpx.Client(base_url=stack.placement) as client:
        boss = login(client, COORDINATOR)
        apps = client.get(
            "/v1/applications", params={"home_county": "140302"}, headers=boss
        ).json()["items"]
        students = client.get("/v1/students", params={"home_county": "140302"}, headers=boss)
    sid = next(s["student_id"] for s in students.json()["items"] if s["name"] == student)
    app_id = next(a["application_id"] for a in apps if a["student_id"] == sid)

    def ready() -> bool:
        with httpx.Client(base_url=stack.matching) as client:
            found = client.get(f"/v1/read-model/applications/{app_id}", headers=boss)
        if found.status_code != 200:
            return False
        body = found.json()
        scored = any(p["post_id"] == post_id and p["score"] is not None for p in body["posts"])
        return bool(body.get("eligible")) and scored

    wait_for("matching's read model", ready)


def test_from_interview_to_a_signed_commitment(pages: Pages, stack: Stack, seeded: Seeded) -> None:
    post = next(p for p in seeded.posts if p["title"] == "政务服务窗口助理")

    # The unit: its posts, the post's applicants (phones masked), the score sheet.
    unit = pages.desktop()
    sign_in(unit, stack.web, seeded.unit_phones[2], start="/u")
    expect(unit).to_have_url(stack.web + "/u")
    shot(unit, "unit-posts-1280")
    row = unit.get_by_role("row", name=re.compile("政务服务窗口助理"))
    row.get_by_role("link", name="报名学生").click()
    expect(unit.get_by_role("heading", level=1)).to_have_text("政务服务窗口助理")
    expect(unit.get_by_role("row", name=re.compile("赵一"))).to_contain_text("135****0000")
    unit.get_by_role("link", name="面试评分：赵一").click()
    unit.get_by_label("时间（北京时间）").fill("2026-07-01T09:30")
    unit.get_by_label("地点或线上会议链接").fill("城区政府 302 会议室")
    unit.get_by_role("button", name="保存安排").click()
    flash(unit, "面试安排已保存")
    for criterion, score in (
        ("综合分析", "88"),
        ("言语表达", "92"),
        ("应变能力", "85"),
        ("专业匹配", "90"),
    ):
        unit.get_by_role("spinbutton", name=criterion).fill(score)
    shot(unit, "unit-score-sheet-1280")
    unit.get_by_role("button", name="保存评分").click()
    flash(unit, "评分已保存")
    first = unit.locator("tbody tr").first
    expect(first).to_contain_text("赵一")
    expect(first).to_contain_text("88.8")
    expect(first).to_contain_text("2026-07-01 09:30")
    shot(unit, "unit-applicants-1280")

    # An invalid score is refused by placement and shown next to its field.
    unit.get_by_role("link", name="面试评分：赵一").click()
    unit.get_by_role("spinbutton", name="综合分析").fill("120")
    unit.get_by_role("button", name="保存评分").click()
    expect(unit.locator("#e-score\\:综合分析")).to_be_visible()
    expect(unit.get_by_role("spinbutton", name="综合分析")).to_have_attribute(
        "aria-invalid", "true"
    )

    # The county committee: approves a waiting post, finds 赵一 eligible.
    county = pages.desktop()
    sign_in(county, stack.web, seeded.county_phone, start="/c")
    expect(county.locator("article")).to_have_count(2)
    shot(county, "county-approvals-1280")
    county.get_by_role("button", name="通过并发布：档案整理助理").click()
    flash(county, "岗位已通过审核并发布")
    expect(county.locator("article")).to_have_count(1)
    county.get_by_role("link", name="资格审核").click()
    shot(county, "county-eligibility-1280")
    # The full phone number only for a stated reason (placement audits each look).
    row = county.get_by_role("row", name=re.compile("赵一"))
    row.get_by_text("查看完整号码").click()
    row.get_by_role("textbox", name="原因").first.fill("核实学籍，电话联系")
    row.get_by_role("button", name="查看", exact=True).click()
    expect(row.locator(".phone-full")).to_have_text(STUDENT)
    county.get_by_role("button", name="审核通过：赵一").click()
    flash(county, "资格审核结果已保存")
    expect(county.get_by_role("row", name=re.compile("赵一"))).to_have_count(0)

    # The coordinator matches: a preview, a run, one adjustment, publish.
    matching_knows(stack, "赵一", post["post_id"])
    boss = pages.desktop()
    sign_in(boss, stack.web, COORDINATOR, start="/city/match")
    expect(boss.get_by_role("heading", name="双向选择匹配")).to_be_visible()
    boss.get_by_role("button", name="预览").click()
    expect(boss.get_by_test_id("preview-placed")).to_have_text("1")
    expect(boss.get_by_test_id("stable")).to_be_visible()
    expect(boss.locator(".preview .chart canvas").first).to_be_visible()
    shot(boss, "city-match-preview-1280")
    boss.get_by_role("button", name="运行并保存").click()
    expect(boss).to_have_url(re.compile(r"/city/match/rounds/R-"))
    # A background run shows its progress bar until the round is ready for review.
    expect(boss.get_by_test_id("round-status")).to_have_text("待发布", timeout=60_000)
    round_url = boss.url
    row = boss.locator("table.placements").get_by_role("row", name=re.compile("赵一"))
    expect(row).to_contain_text("新闻采编实习")  # 志愿 1: that unit scored nobody
    shot(boss, "city-match-round-1280")
    boss.get_by_role("link", name="匹配说明：赵一").click()
    expect(boss.locator(".empty")).to_have_text("录用的就是这名学生的第一志愿。")
    boss.go_back()
    row = boss.locator("table.placements").get_by_role("row", name=re.compile("赵一"))
    # Move 赵一 to 志愿 2 (the post that interviewed them): matching accepts it and reports
    # the blocking pair it leaves (赵一 and 新闻采编实习, which has places left).
    row.locator("summary", has_text="调整").click()
    row.get_by_label("改为").select_option(label="志愿 2：政务服务窗口助理")
    row.get_by_label("原因").fill("单位已面试并评分，学生本人来电希望去政务服务窗口")
    row.get_by_role("button", name="保存调整：赵一").click()
    flash(boss, "调整已保存，并重新做了稳定性检查")
    expect(boss.locator("#override-blocking")).to_contain_text("1 个阻塞对")
    expect(
        boss.locator("table.placements").get_by_role("row", name=re.compile("赵一"))
    ).to_contain_text("政务服务窗口助理")
    # Publishing needs the confirmation ticked (an inline error otherwise).
    boss.get_by_role("button", name="发布匹配结果").click()
    expect(boss.locator("#e-confirm")).to_have_text(re.compile("请勾选确认后再发布"))
    boss.get_by_label(re.compile("我已核对结果")).check()
    boss.get_by_role("button", name="发布匹配结果").click()
    flash(boss, "匹配结果已发布，录用通知正在发给学生")
    expect(boss.get_by_test_id("round-status")).to_have_text("已发布")
    shot(boss, "city-match-published-1280")

    # The county committee reads its county's figures of the round (read only).
    county.get_by_role("link", name="匹配结果").click()
    county.get_by_role("link", name=re.compile("^R-")).first.click()
    expect(county.get_by_test_id("round-placed")).to_have_text("1")
    expect(county.get_by_role("button", name=re.compile("发布"))).to_have_count(0)
    shot(county, "county-match-1280")

    # The same round on a phone (the coordinator on the move).
    small = pages.phone()
    sign_in(small, stack.web, COORDINATOR, start=round_url.removeprefix(stack.web))
    expect(small.get_by_test_id("round-status")).to_have_text("已发布")
    expect(small.locator(".chart canvas")).to_have_count(4)
    shot(small, "city-match-round-375")

    # The student, on the phone: the offer shows on the home page once placement has it.
    phone = pages.phone()
    sign_in(phone, stack.web, STUDENT)
    expect(phone).to_have_url(stack.web + "/s")
    for _ in range(60):
        if phone.get_by_text("你已被“政务服务窗口助理”录用").count():
            break
        phone.wait_for_timeout(500)
        phone.reload()
    expect(phone.locator(".step.current")).to_contain_text("录用")
    shot(phone, "student-home-offer-375")
    phone.get_by_role("link", name="查看录用").click()
    phone.get_by_role("button", name="接受录用").click()
    flash(phone, "已接受录用")
    expect(phone.locator(".offer .badge")).to_have_text("已接受录用")

    # The committee records the pre-job training.
    county.get_by_role("link", name="录用与培训").click()
    county.get_by_role("button", name="记录已培训：赵一").click()
    flash(county, "已记录岗前培训")

    # The student signs the 承诺书: typed name + confirmation code.
    phone.get_by_role("navigation", name="主导航").get_by_role("link", name="首页").click()
    phone.get_by_role("link", name="签署承诺书", exact=True).click()
    expect(phone.locator(".letter")).to_contain_text("本人 赵一")
    phone.get_by_role("button", name="获取确认码").click()
    code = phone.locator(".dev-code").inner_text()
    phone.get_by_role("textbox", name="输入你的姓名").fill("赵一")
    phone.get_by_role("textbox", name="短信确认码").fill(code)
    phone.get_by_label("我已阅读并同意以上承诺").check()
    shot(phone, "student-commitment-375")
    phone.get_by_role("button", name="签署", exact=True).click()
    flash(phone, "承诺书已签署")
    phone.get_by_role("navigation", name="主导航").get_by_role("link", name="首页").click()
    expect(phone.locator(".step.done")).to_have_count(6)
    expect(phone.locator(".step.current")).to_contain_text("上岗")
    shot(phone, "student-home-signed-375")

    # Notify turned the events into inbox messages (it consumes them from Kafka).
    phone.get_by_role("navigation", name="主导航").get_by_role("link", name="消息").click()
    for _ in range(60):
        if phone.locator(".message").count():
            break
        phone.wait_for_timeout(500)
        phone.reload()
    expect(phone.locator(".message").first).to_be_visible()
    shot(phone, "student-inbox-375")
    unread = phone.locator(".message.unread")
    if unread.count():
        phone.get_by_role("button", name="全部标为已读").click()
        expect(phone.locator(".message.unread")).to_have_count(0)

    # 定岗 needs the ID number (insurance): a wrong one is refused inline, then the right one.
    phone.goto(stack.web + "/s/offers")
    phone.get_by_label("身份证号（定岗办理保险用）").fill("140302200501011234")
    phone.get_by_role("button", name="保存身份证号").click()
    expect(phone.locator(".offer p.error")).to_contain_text("身份证号不正确")
    phone.get_by_label("身份证号（定岗办理保险用）").fill(ID_NUMBER)
    phone.get_by_role("button", name="保存身份证号").click()
    flash(phone, "身份证号已保存")
    expect(phone.locator(".offer")).to_contain_text("140302")
    expect(phone.locator(".offer")).not_to_contain_text(ID_NUMBER)  # masked from now on

    # The committee fixes the post; the unit confirms arrival, then the end with a rating.
    county.get_by_role("link", name="录用与培训").click()
    county.get_by_role("button", name="定岗：赵一").click()
    flash(county, "已定岗")
    unit.goto(stack.web + "/u/placements")
    unit.get_by_role("button", name="确认到岗：赵一").click()
    flash(unit, "已确认到岗")
    unit.get_by_text("确认结束并评价", exact=True).click()
    unit.get_by_label("评价").select_option("5")
    unit.get_by_label("评语（选填）").fill("认真负责，按时完成任务")
    unit.get_by_role("button", name="确认结束").click()
    flash(unit, "实践已结束，评价已保存")

    # The student prints the certificate (实践证明).
    phone.goto(stack.web + "/s")
    phone.get_by_role("link", name=re.compile("实践证明")).click()
    phone.get_by_role("link", name="查看并打印实践证明").click()
    certificate = phone.locator(".certificate")
    expect(certificate).to_contain_text("兹证明 赵一 同学（山西大学）")
    expect(certificate).to_contain_text("政务服务窗口助理")
    expect(certificate).to_contain_text("城区人民政府办公室")
    expect(certificate).to_contain_text("共青团阳泉市委员会")
    shot(phone, "student-certificate-375")
    print_page = pages.desktop()
    sign_in(print_page, stack.web, STUDENT, start=phone.url.removeprefix(stack.web))
    print_page.emulate_media(media="print")
    expect(print_page.locator(".screen-only")).to_be_hidden()
    shot(print_page, "student-certificate-print-1280")


def test_the_coordinator_sees_the_season_in_charts(
    desktop: Page, stack: Stack, seeded: Seeded
) -> None:
    sign_in(desktop, stack.web, COORDINATOR, start="/city")
    expect(desktop).to_have_url(stack.web + "/city")
    charts = desktop.locator(".chart canvas")
    expect(charts).to_have_count(3)  # ECharts drew all three, from the app's own copy
    expect(desktop.get_by_role("row", name=re.compile("^平定县"))).to_contain_text("5")
    shot(desktop, "city-dashboard-1280")
    desktop.get_by_role("link", name="匹配").click()
    expect(desktop.get_by_role("heading", name="双向选择匹配")).to_be_visible()
    expect(desktop.get_by_role("row", name=re.compile("已发布"))).to_have_count(1)
    shot(desktop, "city-match-1280")
    desktop.get_by_role("link", name="审计日志").click()
    expect(desktop.get_by_role("heading", level=1)).to_have_text("审计日志")


def test_the_coordinator_opens_a_season_registers_a_unit_and_an_account(
    desktop: Page, stack: Stack, seeded: Seeded
) -> None:
    page = desktop
    sign_in(page, stack.web, COORDINATOR, start="/city/seasons")
    box = page.get_by_role("textbox", name=re.compile("^编号"))
    box.fill("2027-summer")
    page.get_by_role("textbox", name="名称", exact=True).fill("2027 年暑期“返家乡”社会实践")
    times = {"岗位申报": ("2027-04-01", "2027-05-01"), "学生报名": ("2027-05-01", "2027-06-01"),
             "面试": ("2027-06-01", "2027-06-20")}  # fmt: skip
    for window, (opens, closes) in times.items():
        page.get_by_label(f"{window}开始").fill(f"{opens}T09:00")
        page.get_by_label(f"{window}截止").fill(f"{closes}T18:00")
    page.get_by_label("上岗开始日期").fill("2027-07-05")
    page.get_by_label("上岗结束日期").fill("2027-06-30")  # before the start: refused
    page.get_by_role("button", name="创建实践季").click()
    expect(page.locator("#e-on_post_end")).to_be_visible()
    page.get_by_label("上岗结束日期").fill("2027-08-20")
    page.get_by_role("button", name="创建实践季").click()
    expect(page.locator(".notice.ok")).to_have_text("实践季已创建")
    expect(page.get_by_role("row", name=re.compile("2027-summer"))).to_contain_text("进行中")
    shot(page, "city-seasons-1280")

    page.get_by_role("link", name="单位登记").click()
    page.get_by_role("textbox", name="单位名称").fill("盂县融媒体中心")
    page.get_by_role("combobox", name="单位类型").select_option("融媒体")
    page.get_by_role("combobox", name="县区", exact=True).select_option("140322")
    expect(page.locator("#f-township option", has_text="秀水镇")).to_be_attached()
    page.get_by_role("combobox", name="乡镇（街道）").select_option("140322100")
    page.get_by_role("textbox", name="联系人", exact=True).fill("李老师")
    page.get_by_role("textbox", name="联系人手机号").fill("13611112222")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".notice.ok")).to_contain_text("实践单位已登记")
    expect(page.get_by_role("row", name=re.compile("盂县融媒体中心"))).to_contain_text(
        "136****2222"
    )

    page.get_by_role("link", name="账户").click()
    page.get_by_role("combobox", name="角色").select_option("liaison")
    page.get_by_role("textbox", name="姓名或机构名称").fill("北京联络员")
    page.get_by_role("textbox", name="手机号").fill("13400000002")
    page.get_by_role("textbox", name=re.compile("就读城市")).fill("北京")
    page.get_by_role("button", name="开通", exact=True).click()
    expect(page.locator(".notice.ok")).to_have_text("账户已开通")
    expect(page.get_by_role("row", name=re.compile("北京联络员"))).to_contain_text("134****0002")


def test_a_liaison_sees_the_students_of_their_city_and_writes_to_them(
    desktop: Page, stack: Stack, seeded: Seeded
) -> None:
    sign_in(desktop, stack.web, seeded.liaison_phone, start="/l")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("在外学生名册")
    roster = desktop.locator("table.data").first
    expect(roster).to_contain_text("赵一")
    expect(roster).not_to_contain_text("135")  # names and schools only
    desktop.get_by_role("textbox", name="标题").fill("阳泉人才政策宣讲会")
    desktop.get_by_role("textbox", name="内容").fill("7 月 10 日下午在太原举办，欢迎参加。")
    desktop.get_by_role("button", name="发送").click()
    expect(desktop.locator(".notice.ok")).to_have_text("信息已发送")
    expect(desktop.get_by_role("row", name=re.compile("阳泉人才政策宣讲会"))).to_contain_text(
        "已发送"
    )
    shot(desktop, "liaison-1280")


def test_english_on_a_phone_and_inline_errors_at_sign_in(
    phone: Page, stack: Stack, watch: Watch
) -> None:
    phone.goto(stack.web + "/login")
    phone.get_by_role("link", name="English").click()
    expect(phone.get_by_role("heading", name="Sign in with your phone")).to_be_visible()
    phone.get_by_role("textbox", name="Mobile number").fill("12345")
    phone.get_by_role("button", name="Send me a code").click()
    expect(phone.locator("#e-phone")).to_have_text("Enter an 11-digit mobile number")
    shot(phone, "login-error-en-375")
    phone.get_by_role("textbox", name="Mobile number").fill("13912340077")
    phone.get_by_role("button", name="Send me a code").click()
    code = phone.get_by_test_id("dev-code").inner_text()
    phone.get_by_role("textbox", name="Code").fill(code)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    expect(phone.get_by_role("heading", name="My status")).to_be_visible()
    shot(phone, "student-home-en-375")
    phone.get_by_role("link", name="中文").click()
    expect(phone.get_by_role("heading", name="我的状态")).to_be_visible()
    watch.allow("/no/such/page")
    phone.goto(stack.web + "/no/such/page")
    expect(phone.get_by_role("heading", name="页面不存在")).to_be_visible()


def test_a_unit_imports_posts_from_a_spreadsheet(
    desktop: Page, stack: Stack, seeded: Seeded, tmp_path: Path
) -> None:
    header = "岗位名称*,岗位类别*,县区代码*,乡镇街道代码,招募人数*,岗位职责"
    bad = tmp_path / "posts-bad.csv"
    bad.write_text(
        f"{header}\n矿区图书馆古籍整理,公益服务,140303,140303004,2,整理古籍\n"
        "讲解员,不存在的类别,140303,,0,讲解\n",
        encoding="utf-8",
    )
    good = tmp_path / "posts.csv"
    good.write_text(
        f"{header}\n古籍整理助理,公益服务,140303,140303004,2,整理古籍\n"
        "阅读推广助理,公益服务,140303,140303004,1,组织读书会\n",
        encoding="utf-8",
    )
    page = desktop
    sign_in(page, stack.web, seeded.unit_phones[4], start="/u/import")  # 矿区图书馆
    expect(page.get_by_role("heading", level=1)).to_have_text("批量导入岗位")

    page.get_by_label("文件（.xlsx 或 .csv，最大 5 MB）").set_input_files(bad)
    page.get_by_role("button", name="检查并导入").click()
    expect(page.locator("#problems-h")).to_contain_text("没有导入任何岗位")
    rows = page.locator("table.data tbody tr")
    expect(rows.first).to_contain_text("3")  # the spreadsheet's own row number
    shot(page, "unit-import-problems-1280")

    page.get_by_label("文件（.xlsx 或 .csv，最大 5 MB）").set_input_files(good)
    page.get_by_role("button", name="检查并导入").click()
    expect(page.get_by_role("status")).to_contain_text("已导入 2 个岗位")
    page.get_by_role("link", name="查看我的岗位").click()
    for title in ("古籍整理助理", "阅读推广助理"):
        expect(page.get_by_role("row", name=re.compile(title))).to_contain_text("待审核")
