"""Placement's consumers."""
