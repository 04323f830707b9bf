"""Placement's rules, pure: no I/O. Refusals are `fanxiang_common.errors.AppError` subclasses,
so a rule broken deep inside still reaches the caller as a 4xx naming the field."""
