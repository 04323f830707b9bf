"""Event envelope, topics and every versioned event model (importing this registers them all)."""

from fanxiang_common.events import matching, notify, placement, survey
from fanxiang_common.events.envelope import (
    Envelope,
    EventData,
    InvalidEvent,
    UnknownEventType,
    event_types,
    new_event,
)
from fanxiang_common.events.topics import TOPICS, Topic, all_topic_names, dead_letter_topic

__all__ = [
    "TOPICS",
    "Envelope",
    "EventData",
    "InvalidEvent",
    "Topic",
    "UnknownEventType",
    "all_topic_names",
    "dead_letter_topic",
    "event_types",
    "matching",
    "new_event",
    "notify",
    "placement",
    "survey",
]
