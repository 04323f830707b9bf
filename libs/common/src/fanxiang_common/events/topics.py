"""The topic registry: one topic per aggregate type, keyed by aggregate id (DESIGN.md, Events).

Topics are created explicitly (`fanxiang_common.kafka.admin.ensure_topics`), each with its
dead-letter topic ``<topic>.dlt``. Partitions bound how many replicas of a consumer share work.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    producer: str
    aggregate: str
    description: str
    partitions: int = 6

    @property
    def dead_letter(self) -> str:
        return dead_letter_topic(self.name)


def dead_letter_topic(name: str) -> str:
    return f"{name}.dlt"


UNITS = Topic("placement.units.v1", "placement", "unit", "Units (实践单位) and their accounts")
POSTS = Topic(
    "placement.posts.v1", "placement", "post", "Posts (岗位): published, capacity, closed"
)
STUDENTS = Topic("placement.students.v1", "placement", "student", "Students' profiles and logins")
ACCESS = Topic(
    "placement.access.v1",
    "placement",
    "subject",
    "Signed-out tokens, disabled accounts, revoked API tokens: every service refuses them",
)
APPLICATIONS = Topic(
    "placement.applications.v1",
    "placement",
    "application",
    "Applications (志愿), eligibility, interview scores, offers' acceptance, onboarding",
)
ASSIGNMENTS = Topic(
    "matching.assignments.v1", "matching", "student", "Offers from published rounds"
)
ROUNDS = Topic("matching.rounds.v1", "matching", "round", "Matching rounds: run, published")
RESPONSES = Topic("survey.responses.v1", "survey", "response", "Questionnaire responses")
IMPORTS = Topic("survey.imports.v1", "survey", "import", "Survey file imports finished")
NOTIFICATIONS = Topic("notify.notifications.v1", "notify", "notification", "Notifications sent")

TOPICS: tuple[Topic, ...] = (
    UNITS,
    POSTS,
    STUDENTS,
    ACCESS,
    APPLICATIONS,
    ASSIGNMENTS,
    ROUNDS,
    RESPONSES,
    IMPORTS,
    NOTIFICATIONS,
)
BY_NAME: dict[str, Topic] = {t.name: t for t in TOPICS}


def all_topic_names() -> list[str]:
    """Every topic with its dead-letter topic, in creation order."""
    return [name for t in TOPICS for name in (t.name, t.dead_letter)]
