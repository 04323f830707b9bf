"""SQL for "managed by this committee" (属地): a zone with its own 团工委 manages its township;
the county manages the rest of the county."""

from __future__ import annotations


def managed_by(county: str, township: str, org: str, zones: str) -> str:
    """A condition: the row's place (``county``, ``township`` columns) is managed by the
    org in parameter ``org``; ``zones`` is the parameter holding the zones' township codes."""
    return (
        f"({township} = {org} OR ({county} = {org} AND"
        f" ({township} IS NULL OR NOT {township} = ANY({zones}::text[]))))"
    )
