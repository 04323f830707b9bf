"""Counties, townships and the organisations that manage them (属地管理). Geography is data:
`data/geography.json` holds Yangquan; another city loads its own file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

CITY = "city"
"""The county value of a 市直 post: the city committee manages it, and it is open to all."""

DATA = Path(__file__).resolve().parents[1] / "data" / "geography.json"


@dataclass(frozen=True)
class County:
    code: str
    name: str
    lon: float
    lat: float
    townships: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Geography:
    counties: dict[str, County]
    zones: dict[str, str]
    """Township code → the zone's own managing org code (e.g. the development zone's 团工委)."""

    def is_county(self, code: str) -> bool:
        return code in self.counties

    def is_post_county(self, code: str) -> bool:
        return code == CITY or code in self.counties

    def has_township(self, county: str, township: str) -> bool:
        c = self.counties.get(county)
        return c is not None and township in c.townships

    def managing_org(self, county: str, township: str | None) -> str:
        """Whose committee manages a post or a student: a zone with its own 团工委 (its
        township code), else the county (adcode), else ``city`` for 市直."""
        if township is not None and township in self.zones:
            return township
        return county

    def county_name(self, code: str) -> str:
        if code == CITY:
            return "市直"
        c = self.counties.get(code)
        return c.name if c else code


def parse(raw: dict[str, object]) -> Geography:
    counties = {
        c["code"]: County(c["code"], c["name"], c["lon"], c["lat"], dict(c["townships"]))
        for c in raw["counties"]  # type: ignore[attr-defined]
    }
    zones = {z["code"]: z["code"] for z in raw.get("zones", [])}  # type: ignore[attr-defined]
    return Geography(counties, zones)


@lru_cache(maxsize=1)
def default_geography() -> Geography:
    return parse(json.loads(DATA.read_text("utf-8")))
