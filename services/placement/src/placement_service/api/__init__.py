"""Placement's HTTP API: routers and their request/response models."""
