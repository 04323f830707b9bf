"""`fanxiang stack demo`: load the demo season into the stack `fanxiang stack up` started."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx

from fanxiang_local.demo.load import DemoError, Services, load, sign_in_guide


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def _load(urls: dict[str, str], seed: int, scale: float) -> int:
    timeout = httpx.Timeout(60.0)
    async with (
        httpx.AsyncClient(base_url=urls["placement"], timeout=timeout) as placement,
        httpx.AsyncClient(base_url=urls["matching"], timeout=timeout) as matching,
        httpx.AsyncClient(base_url=urls["survey"], timeout=timeout) as survey,
    ):
        try:
            loaded = await load(
                Services(placement, matching, survey), seed=seed, scale=scale, say=_say
            )
        except httpx.TransportError as exc:
            try:
                where = str(exc.request.url)
            except RuntimeError:  # no request attached
                where = "a service"
            _say(f"the demo season could not be loaded: {where} does not answer ({exc});")
            _say("is the stack up? `fanxiang stack up` (or `make run`) starts it")
            return 1
        except (DemoError, httpx.HTTPError) as exc:
            _say(f"the demo season could not be loaded: {exc}")
            return 1
    _say(sign_in_guide(loaded, urls["web"]))
    return 0


def run_demo(*, seed: int, scale: float) -> int:
    from fanxiang_local.stack import Stack

    if os.environ.get("FANXIANG_DEMO", "1").lower() in ("0", "false", "no"):
        _say("FANXIANG_DEMO=0: the demo season is not loaded")
        return 0
    if os.environ.get("FANXIANG_ENV") == "production":
        # Production has no development sign-in (and should hold no invented people).
        _say("FANXIANG_ENV=production: the demo season is not loaded")
        return 0

    urls = {
        s: f"http://127.0.0.1:{Stack.port(s)}" for s in ("placement", "matching", "survey", "web")
    }
    return asyncio.run(_load(urls, seed, scale))
