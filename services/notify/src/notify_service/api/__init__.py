"""Notify's HTTP API."""
