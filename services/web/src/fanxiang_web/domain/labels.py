"""Chinese labels of the services' codes (statuses, roles, purposes); i18n translates them."""

from __future__ import annotations

POST_STATUS = {
    "draft": "草稿",
    "submitted": "待审核",
    "returned": "已退回",
    "published": "已发布",
    "full": "已满",
    "closed": "已关闭",
    "withdrawn": "已撤回",
}
APPLICATION_STATUS = {
    "submitted": "已报名",
    "eligible": "资格审核通过",
    "ineligible": "资格审核未通过",
    "withdrawn": "已退出",
}
PLACEMENT_STATUS = {
    "offered": "已录用，待确认",
    "accepted": "已接受录用",
    "declined": "已放弃",
    "expired": "已过期",
    "trained": "已参加岗前培训",
    "committed": "已签承诺书",
    "fixed": "已定岗",
    "on_post": "已上岗",
    "completed": "已结束",
}
ROLE = {
    "student": "学生",
    "unit": "实践单位",
    "county": "县区团委",
    "coordinator": "团市委",
    "liaison": "在外联络员",
    "officer": "临时团支部委员",
}
CONSENT = {
    "share_with_units": "同意向报名岗位的实践单位提供我的个人信息",
    "publicity": "同意在录用公示名单中公布我的姓名、学校和岗位",
}
CITY_LABEL = "市直"


def label(table: dict[str, str], code: str | None) -> str:
    if code is None:
        return ""
    return table.get(code, code)
