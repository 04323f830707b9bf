"""Message templates: Chinese first, English available, versioned.

A notification stores its template key, version and parameters, never only the rendered text:
the inbox renders it in the reader's language, and a template edited later (a new version)
does not rewrite what someone already received. Change wording by adding a version; never edit
a version that has been used.

SMS is different on purpose: mainland SMS providers only send pre-approved templates, and an
SMS can be read by anyone holding the phone. There are exactly two SMS texts — a code, and "you
have a new notice" — short, and without any personal data (`SMS_TEXTS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from notify_service.domain.timing import SHANGHAI


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class Kind(StrEnum):
    TEXT = "text"
    DATETIME = "datetime"
    COUNT = "count"  # a list's length


class SmsText(StrEnum):
    NOTICE = "notice"
    CODE = "code"


# Each fits one SMS segment (70 characters) with its parameters filled in.
SMS_TEXTS: dict[SmsText, str] = {
    SmsText.NOTICE: "【返家乡】您有一条新通知，请登录返家乡平台查看。",
    SmsText.CODE: "【返家乡】验证码{code}，{minutes}分钟内有效，请勿告诉他人。",
}
SMS_PARAMS: dict[SmsText, tuple[str, ...]] = {SmsText.NOTICE: (), SmsText.CODE: ("code", "minutes")}
SMS_MAX_CHARS = 70
WECHAT_TITLE_MAX = 20  # a subscription message's `thing` field


@dataclass(frozen=True)
class Text:
    title: str
    body: str


@dataclass(frozen=True)
class Template:
    key: str
    version: int
    zh: Text
    en: Text
    params: Mapping[str, Kind] = field(default_factory=dict)
    sms: SmsText = SmsText.NOTICE

    def text(self, language: Language) -> Text:
        return self.en if language is Language.EN else self.zh


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def _t(key: str, zh: tuple[str, str], en: tuple[str, str], version: int = 1, **kw: Any) -> Template:
    return Template(key, version, Text(*zh), Text(*en), **kw)


_POST = {"post_title": Kind.TEXT}
_ALL: tuple[Template, ...] = (
    # --- students ---
    _t(
        "application-received",
        ("报名已提交", "你的报名已提交，共 {choice_count} 个志愿。请留意资格审核结果。"),
        (
            "Application received",
            "Your application with {choice_count} ranked choices was received. Watch for the eligibility decision.",
        ),
        params={"choice_count": Kind.COUNT},
    ),
    _t(
        "eligibility-passed",
        ("资格审核通过", "你的报名已通过资格审核，请等待面试安排。"),
        (
            "You are eligible",
            "Your application passed the eligibility check. An interview will be arranged.",
        ),
    ),
    _t(
        "eligibility-failed",
        ("资格审核未通过", "很遗憾，你的报名未通过资格审核。原因：{reason}"),
        ("Not eligible", "Your application did not pass the eligibility check. Reason: {reason}"),
        params={"reason": Kind.TEXT},
    ),
    _t(
        "interview-scheduled",
        ("面试安排", "「{post_title}」的面试定于 {at}，地点：{place}。"),
        ("Interview scheduled", "Your interview for “{post_title}” is at {at}, {place}."),
        params={**_POST, "at": Kind.DATETIME, "place": Kind.TEXT},
    ),
    _t(
        "applicant-refused",
        ("面试结果", "「{post_title}」的单位未录用你。匹配时仍会考虑你的其他志愿。"),
        (
            "Interview result",
            "The unit of “{post_title}” will not take you; your other choices still count in the match.",
        ),
        params=_POST,
    ),
    _t(
        "interview-reminder",
        ("面试提醒", "提醒：「{post_title}」的面试将于 {at} 在 {place} 进行。"),
        ("Interview tomorrow", "Reminder: your interview for “{post_title}” is at {at}, {place}."),
        params={**_POST, "at": Kind.DATETIME, "place": Kind.TEXT},
    ),
    _t(
        "offer-made",
        ("录用通知", "你已被「{post_title}」录用，请在 {accept_by} 前登录平台确认是否接受。"),
        ("Offer", "You have an offer for “{post_title}”. Accept or decline it before {accept_by}."),
        params={**_POST, "accept_by": Kind.DATETIME},
    ),
    _t(
        "not-placed",
        ("匹配结果", "本轮匹配没有为你安排岗位。如有补录，会另行通知你。"),
        (
            "Match result",
            "This round did not place you in a post. If there is a supplementary round, you will hear.",
        ),
    ),
    _t(
        "offer-expired",
        ("录用已过期", "你未在期限内答复「{post_title}」的录用，录用已失效。"),
        ("Offer expired", "Your offer for “{post_title}” expired without an answer."),
        params=_POST,
    ),
    _t(
        "training-reminder",
        (
            "岗前培训提醒",
            "你已接受「{post_title}」的录用。请按通知参加岗前培训，培训后签署承诺书。",
        ),
        (
            "Pre-job training",
            "You accepted “{post_title}”. Please attend the pre-job training; the commitment letter follows.",
        ),
        params=_POST,
    ),
    _t(
        "commitment-to-sign",
        ("请签署承诺书", "你已完成「{post_title}」的岗前培训，请登录平台签署承诺书。"),
        (
            "Sign the commitment letter",
            "Training for “{post_title}” is done. Please sign the commitment letter.",
        ),
        params=_POST,
    ),
    _t(
        "arrival-confirmed",
        ("已确认到岗", "实践单位已确认你在「{post_title}」到岗，祝实践顺利！"),
        (
            "Arrival confirmed",
            "Your unit confirmed your arrival at “{post_title}”. Enjoy your practice!",
        ),
        params=_POST,
    ),
    _t(
        "survey-invitation",
        ("问卷邀请", "你的返家乡社会实践已结束，请花几分钟填写问卷，帮助我们改进工作。"),
        (
            "Survey",
            "Your summer practice has ended. Please take a few minutes to answer our questionnaire.",
        ),
    ),
    _t(
        "login-code",
        ("验证码", "验证码已通过短信发送。"),
        ("Sign-in code", "A sign-in code was sent by SMS."),
        sms=SmsText.CODE,
    ),
    # --- units ---
    _t(
        "post-approved",
        ("岗位已发布", "岗位「{post_title}」已审核通过并向学生发布。"),
        ("Post published", "Your post “{post_title}” was approved and is open to students."),
        params=_POST,
    ),
    _t(
        "post-returned",
        ("岗位被退回", "岗位「{post_title}」被退回修改。原因：{reason}"),
        ("Post returned", "Your post “{post_title}” was returned for changes. Reason: {reason}"),
        params={**_POST, "reason": Kind.TEXT},
    ),
    _t(
        "applicant-to-score",
        ("待评分的申请人", "「{post_title}」有一场面试定于 {at}。面试后请为申请人评分。"),
        (
            "Applicant to score",
            "An interview for “{post_title}” is at {at}. Please score the applicant afterwards.",
        ),
        params={**_POST, "at": Kind.DATETIME},
    ),
    _t(
        "offer-accepted",
        ("学生已接受录用", "一名学生接受了「{post_title}」的录用。"),
        ("Offer accepted", "A student accepted the offer for “{post_title}”."),
        params=_POST,
    ),
    _t(
        "offer-declined",
        ("学生已放弃录用", "一名学生放弃了「{post_title}」的录用。"),
        ("Offer declined", "A student declined the offer for “{post_title}”."),
        params=_POST,
    ),
    _t(
        "arrival-to-confirm",
        ("请确认到岗", "「{post_title}」已定岗。学生到岗后，请在平台确认到岗。"),
        (
            "Confirm arrival",
            "A student is placed on “{post_title}”. Confirm their arrival when they come.",
        ),
        params=_POST,
    ),
    _t(
        "branch-officer-approved",
        ("团支部任职", "你已获批担任临时团支部{office_name}，可以组织支部活动了。"),
        (
            "Branch office",
            "You are now {office_name} of the temporary League branch and may organise its activities.",
        ),
        params={"office_name": Kind.TEXT},
    ),
    _t(
        "branch-officer-rejected",
        ("团支部竞任结果", "你竞任临时团支部{office_name}未获批准。原因：{reason}"),
        (
            "Branch office",
            "Your nomination as {office_name} of the temporary League branch was not approved. Reason: {reason}",
        ),
        params={"office_name": Kind.TEXT, "reason": Kind.TEXT},
    ),
    _t(
        "branch-activity-announced",
        (
            "团支部活动",
            "临时团支部将于 {starts_at} 在 {place} 举办{kind_name}活动「{activity_title}」，"
            "限 {capacity} 人，欢迎报名。",
        ),
        (
            "Branch activity",
            "The temporary League branch holds “{activity_title}” ({kind_name}) at {starts_at}, "
            "{place}; {capacity} places. Sign up on the platform.",
        ),
        params={
            "activity_title": Kind.TEXT,
            "kind_name": Kind.TEXT,
            "starts_at": Kind.DATETIME,
            "place": Kind.TEXT,
            "capacity": Kind.COUNT,
        },
    ),
    _t(
        "branch-activity-cancelled",
        ("团支部活动取消", "原定 {starts_at} 的活动「{activity_title}」取消。原因：{reason}"),
        (
            "Branch activity cancelled",
            "“{activity_title}” at {starts_at} is cancelled. Reason: {reason}",
        ),
        params={"activity_title": Kind.TEXT, "starts_at": Kind.DATETIME, "reason": Kind.TEXT},
    ),
    # --- committees and the coordinator ---
    _t(
        "branch-officer-to-approve",
        ("团支部竞任待审批", "有团员竞任临时团支部{office_name}，等待你审批。"),
        (
            "Branch nomination",
            "A member nominated themself as {office_name} of the temporary League branch; it waits for your decision.",
        ),
        params={"office_name": Kind.TEXT},
    ),
    _t(
        "post-to-approve",
        ("待审核岗位", "岗位「{post_title}」已提交，等待你审核。"),
        ("Post to approve", "The post “{post_title}” was submitted and waits for your approval."),
        params=_POST,
    ),
    _t(
        "unit-to-approve",
        ("单位待审核", "实践单位「{unit_name}」申请注册，等待你审核。"),
        (
            "Unit to approve",
            "The unit “{unit_name}” registered itself and waits for your approval.",
        ),
        params={"unit_name": Kind.TEXT},
    ),
    _t(
        "round-finished",
        ("匹配轮次已完成", "匹配轮次 {round_id} 已完成，请审核并公示结果。"),
        (
            "Matching round finished",
            "Matching round {round_id} has finished; review and publish it.",
        ),
        params={"round_id": Kind.TEXT},
    ),
    _t(
        "import-finished",
        ("问卷导入已完成", "问卷文件导入已完成，可以查看分析结果。"),
        ("Survey import finished", "The questionnaire import has finished; the analysis is ready."),
    ),
    # --- liaison broadcasts: the liaison's own words ---
    _t(
        "broadcast",
        ("{title}", "{body}"),
        ("{title}", "{body}"),
        params={"title": Kind.TEXT, "body": Kind.TEXT},
    ),
)

TEMPLATES: dict[str, dict[int, Template]] = {}
for _tpl in _ALL:
    TEMPLATES.setdefault(_tpl.key, {})[_tpl.version] = _tpl


def current(key: str) -> Template:
    versions = TEMPLATES[key]
    return versions[max(versions)]


def get(key: str, version: int) -> Template:
    return TEMPLATES[key][version]


def format_value(kind: Kind, value: Any, language: Language) -> str:
    if value is None or value == "":
        return "—"
    if kind is Kind.COUNT:
        return str(len(value)) if isinstance(value, list | tuple) else str(value)
    if kind is Kind.DATETIME:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        local = moment.astimezone(SHANGHAI)
        if language is Language.EN:
            return local.strftime("%-d %b %H:%M")
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return str(value)


def render(template: Template, params: Mapping[str, Any], language: Language) -> Rendered:
    """The title and body in ``language``; a missing parameter shows as a dash, never fails."""
    values = {
        name: format_value(kind, params.get(name), language)
        for name, kind in template.params.items()
    }
    text = template.text(language)
    return Rendered(text.title.format_map(values), text.body.format_map(values))


def render_sms(kind: SmsText, params: Mapping[str, Any]) -> str:
    """An SMS text: only its own whitelisted parameters, which carry no personal data."""
    return SMS_TEXTS[kind].format_map(
        {name: str(params.get(name, "")) for name in SMS_PARAMS[kind]}
    )
