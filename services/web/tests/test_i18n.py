"""Chinese by default, English by a switch: every Chinese text the pages can show has an
English entry, and no template holds Chinese outside ``_()``."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from fanxiang_web import i18n
from fanxiang_web.catalogue_en import EN
from fanxiang_web.domain.errors import FieldError
from placement_service.domain.geography import DATA as GEOGRAPHY
from placement_service.domain.reference import (
    INTERVIEW_CRITERIA,
    PoliticalStatus,
    PostCategory,
    UnitType,
)

PACKAGE = Path(i18n.__file__).parent
TEMPLATES = PACKAGE / "templates"
HAN = re.compile(r"[\u4e00-\u9fff]")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
LITERAL = re.compile(r"\"([^\"\n]*)\"|'([^'\n]*)'")
# Chinese that stays Chinese in English pages: the switch back to Chinese.
NOT_TRANSLATED = {"中文"}


def template_texts() -> dict[str, set[str]]:
    """Chinese string literals inside Jinja tags, by template."""
    found: dict[str, set[str]] = {}
    for path in TEMPLATES.rglob("*.html"):
        for tag in JINJA.findall(path.read_text("utf-8")):
            if tag.startswith("{#"):
                continue
            for a, b in LITERAL.findall(tag):
                text = a or b
                if HAN.search(text):
                    found.setdefault(text, set()).add(path.name)
    return found


def bare_template_text() -> dict[str, list[str]]:
    """Chinese outside Jinja tags (it would never be translated)."""
    bare: dict[str, list[str]] = {}
    for path in TEMPLATES.rglob("*.html"):
        outside = JINJA.sub(" ", path.read_text("utf-8"))
        words = [w for w in re.findall(r"[^\s<>\"'=]*[\u4e00-\u9fff][^\s<>\"'=]*", outside)]
        words = [w for w in words if w not in NOT_TRANSLATED]
        if words:
            bare[path.name] = words
    return bare


def python_texts() -> dict[str, set[str]]:
    """Chinese string literals in the package's modules (docstrings aside)."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name == "catalogue_en.py":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and HAN.search(node.value)
            ):
                found.setdefault(node.value, set()).add(path.name)
    return found


def vocabulary() -> set[str]:
    """What placement's /v1/reference sends and the pages show translated."""
    geography = json.loads(GEOGRAPHY.read_text("utf-8"))
    return (
        {c.value for c in PostCategory}
        | {p.value for p in PoliticalStatus}
        | {u.value for u in UnitType}
        | set(INTERVIEW_CRITERIA)
        | {c["name"] for c in geography["counties"]}
    )


def missing() -> list[str]:
    wanted = set(template_texts()) | set(python_texts()) | vocabulary()
    return sorted(t for t in wanted if t not in EN and t not in NOT_TRANSLATED)


def test_every_chinese_text_has_an_english_entry() -> None:
    assert missing() == []


def test_templates_hold_no_chinese_outside_translation_calls() -> None:
    assert bare_template_text() == {}


def test_catalogue_has_no_stale_entries() -> None:
    wanted = set(template_texts()) | set(python_texts()) | vocabulary()
    assert sorted(set(EN) - wanted) == []


def test_placeholders_survive_translation() -> None:
    for zh, en in EN.items():
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", en)), zh


def test_translator_defaults_to_chinese_and_formats_values() -> None:
    assert i18n.Translator("zh")("志愿 {n}", n=2) == "志愿 2"
    assert i18n.Translator("en")("志愿 {n}", n=2) == EN["志愿 {n}"].format(n=2)
    assert i18n.Translator("fr")("岗位") == "岗位"  # an unknown language is Chinese
    assert i18n.Translator("en")("没有这句话") == "没有这句话"  # falls back to Chinese


@pytest.mark.parametrize(
    ("error", "zh"),
    [
        (
            FieldError("phone", "string_pattern_mismatch", "String should match"),
            "请输入 11 位手机号",
        ),
        (FieldError("code", "code_wrong", "the code is wrong"), "验证码不正确"),
        (
            FieldError("choices.1", "duplicate", "post P is already choice 1"),
            "这个岗位已经在志愿里了",
        ),
        (FieldError("reason", "string_too_short", "too short"), "请填写原因"),
        (FieldError("title", "string_pattern_mismatch", "x"), "格式不正确"),
    ],
)
def test_errors_people_meet_are_in_plain_words(error: FieldError, zh: str) -> None:
    assert i18n.error_text(i18n.Translator("zh"), error) == zh
    assert i18n.error_text(i18n.Translator("en"), error) == EN[zh]


def test_an_unknown_error_keeps_the_service_words() -> None:
    error = FieldError("capacity", "below_accepted", "capacity 1 is below the 2 accepted")
    assert i18n.error_text(i18n.Translator("zh"), error) == "capacity 1 is below the 2 accepted"


if __name__ == "__main__":  # list what the catalogue lacks
    for text in missing():
        print(json.dumps(text, ensure_ascii=False))
    print(bare_template_text())
