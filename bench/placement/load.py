"""The load generator, run as its own process by run.py: HTTP/1.1 keep-alive connections on
raw asyncio streams (light enough to leave the CPU to the service under test).

    python load.py --port P --requests FILE --rate 500 --duration 30      (open loop)
    python load.py --port P --requests FILE --concurrency 64 --duration 15 (closed loop)

FILE holds one JSON object per line: {"token": …, "body": {…}, "key": …}. Open loop: request
i is due at start + i/rate, whether or not earlier ones have answered, and its latency is
counted from when it was due (no coordinated omission). Prints one JSON line of results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter


def build(line: str, port: int) -> bytes:
    item = json.loads(line)
    body = json.dumps(item["body"], ensure_ascii=False).encode()
    head = (
        f"POST /v1/applications HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {item['token']}\r\nContent-Type: application/json\r\n"
        f"Idempotency-Key: {item['key']}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await self.reader.readexactly(length)
        return status


async def open_loop(
    port: int, requests: list[bytes], rate: float, duration: float, connections: int
) -> dict[str, object]:
    total = min(len(requests), int(rate * duration))
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()

    async def worker() -> None:
        conn = Connection(port)
        while (item := await queue.get()) is not None:
            due, raw = item
            try:
                statuses[await conn.request(raw)] += 1
            except (OSError, asyncio.IncompleteReadError) as exc:
                errors[type(exc).__name__] += 1
                conn = Connection(port)
            latencies.append(time.perf_counter() - due)

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    start = time.perf_counter()
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((due, requests[i]))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.perf_counter() - start
    return summary("open", total, elapsed, latencies, statuses, errors, rate=rate)


async def closed_loop(
    port: int, requests: list[bytes], concurrency: int, duration: float
) -> dict[str, object]:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    it = iter(requests)
    stop = time.perf_counter() + duration

    async def worker() -> None:
        conn = Connection(port)
        while time.perf_counter() < stop and (raw := next(it, None)) is not None:
            t = time.perf_counter()
            try:
                statuses[await conn.request(raw)] += 1
            except (OSError, asyncio.IncompleteReadError) as exc:
                errors[type(exc).__name__] += 1
                conn = Connection(port)
            latencies.append(time.perf_counter() - t)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return summary(
        "closed", len(latencies), elapsed, latencies, statuses, errors, concurrency=concurrency
    )


def summary(
    mode: str,
    sent: int,
    elapsed: float,
    latencies: list[float],
    statuses: Counter[int],
    errors: Counter[str],
    **extra: object,
) -> dict[str, object]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return (
            round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)
            if ordered
            else 0.0
        )

    return {
        "mode": mode,
        "sent": sent,
        "elapsed_s": round(elapsed, 2),
        "throughput": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": pct(1.0),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": dict(errors),
        **extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--requests", required=True)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--rate", type=float)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--concurrency", type=int)
    args = parser.parse_args()
    with open(args.requests, encoding="utf-8") as f:
        requests = [build(line, args.port) for line in f if line.strip()]
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    if args.rate:
        result = asyncio.run(
            open_loop(args.port, requests, args.rate, args.duration, args.connections)
        )
    else:
        result = asyncio.run(
            closed_loop(args.port, requests, args.concurrency or 32, args.duration)
        )
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
