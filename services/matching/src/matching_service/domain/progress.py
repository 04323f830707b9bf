"""Progress of a long solve: an optional callback the pure code calls between steps.

One hook for every caller: `fanxiang match solve` draws it on stderr, the service's round
jobs store it in the round's row. The callback must be cheap (it is called once per DA round,
a few dozen times per solve) and may raise to stop the work (a service shutting down).
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: in phase "solve", ``done`` of ``total`` students are
settled (held by a post or out of choices); it never decreases and ends at ``total``."""
