from __future__ import annotations

import uuid

import orjson
import pytest

from fanxiang_common.events import Envelope, InvalidEvent, new_event
from fanxiang_common.events.placement import PostPublishedV1

POST = PostPublishedV1(
    post_id="P-1",
    unit_id="U-1",
    season_id="S",
    title="社区服务岗",
    category="社区服务",
    county="140311",
    capacity=3,
)


def test_an_event_round_trips_through_bytes_with_its_identity() -> None:
    envelope = new_event(POST, source="/fanxiang/placement", sequence=4)
    parsed = Envelope.from_bytes(envelope.to_bytes())
    assert parsed == envelope
    assert parsed.payload() == POST
    assert (parsed.subject, parsed.type, parsed.specversion) == (
        "P-1",
        "placement.post.published.v1",
        "1.0",
    )


def test_every_event_gets_its_own_id() -> None:
    a = new_event(POST, source="/x", sequence=1)
    b = new_event(POST, source="/x", sequence=1)
    assert a.id != b.id


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (None, "no value"),
        (b"not json", "Invalid JSON"),
        (b"{}", "id: Field required"),
        (
            orjson.dumps(
                {**new_event(POST, source="/x", sequence=1).model_dump(mode="json"), "sequence": 0}
            ),
            "sequence",
        ),
        (
            orjson.dumps(
                {
                    **new_event(POST, source="/x", sequence=1).model_dump(mode="json"),
                    "data": {"post_id": "P"},
                }
            ),
            "title: Field required",
        ),
    ],
)
def test_malformed_messages_are_refused_with_what_is_wrong(raw: bytes | None, problem: str) -> None:
    with pytest.raises(InvalidEvent, match=problem):
        Envelope.from_bytes(raw)


def test_an_unknown_event_type_is_readable_but_marked_unknown() -> None:
    body = {
        "id": str(uuid.uuid4()),
        "source": "/future",
        "type": "placement.post.teleported.v9",
        "time": "2026-07-01T00:00:00Z",
        "subject": "P-1",
        "sequence": 1,
        "data": {"x": 1},
    }
    envelope = Envelope.from_bytes(orjson.dumps(body))
    assert not envelope.known


def test_new_optional_fields_from_a_newer_producer_are_ignored() -> None:
    data = {**POST.model_dump(mode="json"), "added_in_a_later_release": True}
    assert PostPublishedV1.model_validate(data) == POST
