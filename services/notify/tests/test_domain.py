"""The pure rules: templates, SMS safety, quiet hours, backoff, rate limits, planning."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from fanxiang_common.auth import Principal, Role
from fanxiang_common.events import event_types
from fanxiang_common.events.topics import BY_NAME
from notify_service.domain import rules, templates
from notify_service.domain.channels import BACKOFF, Channel
from notify_service.domain.deliveries import Status, after_failure, initial
from notify_service.domain.ratelimit import LIMITS, Limit, next_allowed
from notify_service.domain.recipients import (
    Audience,
    Recipient,
    inbox_of,
    normalise_city,
    resolve,
)
from notify_service.domain.templates import Language, SmsText
from notify_service.domain.timing import QuietHours

QUIET = QuietHours()
# 2026-07-01 12:00 in Shanghai is 04:00 UTC.
NOON = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
LATE = datetime(2026, 7, 1, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
EARLY = datetime(2026, 6, 30, 22, 0, tzinfo=UTC)  # 06:00 on 1 July in Shanghai
EIGHT_AM_JULY_2 = datetime(2026, 7, 2, 0, 0, tzinfo=UTC)
EIGHT_AM_JULY_1 = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)


# --- templates ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(templates.TEMPLATES))
def test_every_template_renders_in_both_languages_without_leftover_braces(key: str) -> None:
    tpl = templates.current(key)
    params = {
        name: ["P1", "P2"]
        if kind is templates.Kind.COUNT
        else NOON
        if kind is templates.Kind.DATETIME
        else "X"
        for name, kind in tpl.params.items()
    }
    for language in Language:
        out = templates.render(tpl, params, language)
        assert out.title and out.body
        assert "{" not in out.title + out.body


@pytest.mark.parametrize("key", sorted(templates.TEMPLATES))
def test_titles_fit_a_wechat_subscription_field_and_carry_no_parameters(key: str) -> None:
    tpl = templates.current(key)
    if key == "broadcast":
        return  # the liaison's own title, cut to size when sent
    assert len(tpl.zh.title) <= templates.WECHAT_TITLE_MAX
    assert "{" not in tpl.zh.title + tpl.en.title


def test_chinese_is_the_default_and_english_is_available() -> None:
    tpl = templates.current("offer-made")
    params = {"post_title": "团委办公室助理", "accept_by": NOON}
    zh = templates.render(tpl, params, Language.ZH)
    en = templates.render(tpl, params, Language.EN)
    assert zh.title == "录用通知" and "7月1日 12:00" in zh.body  # Shanghai time
    assert en.title == "Offer" and "1 Jul 12:00" in en.body


def test_a_missing_parameter_renders_as_a_dash() -> None:
    out = templates.render(templates.current("post-returned"), {"post_title": "助理"}, Language.ZH)
    assert out.body.endswith("原因：—")


def test_templates_are_versioned_and_old_versions_stay_renderable() -> None:
    for key, versions in templates.TEMPLATES.items():
        assert templates.current(key).version == max(versions)
        assert all(templates.get(key, v).version == v for v in versions)


def test_sms_texts_are_short_and_have_no_personal_parameters() -> None:
    for kind, text in templates.SMS_TEXTS.items():
        placeholders = set(re.findall(r"{(\w+)}", text))
        assert placeholders == set(templates.SMS_PARAMS[kind])
        assert placeholders <= {"code", "minutes"}
        rendered = templates.render_sms(kind, {"code": "123456", "minutes": 10})
        assert len(rendered) <= templates.SMS_MAX_CHARS
    notice = templates.render_sms(SmsText.NOTICE, {"name": "张三", "phone": "13800000000"})
    assert "张三" not in notice and "138" not in notice


# --- recipients -----------------------------------------------------------------------------


def test_recipient_keys_round_trip() -> None:
    r = Recipient(Audience.STUDENT, "S-1")
    assert r.key == "student:S-1" and Recipient.parse(r.key) == r
    with pytest.raises(ValueError):
        Recipient.parse("nobody")


def test_the_committee_of_a_city_post_is_the_coordinator() -> None:
    assert resolve(Audience.COMMITTEE, "city").key == "coordinator:city"
    assert resolve(Audience.COMMITTEE, "140302").key == "county:140302"
    assert resolve(Audience.COORDINATOR, None).key == "coordinator:city"
    with pytest.raises(ValueError):
        resolve(Audience.STUDENT, None)


def test_each_caller_has_exactly_one_inbox() -> None:
    assert inbox_of(Principal(subject="S-1", role=Role.STUDENT)) == Recipient(
        Audience.STUDENT, "S-1"
    )
    assert inbox_of(Principal(subject="A-1", role=Role.UNIT, unit_id="U-1")).key == "unit:U-1"
    assert (
        inbox_of(Principal(subject="C", role=Role.COUNTY, county="140302")).key == "county:140302"
    )
    assert inbox_of(Principal(subject="X", role=Role.COORDINATOR)).key == "coordinator:city"
    assert inbox_of(Principal(subject="L-1", role=Role.LIAISON, city="北京")).key == "liaison:L-1"
    assert inbox_of(Principal(subject="svc", role=Role.SERVICE)) is None
    assert inbox_of(Principal(subject="A-2", role=Role.UNIT)) is None


def test_cities_are_compared_loosely() -> None:
    assert normalise_city("北京市") == normalise_city(" 北京 ") == "北京"
    assert normalise_city("Beijing") == normalise_city("beijing")
    assert normalise_city("  ") is None and normalise_city(None) is None


# --- quiet hours ----------------------------------------------------------------------------


def test_quiet_hours_hold_non_urgent_external_messages_until_eight_in_shanghai() -> None:
    assert QUIET.contains(LATE) and QUIET.contains(EARLY) and not QUIET.contains(NOON)
    assert QUIET.release(LATE) == EIGHT_AM_JULY_2
    assert QUIET.release(EARLY) == EIGHT_AM_JULY_1
    assert QUIET.release(NOON) == NOON


def test_quiet_hours_do_not_hold_the_inbox_or_urgent_messages() -> None:
    common = {"essential": True, "opted_out": (), "configured": set(Channel), "quiet": QUIET}
    inbox = initial(Channel.INBOX, visible_at=LATE, urgent=False, **common)
    sms = initial(Channel.SMS, visible_at=LATE, urgent=False, **common)
    code = initial(Channel.SMS, visible_at=LATE, urgent=True, **common)
    assert (inbox.status, inbox.due_at) == (Status.QUEUED, LATE)
    assert (sms.due_at, sms.why) == (EIGHT_AM_JULY_2, "quiet hours")
    assert code.due_at == LATE


def test_a_daytime_quiet_window_works_too() -> None:
    siesta = QuietHours(start=time(12, 0), end=time(14, 0))
    assert siesta.contains(NOON) and siesta.release(NOON) == NOON + timedelta(hours=2)


# --- opt-out and configuration --------------------------------------------------------------


def test_opt_out_skips_non_essential_messages_only() -> None:
    common = {"visible_at": NOON, "urgent": False, "configured": set(Channel), "quiet": QUIET}
    skipped = initial(Channel.EMAIL, essential=False, opted_out={Channel.EMAIL}, **common)
    kept = initial(Channel.EMAIL, essential=True, opted_out={Channel.EMAIL}, **common)
    assert (skipped.status, skipped.why) == (Status.SKIPPED, "opted out")
    assert kept.status is Status.QUEUED


def test_an_unconfigured_channel_is_skipped_but_the_inbox_always_works() -> None:
    common = {
        "visible_at": NOON,
        "urgent": False,
        "essential": True,
        "opted_out": (),
        "quiet": QUIET,
    }
    assert initial(Channel.SMS, configured=(), **common).why == "channel not configured"
    assert initial(Channel.INBOX, configured=(), **common).status is Status.QUEUED


# --- backoff --------------------------------------------------------------------------------


def test_backoff_grows_exponentially_and_is_capped() -> None:
    email = BACKOFF[Channel.EMAIL]
    assert [d.total_seconds() for d in email.schedule()] == [30, 90, 270, 810, 2430]
    assert BACKOFF[Channel.SMS].schedule()[:3] == [timedelta(seconds=s) for s in (15, 60, 240)]
    assert email.delay(50) == timedelta(hours=1)
    assert email.delay(1, rand=0.0) == timedelta(seconds=24)  # −20 % jitter
    assert email.delay(1, scale=0.01) == timedelta(seconds=0.3)


def test_a_failure_retries_until_the_last_try_then_dead_letters() -> None:
    common = {"permanent": False, "urgent": True, "expires_at": None, "quiet": QUIET}
    retry = after_failure(Channel.SMS, 1, NOON, **common)
    assert retry == after_failure(Channel.SMS, 1, NOON, **common)
    assert retry.status is Status.QUEUED and retry.due_at == NOON + timedelta(seconds=15)
    assert after_failure(Channel.SMS, 4, NOON, **common).status is Status.DEAD
    assert (
        after_failure(Channel.SMS, 1, NOON, **{**common, "permanent": True}).status is Status.DEAD
    )


def test_a_retry_after_expiry_is_pointless() -> None:
    out = after_failure(
        Channel.SMS,
        1,
        NOON,
        permanent=False,
        urgent=True,
        expires_at=NOON + timedelta(seconds=5),
        quiet=QUIET,
    )
    assert out.status is Status.DEAD


def test_a_non_urgent_retry_respects_quiet_hours() -> None:
    out = after_failure(
        Channel.EMAIL, 1, LATE, permanent=False, urgent=False, expires_at=None, quiet=QUIET
    )
    assert out.due_at == EIGHT_AM_JULY_2


# --- rate limits ----------------------------------------------------------------------------


def test_rate_limit_defers_until_the_window_has_room() -> None:
    limits = [Limit(3, timedelta(hours=1))]
    sent = [NOON - timedelta(minutes=m) for m in (50, 30, 10)]
    assert next_allowed(sent, NOON, limits) == NOON + timedelta(minutes=10)
    assert next_allowed(sent[1:], NOON, limits) is None
    assert next_allowed([NOON - timedelta(hours=2)] * 9, NOON, limits) is None


def test_the_tightest_of_several_limits_wins() -> None:
    sent = [NOON - timedelta(hours=h, minutes=1) for h in range(10)]
    wait = next_allowed(sent, NOON, LIMITS[Channel.SMS])  # 10 a day: the oldest must leave
    assert wait == sent[-1] + timedelta(days=1)


# --- planning -------------------------------------------------------------------------------


def test_every_rule_names_a_template_a_topic_and_a_registered_type_or_a_future_one() -> None:
    known = event_types()
    for rule in rules.RULES:
        assert rule.template in templates.TEMPLATES
        assert rule.topic in BY_NAME
        if rule.event_type in known:
            assert known[rule.event_type].topic.name == rule.topic
        assert rule.purpose and re.fullmatch(r"[a-z-]+", rule.purpose)


def test_an_offer_notifies_the_student_on_every_channel() -> None:
    [p] = rules.plan(
        "matching.offer.made.v1",
        {"student_id": "S-1", "post_id": "P-1", "round_id": "R-1", "accept_by": NOON.isoformat()},
        now=NOON - timedelta(days=2),
        lookups={"post_title": "团委办公室助理"},
    )
    assert p.recipient.key == "student:S-1" and p.purpose == "offer-made"
    assert p.params == {
        "post_title": "团委办公室助理",
        "accept_by": NOON.isoformat(),
        "post_id": "P-1",  # kept: a withdrawn appointment finds its reminder by post
    }
    assert set(p.channels) == set(Channel) and p.essential and not p.urgent


def test_eligibility_picks_the_template_by_outcome() -> None:
    data = {"application_id": "A-1", "student_id": "S-1", "eligible": False, "reason": "户籍不符"}
    [p] = rules.plan("placement.application.eligibility-decided.v1", data, now=NOON)
    assert p.template == "eligibility-failed" and p.params == {"reason": "户籍不符"}
    [q] = rules.plan(
        "placement.application.eligibility-decided.v1", {**data, "eligible": True}, now=NOON
    )
    assert q.template == "eligibility-passed" and q.purpose == p.purpose


def test_an_interview_makes_a_notice_a_reminder_a_day_before_and_a_note_to_the_unit() -> None:
    at = NOON + timedelta(days=3)
    data = {
        "application_id": "A",
        "student_id": "S-1",
        "post_id": "P",
        "unit_id": "U-1",
        "at": at.isoformat(),
        "place": "城区团委 301",
    }
    planned = {
        p.purpose: p
        for p in rules.plan("placement.application.interview-scheduled.v1", data, now=NOON)
    }
    assert set(planned) == {"interview-scheduled", "interview-reminder", "applicant-to-score"}
    assert planned["interview-reminder"].visible_at == at - timedelta(days=1)
    assert planned["applicant-to-score"].recipient.key == "unit:U-1"
    soon = rules.plan(
        "placement.application.interview-scheduled.v1",
        {**data, "at": (NOON + timedelta(hours=5)).isoformat()},
        now=NOON,
    )
    assert "interview-reminder" not in {p.purpose for p in soon}


def test_a_login_code_goes_by_sms_to_the_phone_in_the_event_and_is_kept_secret() -> None:
    data = {
        "account_id": "S-9",
        "role": "student",
        "phone": "13800000000",
        "code": "042137",
        "purpose": "login",
        "expires_at": (NOON + timedelta(minutes=10)).isoformat(),
    }
    [p] = rules.plan("placement.account.login-code-requested.v1", data, now=NOON)
    assert p.channels == (Channel.SMS,) and p.urgent and p.essential
    assert p.addresses == {Channel.SMS: "13800000000"}
    assert p.secret == {"code": "042137", "minutes": 10} and "code" not in p.params
    assert p.expires_at == NOON + timedelta(minutes=10)


def test_a_city_post_goes_to_the_coordinator_and_a_county_post_to_its_committee() -> None:
    data = {
        "post_id": "P",
        "unit_id": "U",
        "season_id": "s",
        "title": "助理",
        "county": "city",
        "managing_org": "city",
    }
    [p] = rules.plan("placement.post.submitted.v1", data, now=NOON)
    assert p.recipient.key == "coordinator:city"
    assert p.params == {"post_title": "助理", "post_id": "P"}
    [q] = rules.plan("placement.post.submitted.v1", {**data, "managing_org": "140321"}, now=NOON)
    assert q.recipient.key == "county:140321"


def test_a_self_registered_unit_waits_in_its_committees_inbox() -> None:
    data = {
        "unit_id": "U",
        "name": "平定县青年之家",
        "unit_type": "青年之家",
        "county": "140321",
        "managing_org": "140321",
        "contact_name": "王",
        "contact_phone": "13900000000",
    }
    [p] = rules.plan("placement.unit.registration-requested.v1", data, now=NOON)
    assert p.recipient.key == "county:140321" and p.params == {"unit_name": "平定县青年之家"}
    assert p.essential


def test_a_refused_applicant_hears_the_outcome_but_not_the_units_reason() -> None:
    data = {
        "application_id": "A",
        "student_id": "S",
        "season_id": "s",
        "post_id": "P",
        "unit_id": "U",
        "reason": "表达欠佳",
    }
    [p] = rules.plan("placement.application.refused.v1", data, now=NOON)
    assert p.recipient.key == "student:S" and not p.essential
    assert "reason" not in p.params and "表达欠佳" not in str(p.params)


def test_a_student_a_round_did_not_place_is_told() -> None:
    data = {"student_id": "S", "round_id": "R", "season_id": "s", "kind": "main"}
    [p] = rules.plan("matching.student.not-placed.v1", data, now=NOON)
    assert p.recipient.key == "student:S" and p.essential


def test_a_branch_nomination_goes_to_the_coordinator_and_the_decision_to_the_student() -> None:
    data = {
        "nomination_id": "BN-1",
        "season_id": "s",
        "student_id": "S-1",
        "office": "secretary",
        "office_name": "书记",
    }
    [p] = rules.plan("placement.branch.officer-nominated.v1", data, now=NOON)
    assert p.recipient.key == "coordinator:city" and p.params == {"office_name": "书记"}
    decided = {**data, "approved": True, "reason": None, "decided_by": "A-c"}
    [yes] = rules.plan("placement.branch.officer-decided.v1", decided, now=NOON)
    assert (yes.recipient.key, yes.template) == ("student:S-1", "branch-officer-approved")
    assert "书记" in templates.render(templates.current(yes.template), yes.params, Language.ZH).body
    no = {**decided, "approved": False, "reason": "书记已有人选"}
    [p] = rules.plan("placement.branch.officer-decided.v1", no, now=NOON)
    assert p.template == "branch-officer-rejected" and p.params["reason"] == "书记已有人选"


def test_a_branch_activity_is_announced_to_each_member_and_its_cancellation_to_those_signed_up() -> (
    None
):
    at = NOON + timedelta(days=2)
    data = {
        "activity_id": "BA-1",
        "season_id": "s",
        "title": "青年人才政策座谈会",
        "starts_at": at.isoformat(),
        "kind": "forum",
        "kind_name": "座谈",
        "ends_at": (at + timedelta(hours=2)).isoformat(),
        "place": "团市委会议室",
        "capacity": 40,
        "organised_by": "S-1",
        "member_ids": ["S-1", "S-2", "S-3", "S-2"],
    }
    planned = rules.plan("placement.branch.activity-announced.v1", data, now=NOON)
    assert [p.recipient.key for p in planned] == ["student:S-1", "student:S-2", "student:S-3"]
    assert {p.purpose for p in planned} == {"branch-activity-announced"}
    assert not planned[0].essential and Channel.SMS not in planned[0].channels
    body = templates.render(
        templates.current("branch-activity-announced"), planned[0].params, Language.ZH
    ).body
    assert "青年人才政策座谈会" in body and "座谈" in body and "40" in body
    assert (
        rules.plan("placement.branch.activity-announced.v1", {**data, "member_ids": []}, now=NOON)
        == []
    )
    cancelled = {
        "activity_id": "BA-1",
        "season_id": "s",
        "title": "青年人才政策座谈会",
        "starts_at": at.isoformat(),
        "reason": "改期",
        "signed_up_ids": ["S-2"],
    }
    [p] = rules.plan("placement.branch.activity-cancelled.v1", cancelled, now=NOON)
    assert p.recipient.key == "student:S-2" and p.params["reason"] == "改期"


def test_events_without_a_rule_make_nothing() -> None:
    assert rules.plan("placement.post.capacity-changed.v1", {"post_id": "P"}, now=NOON) == []
