"""JSON-schema snapshots of the event models, so a breaking change cannot slip in unnoticed.

``python -m fanxiang_common.events.snapshots`` rewrites the snapshots after a deliberate,
compatible change (an added optional field or a new event type). `compatibility_problems`
says why a change is breaking.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from fanxiang_common.events import event_types

SCHEMA_DIR = Path(__file__).parent / "schemas"


def current_schemas() -> dict[str, dict[str, Any]]:
    return {name: model.model_json_schema() for name, model in sorted(event_types().items())}


def stored_schemas() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(SCHEMA_DIR.glob("*.json"))}


def compatibility_problems(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Breaking differences from ``old`` to ``new``: removed fields, new required fields,
    changed field types. Adding optional fields is allowed within a version."""
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for field, spec in old_props.items():
        if field not in new_props:
            problems.append(f"field {field!r} removed")
        elif _shape(spec) != _shape(new_props[field]):
            problems.append(f"field {field!r} changed type")
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    problems += [f"field {f!r} became required" for f in sorted(added_required)]
    return problems


def _shape(spec: dict[str, Any]) -> Any:
    """The parts of a property's schema that decide what data it accepts."""
    keys = ("type", "anyOf", "items", "format", "$ref", "enum", "const")
    return {k: spec[k] for k in keys if k in spec}


def write_snapshots() -> None:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, schema in current_schemas().items():
        text = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        (SCHEMA_DIR / f"{name}.json").write_text(text, "utf-8")


if __name__ == "__main__":
    write_snapshots()
    print(f"wrote {len(current_schemas())} schemas to {SCHEMA_DIR}", file=sys.stderr)
