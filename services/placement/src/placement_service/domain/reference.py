"""The programme's fixed vocabularies (Chinese values, as the programme's people use them)."""

from __future__ import annotations

from enum import StrEnum


class UnitType(StrEnum):
    PARTY_GOVERNMENT = "党政机关"
    PUBLIC_INSTITUTION = "事业单位"
    MASS_ORGANISATION = "群团组织"
    STATE_ENTERPRISE = "国有企业"
    PRIVATE_ENTERPRISE = "民营企业"
    SUBDISTRICT_TOWNSHIP = "街道/乡镇"
    COMMUNITY_VILLAGE = "社区/村"
    YOUTH_HOME = "青年之家"
    SOCIAL_ORGANISATION = "社会组织"
    HOSPITAL_SCHOOL = "医院/学校"
    MEDIA = "融媒体"


class PostCategory(StrEnum):
    GOVERNMENT = "政务实践"
    ENTERPRISE = "企业实践"
    PUBLIC_WELFARE = "公益服务"
    COMMUNITY = "社区服务"
    RURAL_REVITALISATION = "乡村振兴"
    PART_TIME = "兼职锻炼"
    CULTURE = "文化宣传"
    ONLINE = "云实践"


class PoliticalStatus(StrEnum):
    PARTY_MEMBER = "中共党员"
    PROBATIONARY_MEMBER = "中共预备党员"
    LEAGUE_MEMBER = "共青团员"
    MASSES = "群众"
    OTHER = "其他"


class ConsentPurpose(StrEnum):
    """Separate consents (PIPL Art. 23, 25): each recorded with its time and text version."""

    SHARE_WITH_UNITS = "share_with_units"  # 提供给实践单位
    PUBLICITY = "publicity"  # 公示 list


INTERVIEW_CRITERIA: tuple[str, ...] = ("综合分析", "言语表达", "应变能力", "专业匹配")
"""Default score sheet; a unit may score other criteria too."""
