"""Fixtures for the whole repo: real Kafka and PostgreSQL (see fanxiang_local.testing)."""

pytest_plugins = ["fanxiang_local.testing"]
