"""The Kafka producer every service uses: idempotent, ``acks=all``."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer


def make_producer(bootstrap_servers: str, *, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,  # implies acks="all"; no duplicates from the producer's retries
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=15_000,
    )


async def start_producer(bootstrap_servers: str, *, client_id: str) -> AIOKafkaProducer:
    producer = make_producer(bootstrap_servers, client_id=client_id)
    try:
        await producer.start()
    except BaseException:
        await producer.stop()
        raise
    return producer
