"""Retry a read-modify-write on ``Conflict``, after client-go's ``util/retry``.

An update carries the ``resourceVersion`` it read; if someone else wrote in
between, the server answers 409 ``Conflict``. The cure is to read again,
re-apply the change and write again, a few times, with a short backoff::

    def bump():
        cm = cms.get("settings")
        cm["data"]["count"] = str(int(cm["data"]["count"]) + 1)
        return cms.update(cm)

    retry.on_conflict(bump)

``AlreadyExists`` is also a 409 but retrying cannot help it, so it is not
retried (apimachinery ``IsConflict`` checks the reason, not the code).

The jittered reconnect backoff the transport and watch use stays in
``dynclient.retry`` (``jittered_backoff``): it is a wire concern, below the tools.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Optional, Tuple, Type, TypeVar

from discovery.errors import AlreadyExists, Conflict

__all__ = ["Backoff", "DEFAULT_RETRY", "DEFAULT_BACKOFF", "on_conflict", "on_error"]

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """apimachinery ``wait.Backoff``: ``steps`` tries, sleeping ``duration`` then ``duration*factor``...

    Each sleep gets up to ``jitter * duration`` added at random; ``cap``
    (when set) bounds the growing duration.
    """

    steps: int
    duration: float
    factor: float = 1.0
    jitter: float = 0.0
    cap: Optional[float] = None

    def delays(self, rng: Callable[[], float] = random.random) -> Tuple[float, ...]:
        """The sleeps between the ``steps`` tries (``steps - 1`` of them)."""
        out = []
        duration = self.duration
        for _ in range(max(self.steps - 1, 0)):
            out.append(duration + (rng() * self.jitter * duration if self.jitter > 0 else 0.0))
            if self.factor:
                duration *= self.factor
                if self.cap is not None:
                    duration = min(duration, self.cap)
        return tuple(out)


#: client-go ``retry.DefaultRetry``: for conflicts with a client that is the only writer of its field.
DEFAULT_RETRY = Backoff(steps=5, duration=0.010, factor=1.0, jitter=0.1)
#: client-go ``retry.DefaultBackoff``: for conflicts with other controllers, growing fast.
DEFAULT_BACKOFF = Backoff(steps=4, duration=0.010, factor=5.0, jitter=0.1)


def on_error(
    fn: Callable[[], T],
    retriable: Callable[[BaseException], bool],
    backoff: Backoff = DEFAULT_BACKOFF,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``fn`` until it returns, retrying while ``retriable(error)`` (client-go ``OnError``).

    After ``backoff.steps`` tries the last error is raised; any other error at once.
    """
    if backoff.steps < 1:
        raise ValueError("backoff.steps must be at least 1")
    delays = backoff.delays()
    for attempt in range(backoff.steps):
        try:
            return fn()
        except Exception as err:  # noqa: BLE001 - filtered by retriable()
            if attempt == backoff.steps - 1 or not retriable(err):
                raise
            sleep(delays[attempt])
    raise AssertionError("unreachable")  # pragma: no cover


def _is_conflict(err: BaseException, _kinds: Tuple[Type[BaseException], ...] = (Conflict,)) -> bool:
    return isinstance(err, _kinds) and not isinstance(err, AlreadyExists)


def on_conflict(
    fn: Callable[[], T],
    backoff: Backoff = DEFAULT_RETRY,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``fn`` (which must re-read what it updates) again on ``Conflict`` (client-go ``RetryOnConflict``).

    Returns ``fn``'s result; re-raises the last ``Conflict`` after ``backoff.steps`` tries.
    """
    return on_error(fn, _is_conflict, backoff, sleep=sleep)
