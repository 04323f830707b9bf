"""Notify's SQL (asyncpg)."""
