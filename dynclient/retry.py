"""Retry helpers: the jittered backoff of the wire layer, and (re-exported) the conflict retry.

``jittered_backoff`` lives here because the transport and the watch use it,
and they sit below the controller tools. The read-modify-write retry on
``Conflict`` (client-go ``util/retry``) moved to ``dynclient.tools.retry``;
its names stay importable from here.
"""

from __future__ import annotations

import random

from .tools.retry import DEFAULT_BACKOFF, DEFAULT_RETRY, Backoff, on_conflict, on_error

__all__ = ["Backoff", "DEFAULT_RETRY", "DEFAULT_BACKOFF", "on_conflict", "on_error", "jittered_backoff"]


def jittered_backoff(failures: int, *, base: float, cap: float, floor: float = 0.5) -> float:
    """The wait before retry number ``failures`` (from 1): ``base * 2**(failures-1)``, capped at ``cap``,
    then scaled by a random factor in ``[floor, 1]`` so that many clients do not retry in step.

    Watch reconnects and informer relists use the default jitter; the transport uses full jitter
    (``floor=0``), as AWS's "exponential backoff and jitter" recommends for request retries.
    """
    return random.uniform(floor, 1.0) * min(cap, base * 2 ** min(failures - 1, 30))
