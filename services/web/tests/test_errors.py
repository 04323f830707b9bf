"""The services' error bodies become errors next to the right form field."""

from __future__ import annotations

from fanxiang_web.domain.errors import FORM, FieldError, by_field, parse_detail


def test_locations_name_fields() -> None:
    body = {
        "detail": [
            {"loc": ["body", "phone"], "msg": "bad", "type": "string_pattern_mismatch"},
            {"loc": ["body", "choices", 2], "msg": "dup", "type": "duplicate"},
            {"loc": ["body"], "msg": "consent", "type": "consent_required"},
            {"loc": ["path", "post_id"], "msg": "no post", "type": "not_found"},
            {"loc": [], "msg": "bare", "type": "conflict"},
        ]
    }
    assert [e.field for e in parse_detail(body)] == ["phone", "choices.2", FORM, FORM, FORM]


def test_odd_bodies_do_not_break_the_page() -> None:
    assert parse_detail({"detail": "plain text"}) == [FieldError(FORM, "error", "plain text")]
    assert parse_detail({"detail": [None, "x", {"msg": "m"}]}) == [FieldError(FORM, "error", "m")]
    assert parse_detail("not json") == [] and parse_detail(None) == []


def test_fields_a_form_does_not_show_go_to_the_top_of_the_form() -> None:
    errors = [
        FieldError("capacity", "greater_than_equal", "x"),
        FieldError("scores.综合分析", "invalid", "y"),
        FieldError("season_id", "window_closed", "z"),
    ]
    grouped = by_field(errors, known=["capacity", "scores"])
    assert set(grouped) == {"capacity", "scores", FORM}
