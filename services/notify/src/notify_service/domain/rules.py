"""The rules, as data: event type → audience → template → channels, essential or not.

`plan` turns one event into the notifications it causes. Rules may name event types that no
service publishes yet (matching's rounds, survey's imports): they start working the day the
event exists, without a code change here.

- *essential*: the person must know or act (an offer, an interview, a code); cannot be opted out.
- *urgent*: ignores quiet hours (sign-in codes: the person is waiting for it right now).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from notify_service.domain import templates
from notify_service.domain.channels import Channel
from notify_service.domain.recipients import Audience, Recipient, resolve

INBOX, EMAIL, SMS, WECHAT = Channel.INBOX, Channel.EMAIL, Channel.SMS, Channel.WECHAT


@dataclass(frozen=True)
class Schedule:
    """Send at ``data[field] + offset`` (a reminder); skipped when that moment has passed,
    since the notice that announced the appointment was sent just now anyway."""

    field: str
    offset: timedelta


@dataclass(frozen=True)
class Rule:
    event_type: str
    topic: str
    purpose: str
    audience: Audience
    recipient_field: str | None
    template: str
    channels: tuple[Channel, ...]
    essential: bool
    urgent: bool = False
    when: Mapping[str, Any] = field(default_factory=dict)
    """Only events whose data has these values (e.g. ``eligible: True``)."""
    params: Mapping[str, str] = field(default_factory=dict)
    """Template parameter → event field, where the names differ."""
    schedule: Schedule | None = None
    address_fields: Mapping[Channel, str] = field(default_factory=dict)
    """Addresses the event carries itself (a sign-in code's phone), over the directory's."""
    secret_fields: tuple[str, ...] = ()
    """Fields used to send but never stored beyond the delivery (a sign-in code)."""
    expires_field: str | None = None
    fan_out_field: str | None = None
    """A list of ids the event carries: one notification to each, the id standing in for
    ``recipient_field`` (a branch activity announced to the branch's members)."""

    def matches(self, event_type: str, data: Mapping[str, Any]) -> bool:
        return event_type == self.event_type and all(data.get(k) == v for k, v in self.when.items())


APPLICATIONS, POSTS, STUDENTS = (
    "placement.applications.v1",
    "placement.posts.v1",
    "placement.students.v1",
)
UNITS = "placement.units.v1"
ASSIGNMENTS, ROUNDS, IMPORTS = "matching.assignments.v1", "matching.rounds.v1", "survey.imports.v1"


def _student(event_type: str, topic: str, purpose: str, **kw: Any) -> Rule:
    return Rule(event_type, topic, purpose, Audience.STUDENT, "student_id", **kw)


def _unit(event_type: str, topic: str, purpose: str, **kw: Any) -> Rule:
    return Rule(event_type, topic, purpose, Audience.UNIT, "unit_id", **kw)


_TITLE = {"post_title": "title"}

RULES: tuple[Rule, ...] = (
    # --- to students ---
    _student(
        "placement.application.submitted.v1",
        APPLICATIONS,
        "application-received",
        template="application-received",
        channels=(INBOX, EMAIL),
        essential=False,
        params={"choice_count": "choices"},
    ),
    _student(
        "placement.application.eligibility-decided.v1",
        APPLICATIONS,
        "eligibility-decided",
        template="eligibility-passed",
        channels=(INBOX, EMAIL, WECHAT),
        essential=True,
        when={"eligible": True},
    ),
    _student(
        "placement.application.eligibility-decided.v1",
        APPLICATIONS,
        "eligibility-decided",
        template="eligibility-failed",
        channels=(INBOX, EMAIL, WECHAT),
        essential=True,
        when={"eligible": False},
    ),
    _student(
        "placement.application.interview-scheduled.v1",
        APPLICATIONS,
        "interview-scheduled",
        template="interview-scheduled",
        channels=(INBOX, EMAIL, SMS, WECHAT),
        essential=True,
    ),
    _student(
        "placement.application.interview-scheduled.v1",
        APPLICATIONS,
        "interview-reminder",
        template="interview-reminder",
        channels=(INBOX, SMS, WECHAT),
        essential=True,
        schedule=Schedule("at", timedelta(hours=-24)),
    ),
    # 不录用 for one post: the student still has their other 志愿. The unit's reason stays with
    # the unit and the committee (it may be blunt); the student hears the outcome only.
    _student(
        "placement.application.refused.v1",
        APPLICATIONS,
        "applicant-refused",
        template="applicant-refused",
        channels=(INBOX, WECHAT),
        essential=False,
    ),
    _student(
        "matching.offer.made.v1",
        ASSIGNMENTS,
        "offer-made",
        template="offer-made",
        channels=(INBOX, EMAIL, SMS, WECHAT),
        essential=True,
    ),
    _student(
        "matching.student.not-placed.v1",
        ASSIGNMENTS,
        "not-placed",
        template="not-placed",
        channels=(INBOX, EMAIL, WECHAT),
        essential=True,  # otherwise the student keeps waiting for an offer
    ),
    _student(
        "placement.offer.expired.v1",
        APPLICATIONS,
        "offer-expired",
        template="offer-expired",
        channels=(INBOX,),
        essential=False,
    ),
    _student(
        "placement.offer.accepted.v1",
        APPLICATIONS,
        "training-reminder",
        template="training-reminder",
        channels=(INBOX, EMAIL, WECHAT),
        essential=True,
    ),
    _student(
        "placement.onboarding.trained.v1",
        APPLICATIONS,
        "commitment-to-sign",
        template="commitment-to-sign",
        channels=(INBOX, EMAIL, WECHAT),
        essential=True,
    ),
    _student(
        "placement.onboarding.on-post.v1",
        APPLICATIONS,
        "arrival-confirmed",
        template="arrival-confirmed",
        channels=(INBOX, WECHAT),
        essential=False,
    ),
    _student(
        "placement.onboarding.completed.v1",
        APPLICATIONS,
        "survey-invitation",
        template="survey-invitation",
        channels=(INBOX, EMAIL, WECHAT),
        essential=False,
    ),
    Rule(
        "placement.account.login-code-requested.v1",
        STUDENTS,
        "login-code",
        audience=Audience.ACCOUNT,
        recipient_field="account_id",
        template="login-code",
        channels=(SMS,),
        essential=True,
        urgent=True,
        address_fields={SMS: "phone"},
        secret_fields=("code",),
        expires_field="expires_at",
    ),
    # --- to units ---
    _unit(
        "placement.post.published.v1",
        POSTS,
        "post-approved",
        template="post-approved",
        channels=(INBOX, EMAIL),
        essential=False,
        params=_TITLE,
    ),
    _unit(
        "placement.post.returned.v1",
        POSTS,
        "post-returned",
        template="post-returned",
        channels=(INBOX, EMAIL),
        essential=True,
        params=_TITLE,
    ),
    _unit(
        "placement.application.interview-scheduled.v1",
        APPLICATIONS,
        "applicant-to-score",
        template="applicant-to-score",
        channels=(INBOX, EMAIL),
        essential=True,
    ),
    _unit(
        "placement.offer.accepted.v1",
        APPLICATIONS,
        "offer-accepted",
        template="offer-accepted",
        channels=(INBOX, EMAIL),
        essential=False,
    ),
    _unit(
        "placement.offer.declined.v1",
        APPLICATIONS,
        "offer-declined",
        template="offer-declined",
        channels=(INBOX, EMAIL),
        essential=False,
    ),
    _unit(
        "placement.onboarding.fixed.v1",
        APPLICATIONS,
        "arrival-to-confirm",
        template="arrival-to-confirm",
        channels=(INBOX, EMAIL),
        essential=True,
    ),
    # --- to the county committees (or the coordinator for 市直 posts) ---
    Rule(
        "placement.post.submitted.v1",
        POSTS,
        "post-to-approve",
        audience=Audience.COMMITTEE,
        recipient_field="managing_org",
        template="post-to-approve",
        channels=(INBOX, EMAIL),
        essential=True,
        params=_TITLE,
    ),
    Rule(
        "placement.unit.registration-requested.v1",
        UNITS,
        "unit-to-approve",
        audience=Audience.COMMITTEE,
        recipient_field="managing_org",
        template="unit-to-approve",
        channels=(INBOX, EMAIL),
        essential=True,
        params={"unit_name": "name"},
    ),
    # The League branch: a member's nomination for an office, decided by the coordinator.
    _student(
        "placement.branch.officer-decided.v1",
        APPLICATIONS,
        "branch-officer-decided",
        template="branch-officer-approved",
        channels=(INBOX, WECHAT),
        essential=False,
        when={"approved": True},
    ),
    _student(
        "placement.branch.officer-decided.v1",
        APPLICATIONS,
        "branch-officer-decided",
        template="branch-officer-rejected",
        channels=(INBOX, WECHAT),
        essential=False,
        when={"approved": False},
    ),
    # Its activities: announced to every member, a cancellation to those who signed up.
    _student(
        "placement.branch.activity-announced.v1",
        APPLICATIONS,
        "branch-activity-announced",
        template="branch-activity-announced",
        channels=(INBOX, WECHAT),
        essential=False,
        params={"activity_title": "title"},
        fan_out_field="member_ids",
    ),
    _student(
        "placement.branch.activity-cancelled.v1",
        APPLICATIONS,
        "branch-activity-cancelled",
        template="branch-activity-cancelled",
        channels=(INBOX, WECHAT),
        essential=False,
        params={"activity_title": "title"},
        fan_out_field="signed_up_ids",
    ),
    # --- to the coordinator ---
    Rule(
        "placement.branch.officer-nominated.v1",
        APPLICATIONS,
        "branch-officer-to-approve",
        audience=Audience.COORDINATOR,
        recipient_field=None,
        template="branch-officer-to-approve",
        channels=(INBOX,),
        essential=True,
    ),
    Rule(
        "matching.round.finished.v1",
        ROUNDS,
        "round-finished",
        audience=Audience.COORDINATOR,
        recipient_field=None,
        template="round-finished",
        channels=(INBOX, EMAIL),
        essential=True,
    ),
    Rule(
        "survey.import.finished.v1",
        IMPORTS,
        "import-finished",
        audience=Audience.COORDINATOR,
        recipient_field=None,
        template="import-finished",
        channels=(INBOX,),
        essential=False,
    ),
)

BROADCAST_PURPOSE = "broadcast"
BROADCAST_CHANNELS: tuple[Channel, ...] = (INBOX, EMAIL, WECHAT)  # no SMS: it costs per message


@dataclass(frozen=True)
class Planned:
    recipient: Recipient
    purpose: str
    template: str
    template_version: int
    params: dict[str, Any]
    secret: dict[str, Any]
    channels: tuple[Channel, ...]
    essential: bool
    urgent: bool
    visible_at: datetime
    expires_at: datetime | None
    addresses: dict[Channel, str]


def rules_for(event_type: str, rules: Sequence[Rule] = RULES) -> list[Rule]:
    return [r for r in rules if r.event_type == event_type]


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def plan_one(
    rule: Rule, data: Mapping[str, Any], *, now: datetime, lookups: Mapping[str, Any]
) -> Planned | None:
    """The notification ``rule`` makes of an event's ``data``; None if it does not apply."""
    if not all(data.get(k) == v for k, v in rule.when.items()):
        return None
    visible_at = now
    if rule.schedule is not None:
        visible_at = _moment(data[rule.schedule.field]) + rule.schedule.offset
        if visible_at <= now:
            return None
    template = templates.current(rule.template)
    params: dict[str, Any] = {}
    for name in template.params:
        source = rule.params.get(name, name)
        value = data.get(source)
        params[name] = value if value is not None else lookups.get(name)
    if data.get("post_id") and "post_title" in template.params:
        # Kept with the notice: the title is looked up when the message is shown or sent if
        # notify's post directory learns it a moment after this event, and a withdrawn
        # appointment finds its reminder by post (events/withdrawals.py).
        params["post_id"] = data["post_id"]
    expires_at = _moment(data[rule.expires_field]) if rule.expires_field else None
    secret = {name: data[name] for name in rule.secret_fields if name in data}
    if expires_at is not None and secret:
        secret["minutes"] = max(1, math.ceil((expires_at - now).total_seconds() / 60))
    ident = data.get(rule.recipient_field) if rule.recipient_field else None
    return Planned(
        recipient=resolve(rule.audience, None if ident is None else str(ident)),
        purpose=rule.purpose,
        template=template.key,
        template_version=template.version,
        params=params,
        secret=secret,
        channels=rule.channels,
        essential=rule.essential,
        urgent=rule.urgent,
        visible_at=visible_at,
        expires_at=expires_at,
        addresses={ch: str(data[f]) for ch, f in rule.address_fields.items() if data.get(f)},
    )


def plan(
    event_type: str,
    data: Mapping[str, Any],
    *,
    now: datetime,
    lookups: Mapping[str, Any] | None = None,
    rules: Sequence[Rule] = RULES,
) -> list[Planned]:
    """Every notification one event causes under ``rules``."""
    out = []
    for rule in rules_for(event_type, rules):
        for one in _each_recipient(rule, data):
            planned = plan_one(rule, one, now=now, lookups=lookups or {})
            if planned is not None:
                out.append(planned)
    return out


def _each_recipient(rule: Rule, data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if rule.fan_out_field is None or rule.recipient_field is None:
        return [data]
    ids = data.get(rule.fan_out_field) or []
    return [{**data, rule.recipient_field: ident} for ident in dict.fromkeys(ids)]


def purposes(rules: Sequence[Rule] = RULES) -> dict[str, list[Rule]]:
    """Rules grouped by purpose (each purpose is one consumer group, ``notify.<purpose>``)."""
    grouped: dict[str, list[Rule]] = {}
    for rule in rules:
        grouped.setdefault(rule.purpose, []).append(rule)
    return grouped
