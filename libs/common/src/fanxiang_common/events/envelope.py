"""The CloudEvents 1.0 envelope (structured JSON) and the base of versioned event models.

An event model is a frozen pydantic class named ``<Fact>V<N>`` with a ``type`` (e.g.
``placement.post.published.v1``) and its ``topic``. Within a version only optional fields may be
added; a breaking change is a new class and type (``…V2``). `events/schemas/` holds a JSON-schema
snapshot of every model, checked by a test.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fanxiang_common.events.topics import Topic

_REGISTRY: dict[str, type[EventData]] = {}


class EventData(BaseModel):
    """The ``data`` of an event. Subclasses declare ``type``, ``topic`` and ``aggregate_field``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: ClassVar[str]
    topic: ClassVar[Topic]
    aggregate_field: ClassVar[str]
    """The field holding the aggregate id: the Kafka key and the envelope's ``subject``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("type")
        if isinstance(event_type, str):
            if event_type in _REGISTRY:
                raise TypeError(f"event type {event_type} registered twice")
            _REGISTRY[event_type] = cls

    @property
    def aggregate_id(self) -> str:
        return str(getattr(self, self.aggregate_field))


def event_types() -> dict[str, type[EventData]]:
    """Every registered event type (import `fanxiang_common.events` to load them all)."""
    return dict(_REGISTRY)


class Envelope(BaseModel):
    """A CloudEvent in structured JSON mode, plus our per-aggregate ``sequence`` extension."""

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    time: datetime
    subject: str = Field(min_length=1)
    datacontenttype: Literal["application/json"] = "application/json"
    sequence: int = Field(ge=1)
    data: dict[str, Any]

    @property
    def known(self) -> bool:
        """Whether this code knows the type. Unknown types (from a newer producer) are skipped."""
        return self.type in _REGISTRY

    def payload(self) -> EventData:
        """The typed data; raises `UnknownEventType` or pydantic's `ValidationError`."""
        model = _REGISTRY.get(self.type)
        if model is None:
            raise UnknownEventType(self.type)
        return model.model_validate(self.data)

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_bytes(cls, raw: bytes | None) -> Envelope:
        """Parse and check a message; raises `InvalidEvent` naming what is wrong."""
        if raw is None:
            raise InvalidEvent("message has no value")
        try:
            envelope = cls.model_validate_json(raw)
            if envelope.known:
                envelope.payload()
        except ValidationError as exc:
            raise InvalidEvent(_describe(exc)) from exc
        return envelope


def new_event(
    data: EventData, *, source: str, sequence: int, time: datetime | None = None
) -> Envelope:
    """Mint an event when the fact happens: the id is created here, once, and stored with it."""
    return Envelope(
        id=uuid.uuid4(),
        source=source,
        type=data.type,
        time=time or datetime.now(UTC),
        subject=data.aggregate_id,
        sequence=sequence,
        data=data.model_dump(mode="json"),
    )


class InvalidEvent(ValueError):
    """A message that no retry can make valid: it goes to the dead-letter topic."""


class UnknownEventType(InvalidEvent):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")


def _describe(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()]
    return "; ".join(parts[:5])
