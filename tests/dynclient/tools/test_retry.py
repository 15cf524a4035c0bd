"""tools.retry.on_conflict: what is retried, how often, with which backoff; dynclient.retry keeps the old names."""

from __future__ import annotations

import pytest

import dynclient
import dynclient.retry as wire_retry
from dynclient.tools import retry


def conflict():
    return dynclient.status_error_from_response(409, b'{"kind":"Status","code":409,"reason":"Conflict"}')


def already_exists():
    return dynclient.status_error_from_response(409, b'{"kind":"Status","code":409,"reason":"AlreadyExists"}')


def flaky(errors, result="ok"):
    calls = []

    def fn():
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return result

    return fn, calls


@pytest.mark.parametrize(
    "errors, calls, outcome",
    [([], 1, "ok"),
     ([conflict()], 2, "ok"),
     ([conflict() for _ in range(4)], 5, "ok"),
     ([conflict() for _ in range(5)], 5, dynclient.Conflict),
     ([already_exists()], 1, dynclient.AlreadyExists),
     ([dynclient.status_error_from_response(404, b"")], 1, dynclient.NotFound)],
    ids=["first-try", "one-conflict", "four-conflicts", "gives-up-after-5", "already-exists-not-retried",
         "other-errors-not-retried"],
)
def test_on_conflict(errors, calls, outcome):
    fn, made = flaky(list(errors))
    sleeps = []
    if isinstance(outcome, type):
        with pytest.raises(outcome):
            retry.on_conflict(fn, sleep=sleeps.append)
    else:
        assert retry.on_conflict(fn, sleep=sleeps.append) == outcome
    assert len(made) == calls
    assert len(sleeps) == calls - 1
    assert all(0.010 <= s <= 0.011 for s in sleeps)


@pytest.mark.parametrize(
    "backoff, expected",
    [(retry.DEFAULT_RETRY, [0.01, 0.01, 0.01, 0.01]), (retry.DEFAULT_BACKOFF, [0.01, 0.05, 0.25])],
    ids=["default-retry", "default-backoff"],
)
def test_backoff_delays_match_client_go(backoff, expected):
    assert list(backoff.delays(rng=lambda: 0.0)) == pytest.approx(expected)
    assert all(d <= e * 1.1 + 1e-12 for d, e in zip(backoff.delays(rng=lambda: 1.0), expected))


@pytest.mark.parametrize(
    "failures, base, cap, floor, low, high",
    [(1, 0.2, 30.0, 0.5, 0.1, 0.2), (3, 0.2, 30.0, 0.5, 0.4, 0.8), (40, 0.2, 30.0, 0.5, 15.0, 30.0),
     (1, 0.1, 5.0, 0.0, 0.0, 0.1), (10, 0.1, 5.0, 0.0, 0.0, 5.0)],
    ids=["first", "third", "capped", "full-jitter-first", "full-jitter-capped"],
)
def test_jittered_backoff_stays_in_its_band(failures, base, cap, floor, low, high):
    waits = [wire_retry.jittered_backoff(failures, base=base, cap=cap, floor=floor) for _ in range(200)]
    assert all(low <= w <= high for w in waits)
    assert max(waits) - min(waits) > (high - low) / 10  # it is jittered, not constant


@pytest.mark.parametrize("name", ["Backoff", "DEFAULT_RETRY", "DEFAULT_BACKOFF", "on_conflict", "on_error"])
def test_the_old_module_re_exports_the_moved_names(name):
    assert getattr(wire_retry, name) is getattr(retry, name)
