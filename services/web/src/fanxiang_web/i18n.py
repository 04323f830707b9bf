"""Chinese by default, English by a switch (DESIGN.md: UI language).

Pages are written in Chinese; ``_("岗位")`` looks the Chinese text up in the English catalogue
(`catalogue_en.EN`) when the person chose English. A text missing there falls back to Chinese,
and a unit test fails for any text in a template or module that has no English entry.

The services answer errors in English for developers; `error_text` turns the ones people meet
into plain words by their ``type`` (and field), and keeps the service's words otherwise."""

from __future__ import annotations

from typing import Any

from fanxiang_web.catalogue_en import EN
from fanxiang_web.domain.errors import FieldError

LANGS = ("zh", "en")
DEFAULT = "zh"


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else DEFAULT

    def __call__(self, text: str, **values: Any) -> str:
        out = EN.get(text, text) if self.lang == "en" else text
        return out.format(**values) if values else out


# One-shot notices after a redirect (the cookie holds the key, never free text).
FLASH: dict[str, str] = {
    "signed_out": "已退出登录",
    "profile_saved": "个人资料已保存",
    "consents_saved": "授权已更新",
    "choices_submitted": "志愿已提交",
    "application_withdrawn": "已撤回报名",
    "offer_accepted": "已接受录用",
    "offer_declined": "已放弃录用",
    "commitment_signed": "承诺书已签署",
    "post_saved": "岗位已保存",
    "post_submitted": "岗位已提交审核",
    "post_withdrawn": "岗位已撤回",
    "post_approved": "岗位已通过审核并发布",
    "post_returned": "岗位已退回单位",
    "eligibility_saved": "资格审核结果已保存",
    "interview_saved": "面试安排已保存",
    "score_saved": "评分已保存",
    "applicant_refused": "已标记为不录用",
    "training_recorded": "已记录岗前培训",
    "post_fixed": "已定岗",
    "arrival_confirmed": "已确认到岗",
    "placement_completed": "实践已结束，评价已保存",
    "broadcast_sent": "信息已发送",
    "broadcast_pending": "信息已提交，团市委同意后发送",
    "broadcast_approved": "已同意发送",
    "broadcast_rejected": "已退回这条信息",
    "season_opened": "实践季已创建",
    "season_closed": "实践季已结束",
    "account_created": "账户已开通",
    "unit_registered": "实践单位已登记，联系人可以用手机号登录",
    "override_saved": "调整已保存，并重新做了稳定性检查",
    "round_published": "匹配结果已发布，录用通知正在发给学生",
    "survey_submitted": "问卷已提交，谢谢！",
    "id_number_saved": "身份证号已保存",
    "interview_booked": "面试已预约",
    "interview_cancelled": "已取消面试预约",
    "slot_created": "面试时间已发布",
    "slot_deleted": "面试时间已删除",
    "unit_approved": "已通过登记，单位联系人现在可以登录",
    "unit_rejected": "已驳回登记",
    "account_disabled": "账户已停用",
    "account_enabled": "账户已启用",
    "signed_out_everywhere": "已在所有设备上退出登录",
}

# Error types (placement's codes and pydantic's) → what a person reads.
_BY_TYPE = {
    "missing": "必填",
    "string_too_short": "必填",
    "string_too_long": "太长了",
    "too_long": "太多了",
    "int_parsing": "请输入整数",
    "float_parsing": "请输入数字",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "greater_than": "数值太小",
    "date_from_datetime_parsing": "请输入日期",
    "date_parsing": "请输入日期",
    "datetime_parsing": "请输入日期和时间",
    "timezone_aware": "请输入日期和时间",
    "enum": "请从列表中选择",
    "literal_error": "请从列表中选择",
    "code_wrong": "验证码不正确",
    "code_expired": "验证码已过期，请重新获取",
    "code_missing": "请先获取验证码",
    "too_many_requests": "操作太频繁，请稍后再试",
    "window_closed": "已过截止时间",
    "window_not_open": "尚未开放",
    "season_closed": "本季已结束",
    "consent_required": "请先在“我的”中同意向实践单位提供个人信息",
    "duplicate": "这个岗位已经在志愿里了",
    "post_not_open": "这个岗位已不接受报名",
    "unknown_post": "岗位不存在",
    "already_applied": "你已经报过名了",
    "invalid_state": "当前状态下不能这样操作",
    "offer_expired": "录用确认已过期",
    "text_changed": "承诺书内容已更新，请重新阅读后再签署",
    "forbidden": "你没有权限进行这个操作",
    "not_found": "找不到这条记录",
    "conflict": "与现有数据冲突",
    "unavailable": "服务暂时不可用，请稍后再试",
    "slot_full": "这个时间已约满，请选择其他时间",
    "slot_started": "面试已经开始，不能再更改",
    "slot_booked": "已有学生预约这个时间，不能删除",
    "id_number_missing": "学生还没有填写身份证号（定岗办理保险用），请提醒学生在“录用与承诺书”中填写",
    # Matching's codes.
    "unstable": "这一轮没有通过稳定性检查，不能发布",
    "stale": "这一轮计算之后又发布了其他轮次，请重新运行",
    "already_published": "这一轮已经发布，不能再修改",
    "season_already_published": "本实践季已经发布了主轮匹配，请运行补录",
    "round_not_ready": "这一轮还在运行，请等它完成",
    # The web's own checks.
    "confirm_publish": "请勾选确认后再发布",
    "too_large": "文件太大",
    "already_chosen": "这个岗位已经在志愿里了",
    "too_many": "志愿已满，请先移除一个",
    "profile_needed": "请先完善个人资料",
}
# (field, type) pairs whose message is clearer than the type's alone.
_BY_FIELD = {
    ("phone", "string_pattern_mismatch"): "请输入 11 位手机号",
    ("contact_phone", "string_pattern_mismatch"): "请输入 11 位手机号",
    ("code", "string_pattern_mismatch"): "验证码是 6 位数字",
    ("email", "string_pattern_mismatch"): "邮箱格式不正确",
    ("reason", "missing"): "请填写原因",
    ("reason", "string_too_short"): "请填写原因",
    ("reason", "invalid"): "请填写原因",
    ("typed_name", "invalid"): "请输入与个人资料一致的姓名",
    ("season_id", "invalid"): "匹配服务还没有这个实践季可用的岗位或报名",
    ("kind", "invalid"): "本实践季还没有发布主轮匹配，不能补录",
    ("post_id", "invalid"): "这个调整不可行：不是该学生的志愿、岗位已满，或受属地管理、不录用限制",
    ("student_id", "invalid"): "这一轮没有这名学生",
    ("accept_by", "invalid"): "确认截止时间必须晚于现在",
    ("id_number", "invalid"): "身份证号不正确，请核对（18 位，最后一位可以是 X）",
    ("starts_at", "invalid"): "开始时间要晚于现在，并在本季面试时间内",
    ("ends_at", "invalid"): "结束时间要晚于开始时间（最长 8 小时），并在本季面试时间内",
    ("place", "invalid"): "请填写面试地点或线上会议链接",
    ("online_url", "string_pattern_mismatch"): "请填写以 http:// 或 https:// 开头的链接",
    ("phone", "unauthorized"): "这个账户已停用，或单位注册正在等待审核",
    ("contact_phone", "conflict"): "这个手机号已经有账户或正在等待审核",
    ("locality_exceptions", "invalid"): "这名学生在本实践季没有有效报名",
}


def error_text(t: Translator, error: FieldError) -> str:
    field = error.field.split(".", 1)[0]
    message = _BY_FIELD.get((field, error.type)) or _BY_TYPE.get(error.type)
    if message:
        return t(message)
    if error.type.endswith("pattern_mismatch"):
        return t("格式不正确")
    return error.msg or t("请求未被接受")
