"""The demo season: generated from a seed (`generate`, pure) and loaded into a running stack
through the services' own HTTP APIs (`load`). `fanxiang stack demo`; see docs/demo.md."""

from fanxiang_local.demo.generate import DEFAULT_SEED, generate
from fanxiang_local.demo.model import Demo

__all__ = ["DEFAULT_SEED", "Demo", "generate"]
