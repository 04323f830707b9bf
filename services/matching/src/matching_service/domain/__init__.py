"""Matching domain: pure code, no I/O. The file solver (`matching_service.cli`) and the
service's rounds use the same functions:

    instance = parse_instance(raw_bytes_or_dict)      # InvalidInstance names the bad record
    matching = solve(instance)                        # student-optimal stable matching
    check_stability(instance, matching) == []         # independent checker
    explain(instance, matching)                       # why not a higher choice, per student
    result_document(instance, matching)               # contract-4 result dict
"""

from .explain import explain
from .model import (
    CITY,
    DEFAULT_SEED,
    BlockingPair,
    Instance,
    InvalidInstance,
    Matching,
    matching_from_dict,
)
from .parse import parse_instance
from .result import result_document, stats
from .solver import solve
from .stability import check_matching, check_stability

__all__ = [
    "CITY",
    "DEFAULT_SEED",
    "BlockingPair",
    "Instance",
    "InvalidInstance",
    "Matching",
    "check_matching",
    "check_stability",
    "explain",
    "matching_from_dict",
    "parse_instance",
    "result_document",
    "solve",
    "stats",
]
