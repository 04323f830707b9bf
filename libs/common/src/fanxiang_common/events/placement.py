"""Events placement publishes. Consumers: matching (read model), notify (messages).

Topics (keyed by aggregate id, so one aggregate's events keep their order):
``placement.posts.v1`` (post_id), ``placement.units.v1`` (unit_id), ``placement.students.v1``
(student_id, or the account id for login codes), ``placement.applications.v1``
(application_id: the application and everything that follows it — eligibility, interviews,
offers' acceptance and onboarding), ``placement.access.v1`` (a token's subject: which tokens
every service must refuse before they expire; `fanxiang_common.access` consumes them).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from fanxiang_common.events.envelope import EventData
from fanxiang_common.events.topics import ACCESS, APPLICATIONS, POSTS, STUDENTS, UNITS, Topic

# --- posts ------------------------------------------------------------------------------------


class _PostEvent(EventData):
    topic: ClassVar[Topic] = POSTS
    aggregate_field: ClassVar[str] = "post_id"

    post_id: str


class PostSubmittedV1(_PostEvent):
    """A unit submitted a post for approval (notify: the managing committee's queue)."""

    type: ClassVar[str] = "placement.post.submitted.v1"

    unit_id: str
    season_id: str
    title: str
    county: str = Field(description="adcode of the post's county, or 'city' for 市直 posts")
    township: str | None = None
    managing_org: str = Field(description="who approves: a county adcode, a zone code or 'city'")


class PostReturnedV1(_PostEvent):
    """The approver returned a post to its unit with a reason."""

    type: ClassVar[str] = "placement.post.returned.v1"

    unit_id: str
    title: str
    reason: str


class PostPublishedV1(_PostEvent):
    """A post was approved and is open to students (因需设岗)."""

    type: ClassVar[str] = "placement.post.published.v1"

    unit_id: str
    season_id: str
    title: str
    category: str
    county: str = Field(description="adcode of the post's county, or 'city' for 市直 posts")
    township: str | None = None
    capacity: int = Field(ge=0)
    majors: list[str] = Field(default_factory=list)
    starts_on: date | None = None
    ends_on: date | None = None
    unit_name: str | None = None
    approved_by: str | None = None


class PostCapacityChangedV1(_PostEvent):
    type: ClassVar[str] = "placement.post.capacity-changed.v1"

    capacity: int = Field(ge=0)
    previous_capacity: int = Field(ge=0)


class PostWithdrawnV1(_PostEvent):
    """The post no longer takes students (withdrawn or closed)."""

    type: ClassVar[str] = "placement.post.withdrawn.v1"

    reason: str | None = None
    status: str | None = Field(default=None, description="'withdrawn' or 'closed'")
    unit_id: str | None = None


# --- units ------------------------------------------------------------------------------------


class UnitRegisteredV1(EventData):
    """A unit (实践单位) was registered; its admin account signs in by phone."""

    type: ClassVar[str] = "placement.unit.registered.v1"
    topic: ClassVar[Topic] = UNITS
    aggregate_field: ClassVar[str] = "unit_id"

    unit_id: str
    name: str
    unit_type: str
    county: str
    township: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = Field(default=None, description="for notify; full number")
    contact_email: str | None = None


class UnitRegistrationRequestedV1(EventData):
    """A unit registered itself (its contact proved the phone); the committee of its place
    (``managing_org``; 'city' for 市直) approves it (→ UnitRegisteredV1) or rejects it."""

    type: ClassVar[str] = "placement.unit.registration-requested.v1"
    topic: ClassVar[Topic] = UNITS
    aggregate_field: ClassVar[str] = "unit_id"

    unit_id: str
    name: str
    unit_type: str
    county: str
    township: str | None = None
    managing_org: str = Field(description="who decides: a county adcode, a zone code or 'city'")
    contact_name: str
    contact_phone: str = Field(description="for notify; full number")
    contact_email: str | None = None


class UnitRegistrationRejectedV1(EventData):
    """A self-registered unit was rejected; notify tells the contact why."""

    type: ClassVar[str] = "placement.unit.registration-rejected.v1"
    topic: ClassVar[Topic] = UNITS
    aggregate_field: ClassVar[str] = "unit_id"

    unit_id: str
    name: str
    reason: str
    decided_by: str
    contact_name: str | None = None
    contact_phone: str | None = Field(default=None, description="for notify; full number")


# --- students and accounts --------------------------------------------------------------------


class _StudentEvent(EventData):
    topic: ClassVar[Topic] = STUDENTS
    aggregate_field: ClassVar[str] = "student_id"

    student_id: str


class StudentRegisteredV1(_StudentEvent):
    """A student completed their profile (once per person). Contact fields are for notify."""

    type: ClassVar[str] = "placement.student.registered.v1"

    name: str
    phone: str
    email: str | None = None
    university: str
    university_city: str
    university_province: str
    grade: str
    major: str
    discipline: str | None = None
    home_county: str
    home_township: str | None = None
    political_status: str | None = None


class StudentProfileUpdatedV1(StudentRegisteredV1):
    """The profile as it is now, after the student changed it."""

    type: ClassVar[str] = "placement.student.profile-updated.v1"


class ConsentRecordedV1(_StudentEvent):
    """A consent given or withdrawn (PIPL): sharing with units, the 公示 list."""

    type: ClassVar[str] = "placement.student.consent-recorded.v1"

    purpose: str
    granted: bool
    version: str
    recorded_at: datetime


class LoginCodeRequestedV1(EventData):
    """A one-time code for notify to deliver by SMS. The code is here in clear because notify
    must send it; placement stores only its keyed hash. It expires at ``expires_at``."""

    type: ClassVar[str] = "placement.account.login-code-requested.v1"
    topic: ClassVar[Topic] = STUDENTS
    aggregate_field: ClassVar[str] = "account_id"

    account_id: str
    role: str
    phone: str
    code: str
    purpose: str = Field(description="'login' or 'commitment' (signing the 承诺书)")
    expires_at: datetime


# --- access: tokens that must stop working before they expire -----------------------------


AccessReason = Literal[
    "account-disabled", "account-enabled", "signed-out-everywhere", "api-token-revoked"
]


class _AccessEvent(EventData):
    topic: ClassVar[Topic] = ACCESS
    aggregate_field: ClassVar[str] = "subject"

    subject: str = Field(description="the tokens' `sub`: an account id, or a unit API token's id")


class TokenRevokedV1(_AccessEvent):
    """One token was signed out: every service refuses it from now on."""

    type: ClassVar[str] = "placement.access.token-revoked.v1"

    jti: str = Field(description="the token's `jti`")
    expires_at: datetime = Field(description="when it would have expired (then forgettable)")


class AccessChangedV1(_AccessEvent):
    """Which of a subject's tokens still work: the whole state, so the latest event wins.

    None while ``disabled``; none issued before ``tokens_valid_after`` (signed out
    everywhere)."""

    type: ClassVar[str] = "placement.access.changed.v1"

    # A plain string on purpose: a reason added later must not send this event to a dead-letter
    # topic in a consumer that does not know it yet (that would leave tokens working there).
    reason: str = Field(
        description="account-disabled, account-enabled, signed-out-everywhere or api-token-revoked"
    )
    disabled: bool
    tokens_valid_after: datetime | None = None
    changed_at: datetime = Field(description="for people to read; order is the event sequence")


# --- applications and what follows them -------------------------------------------------------


class _ApplicationEvent(EventData):
    topic: ClassVar[Topic] = APPLICATIONS
    aggregate_field: ClassVar[str] = "application_id"

    application_id: str
    student_id: str


class ApplicationSubmittedV1(_ApplicationEvent):
    """A student's ranked choices (志愿), best first."""

    type: ClassVar[str] = "placement.application.submitted.v1"

    season_id: str
    home_county: str
    home_township: str | None = None
    choices: list[str]


class ApplicationChangedV1(_ApplicationEvent):
    """The student changed their ranked choices; ``choices`` replaces the earlier list."""

    type: ClassVar[str] = "placement.application.changed.v1"

    season_id: str
    choices: list[str]


class ApplicationWithdrawnV1(_ApplicationEvent):
    type: ClassVar[str] = "placement.application.withdrawn.v1"

    season_id: str
    reason: str | None = None


class EligibilityDecidedV1(_ApplicationEvent):
    """The home county's committee decided whether the student belongs there (属地)."""

    type: ClassVar[str] = "placement.application.eligibility-decided.v1"

    season_id: str
    eligible: bool
    reason: str | None = None
    decided_by: str


class InterviewScheduledV1(_ApplicationEvent):
    type: ClassVar[str] = "placement.application.interview-scheduled.v1"

    post_id: str
    unit_id: str
    at: datetime
    place: str


class InterviewCancelledV1(_ApplicationEvent):
    """The student cancelled their booked interview slot (an earlier InterviewScheduledV1
    for this application and post no longer holds)."""

    type: ClassVar[str] = "placement.application.interview-cancelled.v1"

    post_id: str
    unit_id: str
    at: datetime = Field(description="when the cancelled interview would have been")


class InterviewScoredV1(_ApplicationEvent):
    """A unit's score for this applicant on this post (higher is better, 0–100)."""

    type: ClassVar[str] = "placement.application.interview-scored.v1"

    post_id: str
    unit_id: str
    overall: float
    scores: dict[str, float] = Field(default_factory=dict)


class ApplicantRefusedV1(_ApplicationEvent):
    """不录用: the unit will not take this applicant on this post."""

    type: ClassVar[str] = "placement.application.refused.v1"

    post_id: str
    unit_id: str
    reason: str


class _PlacementEvent(_ApplicationEvent):
    placement_id: str
    post_id: str
    unit_id: str


class OfferAcceptedV1(_PlacementEvent):
    type: ClassVar[str] = "placement.offer.accepted.v1"

    round_id: str | None = None


class OfferDeclinedV1(_PlacementEvent):
    type: ClassVar[str] = "placement.offer.declined.v1"

    round_id: str | None = None
    reason: str | None = None
    after_accepting: bool = False


class OfferExpiredV1(_PlacementEvent):
    """The student did not answer the offer by its deadline."""

    type: ClassVar[str] = "placement.offer.expired.v1"

    round_id: str | None = None


class TrainingAttendedV1(_PlacementEvent):
    type: ClassVar[str] = "placement.onboarding.trained.v1"


class CommitmentSignedV1(_PlacementEvent):
    """The 承诺书 was signed: typed name + confirmation code, over the text with this hash."""

    type: ClassVar[str] = "placement.onboarding.commitment-signed.v1"

    text_sha256: str
    text_version: str
    signed_at: datetime


class PlacementFixedV1(_PlacementEvent):
    """定岗: the post is fixed."""

    type: ClassVar[str] = "placement.onboarding.fixed.v1"


class ArrivedOnPostV1(_PlacementEvent):
    """The unit (or committee) confirmed the student is on post (已上岗)."""

    type: ClassVar[str] = "placement.onboarding.on-post.v1"


class PlacementCompletedV1(_PlacementEvent):
    """The placement ended (已结束); the unit's evaluation of the student, if given."""

    type: ClassVar[str] = "placement.onboarding.completed.v1"

    rating: int | None = Field(default=None, ge=1, le=5)


# --- the season's League branch (临时团支部) -------------------------------------------------------
# On the applications topic: the branch follows onboarding (its members are the students on
# post), and notify already reads this topic. Keyed by the nomination or the activity.


class _NominationEvent(EventData):
    topic: ClassVar[Topic] = APPLICATIONS
    aggregate_field: ClassVar[str] = "nomination_id"

    nomination_id: str
    season_id: str
    student_id: str
    office: str = Field(description="secretary (书记), deputy_secretary (副书记), committee_member")
    office_name: str = Field(description="the office as people say it: 书记, 副书记 or 委员")


class BranchOfficerNominatedV1(_NominationEvent):
    """A member of the branch nominated themself for an office (the coordinator decides)."""

    type: ClassVar[str] = "placement.branch.officer-nominated.v1"


class BranchOfficerDecidedV1(_NominationEvent):
    """The coordinator approved (the student now holds the office) or rejected a nomination."""

    type: ClassVar[str] = "placement.branch.officer-decided.v1"

    approved: bool
    reason: str | None = None
    decided_by: str


class BranchOfficerEndedV1(_NominationEvent):
    """An office ended early: the holder stepped down or the coordinator removed them."""

    type: ClassVar[str] = "placement.branch.officer-ended.v1"

    reason: str | None = None
    ended_by: str


class _ActivityEvent(EventData):
    topic: ClassVar[Topic] = APPLICATIONS
    aggregate_field: ClassVar[str] = "activity_id"

    activity_id: str
    season_id: str
    title: str
    starts_at: datetime


class BranchActivityAnnouncedV1(_ActivityEvent):
    """An officer (or the coordinator) announced an activity to the branch's members."""

    type: ClassVar[str] = "placement.branch.activity-announced.v1"

    kind: str = Field(description="lecture, sports, volunteer, forum or other")
    kind_name: str = Field(description="讲座, 体育, 志愿服务, 座谈 or 其他")
    ends_at: datetime
    place: str
    capacity: int = Field(ge=1)
    description: str | None = None
    organised_by: str
    member_ids: list[str] = Field(
        default_factory=list,
        description="the branch's members when it was announced (notify tells each of them)",
    )


class BranchActivityCancelledV1(_ActivityEvent):
    """An announced activity will not take place."""

    type: ClassVar[str] = "placement.branch.activity-cancelled.v1"

    reason: str
    signed_up_ids: list[str] = Field(
        default_factory=list, description="the members who had signed up (notify tells them)"
    )
